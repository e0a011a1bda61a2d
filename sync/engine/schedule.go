package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/sync/store"
)

// Runner schedules the engine's work: a poll of every shop on its interval
// (at once at start: the catch-up), the nightly recheck, and a worker that
// books the outbox and processes the webhook inbox as soon as it is woken.
type Runner struct {
	e     *Engine
	clock clockwork.Clock
	sched gocron.Scheduler
	// RecheckCron is the nightly recheck's schedule (default 03:00).
	recheckCron string
	wake        chan struct{}
	paused      atomic.Bool
	// SleepGap: a wall-clock jump larger than this between two ticks means
	// the computer slept; a catch-up poll follows.
	sleepGap time.Duration
	cancel   context.CancelFunc
	done     chan struct{}
}

// RunnerOptions configure a Runner.
type RunnerOptions struct {
	Clock       clockwork.Clock // default: the real clock
	RecheckCron string          // default "0 3 * * *"
	Location    *time.Location  // default time.Local
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
	s, err := gocron.NewScheduler(gocron.WithClock(opt.Clock), gocron.WithLocation(opt.Location))
	if err != nil {
		return nil, err
	}
	return &Runner{e: e, clock: opt.Clock, sched: s, recheckCron: opt.RecheckCron,
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
	if _, err := r.sched.NewJob(gocron.CronJob(r.recheckCron, false), gocron.NewTask(func() { r.recheckAll(ctx) }),
		gocron.WithSingletonMode(gocron.LimitModeReschedule), gocron.WithName("recheck")); err != nil {
		return fmt.Errorf("schedule recheck: %w", err)
	}
	if err := r.Reload(ctx); err != nil {
		return err
	}
	r.sched.Start()
	go r.work(ctx)
	return nil
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

// Stop ends the schedule and the worker, waiting for running jobs.
func (r *Runner) Stop() error {
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
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
	if r.paused.Load() {
		return
	}
	shops, err := r.e.Store.Shops(ctx)
	if err != nil {
		r.e.log().Error("recheck", "err", err)
		return
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
	lastWall := time.Now()
	for {
		if !r.paused.Load() {
			if _, err := r.e.ProcessInbox(ctx); err != nil && ctx.Err() == nil {
				r.e.log().Error("inbox", "err", err)
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
		// time.Now's wall reading jumps over a sleep while the monotonic
		// clock does not advance on some systems: compare both.
		now := time.Now()
		if gap := now.Round(0).Sub(lastWall.Round(0)) - now.Sub(lastWall); gap > r.sleepGap {
			r.e.log().Info("computer woke up, catching up", "gap", gap)
			r.PollAll()
		}
		lastWall = now
	}
}
