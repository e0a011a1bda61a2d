package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// Engine runs the data flow for every shop. Its fields are its wiring; set
// them before use and do not change them afterwards.
type Engine struct {
	Store *store.Store
	// Source returns the client for a shop.
	Source func(store.Shop) (source.Source, error)
	// Ledger returns the ledger bookings go to; an error wrapping
	// ErrNoLedger means none is set up.
	Ledger func(context.Context) (ledger.Ledger, error)
	// Seller returns the seller details printed on invoices.
	Seller func(context.Context) (order.Seller, error)
	// Now is the clock.
	Now func() time.Time
	// Backoff is the wait before booking attempt n+1 after n failures.
	Backoff func(n int) time.Duration
	Log     *slog.Logger
	// BatchSize is how many polled orders are applied per transaction.
	BatchSize int
	// Changed, when set, is called after anything changed (for the GUI).
	Changed func()
	// Polled, when set, is called after each successful poll of a shop, on
	// the polling goroutine (the app re-checks the shop's webhooks then).
	Polled func(ctx context.Context, sh store.Shop)
}

// ErrNoLedger means no ledger is set up yet.
var ErrNoLedger = errors.New("no ledger is set up")

// DefaultBackoff doubles from one minute up to an hour.
func DefaultBackoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) log() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.Default()
}

func (e *Engine) changed() {
	if e.Changed != nil {
		e.Changed()
	}
}

// PollResult tells what one poll of a shop did.
type PollResult struct {
	Shop                          string
	Seen, New, Changed, Unchanged int
	Cursor                        time.Time
}

// Progress is called with the number of orders processed so far.
type Progress func(done int)

// Poll fetches every order of sh modified since its cursor and applies them,
// a batch per transaction. The cursor advances only over applied orders, so
// an error midway loses nothing: the next poll starts where this one stopped.
func (e *Engine) Poll(ctx context.Context, sh store.Shop, progress Progress) (PollResult, error) {
	res := PollResult{Shop: sh.Name, Cursor: sh.Cursor}
	src, err := e.Source(sh)
	if err != nil {
		return res, fmt.Errorf("poll %s: %w", sh.Name, err)
	}
	batch := e.BatchSize
	if batch <= 0 {
		batch = 100
	}
	decide := Decide(sh)
	var pending []store.Observation
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		outcomes, err := e.Store.Apply(ctx, pending, decide)
		if err != nil {
			return err
		}
		for i, o := range outcomes {
			switch o {
			case store.New:
				res.New++
			case store.Changed:
				res.Changed++
			default:
				res.Unchanged++
			}
			if m := pending[i].Order.Modified; m.After(res.Cursor) {
				res.Cursor = m
			}
		}
		res.Seen += len(pending)
		pending = pending[:0]
		if progress != nil {
			progress(res.Seen)
		}
		return nil
	}
	_, pollErr := src.Poll(ctx, sh.Cursor, func(o order.Order) error {
		pending = append(pending, store.Observation{ShopID: sh.ID, Order: o, Raw: nil})
		if len(pending) >= batch {
			return flush()
		}
		return nil
	})
	if pollErr == nil {
		pollErr = flush()
	}
	if err := e.Store.SavePoll(context.WithoutCancel(ctx), sh.ID, res.Cursor, pollErr, KindName(pollErr)); err != nil {
		return res, errors.Join(pollErr, err)
	}
	if pollErr != nil {
		e.log().Warn("poll failed", "shop", sh.Name, "err", pollErr)
		_ = e.Store.AddEvent(context.WithoutCancel(ctx), store.Event{Level: store.Error, Shop: sh.Name,
			Code: "poll_failed", Args: map[string]string{"kind": KindName(pollErr)}, Detail: pollErr.Error()})
		e.changed()
		return res, fmt.Errorf("poll %s: %w", sh.Name, pollErr)
	}
	if res.New+res.Changed > 0 {
		_ = e.Store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "poll_done",
			Args: map[string]string{"new": fmt.Sprint(res.New), "changed": fmt.Sprint(res.Changed)}})
		e.changed()
	}
	if e.Polled != nil {
		e.Polled(ctx, sh)
	}
	return res, nil
}

