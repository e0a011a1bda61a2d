package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// outage answers every request 503 while down, as a package's load
// balancer does during maintenance, and counts what it refused.
type outage struct {
	h       http.Handler
	down    atomic.Bool
	refused atomic.Int64
}

func (o *outage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if o.down.Load() {
		o.refused.Add(1)
		http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	o.h.ServeHTTP(w, r)
}

// TestLedgerDownForAnHour: Moneybird or e-Boekhouden down for an hour
// while the shop keeps selling. The bookings wait with the reason shown
// (waiting on time: sync says so and exits without asking a person),
// none fails, and once the package is back every booking is booked once,
// each buyer one contact.
func TestLedgerDownForAnHour(t *testing.T) {
	for _, kind := range []string{"moneybird", "eboekhouden"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			clock := clockwork.NewFakeClockAt(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
			shop := wcemu.New(testKey, testSecret)
			shopSrv := httptest.NewServer(shop)
			t.Cleanup(shopSrv.Close)
			shop.SetURL(shopSrv.URL)
			shop.AddDutch(30, 7)

			var pkg http.Handler
			var count func() (invoices, contacts int, dup string)
			var apiURL, token string
			srv := httptest.NewUnstartedServer(nil)
			switch kind {
			case "moneybird":
				mb := mbemu.New(mbAdmin, mbToken)
				mb.SetClock(clock.Now)
				pkg, token = mb, mbToken
				srv.Start()
				mb.SetURL(srv.URL)
				apiURL = srv.URL + "/api/v2"
				count = func() (int, int, string) {
					for _, inv := range mb.Invoices() {
						if len(mb.InvoicesByReference(inv.Reference)) != 1 {
							return 0, 0, inv.Reference
						}
					}
					return mb.InvoiceCount(), len(mb.Contacts()), ""
				}
			default:
				eb := ebemu.New(ebToken)
				eb.SetClock(clock.Now)
				pkg, token = eb, ebToken
				srv.Start()
				apiURL = srv.URL
				count = func() (int, int, string) {
					for _, m := range eb.Mutations() {
						if len(eb.MutationsByInvoice(m.InvoiceNumber)) != 1 {
							return 0, 0, m.InvoiceNumber
						}
					}
					return eb.MutationCount(), eb.RelationCount(), ""
				}
			}
			out := &outage{h: pkg}
			srv.Config.Handler = out
			t.Cleanup(srv.Close)

			svc, err := app.Open(ctx, app.Options{DataDir: filepath.Join(t.TempDir(), "data"), Logger: quiet, Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { svc.Close() })
			if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Koffiebar", URL: shopSrv.URL, Key: testKey, Secret: testSecret,
				Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
				t.Fatal(err)
			}
			if err := svc.SetSeller(ctx, testSeller()); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.ConnectLedger(ctx, app.LedgerConnect{Kind: kind, Token: token, APIURL: apiURL}); err != nil {
				t.Fatal(err)
			}

			out.down.Store(true)
			for step := 0; step <= 12; step++ { // an hour, a sync every 5 minutes
				res, err := svc.Sync(ctx, "", nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Attention) != 0 {
					t.Fatalf("at %s the outage asks a person: %+v", clock.Now().Format("15:04"), res.Attention)
				}
				if step == 6 {
					shop.AddDutch(5, 8) // the shop sells on
				}
				clock.Advance(5 * time.Minute)
			}
			if n, _, _ := count(); n != 0 || out.refused.Load() == 0 {
				t.Fatalf("down: %d booked, %d requests refused", n, out.refused.Load())
			}
			queued, err := svc.Orders(ctx, app.OrderQuery{States: []app.State{app.Queued}})
			if err != nil {
				t.Fatal(err)
			}
			if len(queued) == 0 {
				t.Fatal("nothing waits")
			}
			for _, o := range queued {
				if o.Reason != ledger.ReasonUnreachable {
					t.Errorf("order %s waits with %q, want %s", o.Number, o.Reason, ledger.ReasonUnreachable)
				}
			}
			if failed, _ := svc.Orders(ctx, app.OrderQuery{States: []app.State{app.Failed}}); len(failed) != 0 {
				t.Fatalf("%d bookings failed during the outage: %s", len(failed), failed[0].Detail)
			}

			out.down.Store(false)
			clock.Advance(time.Hour) // the longest backoff
			if _, err := svc.Sync(ctx, "", nil); err != nil {
				t.Fatal(err)
			}
			booked, err := svc.Orders(ctx, app.OrderQuery{States: []app.State{app.Booked}})
			if err != nil {
				t.Fatal(err)
			}
			if rest, _ := svc.Orders(ctx, app.OrderQuery{States: []app.State{app.Queued, app.Failed}}); len(rest) != 0 {
				t.Fatalf("after the outage %d still not booked: %s %s", len(rest), rest[0].Reason, rest[0].Detail)
			}
			n, contacts, dup := count()
			if dup != "" {
				t.Fatalf("%s is booked twice", dup)
			}
			if n < len(booked) || n < len(queued) {
				t.Errorf("%d booked in the package for %d booked orders (%d waited)", n, len(booked), len(queued))
			}
			if contacts == 0 || contacts > len(booked) {
				t.Errorf("%d contacts for %d orders", contacts, len(booked))
			}
			// Once more: nothing new.
			clock.Advance(time.Hour)
			if _, err := svc.Sync(ctx, "", nil); err != nil {
				t.Fatal(err)
			}
			if again, c2, _ := count(); again != n || c2 != contacts {
				t.Errorf("a sync after the outage booked %d more and made %d contacts more", again-n, c2-contacts)
			}
		})
	}
}
