package ui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// reasonCodes are every app.Reason* and order.Failure code; each has a
// sentence "reason.<code>" that may use the code's figures by name
// ({{.got}}, {{.want}}, ...), amounts written as the language does.
var reasonCodes = []string{app.ReasonNotForwarded, app.ReasonCheckoutDraft, app.ReasonDeleted,
	app.ReasonBeforeStart, app.ReasonIgnoredByUser, app.ReasonBookedByUser, app.ReasonSellerIncomplete,
	app.ReasonMismatch, app.ReasonLedgerRejected, app.ReasonLedgerUnavailable, app.ReasonNoLedger,
	app.ReasonCancelled, app.ReasonWaitingForInvoice, app.ReasonCurrency, app.ReasonUnparseable,
	app.ReasonCreditFailed, app.ReasonRefundGone, app.ReasonChangedAfterBooking,
	app.ReasonRecurringOff, app.ReasonProductFilter, app.ReasonPartOfOrder,
	app.ReasonDayCollecting, app.ReasonInDaySummary, app.ReasonDayEmpty, app.ReasonCheckEmpty,
	order.ReasonTotalsMismatch, order.ReasonVATSubtotal, order.ReasonBuyerNameMissing, order.ReasonBuyerVATIDMissing,
	order.ReasonBuyerVATIDInvalid, order.ReasonRefundTooLarge, order.ReasonRefundAmount, order.ReasonCurrencyRate,
	order.ReasonLineCategory, order.ReasonLineVAT, order.ReasonOutOfScopeMixed, order.ReasonNoLines,
	order.ReasonNegativeTotal, order.ReasonSellerIncomplete, order.ReasonInvoiceInvalid,
	// The online ledgers'.
	ledger.ReasonRateLimited, ledger.ReasonUnauthorized, ledger.ReasonVATUnmapped, ledger.ReasonAccountUnmapped,
	ledger.ReasonPeriodLocked, ledger.ReasonUnreachable}

// moneyArgs are the figures of reason codes that are amounts ("137.54").
var moneyArgs = []string{"got", "want", "diff", "total", "refunded", "invoiced", "taxable", "amount"}

// sellerFields are the seller details an invoice needs, in form order; each
// has "sellerfield.<name>".
var sellerFields = []string{order.SellerName, order.SellerKvK, order.SellerVATID, order.SellerStreet,
	order.SellerPostcode, order.SellerCity, order.SellerCountry, order.SellerIBAN}

// reasonText is the sentence for why an order is where it is ("Status
// 'on-hold' wordt niet doorgezet."). arg is the order's reason argument: a
// JSON object of figures for a booking failure, a plain string (a status, a
// currency) for a parking reason. An unknown code shows as is.
func reasonText(code, arg string) string {
	return reasonSentence(code, app.ReasonArgs(arg))
}

// orderReasonText is the sentence of an order's reason as its kind says
// it, where the kind has one of its own ("reason.<code>.<kind>": a till's
// check parked open is a check not yet paid, not an order's status).
func orderReasonText(v app.OrderView) string {
	return kindReasonSentence(v.Reason, app.ReasonArgs(v.ReasonArg), v.Source)
}

// reasonSentence is reasonText with the figures already read.
func reasonSentence(code string, args map[string]string) string {
	return kindReasonSentence(code, args, "")
}

