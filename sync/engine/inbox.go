package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// ProcessInbox applies every unprocessed webhook delivery, oldest first,
// through the same apply/decide path as polling. A delivery that cannot be
// used is marked with the reason and logged; the next poll covers its order.
func (e *Engine) ProcessInbox(ctx context.Context) (int, error) {
	n := 0
	// A shop is polled, and an order fetched, once for all the deliveries
	// that asked for it before that poll or fetch began (Plug&Pay's legacy
	// webhook calls once per line, and anyone can send such a hint); one
	// received after it began may mean a later change, and is acted on.
	polled := seen{}
	for {
		ds, err := e.Store.PendingDeliveries(ctx, 100)
		if err != nil {
			return n, err
		}
		if len(ds) == 0 {
			return n, nil
		}
		for _, d := range ds {
			result := e.processDelivery(ctx, d, polled)
			if err := e.Store.DeliveryProcessed(ctx, d.ID, result); err != nil {
				return n, err
			}
			n++
		}
	}
}

func (e *Engine) processDelivery(ctx context.Context, d store.Delivery, polled seen) string {
	sh, err := e.Store.ShopBySlug(ctx, d.Shop) // the delivery path names the shop by its slug
	if err != nil {
		return "unknown shop"
	}
	src, err := e.Source(sh)
	if err != nil {
		return "error: " + err.Error()
	}
	fail := func(err error) string {
		_ = e.Store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, OrderNo: d.OrderID,
			Code: "delivery_unusable", Detail: err.Error()})
		return "error: " + err.Error()
	}
	switch d.Topic {
	case source.TopicPoll:
		// Something changed, the delivery does not say what: poll (a
		// paused shop at its next poll after it is resumed).
		if sh.Paused {
			return "paused"
		}
		if polled.covers(d.Shop, d) {
			return "repeat"
		}
		start := e.now()
		if _, err := e.Poll(ctx, sh, nil); err != nil {
			return fail(err)
		}
		polled.done(d.Shop, start)
		return "polled"
	case source.TopicSubscriptionEnded:
		if k := e.kind(sh); has(k, source.OptionCancellations) && Option(sh, k, source.OptionCancellations) == "off" {
			return "ignored: cancellations are off"
		}
		return e.subscriptionEnded(ctx, sh, src, d)
	}
	if p, ok := src.(source.WebhookParser); ok {
		o, full, err := p.ParseWebhook(d.Topic, d.Body)
		switch {
		case err != nil && d.OrderID == "":
			return fail(err)
		case err != nil:
			_ = fail(err)
			if _, fetches := src.(source.Fetcher); !fetches {
				// Nothing to ask (a till only pushes): the order is kept as
				// unreadable, with the delivery's bytes, for a person to see
				// in the Open tab, and the delivery stays for a replay.
				if err := e.keepUnreadable(ctx, sh, []store.Unreadable{{ShopID: sh.ID, ExtID: d.OrderID,
					Raw: d.Body, Detail: err.Error()}}); err != nil {
					return fail(err)
				}
				e.changed()
				return "error: kept as unreadable: " + err.Error()
			}
			// A body that cannot be read still names its order: ask the shop
			// for it, which keeps it (as unreadable, with its payload, if the
			// shop's answer cannot be read either) instead of dropping it.
			o, full = order.Order{ID: d.OrderID}, false
		}
		if full {
			return e.applyDelivered(ctx, sh, src, d, o, fail)
		}
		if o.ID == "" {
			return fail(fmt.Errorf("delivery names no order"))
		}
		d.OrderID = o.ID
	}
	if d.OrderID == "" {
		return fail(fmt.Errorf("delivery names no order"))
	}
	// A hint for an order fetched in this run after the hint came adds
	// nothing (Plug&Pay calls once per order line; anyone may send hints).
	key := d.Shop + "\x00" + d.OrderID
	if polled.covers(key, d) {
		return "repeat"
	}
	start := e.now()
	n, err := e.Check(ctx, sh, []string{d.OrderID})
	if err != nil {
		return fail(fmt.Errorf("fetch order %s: %w", d.OrderID, err))
	}
	polled.done(key, start)
	if n > 0 {
		return "changed"
	}
	return "repeat"
}

