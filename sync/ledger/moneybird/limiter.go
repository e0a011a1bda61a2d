package moneybird

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Moneybird's limit (APIS.md §3.1 [M3]): 150 requests per 5 minutes, a
// platform-wide fixed window per token that cannot be raised.
const (
	RateLimit  = 150
	RateWindow = 5 * time.Minute
)

// limiter is the client's own copy of Moneybird's fixed window. It keeps
// what the last answer's RateLimit-Remaining and RateLimit-Reset said,
// counting down every request sent since; before any answer told it (or
// once the told window is over) it counts requests in a window of its own,
// RateWindow long from its first request. A request that would go over
// the limit is not sent: take returns the time the window ends, and the
// booking waits in the outbox until then.
//
// Not golang.org/x/time/rate: a token bucket refills continuously, so it
// would either send too slowly (150/5 min spread evenly is one request per
// two seconds, and a booking of 4 requests a wait in between) or, with a
// burst of 150, send a second burst before Moneybird's window ends and get
// 429s. Moneybird's window is fixed: 150 at once, then nothing until the
// reset.
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration

	// told: the last answers' figures, valid until reset.
	told      bool
	remaining int
	reset     time.Time

	// own count while nothing is told.
	start time.Time
	used  int
}

// limiters are shared per API root and token: the limit is the token's,
// however many Ledger values (settings changes make new ones) use it.
var limiters = struct {
	sync.Mutex
	m map[[32]byte]*limiter
}{m: map[[32]byte]*limiter{}}

// sharedLimiter is the limiter of token at base.
func sharedLimiter(base, token string) *limiter {
	key := sha256.Sum256([]byte(base + "\x00" + token))
	limiters.Lock()
	defer limiters.Unlock()
	l, ok := limiters.m[key]
	if !ok {
		l = &limiter{limit: RateLimit, window: RateWindow}
		limiters.m[key] = l
	}
	return l
}

// take reserves one request at now. When the window has none left it
// returns false and the time the next request may go.
func (l *limiter) take(now time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.told && now.Before(l.reset) {
		if l.remaining <= 0 {
			return l.reset, false
		}
		l.remaining--
		return time.Time{}, true
	}
	if l.told {
		// The told window is over: count afresh from now.
		l.told, l.start, l.used = false, time.Time{}, 0
	}
	if l.start.IsZero() || !now.Before(l.start.Add(l.window)) {
		l.start, l.used = now, 0
	}
	if l.used >= l.limit {
		return l.start.Add(l.window), false
	}
	l.used++
	return time.Time{}, true
}

// observe reads an answer's RateLimit-* headers; toLocal turns the
// reset, on Moneybird's clock, into ours (serverClock). Answers of
// concurrent requests arrive in any order: within one window the lowest
// remaining counts, and an answer of an older window is ignored.
func (l *limiter) observe(now time.Time, h http.Header, toLocal func(time.Time) time.Time) {
	rem, err1 := strconv.Atoi(strings.TrimSpace(h.Get("RateLimit-Remaining")))
	epoch, err2 := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64)
	l.mu.Lock()
	defer l.mu.Unlock()
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("RateLimit-Limit"))); err == nil && n > 0 {
		l.limit = n
	}
	if err1 != nil || err2 != nil || rem < 0 {
		return
	}
	reset := toLocal(time.Unix(epoch, 0))
	if !reset.After(now) {
		return // a window already over by our clock tells nothing
	}
	switch {
	case !l.told || reset.After(l.reset):
		l.told, l.remaining, l.reset = true, rem, reset
	case reset.Equal(l.reset):
		l.remaining = min(l.remaining, rem)
	}
}

// block records a 429: nothing goes before until.
func (l *limiter) block(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.told && l.reset.After(until) {
		until = l.reset
	}
	l.told, l.remaining, l.reset = true, 0, until
}

// retryAfter is when a 429 says to try again, on our clock: Retry-After
// as an epoch second (as Moneybird's spec describes it [M1]), as seconds
// to wait when small (as HTTP defines it), or as an HTTP date; else
// RateLimit-Reset; else a whole window from now. An epoch or a date is on
// Moneybird's clock and toLocal turns it into ours (serverClock).
func retryAfter(now time.Time, h http.Header, toLocal func(time.Time) time.Time) time.Time {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			if n > 1_000_000_000 {
				return toLocal(time.Unix(n, 0))
			}
			return now.Add(time.Duration(n) * time.Second)
		}
		if t, err := http.ParseTime(v); err == nil {
			return toLocal(t)
		}
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64); err == nil && n > 0 {
		return toLocal(time.Unix(n, 0))
	}
	return now.Add(RateWindow)
}
