package moneybird

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// statusCounter counts the answers of one status.
type statusCounter struct {
	http.ResponseWriter
	status int
	n      *atomic.Int64
}

func (s *statusCounter) WriteHeader(code int) {
	if code == s.status {
		s.n.Add(1)
	}
	s.ResponseWriter.WriteHeader(code)
}

// BenchmarkBacklog books a backlog of 2,000 paid orders through the
// ledger on a fake clock against mbemu at Moneybird's own limit (150
// requests per 5 minutes): new_buyers has a new buyer on every order (the
// most requests: contact lookup, contact, invoice, payment),
// returning_buyers 500 buyers of four orders each. It runs the rounds as
// the engine does: a booking that gets a *ledger.RateLimitedError waits,
// and the rest of the round with it, until its Until. It reports the
// simulated minutes, the minimum the limit allows for the requests made
// ((⌈requests/150⌉−1) × 5 min), the requests per booking and the 429s,
// and fails when the simulated time is over the minimum by more than 10 %
// or a booking takes more requests than it needs (4.0 per booking of a
// new buyer, 2.5 with buyers of four orders: 4 for the first, 2 for each
// further one).
func BenchmarkBacklog(b *testing.B) {
	b.Run("new_buyers", func(b *testing.B) { backlog(b, 2000, 2000) })
	b.Run("returning_buyers", func(b *testing.B) { backlog(b, 2000, 500) })
}

// TestBacklogRequestsPerBooking is the benchmark's figures on a smaller
// backlog, so that a needless request fails the tests too.
func TestBacklogRequestsPerBooking(t *testing.T) {
	for _, c := range []struct {
		name       string
		n, buyers  int
		perBooking float64
	}{{"new_buyers", 200, 200, 4.0}, {"returning_buyers", 200, 50, 2.5}} {
		t.Run(c.name, func(t *testing.T) {
			st := bookBacklog(t, c.n, c.buyers, nil)
			st.check(t, c.n, c.buyers)
			if got := float64(st.sent-st.tooMany) / float64(c.n); got != c.perBooking {
				t.Errorf("%.3f requests per booking, want %.1f", got, c.perBooking)
			}
		})
	}
}

// backlog books n orders of buyers buyers.
func backlog(b *testing.B, n, buyers int) {
	b.ReportAllocs()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		st := bookBacklog(b, n, buyers, func(on bool) {
			if on {
				b.StartTimer()
			} else {
				b.StopTimer()
			}
		})
		b.ReportMetric(st.simulated.Minutes(), "sim-min")
		b.ReportMetric(st.minimum.Minutes(), "min-sim-min")
		b.ReportMetric(float64(st.sent)/float64(n), "req/booking")
		b.ReportMetric(float64(st.tooMany), "429s")
		st.check(b, n, buyers)
	}
}

// backlogStats are what booking a backlog took.
type backlogStats struct {
	sent, tooMany      int64
	simulated, minimum time.Duration
}

// check fails when the backlog took longer than the limit allows (10 %
// over) or more requests than its bookings need: 4 for a buyer's first
// booking (contact lookup, contact, invoice, payment), 2 for each further
// one (invoice, payment).
func (st backlogStats) check(tb testing.TB, n, buyers int) {
	tb.Helper()
	if st.simulated > st.minimum+st.minimum/10 {
		tb.Errorf("simulated %s, the limit allows %s", st.simulated, st.minimum)
	}
	if want := int64(4*buyers + 2*(n-buyers)); st.sent-st.tooMany != want {
		tb.Errorf("%d requests (besides %d 429s) for %d bookings of %d buyers, want %d (%.2f per booking)",
			st.sent-st.tooMany, st.tooMany, n, buyers, want, float64(want)/float64(n))
	}
}

// bookBacklog books n paid orders of buyers buyers on a fake clock as the
// engine's rounds do; timer (nil: none) is switched on around the
// bookings.
func bookBacklog(tb testing.TB, n, buyers int, timer func(on bool)) backlogStats {
	tb.Helper()
	var tooMany atomic.Int64
	e := newEnvWith(tb, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(&statusCounter{ResponseWriter: w, status: http.StatusTooManyRequests, n: &tooMany}, r)
		})
	})
	invs := make([]order.Invoice, n)
	for k := range invs {
		c := k % buyers
		buyer := order.Party{Name: fmt.Sprintf("Klant %d", c), Email: fmt.Sprintf("klant%d@example.nl", c),
			Address: order.Address{Street: "Straat 1", Postcode: "1234 AB", City: "Utrecht", Country: "NL"}}
		invs[k] = invoice(tb, "webwinkel", simpleOrder(fmt.Sprint(10000+k), buyer))
	}
	start := e.clock.Now()
	if timer != nil {
		timer(true)
	}
	pending := invs
	for len(pending) > 0 {
		var wait time.Time
		for k, inv := range pending {
			_, err := e.l.BookReport(e.ctx, inv)
			if until, ok := ledger.RetryAt(err); ok {
				wait, pending = until, pending[k:]
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
			if k == len(pending)-1 {
				pending = nil
			}
		}
		if !wait.IsZero() {
			e.clock.Set(wait)
		}
	}
	if timer != nil {
		timer(false)
	}
	if int(e.mb.Created()) != n || len(e.mb.Contacts()) != buyers {
		tb.Fatalf("%d invoices, %d contacts", e.mb.Created(), len(e.mb.Contacts()))
	}
	sent := e.mb.Requests()
	needed := sent - tooMany.Load()
	windows := (needed + RateLimit - 1) / RateLimit
	return backlogStats{sent: sent, tooMany: tooMany.Load(),
		simulated: e.clock.Now().Sub(start), minimum: time.Duration(windows-1) * RateWindow}
}

// TestBacklogOnARealClock books a backlog against mbemu on the real clock
// with the limit scaled down to 10 requests a second: every booking gets
// through, without a single 429, in about the time the limit allows.
func TestBacklogOnARealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("waits on the real clock")
	}
	var tooMany atomic.Int64
	e := newEnvWith(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(&statusCounter{ResponseWriter: w, status: http.StatusTooManyRequests, n: &tooMany}, r)
		})
	})
	e.mb.SetClock(time.Now)
	e.mb.SetRateLimit(10, time.Second)
	cfg := e.config("moneybird/real")
	cfg.Now = nil
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 6 // 24 requests: 3 windows
	start := time.Now()
	for k := 0; k < n; k++ {
		buyer := order.Party{Name: fmt.Sprintf("Klant %d", k), Email: fmt.Sprintf("k%d@example.nl", k), Address: order.Address{Country: "NL"}}
		inv := invoice(t, "webwinkel", simpleOrder(fmt.Sprint(k+1), buyer))
		for {
			_, err := l.BookReport(e.ctx, inv)
			if until, ok := ledger.RetryAt(err); ok {
				time.Sleep(time.Until(until))
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	elapsed := time.Since(start)
	if e.mb.Created() != n || tooMany.Load() != 0 {
		t.Fatalf("%d created, %d 429s", e.mb.Created(), tooMany.Load())
	}
	// 2 windows to wait for; the reset is told in whole seconds, so each
	// wait may be up to a second longer.
	if elapsed < 2*time.Second || elapsed > 5*time.Second {
		t.Errorf("took %s", elapsed)
	}
}
