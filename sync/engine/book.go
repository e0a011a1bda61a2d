package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// BookResult tells what one run of the outbox did.
type BookResult struct {
	Booked, Failed, Retrying, Cancelled int
	// Waiting bookings wait for a time without an attempt counted: the
	// ledger's rate limit, the retry of a booking the ledger did not
	// answer, or their credit note's invoice.
	Waiting int
}

// dueBatch is how many due bookings one round takes from the outbox: with a
// BatchLedger one group sync and one transaction per round. 500 files are
// ~1 MB of UBL; on a crash mid-round they are booked again idempotently.
const dueBatch = 500

// BookDue books every due outbox entry. Each booking stands alone: one that
// fails never blocks the ones after it. Bookings are idempotent on their key,
// so a crash between the ledger's write and the outbox's update books nothing
// twice: the retry gets the first booking's reference back.
//
// A ledger that implements ledger.BatchLedger gets the due bookings of a
// round in one BookBatch call, and the ones it booked are recorded in one
// transaction once BookBatch returns: a booking is recorded only after its
// file is durable. One BookDue runs at a time; another waits for it (or
// for its context).
func (e *Engine) BookDue(ctx context.Context) (BookResult, error) {
	res, err := e.bookDue(ctx)
	if res != (BookResult{}) {
		// Once the slot is free: a subscriber may book again.
		e.changed()
	}
	return res, err
}

func (e *Engine) bookDue(ctx context.Context) (BookResult, error) {
	var res BookResult
	select {
	case e.bookingSlot() <- struct{}{}:
		defer func() { <-e.bookingSlot() }()
	case <-ctx.Done():
		return res, ctx.Err()
	}
	for {
		start := e.now()
		items, err := e.Store.DueBookings(ctx, start, dueBatch)
		if err != nil {
			return res, err
		}
		if len(items) == 0 {
			break
		}
		stopped, err := e.bookRound(ctx, start, items, &res)
		if err != nil {
			return res, err
		}
		if stopped {
			// The ledger takes nothing more for now (a rate limit) or
			// does not answer: the rest of the backlog waits (WaitDue),
			// and this BookDue ends.
			break
		}
	}
	return res, nil
}

// bookRound books one round of due items. A credit note whose invoice is in
// the same round is prepared once that invoice is recorded (in a second
// group), so it never has to wait for a retry.
func (e *Engine) bookRound(ctx context.Context, start time.Time, items []store.OutboxItem, res *BookResult) (stopped bool, err error) {
	rd := &round{start: start, shops: map[int64]store.Shop{}}
	for len(items) > 0 {
		recs, err := e.Store.RecordsOf(ctx, items)
		if err != nil {
			return false, err
		}
		rd.recs = recs
		var group []*job
		var later []store.OutboxItem
		invoices := map[store.RecordKey]bool{}
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			key := store.RecordKey{ShopID: it.ShopID, ExtID: it.ExtID}
			if it.Kind == order.KindCreditNote && invoices[key] {
				later = append(later, it)
				continue
			}
			j, err := e.prepare(ctx, rd, it)
			if err != nil {
				return false, err
			}
			if j.done {
				res.count(j.outcome)
				continue
			}
			if it.Kind == order.KindInvoice {
				invoices[key] = true
			}
			group = append(group, j)
		}
		if err := e.bookGroup(ctx, rd, group, res); err != nil {
			return false, err
		}
		if rd.stopped {
			// The later group was due too: WaitDue made it wait.
			return true, nil
		}
		items = later
	}
	return false, nil
}

func (r *BookResult) count(o bookOutcome) {
	switch o {
	case booked:
		r.Booked++
	case failed:
		r.Failed++
	case retrying:
		r.Retrying++
	case cancelled:
		r.Cancelled++
	case waiting:
		r.Waiting++
	}
}

type bookOutcome int

const (
	booked bookOutcome = iota
	failed
	retrying
	cancelled
	// waiting: it waits for the ledger's limit or for its invoice,
	// without an attempt counted.
	waiting
)

// job is one booking on its way to the ledger: the invoice or credit note
// made, or, when done is set, the outcome already recorded.
type job struct {
	it      store.OutboxItem
	sh      store.Shop
	number  string
	inv     order.Invoice
	evArgs  map[string]string
	done    bool
	outcome bookOutcome
}

