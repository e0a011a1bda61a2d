package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// seedParked puts n parked orders ("on-hold", not forwarded) into a new
// shop of svc through the store, as a big backlog would be after a poll.
func seedParked(tb testing.TB, svc *app.Service, n int) {
	tb.Helper()
	ctx := context.Background()
	_, url := newShop(tb, 0) // shop add tests the connection
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Theehuis", URL: url, Key: testKey,
		Secret: testSecret, Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		tb.Fatal(err)
	}
	sh, err := svc.Store().ShopByName(ctx, "Theehuis")
	if err != nil {
		tb.Fatal(err)
	}
	names := []string{"Jan de Vries", "Sanne Jansen", "Zoë van den Berg", "Renée Bakker", "Pieter Visser"}
	statuses := []order.Status{"on-hold", "pending", "verzonden"}
	for start := 0; start < n; start += 1000 {
		var obs []store.Observation
		for i := start; i < min(start+1000, n); i++ {
			at := testNow.Add(-time.Duration(i) * time.Minute)
			obs = append(obs, store.Observation{ShopID: sh.ID, Order: order.Order{Source: order.WooCommerce,
				ID: fmt.Sprint(10000 + i), Number: fmt.Sprint(10000 + i), Status: statuses[i%len(statuses)],
				Created: at, Modified: at, Currency: "EUR", Total: order.Money(1000 + i*7),
				Buyer: order.Party{Name: names[i%len(names)]}}})
		}
		if _, err := svc.Store().Apply(ctx, obs, svc.Engine().Decide(sh)); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestOpenWithTenThousandOrders(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 orders")
	}
	svc := newService(t)
	seedParked(t, svc, 10000)
	u := newTestUI(t, svc, "nl")
	if len(u.open.rows) != 10000 {
		t.Fatalf("%d rows", len(u.open.rows))
	}
	test.Type(u.open.search, "zoë")
	if len(u.open.visible) != 2000 {
		t.Fatalf("search shows %d, want 2000", len(u.open.visible))
	}
}

// BenchmarkOpenFirstRender: loading 10,000 parked orders from the database
// and building and drawing the Open table.
func BenchmarkOpenFirstRender(b *testing.B) {
	svc := newService(b)
	seedParked(b, svc, 10000)
	u := newTestUI(b, svc, "nl")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := newOpenTab(u)
		w := test.NewWindow(o.content)
		w.Resize(fyne.NewSize(1100, 700))
		o.load()
		u.bg.wait()
		if len(o.rows) != 10000 {
			b.Fatalf("%d rows", len(o.rows))
		}
		w.Canvas().Refresh(o.content)
		test.WidgetRenderer(o.table).Layout(o.table.Size())
		w.Close()
	}
}

// BenchmarkOpenFilter: one keystroke in the search box over 10,000 rows,
// table refresh included.
func BenchmarkOpenFilter(b *testing.B) {
	svc := newService(b)
	seedParked(b, svc, 10000)
	u := newTestUI(b, svc, "nl")
	w := test.NewWindow(u.open.content)
	w.Resize(fyne.NewSize(1100, 700))
	defer w.Close()
	queries := []string{"zoë", "1234", "wacht", "renée bakker", ""}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u.open.search.SetText(queries[i%len(queries)])
	}
}
