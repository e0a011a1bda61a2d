package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// perPage is WooCommerce's maximum page size.
const perPage = 100

const gmtLayout = "2006-01-02T15:04:05"

// Poll calls fn for every order modified at or after since, oldest first,
// and returns the newest modified time it saw (since when none). An order it
// cannot parse stops it with an error wrapping *source.UnparseableError;
// PollEach reports such an order and goes on.
func (c *Client) Poll(ctx context.Context, since time.Time, fn func(order.Order) error) (time.Time, error) {
	return c.PollEach(ctx, since, func(p source.Polled) error {
		if p.Err != nil {
			return &source.Error{Kind: source.BadResponse, Message: "poll: order in list", Err: p.Err}
		}
		return fn(p.Order)
	})
}

var _ source.ReportingPoller = (*Client)(nil)

// PollEach calls fn for every order modified at or after since, oldest
// first, and returns the newest modified time it saw (since when none). An
// order it cannot parse is passed to fn with its raw payload and the cause,
// and the poll goes on with the rest of the page: one broken order never
// holds up the ones after it.
//
// Paging by page number is unsafe while the shop works: an order modified
// between two pages moves to the end and shifts every later order one place
// forward, so one order would be skipped. PollEach pages by key instead:
// after a full page it asks again from the newest modified second it saw
// (minus one second, since WooCommerce dates have second resolution and
// modified_after is exclusive), at page 1. Only while a whole page shares
// one second, where a new start would return the same page, does it move to
// the next page number. Orders at the boundary second come twice; the
// caller ignores repeats. A poll where nothing changed is one request.
func (c *Client) PollEach(ctx context.Context, since time.Time, fn func(source.Polled) error) (time.Time, error) {
	since = since.UTC().Truncate(time.Second)
	next := since
	after := since.Add(-time.Second)
	page := 1
	for {
		q := url.Values{
			"modified_after": {after.Format(gmtLayout)},
			"dates_are_gmt":  {"true"},
			"per_page":       {strconv.Itoa(perPage)},
			"orderby":        {"modified"},
			"order":          {"asc"},
			"page":           {strconv.Itoa(page)},
		}
		var raws []json.RawMessage
		if _, err := c.get(ctx, "orders", q, &raws); err != nil {
			return next, fmt.Errorf("poll: %w", err)
		}
		var newest time.Time
		for _, raw := range raws {
			o, err := c.parseFull(ctx, raw)
			var bad *source.UnparseableError
			switch {
			case errors.As(err, &bad):
				if err := fn(source.Polled{Err: bad}); err != nil {
					return next, err
				}
				o.Modified = bad.Modified
			case err != nil:
				return next, fmt.Errorf("poll: %w", err)
			default:
				if err := fn(source.Polled{Order: o}); err != nil {
					return next, err
				}
			}
			if o.Modified.After(next) {
				next = o.Modified
			}
			if o.Modified.After(newest) {
				newest = o.Modified
			}
		}
		if len(raws) < perPage {
			return next, nil
		}
		if newest.Add(-time.Second).After(after) {
			after, page = newest.Add(-time.Second), 1
		} else {
			page++ // the whole page is one second: only a page number gets past it
		}
	}
}

// parseFull parses one order of a list and completes its refunds. An order
// that cannot be read (itself or its refunds) comes back as an
// *source.UnparseableError; any other error is the request's.
func (c *Client) parseFull(ctx context.Context, raw []byte) (order.Order, error) {
	o, err := ParseOrder(raw, c.base.String())
	if err != nil {
		return o, unparseable(raw, err)
	}
	if err := c.addRefundLines(ctx, &o); err != nil {
		var pe refundParseError
		if errors.As(err, &pe) {
			return o, unparseable(raw, err)
		}
		return o, err
	}
	return o, nil
}