// failure is why a booking did not happen, as it is recorded.
type failure struct {
	permanent bool
	reason    string
	// args are the reason's figures (order.Failure's args); the kind of
	// booking is added.
	args  map[string]string
	cause error
	// keepOrder leaves the order's own reason as it is (the booking's
	// failure is still recorded and logged): a credit note waiting for an
	// invoice that waits itself says less than the invoice's reason.
	keepOrder bool
}

// fail records f for j and marks j done.
func (e *Engine) fail(ctx context.Context, j *job, f failure) error {
	it := j.it
	level, code, next, out := store.Warn, "booking_retry", e.now().Add(e.backoff(attemptsFor(it, f.reason))), retrying
	if f.permanent {
		level, code, next, out = store.Error, "booking_failed", e.now(), failed
	}
	args := map[string]string{}
	for k, v := range f.args {
		args[k] = v
	}
	args["kind"] = string(it.Kind)
	if it.RefundID != "" {
		args["refund"] = it.RefundID
	}
	reason := f.reason
	if f.keepOrder && !f.permanent {
		reason = ""
	}
	if f.permanent && it.Kind == order.KindCreditNote {
		// A booked order stays booked (the store sees to that) and shows
		// credit_note_failed; the failure's own code goes with the figures.
		args["code"] = f.reason
	}
	arg, err := json.Marshal(args)
	if err != nil {
		return err
	}
	evArgs := map[string]string{"reason": f.reason}
	for k, v := range args {
		evArgs[k] = v
	}
	e.log().Warn("booking not done", "shop", j.sh.Name, "order", j.number, "kind", it.Kind, "permanent", f.permanent, "err", f.cause)
	j.done, j.outcome = true, out
	return e.Store.BookingFailedAs(ctx, it, f.permanent, f.reason, reason, string(arg), f.cause.Error(), next,
		store.Event{Level: level, Shop: j.sh.Name, OrderNo: j.number, Code: code, Args: evArgs, Detail: f.cause.Error()})
}

// invoiceFailure classifies an error of NewInvoice or NewCreditNote: a
// permanent failure with order.Failure's code and figures.
func invoiceFailure(err error) failure {
	code, args := order.Failure(err)
	return failure{permanent: true, reason: code, args: args, cause: err}
}

// round is what the bookings of one round share: the shops and the seller
// are read once per round, not once per booking.
type round struct {
	// stopped is set once the ledger said it takes nothing more for now
	// or did not answer: every booking due waits (WaitDue).
	stopped bool
	// answered is set once the ledger answered a booking in this round.
	answered bool
	// start is when the round took its due bookings.
	start     time.Time
	shops     map[int64]store.Shop
	recs      map[store.RecordKey]store.Record
	seller    order.Seller
	sellerErr error
	sellerSet bool
}

func (e *Engine) roundShop(ctx context.Context, rd *round, id int64) (store.Shop, error) {
	if sh, ok := rd.shops[id]; ok {
		return sh, nil
	}
	sh, err := e.Store.ShopByID(ctx, id)
	if err != nil {
		return sh, err
	}
	rd.shops[id] = sh
	return sh, nil
}

func (e *Engine) roundSeller(ctx context.Context, rd *round) (order.Seller, error) {
	if !rd.sellerSet {
		rd.seller, rd.sellerErr = e.Seller(ctx)
		rd.sellerSet = true
	}
	return rd.seller, rd.sellerErr
}

