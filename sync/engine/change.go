package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// changePrefix starts the refund id of a credit note for a change after
// booking ("change-1", "change-2", ...): no refund in the shop stands for it.
const changePrefix = "change-"

// Errors of CreditChange.
var (
	// ErrNotChanged: the order is not booked, or not changed after booking.
	ErrNotChanged = errors.New("the order has not changed since it was booked")
	// ErrNothingToCredit: what changed leaves nothing to credit (the total
	// went up, or everything is credited already). CreditChange then takes
	// the mark off the order: a person has seen the change, and a raised
	// total needs an extra invoice that Orderbrug does not make.
	ErrNothingToCredit = errors.New("nothing left to credit")
)

// CreditChange queues a credit note for what changed in the shop after the
// order's invoice was booked: the whole booked invoice for a cancelled,
// trashed or deleted order (less what its refunds and earlier change credit
// notes credit already), the difference for a lowered total. It goes through
// the outbox like any credit note, spread over the invoice as it was booked,
// and clears the order's changed-after-booking mark.
func (e *Engine) CreditChange(ctx context.Context, sh store.Shop, extID string) error {
	rec, err := e.Store.Record(ctx, sh.ID, extID)
	if err != nil {
		return fmt.Errorf("credit change of order %s: %w", extID, err)
	}
	if rec.State != store.Booked || !rec.ChangedAfterBooking {
		return fmt.Errorf("credit change of order %s: %w", rec.Number, ErrNotChanged)
	}
	o, err := rec.Order()
	if err != nil {
		return fmt.Errorf("credit change of order %s: %w", rec.Number, err)
	}
	bookedTotal := o.Total
	if inv, ok, err := rec.Invoice(); err != nil {
		return fmt.Errorf("credit change of order %s: %w", rec.Number, err)
	} else if ok {
		bookedTotal = inv.Total
	}
	bs, err := e.Store.Bookings(ctx, sh.ID, extID)
	if err != nil {
		return fmt.Errorf("credit change of order %s: %w", rec.Number, err)
	}
	var earlier order.Money
	n := 1
	for _, b := range bs {
		if strings.HasPrefix(b.RefundID, changePrefix) {
			n++
			earlier += b.Amount // a failed one counts too: it can be retried
		}
	}
	var amount order.Money
	if k := e.kind(sh); gone(k, o) || refundedByHand(k, o) {
		amount = bookedTotal - refunded(o) - earlier
	} else {
		amount = bookedTotal - o.Total - earlier
	}
	if amount <= 0 {
		// Left marked, the order would wait on a person for ever (the
		// Overzicht, the tray, sync's exit code) for an action that
		// cannot do anything: the person has seen it now.
		if err := e.Store.ClearChange(ctx, sh.ID, extID, store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "change_handled",
			Args: map[string]string{"note": rec.ChangeNote}}); err != nil {
			return fmt.Errorf("credit change of order %s: %w", rec.Number, err)
		}
		e.changed()
		return fmt.Errorf("credit change of order %s (%s): %w", rec.Number, rec.ChangeNote, ErrNothingToCredit)
	}
	id := fmt.Sprintf("%s%d", changePrefix, n)
	b := store.Booking{Key: CreditKey(sh, extID, id), Kind: order.KindCreditNote, RefundID: id, Amount: amount, Note: rec.ChangeNote}
	if err := e.Store.QueueCredit(ctx, sh.ID, extID, b, store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "change_credited",
		Args: map[string]string{"note": rec.ChangeNote, "amount": amount.String()}}); err != nil {
		return fmt.Errorf("credit change of order %s: %w", rec.Number, err)
	}
	e.changed()
	return nil
}

// changeCredits sums the credit notes for changes after booking of an order,
// failed ones included (they can be retried).
func (e *Engine) changeCredits(ctx context.Context, shopID int64, extID string) (order.Money, error) {
	bs, err := e.Store.Bookings(ctx, shopID, extID)
	if err != nil {
		return 0, err
	}
	var sum order.Money
	for _, b := range bs {
		if strings.HasPrefix(b.RefundID, changePrefix) {
			sum += b.Amount
		}
	}
	return sum, nil
}
