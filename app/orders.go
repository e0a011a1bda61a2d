package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// OrderQuery selects orders for a list. Empty fields select everything.
type OrderQuery struct {
	Shop   string
	States []State
	Status order.Status
	// Search matches the order number or the customer.
	Search string
	// Changed selects only orders changed in the shop after booking.
	Changed bool
	// Reason selects only orders with this reason code (engine.Reason*).
	Reason string
	// NotReason leaves out the orders with this reason code: Verwerkt's
	// Genegeerd without the till's checks counted in a day summary
	// (ReasonInDaySummary), which a person never ignored.
	NotReason string
	Limit     int
	Offset    int
}

// OrderView is an order as lists show it.
type OrderView struct {
	Shop string `json:"shop"`
	// Source is the shop's kind: what can be done with the order (a
	// till's check cannot be fetched, KindInfo.Fetch).
	Source   order.Source `json:"source"`
	ID       string       `json:"id"`
	Number   string       `json:"number"`
	Status   order.Status `json:"status"`
	Created  time.Time    `json:"created"`
	Customer string       `json:"customer"`
	Total    order.Money  `json:"total"`
	Currency string       `json:"currency"`
	State    State        `json:"state"`
	// Reason is a code (engine.Reason*), ReasonArg its argument; the UI
	// makes the sentence. Detail is the technical detail.
	Reason    string    `json:"reason,omitempty"`
	ReasonArg string    `json:"reason_arg,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Since     time.Time `json:"since"` // in this state since
	InvoiceID string    `json:"invoice_id,omitempty"`
	// BookingRef is the ledger's reference: the UBL file's path.
	BookingRef string `json:"booking_ref,omitempty"`
	// ChangedAfterBooking: the shop changed the order after its invoice was
	// booked; ChangeNote says what ("status cancelled", "total 40.00 ->
	// 35.00"). CreditChange makes the credit note.
	ChangedAfterBooking bool   `json:"changed_after_booking"`
	ChangeNote          string `json:"change_note,omitempty"`
	// EURRate is the rate a person gave for a non-EUR order.
	EURRate string `json:"eur_rate,omitempty"`
}

func view(r store.Record) OrderView {
	return OrderView{Shop: r.Shop, ID: r.ExtID, Number: r.Number, Status: r.Status, Created: r.Created,
		Customer: r.Customer, Total: r.Total, Currency: r.Currency, State: State(r.State), Reason: r.Reason,
		ReasonArg: r.ReasonArg, Detail: r.Detail, Since: r.StateAt, InvoiceID: r.InvoiceID, BookingRef: r.BookingRef,
		ChangedAfterBooking: r.ChangedAfterBooking, ChangeNote: r.ChangeNote, EURRate: r.EURRate}
}

// Orders lists orders, newest first.
func (s *Service) Orders(ctx context.Context, q OrderQuery) ([]OrderView, error) {
	f := store.Filter{States: storeStates(q.States), Status: q.Status, Search: strings.TrimSpace(q.Search), Changed: q.Changed, Reason: q.Reason,
		Limit: q.Limit, Offset: q.Offset}
	if q.Shop != "" {
		sh, err := s.shop(ctx, q.Shop)
		if err != nil {
			return nil, err
		}
		f.ShopID = sh.ID
	}
	recs, err := s.records(ctx, f, q.NotReason)
	if err != nil {
		return nil, err
	}
	kindOf := map[int64]order.Source{}
	if shops, err := s.store.Shops(ctx); err == nil {
		for _, sh := range shops {
			kindOf[sh.ID] = sh.Source
		}
	}
	out := make([]OrderView, len(recs))
	for i, r := range recs {
		out[i] = view(r)
		out[i].Source = kindOf[r.ShopID]
	}
	return out, nil
}

// records are the store's records of f without those whose reason is not
// ("" none), paged through so that Limit and Offset count what is left.
func (s *Service) records(ctx context.Context, f store.Filter, not string) ([]store.Record, error) {
	if not == "" {
		return s.store.Records(ctx, f)
	}
	limit, skip := f.Limit, f.Offset
	const page = 2000
	f.Limit, f.Offset = page, 0
	var out []store.Record
	for {
		recs, err := s.store.Records(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if r.Reason == not {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, r)
			if limit > 0 && len(out) == limit {
				return out, nil
			}
		}
		if len(recs) < page {
			return out, nil
		}
		f.Offset += page
	}
}

// OrderDetail is one order with its lines, bookings and history.
type OrderDetail struct {
	OrderView
	Order    order.Order  `json:"order"`
	Bookings []OutboxItem `json:"bookings"`
	Events   []Event      `json:"events"`
	ShopURL  string       `json:"shop_url"`
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
	v := view(rec)
	v.Source = sh.Source
	return OrderDetail{OrderView: v, Order: o, Bookings: bookingViews(bs), Events: s.eventKinds(ctx, eventViews(evs)), ShopURL: s.orderURL(sh, o)}, nil
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

// OrderURL is where a person opens the order (by the shop's id of it) in
// the shop's admin ("open in shop"); "" when there is none.
func (s *Service) OrderURL(ctx context.Context, shop, orderID string) string {
	sh, err := s.shop(ctx, shop)
	if err != nil || orderID == "" {
		return ""
	}
	o := order.Order{ID: orderID}
	if rec, err := s.store.Record(ctx, sh.ID, orderID); err == nil {
		if got, err := rec.Order(); err == nil {
			o = got
		}
	}
	return s.orderURL(sh, o)
}

// orderURL is the order's page in the shop's admin: what the shop said,
// else the kind's link.
func (s *Service) orderURL(sh store.Shop, o order.Order) string {
	if o.ShopURL != "" {
		return o.ShopURL
	}
	if k, ok := s.kinds.Lookup(sh.Source); ok && k.OrderURL != nil && o.ID != "" {
		return k.OrderURL(sh.BaseURL, o.ID)
	}
	return ""
}

// BookAnyway books an order whatever its status ("toch doorzetten"): for a
// parked, ignored or failed order. An order not in EUR needs a rate:
// BookAnywayAt.
func (s *Service) BookAnyway(ctx context.Context, shop, number string) error {
	return s.BookAnywayAt(ctx, shop, number, "")
}

// BookAnywayAt books an order whatever its status, as BookAnyway, with rate
// the EUR per one unit of the order's currency ("0.9213"; a decimal comma is
// taken too) for an order not in EUR: the invoice then also states its VAT
// in EUR at that rate. rate is required for such an order and refused for
// an order in EUR.
func (s *Service) BookAnywayAt(ctx context.Context, shop, number, rate string) error {
	sh, rec, err := s.record(ctx, shop, number)
	if err != nil {
		return err
	}
	switch rec.State {
	case store.Booked, store.Queued:
		return &Error{Code: CodeNotAllowed, Err: fmt.Errorf("order %s is %s already", rec.Number, rec.State)}
	}
	if err := countedCheck(rec); err != nil {
		return err
	}
	o, err := rec.Order()
	if err != nil {
		return err
	}
	rate = strings.TrimSpace(rate)
	eur := o.Currency == "" || strings.EqualFold(o.Currency, "EUR")
	switch {
	case eur && rate != "":
		return &Error{Code: CodeInvalid, Field: "rate", Err: fmt.Errorf("order %s is in EUR: it needs no rate", rec.Number)}
	case !eur && rate == "":
		return &Error{Code: CodeRequired, Field: "rate",
			Err: fmt.Errorf("order %s is in %s: give the EUR rate (EUR per 1 %s, e.g. --rate 0.9213)", rec.Number, o.Currency, o.Currency)}
	case !eur:
		if rate, err = ParseRate(rate); err != nil {
			return &Error{Code: CodeInvalid, Field: "rate", Err: fmt.Errorf("order %s: %w", rec.Number, err)}
		}
		if err := s.store.SetEURRate(ctx, sh.ID, rec.ExtID, rate); err != nil {
			return err
		}
	}
	bookings := []store.Booking{{Key: engine.InvoiceKey(sh, rec.ExtID), Kind: order.KindInvoice}}
	for _, r := range o.Refunds {
		bookings = append(bookings, store.Booking{Key: engine.CreditKey(sh, rec.ExtID, r.ID), Kind: order.KindCreditNote, RefundID: r.ID})
	}
	ev := store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "booked_by_user"}
	if rate != "" {
		ev.Args = map[string]string{"rate": rate, "currency": o.Currency}
	}
	if err := s.store.Queue(ctx, sh.ID, rec.ExtID, engine.ReasonBookedByUser, bookings, ev); err != nil {
		return err
	}
	s.wake()
	s.notify()
	return nil
}

// ErrRate is returned by ParseRate for a rate that is not a positive decimal.
var ErrRate = errors.New("the EUR rate must be a positive decimal number, such as 0.9213")

// ParseRate checks an EUR rate as a person types it and returns it with a
// decimal point: digits, at most one decimal point or comma, greater than
// zero, at most 10 decimals.
func ParseRate(v string) (string, error) {
	v = strings.ReplaceAll(strings.TrimSpace(v), ",", ".")
	whole, frac, dot := strings.Cut(v, ".")
	digits := func(s string) bool {
		for _, c := range s {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	if whole == "" && frac == "" || !digits(whole) || !digits(frac) || dot && frac == "" || len(frac) > 10 ||
		strings.Trim(whole+frac, "0") == "" {
		return "", fmt.Errorf("%q: %w", v, ErrRate)
	}
	if whole == "" {
		v = "0" + v
	}
	return v, nil
}

// CreditChange makes the credit note for what the shop changed after the
// order was booked ("na boeking gewijzigd"): the whole invoice as booked for
// a cancelled or trashed order, the difference for a lowered total.
func (s *Service) CreditChange(ctx context.Context, shop, number string) error {
	sh, rec, err := s.record(ctx, shop, number)
	if err != nil {
		return err
	}
	if err := s.engine.CreditChange(ctx, sh, rec.ExtID); err != nil {
		if errors.Is(err, engine.ErrNothingToCredit) {
			s.notify() // the mark is off
			return &Error{Code: CodeNothingToCredit, Err: err}
		}
		if errors.Is(err, engine.ErrNotChanged) {
			return &Error{Code: CodeNotAllowed, Err: err}
		}
		return err
	}
	s.wake()
	s.notify()
	return nil
}

// countedCheck refuses a person's booking decision on a till's check that
// is counted in a day summary: its money is in that summary already, so
// booking it on its own would book it twice, and ignoring it would leave it
// counted all the same. What the check should count is the till's to say
// (closed again with other totals, it is corrected on the summary).
func countedCheck(rec store.Record) error {
	if rec.Reason != engine.ReasonInDaySummary {
		return nil
	}
	day := rec.ReasonArg
	if day == "" {
		day = "its day"
	}
	return &Error{Code: CodeNotAllowed, Field: FieldCounted, Err: fmt.Errorf("check %s is counted in the day summary of %s: correct it in the till", rec.Number, day)}
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
	if err := countedCheck(rec); err != nil {
		return err
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
	if err := countedCheck(rec); err != nil {
		return err
	}
	o, err := rec.Order()
	if err != nil {
		return err
	}
	d := s.engine.Decide(sh)(nil, o)
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
	src, err := s.sourceFor(sh)
	if err != nil {
		return false, err
	}
	if _, ok := src.(source.Fetcher); !ok {
		// The till: it sends every check itself, nothing can be asked.
		return false, &Error{Code: CodeUnsupported, Field: FieldCheck,
			Err: fmt.Errorf("a %s shop cannot be asked for order %s: it sends every order itself", sh.Source, rec.Number)}
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

// Retry puts a failed order's bookings back in the queue, due now; for a
// booked order whose credit note failed, only that credit note. An order
// kept because the shop's payload could not be read is fetched again.
func (s *Service) Retry(ctx context.Context, shop, number string) error {
	sh, rec, err := s.record(ctx, shop, number)
	if err != nil {
		return err
	}
	if rec.State == store.Booked && rec.Reason == engine.ReasonCreditFailed {
		// The invoice stays booked: only the failed credit notes go again.
		if _, err := s.store.RetryBookings(ctx, sh.ID, rec.ExtID,
			store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "retry_by_user"}); err != nil {
			return err
		}
		s.wake()
		s.notify()
		return nil
	}
	if rec.State != store.Failed {
		return &Error{Code: CodeNotAllowed, Err: fmt.Errorf("order %s has not failed", rec.Number)}
	}
	if rec.Reason == engine.ReasonUnparseable {
		if engine.Unidentified(rec.ExtID) {
			return &Error{Code: CodeNotAllowed, Err: fmt.Errorf("the shop's payload %s names no order: it is kept for support, "+
				"and the order comes in with the next poll once the shop returns it readable", rec.ExtID)}
		}
		// Nothing to book yet: ask the shop again for what it has now.
		if _, err := s.Check(ctx, shop, number); err != nil {
			return err
		}
		return nil
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
