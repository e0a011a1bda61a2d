package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// windowShop is a shop system whose poll filters by payment date, not by
// change (as Plug&Pay's does): it owns its cursor. It is scripted per test:
// the orders a poll reports, the next it returns, and whether it fails.
type windowShop struct {
	orders []order.Order
	next   time.Time
	err    error
	polls  int
	// subs are the subscriptions it knows; subErr fails their fetch.
	subs   map[string]source.Subscription
	subErr error
	// byID answers a fetch of an id with another order (a credit invoice
	// comes back as the order it credits).
	byID map[string]order.Order
	// fetched counts the ids asked for; onFetch runs in each fetch.
	fetched int
	onFetch func()
}

func (w *windowShop) Kind() order.Source { return "window" }
func (w *windowShop) OwnsCursor()        {}

func (w *windowShop) PollEach(ctx context.Context, since time.Time, fn func(source.Polled) error) (time.Time, error) {
	w.polls++
	for _, o := range w.orders {
		if err := fn(source.Polled{Order: o}); err != nil {
			return since, err
		}
	}
	if w.err != nil {
		return since, w.err
	}
	return w.next, nil
}

func (w *windowShop) Fetch(ctx context.Context, ids []string) ([]order.Order, error) {
	var out []order.Order
	w.fetched += len(ids)
	if w.onFetch != nil {
		w.onFetch()
	}
	for _, id := range ids {
		if o, ok := w.byID[id]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}

func (w *windowShop) Subscription(ctx context.Context, id string) (source.Subscription, error) {
	if w.subErr != nil {
		return source.Subscription{}, w.subErr
	}
	s, ok := w.subs[id]
	if !ok {
		return s, &source.Error{Kind: source.NotFound, Message: "no such subscription"}
	}
	return s, nil
}

func windowRig(t *testing.T, w *windowShop) (*engine.Engine, *store.Store, store.Shop) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k := source.Descriptor{Kind: "window", Name: "Window", DefaultForward: []order.Status{"paid"},
		Options:   []source.Option{{Key: source.OptionCancellations, Kind: source.OptionBool, Default: "on"}},
		ForwardAs: map[order.Status]order.Status{"credited": "paid"},
		New:       func(source.Config) (source.Source, error) { return w, nil }}
	sh, err := st.AddShop(ctx, store.Shop{Name: "Cursus", Source: "window", BaseURL: "https://api.example",
		Forward: []order.Status{"paid"}, PollInterval: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	e := &engine.Engine{Store: st, Kinds: source.NewRegistry(k),
		Source: func(store.Shop) (source.Source, error) { return w, nil }}
	return e, st, sh
}

func paidOrder(id string, paid, modified time.Time) order.Order {
	return order.Order{Source: "window", ID: id, Number: "F-" + id, Status: "paid", Currency: "EUR",
		Created: paid, Paid: paid, Modified: modified, Total: 1210, TotalTax: 210,
		Lines: []order.Line{{Kind: order.Product, ID: "1", Name: "Cursus", Quantity: 1, Net: 1000, VAT: 210, Rate: 2100}}}
}

// TestOwnCursorMovesOnlyWhereTheKindSays: a kind that owns its cursor gets
// back exactly the next it returned after a poll that went through, never
// the orders' modified times (an order paid long ago and edited today would
// push a modified-time cursor past payments still to be listed), and keeps
// the old cursor after a poll that failed part-way.
func TestOwnCursorMovesOnlyWhereTheKindSays(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	w := &windowShop{}
	e, st, sh := windowRig(t, w)

	// Paid on day 0, edited on day 4; the kind says its window reached day 2.
	w.orders = []order.Order{paidOrder("1", t0, t0.Add(96*time.Hour))}
	w.next = t0.Add(48 * time.Hour)
	if _, err := e.Poll(ctx, sh, nil); err != nil {
		t.Fatal(err)
	}
	sh, _ = st.ShopByID(ctx, sh.ID)
	if !sh.Cursor.Equal(w.next) {
		t.Fatalf("cursor %v, the kind said %v (the order's modified time is %v)", sh.Cursor, w.next, t0.Add(96*time.Hour))
	}

	// A poll that fails after one order was applied: the cursor stays.
	w.orders = []order.Order{paidOrder("2", t0.Add(72*time.Hour), t0.Add(120*time.Hour))}
	w.next = t0.Add(100 * time.Hour)
	w.err = &source.Error{Kind: source.Network, Message: "connection reset"}
	if _, err := e.Poll(ctx, sh, nil); err == nil {
		t.Fatal("the poll's error was not returned")
	}
	sh, _ = st.ShopByID(ctx, sh.ID)
	if !sh.Cursor.Equal(t0.Add(48 * time.Hour)) {
		t.Fatalf("a failed poll moved the cursor to %v", sh.Cursor)
	}

	// The next poll goes through: the order is there, the cursor moves.
	w.err = nil
	if _, err := e.Poll(ctx, sh, nil); err != nil {
		t.Fatal(err)
	}
	sh, _ = st.ShopByID(ctx, sh.ID)
	if rec, err := st.Record(ctx, sh.ID, "2"); err != nil || rec.State != store.Queued || !sh.Cursor.Equal(w.next) {
		t.Fatalf("after the failure: order %v %v, cursor %v", rec.State, err, sh.Cursor)
	}
}

// TestPollHintsPollOncePerRun: Plug&Pay's legacy webhook names no order
// and calls once per order line; anyone can send such a call. However many
// wait in the inbox, one run polls the shop once.
func TestPollHintsPollOncePerRun(t *testing.T) {
	ctx := context.Background()
	w := &windowShop{next: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
	e, st, sh := windowRig(t, w)
	for i := range 5 {
		if _, err := st.AddDelivery(ctx, store.Delivery{Source: "window", Shop: sh.Slug, Topic: source.TopicPoll,
			Body: []byte{'a' + byte(i)}, ReceivedAt: time.Now().Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.ProcessInbox(ctx)
	if err != nil || n != 5 {
		t.Fatalf("processed %d: %v", n, err)
	}
	if w.polls != 1 {
		t.Fatalf("5 poll hints polled the shop %d times", w.polls)
	}

	// Hints naming one order (once per order line, or repeated by anyone):
	// one fetch per run.
	for i := range 4 {
		if _, err := st.AddDelivery(ctx, store.Delivery{Source: "window", Shop: sh.Slug, Topic: "order_paid",
			OrderID: "77", Body: []byte{'k' + byte(i)}, ReceivedAt: time.Now().Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	if w.fetched != 1 {
		t.Fatalf("4 hints for one order fetched %d ids", w.fetched)
	}

	// A hint that arrives while that order is being fetched may be news
	// (paid meanwhile): it is acted on, in the same run.
	w.fetched = 0
	if _, err := st.AddDelivery(ctx, store.Delivery{Source: "window", Shop: sh.Slug, Topic: "order_invoice_created",
		OrderID: "78", Body: []byte("first"), ReceivedAt: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	w.onFetch = func() {
		w.onFetch = nil
		time.Sleep(5 * time.Millisecond)
		if _, err := st.AddDelivery(ctx, store.Delivery{Source: "window", Shop: sh.Slug, Topic: "order_paid",
			OrderID: "78", Body: []byte("paid meanwhile"), ReceivedAt: time.Now()}); err != nil {
			t.Error(err)
		}
	}
	if _, err := e.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	if w.fetched != 2 {
		t.Fatalf("a hint that came during the fetch: %d fetches, want 2", w.fetched)
	}

	// A paused shop is not polled for a hint; its next poll after it is
	// resumed sees what the hint meant.
	sh.Paused = true
	if err := st.UpdateShop(ctx, sh); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddDelivery(ctx, store.Delivery{Source: "window", Shop: sh.Slug, Topic: source.TopicPoll,
		Body: []byte("paused"), ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	if w.polls != 1 {
		t.Fatalf("a paused shop was polled for a hint (%d polls)", w.polls)
	}
}

// TestSubscriptionEndedOnlyWhenTheShopSaysSo: the webhook is a hint that
// may be unsigned, even forged: only a subscription the shop reports as
// ended is recorded, on the shop's log and on its orders.
func TestSubscriptionEndedOnlyWhenTheShopSaysSo(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	w := &windowShop{next: t0, orders: []order.Order{paidOrder("7", t0, t0)},
		subs: map[string]source.Subscription{
			"40": {ID: "40", Status: "active", Customer: "Jan"},
			"41": {ID: "41", Status: "ended", Customer: "Els de Vries", Product: "Lidmaatschap", OrderIDs: []string{"7", "99"}},
		}}
	e, st, sh := windowRig(t, w)
	if _, err := e.Poll(ctx, sh, nil); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"39", "40", "41"} { // unknown, still active, ended
		if _, err := st.AddDelivery(ctx, store.Delivery{Source: "window", Shop: sh.Slug, Topic: source.TopicSubscriptionEnded,
			OrderID: source.SubscriptionPrefix + id, Body: []byte{byte('0' + i)}, ReceivedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := st.Events(ctx, store.EventFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ended, onOrder, unusable int
	for _, ev := range evs {
		switch ev.Code {
		case "subscription_ended":
			if ev.Args["subscription"] != "41" || ev.Args["customer"] != "Els de Vries" {
				t.Errorf("recorded %v", ev.Args)
			}
			ended++
			if ev.OrderNo == "F-7" {
				onOrder++
			}
		case "delivery_unusable":
			unusable++
		}
	}
	if ended != 2 || onOrder != 1 || unusable != 2 {
		t.Fatalf("events: %d subscription_ended (%d on order F-7), %d unusable; want 2 (1), 2", ended, onOrder, unusable)
	}

	// The shop cannot be asked: nothing is recorded, the delivery says why.
	w.subErr = errors.New("timeout")
	if _, err := st.AddDelivery(ctx, store.Delivery{Source: "window", Shop: sh.Slug, Topic: source.TopicSubscriptionEnded,
		OrderID: source.SubscriptionPrefix + "41", Body: []byte("again"), ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	evs, _ = st.Events(ctx, store.EventFilter{Limit: 100})
	n := 0
	for _, ev := range evs {
		if ev.Code == "subscription_ended" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d subscription_ended events after a fetch that failed, want still 2", n)
	}

	// Cancellations switched off: not recorded, not even asked about.
	w.subErr = nil
	if err := st.SaveOptions(ctx, sh.ID, map[string]string{source.OptionCancellations: "off"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddDelivery(ctx, store.Delivery{Source: "window", Shop: sh.Slug, Topic: source.TopicSubscriptionEnded,
		OrderID: source.SubscriptionPrefix + "41", Body: []byte("off"), ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	evs, _ = st.Events(ctx, store.EventFilter{Limit: 100})
	n = 0
	for _, ev := range evs {
		if ev.Code == "subscription_ended" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d subscription_ended events with cancellations off, want still 2", n)
	}
}

// TestCreditInvoiceIDFoldsIntoItsOrder: a credit invoice kept on its own
// (unreadable while its original could not be found) is closed once a fetch
// of its id answers with the order it credits: it leaves the Open tab and
// is not fetched again at every recheck.
func TestCreditInvoiceIDFoldsIntoItsOrder(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	w := &windowShop{}
	e, st, sh := windowRig(t, w)
	if err := st.KeepUnreadable(ctx, []store.Unreadable{{ShopID: sh.ID, ExtID: "501", Modified: t0, Raw: []byte(`{"id":501}`),
		Detail: "credit invoice 501: its original cannot be found"}}, engine.ReasonUnparseable, "window", store.Event{Shop: sh.Name}); err != nil {
		t.Fatal(err)
	}
	orig := paidOrder("500", t0, t0.Add(time.Hour))
	orig.Status = "credited"
	orig.Refunds = []order.Refund{{ID: "501", Amount: 1210, Created: t0.Add(time.Hour)}}
	w.byID = map[string]order.Order{"501": orig}
	if _, err := e.Check(ctx, sh, []string{"501"}); err != nil {
		t.Fatal(err)
	}
	rec, err := st.Record(ctx, sh.ID, "501")
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != store.Ignored || rec.Reason != engine.ReasonPartOfOrder {
		t.Fatalf("the credit invoice's own record is %s (%s)", rec.State, rec.Reason)
	}
	if o, err := st.Record(ctx, sh.ID, "500"); err != nil || o.State != store.Queued {
		t.Fatalf("the credited order: %v %v", o.State, err)
	}
}

// TestCreditOfAnOrderFromBeforeTheStart: an order paid before the shop was
// connected was booked by the previous koppeling; credited afterwards, its
// credit note is not Orderbrug's to book (there is no invoice of its own to
// refer to), but the bookkeeper is told, once.
func TestCreditOfAnOrderFromBeforeTheStart(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	w := &windowShop{next: start}
	e, st, sh := windowRig(t, w)
	sh.StartAt = start
	old := paidOrder("9", start.Add(-72*time.Hour), start.Add(-72*time.Hour))
	w.orders = []order.Order{old}
	if _, err := e.Poll(ctx, sh, nil); err != nil {
		t.Fatal(err)
	}
	credited := old
	credited.Status, credited.Modified = "credited", start.Add(48*time.Hour)
	credited.Refunds = []order.Refund{{ID: "10", Amount: 1210, Created: start.Add(48 * time.Hour)}}
	w.orders = []order.Order{credited}
	for range 2 { // the second poll sees it again, unchanged
		if _, err := e.Poll(ctx, sh, nil); err != nil {
			t.Fatal(err)
		}
	}
	rec, _ := st.Record(ctx, sh.ID, "9")
	if rec.State != store.Ignored || rec.Reason != engine.ReasonBeforeStart {
		t.Fatalf("the old order is %s (%s)", rec.State, rec.Reason)
	}
	evs, _ := st.Events(ctx, store.EventFilter{Limit: 100})
	n := 0
	for _, ev := range evs {
		if ev.Code == "credit_before_start" {
			n++
			if ev.Level != store.Warn || ev.Args["amount"] != "12.10" || ev.Args["date"] != "2026-11-03" || ev.OrderNo != "F-9" {
				t.Errorf("event %+v", ev)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d credit_before_start events, want 1", n)
	}
}
