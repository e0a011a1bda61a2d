package ui

import (
	"sort"
	"strings"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/store"
)

// reasonCodes are every engine.Reason*; each has a sentence "reason.<code>".
var reasonCodes = []string{engine.ReasonNotForwarded, engine.ReasonCheckoutDraft, engine.ReasonDeleted,
	engine.ReasonBeforeStart, engine.ReasonIgnoredByUser, engine.ReasonBookedByUser, engine.ReasonSellerIncomplete,
	engine.ReasonMismatch, engine.ReasonLedgerRejected, engine.ReasonLedgerUnavailable, engine.ReasonNoLedger,
	engine.ReasonCancelled, engine.ReasonWaitingForInvoice}

// reasonText is the sentence for why an order is where it is ("Status
// 'on-hold' wordt niet doorgezet."). An unknown code shows as is.
func reasonText(code, arg string) string {
	if code == "" {
		return ""
	}
	return tr("reason."+code, code+" "+arg, map[string]any{"Arg": arg, "Status": statusText(orderStatus(arg))})
}

// eventCodes are the codes the engine and the service log; each has a
// sentence "event.<code>". TestEveryEventCodeHasASentence keeps the list in
// step with the sources.
var eventCodes = []string{"order_parked", "order_queued", "order_before_start", "booked", "booking_failed",
	"booking_retry", "booking_cancelled", "poll_failed", "poll_done", "recheck_done", "recheck_failed",
	"shop_added", "shop_changed", "shop_removed", "forward_changed", "tunnel_set", "booked_by_user",
	"ignored_by_user", "unignored_by_user", "retry_by_user", "deleted_after_booking", "status_after_booking",
	"delivery_unusable", "webhook_ping", "webhook_reactivated", "webhook_register_failed", "webhook_rejected", "tunnel_up", "tunnel_down", "shop_connected"}

// pollKinds are engine.KindName's answers; each has "pollkind.<kind>".
var pollKinds = []string{"auth", "not_found", "network", "bad_response", "bad_request", "unknown"}

// eventText turns a log line into a sentence in the interface language. The
// arguments are available to the sentence by name ({{.status}}), with
// translated forms of the reason, kind and status. A code without a
// sentence shows as the code with its arguments and detail, so nothing is
// hidden.
func eventText(e store.Event) string {
	data := map[string]any{"order": e.OrderNo, "shop": e.Shop}
	for k, v := range e.Args {
		data[k] = v
	}
	if r := e.Args["reason"]; r != "" {
		data["reason_text"] = reasonText(r, e.Args["status"])
	}
	if k := e.Args["kind"]; k != "" {
		data["kind_text"] = tr("pollkind."+k, k)
		data["doc_text"] = tr("kind."+k, k)
	}
	if s := e.Args["status"]; s != "" {
		data["status_text"] = statusText(orderStatus(s))
	}
	if s := e.Args["statuses"]; s != "" {
		var names []string
		for _, x := range strings.Split(s, ",") {
			names = append(names, statusText(orderStatus(x)))
		}
		data["statuses_text"] = strings.Join(names, ", ")
	} else {
		data["statuses_text"] = "–"
	}
	return tr("event."+e.Code, fallbackEvent(e), data)
}

// fallbackEvent shows an unknown event as its code, arguments and detail.
func fallbackEvent(e store.Event) string {
	var b strings.Builder
	b.WriteString(e.Code)
	keys := make([]string, 0, len(e.Args))
	for k := range e.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(" " + k + "=" + e.Args[k])
	}
	if e.OrderNo != "" {
		b.WriteString(" #" + e.OrderNo)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	return b.String()
}

// levelText names an event level.
func levelText(l store.Level) string { return tr("level."+string(l), string(l)) }

// healthText names an Overview.Health.
func healthText(h string) string { return tr("health."+h, h) }

// tunnelText names a tunnel state.
func tunnelText(t app.TunnelStatus) string {
	s := t.State
	if s == "" {
		s = "off"
	}
	return tr("tunnel.state."+s, s)
}

// tunnelStates are TunnelStatus.State's values.
var tunnelStates = []string{"off", "connecting", "online", "offline", "error"}
