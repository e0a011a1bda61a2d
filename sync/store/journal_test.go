package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// TestJournal: an online ledger's journal is kept per namespace (one
// administration does not see another's), a Put replaces, and it is on
// disk: a reopened database has it.
func TestJournal(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	a, b := st.Journal("moneybird/1"), st.Journal("moneybird/2")
	if _, ok, err := a.Get(ctx, "inv/k"); ok || err != nil {
		t.Fatalf("empty journal: ok %v err %v", ok, err)
	}
	if err := a.Put(ctx, "inv/k", ledger.Entry{State: ledger.StateSending}); err != nil {
		t.Fatal(err)
	}
	if err := a.Put(ctx, "inv/k", ledger.Entry{State: ledger.StateCreated, Ref: "4711", Data: `{"vat":"0.01"}`}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.Get(ctx, "inv/k"); ok {
		t.Fatal("another administration's journal sees the entry")
	}
	st.Close()
	st, err = store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, ok, err := st.Journal("moneybird/1").Get(ctx, "inv/k")
	if err != nil || !ok || e != (ledger.Entry{State: ledger.StateCreated, Ref: "4711", Data: `{"vat":"0.01"}`}) {
		t.Fatalf("after reopen: %+v %v %v", e, ok, err)
	}
}

// TestCancelledBookingKeepsNoWaitingReason: a booking that waited for the
// ledger's limit and was then cancelled (its order parked) is not brought
// back when the limit's wait is released.
func TestCancelledBookingKeepsNoWaitingReason(t *testing.T) {
	ctx := context.Background()
	st, sh, now := queuedBooking(t, "7")
	due, err := st.DueBookings(ctx, now, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due %d, %v", len(due), err)
	}
	if _, err := st.WaitDue(ctx, ledger.ReasonRateLimited, "", "429", now.Add(time.Minute), now, 0, store.Event{}); err != nil {
		t.Fatal(err)
	}
	// The order is parked meanwhile (its status went back); the round
	// cancels its booking.
	if err := st.SetState(ctx, sh.ID, "7", store.Parked, "status_not_forwarded", store.Event{Code: "parked"}); err != nil {
		t.Fatal(err)
	}
	if err := st.BookingCancelled(ctx, due[0], "order is parked", store.Event{Code: "booking_cancelled"}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.RetryWaiting(ctx, ledger.ReasonRateLimited); err != nil || n != 0 {
		t.Fatalf("RetryWaiting brought back %d cancelled bookings (%v)", n, err)
	}
}

// TestAttemptsCountPerReason: a booking's attempts count the failures of
// its current reason; another reason starts at 1, so a credit note that
// waited hours for its invoice does not back off an hour, nor count as
// long unreachable, at the ledger's first silence.
func TestAttemptsCountPerReason(t *testing.T) {
	ctx := context.Background()
	st, sh, now := queuedBooking(t, "8")
	attempts := func() store.OutboxItem {
		bs, err := st.Bookings(ctx, sh.ID, "8")
		if err != nil || len(bs) != 1 {
			t.Fatalf("%d bookings, %v", len(bs), err)
		}
		return bs[0]
	}
	for i := 0; i < 3; i++ {
		if err := st.BookingFailed(ctx, attempts(), false, "waiting_for_invoice", "", "later", now, store.Event{}); err != nil {
			t.Fatal(err)
		}
	}
	if b := attempts(); b.Attempts != 3 || b.Reason != "waiting_for_invoice" {
		t.Fatalf("after 3 failures: %d attempts, reason %q", b.Attempts, b.Reason)
	}
	if err := st.BookingFailed(ctx, attempts(), false, ledger.ReasonUnreachable, "", "no answer", now, store.Event{}); err != nil {
		t.Fatal(err)
	}
	if b := attempts(); b.Attempts != 1 || b.Reason != ledger.ReasonUnreachable {
		t.Fatalf("another reason: %d attempts, reason %q; want 1", b.Attempts, b.Reason)
	}
}

// TestWaitDueLeavesWhatWasReleasedSince: a round that ends in a rate limit
// makes wait only what was due when it started; a booking a settings
// change released meanwhile (the owner switched to the UBL folder) goes.
func TestWaitDueLeavesWhatWasReleasedSince(t *testing.T) {
	ctx := context.Background()
	st, _, now := queuedBooking(t, "9")
	roundStart := now.Add(-time.Second) // the round began before the booking was queued
	n, err := st.WaitDue(ctx, ledger.ReasonRateLimited, "", "429", now.Add(5*time.Minute), roundStart, 0, store.Event{})
	if err != nil || n != 0 {
		t.Fatalf("WaitDue touched %d bookings due only after the round began (%v)", n, err)
	}
	if due, _ := st.DueBookings(ctx, now, 10); len(due) != 1 {
		t.Fatalf("%d due, want the booking still due", len(due))
	}
}

// queuedBooking is a store on a real SQLite file, its clock at a fixed
// now, with one shop and one queued order (id) whose invoice booking is
// due.
func queuedBooking(t *testing.T, id string) (*store.Store, store.Shop, time.Time) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { return now }
	sh, err := st.AddShop(ctx, store.Shop{Name: "Koffiebar", Source: order.WooCommerce, BaseURL: "https://w.example",
		Forward: []order.Status{"processing"}, PollInterval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	o := order.Order{Source: order.WooCommerce, ID: id, Number: id, Status: "processing", Currency: "EUR", Created: now, Modified: now,
		Lines: []order.Line{{Kind: order.Product, ID: "1", Name: "Mok", Quantity: 1, Net: 1000, VAT: 210, Rate: 2100}}, Total: 1210, TotalTax: 210}
	queue := func(prev *store.Record, o order.Order) store.Decision {
		return store.Decision{State: store.Queued, Bookings: []store.Booking{{Key: "k/" + o.ID, Kind: order.KindInvoice}}}
	}
	if _, err := st.Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: o}}, queue); err != nil {
		t.Fatal(err)
	}
	return st, sh, now
}
