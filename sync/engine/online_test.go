package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// windowLedger is fakeLedger behind a fixed window of n bookings per
// window, as Moneybird's 150 requests per 5 minutes: over it, Book answers
// a RateLimitedError until the window's end and books nothing. warn, when
// set, gives each booking's warnings (it is a ledger.Reporter).
type windowLedger struct {
	*fakeLedger
	now    func() time.Time
	n      int
	window time.Duration

	mu     sync.Mutex
	start  time.Time
	used   int
	calls  int
	warn   func(inv order.Invoice) []ledger.Warning
	failAt func(inv order.Invoice) error
}

func (w *windowLedger) BookReport(ctx context.Context, inv order.Invoice) (ledger.Booked, error) {
	w.mu.Lock()
	w.calls++
	now := w.now()
	if w.start.IsZero() || !now.Before(w.start.Add(w.window)) {
		w.start, w.used = now, 0
	}
	if w.used >= w.n {
		until := w.start.Add(w.window)
		w.mu.Unlock()
		return ledger.Booked{}, &ledger.RateLimitedError{Until: until, Err: errors.New("429 Retry later")}
	}
	w.used++
	failAt := w.failAt
	w.mu.Unlock()
	if failAt != nil {
		if err := failAt(inv); err != nil {
			return ledger.Booked{}, err
		}
	}
	ref, err := w.fakeLedger.Book(ctx, inv)
	b := ledger.Booked{Ref: ref}
	if err == nil && w.warn != nil {
		b.Warnings = w.warn(inv)
	}
	return b, err
}

func (w *windowLedger) Book(ctx context.Context, inv order.Invoice) (string, error) {
	b, err := w.BookReport(ctx, inv)
	return b.Ref, err
}

