package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// Attention is a group of one shop's orders that wait on a person, and why:
// the Overzicht tab, the tray, and the summary and exit code of sync.
type Attention struct {
	Shop  string `json:"shop"`
	State State  `json:"state"`
	// Reason is the reason code (the UI's sentence "reason.<code>"); Args
	// its figures. For seller_incomplete they are the fields missing now
	// ("missing": "vat_id,kvk", "invalid": ...), for a group of one order
	// that order's figures.
	Reason string            `json:"reason"`
	Args   map[string]string `json:"args,omitempty"`
	Count  int               `json:"count"`
}

// BookingWaits reports whether the group keeps a booking from being made
// until a person acts: a booking that waits for seller details or a ledger,
// one that failed, an order in another currency that needs its rate, or a
// booked order the shop changed afterwards (its credit note waits). Each of
// them makes sync and recheck exit non-zero: the books are not complete
// until someone acts. Orders parked for their status are not in the list:
// they wait on the shop, not on a person.
func (a Attention) BookingWaits() bool {
	if a.Reason == ledger.ReasonUnreachable && a.Args["long"] == "" {
		// Waits on time: the package answers again, Orderbrug retries.
		// Not past the hour (see unavailableAttempts): a mistyped API
		// URL, a package gone for good, is a person's matter then.
		return false
	}
	return a.State == Queued || a.State == Failed || a.State == Booked ||
		a.Reason == engine.ReasonCurrency
}

// ownerWaits are the reasons, per state, for which an order waits on a
// person; every failed order does too.
var ownerWaits = map[store.State][]string{
	// The online ledgers': a refused token, a VAT case or account not
	// mapped, a closed period. A rate limit and a package that does not
	// answer (ledger_unreachable: a 5xx, a timeout, a host not found)
	// wait on time, not on a person. ledger_unreachable and
	// ledger_unavailable (the invoice folder or the UBL copy's cannot be
	// written) are a person's only once they have lasted: see
	// unavailableAttempts.
	store.Queued: {engine.ReasonSellerIncomplete, engine.ReasonNoLedger,
		ledger.ReasonUnauthorized, ledger.ReasonVATUnmapped, ledger.ReasonAccountUnmapped, ledger.ReasonPeriodLocked},
	store.Parked: {engine.ReasonCurrency},
	store.Booked: {engine.ReasonCreditFailed},
}

// Attention lists what waits on a person, per shop and reason: bookings
// that wait for seller details or a ledger, failed bookings, orders in a
// currency that needs a rate, and booked orders changed afterwards.
func (s *Service) Attention(ctx context.Context) ([]Attention, error) {
	return s.attention(ctx, 0)
}

func (s *Service) attention(ctx context.Context, shopID int64) ([]Attention, error) {
	rcs, err := s.store.OwnerWaits(ctx, shopID, ownerWaits)
	if err != nil {
		return nil, err
	}
	long, err := s.longUnavailable(ctx, shopID)
	if err != nil {
		return nil, err
	}
	if len(long) > 0 {
		rcs = append(rcs, long...)
		sort.SliceStable(rcs, func(i, j int) bool {
			a, b := rcs[i], rcs[j]
			if a.ShopID != b.ShopID {
				return a.ShopID < b.ShopID
			}
			if a.State != b.State {
				return a.State < b.State
			}
			return a.Reason < b.Reason
		})
	}
	if len(rcs) == 0 {
		return nil, nil
	}
	names := map[int64]string{}
	var sellerArgs map[string]string
	out := make([]Attention, 0, len(rcs))
	for _, rc := range rcs {
		name, ok := names[rc.ShopID]
		if !ok {
			sh, err := s.store.ShopByID(ctx, rc.ShopID)
			if err != nil {
				return nil, err
			}
			name, names[rc.ShopID] = sh.Name, sh.Name
		}
		a := Attention{Shop: name, State: State(rc.State), Reason: rc.Reason, Count: rc.Count}
		switch {
		case rc.Reason == engine.ReasonSellerIncomplete:
			if sellerArgs == nil {
				sellerArgs = s.sellerMissing(ctx)
			}
			a.Args = sellerArgs
			if len(a.Args) == 0 {
				a.Args = ReasonArgs(rc.Arg)
			}
		case rc.Reason == engine.ReasonNoLedger:
			// An online ledger chosen without its token: the line says
			// to connect it again, not to choose a folder.
			if ls, err := s.LedgerSettings(ctx); err == nil {
				if _, online := ledgers.Lookup(ls.Kind); online {
					a.Args = map[string]string{"kind": ls.Kind}
				}
			}
		case rc.Reason == store.ReasonChangedAfterBooking:
			if rc.Count == 1 {
				a.Args = map[string]string{"note": rc.Arg}
			}
		case rc.Reason == ledger.ReasonVATUnmapped || rc.Reason == ledger.ReasonAccountUnmapped:
			// A line per case, so that each names what to map.
			groups, err := s.byCase(ctx, rc)
			if err != nil {
				return nil, err
			}
			for _, g := range groups {
				out = append(out, Attention{Shop: name, State: a.State, Reason: rc.Reason, Args: g.args, Count: g.count})
			}
			continue
		case rc.Reason == ledger.ReasonUnreachable:
			// Only past the hour (longUnavailable): the sentence says
			// it has lasted, not that Orderbrug will manage on its own.
			a.Args = map[string]string{}
			if rc.Count == 1 {
				maps.Copy(a.Args, ReasonArgs(rc.Arg))
			}
			a.Args["long"] = "1"
		case rc.Reason == ledger.ReasonUnauthorized:
			// The package's code (MODULE_001: e-Boekhouden's free
			// trial is used up) of one of them: one token, one refusal.
			a.Args = ReasonArgs(rc.Arg)
		case rc.Count == 1:
			a.Args = ReasonArgs(rc.Arg)
		}
		out = append(out, a)
	}
	return out, nil
}

