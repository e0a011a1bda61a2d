package engine

import (
	"context"
	"fmt"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/robfig/cron/v3"

	"github.com/orderbrug/orderbrug/sync/store"
)

// Runner schedules the engine's work: a poll of every shop on its interval
// (at once at start: the catch-up), the nightly recheck (and a missed one
// at start and after a sleep), hourly housekeeping (unbookable orders,
// retention, the daily backup), and a worker that books the outbox and
// processes the webhook inbox as soon as it is woken.
type Runner struct {
	e     *Engine
	clock clockwork.Clock
	sched gocron.Scheduler
	// RecheckCron is the nightly recheck's schedule (default 03:00).
	recheckCron string
	recheckSch  cron.Schedule
	recheckJob  gocron.Job
	// rechecking keeps two rechecks (the nightly job and a missed one run
	// at start or wake) from running side by side; bg waits for a missed
	// one at Stop.
	rechecking gosync.Mutex
	bg         gosync.WaitGroup
	// housekeeping keeps two housekeeping runs from overlapping.
	housekeeping gosync.Mutex
	housekept    func(time.Time, Tidied, error)
	location     *time.Location
	backupDir    string
	wake         chan struct{}
	paused       atomic.Bool
	// SleepGap: a wall-clock jump larger than this between two ticks means
	// the computer slept; a catch-up poll follows.
	sleepGap       time.Duration
	housekeepEvery time.Duration
	cancel         context.CancelFunc
	done           chan struct{}
}

// RunnerOptions configure a Runner.
type RunnerOptions struct {
	Clock       clockwork.Clock // default: the real clock
	RecheckCron string          // default "0 3 * * *"
	Location    *time.Location  // default time.Local
	// BackupDir receives the daily automatic backup ("": none).
	BackupDir string
	// HousekeepEvery is how often housekeeping runs (default an hour; it
	// also runs at start).
	HousekeepEvery time.Duration
	// Housekept, when set, is called after each housekeeping run, with the
	// clock's time it started at (tests wait on it).
	Housekept func(at time.Time, t Tidied, err error)
}

// NewRunner makes a runner for e; Start starts it.
func NewRunner(e *Engine, opt RunnerOptions) (*Runner, error) {
	if opt.Clock == nil {
		opt.Clock = clockwork.NewRealClock()
	}
	if opt.RecheckCron == "" {
		opt.RecheckCron = "0 3 * * *"
	}
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.HousekeepEvery <= 0 {
		opt.HousekeepEvery = time.Hour
	}
	sch, err := cron.ParseStandard(opt.RecheckCron)
	if err != nil {
		return nil, fmt.Errorf("recheck schedule %q: %w", opt.RecheckCron, err)
	}
	s, err := gocron.NewScheduler(gocron.WithClock(opt.Clock), gocron.WithLocation(opt.Location))
	if err != nil {
		return nil, err
	}
	return &Runner{e: e, clock: opt.Clock, sched: s, recheckCron: opt.RecheckCron, recheckSch: sch,
		location: opt.Location, backupDir: opt.BackupDir, housekeepEvery: opt.HousekeepEvery, housekept: opt.Housekept,
		wake: make(chan struct{}, 1), sleepGap: 2 * time.Minute}, nil
}

// Wake asks the worker to book and process now (after a webhook arrived).
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Pause stops polling and booking until Resume; webhooks are still stored.
func (r *Runner) Pause() { r.paused.Store(true) }

// Resume undoes Pause and catches up at once.
func (r *Runner) Resume() {
	r.paused.Store(false)
	r.PollAll()
	r.Wake()
}

// Paused reports whether the runner is paused.
func (r *Runner) Paused() bool { return r.paused.Load() }

