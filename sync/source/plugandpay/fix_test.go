package plugandpay

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
)

// pollAll polls from zero and returns the orders by id.
func pollAll(t *testing.T, c *Client) map[string]order.Order {
	t.Helper()
	var got []order.Order
	if _, err := c.Poll(ctx, time.Time{}, func(o order.Order) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	return byID(got)
}

// bookWithCredits books o as an invoice and each of its refunds as a credit
// note, and checks that every credit note undoes the invoice to the cent.
func bookWithCredits(t *testing.T, o order.Order, sells order.Sells) order.Invoice {
	t.Helper()
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: "k" + o.ID, Shop: "cursus", Seller: testSeller(), Sells: sells})
	if err != nil {
		t.Fatalf("order %s: %v\n%+v", o.ID, err, o.Lines)
	}
	if inv.Total != o.Total || inv.TaxTotal != o.TotalTax {
		t.Fatalf("order %s: invoice %s/%s, shop %s/%s", o.ID, inv.Total, inv.TaxTotal, o.Total, o.TotalTax)
	}
	for _, rf := range o.Refunds {
		cn, err := order.NewCreditNote(o, rf, inv, "c"+rf.ID, rf.Created)
		if err != nil {
			t.Fatalf("credit %s of %s: %v\nlines %+v", rf.ID, o.ID, err, rf.Lines)
		}
		if cn.Total != inv.Total || cn.TaxTotal != inv.TaxTotal {
			t.Fatalf("credit %s: %s/%s of invoice %s/%s", rf.ID, cn.Total, cn.TaxTotal, inv.Total, inv.TaxTotal)
		}
	}
	return inv
}

// A credited order whose discount is only in total_discounts: the credit
// invoice's discount line is turned round with its items (bug 1: the
// items were made positive with Abs and the discount stayed positive, so
// the credit note's lines added to 110 against 90).
func TestCreditOfOrderLevelDiscount(t *testing.T) {
	shop, c := start(t, t0)
	oid := shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 3, UnitPrice: 12100, Rate: 2100}},
		Buyer: ppemu.Consumer(0), OrderDiscount: 1210, OrderDiscountCode: "WELKOM"})
	cid, err := shop.Credit(oid)
	if err != nil {
		t.Fatal(err)
	}
	o := pollAll(t, c)[id(oid)]
	if o.Total != 10890 || len(o.Lines) != 2 || len(o.Refunds) != 1 || o.Refunds[0].ID != id(cid) {
		t.Fatalf("order %+v", o)
	}
	var sum order.Money
	for _, l := range o.Refunds[0].Lines {
		sum += l.Net + l.VAT
	}
	if sum != 10890 {
		t.Errorf("credit lines add to %s, want 108.90: %+v", sum, o.Refunds[0].Lines)
	}
	bookWithCredits(t, o, order.SellsServices)
}

// An order-level discount over items at 21 % and 9 % is split per rate
// (bug 5: it got one rate, and the invoice did not reconcile); credited
// too, and for a reverse-charge buyer.
func TestMixedRateOrderDiscount(t *testing.T) {
	shop, c := start(t, t0)
	items := []ppemu.ItemSpec{
		{Label: "Cursus", ProductID: 3, UnitPrice: 12100, Rate: 2100},
		{Label: "Werkboek", ProductID: 4, UnitPrice: 1090, Quantity: 2, Rate: 900},
	}
	a := shop.Add(ppemu.Spec{Items: items, Buyer: ppemu.Consumer(0), OrderDiscount: 1000})
	b := shop.Add(ppemu.Spec{Items: items, Buyer: ppemu.Consumer(1), OrderDiscount: 1000})
	if _, err := shop.Credit(b); err != nil {
		t.Fatal(err)
	}
	e := shop.Add(ppemu.Spec{Items: items, Buyer: ppemu.BuyerReverseEU, OrderDiscount: 1000})
	m := pollAll(t, c)
	for _, n := range []int64{a, b, e} {
		o := m[id(n)]
		inv := bookWithCredits(t, o, order.SellsServices)
		if n == a {
			var discounts int
			for _, l := range o.Lines {
				if l.Kind == order.Fee {
					discounts++
				}
			}
			if discounts != 2 || len(inv.TaxSubtotals) != 2 {
				t.Errorf("order %d: %d discount lines, subtotals %+v", n, discounts, inv.TaxSubtotals)
			}
		}
	}
}

