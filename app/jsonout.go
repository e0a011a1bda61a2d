package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
)

// The --json output of every command follows three rules (the README says
// so): keys are snake_case, a duration is a string as a person writes it
// ("15m", "1h30m", never nanoseconds), and a moment that never happened is
// null (never 0001-01-01T00:00:00Z). The service's types keep their Go
// fields; their MarshalJSON methods below give them that shape, and
// UnmarshalJSON reads it back where a plain decode would not.

// shortDuration writes d as "15m", "1h", "1h30m" or "1m30s" (JSON and the
// tables alike): Go's own notation without its zero units ("15m0s").
// time.ParseDuration reads it.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// parseJSONDuration reads a duration written by shortDuration; "" is 0.
func parseJSONDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %w", s, err)
	}
	return d, nil
}

// never is t, or nil (JSON null) for the zero time: a poll that never ran,
// an order never paid.
func never(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// shopInfoFields is ShopInfo without its methods, for embedding.
type shopInfoFields ShopInfo

// shopInfoJSON is ShopInfo as JSON: the interval a string, the times null
// when they never happened.
type shopInfoJSON struct {
	shopInfoFields
	Interval   string     `json:"interval"`
	Since      *time.Time `json:"since"`
	LastPoll   *time.Time `json:"last_poll"`
	LastPollOK *time.Time `json:"last_poll_ok"`
	NextPoll   *time.Time `json:"next_poll"`
}

func (s ShopInfo) wire() shopInfoJSON {
	if s.Forward == nil {
		s.Forward = []order.Status{}
	}
	return shopInfoJSON{shopInfoFields: shopInfoFields(s), Interval: shortDuration(s.Interval), Since: never(s.Since),
		LastPoll: never(s.LastPoll), LastPollOK: never(s.LastPollOK), NextPoll: never(s.NextPoll)}
}

// MarshalJSON writes the shop as the commands' --json shows it.
func (s ShopInfo) MarshalJSON() ([]byte, error) { return json.Marshal(s.wire()) }

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *ShopInfo) UnmarshalJSON(b []byte) error {
	w := struct {
		*shopInfoFields
		Interval string `json:"interval"`
	}{shopInfoFields: (*shopInfoFields)(s)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	d, err := parseJSONDuration(w.Interval)
	s.Interval = d
	return err
}

// MarshalJSON writes the shop's line with its counts (ShopInfo's
// MarshalJSON would otherwise stand for the whole line).
func (o ShopOverview) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		shopInfoJSON
		BookedToday int `json:"booked_today"`
		Parked      int `json:"parked"`
		Queued      int `json:"queued"`
		Failed      int `json:"failed"`
		Waiting     int `json:"waiting"`
		Unbookable  int `json:"unbookable"`
	}{o.ShopInfo.wire(), o.BookedToday, o.Parked, o.Queued, o.Failed, o.Waiting, o.Unbookable})
}

// orderViewFields is OrderView without its methods, for embedding.
type orderViewFields OrderView

type orderViewJSON struct {
	orderViewFields
	Created *time.Time `json:"created"`
	Since   *time.Time `json:"since"`
}

func (v OrderView) wire() orderViewJSON {
	return orderViewJSON{orderViewFields: orderViewFields(v), Created: never(v.Created), Since: never(v.Since)}
}

// MarshalJSON writes the order's line as the commands' --json shows it.
func (v OrderView) MarshalJSON() ([]byte, error) { return json.Marshal(v.wire()) }

// orderFields, refundFields: the domain's order and refund without methods.
type (
	orderFields  order.Order
	refundFields order.Refund
)

type refundJSON struct {
	refundFields
	Created *time.Time `json:"created"`
}

// orderJSON is the shop's order as JSON: null for a date that is not there
// (an order not paid, a refund without its date).
type orderJSON struct {
	orderFields
	Created  *time.Time   `json:"created"`
	Modified *time.Time   `json:"modified"`
	Paid     *time.Time   `json:"paid"`
	Refunds  []refundJSON `json:"refunds"`
}