// Start schedules every shop's poll and the recheck, and starts the worker.
func (r *Runner) Start(ctx context.Context) error {
	ctx, r.cancel = context.WithCancel(ctx)
	r.done = make(chan struct{})
	j, err := r.sched.NewJob(gocron.CronJob(r.recheckCron, false), gocron.NewTask(func() { r.recheckAll(ctx) }),
		gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithName("recheck"))
	if err != nil {
		return fmt.Errorf("schedule recheck: %w", err)
	}
	r.recheckJob = j
	// Not gocron's singleton mode: that sets the next run only when a
	// run ends; housekeeping's own lock skips a run that overlaps.
	if _, err := r.sched.NewJob(gocron.DurationJob(r.housekeepEvery), gocron.NewTask(func() { r.housekeep(ctx) }),
		gocron.WithStartAt(gocron.WithStartImmediately()),
		gocron.WithName("housekeeping")); err != nil {
		return fmt.Errorf("schedule housekeeping: %w", err)
	}
	if err := r.Reload(ctx); err != nil {
		return err
	}
	r.sched.Start()
	r.recheckIfMissed(ctx)
	go r.work(ctx)
	return nil
}

// Woke catches up after the computer slept: a poll of every shop and the
// nightly recheck if one was due while it slept. The worker calls it when
// it notices a jump of the clock; a platform's wake signal may too.
func (r *Runner) Woke(ctx context.Context) {
	r.PollAll()
	r.recheckIfMissed(ctx)
}

// PreviousRecheck is the last time at or before now the nightly recheck was
// due by its schedule.
func (r *Runner) PreviousRecheck(now time.Time) time.Time {
	now = now.In(r.location)
	var prev time.Time
	// Walk the schedule from two days back: enough for a daily recheck.
	for t := r.recheckSch.Next(now.Add(-49 * time.Hour)); !t.IsZero() && !t.After(now); t = r.recheckSch.Next(t) {
		prev = t
	}
	return prev
}

// recheckIfMissed runs the recheck now when its last run was before the
// time it was last due: the laptop was off or asleep at 03:00. A database
// that never recorded a recheck counts from now (nothing was missed by
// this Orderbrug).
func (r *Runner) recheckIfMissed(ctx context.Context) {
	last, err := r.e.LastRecheck(ctx)
	if err != nil {
		r.e.log().Error("last recheck", "err", err)
		return
	}
	now := r.clock.Now()
	if last.IsZero() {
		if err := r.e.setLastRecheck(ctx, now); err != nil {
			r.e.log().Error("last recheck", "err", err)
		}
		return
	}
	due := r.PreviousRecheck(now)
	if due.IsZero() || !last.Before(due) {
		return
	}
	r.e.log().Info("nightly recheck was missed, running it now", "due", due, "last", last)
	_ = r.e.Store.AddEvent(ctx, store.Event{Code: "recheck_missed", Args: map[string]string{
		"due": due.UTC().Format(time.RFC3339)}})
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		r.recheckAll(ctx)
	}()
}

// Housekeep runs housekeeping now (the job does it hourly), waiting for a
// run under way to end first.
func (r *Runner) Housekeep(ctx context.Context) (Tidied, error) {
	r.housekeeping.Lock()
	defer r.housekeeping.Unlock()
	return r.e.Housekeep(ctx, r.backupDir)
}

func (r *Runner) housekeep(ctx context.Context) {
	if !r.housekeeping.TryLock() {
		return
	}
	at := r.clock.Now()
	t, err := r.e.Housekeep(ctx, r.backupDir)
	r.housekeeping.Unlock()
	if err != nil && ctx.Err() == nil {
		r.e.log().Warn("housekeeping", "err", err)
	}
	if r.housekept != nil {
		r.housekept(at, t, err)
	}
}

// Reload schedules the polls anew from the shops' settings.
func (r *Runner) Reload(ctx context.Context) error {
	r.sched.RemoveByTags("poll")
	shops, err := r.e.Store.Shops(ctx)
	if err != nil {
		return err
	}
	for _, sh := range shops {
		interval := sh.PollInterval
		if interval <= 0 {
			interval = 15 * time.Minute
		}
		id := sh.ID
		if _, err := r.sched.NewJob(gocron.DurationJob(interval), gocron.NewTask(func() { r.pollShop(ctx, id) }),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithStartAt(gocron.WithStartImmediately()),
			gocron.WithTags("poll", fmt.Sprintf("shop-%d", id)), gocron.WithName("poll "+sh.Name)); err != nil {
			return fmt.Errorf("schedule poll %s: %w", sh.Name, err)
		}
	}
	return nil
}