// applyDelivered applies an order a delivery carried. A kind whose
// deliveries carry no modified time (a till's check) has the delivery's
// receive time instead: the latest to arrive wins. A snapshot that is not
// final after one that is (an update after a till's check was closed) is
// recorded in the inbox and the log, not applied: the close wins. A till's
// closed checks are then counted in their day's summary.
func (e *Engine) applyDelivered(ctx context.Context, sh store.Shop, src source.Source, d store.Delivery, o order.Order, fail func(error) string) string {
	k := e.kind(sh)
	if till(k) && IsDaySummary(o.ID) {
		return fail(fmt.Errorf("a check's id may not start with %q: that is a day summary's", DayPrefix))
	}
	if o.Modified.IsZero() {
		o.Modified = d.ReceivedAt.UTC()
	}
	if len(k.Final) > 0 {
		prev, err := e.Store.Record(ctx, sh.ID, o.ID)
		if err == nil && source.In(prev.Status, k.Final) {
			if !source.In(o.Status, k.Final) && !source.In(o.Status, k.Gone) {
				_ = e.Store.AddEvent(ctx, store.Event{Shop: sh.Name, OrderNo: prev.Number, Code: "check_after_close",
					Args: map[string]string{"check": prev.Number, "status": string(o.Status)}})
				return "after close"
			}
			// Two closes: the one closed later is the check (a till that
			// sends an older close again after a newer one is not obeyed).
			if was, err := prev.Order(); err == nil && source.In(o.Status, k.Final) && !o.Paid.IsZero() && o.Paid.Before(was.Paid) {
				_ = e.Store.AddEvent(ctx, store.Event{Shop: sh.Name, OrderNo: prev.Number, Code: "check_older_close",
					Args: map[string]string{"check": prev.Number}})
				return "older close"
			}
		}
	}
	// Nothing can be fetched from a kind that only pushes: of two
	// snapshots in one millisecond, the one processed later (received
	// later) is what the shop said last.
	_, fetches := src.(source.Fetcher)
	out, err := e.applyOrder(ctx, sh, o, d.Body, !fetches)
	if err != nil {
		return fail(err)
	}
	if till(k) && (source.In(o.Status, k.Final) || source.In(o.Status, k.Gone)) {
		// Counted now, in a transaction of its own; one a crash leaves
		// uncounted is counted by the next CloseDays.
		if err := e.Store.InTx(ctx, func(tx *store.Tx) error { return e.countCheck(ctx, tx, sh, o.ID) }); err != nil {
			return fail(err)
		}
	}
	return out.String()
}

// subscriptionEnded records that a subscription ended (Plug&Pay's
// "Opzeggingen"): one event for the shop, and one per order of it that
// Orderbrug knows, so the order's detail shows it. Nothing is booked.
func (e *Engine) subscriptionEnded(ctx context.Context, sh store.Shop, src source.Source, d store.Delivery) string {
	id := strings.TrimPrefix(d.OrderID, source.SubscriptionPrefix)
	if id == "" {
		_ = e.Store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: "delivery_unusable",
			Detail: "subscription ended: the delivery names no subscription"})
		return "error: no subscription"
	}
	fail := func(err error) string {
		_ = e.Store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: "delivery_unusable", Detail: err.Error()})
		return "error: " + err.Error()
	}
	sub := source.Subscription{ID: id}
	if sf, ok := src.(source.SubscriptionFetcher); ok {
		// The delivery is only a hint (it may be unsigned, even forged):
		// what the shop says of the subscription is what is recorded.
		got, err := sf.Subscription(ctx, id)
		if err != nil {
			return fail(fmt.Errorf("subscription %s could not be confirmed with the shop, nothing recorded: %w", id, err))
		}
		switch got.Status {
		case "ended", "cancelled", "inactive": // APIS.md §1.5: what an ended one is
		default:
			return fail(fmt.Errorf("subscription %s is %q in the shop, not ended: nothing recorded", id, got.Status))
		}
		if got.ID == "" {
			got.ID = id
		}
		sub = got
	}
	args := func() map[string]string {
		return map[string]string{"subscription": sub.ID, "customer": sub.Customer, "product": sub.Product}
	}
	if err := e.Store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: "subscription_ended", Args: args()}); err != nil {
		return "error: " + err.Error()
	}
	for _, oid := range sub.OrderIDs {
		rec, err := e.Store.Record(ctx, sh.ID, oid)
		if err != nil {
			continue // not an order Orderbrug knows
		}
		_ = e.Store.AddEvent(ctx, store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "subscription_ended", Args: args()})
	}
	e.changed()
	return "subscription_ended"
}

// seen is when, in one inbox run, each shop's poll (key: its slug) and each
// order's fetch (slug NUL order id) that went through began.
type seen map[string]time.Time

// covers reports whether what d asks for was polled or fetched after d
// (each of its repeats) was received: what the shop said then includes all
// d could mean. Times are compared to the millisecond the inbox keeps, and
// a tie is not covered: a fetch too many costs less than a change missed.
func (s seen) covers(key string, d store.Delivery) bool {
	start, ok := s[key]
	if !ok {
		return false
	}
	last := d.ReceivedAt
	if d.LastReceivedAt.After(last) {
		last = d.LastReceivedAt
	}
	return last.Before(start)
}

// done records that the poll or fetch of key, begun at start, went through.
func (s seen) done(key string, start time.Time) { s[key] = start.Truncate(time.Millisecond) }
