package plugandpay

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
)

// An open order created just now is listed by the unpaid list, but its
// updated_at moves no cursor: a payment made two hours ago and visible only
// at the next poll is still in that poll's paid window (found in review:
// the cursor ran to the open order's time and the payment was missed).
func TestOpenOrderMovesNoCursor(t *testing.T) {
	now := t0
	shop := ppemu.New(testKey)
	shop.SetClock(func() time.Time { return now })
	srv := httptest.NewServer(shop)
	defer srv.Close()
	shop.SetURL(srv.URL)
	c, _ := New(Config{BaseURL: srv.URL, Key: testKey})
	c.now = func() time.Time { return now }
	cursor := t0.Add(-6 * time.Hour)
	shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}},
		Buyer: ppemu.Consumer(0), At: t0.Add(-5 * time.Hour)})
	shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}},
		Buyer: ppemu.Consumer(2), Open: true, At: t0})
	next, err := c.Poll(ctx, cursor, func(o order.Order) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !next.Before(t0.Add(-4 * time.Hour)) {
		t.Fatalf("cursor %v after the first poll: the open order of %v moved it", next, t0)
	}
	now = t0.Add(10 * time.Minute)
	late := shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}},
		Buyer: ppemu.Consumer(1), At: t0.Add(-2 * time.Hour)})
	var got []order.Order
	if _, err := c.Poll(ctx, next, func(o order.Order) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok := byID(got)[id(late)]; !ok {
		t.Errorf("a payment visible late was missed: polled %v", keys(byID(got)))
	}
}
