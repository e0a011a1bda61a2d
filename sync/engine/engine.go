package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	gosync "sync"
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
	// Source returns the client for a shop. What it can do is asked by
	// type assertion (source.Poller, source.Fetcher, ...).
	Source func(store.Shop) (source.Source, error)
	// Kinds are the kinds the engine decides by (statuses, options); a
	// shop of a kind not in it is decided with none.
	Kinds *source.Registry
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

	// The booking slot lets one BookDue run at a time: the worker, a webhook, a
	// person's "book anyway" and a sync all call it, and two rounds taking
	// the same due booking would ask an online ledger twice (Moneybird
	// does not deduplicate) and spend its rate limit twice.
	slotOnce gosync.Once
	slot     chan struct{}
}

// bookingSlot is the one slot BookDue holds while it runs (a channel, so
// that a caller waiting for it can give up when its context ends).
func (e *Engine) bookingSlot() chan struct{} {
	e.slotOnce.Do(func() { e.slot = make(chan struct{}, 1) })
	return e.slot
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
	// Unreadable counts orders the shop returned that could not be parsed:
	// kept as failed with their raw payload.
	Unreadable int
	// Conflicts counts orders seen twice in one second with a different
	// body, fetched again from the shop.
	Conflicts int
	Cursor    time.Time
}

// Progress is called with the number of orders processed so far.
type Progress func(done int)

// Poll fetches every order of sh modified since its cursor and applies them,
// a batch per transaction. The cursor advances only over applied orders, so
// an error midway loses nothing: the next poll starts where this one stopped.
// An order the shop returns that cannot be parsed does not stop it: it is
// kept as failed, with its raw payload, and the poll goes on (for a source
// that can report such an order, source.ReportingPoller). An order whose
// snapshot has the modified time of the one kept but another body is
// fetched again and what the shop says now is applied.
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
	decide := e.Decide(sh)
	var pending []store.Observation
	var unreadable []store.Unreadable
	advance := func(m time.Time) {
		if m.After(res.Cursor) {
			res.Cursor = m
		}
	}
	flush := func() error {
		if len(pending) == 0 && len(unreadable) == 0 {
			return nil
		}
		if err := e.keepUnreadable(ctx, sh, unreadable); err != nil {
			return err
		}
		for _, u := range unreadable {
			advance(u.Modified)
		}
		res.Unreadable += len(unreadable)
		res.Seen += len(unreadable)
		unreadable = unreadable[:0]
		outcomes, err := e.Store.Apply(ctx, pending, decide)
		if err != nil {
			return err
		}
		var conflicts []string
		for i, o := range outcomes {
			switch o {
			case store.New:
				res.New++
			case store.Changed:
				res.Changed++
			case store.Conflict:
				conflicts = append(conflicts, pending[i].Order.ID)
			default:
				res.Unchanged++
			}
		}
		if len(conflicts) > 0 {
			// Fetched before the cursor moves over them: if the shop cannot
			// be asked now, the poll fails here and the next one sees them
			// again.
			n, err := e.resolve(ctx, sh, conflicts)
			if err != nil {
				return fmt.Errorf("two snapshots in one second: %w", err)
			}
			res.Conflicts += len(conflicts)
			res.Changed += n
		}
		for _, ob := range pending {
			advance(ob.Order.Modified)
		}
		res.Seen += len(pending)
		pending = pending[:0]
		if progress != nil {
			progress(res.Seen)
		}
		return nil
	}
	add := func(p source.Polled) error {
		if p.Err != nil {
			unreadable = append(unreadable, unreadableOf(sh, p.Err))
		} else {
			pending = append(pending, store.Observation{ShopID: sh.ID, Order: p.Order})
		}
		if len(pending)+len(unreadable) >= batch {
			return flush()
		}
		return nil
	}
	var pollErr error
	var next time.Time
	if rp, ok := src.(source.ReportingPoller); ok {
		next, pollErr = rp.PollEach(ctx, sh.Cursor, add)
	} else if p, ok := src.(source.Poller); ok {
		next, pollErr = p.Poll(ctx, sh.Cursor, func(o order.Order) error { return add(source.Polled{Order: o}) })
	} else {
		return res, nil // a kind that only pushes (webhooks): nothing to poll
	}
	if pollErr == nil {
		pollErr = flush()
	}
	if _, own := src.(source.CursorOwner); own {
		// The orders' modified times say nothing of where this kind's next
		// poll must start: only a poll that went through moves the cursor,
		// to where the kind says.
		res.Cursor = sh.Cursor
		if pollErr == nil && next.After(sh.Cursor) {
			res.Cursor = next
		}
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
	if res.New+res.Changed+res.Unreadable > 0 {
		_ = e.Store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "poll_done",
			Args: map[string]string{"new": fmt.Sprint(res.New), "changed": fmt.Sprint(res.Changed),
				"unreadable": fmt.Sprint(res.Unreadable)}})
		e.changed()
	}
	if e.Polled != nil {
		e.Polled(ctx, sh)
	}
	return res, nil
}

