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
// and fails when the simulated time is over the minimum by more than 10 %.
func BenchmarkBacklog(b *testing.B) {
	b.Run("new_buyers", func(b *testing.B) { backlog(b, 2000, 2000) })
	b.Run("returning_buyers", func(b *testing.B) { backlog(b, 2000, 500) })
}

// backlog books n orders of buyers buyers.
func backlog(b *testing.B, n, buyers int) {
	b.ReportAllocs()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		var tooMany atomic.Int64
		e := newEnvWith(b, func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h.ServeHTTP(&statusCounter{ResponseWriter: w, status: http.StatusTooManyRequests, n: &tooMany}, r)
			})
		})
		invs := make([]order.Invoice, n)
		for k := range invs {
			c := k % buyers
			buyer := order.Party{Name: fmt.Sprintf("Klant %d", c), Email: fmt.Sprintf("klant%d@example.nl", c),
				Address: order.Address{Street: "Straat 1", Postcode: "1234 AB", City: "Utrecht", Country: "NL"}}
			invs[k] = invoice(b, "webwinkel", simpleOrder(fmt.Sprint(10000+k), buyer))
		}
		start := e.clock.Now()
		b.StartTimer()
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
					b.Fatal(err)
				}
				if k == len(pending)-1 {
					pending = nil
				}
			}
			if !wait.IsZero() {
				e.clock.Set(wait)
			}
		}
		b.StopTimer()
		if int(e.mb.Created()) != n || len(e.mb.Contacts()) != buyers {
			b.Fatalf("%d invoices, %d contacts", e.mb.Created(), len(e.mb.Contacts()))
		}
		sent := e.mb.Requests()
		needed := sent - tooMany.Load()
		windows := (needed + RateLimit - 1) / RateLimit
		minimum := time.Duration(windows-1) * RateWindow
		simulated := e.clock.Now().Sub(start)
		b.ReportMetric(simulated.Minutes(), "sim-min")
		b.ReportMetric(minimum.Minutes(), "min-sim-min")
		b.ReportMetric(float64(sent)/float64(n), "req/booking")
		b.ReportMetric(float64(tooMany.Load()), "429s")
		if simulated > minimum+minimum/10 {
			b.Errorf("simulated %s, the limit allows %s", simulated, minimum)
		}
	}
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