// The cursor is the largest window key, not the newest updated_at (bug
// 2): an old order credited now (updated_at now, paid_at hours ago) must
// not move the cursor past a payment that becomes visible late, and a
// refused order keeps the cursor where it was.
func TestCursorIsWindowKey(t *testing.T) {
	now := t0
	shop := ppemu.New(testKey)
	shop.SetClock(func() time.Time { return now })
	srv := httptest.NewServer(shop)
	defer srv.Close()
	shop.SetURL(srv.URL)
	c, _ := New(Config{BaseURL: srv.URL, Key: testKey})
	c.now = func() time.Time { return now }
	cursor := t0.Add(-6 * time.Hour)
	old := shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}},
		Buyer: ppemu.Consumer(0), At: t0.Add(-5 * time.Hour)})
	if _, err := shop.Credit(old); err != nil {
		t.Fatal(err)
	}
	var got []order.Order
	next, err := c.Poll(ctx, cursor, func(o order.Order) error { got = append(got, o); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if o := byID(got)[id(old)]; len(o.Refunds) != 1 || !o.Modified.Equal(t0) {
		t.Fatalf("credited order: %+v", byID(got))
	}
	if want := t0.Add(-5 * time.Hour); !next.Equal(want) {
		t.Errorf("cursor %v, want the paid_at %v (not the credit's updated_at)", next, want)
	}
	// Paid two hours ago, visible only now.
	now = t0.Add(10 * time.Minute)
	late := shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}},
		Buyer: ppemu.Consumer(1), At: t0.Add(-2 * time.Hour)})
	got = nil
	if _, err := c.Poll(ctx, next, func(o order.Order) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok := byID(got)[id(late)]; !ok {
		t.Errorf("a payment visible late was missed: polled %v", keys(byID(got)))
	}
	// fn accepts one and refuses the other: the cursor stays.
	n := 0
	again, err := c.Poll(ctx, next, func(o order.Order) error {
		if n++; n == 2 {
			return errors.New("refused")
		}
		return nil
	})
	if err == nil || !again.Equal(next) {
		t.Errorf("refused: cursor %v err %v, want %v", again, err, next)
	}
	// A key in the future (a shop clock ahead) is capped at the poll's start.
	shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}},
		Buyer: ppemu.Consumer(1), At: now.Add(time.Hour)})
	if n, err := c.Poll(ctx, next, func(order.Order) error { return nil }); err != nil || !n.Equal(now) {
		t.Errorf("future key: cursor %v err %v, want %v", n, err, now)
	}
}

// A chargeback (reversed) or a credit of an order paid and invoiced long
// before the cursor is seen by the next poll (bug 3), and a poll with
// nothing changed stays at four requests.
func TestOldOrderReversedOrCredited(t *testing.T) {
	now := t0
	shop := ppemu.New(testKey)
	shop.SetClock(func() time.Time { return now })
	srv := httptest.NewServer(shop)
	defer srv.Close()
	shop.SetURL(srv.URL)
	c, _ := New(Config{BaseURL: srv.URL, Key: testKey})
	item := []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}}
	credited := shop.Add(ppemu.Spec{Items: item, Buyer: ppemu.Consumer(0), At: t0.Add(-10 * 24 * time.Hour)})
	reversed := shop.Add(ppemu.Spec{Items: item, Buyer: ppemu.Consumer(1), At: t0.Add(-40 * 24 * time.Hour), Method: "directdebit"})
	ancient := shop.Add(ppemu.Spec{Items: item, Buyer: ppemu.Consumer(2), At: t0.Add(-40 * 24 * time.Hour)})
	shop.AddDutch(5, 1)
	cursor := t0.Add(2 * time.Hour)
	now = cursor.Add(time.Hour)
	shop.ResetRequests()
	next, err := c.Poll(ctx, cursor, func(o order.Order) error { t.Errorf("nothing changed, polled %s", o.ID); return nil })
	if err != nil || !next.Equal(cursor) {
		t.Fatalf("cursor %v %v", next, err)
	}
	if n := shop.Requests(); n != 4 {
		t.Errorf("a poll with nothing changed made %d requests, want 4", n)
	}
	if _, err := shop.Credit(credited); err != nil {
		t.Fatal(err)
	}
	if err := shop.SetStatus(reversed, "reversed"); err != nil {
		t.Fatal(err)
	}
	var got []order.Order
	if _, err := c.Poll(ctx, next, func(o order.Order) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	m := byID(got)
	if o := m[id(credited)]; o.Status != StatusCredited || len(o.Refunds) != 1 {
		t.Errorf("old order credited now: %+v", o)
	}
	if o := m[id(reversed)]; o.Status != StatusReversed {
		t.Errorf("old order reversed now: %+v", m)
	}
	if _, ok := m[id(ancient)]; ok || len(m) != 2 {
		t.Errorf("polled %v, want only %d and %d", keys(m), credited, reversed)
	}
}