// kindReasonSentence is reasonSentence in the words of kind ("" any).
func kindReasonSentence(code string, args map[string]string, kind order.Source) string {
	if code == "" {
		return ""
	}
	plain := args["arg"]
	if dayReasons[code] && plain != "" && args["day"] == "" {
		// A check's day summary: its argument is the day.
		args = copyArgs(args)
		args["day"] = plain
	}
	data := map[string]any{"Arg": plain, "Status": statusText(orderStatus(plain))}
	for k, v := range args {
		data[k] = v
	}
	if n := args["note"]; n != "" {
		data["note"] = changeParts(n)
	}
	for _, k := range moneyArgs {
		if v, ok := args[k]; ok {
			if m, err := order.ParseMoney(v); err == nil {
				if k == "diff" && m < 0 {
					m = -m // "0,90 verschil", whichever way
				}
				data[k] = formatMoney(m, "")
			}
		}
	}
	if code == app.ReasonCurrency && args["currency"] == "" && plain != "" {
		args = copyArgs(args)
		args["currency"] = plain
		data["currency"] = plain
	}
	if k := args["kind"]; k != "" {
		data["kind_text"] = tr("kind."+k, k)
	} else {
		data["kind_text"] = tr("kind.invoice", "invoice")
	}
	if f := args["field"]; f != "" {
		data["field_text"] = tr("reason.field."+f, f)
	}
	if code == app.ReasonSellerIncomplete {
		data["fields_text"] = sellerFieldsText(args)
	}
	tillFigures(args, data)
	ledgerFigures(args, data)
	fallback := code
	if plain != "" {
		fallback += " " + plain
	}
	key := "reason." + code
	if own := key + "." + string(kind); kind != "" && known[own] {
		key = own
	}
	if v := reasonVariant(code, args); v != "" && known[key+"."+v] {
		key += "." + v
	}
	for _, k := range reasonFigures[code] {
		if args[k] == "" {
			// A record from before figures were kept: the sentence
			// without them.
			key += ".plain"
			break
		}
	}
	return tr(key, fallback, data)
}

// reasonVariant is the sentence of its own a reason has for some figures
// ("reason.<code>.<variant>"), "" for none: an account_unmapped of
// e-Boekhouden's debtors ledger (case "debtor", not a VAT case), a refused
// token that is e-Boekhouden's subscription (code MODULE_001: the free
// trial's limit), a package unreachable for over an hour (figure "long").
func reasonVariant(code string, args map[string]string) string {
	switch {
	case code == ledger.ReasonAccountUnmapped && args["case"] == "debtor":
		return "debtor"
	case code == ledger.ReasonUnauthorized && args["code"] == "MODULE_001":
		return "module"
	case code == ledger.ReasonUnreachable && args["long"] != "":
		// Past the hour (app's attention list): it has lasted.
		return "long"
	}
	return ""
}

// reasonFigures are the figures each reason's sentence shows; without them
// (older records) its ".plain" sentence is used.
var reasonFigures = map[string][]string{
	order.ReasonTotalsMismatch:    {"field", "got", "want", "diff"},
	order.ReasonVATSubtotal:       {"rate", "got", "want"},
	order.ReasonBuyerVATIDMissing: {"category"},
	order.ReasonBuyerVATIDInvalid: {"vat_id"},
	order.ReasonRefundTooLarge:    {"refunded", "invoiced"},
	order.ReasonRefundAmount:      {"amount"},
	order.ReasonCurrencyRate:      {"currency"},
	ledger.ReasonRateLimited:      {"until"},
	ledger.ReasonVATUnmapped:      {"case"},
	ledger.ReasonAccountUnmapped:  {"case"},
	ledger.ReasonPeriodLocked:     {"date"},
	order.ReasonLineCategory:      {"line", "category"},
	order.ReasonLineVAT:           {"line"},
	order.ReasonNegativeTotal:     {"total"},
	app.ReasonCurrency:            {"currency"},
	app.ReasonDayCollecting:       {"day", "checks", "closes"},
	app.ReasonInDaySummary:        {"day"},
	app.ReasonDayEmpty:            {"day"},
}

// dayReasons have the day as their plain argument.
var dayReasons = map[string]bool{app.ReasonInDaySummary: true, app.ReasonDayEmpty: true}