// caseGroup is the orders of a reason count that wait for one VAT case.
type caseGroup struct {
	args  map[string]string
	count int
}

// byCase splits rc (queued orders waiting for a VAT case or an account to
// be mapped) by the case each waits for, in the order of ledger.Cases
// (other cases, e-Boekhouden's "debtor", after them).
func (s *Service) byCase(ctx context.Context, rc store.ReasonCount) ([]caseGroup, error) {
	rows, err := s.store.DB().QueryContext(ctx, `SELECT reason_arg, COUNT(*) FROM orders
		WHERE shop_id = ? AND state = ? AND reason = ? GROUP BY reason_arg`, rc.ShopID, string(rc.State), rc.Reason)
	if err != nil {
		return nil, fmt.Errorf("orders by VAT case: %w", err)
	}
	defer rows.Close()
	byCase := map[string]*caseGroup{}
	var order []string
	for rows.Next() {
		var arg string
		var n int
		if err := rows.Scan(&arg, &n); err != nil {
			return nil, err
		}
		c := ReasonArgs(arg)["case"]
		g, ok := byCase[c]
		if !ok {
			g = &caseGroup{args: map[string]string{}}
			if c != "" {
				g.args["case"] = c
			}
			byCase[c] = g
			order = append(order, c)
		}
		g.count += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rank := func(c string) int {
		for i, x := range ledger.Cases {
			if string(x) == c {
				return i
			}
		}
		return len(ledger.Cases)
	}
	sort.SliceStable(order, func(i, j int) bool { return rank(order[i]) < rank(order[j]) })
	out := make([]caseGroup, 0, len(order))
	for _, c := range order {
		out = append(out, *byCase[c])
	}
	return out, nil
}

// unavailableAttempts is when a booking the ledger could not take waits
// on a person: after this many attempts. That is ledger_unavailable (the
// invoice folder, or the UBL copy's, cannot be written: a removed USB
// stick, a network share away, permissions, a full disk) and
// ledger_unreachable (the online package did not answer: an outage, a
// timeout, but also a mistyped --api-url whose host is not found, an
// answer Orderbrug does not know). With the engine's backoff (1, 2, 4 ...
// minutes) the seventh comes after 63 minutes of failing: a share or a
// package that is back within the hour is no one's matter, and cron's
// sync does not exit 3 for it; one away for longer is.
const unavailableAttempts = 7

// longUnavailable counts, per shop (all for shopID 0) and reason, the
// queued orders that wait on a ledger away for long:
//   - ledger_unavailable: the booking has failed unavailableAttempts times
//     or more (each booking tries the folder itself);
//   - ledger_unreachable: the package has not answered a booking that
//     many times. The engine asks a package that does not answer with one
//     booking per round, the rest waiting for that one's retry without an
//     attempt of their own: once that booking (the booking's own reason,
//     so a booked order's credit note too) has tried for over an hour,
//     every booking waiting for the package counts, whatever its shop.
func (s *Service) longUnavailable(ctx context.Context, shopID int64) ([]store.ReasonCount, error) {
	rows, err := s.store.DB().QueryContext(ctx, `SELECT o.shop_id, o.reason, MAX(o.reason_arg), COUNT(DISTINCT o.ext_id) FROM orders o
		JOIN outbox b ON b.shop_id = o.shop_id AND b.ext_id = o.ext_id
		WHERE (? = 0 OR o.shop_id = ?) AND o.state = 'queued' AND b.state = 'pending' AND (
			(o.reason = ? AND b.attempts >= ?) OR
			(o.reason = ? AND EXISTS (SELECT 1 FROM orders o2 JOIN outbox b2 ON b2.shop_id = o2.shop_id AND b2.ext_id = o2.ext_id
				WHERE b2.state = 'pending' AND b2.attempts >= ? AND (b2.reason = ? OR (o2.state = 'queued' AND o2.reason = ?)))))
		GROUP BY o.shop_id, o.reason ORDER BY o.shop_id, o.reason`, shopID, shopID,
		engine.ReasonLedgerUnavailable, unavailableAttempts,
		ledger.ReasonUnreachable, unavailableAttempts, ledger.ReasonUnreachable, ledger.ReasonUnreachable)
	if err != nil {
		return nil, fmt.Errorf("bookings the ledger cannot take: %w", err)
	}
	defer rows.Close()
	var out []store.ReasonCount
	for rows.Next() {
		rc := store.ReasonCount{State: store.Queued}
		if err := rows.Scan(&rc.ShopID, &rc.Reason, &rc.Arg, &rc.Count); err != nil {
			return nil, err
		}
		out = append(out, rc)
	}
	return out, rows.Err()
}

// sellerMissing is the seller details missing and malformed now, as the
// figures of reason seller_incomplete; empty when they are complete.
func (s *Service) sellerMissing(ctx context.Context) map[string]string {
	sel, err := s.Seller(ctx)
	if err == nil {
		err = sel.Check()
	}
	if err == nil {
		return map[string]string{}
	}
	if _, args := order.Failure(err); len(args) > 0 {
		return args
	}
	return map[string]string{}
}

// ReasonArgs reads an order's reason argument: a JSON object of figures for
// a booking failure ({"field":"total","got":"137.54",...,"kind":"invoice"}),
// a plain string for a parking reason (the status, the currency), returned
// as {"arg": ...}. Empty gives nil.
func ReasonArgs(arg string) map[string]string {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return nil
	}
	if strings.HasPrefix(arg, "{") {
		var raw map[string]any
		if json.Unmarshal([]byte(arg), &raw) == nil {
			out := make(map[string]string, len(raw))
			for k, v := range raw {
				switch v := v.(type) {
				case string:
					out[k] = v
				case nil:
				default:
					b, _ := json.Marshal(v)
					out[k] = string(b)
				}
			}
			return out
		}
	}
	return map[string]string{"arg": arg}
}