// prepare makes the invoice or credit note of one booking. Its error return
// is only for the store failing; everything the data does wrong is recorded
// on the booking, and the job comes back done.
func (e *Engine) prepare(ctx context.Context, rd *round, it store.OutboxItem) (*job, error) {
	j := &job{it: it, evArgs: map[string]string{"kind": string(it.Kind)}}
	if it.RefundID != "" {
		j.evArgs["refund"] = it.RefundID
	}
	sh, err := e.roundShop(ctx, rd, it.ShopID)
	if err != nil {
		return nil, err
	}
	j.sh = sh
	rec, ok := rd.recs[store.RecordKey{ShopID: it.ShopID, ExtID: it.ExtID}]
	if !ok {
		return nil, fmt.Errorf("booking %s: order %s: %w", it.Key, it.ExtID, store.ErrNotFound)
	}
	j.number = rec.Number
	o, err := rec.Order()
	if err != nil {
		return nil, err
	}
	if it.Kind == order.KindInvoice && (rec.State != store.Queued && rec.State != store.Failed || rec.Reason == ReasonUnparseable) {
		// The order left the queue (parked or ignored, or its newest payload
		// cannot be read) after this booking was made: do not book it. A new
		// forward queues it again.
		j.done, j.outcome = true, cancelled
		err := e.Store.BookingCancelled(ctx, it, "order is "+string(rec.State),
			store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "booking_cancelled", Args: j.evArgs})
		return j, err
	}
	seller, err := e.roundSeller(ctx, rd)
	if err != nil {
		return j, e.fail(ctx, j, failure{reason: ReasonSellerIncomplete, cause: err})
	}
	if err := seller.Check(); err != nil {
		// Not the order's fault: it waits until the details are filled in,
		// with the fields a person must fill in.
		_, args := order.Failure(err)
		return j, e.fail(ctx, j, failure{reason: ReasonSellerIncomplete, args: args, cause: err})
	}
	opt := order.InvoiceOptions{Key: InvoiceKey(sh, o.ID), Shop: sh.Slug, Seller: seller, Sells: sh.Sells, EURRate: rec.EURRate}
	if it.Kind == order.KindInvoice {
		var inv order.Invoice
		if IsDaySummary(o.ID) && o.Total < 0 {
			inv, err = e.dayCreditNote(ctx, sh, o, opt)
		} else {
			inv, err = order.NewInvoice(o, opt)
		}
		if err != nil {
			return j, e.fail(ctx, j, invoiceFailure(err))
		}
		j.inv = inv
		return j, nil
	}

	if rec.InvoiceID == "" {
		// The invoice is not booked yet; the credit note waits for it.
		// The order shows why its invoice waits (the ledger unreachable, a
		// VAT case unmapped), when it has a reason already.
		cause := errors.New("the order's invoice is not booked yet")
		// While its invoice waits for a time (a rate limit, a retry), it
		// waits with it, without an attempt counted or a line in the
		// Logboek: a rate limit's waiting line shows when both go.
		bs, err := e.Store.Bookings(ctx, it.ShopID, it.ExtID)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			if b.Kind == order.KindInvoice && b.State == "pending" && b.NextAt.After(e.now()) {
				j.done, j.outcome = true, waiting
				return j, e.Store.BookingsWait(ctx, []store.OutboxItem{it}, "", "", cause.Error(), b.NextAt, store.Event{})
			}
		}
		return j, e.fail(ctx, j, failure{reason: ReasonWaitingForInvoice, cause: cause,
			keepOrder: rec.State == store.Queued && rec.Reason != ""})
	}
	inv, ok, err := rec.Invoice()
	if err != nil {
		return nil, err
	}
	if !ok {
		// Booked before the invoice was kept: make it again from the
		// snapshot, with the number and date it was booked with.
		if inv, err = order.NewInvoice(o, opt); err != nil {
			return j, e.fail(ctx, j, invoiceFailure(err))
		}
		inv.ID, inv.IssueDate = rec.InvoiceID, rec.InvoiceDate
	}
	refund, ok := creditOf(o, it)
	if !ok {
		return j, e.fail(ctx, j, failure{permanent: true, reason: ReasonRefundGone,
			cause: fmt.Errorf("refund %s is no longer in the order", it.RefundID)})
	}
	if !strings.HasPrefix(it.RefundID, changePrefix) {
		// A refund after a change was credited must not credit it twice.
		changes, err := e.changeCredits(ctx, it.ShopID, it.ExtID)
		if err != nil {
			return nil, err
		}
		if total := refunded(o) + changes; changes > 0 && total > inv.Total {
			return j, e.fail(ctx, j, failure{permanent: true, reason: order.ReasonRefundTooLarge,
				args: map[string]string{"refunded": total.String(), "invoiced": inv.Total.String()},
				cause: fmt.Errorf("refund %s of order %s: refunds and credited changes %s exceed the invoiced %s",
					refund.ID, rec.Number, total, inv.Total)})
		}
	}
	credited := refund.Created
	if credited.IsZero() {
		credited = o.Modified
	}
	cn, err := order.NewCreditNote(o, refund, inv, it.Key, credited)
	if err != nil {
		return j, e.fail(ctx, j, invoiceFailure(err))
	}
	// An invoice kept before it carried these has neither: the order says.
	cn.PricesIncludeTax = o.PricesIncludeTax
	if cn.SourceURL == "" {
		cn.SourceURL = o.ShopURL
	}
	j.inv = cn
	return j, nil
}