// unidentifiedPrefix starts the id under which a payload that names no
// order is kept.
const unidentifiedPrefix = "unreadable-"

// Unidentified reports whether extID is not the shop's id of an order but
// one Orderbrug made for a payload that names none: it cannot be fetched.
func Unidentified(extID string) bool { return strings.HasPrefix(extID, unidentifiedPrefix) }

// unreadableOf is what the store keeps of an order that cannot be parsed.
// A payload without a usable id is kept under one made from its bytes, so
// it is still listed (and the same payload is kept once).
func unreadableOf(sh store.Shop, u *source.UnparseableError) store.Unreadable {
	id := u.ID
	if id == "" {
		sum := sha256.Sum256(u.Raw)
		id = unidentifiedPrefix + hex.EncodeToString(sum[:6])
	}
	return store.Unreadable{ShopID: sh.ID, ExtID: id, Modified: u.Modified, Raw: u.Raw, Detail: u.Err.Error()}
}

// keepUnreadable keeps orders the shop returned that cannot be parsed as
// failed, with reason unparseable.
func (e *Engine) keepUnreadable(ctx context.Context, sh store.Shop, us []store.Unreadable) error {
	if len(us) == 0 {
		return nil
	}
	for _, u := range us {
		e.log().Warn("order cannot be read", "shop", sh.Name, "order", u.ExtID, "err", u.Detail)
	}
	return e.Store.KeepUnreadable(ctx, us, ReasonUnparseable, order.Source(sh.Source),
		store.Event{Level: store.Error, Shop: sh.Name, Code: "order_unreadable"})
}

