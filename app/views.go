package app

import (
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// app's own types for what its API returns, so that the GUI and the CLI
// need neither sync/store nor sync/engine: the store may change its rows
// without changing app's API. Field names are the store's; the functions
// that return them convert.

// State is where an order is: parked, queued, booked, failed, ignored or
// unbookable.
type State string

// The order states (the store's, by value).
const (
	Parked     State = "parked"
	Queued     State = "queued"
	Booked     State = "booked"
	Failed     State = "failed"
	Ignored    State = "ignored"
	Unbookable State = "unbookable"
)

// States are every State, in the order lists offer them.
var States = []State{Parked, Queued, Booked, Failed, Ignored, Unbookable}

// ValidState reports whether s names a State.
func ValidState(s string) bool { return store.ValidState(s) }

func storeStates(ss []State) []store.State {
	if ss == nil {
		return nil
	}
	out := make([]store.State, len(ss))
	for i, s := range ss {
		out[i] = store.State(s)
	}
	return out
}

// Level is an event's level.
type Level string

// Event levels (the store's, by value). Error is app's error type, hence
// the prefix.
const (
	LevelInfo  Level = "info"
	LevelWarn  Level = "warn"
	LevelError Level = "error"
)

// Levels are every Level, mildest first.
var Levels = []Level{LevelInfo, LevelWarn, LevelError}

// Reason codes of OrderView.Reason, Attention.Reason and events' "reason"
// argument (the engine's and the store's; order.Reason* are the booking
// failures). Each has a sentence "reason.<code>" in the UI.
const (
	ReasonNotForwarded        = engine.ReasonNotForwarded
	ReasonCheckoutDraft       = engine.ReasonCheckoutDraft
	ReasonDeleted             = engine.ReasonDeleted
	ReasonBeforeStart         = engine.ReasonBeforeStart
	ReasonIgnoredByUser       = engine.ReasonIgnoredByUser
	ReasonBookedByUser        = engine.ReasonBookedByUser
	ReasonSellerIncomplete    = engine.ReasonSellerIncomplete
	ReasonMismatch            = engine.ReasonMismatch
	ReasonLedgerRejected      = engine.ReasonLedgerRejected
	ReasonLedgerUnavailable   = engine.ReasonLedgerUnavailable
	ReasonNoLedger            = engine.ReasonNoLedger
	ReasonCancelled           = engine.ReasonCancelled
	ReasonWaitingForInvoice   = engine.ReasonWaitingForInvoice
	ReasonCurrency            = engine.ReasonCurrency
	ReasonUnparseable         = engine.ReasonUnparseable
	ReasonCreditFailed        = engine.ReasonCreditFailed
	ReasonRefundGone          = engine.ReasonRefundGone
	ReasonChangedAfterBooking = store.ReasonChangedAfterBooking
	ReasonRecurringOff        = engine.ReasonRecurringOff
	ReasonProductFilter       = engine.ReasonProductFilter
	ReasonPartOfOrder         = engine.ReasonPartOfOrder
)

// Reason codes of a till's checks and day summaries.
const (
	// ReasonDayCollecting: a day summary whose day is not over; its
	// argument is JSON {"day","checks","closes"}.
	ReasonDayCollecting = engine.ReasonDayCollecting
	// ReasonInDaySummary: a closed check counted in a day summary; its
	// argument is the day ("2026-12-01"), "" while it is being counted.
	ReasonInDaySummary = engine.ReasonInDaySummary
	// ReasonDayEmpty: a day summary with nothing to book; argument the day.
	ReasonDayEmpty = engine.ReasonDayEmpty
	// ReasonCheckEmpty: a till's closed check with nothing sold; not booked.
	ReasonCheckEmpty = engine.ReasonCheckEmpty
)

// DayOf is the day of a till's day summary by the order's id
// ("day/2026-12-01" is "2026-12-01"), "" for any other order.
func DayOf(extID string) string {
	if !engine.IsDaySummary(extID) {
		return ""
	}
	return strings.TrimPrefix(extID, engine.DayPrefix)
}

// Collecting reports whether v is a till's day summary whose day still
// collects checks: booked or ignored now, it takes its day's later checks
// with it.
func (v OrderView) Collecting() bool {
	return v.Reason == ReasonDayCollecting && DayOf(v.ID) != ""
}

// Event is one line of the event log.
type Event struct {
	ID      int64             `json:"id"`
	At      time.Time         `json:"at"`
	Level   Level             `json:"level"`
	Shop    string            `json:"shop,omitempty"`
	OrderNo string            `json:"order,omitempty"`
	Code    string            `json:"code"`
	Args    map[string]string `json:"args,omitempty"`
	Detail  string            `json:"detail,omitempty"`
	// Source is the kind of the event's shop, "" for none: a till's line
	// speaks of a check (bon), not an order.
	Source order.Source `json:"source,omitempty"`
}

func eventView(e store.Event) Event {
	return Event{ID: e.ID, At: e.At, Level: Level(e.Level), Shop: e.Shop, OrderNo: e.OrderNo, Code: e.Code,
		Args: e.Args, Detail: e.Detail}
}

func eventViews(es []store.Event) []Event {
	if es == nil {
		return nil
	}
	out := make([]Event, len(es))
	for i, e := range es {
		out[i] = eventView(e)
	}
	return out
}

// EventQuery selects log lines. Empty fields select everything.
type EventQuery struct {
	Shop   string
	Levels []Level
	Order  string
	Limit  int
	// BeforeID pages back: only events with a smaller id.
	BeforeID int64
}

func (q EventQuery) filter() store.EventFilter {
	f := store.EventFilter{Shop: q.Shop, Order: q.Order, Limit: q.Limit, BeforeID: q.BeforeID}
	for _, l := range q.Levels {
		f.Levels = append(f.Levels, store.Level(l))
	}
	return f
}

// Delivery is one webhook delivery in the inbox.
type Delivery struct {
	ID         int64             `json:"id"`
	Source     string            `json:"source"`
	Shop       string            `json:"shop"`
	Topic      string            `json:"topic"`
	WebhookID  string            `json:"webhook_id,omitempty"`
	DeliveryID string            `json:"delivery_id,omitempty"`
	OrderID    string            `json:"order_id,omitempty"`
	Modified   time.Time         `json:"modified,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	// Body is the raw body as it came (never in JSON).
	Body []byte `json:"-"`
	// BodyBytes is the size of the body kept; 0 once it was let go.
	BodyBytes int `json:"body_bytes"`
	// Status is the answer the sender got.
	Status         int       `json:"status"`
	Repeats        int       `json:"repeats"`
	ReceivedAt     time.Time `json:"received_at"`
	LastReceivedAt time.Time `json:"last_received_at,omitempty"`
	ProcessedAt    time.Time `json:"processed_at,omitempty"`
	Result         string    `json:"result,omitempty"`
}

func deliveryView(d store.Delivery) Delivery {
	return Delivery{ID: d.ID, Source: d.Source, Shop: d.Shop, Topic: d.Topic, WebhookID: d.WebhookID,
		DeliveryID: d.DeliveryID, OrderID: d.OrderID, Modified: d.Modified, Headers: d.Headers, Body: d.Body, BodyBytes: d.BodyBytes,
		Status: d.Status, Repeats: d.Repeats, ReceivedAt: d.ReceivedAt, LastReceivedAt: d.LastReceivedAt,
		ProcessedAt: d.ProcessedAt, Result: d.Result}
}

// OutboxItem is one booking of an order: its invoice or a credit note.
type OutboxItem struct {
	ID       int64             `json:"id"`
	Key      string            `json:"key"`
	ShopID   int64             `json:"shop_id"`
	ExtID    string            `json:"order_id"`
	Kind     order.InvoiceKind `json:"kind"`
	RefundID string            `json:"refund_id,omitempty"`
	// State: pending, done, failed, cancelled.
	State     string      `json:"state"`
	Attempts  int         `json:"attempts"`
	NextAt    time.Time   `json:"next_at"`
	LastError string      `json:"last_error,omitempty"`
	Ref       string      `json:"ref,omitempty"`
	Amount    order.Money `json:"amount"`
	Note      string      `json:"note,omitempty"`
}

func bookingViews(bs []store.OutboxItem) []OutboxItem {
	if bs == nil {
		return nil
	}
	out := make([]OutboxItem, len(bs))
	for i, b := range bs {
		out[i] = OutboxItem{ID: b.ID, Key: b.Key, ShopID: b.ShopID, ExtID: b.ExtID, Kind: b.Kind, RefundID: b.RefundID,
			State: b.State, Attempts: b.Attempts, NextAt: b.NextAt, LastError: b.LastError, Ref: b.Ref, Amount: b.Amount,
			Note: b.Note}
	}
	return out
}