// PollAll runs every shop's poll job now (the catch-up after a sleep).
func (r *Runner) PollAll() {
	for _, j := range r.sched.Jobs() {
		for _, t := range j.Tags() {
			if t == "poll" {
				_ = j.RunNow()
			}
		}
	}
}

// NextPoll is when the shop's next poll is due; zero if not scheduled.
func (r *Runner) NextPoll(shopID int64) time.Time {
	tag := fmt.Sprintf("shop-%d", shopID)
	for _, j := range r.sched.Jobs() {
		for _, t := range j.Tags() {
			if t == tag {
				next, _ := j.NextRun()
				return next
			}
		}
	}
	return time.Time{}
}

// NextRuns is when each scheduled job (by name: "recheck", "housekeeping",
// "poll <shop>") runs next. A job that is running, or whose timer fired and
// is not yet set again, shows a time not after now.
func (r *Runner) NextRuns() map[string]time.Time {
	out := map[string]time.Time{}
	for _, j := range r.sched.Jobs() {
		next, _ := j.NextRun()
		out[j.Name()] = next
	}
	return out
}

// Stop ends the schedule and the worker, waiting for running jobs.
func (r *Runner) Stop() error {
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	r.bg.Wait()
	return r.sched.Shutdown()
}

func (r *Runner) pollShop(ctx context.Context, id int64) {
	if r.paused.Load() {
		return
	}
	sh, err := r.e.Store.ShopByID(ctx, id)
	if err != nil || sh.Paused {
		return
	}
	if _, err := r.e.Poll(ctx, sh, nil); err == nil {
		r.Wake()
	}
}

func (r *Runner) recheckAll(ctx context.Context) {
	if r.paused.Load() || !r.rechecking.TryLock() {
		return
	}
	defer r.rechecking.Unlock()
	shops, err := r.e.Store.Shops(ctx)
	if err != nil {
		r.e.log().Error("recheck", "err", err)
		return
	}
	if err := r.e.setLastRecheck(ctx, r.clock.Now()); err != nil {
		r.e.log().Error("last recheck", "err", err)
	}
	for _, sh := range shops {
		if sh.Paused {
			continue
		}
		if _, err := r.e.Recheck(ctx, sh); err != nil {
			r.e.log().Warn("recheck failed", "shop", sh.Name, "err", err)
			_ = r.e.Store.AddEvent(ctx, store.Event{Level: store.Error, Shop: sh.Name, Code: "recheck_failed", Detail: err.Error()})
		}
	}
	r.Wake()
}

// work books and processes whenever woken, when a booking's retry is due,
// and at least every minute; it also notices a sleep of the computer.
func (r *Runner) work(ctx context.Context) {
	defer close(r.done)
	lastWall, lastMono := r.clock.Now(), time.Now()
	for {
		if !r.paused.Load() {
			if _, err := r.e.ProcessInbox(ctx); err != nil && ctx.Err() == nil {
				r.e.log().Error("inbox", "err", err)
			}
			if _, err := r.e.CloseDays(ctx); err != nil && ctx.Err() == nil {
				r.e.log().Error("day summaries", "err", err)
			}
			if _, err := r.e.BookDue(ctx); err != nil && ctx.Err() == nil {
				r.e.log().Error("outbox", "err", err)
			}
		}
		wait := time.Minute
		if next, err := r.e.Store.NextDue(ctx); err == nil && !next.IsZero() {
			wait = min(wait, max(next.Sub(r.clock.Now()), 10*time.Millisecond))
		}
		timer := r.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-r.wake:
			timer.Stop()
		case <-timer.Chan():
		}
		// The wall clock jumps over a sleep while the monotonic clock does
		// not advance on some systems: compare both (the wall clock is the
		// runner's, so a fake clock's jump is a sleep too).
		now, mono := r.clock.Now(), time.Now()
		if gap := now.Round(0).Sub(lastWall.Round(0)) - mono.Sub(lastMono); gap > r.sleepGap {
			r.e.log().Info("computer woke up, catching up", "gap", gap)
			r.Woke(ctx)
		}
		lastWall, lastMono = now, mono
	}
}
