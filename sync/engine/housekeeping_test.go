package engine_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// TestHousekeepingOnAFakeClock runs the runner for a year on the fake clock:
// parked orders that can never be booked leave the Open tab after the grace
// period (7 days) with their reason and come back when the shop forwards
// them; processed webhook bodies go after 90 days, events after a year; a
// backup is made every day and the last 7 are kept.
func TestHousekeepingOnAFakeClock(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	r := newRig(t, t0)
	ids := r.emu.PlaceDutch(5, 3)
	statuses := []string{"cancelled", "failed", "checkout-draft", "on-hold", "trash"}
	for _, id := range ids {
		r.emu.SetStatus(id, "pending")
	}
	ext := func(i int) string { return strconv.FormatInt(ids[i], 10) }
	state := func(i int) store.Record {
		t.Helper()
		rec, err := r.st.Record(ctx, r.shop.ID, ext(i))
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	// A processed delivery (its body is customer data) and one that is
	// never processed, both received now.
	done, err := r.st.AddDelivery(ctx, store.Delivery{Source: "woocommerce", Shop: "w", Topic: "order.updated", Body: []byte(`{"id":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.st.DeliveryProcessed(ctx, done, "applied"); err != nil {
		t.Fatal(err)
	}
	if err := r.st.AddEvent(ctx, store.Event{Code: "t0_marker"}); err != nil {
		t.Fatal(err)
	}

	// A day and a few minutes: not a multiple of the poll interval, so no
	// timer falls exactly on the new time.
	const day = 24*time.Hour + 7*time.Minute
	backups := t.TempDir()
	runs := make(chan time.Time, 100)
	run, err := engine.NewRunner(r.e, engine.RunnerOptions{Clock: r.clock, Location: time.UTC, BackupDir: backups,
		Housekept: func(at time.Time, _ engine.Tidied, err error) {
			if err != nil {
				t.Errorf("housekeeping at %v: %v", at, err)
			}
			runs <- at
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer run.Stop()
	// waitRun waits for the housekeeping run the last Advance started (at
	// the clock's new time), and for the timers to be set again.
	waitRun := func() {
		t.Helper()
		now := r.clock.Now()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case at := <-runs:
				if !at.Before(now) {
					settle(t, r.clock, 4)
					return
				}
			case <-deadline:
				t.Fatalf("no housekeeping run at %v", now)
			}
		}
	}
	eventually(t, "the first poll", func() bool { return r.count(t, store.Parked) == len(ids) })
	waitRun()
	// The shop moves them on; the next poll sees all but the trashed one
	// (WooCommerce lists no trash), which its order.deleted webhook has
	// fetched (here: Check, as the webhook does). The
	// shop's clock has whole seconds: its changes come a second later.
	r.emu.SetClock(func() time.Time { return time.Now().Add(2 * time.Second) })
	for i, id := range ids {
		if statuses[i] == "trash" {
			r.emu.Trash(id)
		} else {
			r.emu.SetStatus(id, statuses[i])
		}
	}
	settle(t, r.clock, 4)
	r.clock.Advance(15 * time.Minute)
	// (A poll still finishing skips the one the Advance fired: ask again.)
	eventually(t, "the statuses polled", func() bool {
		run.PollAll()
		return state(0).ReasonArg == "cancelled" && state(3).ReasonArg == "on-hold"
	})
	if _, err := r.e.Check(ctx, r.shop, []string{ext(4)}); err != nil {
		t.Fatal(err)
	}
	if rec := state(4); rec.Reason != engine.ReasonDeleted {
		t.Fatalf("trashed order: %s %s", rec.State, rec.Reason)
	}

	// Six days on: still in the Open tab.
	for i := 1; i <= 6; i++ {
		r.clock.Advance(day)
		waitRun()
	}
	if n := r.count(t, store.Parked); n != len(ids) {
		t.Fatalf("day 6: %d parked, want %d (grace period is 7 days)", n, len(ids))
	}
	// Day 8: past the grace period.
	r.clock.Advance(day)
	waitRun()
	r.clock.Advance(day)
	waitRun()
	want := map[int][2]string{
		0: {engine.ReasonNotForwarded, "cancelled"},
		1: {engine.ReasonNotForwarded, "failed"},
		2: {engine.ReasonCheckoutDraft, ""},
		4: {engine.ReasonDeleted, ""},
	}
	for i, w := range want {
		rec := state(i)
		if rec.State != store.Unbookable || rec.Reason != w[0] || rec.ReasonArg != w[1] {
			t.Errorf("%s order: %s %s %s, want unbookable %s %s", statuses[i], rec.State, rec.Reason, rec.ReasonArg, w[0], w[1])
		}
	}
	if rec := state(3); rec.State != store.Parked {
		t.Errorf("on-hold order: %s, want parked (it can still be paid)", rec.State)
	}
	evs, _ := r.st.Events(ctx, store.EventFilter{})
	moved := 0
	for _, e := range evs {
		if e.Code == "orders_unbookable" {
			n, _ := strconv.Atoi(e.Args["count"])
			moved += n
		}
	}
	if moved != 4 {
		t.Errorf("orders_unbookable events count %d orders, want 4", moved)
	}
	// 9 daily backups were made (day 0 to 8); the newest 7 are kept, one
	// per run (a day apart).
	bs, err := store.AutoBackups(backups)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 7 {
		t.Fatalf("%d backups kept, want 7", len(bs))
	}
	for i := 1; i < len(bs); i++ {
		if gap := bs[i-1].At.Sub(bs[i].At); gap != day {
			t.Errorf("backups %d and %d are %v apart", i-1, i, gap)
		}
	}

	// The shop sets the cancelled order to processing: it is booked; a
	// failed one edited but still failed stays unbookable.
	failedBefore := state(1)
	r.emu.SetClock(func() time.Time { return time.Now().Add(4 * time.Second) })
	r.emu.SetStatus(ids[0], "processing")
	r.emu.Update(ids[1], func(o *wcemu.Order) { o.CustomerNote = "nog eens geprobeerd" })
	r.clock.Advance(day)
	waitRun()
	eventually(t, "the forwarded order booked", func() bool {
		run.PollAll()
		return state(0).State == store.Booked
	})
	if rec := state(1); !rec.Modified.After(failedBefore.Modified) {
		t.Fatalf("the failed order's edit was not polled")
	}
	if rec := state(1); rec.State != store.Unbookable {
		t.Errorf("failed order saved again: %s, want unbookable", rec.State)
	}

	// Day 89: the processed delivery is still there; day 91 it is gone.
	// (Off the hour: gocron's next run falls on the hour, and a timer set
	// for exactly the fake clock's time is lost in gocron.)
	r.clock.Advance(t0.AddDate(0, 0, 89).Add(13 * time.Minute).Sub(r.clock.Now()))
	waitRun()
	if _, err := r.st.Delivery(ctx, done); err != nil {
		t.Fatalf("day 89: delivery gone: %v", err)
	}
	r.clock.Advance(2 * day)
	waitRun()
	if _, err := r.st.Delivery(ctx, done); err == nil {
		t.Fatal("day 91: the processed delivery is still kept")
	}
	if !hasEvent(t, r.st, "t0_marker") {
		t.Fatal("day 91: an event of day 0 is gone (events are kept a year)")
	}
	// A year and a day on: the day-0 events are gone, newer ones are kept.
	r.clock.Advance(t0.AddDate(1, 0, 1).Add(13 * time.Minute).Sub(r.clock.Now()))
	waitRun()
	if hasEvent(t, r.st, "t0_marker") {
		t.Fatal("an event older than a year is still kept")
	}
	if !hasEvent(t, r.st, "housekeeping_pruned") {
		t.Fatal("no housekeeping_pruned event kept")
	}
}

func hasEvent(t *testing.T, st *store.Store, code string) bool {
	t.Helper()
	evs, err := st.Events(context.Background(), store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Code == code {
			return true
		}
	}
	return false
}

// settle waits until the fake clock has timers again for every job of the
// runner (each poll, the recheck, housekeeping) and the worker: the jobs the
// last Advance fired have run and gocron set their timers anew, so the next
// Advance fires them.
func settle(t *testing.T, clock *clockwork.FakeClock, timers int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, timers); err != nil {
		t.Fatalf("the runner's timers were not set again: %v", err)
	}
}
