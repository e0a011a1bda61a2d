package moneybird

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// rawGet sends one GET of administrations.json with token tk, as another
// program using the same token would.
func (e *env) rawGet(tk string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v2/administrations.json", nil)
	req.Header.Set("Authorization", "Bearer "+tk)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func rateLimited(t *testing.T, err error) *ledger.RateLimitedError {
	t.Helper()
	var rl *ledger.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("want a *ledger.RateLimitedError, got %v", err)
	}
	if isPermanent(err) {
		t.Fatalf("a rate limit is permanent: %v", err)
	}
	return rl
}

func Test429GivesRetryAfter(t *testing.T) {
	for _, delta := range []bool{false, true} {
		e := newEnv(t)
		e.mb.SetRetryAfterDelta(delta)
		start := e.clock.Now()
		e.mb.SetRateLimit(4, 5*time.Minute)
		// Another program spends the token's window; this ledger has
		// seen no answer yet, so it sends and gets the 429.
		for i := 0; i < 4; i++ {
			e.rawGet(tok)
		}
		e.clock.Add(90 * time.Second)
		inv := invoice(t, "webwinkel", simpleOrder("1", buyer()))
		_, err := e.l.BookReport(e.ctx, inv)
		rl := rateLimited(t, err)
		if want := start.Add(5 * time.Minute); !rl.Until.Equal(want) {
			t.Errorf("delta %v: until %s, want %s", delta, rl.Until, want)
		}
		if rl.Err == nil || !strings.Contains(rl.Err.Error(), "Retry later") {
			t.Errorf("delta %v: the 429 is not in the error: %v", delta, rl.Err)
		}
		noToken(t, err)
		// Until then the limiter holds everything back: nothing is sent.
		n := e.mb.Requests()
		e.clock.Add(time.Minute)
		if _, err := e.l.BookReport(e.ctx, inv); rateLimited(t, err).Err != nil {
			t.Errorf("delta %v: the limiter's own hold carries a 429: %v", delta, err)
		}
		if e.mb.Requests() != n {
			t.Fatalf("delta %v: %d requests sent into a spent window", delta, e.mb.Requests()-n)
		}
		e.clock.Set(rl.Until)
		if _, err := e.l.BookReport(e.ctx, inv); err != nil {
			t.Fatalf("delta %v: after the reset: %v", delta, err)
		}
	}
}

func TestLimiterSendsNothingWhenNoneRemain(t *testing.T) {
	e := newEnv(t)
	e.mb.SetRateLimit(6, 5*time.Minute)
	start := e.clock.Now()
	// A new buyer: query, contact, invoice, payment: 4 requests.
	e.book(invoice(t, "webwinkel", simpleOrder("1", buyer())))
	// The contact is known: invoice and payment, 2: none remain.
	e.book(invoice(t, "webwinkel", simpleOrder("2", buyer())))
	n := e.mb.Requests()
	inv := invoice(t, "webwinkel", simpleOrder("3", buyer()))
	_, err := e.l.BookReport(e.ctx, inv)
	rl := rateLimited(t, err)
	if e.mb.Requests() != n {
		t.Fatalf("%d requests sent with none remaining", e.mb.Requests()-n)
	}
	if !rl.Until.Equal(start.Add(5 * time.Minute)) {
		t.Errorf("until %s, want %s", rl.Until, start.Add(5*time.Minute))
	}
	je, _, _ := e.st.Journal("moneybird/"+adminID).Get(e.ctx, invKey(inv))
	if je.State != stateNew {
		t.Errorf("journal %+v: a create held back must not be looked up later", je)
	}
	e.clock.Set(rl.Until)
	e.book(inv)
	if e.mb.Requests() != n+2 {
		t.Errorf("%d requests for the held booking, want 2", e.mb.Requests()-n)
	}
}

