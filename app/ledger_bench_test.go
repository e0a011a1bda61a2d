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
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// count429 counts the emulator's 429 answers.
func count429(h http.Handler, n *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&statusCount{ResponseWriter: w, n: n}, r)
	})
}

type statusCount struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (s *statusCount) WriteHeader(code int) {
	if code == http.StatusTooManyRequests {
		s.n.Add(1)
	}
	s.ResponseWriter.WriteHeader(code)
}

// backlogWorld is a WooCommerce shop with orders Dutch orders and a
// service booking into a Moneybird emulator at limit requests per window,
// both on clock.
type backlogWorld struct {
	svc      *app.Service
	mb       *mbemu.Moneybird
	tooMany  atomic.Int64
	bookings int
}

func newBacklogWorld(tb testing.TB, clock clockwork.Clock, orders, limit int, window time.Duration) *backlogWorld {
	tb.Helper()
	ctx := context.Background()
	emu := wcemu.New(testKey, testSecret)
	shop := httptest.NewServer(emu)
	tb.Cleanup(shop.Close)
	emu.SetURL(shop.URL)
	emu.AddDutch(orders, 5)

	bw := &backlogWorld{mb: mbemu.New(mbAdmin, mbToken)}
	bw.mb.SetClock(clock.Now)
	bw.mb.SetRateLimit(limit, window)
	srv := httptest.NewServer(count429(bw.mb, &bw.tooMany))
	tb.Cleanup(srv.Close)
	bw.mb.SetURL(srv.URL)

	svc, err := app.Open(ctx, app.Options{DataDir: filepath.Join(tb.TempDir(), "data"), Logger: quiet, Clock: clock})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { svc.Close() })
	bw.svc = svc
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Koffiebar", URL: shop.URL, Key: testKey, Secret: testSecret,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		tb.Fatal(err)
	}
	if err := svc.SetSeller(ctx, testSeller()); err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.ConnectLedger(ctx, app.LedgerConnect{Kind: "moneybird", Token: mbToken, APIURL: srv.URL + "/api/v2"}); err != nil {
		tb.Fatal(err)
	}
	return bw
}

// report checks that every booking went into Moneybird once and reports
// the figures: the time taken, the minimum the limit allows for the
// requests made (the last window starts (⌈requests/limit⌉−1) windows after
// the first), requests per booking and 429s.
func (bw *backlogWorld) report(b *testing.B, took time.Duration, limit int, window time.Duration, unit string) {
	b.Helper()
	created := int(bw.mb.Created())
	for _, inv := range bw.mb.Invoices() {
		if n := len(bw.mb.InvoicesByReference(inv.Reference)); n != 1 {
			b.Fatalf("%s is in Moneybird %d times", inv.Reference, n)
		}
	}
	views, err := bw.svc.Orders(context.Background(), app.OrderQuery{States: []app.State{app.Queued, app.Failed}})
	if err != nil {
		b.Fatal(err)
	}
	if len(views) != 0 {
		b.Fatalf("%d orders not booked (%s: %s)", len(views), views[0].Reason, views[0].Detail)
	}
	// A booked order whose credit note failed stays booked: ask for those too.
	cn, err := bw.svc.Orders(context.Background(), app.OrderQuery{States: []app.State{app.Booked}, Reason: app.ReasonCreditFailed})
	if err != nil {
		b.Fatal(err)
	}
	if len(cn) != 0 {
		b.Fatalf("%d credit notes failed (%s)", len(cn), cn[0].Detail)
	}
	needed := bw.mb.Requests() - bw.tooMany.Load()
	windows := (needed + int64(limit) - 1) / int64(limit)
	minimum := time.Duration(windows-1) * window
	scale := time.Minute
	if unit == "s" {
		scale = time.Second
	}
	b.ReportMetric(float64(created), "bookings")
	b.ReportMetric(float64(took)/float64(scale), "took-"+unit)
	b.ReportMetric(float64(minimum)/float64(scale), "min-"+unit)
	b.ReportMetric(float64(bw.mb.Requests())/float64(created), "req/booking")
	b.ReportMetric(float64(bw.tooMany.Load()), "429s")
	if took > minimum+minimum/10 {
		b.Errorf("took %s, the limit allows %s", took, minimum)
	}
	if bw.tooMany.Load() > 1 {
		b.Errorf("%d answers 429: no more than the first may be", bw.tooMany.Load())
	}
}

// BenchmarkMoneybirdBacklog is Orderbrug's own figure for a backlog into
// Moneybird: 2,570 WooCommerce orders (about 2,000 bookings with their
// credit notes) polled, queued in the SQLite outbox and booked by the
// engine through the Moneybird ledger into mbemu at Moneybird's real limit
// of 150 requests per 5 minutes, on a fake clock: each sync books until
// the limit, the bookings wait in the outbox, and the clock is moved to
// the time the service says they are due. It reports the simulated
// minutes against the minimum the limit allows for the requests made.
func BenchmarkMoneybirdBacklog(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		clock := clockwork.NewFakeClockAt(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		bw := newBacklogWorld(b, clock, 2570, mbemu.RateLimit, mbemu.RateWindow)
		start := clock.Now()
		b.StartTimer()
		for {
			if _, err := bw.svc.Sync(ctx, "", nil); err != nil {
				b.Fatal(err)
			}
			w, err := bw.svc.LedgerWait(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if w.Count == 0 {
				break
			}
			clock.Advance(w.Next.Sub(clock.Now()))
		}
		b.StopTimer()
		took := clock.Now().Sub(start)
		// Nothing may be left behind (a credit note of a booked order
		// waiting for its invoice is not in the waiting count): hours
		// later a sync books nothing more.
		created := bw.mb.Created()
		clock.Advance(3 * time.Hour)
		if _, err := bw.svc.Sync(ctx, "", nil); err != nil {
			b.Fatal(err)
		}
		if n := bw.mb.Created() - created; n != 0 {
			b.Fatalf("%d bookings were left behind when the waiting count said none", n)
		}
		bw.report(b, took, mbemu.RateLimit, mbemu.RateWindow, "min")
	}
}

// BenchmarkMoneybirdBacklogRealClock is the same on the real clock with the
// limit scaled down (100 requests per 20 s) and 170 orders, booked by the
// service's own worker, which sleeps until the outbox says the bookings
// are due: the wall time against the minimum the limit allows. (Moneybird
// tells the reset in whole seconds, so each window costs up to a second
// more than its length: with 20 s windows that is within the 10 %.)
func BenchmarkMoneybirdBacklogRealClock(b *testing.B) {
	const limit, window = 100, 20 * time.Second
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bw := newBacklogWorld(b, clockwork.NewRealClock(), 170, limit, window)
		runCtx, cancel := context.WithCancel(ctx)
		b.StartTimer()
		start := time.Now()
		if _, err := bw.svc.Sync(ctx, "", nil); err != nil {
			b.Fatal(err)
		}
		if err := bw.svc.Start(runCtx); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Minute)
		for {
			w, err := bw.svc.LedgerWait(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if w.Count == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("still %d waiting after 5 minutes", w.Count)
			}
			time.Sleep(20 * time.Millisecond)
		}
		took := time.Since(start)
		b.StopTimer()
		cancel()
		bw.report(b, took, limit, window, "s")
	}
}