// unparseable builds the report of an order that cannot be parsed, with the
// id and modified time read leniently from raw where it has them.
func unparseable(raw []byte, cause error) *source.UnparseableError {
	u := &source.UnparseableError{Raw: append([]byte(nil), raw...), Err: cause}
	var head struct {
		ID       json.RawMessage `json:"id"`
		Modified json.RawMessage `json:"date_modified_gmt"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return u
	}
	var id json.Number
	if json.Unmarshal(head.ID, &id) == nil {
		if n, err := id.Int64(); err == nil && n > 0 {
			u.ID = strconv.FormatInt(n, 10)
		}
	} else {
		var s string
		if json.Unmarshal(head.ID, &s) == nil {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
				u.ID = strconv.FormatInt(n, 10)
			}
		}
	}
	var mod string
	if json.Unmarshal(head.Modified, &mod) == nil {
		if t, err := time.Parse(gmtLayout, mod); err == nil {
			u.Modified = t.UTC()
		}
	}
	return u
}

// refundParseError marks a refund WooCommerce returned that cannot be read.
type refundParseError struct{ err error }

func (e refundParseError) Error() string { return e.err.Error() }
func (e refundParseError) Unwrap() error { return e.err }

// Fetch returns the current snapshot of each id, asking 100 at a time with
// include= and status=any. WooCommerce's "any" leaves out trashed orders, so
// the ids it does not return are asked again with status=trash: a trashed
// order comes back as it is (Deleted set, with the modified time of the
// trashing, so it is newer than what was kept). An id neither returns
// (deleted for good) comes back with only Deleted set.
func (c *Client) Fetch(ctx context.Context, ids []string) ([]order.Order, error) {
	var out []order.Order
	var unreadable []error
	for start := 0; start < len(ids); start += perPage {
		batch := ids[start:min(start+perPage, len(ids))]
		for _, id := range batch {
			if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
				return out, &source.Error{Kind: source.BadRequest, Message: fmt.Sprintf("fetch: %q is not a WooCommerce order id", id)}
			}
		}
		got := map[string]order.Order{}
		for _, status := range []string{"any", "trash"} {
			var ask []string
			for _, id := range batch {
				if _, ok := got[id]; !ok {
					ask = append(ask, id)
				}
			}
			if len(ask) == 0 {
				break
			}
			bad, err := c.fetchInto(ctx, ask, status, got)
			for _, b := range bad {
				unreadable = append(unreadable, b)
			}
			if err != nil {
				return out, err
			}
		}
		for _, id := range batch {
			o, ok := got[id]
			switch {
			case !ok:
				out = append(out, order.Order{Source: order.WooCommerce, ID: id, Number: id, Deleted: true,
					ShopURL: adminURL(c.base.String(), id)})
			case o.ID != "": // a zero order stands for one that could not be read
				out = append(out, o)
			}
		}
	}
	return out, errors.Join(unreadable...)
}

// fetchInto asks for the orders ids with status and adds them to got. The
// orders it cannot parse are returned, not added (their id maps to a zero
// order in got, so they are not taken for deleted).
func (c *Client) fetchInto(ctx context.Context, ids []string, status string, got map[string]order.Order) ([]*source.UnparseableError, error) {
	q := url.Values{
		"include":  {strings.Join(ids, ",")},
		"status":   {status},
		"per_page": {strconv.Itoa(perPage)},
	}
	var raws []json.RawMessage
	if _, err := c.get(ctx, "orders", q, &raws); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	var unreadable []*source.UnparseableError
	for _, raw := range raws {
		o, err := c.parseFull(ctx, raw)
		var bad *source.UnparseableError
		switch {
		case errors.As(err, &bad):
			if bad.ID != "" {
				got[bad.ID] = order.Order{} // returned, so not missing: not asked again as trash
			}
			unreadable = append(unreadable, bad)
		case err != nil:
			return unreadable, fmt.Errorf("fetch: %w", err)
		default:
			got[o.ID] = o
		}
	}
	return unreadable, nil
}

// Statuses lists the shop's order statuses with their counts from
// /reports/orders/totals, which includes statuses that plugins register.
func (c *Client) Statuses(ctx context.Context) ([]order.StatusInfo, error) {
	var rows []struct {
		Slug  string `json:"slug"`
		Name  string `json:"name"`
		Total int    `json:"total"`
	}
	if _, err := c.get(ctx, "reports/orders/totals", nil, &rows); err != nil {
		return nil, fmt.Errorf("statuses: %w", err)
	}
	out := make([]order.StatusInfo, 0, len(rows))
	for _, r := range rows {
		if r.Slug == "" {
			continue
		}
		out = append(out, order.StatusInfo{Slug: order.Status(strings.TrimPrefix(r.Slug, "wc-")), Name: r.Name, Count: r.Total})
	}
	return out, nil
}

type refundEntry struct {
	modified time.Time
	refunds  []order.Refund
}

// addRefundLines completes the refunds of an order that has any with what
// GET /orders/{id}/refunds says: date and refunded lines with their VAT
// (positive). The answer is cached per order and modified time.
func (c *Client) addRefundLines(ctx context.Context, o *order.Order) error {
	if len(o.Refunds) == 0 {
		return nil
	}
	if e, ok := c.refundCache[o.ID]; ok && e.modified.Equal(o.Modified) {
		o.Refunds = e.refunds
		return nil
	}
	var raws []json.RawMessage
	if _, err := c.get(ctx, "orders/"+o.ID+"/refunds", url.Values{"per_page": {"100"}}, &raws); err != nil {
		return fmt.Errorf("refunds of order %s: %w", o.ID, err)
	}
	byID := map[string]order.Refund{}
	for _, raw := range raws {
		r, err := ParseRefund(raw, *o)
		if err != nil {
			return refundParseError{fmt.Errorf("refunds of order %s: %w", o.ID, err)}
		}
		byID[r.ID] = r
	}
	for i, r := range o.Refunds {
		if full, ok := byID[r.ID]; ok {
			full.Amount = r.Amount
			o.Refunds[i] = full
		}
	}
	if len(c.refundCache) > 4096 {
		clear(c.refundCache)
	}
	c.refundCache[o.ID] = refundEntry{o.Modified, o.Refunds}
	return nil
}

// ParseRefund maps one refund of GET /orders/{id}/refunds of order o to an
// order.Refund. WooCommerce stores refunded lines with negative amounts and
// quantities; they come back positive, with the ID of the order line they
// refund (its _refunded_item_id) and that line's rate and category, since a
// refund's own tax_lines are empty.
func ParseRefund(raw []byte, o order.Order) (order.Refund, error) {
	var w struct {
		ID             wcID     `json:"id"`
		DateCreatedGMT *string  `json:"date_created_gmt"`
		Amount         wcMoney  `json:"amount"`
		Reason         string   `json:"reason"`
		LineItems      []wcLine `json:"line_items"`
		ShippingLines  []wcLine `json:"shipping_lines"`
		FeeLines       []wcLine `json:"fee_lines"`
		TaxLines       []struct {
			RateID      wcID         `json:"rate_id"`
			RatePercent *json.Number `json:"rate_percent"`
		} `json:"tax_lines"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return order.Refund{}, fmt.Errorf("parse woocommerce refund: %w", err)
	}
	id := strconv.FormatInt(int64(w.ID), 10)
	amt, err := money(w.Amount)
	if err != nil {
		return order.Refund{}, fmt.Errorf("parse woocommerce refund %s amount: %w", id, err)
	}
	created, err := gmtTime(w.DateCreatedGMT)
	if err != nil {
		return order.Refund{}, fmt.Errorf("parse woocommerce refund %s: %w", id, err)
	}
	r := order.Refund{ID: id, Reason: w.Reason, Amount: amt.Abs(), Created: created}
	rates := map[wcID]order.Rate{}
	for _, tl := range w.TaxLines {
		if tl.RatePercent != nil {
			if p, err := tl.RatePercent.Float64(); err == nil {
				if rt, err := order.RateFromPercent(p); err == nil {
					rates[tl.RateID] = rt
				}
			}
		}
	}
	groups := []struct {
		kind  order.LineKind
		lines []wcLine
	}{{order.Product, w.LineItems}, {order.Shipping, w.ShippingLines}, {order.Fee, w.FeeLines}}
	for _, g := range groups {
		for _, l := range g.lines {
			line, err := readLine(g.kind, l, rates)
			if err != nil {
				return order.Refund{}, fmt.Errorf("parse woocommerce refund %s: %w", id, err)
			}
			line.Net, line.VAT = line.Net.Abs(), line.VAT.Abs()
			if ref := refundedItem(l.Meta); ref != "" {
				line.ID = ref
				for _, ol := range o.Lines {
					if ol.ID == ref && ol.Kind == line.Kind {
						line.Rate, line.Category = ol.Rate, ol.Category
					}
				}
			}
			if line.Quantity < 0 {
				line.Quantity = -line.Quantity
			}
			r.Lines = append(r.Lines, line)
		}
	}
	return r, nil
}

// refundedItem reads the _refunded_item_id meta of a refund line.
func refundedItem(meta json.RawMessage) string {
	var ms []struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
	}
	if json.Unmarshal(meta, &ms) != nil {
		return ""
	}
	for _, m := range ms {
		if m.Key != "_refunded_item_id" {
			continue
		}
		var s string
		if json.Unmarshal(m.Value, &s) == nil {
			return s
		}
		var n json.Number
		if json.Unmarshal(m.Value, &n) == nil {
			return n.String()
		}
	}
	return ""
}