func orderWire(o order.Order) orderJSON {
	w := orderJSON{orderFields: orderFields(o), Created: never(o.Created), Modified: never(o.Modified), Paid: never(o.Paid),
		Refunds: make([]refundJSON, len(o.Refunds))}
	if w.Lines == nil {
		w.Lines = []order.Line{}
	}
	for i, r := range o.Refunds {
		w.Refunds[i] = refundJSON{refundFields: refundFields(r), Created: never(r.Created)}
	}
	return w
}

// bookingJSON is one booking of an order (OutboxItem) as JSON.
type bookingJSON struct {
	ID       int64             `json:"id"`
	Key      string            `json:"key"`
	ShopID   int64             `json:"shop_id"`
	OrderID  string            `json:"order_id"`
	Kind     order.InvoiceKind `json:"kind"`
	RefundID string            `json:"refund_id,omitempty"`
	// State: pending, done, failed, cancelled.
	State     string      `json:"state"`
	Attempts  int         `json:"attempts"`
	NextAt    *time.Time  `json:"next_at"`
	LastError string      `json:"last_error,omitempty"`
	Ref       string      `json:"ref,omitempty"`
	Amount    order.Money `json:"amount"`
	Note      string      `json:"note,omitempty"`
}

func bookingWire(b OutboxItem) bookingJSON {
	return bookingJSON{ID: b.ID, Key: b.Key, ShopID: b.ShopID, OrderID: b.ExtID, Kind: b.Kind, RefundID: b.RefundID,
		State: b.State, Attempts: b.Attempts, NextAt: never(b.NextAt), LastError: b.LastError, Ref: b.Ref,
		Amount: b.Amount, Note: b.Note}
}

func (b bookingJSON) item() OutboxItem {
	it := OutboxItem{ID: b.ID, Key: b.Key, ShopID: b.ShopID, ExtID: b.OrderID, Kind: b.Kind, RefundID: b.RefundID,
		State: b.State, Attempts: b.Attempts, LastError: b.LastError, Ref: b.Ref, Amount: b.Amount, Note: b.Note}
	if b.NextAt != nil {
		it.NextAt = *b.NextAt
	}
	return it
}

// eventJSON is a line of the event log as JSON (store.Event with At null
// when unset, which the store never leaves it).
type eventJSON struct {
	ID      int64             `json:"id"`
	At      *time.Time        `json:"at"`
	Level   Level             `json:"level"`
	Shop    string            `json:"shop,omitempty"`
	OrderNo string            `json:"order,omitempty"`
	Code    string            `json:"code"`
	Args    map[string]string `json:"args,omitempty"`
	Detail  string            `json:"detail,omitempty"`
	Source  order.Source      `json:"source,omitempty"`
}

func eventsWire(evs []Event) []eventJSON {
	out := make([]eventJSON, len(evs))
	for i, e := range evs {
		out[i] = eventJSON{ID: e.ID, At: never(e.At), Level: e.Level, Shop: e.Shop, OrderNo: e.OrderNo, Code: e.Code,
			Args: e.Args, Detail: e.Detail, Source: e.Source}
	}
	return out
}

// MarshalJSON writes the order with its lines, bookings and history as
// `order show --json` shows it.
func (d OrderDetail) MarshalJSON() ([]byte, error) {
	bs := make([]bookingJSON, len(d.Bookings))
	for i, b := range d.Bookings {
		bs[i] = bookingWire(b)
	}
	return json.Marshal(struct {
		orderViewJSON
		Order    orderJSON     `json:"order"`
		Bookings []bookingJSON `json:"bookings"`
		Events   []eventJSON   `json:"events"`
		ShopURL  string        `json:"shop_url"`
	}{d.OrderView.wire(), orderWire(d.Order), bs, eventsWire(d.Events), d.ShopURL})
}

// orderDetailFields is OrderDetail without its methods.
type orderDetailFields OrderDetail

