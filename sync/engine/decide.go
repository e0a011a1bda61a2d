// Package engine moves orders from sources to the ledger: it applies
// observations, decides whether an order is booked or parked, books through
// the outbox, rechecks parked orders, and schedules all of it with gocron.
package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
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
	// ReasonRecurringOff: ignored, since the shop's option "recurring" is
	// off and the order is a term of a subscription or instalment.
	ReasonRecurringOff = "recurring_off"
	// ReasonProductFilter: ignored, since the shop's option "products"
	// lists products and the order has none of them.
	ReasonProductFilter = "product_filter"
)

// byOption reports whether reason is an ignore by one of the shop's
// options: decided again when the options change or the order does.
func byOption(reason string) bool {
	return reason == ReasonRecurringOff || reason == ReasonProductFilter
}

// InvoiceKey is the idempotency key of an order's invoice.
func InvoiceKey(sh store.Shop, orderID string) string {
	return fmt.Sprintf("%s/%d/%s/invoice", sh.Source, sh.ID, orderID)
}

// CreditKey is the idempotency key of the credit note for a refund.
func CreditKey(sh store.Shop, orderID, refundID string) string {
	return fmt.Sprintf("%s/%d/%s/credit/%s", sh.Source, sh.ID, orderID, refundID)
}

// Decide is the rule that turns an observed order of shop sh, of kind k,
// into a state: forwarded statuses are queued for booking, anything else
// is parked with a reason a person can read. Decisions a person made
// (ignore, book anyway) and bookings already made are never undone by a new
// snapshot. k says the kind's statuses (drafts, gone, unbookable, ForwardAs)
// and option defaults; nil is a kind with none.
func Decide(sh store.Shop, k *source.Descriptor) store.DecideFunc {
	r := rulesOf(sh, k)
	open := decideOpen(r)
	decide := func(prev *store.Record, o order.Order) store.Decision {
		d := open(prev, o)
		// An order that left the Open tab as unbookable stays there while
		// the shop keeps it where it can never be booked; a forwarded status
		// books it, any other status parks it in the Open tab again.
		if prev != nil && prev.State == store.Unbookable && d.State == store.Parked && neverBookable(r.k, d.Reason, d.ReasonArg) {
			d.State, d.Events = store.Unbookable, nil
		}
		return d
	}
	if till(r.k) {
		return decideTill(r, decide)
	}
	return decide
}

// Decide is the rule for sh with its kind as the engine knows it.
func (e *Engine) Decide(sh store.Shop) store.DecideFunc { return Decide(sh, e.kind(sh)) }

// kind is the descriptor of sh's kind; one without statuses or options
// when the engine does not know it.
func (e *Engine) kind(sh store.Shop) *source.Descriptor {
	if e.Kinds != nil {
		if d, ok := e.Kinds.Lookup(sh.Source); ok {
			return d
		}
	}
	return &source.Descriptor{Kind: sh.Source}
}

// rules is a shop with its kind: what decide asks.
type rules struct {
	sh store.Shop
	k  *source.Descriptor
	// recurring: book orders with Recurring set; products: when not empty,
	// only orders with a line of one of these products.
	recurring bool
	products  map[string]bool
}

func rulesOf(sh store.Shop, k *source.Descriptor) rules {
	if k == nil {
		k = &source.Descriptor{Kind: sh.Source}
	}
	r := rules{sh: sh, k: k, recurring: true}
	if has(k, source.OptionRecurring) {
		r.recurring = Option(sh, k, source.OptionRecurring) != "off"
	}
	if has(k, source.OptionProducts) {
		for _, id := range strings.Split(Option(sh, k, source.OptionProducts), ",") {
			if id = strings.TrimSpace(id); id != "" {
				if r.products == nil {
					r.products = map[string]bool{}
				}
				r.products[id] = true
			}
		}
	}
	return r
}