// resolve fetches orders whose observed snapshot conflicted with the one
// kept (same modified time, other body) and applies what the shop says now,
// as authoritative (Check). It returns how many changed.
func (e *Engine) resolve(ctx context.Context, sh store.Shop, ids []string) (int, error) {
	return e.check(ctx, sh, ids)
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
	if src, err := e.Source(sh); err == nil {
		if _, ok := src.(source.Fetcher); !ok {
			return res, nil // a kind that only pushes (a till): nothing to ask
		}
	}
	var since time.Time
	if sh.LookbackDays > 0 {
		since = e.now().AddDate(0, 0, -sh.LookbackDays)
	}
	all, err := e.Store.RecheckIDs(ctx, sh.ID, since)
	if err != nil {
		return res, fmt.Errorf("recheck %s: %w", sh.Name, err)
	}
	ids := all[:0]
	for _, id := range all {
		if !Unidentified(id) {
			ids = append(ids, id)
		}
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

// Check fetches the given orders of sh from the shop and applies them as
// what the shop says now (authoritative); it returns how many were new or
// changed. One that cannot be parsed is kept as failed with its payload.
func (e *Engine) Check(ctx context.Context, sh store.Shop, ids []string) (int, error) {
	changed, err := e.check(ctx, sh, ids)
	if changed > 0 {
		e.changed()
	}
	return changed, err
}

func (e *Engine) check(ctx context.Context, sh store.Shop, ids []string) (int, error) {
	src, err := e.Source(sh)
	if err != nil {
		return 0, err
	}
	f, ok := src.(source.Fetcher)
	if !ok {
		return 0, &source.Error{Kind: source.BadRequest, Message: fmt.Sprintf("a %s shop cannot be asked for an order", sh.Source)}
	}
	changed := 0
	for start := 0; start < len(ids); start += 100 {
		chunk := ids[start:min(start+100, len(ids))]
		orders, err := f.Fetch(ctx, chunk)
		bad, err := source.Unparseables(err)
		if err != nil {
			return changed, err
		}
		us := make([]store.Unreadable, len(bad))
		for i, b := range bad {
			us[i] = unreadableOf(sh, b)
		}
		if err := e.keepUnreadable(ctx, sh, us); err != nil {
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
			obs = append(obs, store.Observation{ShopID: sh.ID, Order: o, Authoritative: true})
		}
		outcomes, err := e.Store.Apply(ctx, obs, e.Decide(sh))
		if err != nil {
			return changed, err
		}
		for _, o := range outcomes {
			if o == store.New || o == store.Changed {
				changed++
			}
		}
		if err := e.fold(ctx, sh, chunk, orders); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// ApplyOrder applies one order observed by other means (a webhook). A
// snapshot with the modified time of the one kept but another body (two
// changes in one second) is not taken: the order is fetched from the shop
// and what it says now is applied.
func (e *Engine) ApplyOrder(ctx context.Context, sh store.Shop, o order.Order, raw []byte) (store.Outcome, error) {
	return e.applyOrder(ctx, sh, o, raw, false)
}

func (e *Engine) applyOrder(ctx context.Context, sh store.Shop, o order.Order, raw []byte, authoritative bool) (store.Outcome, error) {
	out, err := e.Store.Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: o, Raw: raw, Authoritative: authoritative}}, e.Decide(sh))
	if err != nil {
		return 0, err
	}
	if out[0] == store.Conflict {
		n, err := e.resolve(ctx, sh, []string{o.ID})
		if err != nil {
			return 0, fmt.Errorf("order %s seen twice in one second: fetch it: %w", o.ID, err)
		}
		if n == 0 {
			return store.Repeat, nil
		}
		e.changed()
		return store.Changed, nil
	}
	if out[0] == store.New || out[0] == store.Changed {
		e.changed()
	}
	return out[0], nil
}

// ReasonPartOfOrder: the id is not an order of its own but part of another
// (a Plug&Pay credit invoice is its original's credit note): closed, with
// an event naming the order it belongs to.
const ReasonPartOfOrder = "part_of_order"

// fold closes the records of ids the shop answered with another order: a
// credit invoice asked for by its own id comes back as the order it
// credits, carrying it as a refund. Such an id may have been kept on its
// own (unreadable while its original could not be found); left so, it
// would stay in the Open tab and be fetched at every recheck.
func (e *Engine) fold(ctx context.Context, sh store.Shop, asked []string, orders []order.Order) error {
	want := make(map[string]bool, len(asked))
	for _, id := range asked {
		want[id] = true
	}
	for _, o := range orders {
		delete(want, o.ID)
	}
	for _, o := range orders {
		for _, r := range o.Refunds {
			if !want[r.ID] {
				continue
			}
			delete(want, r.ID)
			rec, err := e.Store.Record(ctx, sh.ID, r.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if rec.State == store.Booked || rec.State == store.Ignored {
				continue
			}
			if err := e.Store.SetState(ctx, sh.ID, r.ID, store.Ignored, ReasonPartOfOrder, store.Event{
				Shop: sh.Name, OrderNo: rec.Number, Code: "order_part_of",
				Args: map[string]string{"into": o.Number}}); err != nil {
				return err
			}
		}
	}
	return nil
}