// shipping{} [T] is a shipping line (bug 6), credited with its order; an
// order without it is as before.
func TestShipping(t *testing.T) {
	shop, c := start(t, t0)
	items := []ppemu.ItemSpec{{Label: "Werkboek", ProductID: 13, UnitPrice: 2450, Quantity: 2, Rate: 900}}
	a := shop.Add(ppemu.Spec{Items: items, Buyer: ppemu.Consumer(0), Shipping: 695, ShippingRate: 900})
	b := shop.Add(ppemu.Spec{Items: items, Buyer: ppemu.Consumer(1), Shipping: 495, ShippingRate: 2100, OrderDiscount: 500})
	if _, err := shop.Credit(b); err != nil {
		t.Fatal(err)
	}
	m := pollAll(t, c)
	for _, n := range []int64{a, b} {
		o := m[id(n)]
		var ship []order.Line
		for _, l := range o.Lines {
			if l.Kind == order.Shipping {
				ship = append(ship, l)
			}
		}
		if len(ship) != 1 || ship[0].Net+ship[0].VAT == 0 {
			t.Errorf("order %d: shipping lines %+v", n, ship)
		}
		bookWithCredits(t, o, order.SellsGoods)
	}
}

// A tenant that refuses the tap's includes (422 naming the include) is
// asked again once without them and never again with them; credit
// invoices are then linked by email and amount.
func TestSDKIncludesOnly(t *testing.T) {
	shop, c := start(t, t0)
	shop.SetSDKIncludesOnly(true)
	item := []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}}
	paid := shop.Add(ppemu.Spec{Items: item, Buyer: ppemu.Consumer(0)})
	credited := shop.Add(ppemu.Spec{Items: item, Buyer: ppemu.Consumer(1)})
	cid, err := shop.Credit(credited)
	if err != nil {
		t.Fatal(err)
	}
	m := pollAll(t, c)
	if _, ok := m[id(paid)]; !ok {
		t.Fatalf("polled %v", keys(m))
	}
	if o := m[id(credited)]; len(o.Refunds) != 1 || o.Refunds[0].ID != id(cid) {
		t.Errorf("credited without related_orders: %+v", o)
	}
	got, err := c.Fetch(ctx, []string{id(cid)})
	if err != nil || len(got) != 1 || got[0].ID != id(credited) || len(got[0].Refunds) != 1 {
		t.Errorf("fetch the credit invoice: %+v %v", got, err)
	}
	shop.ResetRequests()
	if _, err := c.Poll(ctx, t0.Add(48*time.Hour), func(order.Order) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n := shop.Requests(); n != 4 {
		t.Errorf("%d requests with nothing changed, want 4 (the include remembered)", n)
	}
}

// tax_exempt=reverse with a VAT id of another EU state is reverse charge
// (AE) on the zero-VAT lines of an order without shipping (services: a
// course, a download), whatever the shop's goods/services setting; with
// shipping the category is left to NewInvoice (goods: intra-EU supply).
// Bug 8: the flag was read and had no effect.
func TestReverseChargeBuyer(t *testing.T) {
	shop, c := start(t, t0)
	items := []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}}
	svc := shop.Add(ppemu.Spec{Items: items, Buyer: ppemu.BuyerReverseEU})
	if _, err := shop.Credit(svc); err != nil {
		t.Fatal(err)
	}
	goods := shop.Add(ppemu.Spec{Items: items, Buyer: ppemu.BuyerReverseEU, Shipping: 695, ShippingRate: 2100})
	m := pollAll(t, c)
	cat := func(inv order.Invoice) order.Category {
		if len(inv.TaxSubtotals) != 1 {
			t.Fatalf("subtotals %+v", inv.TaxSubtotals)
		}
		return inv.TaxSubtotals[0].Category
	}
	for _, l := range m[id(svc)].Lines {
		if l.Category != order.ReverseCharge {
			t.Errorf("services line %+v, want category AE", l)
		}
	}
	if got := cat(bookWithCredits(t, m[id(svc)], order.SellsGoods)); got != order.ReverseCharge {
		t.Errorf("services order in a goods shop: %s, want AE", got)
	}
	if got := cat(bookWithCredits(t, m[id(goods)], order.SellsGoods)); got != order.IntraEU {
		t.Errorf("shipped goods: %s, want K", got)
	}
	if got := cat(bookWithCredits(t, m[id(goods)], order.SellsServices)); got != order.ReverseCharge {
		t.Errorf("shipped, services shop: %s, want AE", got)
	}
}
