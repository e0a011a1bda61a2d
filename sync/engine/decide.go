// Package engine moves orders from sources to the ledger: it applies
// observations, decides whether an order is booked or parked, books through
// the outbox, rechecks parked orders, and schedules all of it with gocron.
package engine

import (
	"fmt"
	"strings"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// Reason codes stored with an order; the UI turns them into sentences.
const (
	// ReasonNotForwarded: the status is not in the forward set (arg: status).
	ReasonNotForwarded = "status_not_forwarded"
	// ReasonCheckoutDraft: an unfinished checkout (WooCommerce checkout-draft).
	ReasonCheckoutDraft = "checkout_draft"
	// ReasonDeleted: the shop deleted or trashed the order.
	ReasonDeleted = "deleted"
	// ReasonBeforeStart: created before the shop's start date.
	ReasonBeforeStart = "before_start"
	// ReasonIgnoredByUser: a person chose to ignore it.
	ReasonIgnoredByUser = "ignored_by_user"
	// ReasonBookedByUser: a person chose to book it anyway.
	ReasonBookedByUser = "booked_by_user"
	// ReasonSellerIncomplete: seller details are missing (arg: kind).
	ReasonSellerIncomplete = "seller_incomplete"
	// ReasonMismatch: the invoice does not reconcile with the shop's totals.
	ReasonMismatch = "totals_mismatch"
	// ReasonLedgerRejected: the ledger refused the booking.
	ReasonLedgerRejected = "ledger_rejected"
	// ReasonLedgerUnavailable: the ledger failed transiently; retried.
	ReasonLedgerUnavailable = "ledger_unavailable"
	// ReasonNoLedger: no ledger is set up.
	ReasonNoLedger = "no_ledger"
	// ReasonCancelled: no longer to be booked (status left the forward set
	// before the booking ran).
	ReasonCancelled = "cancelled"
	// ReasonWaitingForInvoice: a credit note waits for its invoice.
	ReasonWaitingForInvoice = "waiting_for_invoice"
	// ReasonCurrency: parked because the order is not in EUR (arg: the
	// currency); a person books it with a rate.
	ReasonCurrency = "currency_not_eur"
	// ReasonUnparseable: the shop's payload could not be read; the raw
	// payload is kept.
	ReasonUnparseable = "unparseable"
	// ReasonCreditFailed: a credit note of a booked order failed; the order
	// stays booked and the credit note can be retried (arg: JSON with the
	// failure's code and figures).
	ReasonCreditFailed = "credit_note_failed"
	// ReasonRefundGone: a refund's credit note was to be booked, but the
	// shop no longer has that refund.
	ReasonRefundGone = "refund_gone"
)

// InvoiceKey is the idempotency key of an order's invoice.
func InvoiceKey(sh store.Shop, orderID string) string {
	return fmt.Sprintf("%s/%d/%s/invoice", sh.Source, sh.ID, orderID)
}

// CreditKey is the idempotency key of the credit note for a refund.
func CreditKey(sh store.Shop, orderID, refundID string) string {
	return fmt.Sprintf("%s/%d/%s/credit/%s", sh.Source, sh.ID, orderID, refundID)
}

// Decide is the rule that turns an observed order into a state: forwarded
// statuses are queued for booking, anything else is parked with a reason a
// person can read. Decisions a person made (ignore, book anyway) and
// bookings already made are never undone by a new snapshot.
func Decide(sh store.Shop) store.DecideFunc {
	open := decideOpen(sh)
	return func(prev *store.Record, o order.Order) store.Decision {
		d := open(prev, o)
		// An order that left the Open tab as unbookable stays there while
		// the shop keeps it where it can never be booked; a forwarded status
		// books it, any other status parks it in the Open tab again.
		if prev != nil && prev.State == store.Unbookable && d.State == store.Parked && NeverBookable(d.Reason, d.ReasonArg) {
			d.State, d.Events = store.Unbookable, nil
		}
		return d
	}
}

// UnbookableStatuses are the statuses of orders that can never be booked
// as they are: cancelled, failed (payment), trashed, and abandoned
// checkout drafts. Parked with one of them for longer than the grace
// period, an order leaves the Open tab as unbookable (unless the shop
// forwards that status: then it is booked, not parked).
var UnbookableStatuses = []order.Status{"cancelled", "failed", "trash", "checkout-draft"}

// NeverBookable reports whether an order parked for reason (with its
// argument) can never be booked as it is.
func NeverBookable(reason, arg string) bool {
	switch reason {
	case ReasonDeleted, ReasonCheckoutDraft:
		return true
	case ReasonNotForwarded:
		for _, st := range UnbookableStatuses {
			if string(st) == arg {
				return true
			}
		}
	}
	return false
}

// UnbookableRule is NeverBookable for the store's sweep.
func UnbookableRule() store.UnbookableRule {
	return store.UnbookableRule{Reasons: []string{ReasonDeleted, ReasonCheckoutDraft},
		NotForwarded: ReasonNotForwarded, Statuses: UnbookableStatuses}
}

func decideOpen(sh store.Shop) store.DecideFunc {
	return func(prev *store.Record, o order.Order) store.Decision {
		ev := func(level store.Level, code string, args map[string]string) []store.Event {
			return []store.Event{{Level: level, Shop: sh.Name, OrderNo: o.Number, Code: code, Args: args}}
		}
		if prev != nil {
			switch {
			case prev.State == store.Booked:
				return decideBooked(sh, prev, o, ev)
			case prev.State == store.Ignored:
				return store.Decision{State: store.Ignored, Reason: prev.Reason}
			case prev.State == store.Queued && prev.Reason == ReasonBookedByUser:
				return store.Decision{State: store.Queued, Reason: ReasonBookedByUser}
			}
		}
		if beforeStart(sh, o) {
			return store.Decision{State: store.Ignored, Reason: ReasonBeforeStart,
				Events: ev(store.Info, "order_before_start", nil)}
		}
		switch {
		case o.Deleted:
			return parked(prev, ReasonDeleted, "", ev(store.Info, "order_parked", map[string]string{"reason": ReasonDeleted}))
		case o.Status == "checkout-draft":
			return parked(prev, ReasonCheckoutDraft, "", nil)
		case sh.Forwards(o.Status) && !order.IsEUR(o.Currency) && (prev == nil || prev.EURRate == ""):
			return parked(prev, ReasonCurrency, o.Currency,
				ev(store.Info, "order_parked", map[string]string{"reason": ReasonCurrency, "currency": o.Currency}))
		case sh.Forwards(o.Status):
			d := store.Decision{State: store.Queued, RetryFailed: true,
				Bookings: append([]store.Booking{{Key: InvoiceKey(sh, o.ID), Kind: order.KindInvoice}}, creditNotes(sh, o)...)}
			if prev == nil || prev.State != store.Queued {
				d.Events = ev(store.Info, "order_queued", map[string]string{"status": string(o.Status)})
			}
			return d
		default:
			return parked(prev, ReasonNotForwarded, string(o.Status),
				ev(store.Info, "order_parked", map[string]string{"reason": ReasonNotForwarded, "status": string(o.Status)}))
		}
	}
}

// beforeStart reports whether an order was the previous koppeling's to
// book: it was paid before the shop's start date (an unpaid one, created
// before it, by its creation). An order still open when the shop was
// connected (a bank transfer on hold) and paid afterwards was never booked
// by the old koppeling, so it is Orderbrug's.
func beforeStart(sh store.Shop, o order.Order) bool {
	if sh.StartAt.IsZero() {
		return false
	}
	if !o.Paid.IsZero() {
		return o.Paid.Before(sh.StartAt)
	}
	return o.Created.Before(sh.StartAt)
}

func parked(prev *store.Record, reason, arg string, events []store.Event) store.Decision {
	if prev != nil && prev.State == store.Parked && prev.Reason == reason && prev.ReasonArg == arg {
		events = nil // still parked for the same reason: nothing new to tell
	}
	return store.Decision{State: store.Parked, Reason: reason, ReasonArg: arg, Events: events}
}

func creditNotes(sh store.Shop, o order.Order) []store.Booking {
	var bs []store.Booking
	for _, r := range o.Refunds {
		bs = append(bs, store.Booking{Key: CreditKey(sh, o.ID, r.ID), Kind: order.KindCreditNote, RefundID: r.ID})
	}
	return bs
}

// gone reports whether an order's status undoes its sale.
func gone(o order.Order) bool {
	return o.Deleted || o.Status == "trash" || o.Status == "cancelled"
}

// refunded sums an order's refunds.
func refunded(o order.Order) order.Money {
	var sum order.Money
	for _, r := range o.Refunds {
		sum += r.Amount
	}
	return sum
}

// decideBooked decides for a new snapshot of a booked order. It stays
// booked, whatever the shop did: its invoice is never booked again, and its
// refunds become credit notes. What the shop changed that no refund stands
// for (cancelled, trashed, set to refunded by hand, a total edited) marks
// it changed after booking, with a note of what changed relative to the
// invoice as booked, for a person to credit (CreditChange). The mark stays
// until the change is credited or undone; the snapshot is the shop's newest.
func decideBooked(sh store.Shop, prev *store.Record, o order.Order, ev func(store.Level, string, map[string]string) []store.Event) store.Decision {
	d := store.Decision{State: store.Booked, Reason: prev.Reason, ReasonArg: prev.ReasonArg, Detail: prev.Detail,
		Bookings: creditNotes(sh, o)}
	was, _ := prev.Order()
	bookedTotal := was.Total // booked before the invoice was kept: the last total seen
	if inv, ok, err := prev.Invoice(); err == nil && ok {
		bookedTotal = inv.Total
	}
	var notes []string
	// A cancelled or trashed order whose refunds already give back all that
	// was booked is housekeeping in the shop: nothing is left to credit.
	covered := refunded(o) >= bookedTotal
	switch {
	case covered && gone(o):
	case o.Deleted:
		notes = append(notes, "deleted")
	case gone(o):
		notes = append(notes, "status "+string(o.Status))
	case o.Status == "refunded" && refunded(o) < o.Total:
		notes = append(notes, fmt.Sprintf("status refunded, %s of %s refunded", refunded(o), o.Total))
	}
	if o.Total != bookedTotal {
		notes = append(notes, fmt.Sprintf("total %s -> %s", bookedTotal, o.Total))
	}
	note := strings.Join(notes, "; ")
	// Only a change this snapshot brings marks the order again once its
	// earlier change was credited: a later save (completed, a note) does not.
	moved := o.Total != was.Total || o.Deleted != was.Deleted ||
		o.Status != was.Status && (gone(o) || o.Status == "refunded")
	d.ChangedAfterBooking = note != "" && (prev.ChangedAfterBooking || moved)
	if d.ChangedAfterBooking {
		d.ChangeNote = note
	}
	switch {
	case d.ChangedAfterBooking && (!prev.ChangedAfterBooking || prev.ChangeNote != note):
		d.Events = ev(store.Warn, "changed_after_booking", map[string]string{"note": note, "status": string(o.Status)})
	case o.Status != was.Status && !sh.Forwards(o.Status) && len(o.Refunds) == 0:
		d.Events = ev(store.Info, "status_after_booking", map[string]string{"status": string(o.Status)})
	}
	return d
}
