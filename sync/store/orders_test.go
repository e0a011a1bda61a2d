package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

func apply1(t *testing.T, s *store.Store, ob store.Observation) store.Outcome {
	t.Helper()
	out, err := s.Apply(context.Background(), []store.Observation{ob}, forwardDecide)
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

// TestApplySameTimeOtherBodyIsAConflict: a snapshot with the kept modified
// time but another body is not applied, unless it is what the shop says
// now (Authoritative).
func TestApplySameTimeOtherBodyIsAConflict(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	sh := addShop(t, s)
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	apply1(t, s, store.Observation{ShopID: sh.ID, Order: testOrder("1", "processing", t0)})
	if out := apply1(t, s, store.Observation{ShopID: sh.ID, Order: testOrder("1", "pending", t0)}); out != store.Conflict {
		t.Fatalf("outcome %v, want conflict", out)
	}
	if rec, _ := s.Record(ctx, sh.ID, "1"); rec.Status != "processing" || rec.State != store.Queued {
		t.Fatalf("the conflicting snapshot was applied: %s/%s", rec.Status, rec.State)
	}
	if out := apply1(t, s, store.Observation{ShopID: sh.ID, Order: testOrder("1", "pending", t0), Authoritative: true}); out != store.Changed {
		t.Fatalf("authoritative: outcome %v", out)
	}
	if rec, _ := s.Record(ctx, sh.ID, "1"); rec.Status != "pending" || rec.State != store.Parked {
		t.Fatalf("the shop's answer was not applied: %s/%s", rec.Status, rec.State)
	}
	if out := apply1(t, s, store.Observation{ShopID: sh.ID, Order: testOrder("1", "pending", t0)}); out != store.Repeat {
		t.Fatalf("repeat: outcome %v", out)
	}
}

// TestKeepUnreadable: a new unreadable order is kept failed with its raw
// payload; a known parked one becomes failed with its last good snapshot (it
// may be a sale now: a person looks); a booked one stays booked, and one a
// person ignored stays ignored.
func TestKeepUnreadable(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	sh := addShop(t, s)
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	apply1(t, s, store.Observation{ShopID: sh.ID, Order: testOrder("2", "on-hold", t0)})
	apply1(t, s, store.Observation{ShopID: sh.ID, Order: testOrder("3", "processing", t0)})
	apply1(t, s, store.Observation{ShopID: sh.ID, Order: testOrder("4", "on-hold", t0)})
	if err := s.SetState(ctx, sh.ID, "4", store.Ignored, "ignored_by_user", store.Event{Code: "ignored_by_user"}); err != nil {
		t.Fatal(err)
	}
	due, _ := s.DueBookings(ctx, time.Now().Add(time.Hour), 10)
	if err := s.BookingDone(ctx, due[0], "ref-3", order.Invoice{ID: "3", Key: due[0].Key, Total: 1210}, store.Event{Code: "booked"}); err != nil {
		t.Fatal(err)
	}
	raw := []byte(`{"id":1,"total":"twelve"}`)
	us := []store.Unreadable{
		{ShopID: sh.ID, ExtID: "1", Modified: t0, Raw: raw, Detail: "bad total"},
		{ShopID: sh.ID, ExtID: "2", Modified: t0.Add(time.Minute), Raw: raw, Detail: "bad total"},
		{ShopID: sh.ID, ExtID: "3", Modified: t0.Add(time.Minute), Raw: raw, Detail: "bad total"},
		{ShopID: sh.ID, ExtID: "4", Modified: t0.Add(time.Minute), Raw: raw, Detail: "bad total"},
	}
	if err := s.KeepUnreadable(ctx, us, "unparseable", order.WooCommerce, store.Event{Code: "order_unreadable"}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]store.State{"1": store.Failed, "2": store.Failed, "3": store.Booked, "4": store.Ignored} {
		rec, err := s.Record(ctx, sh.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.State != want || (want == store.Failed) != (rec.Reason == "unparseable") {
			t.Errorf("order %s: %s/%s, want %s", id, rec.State, rec.Reason, want)
		}
		if got, _ := s.Raw(ctx, sh.ID, id); !bytes.Equal(got, raw) {
			t.Errorf("order %s: raw %q", id, got)
		}
	}
	if rec, _ := s.Record(ctx, sh.ID, "2"); rec.Total != 1210 {
		t.Error("the last good snapshot of order 2 was lost")
	}
	ids, _ := s.RecheckIDs(ctx, sh.ID, time.Time{})
	if len(ids) != 2 {
		t.Errorf("recheck ids %v: the unreadable orders are rechecked", ids)
	}
	// The booked invoice is kept and decodes.
	rec, _ := s.Record(ctx, sh.ID, "3")
	inv, ok, err := rec.Invoice()
	if err != nil || !ok || inv.ID != "3" || inv.Total != 1210 {
		t.Errorf("booked invoice %+v %v %v", inv, ok, err)
	}
}

// TestFailedCreditNoteKeepsTheOrderBooked, and its retry brings the credit
// note back without touching the order's state.
func TestFailedCreditNoteKeepsTheOrderBooked(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	sh := addShop(t, s)
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	o := testOrder("5", "processing", t0)
	apply1(t, s, store.Observation{ShopID: sh.ID, Order: o})
	due, _ := s.DueBookings(ctx, time.Now().Add(time.Hour), 10)
	if err := s.BookingDone(ctx, due[0], "ref", order.Invoice{ID: "5"}, store.Event{Code: "booked"}); err != nil {
		t.Fatal(err)
	}
	cn := store.Booking{Key: "k/5/credit/change-1", Kind: order.KindCreditNote, RefundID: "change-1", Amount: 300, Note: "total 12.10 -> 9.10"}
	if err := s.QueueCredit(ctx, sh.ID, "5", cn, store.Event{Code: "change_credited"}); err != nil {
		t.Fatal(err)
	}
	if err := s.QueueCredit(ctx, sh.ID, "5", cn, store.Event{Code: "change_credited"}); err == nil {
		t.Fatal("the same credit note was queued twice")
	}
	due, _ = s.DueBookings(ctx, time.Now().Add(time.Hour), 10)
	if len(due) != 1 || due[0].Amount != 300 || due[0].Note != cn.Note {
		t.Fatalf("due %+v", due)
	}
	if err := s.BookingFailed(ctx, due[0], true, "ledger_rejected", `{"kind":"credit_note"}`, "no", t0, store.Event{Code: "booking_failed"}); err != nil {
		t.Fatal(err)
	}
	rec, _ := s.Record(ctx, sh.ID, "5")
	if rec.State != store.Booked || rec.Reason != "credit_note_failed" || rec.ReasonArg != `{"kind":"credit_note"}` {
		t.Fatalf("%s/%s(%s)", rec.State, rec.Reason, rec.ReasonArg)
	}
	if got, _ := s.Records(ctx, store.Filter{Reason: "credit_note_failed"}); len(got) != 1 {
		t.Fatalf("reason filter: %d", len(got))
	}
	if n, err := s.RetryBookings(ctx, sh.ID, "5", store.Event{Code: "retry_by_user"}); err != nil || n != 1 {
		t.Fatalf("retry %d %v", n, err)
	}
	if rec, _ := s.Record(ctx, sh.ID, "5"); rec.State != store.Booked || rec.Reason != "" {
		t.Fatalf("after retry %s/%s", rec.State, rec.Reason)
	}
	if err := s.SetEURRate(ctx, sh.ID, "404", "1.1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rate of a missing order: %v", err)
	}
}
