package engine_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

func TestDecide(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sh := store.Shop{ID: 3, Name: "w", Source: order.WooCommerce, Forward: []order.Status{"processing", "completed"}, StartAt: start}
	o := func(status order.Status, refunds ...string) order.Order {
		x := order.Order{ID: "13", Number: "13", Status: status, Created: start.Add(time.Hour)}
		for _, r := range refunds {
			x.Refunds = append(x.Refunds, order.Refund{ID: r, Amount: 500})
		}
		return x
	}
	rec := func(st store.State, reason string) *store.Record {
		return &store.Record{State: st, Reason: reason, Status: "processing"}
	}
	old := o("processing")
	old.Created = start.Add(-time.Hour)
	oldPaid := old
	oldPaid.Paid = start.Add(-time.Minute)
	// On hold at connect time (a bank transfer), paid afterwards: the old
	// koppeling never booked it.
	paidAfter := old
	paidAfter.Paid = start.Add(24 * time.Hour)
	deleted := o("processing")
	deleted.Deleted = true
	for _, tt := range []struct {
		name     string
		prev     *store.Record
		in       order.Order
		state    store.State
		reason   string
		bookings []string
	}{
		{"forwarded status is queued with its invoice", nil, o("processing"), store.Queued, "", []string{"woocommerce/3/13/invoice"}},
		{"refunds come with credit notes", nil, o("completed", "14"), store.Queued, "", []string{"woocommerce/3/13/invoice", "woocommerce/3/13/credit/14"}},
		{"other status is parked", nil, o("on-hold"), store.Parked, engine.ReasonNotForwarded, nil},
		{"custom status is parked", nil, o("wacht-op-betaling"), store.Parked, engine.ReasonNotForwarded, nil},
		{"checkout draft is parked", nil, o("checkout-draft"), store.Parked, engine.ReasonCheckoutDraft, nil},
		{"deleted is parked for a person", nil, deleted, store.Parked, engine.ReasonDeleted, nil},
		{"before the start date is not booked", nil, old, store.Ignored, engine.ReasonBeforeStart, nil},
		{"paid before the start date is not booked", nil, oldPaid, store.Ignored, engine.ReasonBeforeStart, nil},
		{"created before the start, paid after it, is booked", nil, paidAfter, store.Queued, "", []string{"woocommerce/3/13/invoice"}},
		{"booked stays booked, a new refund is credited", rec(store.Booked, ""), o("refunded", "14"), store.Booked, "", []string{"woocommerce/3/13/credit/14"}},
		{"booked stays booked when cancelled", rec(store.Booked, ""), o("cancelled"), store.Booked, "", nil},
		{"a person's ignore holds", rec(store.Ignored, engine.ReasonIgnoredByUser), o("processing"), store.Ignored, engine.ReasonIgnoredByUser, nil},
		{"book anyway holds", rec(store.Queued, engine.ReasonBookedByUser), o("on-hold"), store.Queued, engine.ReasonBookedByUser, nil},
		{"failed and changed is retried", rec(store.Failed, engine.ReasonMismatch), o("completed"), store.Queued, "", []string{"woocommerce/3/13/invoice"}},
		{"queued then cancelled is parked", rec(store.Queued, ""), o("cancelled"), store.Parked, engine.ReasonNotForwarded, nil},
		{"unbookable stays unbookable while cancelled", rec(store.Unbookable, engine.ReasonNotForwarded), o("cancelled"), store.Unbookable, engine.ReasonNotForwarded, nil},
		{"unbookable draft stays unbookable", rec(store.Unbookable, engine.ReasonCheckoutDraft), o("checkout-draft"), store.Unbookable, engine.ReasonCheckoutDraft, nil},
		{"unbookable trashed stays unbookable", rec(store.Unbookable, engine.ReasonDeleted), deleted, store.Unbookable, engine.ReasonDeleted, nil},
		{"unbookable then forwarded is booked", rec(store.Unbookable, engine.ReasonNotForwarded), o("processing"), store.Queued, "", []string{"woocommerce/3/13/invoice"}},
		{"unbookable then on hold is back in Open", rec(store.Unbookable, engine.ReasonNotForwarded), o("on-hold"), store.Parked, engine.ReasonNotForwarded, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := engine.Decide(sh, wooKind)(tt.prev, tt.in)
			if d.State != tt.state || d.Reason != tt.reason {
				t.Fatalf("decision %s/%s, want %s/%s", d.State, d.Reason, tt.state, tt.reason)
			}
			var keys []string
			for _, b := range d.Bookings {
				keys = append(keys, b.Key)
			}
			if len(keys) != len(tt.bookings) {
				t.Fatalf("bookings %v, want %v", keys, tt.bookings)
			}
			for i := range keys {
				if keys[i] != tt.bookings[i] {
					t.Fatalf("bookings %v, want %v", keys, tt.bookings)
				}
			}
		})
	}
}

func TestDefaultBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 7: time.Hour, 50: time.Hour} {
		if got := engine.DefaultBackoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
}

// TestDecideBookedChanges: what a new snapshot of a booked order marks as
// changed after booking, relative to the invoice as booked.
func TestDecideBookedChanges(t *testing.T) {
	sh := store.Shop{ID: 3, Name: "w", Source: order.WooCommerce, Forward: []order.Status{"processing", "completed"}}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	base := order.Order{ID: "13", Number: "13", Status: "processing", Created: t0, Modified: t0, Total: 4000, Currency: "EUR"}
	booked := func(prevOrder order.Order, flagged bool, note string) *store.Record {
		snap, _ := json.Marshal(prevOrder)
		inv, _ := json.Marshal(order.Invoice{ID: "13", Kind: order.KindInvoice, Total: 4000})
		return &store.Record{State: store.Booked, Status: prevOrder.Status, Total: prevOrder.Total, Snapshot: snap,
			BookedInvoice: inv, ChangedAfterBooking: flagged, ChangeNote: note}
	}
	with := func(f func(*order.Order)) order.Order {
		o := base
		o.Modified = t0.Add(time.Hour)
		f(&o)
		return o
	}
	lowered := with(func(o *order.Order) { o.Total = 3500 })
	for _, tt := range []struct {
		name    string
		prev    *store.Record
		in      order.Order
		changed bool
		note    string
	}{
		{"completed is no change", booked(base, false, ""), with(func(o *order.Order) { o.Status = "completed" }), false, ""},
		{"cancelled", booked(base, false, ""), with(func(o *order.Order) { o.Status = "cancelled" }), true, "status cancelled"},
		{"trashed", booked(base, false, ""), with(func(o *order.Order) { o.Status = "trash"; o.Deleted = true }), true, "deleted"},
		{"refunded by hand, nothing refunded", booked(base, false, ""), with(func(o *order.Order) { o.Status = "refunded" }),
			true, "status refunded, 0.00 of 40.00 refunded"},
		{"refunded in full is the refund's credit note", booked(base, false, ""), with(func(o *order.Order) {
			o.Status = "refunded"
			o.Refunds = []order.Refund{{ID: "14", Amount: 4000}}
		}), false, ""},
		{"refunded in full, then cancelled: housekeeping", booked(base, false, ""), with(func(o *order.Order) {
			o.Status = "cancelled"
			o.Refunds = []order.Refund{{ID: "14", Amount: 4000}}
		}), false, ""},
		{"refunded in full, then trashed: housekeeping", booked(base, false, ""), with(func(o *order.Order) {
			o.Status, o.Deleted = "trash", true
			o.Refunds = []order.Refund{{ID: "14", Amount: 4000}}
		}), false, ""},
		{"refunded in part, then cancelled", booked(base, false, ""), with(func(o *order.Order) {
			o.Status = "cancelled"
			o.Refunds = []order.Refund{{ID: "14", Amount: 1000}}
		}), true, "status cancelled"},
		{"total lowered", booked(base, false, ""), lowered, true, "total 40.00 -> 35.00"},
		{"total raised", booked(base, false, ""), with(func(o *order.Order) { o.Total = 4500 }), true, "total 40.00 -> 45.00"},
		{"then cancelled too: against the booked invoice", booked(lowered, true, "total 40.00 -> 35.00"),
			with(func(o *order.Order) { o.Total = 3500; o.Status = "cancelled"; o.Modified = t0.Add(2 * time.Hour) }),
			true, "status cancelled; total 40.00 -> 35.00"},
		{"the edit undone clears the mark", booked(lowered, true, "total 40.00 -> 35.00"),
			with(func(o *order.Order) { o.Modified = t0.Add(2 * time.Hour) }), false, ""},
		{"credited already: a save that changes nothing does not mark it again", booked(lowered, false, ""),
			with(func(o *order.Order) { o.Total = 3500; o.Modified = t0.Add(2 * time.Hour); o.Status = "completed" }), false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := engine.Decide(sh, wooKind)(tt.prev, tt.in)
			if d.State != store.Booked || d.ChangedAfterBooking != tt.changed || d.ChangeNote != tt.note {
				t.Fatalf("got %s changed=%v note %q, want changed=%v note %q", d.State, d.ChangedAfterBooking, d.ChangeNote, tt.changed, tt.note)
			}
			for _, b := range d.Bookings {
				if b.Kind == order.KindInvoice {
					t.Fatal("a booked order's invoice was queued again")
				}
			}
		})
	}
}