// WaitingError is what the sync and recheck commands return when, after
// their work, bookings wait on something a person must fix; its Attention
// says what. Its code is CodeWaiting (exit code 3).
type WaitingError struct {
	Attention []Attention
}

func (e *WaitingError) Error() string {
	n := 0
	for _, a := range e.Attention {
		n += a.Count
	}
	return fmt.Sprintf("%d orders wait on you: %s", n, strings.Join(AttentionLines(e.Attention), "; "))
}

// waitingError is a *WaitingError for the groups of att whose bookings
// wait on a person (see BookingWaits), nil when none do.
func waitingError(att []Attention) error {
	var waits []Attention
	for _, a := range att {
		if a.BookingWaits() {
			waits = append(waits, a)
		}
	}
	if len(waits) == 0 {
		return nil
	}
	return &Error{Code: CodeWaiting, Err: &WaitingError{Attention: waits}}
}

// AttentionOf returns what waits on a person according to err (a
// *WaitingError in its chain), nil otherwise.
func AttentionOf(err error) []Attention {
	var we *WaitingError
	if errors.As(err, &we) {
		return we.Attention
	}
	return nil
}

// sellerFlags are the `seller set` flags of the seller fields.
var sellerFlags = map[string]string{
	order.SellerName: "--name", order.SellerKvK: "--kvk", order.SellerVATID: "--vat", order.SellerStreet: "--street",
	order.SellerPostcode: "--postcode", order.SellerCity: "--city", order.SellerCountry: "--country",
	order.SellerIBAN: "--iban",
}