// tillFigures writes a till's figures as the language does: the business
// day ("2026-12-01") as a date, a moment ("closes", RFC 3339) on the
// till's clock, the number of checks with its plural ("checks_text").
func tillFigures(args map[string]string, data map[string]any) {
	if d := args["day"]; d != "" {
		data["day"] = dayText(d)
	}
	if d := args["into"]; d != "" {
		data["into"] = dayText(d)
	}
	if c := args["closes"]; c != "" {
		if t, err := time.Parse(time.RFC3339, c); err == nil {
			// On the till's own clock (the engine writes the cut-off with
			// Amsterdam's offset): "04:00" as the owner set it, also on a
			// computer whose clock is in another zone.
			data["closes"] = dayText(t.Format("2006-01-02")) + " " + t.Format("15:04")
		}
	}
	if c := args["checks"]; c != "" {
		if n, err := strconv.Atoi(c); err == nil {
			data["checks_text"] = lang.N("till.checks", n, map[string]any{"N": formatNumber(n)})
		}
	}
	// late: checks of earlier days that came in after their day closed,
	// counted on this one; "" when none.
	data["late_text"] = ""
	if n, err := strconv.Atoi(args["late"]); err == nil && n > 0 {
		data["late_text"] = lang.N("till.late", n, map[string]any{"N": formatNumber(n)})
	}
}

// dayText writes a business day ("2026-12-01") as a date: "1 dec 2026".
func dayText(day string) string {
	t, err := time.ParseInLocation("2006-01-02", day, time.Local)
	if err != nil {
		return day
	}
	return formatDate(t)
}

