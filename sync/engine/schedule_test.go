package engine_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

const key, secret = "ck_test", "cs_test"

type rig struct {
	st    *store.Store
	e     *engine.Engine
	emu   *wcemu.Shop
	shop  store.Shop
	clock *clockwork.FakeClock
}

func newRig(t *testing.T, start time.Time) *rig { return newRigTB(t, start) }

func newRigTB(t testing.TB, start time.Time) *rig {
	t.Helper()
	ctx := context.Background()
	emu := wcemu.New(key, secret)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	emu.SetURL(srv.URL)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := clockwork.NewFakeClockAt(start)
	st.Now = clock.Now
	sh, err := st.AddShop(ctx, store.Shop{Name: "w", Source: order.WooCommerce, BaseURL: srv.URL, Key: key, Secret: secret,
		Forward: []order.Status{"processing", "completed"}, PollInterval: 15 * time.Minute, LookbackDays: 0})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e := &engine.Engine{
		Store: st,
		Kinds: kinds,
		Source: func(sh store.Shop) (source.Source, error) {
			return woocommerce.New(woocommerce.Config{BaseURL: sh.BaseURL, Key: sh.Key, Secret: sh.Secret})
		},
		Ledger: func(context.Context) (ledger.Ledger, error) { return ubl.New(dir), nil },
		Seller: func(context.Context) (order.Seller, error) {
			return order.Seller{Party: order.Party{Company: "De Boon B.V.", KvK: "12345678", VATID: "NL123456789B01",
				Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}},
				IBAN: "NL91ABNA0417164300"}, nil
		},
		Now: clock.Now,
	}
	return &rig{st: st, e: e, emu: emu, shop: sh, clock: clock}
}

// eventually waits (in real time) for cond, since the runner works on its
// own goroutines.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *rig) count(t testing.TB, states ...store.State) int {
	t.Helper()
	recs, err := r.st.Records(context.Background(), store.Filter{States: states})
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// TestRunnerCatchUpIntervalAndNightlyRecheck: on the fake clock, the runner
// polls at once at start (the catch-up), again after the interval, and the
// nightly recheck at 03:00 books a parked order whose status changed
// without any poll seeing it.
func TestRunnerCatchUpIntervalAndNightlyRecheck(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	ids := r.emu.AddDutch(30, 4)
	run, err := engine.NewRunner(r.e, engine.RunnerOptions{Clock: r.clock, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer run.Stop()
	eventually(t, "the catch-up poll", func() bool { return r.count(t) == len(ids) })
	eventually(t, "bookings", func() bool { return r.count(t, store.Queued) == 0 && r.count(t, store.Booked) > 0 })
	if next := run.NextPoll(r.shop.ID); !next.Equal(start.Add(15 * time.Minute)) {
		t.Fatalf("next poll at %v, want %v", next, start.Add(15*time.Minute))
	}

	// New orders appear; nothing happens until the interval passes.
	more := r.emu.PlaceDutch(5, 77)
	time.Sleep(50 * time.Millisecond)
	if n := r.count(t); n != len(ids) {
		t.Fatalf("polled before the interval: %d orders", n)
	}
	r.clock.Advance(15 * time.Minute)
	eventually(t, "the interval poll", func() bool { return r.count(t) == len(ids)+len(more) })

	// A parked order changes status in the shop without its modified date
	// moving (as a plugin writing to the database directly does), so no poll
	// (modified_after the cursor) can see it: only the recheck, which
	// fetches parked orders by id, can.
	parked, err := r.st.Records(context.Background(), store.Filter{States: []store.State{store.Parked}})
	if err != nil {
		t.Fatal(err)
	}
	// One from the first batch: far behind the poll cursor.
	for len(parked) > 0 && parked[0].Modified.After(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		parked = parked[1:]
	}
	if len(parked) == 0 {
		t.Fatal("no parked order from the first batch")
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
	r.clock.Advance(15 * time.Minute)
	time.Sleep(100 * time.Millisecond)
	if rec, _ := r.st.Record(context.Background(), r.shop.ID, parked[0].ExtID); rec.State != store.Parked {
		t.Fatalf("a poll saw the hidden change: %s", rec.State)
	}
	// Up to 02:59 the next day nothing rechecks it (polls may run).
	r.clock.Advance(time.Date(2026, 11, 24, 2, 59, 0, 0, time.UTC).Sub(r.clock.Now()))
	time.Sleep(50 * time.Millisecond)
	r.clock.Advance(2 * time.Minute)
	defer func() {
		if t.Failed() {
			evs, _ := r.st.Events(context.Background(), store.EventFilter{Limit: 10})
			for _, e := range evs {
				t.Logf("event %v %s %v %s", e.At, e.Code, e.Args, e.Detail)
			}
			rec, _ := r.st.Record(context.Background(), r.shop.ID, parked[0].ExtID)
			t.Logf("order %s: %s %s %s %s", rec.ExtID, rec.State, rec.Status, rec.Reason, rec.Detail)
		}
	}()
	eventually(t, "the order booked by the recheck", func() bool {
		rec, err := r.st.Record(context.Background(), r.shop.ID, parked[0].ExtID)
		return err == nil && rec.State == store.Booked
	})
	// The recheck logs its event after it applied the order, and the
	// worker may book the order before that: wait for the event too.
	eventually(t, "the recheck at 03:00 logged", func() bool {
		evs, _ := r.st.Events(context.Background(), store.EventFilter{})
		for _, e := range evs {
			if e.Code == "recheck_done" {
				return true
			}
		}
		return false
	})
}

// TestRunnerPauseStopsPolling: while paused no poll runs; Resume catches up.
func TestRunnerPauseStopsPolling(t *testing.T) {
	r := newRig(t, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	run, err := engine.NewRunner(r.e, engine.RunnerOptions{Clock: r.clock, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	run.Pause()
	if err := run.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer run.Stop()
	r.emu.AddDutch(5, 1)
	r.clock.Advance(15 * time.Minute)
	time.Sleep(100 * time.Millisecond)
	if n := r.count(t); n != 0 {
		t.Fatalf("paused runner applied %d orders", n)
	}
	run.Resume()
	eventually(t, "catch-up after resume", func() bool { return r.count(t) == 5 })
}
