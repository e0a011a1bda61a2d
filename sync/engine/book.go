package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// BookResult tells what one run of the outbox did.
type BookResult struct {
	Booked, Failed, Retrying, Cancelled int
}

// BookDue books every due outbox entry. Each booking stands alone: one that
// fails never blocks the ones after it. Bookings are idempotent on their key,
// so a crash between the ledger's write and the outbox's update books nothing
// twice: the retry gets the first booking's reference back.
func (e *Engine) BookDue(ctx context.Context) (BookResult, error) {
	var res BookResult
	for {
		items, err := e.Store.DueBookings(ctx, e.now(), 50)
		if err != nil {
			return res, err
		}
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			outcome, err := e.book(ctx, it)
			if err != nil {
				return res, err
			}
			switch outcome {
			case booked:
				res.Booked++
			case failed:
				res.Failed++
			case retrying:
				res.Retrying++
			case cancelled:
				res.Cancelled++
			}
		}
	}
	if res != (BookResult{}) {
		e.changed()
	}
	return res, nil
}

type bookOutcome int

const (
	booked bookOutcome = iota
	failed
	retrying
	cancelled
)

// book tries one booking. Its error return is only for the store failing;
// everything the ledger or the data does wrong is recorded on the booking.
func (e *Engine) book(ctx context.Context, it store.OutboxItem) (bookOutcome, error) {
	sh, err := e.Store.ShopByID(ctx, it.ShopID)
	if err != nil {
		return 0, err
	}
	rec, err := e.Store.Record(ctx, it.ShopID, it.ExtID)
	if err != nil {
		return 0, err
	}
	o, err := rec.Order()
	if err != nil {
		return 0, err
	}
	evArgs := map[string]string{"kind": string(it.Kind)}
	if it.RefundID != "" {
		evArgs["refund"] = it.RefundID
	}
	if it.Kind == order.KindInvoice && rec.State != store.Queued && rec.State != store.Failed {
		// The order left the queue (parked or ignored) after this booking was
		// made: do not book it. A new forward queues it again.
		err := e.Store.BookingFailed(ctx, it, true, ReasonCancelled, "order is "+string(rec.State), e.now(),
			store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "booking_cancelled", Args: evArgs})
		return cancelled, err
	}
	fail := func(permanent bool, reason string, cause error) (bookOutcome, error) {
		level, code, next, out := store.Warn, "booking_retry", e.now().Add(e.backoff(it.Attempts+1)), retrying
		if permanent {
			level, code, next, out = store.Error, "booking_failed", e.now(), failed
		}
		args := map[string]string{"reason": reason}
		for k, v := range evArgs {
			args[k] = v
		}
		e.log().Warn("booking not done", "shop", sh.Name, "order", rec.Number, "kind", it.Kind, "permanent", permanent, "err", cause)
		err := e.Store.BookingFailed(ctx, it, permanent, reason, cause.Error(), next,
			store.Event{Level: level, Shop: sh.Name, OrderNo: rec.Number, Code: code, Args: args, Detail: cause.Error()})
		return out, err
	}

	seller, err := e.Seller(ctx)
	if err == nil {
		err = seller.Check()
	}
	if err != nil {
		// Not the order's fault: it waits until the details are filled in.
		return fail(false, ReasonSellerIncomplete, err)
	}
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: InvoiceKey(sh, o.ID), Shop: sh.Name, Seller: seller})
	if err != nil {
		return fail(true, ReasonMismatch, err)
	}
	if it.Kind == order.KindCreditNote {
		if rec.InvoiceID == "" {
			// The invoice is not booked yet; the credit note waits for it.
			return fail(false, ReasonWaitingForInvoice, errors.New("the order's invoice is not booked yet"))
		}
		inv.ID, inv.IssueDate = rec.InvoiceID, rec.InvoiceDate
		refund, ok := findRefund(o, it.RefundID)
		if !ok {
			return fail(true, ReasonMismatch, fmt.Errorf("refund %s is no longer in the order", it.RefundID))
		}
		credited := refund.Created
		if credited.IsZero() {
			credited = o.Modified
		}
		inv, err = order.NewCreditNote(o, refund, inv, it.Key, credited)
		if err != nil {
			return fail(true, ReasonMismatch, err)
		}
	}
	l, err := e.Ledger(ctx)
	if err != nil {
		if errors.Is(err, ErrNoLedger) {
			return fail(false, ReasonNoLedger, err)
		}
		return fail(false, ReasonLedgerUnavailable, err)
	}
	ref, err := l.Book(ctx, inv)
	if err != nil {
		if errors.Is(err, ledger.ErrPermanent) {
			return fail(true, ReasonLedgerRejected, err)
		}
		return fail(false, ReasonLedgerUnavailable, err)
	}
	evArgs["ref"] = ref
	evArgs["invoice"] = inv.ID
	err = e.Store.BookingDone(ctx, it, ref, inv,
		store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "booked", Args: evArgs})
	return booked, err
}

func (e *Engine) backoff(n int) time.Duration {
	if e.Backoff != nil {
		return e.Backoff(n)
	}
	return DefaultBackoff(n)
}

func findRefund(o order.Order, id string) (order.Refund, bool) {
	for _, r := range o.Refunds {
		if r.ID == id {
			return r, true
		}
	}
	return order.Refund{}, false
}
