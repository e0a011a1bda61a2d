// Package engine moves orders from sources to the ledger: it applies
// observations, decides whether an order is booked or parked, books through
// the outbox, rechecks parked orders, and schedules all of it with gocron.
package engine

import (
	"fmt"

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
	return func(prev *store.Record, o order.Order) store.Decision {
		ev := func(level store.Level, code string, args map[string]string) []store.Event {
			return []store.Event{{Level: level, Shop: sh.Name, OrderNo: o.Number, Code: code, Args: args}}
		}
		if prev != nil {
			switch {
			case prev.State == store.Booked:
				d := store.Decision{State: store.Booked, Bookings: creditNotes(sh, o)}
				if o.Deleted || o.Status == "trash" {
					d.Events = ev(store.Warn, "deleted_after_booking", nil)
				} else if o.Status != prev.Status && !sh.Forwards(o.Status) && len(o.Refunds) == 0 {
					d.Events = ev(store.Warn, "status_after_booking", map[string]string{"status": string(o.Status)})
				}
				return d
			case prev.State == store.Ignored:
				return store.Decision{State: store.Ignored, Reason: prev.Reason}
			case prev.State == store.Queued && prev.Reason == ReasonBookedByUser:
				return store.Decision{State: store.Queued, Reason: ReasonBookedByUser}
			}
		}
		if !sh.StartAt.IsZero() && o.Created.Before(sh.StartAt) {
			return store.Decision{State: store.Ignored, Reason: ReasonBeforeStart,
				Events: ev(store.Info, "order_before_start", nil)}
		}
		switch {
		case o.Deleted:
			return parked(prev, ReasonDeleted, "", ev(store.Info, "order_parked", map[string]string{"reason": ReasonDeleted}))
		case o.Status == "checkout-draft":
			return parked(prev, ReasonCheckoutDraft, "", nil)
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