// has reports whether kind k has option key.
func has(k *source.Descriptor, key string) bool {
	for _, o := range k.Options {
		if o.Key == key {
			return true
		}
	}
	return false
}

// Option is the value of the shop's option key: its own, else the kind's
// default ("" when the kind has no such option).
func Option(sh store.Shop, k *source.Descriptor, key string) string {
	if v, ok := sh.Options[key]; ok {
		return v
	}
	for _, o := range k.Options {
		if o.Key == key {
			return o.Default
		}
	}
	return ""
}

// forwards reports whether status is booked: it is in the forward set, or
// the status it implies (ForwardAs) is.
func (r rules) forwards(st order.Status) bool {
	if r.sh.Forwards(st) {
		return true
	}
	as, ok := r.k.ForwardAs[st]
	return ok && r.sh.Forwards(as)
}

// ignoredBy says which of the shop's options ignores o ("" none).
func (r rules) ignoredBy(o order.Order) string {
	if o.Recurring && !r.recurring {
		return ReasonRecurringOff
	}
	if len(r.products) > 0 {
		for _, l := range o.Lines {
			if l.ProductID != "" && r.products[l.ProductID] {
				return ""
			}
		}
		return ReasonProductFilter
	}
	return ""
}

// neverBookable reports whether an order of kind k parked for reason (with
// its argument) can never be booked as it is.
func neverBookable(k *source.Descriptor, reason, arg string) bool {
	switch reason {
	case ReasonDeleted, ReasonCheckoutDraft:
		return true
	case ReasonNotForwarded:
		return source.In(order.Status(arg), k.Unbookable)
	}
	return false
}

// UnbookableRule is neverBookable for the store's sweep, over every kind
// of kinds: an order parked with one of its kind's Unbookable statuses.
func UnbookableRule(kinds *source.Registry) store.UnbookableRule {
	r := store.UnbookableRule{Reasons: []string{ReasonDeleted, ReasonCheckoutDraft}, NotForwarded: ReasonNotForwarded}
	if kinds != nil {
		for _, k := range kinds.All() {
			if len(k.Unbookable) > 0 {
				if r.SourceStatuses == nil {
					r.SourceStatuses = map[order.Source][]order.Status{}
				}
				r.SourceStatuses[k.Kind] = k.Unbookable
			}
		}
	}
	return r
}

// UnbookableRule is the sweep's rule over the kinds the engine knows.
func (e *Engine) UnbookableRule() store.UnbookableRule { return UnbookableRule(e.Kinds) }