// creditOf is what a credit note booking credits: the order's refund, or,
// for a change after booking, the amount the booking carries.
func creditOf(o order.Order, it store.OutboxItem) (order.Refund, bool) {
	if strings.HasPrefix(it.RefundID, changePrefix) {
		return order.Refund{ID: it.RefundID, Amount: it.Amount, Reason: it.Note, Created: o.Modified}, true
	}
	for _, r := range o.Refunds {
		if r.ID == it.RefundID {
			return r, true
		}
	}
	return order.Refund{}, false
}

// bookGroup hands the prepared jobs to the ledger, in one batch when it can
// take one, and records the outcomes. Once the ledger says it takes no more
// for now (a rate limit), the rest of the group and every other booking due
// wait until then without asking it (rd.stopped is set); once it is
// unreachable (ledger.ReasonUnreachable), the rest of the group and every
// other booking due wait for the first booking's next attempt: a package
// that does not answer costs one timeout per round, not one per booking,
// and holds up nothing else.
func (e *Engine) bookGroup(ctx context.Context, rd *round, group []*job, res *BookResult) error {
	if len(group) == 0 {
		return nil
	}
	l, err := e.Ledger(ctx)
	if err != nil {
		f := failure{reason: ReasonLedgerUnavailable, cause: err}
		if errors.Is(err, ErrNoLedger) {
			f.reason = ReasonNoLedger
		}
		for _, j := range group {
			if err := e.fail(ctx, j, f); err != nil {
				return err
			}
			res.count(j.outcome)
		}
		return nil
	}
	refs := make([]string, len(group))
	errs := make([]error, len(group))
	warns := make([][]ledger.Warning, len(group))
	asked := make([]bool, len(group))
	var unreachedUntil time.Time
	if bl, ok := l.(ledger.BatchLedger); ok && len(group) > 1 {
		invs := make([]order.Invoice, len(group))
		for i, j := range group {
			invs[i] = j.inv
		}
		refs, errs = bl.BookBatch(ctx, invs)
		if len(refs) != len(group) || len(errs) != len(group) {
			return fmt.Errorf("ledger returned %d refs and %d errors for %d bookings", len(refs), len(errs), len(group))
		}
		for i := range asked {
			asked[i] = true
		}
	} else {
		reporter, _ := l.(ledger.Reporter)
		var stop error
		// The online package did not answer at its last asking, none has
		// answered in this round, and its next asking is not due yet: a
		// booking queued meanwhile waits for it.
		if _, online := l.(ledger.Online); online && !rd.answered {
			next, waiting, err := e.Store.NextAsking(ctx, ledger.ReasonUnreachable)
			if err != nil {
				return err
			}
			if waiting && next.After(e.now()) {
				stop, unreachedUntil = ledger.WithReason(ledger.ReasonUnreachable, nil, errors.New("waits for the ledger's next asking")), next
			}
		}
		for i, j := range group {
			if err := ctx.Err(); err != nil {
				return err
			}
			if stop != nil {
				errs[i] = stop
				continue
			}
			asked[i] = true
			if reporter != nil {
				var b ledger.Booked
				b, errs[i] = reporter.BookReport(ctx, j.inv)
				refs[i], warns[i] = b.Ref, b.Warnings
			} else {
				refs[i], errs[i] = l.Book(ctx, j.inv)
			}
			if _, ok := ledger.RetryAt(errs[i]); ok || isUnreachable(errs[i]) {
				stop = errs[i]
			} else {
				rd.answered = true
			}
		}
	}
	var done []store.Done
	var waits, unreached []store.OutboxItem
	var until time.Time
	unreachedAttempts := 0
	var waitErr error
	for i, j := range group {
		if errs[i] != nil {
			if t, ok := ledger.RetryAt(errs[i]); ok {
				// Not a failure: the booking waits for the ledger's limit.
				waits = append(waits, j.it)
				if t.After(until) {
					until, waitErr = t, errs[i]
				}
				res.Waiting++
				continue
			}
			if !asked[i] {
				// Not asked: the ledger did not answer the booking before.
				unreached = append(unreached, j.it)
				res.Waiting++
				continue
			}
			f := failure{reason: ReasonLedgerUnavailable, cause: errs[i]}
			var re *ledger.ReasonError
			switch {
			case errors.Is(errs[i], ledger.ErrPermanent):
				f.permanent, f.reason = true, ReasonLedgerRejected
			case errors.As(errs[i], &re):
				f.reason, f.args = re.Reason, re.Args
			}
			if isUnreachable(errs[i]) {
				unreachedAttempts = attemptsFor(j.it, ledger.ReasonUnreachable)
				unreachedUntil = e.now().Add(e.backoff(unreachedAttempts))
			}
			if err := e.fail(ctx, j, f); err != nil {
				return err
			}
			res.count(j.outcome)
			continue
		}
		args := map[string]string{"ref": refs[i], "invoice": j.inv.ID}
		for k, v := range j.evArgs {
			args[k] = v
		}
		d := store.Done{Item: j.it, Ref: refs[i], Invoice: j.inv,
			Event: store.Event{Shop: j.sh.Name, OrderNo: j.number, Code: "booked", Args: args}}
		for _, w := range warns[i] {
			wargs := map[string]string{"invoice": j.inv.ID, "ref": refs[i]}
			for k, v := range w.Args {
				wargs[k] = v
			}
			d.Warnings = append(d.Warnings, store.Event{Level: store.Warn, Shop: j.sh.Name, OrderNo: j.number, Code: w.Code, Args: wargs})
		}
		done = append(done, d)
	}
	if err := e.Store.BookingsDone(ctx, done); err != nil {
		return err
	}
	res.Booked += len(done)
	if len(unreached) > 0 || !unreachedUntil.IsZero() {
		if !unreachedUntil.After(e.now()) {
			unreachedUntil = e.now().Add(e.backoff(1))
		}
		arg, err := json.Marshal(map[string]string{"kind": string(order.KindInvoice)})
		if err != nil {
			return err
		}
		const detail = "the ledger did not answer the booking before"
		if err := e.Store.BookingsWait(ctx, unreached, ledger.ReasonUnreachable, string(arg), detail, unreachedUntil, store.Event{}); err != nil {
			return err
		}
		// Every other booking due waits for that retry too: asking the
		// next round would cost another timeout.
		n, err := e.Store.WaitDue(ctx, ledger.ReasonUnreachable, string(arg), detail, unreachedUntil, rd.start, 0, store.Event{})
		if err != nil {
			return err
		}
		if err := e.Store.ShareAttempts(ctx, ledger.ReasonUnreachable, max(unreachedAttempts, 1)); err != nil {
			return err
		}
		res.Waiting += n
		rd.stopped = true
	}
	if len(waits) > 0 {
		if now := e.now(); !until.After(now) {
			// Never due at once again: BookDue would ask in a loop.
			until = now.Add(time.Second)
		}
		at := until.UTC().Format(time.RFC3339)
		arg, err := json.Marshal(map[string]string{"until": at})
		if err != nil {
			return err
		}
		if err := e.Store.BookingsWait(ctx, waits, ledger.ReasonRateLimited, string(arg), waitErr.Error(), until, store.Event{}); err != nil {
			return err
		}
		// The rest of the backlog waits too, in one statement, with one
		// event for all.
		n, err := e.Store.WaitDue(ctx, ledger.ReasonRateLimited, string(arg), waitErr.Error(), until, rd.start, len(waits),
			store.Event{Code: ledger.ReasonRateLimited, Args: map[string]string{"until": at}})
		if err != nil {
			return err
		}
		res.Waiting += n
		rd.stopped = true
		e.log().Info("bookings wait for the ledger's rate limit", "count", len(waits)+n, "until", at)
	}
	return nil
}

// attemptsFor is the attempt a failure with reason makes: attempts count
// per reason (store.BookingFailedAs), so a booking that failed for
// another reason before starts at 1.
func attemptsFor(it store.OutboxItem, reason string) int {
	if it.Reason != reason {
		return 1
	}
	return it.Attempts + 1
}

// isUnreachable says the ledger gave no usable answer (ledger.ReasonUnreachable).
func isUnreachable(err error) bool {
	var re *ledger.ReasonError
	return errors.As(err, &re) && re.Reason == ledger.ReasonUnreachable
}

func (e *Engine) backoff(n int) time.Duration {
	if e.Backoff != nil {
		return e.Backoff(n)
	}
	return DefaultBackoff(n)
}