// KindName is a short code for a source error's kind ("auth", "network",
// ...), "" for nil.
func KindName(err error) string {
	if err == nil {
		return ""
	}
	switch source.KindOf(err) {
	case source.Auth:
		return "auth"
	case source.NotFound:
		return "not_found"
	case source.Network:
		return "network"
	case source.BadResponse:
		return "bad_response"
	case source.BadRequest:
		return "bad_request"
	}
	return "unknown"
}

// RecheckResult tells what a recheck did.
type RecheckResult struct {
	Shop             string
	Checked, Changed int
}

// Recheck fetches every parked order of sh within its lookback window again
// and applies what changed: an order whose status reached the forward set
// while no poll or webhook told us is booked now.
func (e *Engine) Recheck(ctx context.Context, sh store.Shop) (RecheckResult, error) {
	res := RecheckResult{Shop: sh.Name}
	var since time.Time
	if sh.LookbackDays > 0 {
		since = e.now().AddDate(0, 0, -sh.LookbackDays)
	}
	ids, err := e.Store.RecheckIDs(ctx, sh.ID, since)
	if err != nil {
		return res, fmt.Errorf("recheck %s: %w", sh.Name, err)
	}
	if len(ids) == 0 {
		return res, nil
	}
	n, err := e.Check(ctx, sh, ids)
	res.Checked, res.Changed = len(ids), n
	if err != nil {
		return res, fmt.Errorf("recheck %s: %w", sh.Name, err)
	}
	_ = e.Store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "recheck_done",
		Args: map[string]string{"checked": fmt.Sprint(len(ids)), "changed": fmt.Sprint(n)}})
	e.changed()
	return res, nil
}

// Check fetches the given orders of sh from the shop and applies them; it
// returns how many were new or changed.
func (e *Engine) Check(ctx context.Context, sh store.Shop, ids []string) (int, error) {
	src, err := e.Source(sh)
	if err != nil {
		return 0, err
	}
	changed := 0
	for start := 0; start < len(ids); start += 100 {
		chunk := ids[start:min(start+100, len(ids))]
		orders, err := src.Fetch(ctx, chunk)
		if err != nil {
			return changed, err
		}
		obs := make([]store.Observation, 0, len(orders))
		for _, o := range orders {
			if o.Deleted && o.Modified.IsZero() {
				// Gone for good: the shop reports no time, so the deletion
				// would look older than what is kept. It is news about the
				// order we know: keep that snapshot, marked deleted.
				prev, err := e.Store.Record(ctx, sh.ID, o.ID)
				if errors.Is(err, store.ErrNotFound) {
					continue // never seen, nothing to tell
				}
				if err != nil {
					return changed, err
				}
				if o, err = prev.Order(); err != nil {
					return changed, err
				}
				o.Deleted = true
			}
			obs = append(obs, store.Observation{ShopID: sh.ID, Order: o})
		}
		outcomes, err := e.Store.Apply(ctx, obs, Decide(sh))
		if err != nil {
			return changed, err
		}
		for _, o := range outcomes {
			if o == store.New || o == store.Changed {
				changed++
			}
		}
	}
	if changed > 0 {
		e.changed()
	}
	return changed, nil
}

// ApplyOrder applies one order observed by other means (a webhook).
func (e *Engine) ApplyOrder(ctx context.Context, sh store.Shop, o order.Order, raw []byte) (store.Outcome, error) {
	out, err := e.Store.Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: o, Raw: raw}}, Decide(sh))
	if err != nil {
		return 0, err
	}
	if out[0] == store.New || out[0] == store.Changed {
		e.changed()
	}
	return out[0], nil
}