// TestRateLimitedBookingsWait: a ledger at its rate limit makes the rest of
// the round wait in the outbox until the limit allows, without asking it
// again, without counting an attempt, with the reason and the time on the
// order and one event for all of them; when the time comes they are
// booked, every one once.
func TestRateLimitedBookingsWait(t *testing.T) {
	ctx := context.Background()
	fl := newFakeLedger()
	wl := &windowLedger{fakeLedger: fl, n: 2, window: 5 * time.Minute}
	r := newBookRig(t, wl, fl)
	wl.now = func() time.Time { return r.now }
	for i := 1; i <= 5; i++ {
		r.apply(t, dutchOrder(fmt.Sprint(1000+i), r.now))
	}

	res := r.bookDue(t)
	if res.Booked != 2 || res.Waiting != 3 || res.Retrying != 0 || res.Failed != 0 {
		t.Fatalf("first round: %+v, want 2 booked and 3 waiting", res)
	}
	if wl.calls != 3 {
		t.Errorf("the ledger was asked %d times; after its first refusal the round must not ask again (want 3)", wl.calls)
	}
	until := r.t0.Add(5 * time.Minute)
	for i := 3; i <= 5; i++ {
		id := fmt.Sprint(1000 + i)
		rec := r.rec(t, id)
		if rec.State != store.Queued || rec.Reason != ledger.ReasonRateLimited || reasonArgs(t, rec)["until"] != until.Format(time.RFC3339) {
			t.Errorf("order %s: %s %s %q, want queued, %s until %s", id, rec.State, rec.Reason, rec.ReasonArg, ledger.ReasonRateLimited, until)
		}
		for _, b := range r.bookings(t, id) {
			if b.Attempts != 0 || !b.NextAt.Equal(until) {
				t.Errorf("order %s booking: attempts %d next %s, want 0 and %s", id, b.Attempts, b.NextAt, until)
			}
		}
	}
	w, err := r.st.WaitingFor(ctx, ledger.ReasonRateLimited)
	if err != nil || w.Count != 3 || !w.Next.Equal(until) {
		t.Fatalf("WaitingFor = %+v, %v; want 3 until %s", w, err, until)
	}
	evs, err := r.st.Events(ctx, store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Code == ledger.ReasonRateLimited {
			n++
			if e.Args["count"] != "3" {
				t.Errorf("rate-limit event args %v, want count 3", e.Args)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d rate-limit events, want one for the round", n)
	}

	// Before the window ends nothing is due: a round asks nothing.
	r.now = until.Add(-time.Second)
	if res := r.bookDue(t); res != (engine.BookResult{}) || wl.calls != 3 {
		t.Fatalf("before the limit's end: %+v, %d calls", res, wl.calls)
	}
	r.now = until
	if res := r.bookDue(t); res.Booked != 2 || res.Waiting != 1 {
		t.Fatalf("second window: %+v, want 2 booked 1 waiting", res)
	}
	r.now = until.Add(5 * time.Minute)
	if res := r.bookDue(t); res.Booked != 1 || res.Waiting != 0 {
		t.Fatalf("third window: %+v, want 1 booked", res)
	}
	if got := len(fl.bookedKeys()); got != 5 {
		t.Fatalf("%d booked, want 5 each once", got)
	}
	if w, _ := r.st.WaitingFor(ctx, ledger.ReasonRateLimited); w.Count != 0 {
		t.Errorf("still %d waiting", w.Count)
	}
	for i := 1; i <= 5; i++ {
		if rec := r.rec(t, fmt.Sprint(1000+i)); rec.State != store.Booked {
			t.Errorf("order %s is %s", rec.ExtID, rec.State)
		}
	}
}

// TestLedgerReasonAndWarnings: a transient error with a reason shows that
// reason (a token the package refuses), not ledger_unavailable; the
// warnings of a booking that went through are events on the order.
func TestLedgerReasonAndWarnings(t *testing.T) {
	ctx := context.Background()
	fl := newFakeLedger()
	wl := &windowLedger{fakeLedger: fl, n: 100, window: time.Minute}
	r := newBookRig(t, wl, fl)
	wl.now = func() time.Time { return r.now }
	wl.failAt = func(order.Invoice) error {
		return ledger.WithReason(ledger.ReasonUnauthorized, map[string]string{"ledger": "Moneybird"}, errors.New("401 invalid token"))
	}
	r.apply(t, dutchOrder("2001", r.now))
	if res := r.bookDue(t); res.Retrying != 1 {
		t.Fatalf("%+v, want 1 retrying", res)
	}
	rec := r.rec(t, "2001")
	if rec.State != store.Queued || rec.Reason != ledger.ReasonUnauthorized || reasonArgs(t, rec)["ledger"] != "Moneybird" {
		t.Fatalf("order: %s %s %q", rec.State, rec.Reason, rec.ReasonArg)
	}

	wl.failAt = nil
	wl.warn = func(inv order.Invoice) []ledger.Warning {
		return []ledger.Warning{{Code: ledger.WarnVATDiffers, Args: map[string]string{"rate": "21", "shop": "7.30", "ledger": "7.31", "diff": "0.01"}}}
	}
	r.now = r.now.Add(time.Hour)
	if res := r.bookDue(t); res.Booked != 1 {
		t.Fatalf("%+v, want booked", res)
	}
	evs, err := r.st.Events(ctx, store.EventFilter{Order: "2001"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		if e.Code == ledger.WarnVATDiffers {
			found = e.Level == store.Warn && e.Args["diff"] == "0.01" && e.Args["invoice"] == "2001" && e.Args["ref"] != ""
			if !found {
				t.Errorf("warning event %+v", e)
			}
		}
	}
	if !found {
		t.Fatalf("no %s event among %+v", ledger.WarnVATDiffers, evs)
	}
}

// TestBookDueOneAtATime: the worker, a webhook and a sync may call BookDue
// at once; one round at a time takes the due bookings, so a ledger that
// does not deduplicate (Moneybird) is never asked for one booking twice.
func TestBookDueOneAtATime(t *testing.T) {
	fl := newFakeLedger()
	r := newBookRig(t, fl, fl)
	for i := 1; i <= 20; i++ {
		r.apply(t, dutchOrder(fmt.Sprint(3000+i), r.now))
	}
	fl.fail = func(order.Invoice, int) error {
		time.Sleep(2 * time.Millisecond) // a ledger over the network
		return nil
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.e.BookDue(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	fl.mu.Lock()
	defer fl.mu.Unlock()
	for k, n := range fl.attempts {
		if n != 1 {
			t.Errorf("booking %s was handed to the ledger %d times", k, n)
		}
	}
	if len(fl.booked) != 20 {
		t.Errorf("%d booked, want 20", len(fl.booked))
	}
}

// TestCreditNoteWaitsWithItsInvoice: a refunded order whose invoice waits
// for the rate limit: its credit note is tried again when the invoice is,
// not at its own backoff, so the waiting line's time is when they go, and
// the order keeps showing the rate limit.
func TestCreditNoteWaitsWithItsInvoice(t *testing.T) {
	ctx := context.Background()
	fl := newFakeLedger()
	wl := &windowLedger{fakeLedger: fl, n: 1, window: 5 * time.Minute}
	r := newBookRig(t, wl, fl)
	wl.now = func() time.Time { return r.now }
	r.apply(t, dutchOrder("4001", r.now), withRefund(dutchOrder("4002", r.now), "r1", 1000, r.now))
	if res := r.bookDue(t); res.Booked != 1 {
		t.Fatalf("%+v, want the first invoice booked", res)
	}
	until := r.t0.Add(5 * time.Minute)
	rec := r.rec(t, "4002")
	if rec.Reason != ledger.ReasonRateLimited {
		t.Errorf("order 4002 shows %s, want %s", rec.Reason, ledger.ReasonRateLimited)
	}
	for k, b := range r.bookings(t, "4002") {
		if !b.NextAt.Equal(until) {
			t.Errorf("booking %s next at %s, want %s with its invoice", k, b.NextAt, until)
		}
	}
	if w, _ := r.st.WaitingFor(ctx, ledger.ReasonRateLimited); !w.Next.Equal(until) {
		t.Errorf("waiting line says %s, want %s", w.Next, until)
	}
	r.now = until
	r.bookDue(t)
	r.now = until.Add(5 * time.Minute)
	r.bookDue(t)
	if got := len(fl.bookedKeys()); got != 3 {
		t.Errorf("%d booked, want 2 invoices and a credit note", got)
	}
}

// unreachableLedger is fakeLedger behind a package that does not answer:
// every attempt is a ledger.ReasonUnreachable error, as the app tags a
// timeout, until up.
type unreachableLedger struct {
	*fakeLedger
	mu    sync.Mutex
	up    bool
	calls int
}

// It is an online ledger (the engine's wait for the next asking is for those).
func (u *unreachableLedger) Check(context.Context) (ledger.Account, error) {
	return ledger.Account{}, nil
}
func (u *unreachableLedger) Choices(context.Context) (ledger.Choices, error) {
	return ledger.Choices{}, nil
}
func (u *unreachableLedger) Defaults(context.Context) (ledger.Mapping, error) { return nil, nil }

func (u *unreachableLedger) Book(ctx context.Context, inv order.Invoice) (string, error) {
	u.mu.Lock()
	u.calls++
	up := u.up
	u.mu.Unlock()
	if !up {
		return "", ledger.WithReason(ledger.ReasonUnreachable, nil, errors.New("no answer within 30s"))
	}
	return u.fakeLedger.Book(ctx, inv)
}

// TestUnreachableLedgerAskedOncePerRound: a package that does not answer
// costs one attempt per round, not one per booking (each a timeout): the
// rest of the round waits for the first booking's next attempt, without
// an attempt of its own, with the reason shown; once it answers, all are
// booked once.
func TestUnreachableLedgerAskedOncePerRound(t *testing.T) {
	ctx := context.Background()
	fl := newFakeLedger()
	ul := &unreachableLedger{fakeLedger: fl}
	r := newBookRig(t, ul, fl)
	for i := 1; i <= 6; i++ {
		r.apply(t, dutchOrder(fmt.Sprint(5000+i), r.now))
	}
	res := r.bookDue(t)
	if ul.calls != 1 || res.Retrying != 1 || res.Waiting != 5 {
		t.Fatalf("%d calls, %+v; want the package asked once, 1 retrying and 5 waiting", ul.calls, res)
	}
	next := r.now.Add(time.Minute) // the rig's backoff for a first failure
	for i := 1; i <= 6; i++ {
		id := fmt.Sprint(5000 + i)
		if rec := r.rec(t, id); rec.State != store.Queued || rec.Reason != ledger.ReasonUnreachable {
			t.Errorf("order %s: %s %s", id, rec.State, rec.Reason)
		}
		for _, b := range r.bookings(t, id) {
			if !b.NextAt.Equal(next) || b.Attempts > 1 {
				t.Errorf("order %s: next %s attempts %d, want %s", id, b.NextAt, b.Attempts, next)
			}
		}
	}
	if w, _ := r.st.WaitingFor(ctx, ledger.ReasonUnreachable); w.Count != 6 {
		t.Errorf("WaitingFor unreachable = %+v, want 6", w)
	}
	ul.up = true
	r.now = next
	if res := r.bookDue(t); res.Booked != 6 {
		t.Fatalf("%+v, want all 6 booked", res)
	}
	if len(fl.bookedKeys()) != 6 {
		t.Errorf("%d booked", len(fl.bookedKeys()))
	}
}

// TestRateLimitPostponesTheBacklog: a backlog larger than a round (500):
// once the ledger's limit is reached, every booking due waits until the
// limit's end in one go, with one event counting them all, instead of a
// round of refusals per 500.
func TestRateLimitPostponesTheBacklog(t *testing.T) {
	ctx := context.Background()
	fl := newFakeLedger()
	wl := &windowLedger{fakeLedger: fl, n: 2, window: 5 * time.Minute}
	r := newBookRig(t, wl, fl)
	wl.now = func() time.Time { return r.now }
	var os []order.Order
	for i := 0; i < 520; i++ {
		os = append(os, dutchOrder(fmt.Sprint(10000+i), r.now))
	}
	r.apply(t, os...)
	res := r.bookDue(t)
	if res.Booked != 2 || res.Waiting != 518 || wl.calls != 3 {
		t.Fatalf("%+v after %d calls; want 2 booked, 518 waiting, 3 calls", res, wl.calls)
	}
	until := r.t0.Add(5 * time.Minute)
	if next, _ := r.st.NextDue(ctx); !next.Equal(until) {
		t.Errorf("next due %s, want %s", next, until)
	}
	w, _ := r.st.WaitingFor(ctx, ledger.ReasonRateLimited)
	if w.Count != 518 {
		t.Errorf("WaitingFor = %+v, want 518", w)
	}
	evs, _ := r.st.Events(ctx, store.EventFilter{Limit: 1000})
	n := 0
	for _, e := range evs {
		if e.Code == ledger.ReasonRateLimited {
			n++
			if e.Args["count"] != "518" {
				t.Errorf("event args %v, want count 518", e.Args)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d rate-limit events, want 1", n)
	}
}

// TestCreditNoteOfABookedOrderWaitsVisibly: a refund of an order booked
// already waits for a token the package refuses; the order stays booked
// without a reason, but the booking itself carries it, so it is counted
// and released when the token is fixed.
func TestCreditNoteOfABookedOrderWaitsVisibly(t *testing.T) {
	ctx := context.Background()
	fl := newFakeLedger()
	wl := &windowLedger{fakeLedger: fl, n: 100, window: time.Minute}
	r := newBookRig(t, wl, fl)
	wl.now = func() time.Time { return r.now }
	o := dutchOrder("6001", r.now)
	r.apply(t, o)
	r.bookDue(t)
	wl.failAt = func(inv order.Invoice) error {
		return ledger.WithReason(ledger.ReasonUnauthorized, nil, errors.New("401 token revoked"))
	}
	r.now = r.now.Add(time.Minute)
	r.apply(t, withRefund(o, "r1", 500, r.now))
	if res := r.bookDue(t); res.Retrying != 1 {
		t.Fatalf("%+v, want the credit note retrying", res)
	}
	if rec := r.rec(t, "6001"); rec.State != store.Booked {
		t.Fatalf("order is %s", rec.State)
	}
	if w, _ := r.st.WaitingFor(ctx, ledger.ReasonUnauthorized); w.Count != 1 {
		t.Errorf("WaitingFor unauthorized = %+v, want the credit note", w)
	}
	wl.failAt = nil
	if n, err := r.st.RetryWaiting(ctx, ledger.ReasonUnauthorized); err != nil || n != 1 {
		t.Fatalf("RetryWaiting = %d, %v; want the credit note released", n, err)
	}
	if res := r.bookDue(t); res.Booked != 1 {
		t.Fatalf("%+v, want the credit note booked at once", res)
	}
}

// TestStopsMidRound: the ledger's limit, or its silence, reached in the
// first group of a round ends the round: the credit notes of the second
// group (their invoices were in the first) wait without being asked, one
// event tells of all, and the counts say what happened.
func TestStopsMidRound(t *testing.T) {
	ctx := context.Background()
	t.Run("rate limit", func(t *testing.T) {
		fl := newFakeLedger()
		wl := &windowLedger{fakeLedger: fl, n: 2, window: 5 * time.Minute}
		r := newBookRig(t, wl, fl)
		wl.now = func() time.Time { return r.now }
		r.apply(t, dutchOrder("4101", r.now), withRefund(dutchOrder("4102", r.now), "r1", 500, r.now), dutchOrder("4103", r.now))
		res := r.bookDue(t)
		if wl.calls != 3 || res.Booked != 2 || res.Waiting != 2 {
			t.Fatalf("%d calls, %+v; want 3 calls, 2 booked, 2 waiting", wl.calls, res)
		}
		evs, _ := r.st.Events(ctx, store.EventFilter{})
		n := 0
		for _, e := range evs {
			if e.Code == ledger.ReasonRateLimited {
				n++
				if e.Args["count"] != "2" {
					t.Errorf("event count %s, want 2", e.Args["count"])
				}
			}
		}
		if n != 1 {
			t.Errorf("%d rate-limit events, want 1", n)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		fl := newFakeLedger()
		ul := &unreachableLedger{fakeLedger: fl}
		r := newBookRig(t, ul, fl)
		r.apply(t, dutchOrder("4201", r.now), withRefund(dutchOrder("4202", r.now), "r1", 500, r.now), dutchOrder("4203", r.now))
		res := r.bookDue(t)
		if ul.calls != 1 || res.Retrying != 1 || res.Waiting != 3 {
			t.Fatalf("%d calls, %+v; want the package asked once, 1 retrying, 3 waiting", ul.calls, res)
		}
		for _, id := range []string{"4201", "4202", "4203"} {
			for k, b := range r.bookings(t, id) {
				if b.Attempts > 1 || !b.NextAt.After(r.now) {
					t.Errorf("%s: attempts %d next %s", k, b.Attempts, b.NextAt)
				}
			}
		}
	})
}

// TestUnreachableBackoffGrowsWhoeverIsAsked: while the package does not
// answer, a new order queued meanwhile waits for the package's next
// asking instead of asking it, and the wait keeps growing whichever
// booking is asked: the bookings share their attempts.
func TestUnreachableBackoffGrowsWhoeverIsAsked(t *testing.T) {
	fl := newFakeLedger()
	ul := &unreachableLedger{fakeLedger: fl}
	r := newBookRig(t, ul, fl)
	r.apply(t, dutchOrder("4301", r.now), dutchOrder("4302", r.now))
	r.bookDue(t) // attempt 1: next in 1 minute (the rig's backoff is n minutes)
	first := r.now.Add(time.Minute)
	r.now = r.now.Add(30 * time.Second)
	r.apply(t, dutchOrder("4303", r.now)) // due now, before the others
	r.bookDue(t)
	if ul.calls != 1 {
		t.Fatalf("the package was asked %d times; a booking queued meanwhile waits for its next asking", ul.calls)
	}
	for k, b := range r.bookings(t, "4303") {
		if !b.NextAt.Equal(first) {
			t.Errorf("%s: next %s, want %s with the others", k, b.NextAt, first)
		}
	}
	r.now = first
	r.bookDue(t)
	for _, id := range []string{"4301", "4302", "4303"} {
		for k, b := range r.bookings(t, id) {
			if b.Attempts != 2 {
				t.Errorf("%s: %d attempts, want the shared 2", k, b.Attempts)
			}
			if want := first.Add(2 * time.Minute); !b.NextAt.Equal(want) {
				t.Errorf("%s: next %s, want %s (the second attempt's backoff)", k, b.NextAt, want)
			}
		}
	}
}