func copyArgs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// sellerFieldsText says which seller details are missing and which are
// malformed: ": het btw-nummer ontbreekt", "" when the figures do not say.
func sellerFieldsText(args map[string]string) string {
	names := func(list string) string {
		var out []string
		for _, f := range strings.Split(list, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, tr("sellerfield."+f, f))
			}
		}
		return strings.Join(out, ", ")
	}
	var parts []string
	if m := names(args["missing"]); m != "" {
		parts = append(parts, lang.L("reason.seller_missing", map[string]any{"Fields": m}))
	}
	if v := names(args["invalid"]); v != "" {
		parts = append(parts, lang.L("reason.seller_invalid", map[string]any{"Fields": v}))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

// attentionText is one line of what waits on the owner: how many orders of
// which shop, and why ("Koffiebar: 293 bestellingen wachten: ...").
func attentionText(a app.Attention) string {
	return lang.N("attention.line", a.Count, map[string]any{"Shop": a.Shop, "N": formatNumber(a.Count),
		"Reason": reasonSentence(a.Reason, a.Args)})
}

// eventCodes are the codes the engine and the service log; each has a
// sentence "event.<code>". TestEveryEventCodeHasASentence keeps the list in
// step with the sources.
var eventCodes = []string{"order_parked", "order_queued", "order_before_start", "booked", "booking_failed",
	"booking_retry", "booking_cancelled", "poll_failed", "poll_done", "recheck_done", "recheck_failed",
	"shop_added", "shop_changed", "shop_removed", "forward_changed", "tunnel_set", "booked_by_user",
	"ignored_by_user", "unignored_by_user", "retry_by_user", "deleted_after_booking", "status_after_booking",
	"delivery_unusable", "shop_renamed", "since_changed", "change_credited", "change_handled", "order_unreadable", "changed_after_booking", "webhook_ping", "webhook_reactivated", "webhook_register_failed", "webhook_rejected", "tunnel_up", "tunnel_down", "shop_connected", "webhook_not_registered", "webhook_disabled_seen", "tunnel_own_url", "webhook_unreachable",
	"orders_unbookable", "housekeeping_pruned", "backup_failed", "recheck_missed",
	"order_ignored", "shop_options", "subscription_ended", "order_part_of", "credit_before_start",
	// A till's: a day summary closed, a check counted in one, counted
	// again with other totals, a repeat, a change after its close.
	"day_closed", "check_counted", "check_correction", "check_repeat", "check_after_close",
	// A check that came in after its day closed, counted on a later day;
	// an older close that came in after a newer one.
	"check_late", "check_older_close",
	// Webhooks on for a kind that registers nothing (a till), without a
	// public URL to be called at.
	"webhook_no_public_url",
	// Webhooks turned on or off for a shop.
	"webhook_on", "webhook_off",
	// The online ledgers': bookings wait for the rate limit; the package
	// computed other VAT than the shop charged; its VAT could not be read
	// back (e-Boekhouden); its net revenue on an account or its VAT in
	// EUR differs from the shop's (Moneybird); the booking took another
	// invoice number, its own being another invoice's (e-Boekhouden).
	// (The packages' own warning codes by value: the interface names no
	// ledger kind; TestEveryEventCodeHasASentence reads their Warn*
	// constants.)
	ledger.ReasonRateLimited, ledger.WarnVATDiffers, "ledger_vat_unchecked", "ledger_net_differs",
	"ledger_vat_eur_differs", "ledger_number_changed"}

// pollKinds are engine.KindName's answers; each has "pollkind.<kind>".
var pollKinds = []string{"auth", "not_found", "network", "bad_response", "bad_request", "unknown"}

// eventText turns a log line into a sentence in the interface language. The
// arguments are available to the sentence by name ({{.status}}), with
// translated forms of the reason, kind and status. A code without a
// sentence shows as the code with its arguments and detail, so nothing is
// hidden.
func eventText(e app.Event) string {
	data := map[string]any{"order": e.OrderNo, "shop": e.Shop}
	for k, v := range e.Args {
		data[k] = v
	}
	if r := e.Args["reason"]; r != "" {
		// The event's own arguments are the reason's figures.
		figures := copyArgs(e.Args)
		if st := e.Args["status"]; st != "" {
			figures["arg"] = st
		}
		data["reason_text"] = reasonSentence(r, figures)
	}
	if n := e.Args["note"]; n != "" {
		data["note"] = changeParts(n)
	}
	if a := e.Args["amount"]; a != "" {
		data["amount"] = noteMoney(a)
	}
	if a := e.Args["total"]; a != "" {
		data["total"] = noteMoney(a)
	}
	tillFigures(e.Args, data)
	ledgerFigures(e.Args, data)
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
	key := "event." + e.Code
	if own := key + "." + string(e.Source); e.Source != "" && known[own] {
		// The kind's own words: a till's check is a "bon".
		key = own
		data["noun"] = tillNoun(e.OrderNo)
	}
	return tr(key, fallbackEvent(e), data)
}

// tillNoun names a till's order by its number: a day summary
// ("dag-2026-12-01-…") is the day's takings, anything else a check.
func tillNoun(number string) string {
	if strings.HasPrefix(number, "dag-") {
		return lang.L("till.noun.day")
	}
	return lang.L("till.noun.check")
}

// fallbackEvent shows an unknown event as its code, arguments and detail.
func fallbackEvent(e app.Event) string {
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
func levelText(l app.Level) string { return tr("level."+string(l), string(l)) }

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

// changeText is the sentence for a change after booking ("Na boeking
// gewijzigd: geannuleerd; totaal € 42,06 → € 35,00").
func changeText(note string) string {
	if note == "" {
		return ""
	}
	return lang.L("change.after_booking", map[string]any{"Changes": changeParts(note)})
}

// changeParts writes the engine's change note ("status cancelled; total
// 42.06 -> 35.00", English, for logs) in the interface language, for every
// sentence that shows it: Open, Overzicht, the tray and the Logboek.
func changeParts(note string) string {
	if note == "" {
		return ""
	}
	var parts []string
	for _, p := range strings.Split(note, "; ") {
		switch {
		case p == "deleted":
			parts = append(parts, lang.L("change.deleted"))
		case strings.HasPrefix(p, "status refunded, "):
			var refunded, total string
			if f := strings.Fields(strings.TrimPrefix(p, "status refunded, ")); len(f) == 4 {
				refunded, total = f[0], f[2]
			}
			parts = append(parts, lang.L("change.refunded_by_edit", map[string]any{
				"Refunded": noteMoney(refunded), "Total": noteMoney(total)}))
		case strings.HasPrefix(p, "status "):
			st := order.Status(strings.TrimPrefix(p, "status "))
			parts = append(parts, lang.L("change.status", map[string]any{"Status": statusText(st)}))
		case strings.HasPrefix(p, "total "):
			from, to, _ := strings.Cut(strings.TrimPrefix(p, "total "), " -> ")
			parts = append(parts, lang.L("change.total", map[string]any{"From": noteMoney(from), "To": noteMoney(to)}))
		default:
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; ")
}

// noteMoney formats an amount of a change note ("35.00") as money.
func noteMoney(s string) string {
	m, err := order.ParseMoney(s)
	if err != nil {
		return s
	}
	return formatMoney(m, "EUR")
}

// ledgerFigures writes an online ledger's figures as the language does:
// the end of a rate limit ("until", RFC 3339) as a time of day (with the
// day when it is not today), a VAT case by its name, a period's date as a
// date, the VAT amounts of a difference as money.
func ledgerFigures(args map[string]string, data map[string]any) {
	if u := args["until"]; u != "" {
		if t, err := time.Parse(time.RFC3339, u); err == nil {
			data["until"] = untilText(textClock(), t)
		}
	}
	if c := args["case"]; c != "" {
		data["case_text"] = vatCaseText(ledger.Case(c))
	}
	if d := args["date"]; d != "" {
		data["date"] = dayText(d)
	}
	// A VAT difference (ledger_vat_differs): the shop's and the
	// package's VAT of a rate, as shop_vat and ledger_vat (the event's
	// "shop" is also the shop's name), and the difference.
	// The same for a net revenue (ledger_net_differs, by account) and the
	// VAT in EUR of another currency (ledger_vat_eur_differs): as
	// shop_money, ledger_money and diff_money.
	for _, k := range []string{"shop", "ledger", "diff"} {
		v, ok := args[k]
		if !ok || (args["rate"] == "" && args["account"] == "" && args["currency"] == "") {
			continue
		}
		if m, err := order.ParseMoney(v); err == nil {
			if m < 0 {
				m = -m
			}
			data[k+"_vat"] = formatMoney(m, "EUR")
			data[k+"_money"] = formatMoney(m, "EUR")
		}
	}
	// What was paid of a booking whose VAT differs ("paid"), "" when the
	// warning does not say.
	data["paid_text"] = ""
	if v := args["paid"]; v != "" {
		if m, err := order.ParseMoney(v); err == nil {
			data["paid_text"] = " " + lang.L("event.ledger_vat_differs.paid", map[string]any{"Paid": formatMoney(m.Abs(), "EUR")})
		}
	}
	// A revenue account by its name where the mapping screen has read it
	// ("8000 Omzet"), else by its id.
	if a := args["account"]; a != "" {
		data["account_text"] = a
		if n := textAccountName(a); n != "" {
			data["account_text"] = n
		}
	}
}

// textClock is the interface's clock for the texts (the UI's, which tests
// set); textAccountName names an online ledger's revenue account id from
// what the service keeps, asking nothing ("" when it does not know it).
// New sets both.
var (
	textClock       = time.Now
	textAccountName = func(string) string { return "" }
)

// untilText is the end of a wait: "14:35" today, "3 dec 2026 14:35"
// another day.
func untilText(now, t time.Time) string {
	t, now = t.Local(), now.Local()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04")
	}
	return formatDateTime(t)
}

// vatCaseText names a VAT case of the mapping ("21% btw", "Verlegd
// (diensten binnen de EU)"); a case without a name (a foreign rate) as
// its percentage.
func vatCaseText(c ledger.Case) string {
	return tr("vatcase."+string(c), string(c)+"%")
}