func decideOpen(r rules) store.DecideFunc {
	sh := r.sh
	return func(prev *store.Record, o order.Order) store.Decision {
		ev := func(level store.Level, code string, args map[string]string) []store.Event {
			return []store.Event{{Level: level, Shop: sh.Name, OrderNo: o.Number, Code: code, Args: args}}
		}
		if prev != nil {
			switch {
			case prev.State == store.Booked:
				return decideBooked(r, prev, o, ev)
			case prev.State == store.Ignored && !byOption(prev.Reason):
				d := store.Decision{State: store.Ignored, Reason: prev.Reason}
				if prev.Reason == ReasonBeforeStart {
					d.Events = lateCredits(sh, prev, o, ev)
				}
				return d
			case prev.State == store.Queued && prev.Reason == ReasonBookedByUser:
				return store.Decision{State: store.Queued, Reason: ReasonBookedByUser}
			}
		}
		if beforeStart(sh, o) {
			return store.Decision{State: store.Ignored, Reason: ReasonBeforeStart,
				Events: append(ev(store.Info, "order_before_start", nil), lateCredits(sh, prev, o, ev)...)}
		}
		if why := r.ignoredBy(o); why != "" && !o.Deleted {
			d := store.Decision{State: store.Ignored, Reason: why}
			if prev == nil || prev.State != store.Ignored || prev.Reason != why {
				d.Events = ev(store.Info, "order_ignored", map[string]string{"reason": why})
			}
			return d
		}
		switch {
		case o.Deleted:
			return parked(prev, ReasonDeleted, "", ev(store.Info, "order_parked", map[string]string{"reason": ReasonDeleted}))
		case source.In(o.Status, r.k.Draft):
			return parked(prev, ReasonCheckoutDraft, "", nil)
		case r.forwards(o.Status) && !order.IsEUR(o.Currency) && (prev == nil || prev.EURRate == ""):
			return parked(prev, ReasonCurrency, o.Currency,
				ev(store.Info, "order_parked", map[string]string{"reason": ReasonCurrency, "currency": o.Currency}))
		case r.forwards(o.Status):
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

// gone reports whether an order's status undoes its sale (kind k's Gone).
func gone(k *source.Descriptor, o order.Order) bool {
	return o.Deleted || source.In(o.Status, k.Gone)
}

// refundedByHand reports whether an order's status says the shop refunded
// it by hand (kind k's Refunded).
func refundedByHand(k *source.Descriptor, o order.Order) bool {
	return source.In(o.Status, k.Refunded)
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
func decideBooked(r rules, prev *store.Record, o order.Order, ev func(store.Level, string, map[string]string) []store.Event) store.Decision {
	sh, k := r.sh, r.k
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
	case covered && gone(k, o):
	case o.Deleted:
		notes = append(notes, "deleted")
	case gone(k, o):
		notes = append(notes, "status "+string(o.Status))
	case refundedByHand(k, o) && refunded(o) < o.Total:
		notes = append(notes, fmt.Sprintf("status refunded, %s of %s refunded", refunded(o), o.Total))
	}
	if o.Total != bookedTotal {
		notes = append(notes, fmt.Sprintf("total %s -> %s", bookedTotal, o.Total))
	}
	note := strings.Join(notes, "; ")
	// Only a change this snapshot brings marks the order again once its
	// earlier change was credited: a later save (completed, a note) does not.
	moved := o.Total != was.Total || o.Deleted != was.Deleted ||
		o.Status != was.Status && (gone(k, o) || refundedByHand(k, o))
	d.ChangedAfterBooking = note != "" && (prev.ChangedAfterBooking || moved)
	if d.ChangedAfterBooking {
		d.ChangeNote = note
	}
	switch {
	case d.ChangedAfterBooking && (!prev.ChangedAfterBooking || prev.ChangeNote != note):
		d.Events = ev(store.Warn, "changed_after_booking", map[string]string{"note": note, "status": string(o.Status)})
	case o.Status != was.Status && !r.forwards(o.Status) && len(o.Refunds) == 0:
		d.Events = ev(store.Info, "status_after_booking", map[string]string{"status": string(o.Status)})
	}
	return d
}

// lateCredits tells of refunds made on or after the shop's start date to an
// order from before it: the previous koppeling booked its invoice, so
// Orderbrug books no credit note against it (it has no invoice of its own
// to refer to), but the bookkeeper must know the credit exists. One event
// per refund, the first time it is seen.
func lateCredits(sh store.Shop, prev *store.Record, o order.Order, ev func(store.Level, string, map[string]string) []store.Event) []store.Event {
	seen := map[string]bool{}
	if prev != nil {
		if was, err := prev.Order(); err == nil {
			for _, r := range was.Refunds {
				seen[r.ID] = true
			}
		}
	}
	var out []store.Event
	for _, r := range o.Refunds {
		if seen[r.ID] || r.Created.IsZero() || r.Created.Before(sh.StartAt) {
			continue
		}
		out = append(out, ev(store.Warn, "credit_before_start", map[string]string{"amount": r.Amount.String(),
			"date": r.Created.In(amsterdam).Format("2006-01-02")})...)
	}
	return out
}

// amsterdam dates what the engine tells people: Europe/Amsterdam, or CET
// where the system has no time zone database.
var amsterdam = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return l
	}
	return time.FixedZone("CET", 3600)
}()