// AttentionLines says in English, one line per group, what waits and what
// to do: for a terminal (the GUI has Dutch sentences for the reasons).
func AttentionLines(att []Attention) []string {
	lines := make([]string, 0, len(att))
	for _, a := range att {
		what := fmt.Sprintf("%s: %d %s", a.Shop, a.Count, plural(a.Count, "order", "orders"))
		var why string
		switch a.Reason {
		case engine.ReasonSellerIncomplete:
			var flags []string
			for _, f := range splitList(a.Args["missing"] + "," + a.Args["invalid"]) {
				if fl, ok := sellerFlags[f]; ok {
					flags = append(flags, fl)
				} else {
					flags = append(flags, f)
				}
			}
			why = "wait for the seller details"
			if m := a.Args["missing"]; m != "" {
				why += "; missing: " + strings.ReplaceAll(m, ",", ", ")
			}
			if v := a.Args["invalid"]; v != "" {
				why += "; not valid: " + strings.ReplaceAll(v, ",", ", ")
			}
			if len(flags) > 0 {
				why += " (orderbrug seller set " + strings.Join(flags, " ... ") + " ...)"
			}
		case engine.ReasonNoLedger:
			why = "wait for a ledger (orderbrug ledger ubl --dir DIR)"
			if k := a.Args["kind"]; k != "" {
				why = "wait: " + ledgerName(k) + " has no token (connect again: orderbrug ledger " + k + " --token -)"
			}
		case engine.ReasonLedgerUnavailable:
			why = "wait: the invoice folder cannot be written, for over an hour now; Orderbrug retries (check the folder: orderbrug ledger status)"
		case ledger.ReasonUnreachable:
			why = plural(a.Count, "waits", "wait") + " for the ledger to be reachable; Orderbrug retries"
			if a.Args["long"] != "" {
				why = "wait: the accounting package has been unreachable for over an hour; Orderbrug retries " +
					"(check the connection and the API URL: orderbrug ledger status)"
			}
		case ledger.ReasonUnauthorized:
			why = "wait: the accounting package refuses the token (orderbrug ledger status; connect again with --token -)"
			if a.Args["code"] == "MODULE_001" {
				why = "wait: the e-Boekhouden subscription allows no more bookings (the free trial's limit is reached); extend it in e-Boekhouden"
			}
		case ledger.ReasonAccountUnmapped:
			if a.Args["case"] == "debtor" {
				// Not a case of the mapping: e-Boekhouden's own ledger.
				why = "wait: e-Boekhouden has no debtors ledger (make one of category Debiteuren, such as 1300, in e-Boekhouden)"
				break
			}
			fallthrough
		case ledger.ReasonVATUnmapped:
			need := "a tax rate or VAT code"
			if a.Reason == ledger.ReasonAccountUnmapped {
				need = "a revenue account"
			}
			why = "wait for " + need
			if c := a.Args["case"]; c != "" {
				why += " for VAT case " + c
			}
			why += " (orderbrug ledger vat-map)"
		case ledger.ReasonPeriodLocked:
			why = "wait: the accounting package's period is closed"
			if d := a.Args["date"]; d != "" {
				why += " for " + d
			}
			why += " (open it in the package)"
		case engine.ReasonCurrency:
			why = "are not in EUR: book each with its rate (orderbrug order book SHOP NUMBER --rate R)"
		case store.ReasonChangedAfterBooking:
			why = "changed in the shop after booking (orderbrug orders --changed)"
		case engine.ReasonCreditFailed:
			why = "have a credit note that failed (orderbrug orders --state booked)"
		default:
			why = "failed: " + a.Reason
			if len(a.Args) > 0 {
				why += " (" + formatArgs(a.Args) + ")"
			}
			why += " (orderbrug orders --state failed)"
		}
		lines = append(lines, what+" "+why)
	}
	return lines
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func formatArgs(args map[string]string) string {
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + args[k]
	}
	return strings.Join(parts, " ")
}
