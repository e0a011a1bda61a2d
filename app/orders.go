package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// OrderQuery selects orders for a list. Empty fields select everything.
type OrderQuery struct {
	Shop   string
	States []store.State
	Status order.Status
	// Search matches the order number or the customer.
	Search string
	Limit  int
	Offset int
}

// OrderView is an order as lists show it.
type OrderView struct {
	Shop     string       `json:"shop"`
	ID       string       `json:"id"`
	Number   string       `json:"number"`
	Status   order.Status `json:"status"`
	Created  time.Time    `json:"created"`
	Customer string       `json:"customer"`
	Total    order.Money  `json:"total"`
	Currency string       `json:"currency"`
	State    store.State  `json:"state"`
	// Reason is a code (engine.Reason*), ReasonArg its argument; the UI
	// makes the sentence. Detail is the technical detail.
	Reason    string    `json:"reason,omitempty"`
	ReasonArg string    `json:"reason_arg,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Since     time.Time `json:"since"` // in this state since
	InvoiceID string    `json:"invoice_id,omitempty"`
	// BookingRef is the ledger's reference: the UBL file's path.
	BookingRef string `json:"booking_ref,omitempty"`
}

func view(r store.Record) OrderView {
	return OrderView{Shop: r.Shop, ID: r.ExtID, Number: r.Number, Status: r.Status, Created: r.Created,
		Customer: r.Customer, Total: r.Total, Currency: r.Currency, State: r.State, Reason: r.Reason,
		ReasonArg: r.ReasonArg, Detail: r.Detail, Since: r.StateAt, InvoiceID: r.InvoiceID, BookingRef: r.BookingRef}
}

// Orders lists orders, newest first.
func (s *Service) Orders(ctx context.Context, q OrderQuery) ([]OrderView, error) {
	f := store.Filter{States: q.States, Status: q.Status, Search: strings.TrimSpace(q.Search), Limit: q.Limit, Offset: q.Offset}
	if q.Shop != "" {
		sh, err := s.shop(ctx, q.Shop)
		if err != nil {
			return nil, err
		}
		f.ShopID = sh.ID
	}
	recs, err := s.store.Records(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]OrderView, len(recs))
	for i, r := range recs {
		out[i] = view(r)
	}
	return out, nil
}

// OrderDetail is one order with its lines, bookings and history.
type OrderDetail struct {
	OrderView
	Order    order.Order        `json:"order"`
	Bookings []store.OutboxItem `json:"bookings"`
	Events   []store.Event      `json:"events"`
	ShopURL  string             `json:"shop_url"`
}

// Order returns one order by shop and order number.
func (s *Service) Order(ctx context.Context, shop, number string) (OrderDetail, error) {
	sh, rec, err := s.record(ctx, shop, number)
	if err != nil {
		return OrderDetail{}, err
	}
	o, err := rec.Order()
	if err != nil {
		return OrderDetail{}, err
	}
	bs, err := s.store.Bookings(ctx, sh.ID, rec.ExtID)
	if err != nil {
		return OrderDetail{}, err
	}
	evs, err := s.store.Events(ctx, store.EventFilter{Shop: sh.Name, Order: rec.Number, Limit: 100})
	if err != nil {
		return OrderDetail{}, err
	}
	return OrderDetail{OrderView: view(rec), Order: o, Bookings: bs, Events: evs, ShopURL: orderURL(sh, o)}, nil
}

func (s *Service) record(ctx context.Context, shop, number string) (store.Shop, store.Record, error) {
	sh, err := s.shop(ctx, shop)
	if err != nil {
		return sh, store.Record{}, err
	}
	rec, err := s.store.RecordByNumber(ctx, sh.ID, strings.TrimPrefix(strings.TrimSpace(number), "#"))
	if errors.Is(err, store.ErrNotFound) {
		return sh, rec, &Error{Code: CodeNoSuchOrder, Field: "order", Err: fmt.Errorf("order %s in %s: %w", number, sh.Name, err)}
	}
	return sh, rec, err
}

// OrderURL is where a person opens the order in the shop's admin.
func (s *Service) OrderURL(ctx context.Context, shop, number string) (string, error) {
	d, err := s.Order(ctx, shop, number)
	if err != nil {
		return "", err
	}
	return d.ShopURL, nil
}

func orderURL(sh store.Shop, o order.Order) string {
	if o.ShopURL != "" {
		return o.ShopURL
	}
	return sh.BaseURL + "/wp-admin/post.php?post=" + url.QueryEscape(o.ID) + "&action=edit"
}

// BookAnyway books an order whatever its status ("toch doorzetten"): for a
// parked, ignored or failed order.
func (s *Service) BookAnyway(ctx context.Context, shop, number string) error {
	sh, rec, err := s.record(ctx, shop, number)
	if err != nil {
		return err
	}
	switch rec.State {
	case store.Booked, store.Queued:
		return &Error{Code: CodeNotAllowed, Err: fmt.Errorf("order %s is %s already", rec.Number, rec.State)}
	}
	o, err := rec.Order()
	if err != nil {
		return err
	}
	bookings := []store.Booking{{Key: engine.InvoiceKey(sh, rec.ExtID), Kind: order.KindInvoice}}
	for _, r := range o.Refunds {
		bookings = append(bookings, store.Booking{Key: engine.CreditKey(sh, rec.ExtID, r.ID), Kind: order.KindCreditNote, RefundID: r.ID})
	}
	if err := s.store.Queue(ctx, sh.ID, rec.ExtID, engine.ReasonBookedByUser, bookings,
		store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "booked_by_user"}); err != nil {
		return err
	}
	s.wake()
	s.notify()
	return nil
}

// Ignore marks an order as not to be booked, by a person's choice.
func (s *Service) Ignore(ctx context.Context, shop, number string) error {
	sh, rec, err := s.record(ctx, shop, number)
	if err != nil {
		return err
	}
	if rec.State == store.Booked {
		return &Error{Code: CodeNotAllowed, Err: fmt.Errorf("order %s is booked already", rec.Number)}
	}
	if err := s.store.SetState(ctx, sh.ID, rec.ExtID, store.Ignored, engine.ReasonIgnoredByUser,
		store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "ignored_by_user"}); err != nil {
		return err
	}
	s.notify()
	return nil
}

// Unignore puts an ignored order back in the Open tab (parked), to be
// decided again on its next change or check.
func (s *Service) Unignore(ctx context.Context, shop, number string) error {
	sh, rec, err := s.record(ctx, shop, number)
	if err != nil {
		return err
	}
	if rec.State != store.Ignored {
		return &Error{Code: CodeNotAllowed, Err: fmt.Errorf("order %s is not ignored", rec.Number)}
	}
	o, err := rec.Order()
	if err != nil {
		return err
	}
	d := engine.Decide(sh)(nil, o)
	ev := store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "unignored_by_user"}
	if d.State == store.Queued {
		err = s.store.Queue(ctx, sh.ID, rec.ExtID, "", d.Bookings, ev)
	} else {
		err = s.store.SetState(ctx, sh.ID, rec.ExtID, store.Parked, d.Reason, ev)
	}
	if err != nil {
		return err
	}
	s.wake()
	s.notify()
	return nil
}

// Check fetches one order from the shop now and applies it ("nu controleren").
// It reports whether anything changed.
func (s *Service) Check(ctx context.Context, shop, number string) (bool, error) {
	sh, rec, err := s.record(ctx, shop, number)
	if err != nil {
		return false, err
	}
	n, err := s.engine.Check(ctx, sh, []string{rec.ExtID})
	if err != nil {
		return false, err
	}
	if _, err := s.engine.BookDue(ctx); err != nil {
		return n > 0, err
	}
	return n > 0, nil
}

// Retry puts a failed order's bookings back in the queue, due now.
func (s *Service) Retry(ctx context.Context, shop, number string) error {
	sh, rec, err := s.record(ctx, shop, number)
	if err != nil {
		return err
	}
	if rec.State != store.Failed {
		return &Error{Code: CodeNotAllowed, Err: fmt.Errorf("order %s has not failed", rec.Number)}
	}
	bs, err := s.store.Bookings(ctx, sh.ID, rec.ExtID)
	if err != nil {
		return err
	}
	var again []store.Booking
	for _, b := range bs {
		if b.State == "failed" {
			again = append(again, store.Booking{Key: b.Key, Kind: b.Kind, RefundID: b.RefundID})
		}
	}
	if err := s.store.Queue(ctx, sh.ID, rec.ExtID, "", again,
		store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "retry_by_user"}); err != nil {
		return err
	}
	s.wake()
	s.notify()
	return nil
}