func TestLimitReachedBetweenCreateAndPayment(t *testing.T) {
	e := newEnv(t)
	e.mb.SetRateLimit(3, 5*time.Minute)
	inv := invoice(t, "webwinkel", simpleOrder("1", buyer()))
	b, err := e.l.BookReport(e.ctx, inv)
	rl := rateLimited(t, err)
	if e.mb.Created() != 1 || b.Ref == "" {
		t.Fatalf("created %d, ref %q", e.mb.Created(), b.Ref)
	}
	e.clock.Set(rl.Until)
	n := e.mb.Requests()
	b = e.book(inv)
	mi, _ := e.mb.Invoice(b.Ref)
	// The payment was never sent: it is sent now, without reading the
	// invoice first.
	if len(mi.Payments) != 1 || e.mb.Requests() != n+1 || e.mb.Created() != 1 {
		t.Fatalf("%d payments, %d requests, %d created", len(mi.Payments), e.mb.Requests()-n, e.mb.Created())
	}
}

func TestLimiterCountsItselfWithoutHeaders(t *testing.T) {
	l := &limiter{limit: 3, window: time.Minute}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if _, ok := l.take(t0.Add(time.Duration(i) * time.Second)); !ok {
			t.Fatalf("request %d held", i)
		}
	}
	until, ok := l.take(t0.Add(10 * time.Second))
	if ok || !until.Equal(t0.Add(time.Minute)) {
		t.Fatalf("4th: %v %s", ok, until)
	}
	if _, ok := l.take(t0.Add(time.Minute)); !ok {
		t.Fatal("a new window is held")
	}
}

func TestLimiterFollowsHeaders(t *testing.T) {
	l := &limiter{limit: RateLimit, window: RateWindow}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	reset := t0.Add(100 * time.Second)
	h := http.Header{}
	h.Set("RateLimit-Limit", "150")
	h.Set("RateLimit-Remaining", "2")
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	l.take(t0)
	l.observe(t0, h, serverClock(t0, h))
	// An older answer of the same window, arriving late, says more
	// remain: the lower figure counts.
	h2 := h.Clone()
	h2.Set("RateLimit-Remaining", "5")
	l.observe(t0, h2, serverClock(t0, h2))
	for i := 0; i < 2; i++ {
		if _, ok := l.take(t0); !ok {
			t.Fatalf("request %d held with %d remaining", i, 2-i)
		}
	}
	if until, ok := l.take(t0); ok || !until.Equal(reset) {
		t.Fatalf("none remaining: %v %s", ok, until)
	}
	if _, ok := l.take(reset); !ok {
		t.Fatal("held after the reset")
	}
}

func TestRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	epoch := now.Add(3 * time.Minute)
	for _, c := range []struct {
		h    map[string]string
		want time.Time
	}{
		{map[string]string{"Retry-After": strconv.FormatInt(epoch.Unix(), 10)}, epoch},
		{map[string]string{"Retry-After": "42"}, now.Add(42 * time.Second)},
		{map[string]string{"Retry-After": epoch.Format(http.TimeFormat)}, epoch},
		{map[string]string{"RateLimit-Reset": strconv.FormatInt(epoch.Unix(), 10)}, epoch},
		{map[string]string{}, now.Add(RateWindow)},
		// Moneybird's clock 10 minutes behind ours: its epoch is 3
		// minutes from its Date, so 3 minutes from our now.
		{map[string]string{"Retry-After": strconv.FormatInt(epoch.Add(-10*time.Minute).Unix(), 10),
			"Date": now.Add(-10 * time.Minute).Format(http.TimeFormat)}, epoch},
		{map[string]string{"RateLimit-Reset": strconv.FormatInt(epoch.Add(10*time.Minute).Unix(), 10),
			"Date": now.Add(10 * time.Minute).Format(http.TimeFormat)}, epoch},
	} {
		h := http.Header{}
		for k, v := range c.h {
			h.Set(k, v)
		}
		if got := retryAfter(now, h, serverClock(now, h)); !got.Equal(c.want) {
			t.Errorf("%v: %s, want %s", c.h, got, c.want)
		}
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	// A server that echoes the Authorization header in its errors.
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":"bad header `+r.Header.Get("Authorization")+`"}`)
	}))
	defer srv.Close()
	e := newEnv(t)
	cfg := e.config("moneybird/echo")
	cfg.APIURL = srv.URL + "/api/v2"
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.BookReport(e.ctx, invoice(t, "webwinkel", simpleOrder("1", buyer())))
	if err == nil || calls.Load() == 0 || !strings.Contains(err.Error(), "[token]") {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
	noToken(t, err)
	_, err = l.Check(e.ctx)
	noToken(t, err)
	// No answer at all: a closed server.
	srv.Close()
	_, err = Administrations(e.ctx, cfg)
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	noToken(t, err)
}

