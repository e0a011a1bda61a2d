package plugandpay_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay"
	"github.com/orderbrug/orderbrug/sync/store"
)

// A booked order that turns credited while its credit invoice could not
// be linked (no refund) is changed after booking; with its credit attached
// it is not (bug 4: Refunded was not set, so the first was never flagged).
func TestCreditedWithoutCreditIsChanged(t *testing.T) {
	k := plugandpay.Descriptor()
	sh := store.Shop{ID: 1, Name: "Cursus", Slug: "cursus", Source: order.PlugAndPay, Forward: k.DefaultForward}
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	paid := order.Order{Source: order.PlugAndPay, ID: "1000", Number: "202600001", Status: plugandpay.StatusPaid,
		Created: at, Modified: at, Paid: at, Currency: "EUR", Total: 12100, TotalTax: 2100,
		Lines: []order.Line{{Kind: order.Product, ID: "1", Name: "Cursus", Quantity: 1, Net: 10000, VAT: 2100, Rate: 2100, Category: order.Standard}}}
	snap, err := json.Marshal(paid)
	if err != nil {
		t.Fatal(err)
	}
	prev := &store.Record{ShopID: 1, ExtID: paid.ID, Number: paid.Number, Status: paid.Status, Total: paid.Total, Currency: "EUR",
		State: store.Booked, Snapshot: snap}
	decide := engine.Decide(sh, &k)

	credited := paid
	credited.Status, credited.Modified = plugandpay.StatusCredited, at.Add(time.Hour)
	if d := decide(prev, credited); !d.ChangedAfterBooking {
		t.Errorf("credited without its credit invoice: %+v, want changed after booking", d)
	}
	credited.Refunds = []order.Refund{{ID: "1001", Amount: 12100, Created: at.Add(time.Hour), Lines: paid.Lines}}
	if d := decide(prev, credited); d.ChangedAfterBooking {
		t.Errorf("credited with its credit invoice: changed after booking (%s)", d.ChangeNote)
	}
}