// UnmarshalJSON reads what MarshalJSON wrote.
func (d *OrderDetail) UnmarshalJSON(b []byte) error {
	w := struct {
		*orderDetailFields
		Bookings []bookingJSON `json:"bookings"`
	}{orderDetailFields: (*orderDetailFields)(d)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	d.Bookings = make([]OutboxItem, len(w.Bookings))
	for i, bk := range w.Bookings {
		d.Bookings[i] = bk.item()
	}
	return nil
}

// pollJSON is one shop's poll (engine.PollResult) as JSON.
type pollJSON struct {
	Shop       string     `json:"shop"`
	Seen       int        `json:"seen"`
	New        int        `json:"new"`
	Changed    int        `json:"changed"`
	Unchanged  int        `json:"unchanged"`
	Unreadable int        `json:"unreadable"`
	Conflicts  int        `json:"conflicts"`
	Cursor     *time.Time `json:"cursor"`
}

// bookedJSON is what a booking round did (engine.BookResult) as JSON.
type bookedJSON struct {
	Booked    int `json:"booked"`
	Failed    int `json:"failed"`
	Retrying  int `json:"retrying"`
	Cancelled int `json:"cancelled"`
	// Waiting: for the online ledger's rate limit.
	Waiting int `json:"waiting"`
}

func bookedWire(b engine.BookResult) bookedJSON {
	return bookedJSON{Booked: b.Booked, Failed: b.Failed, Retrying: b.Retrying, Cancelled: b.Cancelled, Waiting: b.Waiting}
}

// MarshalJSON writes the sync's result as `sync --json` shows it.
func (r SyncResult) MarshalJSON() ([]byte, error) {
	polls := make([]pollJSON, len(r.Polls))
	for i, p := range r.Polls {
		polls[i] = pollJSON{Shop: p.Shop, Seen: p.Seen, New: p.New, Changed: p.Changed, Unchanged: p.Unchanged,
			Unreadable: p.Unreadable, Conflicts: p.Conflicts, Cursor: never(p.Cursor)}
	}
	att := r.Attention
	if att == nil {
		att = []Attention{}
	}
	return json.Marshal(struct {
		Polls     []pollJSON  `json:"polls"`
		Booked    bookedJSON  `json:"booked"`
		Attention []Attention `json:"attention"`
	}{polls, bookedWire(r.Booked), att})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (r *SyncResult) UnmarshalJSON(b []byte) error {
	var w struct {
		Polls     []pollJSON  `json:"polls"`
		Booked    bookedJSON  `json:"booked"`
		Attention []Attention `json:"attention"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = SyncResult{Attention: w.Attention, Booked: engine.BookResult{Booked: w.Booked.Booked, Failed: w.Booked.Failed,
		Retrying: w.Booked.Retrying, Cancelled: w.Booked.Cancelled, Waiting: w.Booked.Waiting}}
	for _, p := range w.Polls {
		pr := engine.PollResult{Shop: p.Shop, Seen: p.Seen, New: p.New, Changed: p.Changed, Unchanged: p.Unchanged,
			Unreadable: p.Unreadable, Conflicts: p.Conflicts}
		if p.Cursor != nil {
			pr.Cursor = *p.Cursor
		}
		r.Polls = append(r.Polls, pr)
	}
	return nil
}

// MarshalJSON writes the Overzicht's data with the same rules (no command
// prints it today; the shape is ready for one).
func (o Overview) MarshalJSON() ([]byte, error) {
	shops, att := o.Shops, o.Attention
	if shops == nil {
		shops = []ShopOverview{}
	}
	if att == nil {
		att = []Attention{}
	}
	return json.Marshal(struct {
		Shops     []ShopOverview `json:"shops"`
		Recent    []eventJSON    `json:"recent"`
		Paused    bool           `json:"paused"`
		Health    string         `json:"health"`
		Attention []Attention    `json:"attention"`
		Ledger    LedgerStatus   `json:"ledger"`
		Tunnel    TunnelStatus   `json:"tunnel"`
	}{shops, eventsWire(o.Recent), o.Paused, o.Health, att, o.Ledger, o.Tunnel})
}

// shopInputFields is ShopInput without its methods.
type shopInputFields ShopInput

// MarshalJSON writes the input with its interval as a string ("15m"), as
// ShopInfo does (the keys and secret are never written).
func (in ShopInput) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		shopInputFields
		Interval string     `json:"interval"`
		Since    *time.Time `json:"since"`
	}{shopInputFields(in), shortDuration(in.Interval), never(in.Since)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (in *ShopInput) UnmarshalJSON(b []byte) error {
	w := struct {
		*shopInputFields
		Interval string `json:"interval"`
	}{shopInputFields: (*shopInputFields)(in)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	d, err := parseJSONDuration(w.Interval)
	in.Interval = d
	return err
}
