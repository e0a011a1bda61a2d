package engine_test

import (
	"context"
	"strconv"
	gosync "sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// sleepClock is the fake clock of a laptop that sleeps: Sleep moves the
// wall clock on without firing any timer, as a suspend does to Go's timers
// (they run on a monotonic clock that stops while the computer sleeps).
type sleepClock struct {
	*clockwork.FakeClock
	mu    gosync.Mutex
	slept time.Duration
}

func (c *sleepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.FakeClock.Now().Add(c.slept)
}
func (c *sleepClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
func (c *sleepClock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// suspend moves the wall clock on by d; no timer notices.
func (c *sleepClock) suspend(d time.Duration) {
	c.mu.Lock()
	c.slept += d
	c.mu.Unlock()
}

// hiddenChange sets a parked order to processing in the shop without moving
// its modified date, so no poll sees it: only a recheck (fetch by id) does.
func hiddenChange(t *testing.T, r *rig) string {
	t.Helper()
	parked, err := r.st.Records(context.Background(), store.Filter{States: []store.State{store.Parked}})
	if err != nil || len(parked) == 0 {
		t.Fatalf("no parked order: %v", err)
	}
	id, _ := strconv.ParseInt(parked[0].ExtID, 10, 64)
	cur, _ := r.emu.Order(id)
	same, err := time.Parse("2006-01-02T15:04:05", cur.DateModifiedGMT)
	if err != nil {
		t.Fatal(err)
	}
	r.emu.SetClock(func() time.Time { return same })
	r.emu.Update(id, func(o *wcemu.Order) { o.Status = "processing" })
	r.emu.SetClock(time.Now)
	return parked[0].ExtID
}

func setLastRecheck(t *testing.T, st *store.Store, at time.Time) {
	t.Helper()
	if err := st.SetSetting(context.Background(), "last_recheck_at", at); err != nil {
		t.Fatal(err)
	}
}

func lastRecheck(t *testing.T, e *engine.Engine) time.Time {
	t.Helper()
	at, err := e.LastRecheck(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// TestMissedRecheckRunsAtStart: the laptop was off at 03:00; at start the
// recheck runs at once and books the order whose change no poll could see.
// When last night's recheck did run, a start runs none.
func TestMissedRecheckRunsAtStart(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		last   time.Time
		missed bool
	}{
		{"off at 03:00", time.Date(2026, 11, 22, 3, 0, 4, 0, time.UTC), true},
		{"ran at 03:00", time.Date(2026, 11, 23, 3, 0, 4, 0, time.UTC), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
			r := newRig(t, start)
			r.emu.AddDutch(30, 4)
			if _, err := r.e.Poll(ctx, r.shop, nil); err != nil {
				t.Fatal(err)
			}
			ext := hiddenChange(t, r)
			setLastRecheck(t, r.st, tc.last)
			run, err := engine.NewRunner(r.e, engine.RunnerOptions{Clock: r.clock, Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			if err := run.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer run.Stop()
			booked := func() bool {
				rec, err := r.st.Record(ctx, r.shop.ID, ext)
				return err == nil && rec.State == store.Booked
			}
			if tc.missed {
				eventually(t, "the missed recheck booking the order", booked)
				if at := lastRecheck(t, r.e); !at.Equal(start) {
					t.Fatalf("last recheck %v, want %v", at, start)
				}
				if !hasEvent(t, r.st, "recheck_missed") {
					t.Fatal("no recheck_missed event")
				}
				return
			}
			eventually(t, "the catch-up poll and bookings", func() bool { return r.count(t, store.Queued) == 0 })
			time.Sleep(200 * time.Millisecond)
			if booked() || hasEvent(t, r.st, "recheck_missed") || !lastRecheck(t, r.e).Equal(tc.last) {
				t.Fatal("a recheck ran at start although last night's did")
			}
		})
	}
}

// TestMissedRecheckRunsAtWake: the laptop sleeps from 22:00 to 08:00; its
// timers do not fire in the sleep, so the 03:00 recheck does not run then.
// The worker notices the jump of the wall clock at wake and runs it.
func TestMissedRecheckRunsAtWake(t *testing.T) {
	ctx := context.Background()
	evening := time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)
	r := newRig(t, evening)
	clock := &sleepClock{FakeClock: r.clock}
	r.st.Now, r.e.Now = clock.Now, clock.Now
	r.emu.AddDutch(30, 4)
	setLastRecheck(t, r.st, time.Date(2026, 11, 23, 3, 0, 2, 0, time.UTC))
	run, err := engine.NewRunner(r.e, engine.RunnerOptions{Clock: clock, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer run.Stop()
	eventually(t, "the catch-up poll", func() bool { return r.count(t) == 30 && r.count(t, store.Queued) == 0 })
	ext := hiddenChange(t, r)
	if next := run.NextRuns()["recheck"]; !next.Equal(time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("recheck due %v", next)
	}

	clock.suspend(10 * time.Hour) // 22:00 -> 08:00, no timer fired
	time.Sleep(50 * time.Millisecond)
	if at := lastRecheck(t, r.e); !at.Equal(time.Date(2026, 11, 23, 3, 0, 2, 0, time.UTC)) {
		t.Fatalf("a recheck ran in the sleep: %v", at)
	}
	// Awake: the worker's next tick (at most a minute) sees the jump.
	r.clock.Advance(time.Minute)
	eventually(t, "the missed recheck at wake booking the order", func() bool {
		rec, err := r.st.Record(ctx, r.shop.ID, ext)
		return err == nil && rec.State == store.Booked
	})
	if at := lastRecheck(t, r.e); at.Before(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("last recheck %v, want after the wake at 08:00", at)
	}
	if !hasEvent(t, r.st, "recheck_missed") {
		t.Fatal("no recheck_missed event")
	}
}