func TestLimiterSharedByLedgersOfOneToken(t *testing.T) {
	e := newEnv(t)
	e.mb.SetRateLimit(4, 5*time.Minute)
	e.book(invoice(t, "webwinkel", simpleOrder("1", buyer())))
	// The settings change and the app makes a new Ledger: it knows the
	// window is spent.
	l2 := e.ledger("moneybird/" + adminID)
	n := e.mb.Requests()
	_, err := l2.BookReport(e.ctx, invoice(t, "webwinkel", simpleOrder("2", buyer())))
	rateLimited(t, err)
	if e.mb.Requests() != n {
		t.Fatalf("a new Ledger sent %d requests into the spent window", e.mb.Requests()-n)
	}
	// Another token has a window of its own.
	e.mb.AddToken("other-token-4242")
	cfg := e.config("moneybird/" + adminID)
	cfg.Token = "other-token-4242"
	l3, _ := New(cfg)
	if _, err := l3.Check(e.ctx); err != nil {
		t.Fatalf("another token: %v", err)
	}
}

// TestLocalClockOffFromMoneybirds books a backlog with the PC's clock 10
// minutes ahead of Moneybird's and 10 minutes behind: the resets Moneybird
// names are read against its Date header, so there is no 429 after the
// first answer told the window, and no wait longer than the limit needs.
func TestLocalClockOffFromMoneybirds(t *testing.T) {
	for _, off := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		t.Run(off.String(), func(t *testing.T) {
			var tooMany atomic.Int64
			e := newEnvWith(t, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					h.ServeHTTP(&statusCounter{ResponseWriter: w, status: http.StatusTooManyRequests, n: &tooMany}, r)
				})
			})
			// Moneybird's clock is e.clock; ours is off by off.
			cfg := e.config("moneybird/off" + off.String())
			cfg.Now = func() time.Time { return e.clock.Now().Add(off) }
			l, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			// Moneybird's window began 2 minutes ago, with 10 requests
			// of another program.
			start := e.clock.Now()
			for i := 0; i < 10; i++ {
				req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v2/administrations.json", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
			}
			e.clock.Add(2 * time.Minute)
			const n = 100 // 400 requests and those 10: 3 windows
			for k := 0; k < n; k++ {
				buyer := order.Party{Name: fmt.Sprintf("Klant %d", k), Email: fmt.Sprintf("k%d@example.nl", k), Address: order.Address{Country: "NL"}}
				inv := invoice(t, "webwinkel", simpleOrder(fmt.Sprint(k+1), buyer))
				for tries := 0; ; tries++ {
					_, err := l.BookReport(e.ctx, inv)
					if until, ok := ledger.RetryAt(err); ok && tries < 10 {
						// Wait until our clock says until.
						e.clock.Set(until.Add(-off))
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					break
				}
			}
			if e.mb.Created() != n || tooMany.Load() != 0 {
				t.Fatalf("%d created, %d 429s", e.mb.Created(), tooMany.Load())
			}
			// 2 windows to wait for, and at most a second more each.
			if took := e.clock.Now().Sub(start); took > 2*RateWindow+2*time.Second {
				t.Errorf("took %s on Moneybird's clock; the limit needs %s", took, 2*RateWindow)
			}
		})
	}
}
