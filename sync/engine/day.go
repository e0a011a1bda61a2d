package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// A till (a kind with the option source.OptionBooking) books its closed
// checks one of two ways. Per check: every closed check is an invoice of
// its own, like any order. Per day (the default): the checks of a business
// day are counted in one summary, booked once the day is over as a
// bookkeeper books a till's Z-report ("dagomzet"): a line per VAT rate and
// the number of checks.
//
// The summary is an order of its own, "day/2026-12-01", kept like any
// other: parked (ReasonDayCollecting) while its day is collecting, in the
// Open tab; closed at the day's cut-off (CloseDays), then queued and booked
// by the outbox. What each check counts is kept per VAT rate in day_parts,
// and a summary is always made again from its parts, so that a crash at any
// point loses nothing and counts nothing twice: a check is counted in the
// transaction that records it counted. A check closed again with other
// totals (reopened and closed again) counts the difference: on its own
// day's summary while that day is collecting, else on the summary of the
// day being collected (a correction line), never on a summary that was
// booked.

// Reasons of a till's checks and summaries.
const (
	// ReasonDayCollecting: a day summary whose day is not over (arg: JSON
	// {"day","checks","closes"}).
	ReasonDayCollecting = "day_collecting"
	// ReasonInDaySummary: a closed check counted in a day summary (arg: the
	// day it is counted in; "" while it is being counted).
	ReasonInDaySummary = "in_day_summary"
	// ReasonDayEmpty: a day summary with nothing to book (every check of it
	// voided to nothing).
	ReasonDayEmpty = "day_empty"
	// ReasonCheckEmpty: a closed check with nothing sold, booked per check:
	// nothing to book.
	ReasonCheckEmpty = "check_empty"
)

// DayPrefix starts the ext id of a day summary: "day/2026-12-01".
const DayPrefix = "day/"

// The statuses of a day summary; "closed" is a till's final status, so
// the shop's forward set books it as it books a closed check.
const (
	dayOpen   order.Status = "open"
	dayClosed order.Status = "closed"
)

// DefaultCutoff is when a till's business day ends, local time.
const DefaultCutoff = 4 * time.Hour

// DayNumber is the invoice number of sh's summary of day:
// "dag-2026-12-01-eetcafe". The shop's slug makes it unique among the
// seller's invoices when two tills count days alike (EN 16931 BT-1).
func DayNumber(sh store.Shop, day string) string { return "dag-" + day + "-" + sh.Slug }

// IsDaySummary reports whether extID is a day summary.
func IsDaySummary(extID string) bool { return strings.HasPrefix(extID, DayPrefix) }

// till reports whether kind k books checks (has the booking option).
func till(k *source.Descriptor) bool { return has(k, source.OptionBooking) }

// Daily reports whether sh books its till per day.
func Daily(sh store.Shop, k *source.Descriptor) bool {
	return till(k) && Option(sh, k, source.OptionBooking) != source.BookingPerCheck
}

// Cutoff is when sh's business day ends, as time since midnight.
func Cutoff(sh store.Shop, k *source.Descriptor) time.Duration {
	if d, err := source.ParseClock(Option(sh, k, source.OptionCutoff)); err == nil {
		return d
	}
	return DefaultCutoff
}

// BusinessDay is the day a check belongs to: the till's business day where
// it names one, else the day of its close time on the seller's wall clock
// (Europe/Amsterdam), a day ending at the cut-off: a check closed at 01:30
// belongs to the day before.
func BusinessDay(o order.Order, cutoff time.Duration) string {
	if d, err := time.Parse(time.DateOnly, strings.TrimSpace(o.BusinessDay)); err == nil {
		return d.Format(time.DateOnly)
	}
	t := o.Paid
	if t.IsZero() {
		t = o.Created
	}
	if t.IsZero() {
		t = o.Modified
	}
	return dayOf(t, cutoff)
}

// dayOf is the business day of t with the given cut-off.
func dayOf(t time.Time, cutoff time.Duration) string {
	l := t.In(amsterdam)
	y, m, d := l.Date()
	since := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
	if since < cutoff {
		d--
	}
	return time.Date(y, m, d, 12, 0, 0, 0, amsterdam).Format(time.DateOnly)
}

// DayEnd is when business day ends: the next day at the cut-off, local time.
func DayEnd(day string, cutoff time.Duration) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, day, amsterdam)
	if err != nil {
		return time.Time{}, fmt.Errorf("business day %q: %w", day, err)
	}
	h, m := int(cutoff/time.Hour), int(cutoff%time.Hour/time.Minute)
	return time.Date(d.Year(), d.Month(), d.Day()+1, h, m, 0, 0, amsterdam), nil
}

func nextDay(day string) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, 1).Format(time.DateOnly)
}

// decideTill wraps the decision of a till's shop: summaries by their own
// rule, and, per day, closed checks counted instead of booked.
func decideTill(r rules, base store.DecideFunc) store.DecideFunc {
	daily := Daily(r.sh, r.k)
	return func(prev *store.Record, o order.Order) store.Decision {
		if IsDaySummary(o.ID) {
			return decideDay(r, base, prev, o)
		}
		counted := prev != nil && prev.State == store.Ignored && prev.Reason == ReasonInDaySummary
		if counted && source.In(o.Status, r.k.Gone) {
			// Voided after it was counted: it counts nothing from now on,
			// counted again (a correction) whatever the mode now.
			return store.Decision{State: store.Ignored, Reason: ReasonInDaySummary}
		}
		if !daily && !counted && source.In(o.Status, r.k.Final) && len(o.Lines) == 0 && o.Total == 0 &&
			(prev == nil || prev.State != store.Booked) {
			return store.Decision{State: store.Ignored, Reason: ReasonCheckEmpty}
		}
		if !source.In(o.Status, r.k.Final) || !daily && !counted {
			// Per check, a closed check is booked as an order; one already
			// counted in a day summary stays counted, whatever the mode now.
			return base(prev, o)
		}
		if prev != nil {
			switch {
			case prev.State == store.Booked, prev.State == store.Queued && prev.Reason == ReasonBookedByUser:
				// Booked on its own (per check, or by a person): stays so.
				return base(prev, o)
			case prev.State == store.Ignored && prev.Reason != ReasonInDaySummary && !byOption(prev.Reason):
				return base(prev, o) // a person's decision, or before the start
			}
		}
		if beforeStart(r.sh, o) {
			return base(prev, o)
		}
		d := store.Decision{State: store.Ignored, Reason: ReasonInDaySummary}
		if counted && prev.ReasonArg != "" && sameAmounts(prev, o) {
			// The same close again (or only its bytes changed): counted
			// already, nothing more to count. Decided again as it is (the
			// shop's options changed): nothing to tell either.
			d.ReasonArg = prev.ReasonArg
			if snap, err := json.Marshal(o); err != nil || !bytes.Equal(snap, prev.Snapshot) {
				d.Events = []store.Event{{Shop: r.sh.Name, OrderNo: o.Number, Code: "check_repeat",
					Args: map[string]string{"check": o.Number}}}
			}
		}
		return d
	}
}

// sameAmounts reports whether o counts what prev's snapshot counted.
func sameAmounts(prev *store.Record, o order.Order) bool {
	was, err := prev.Order()
	if err != nil {
		return false
	}
	a, errA := order.Breakdown(was)
	b, errB := order.Breakdown(o)
	if errA != nil || errB != nil || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Category != b[i].Category || a[i].Rate != b[i].Rate || a[i].Taxable != b[i].Taxable || a[i].Tax != b[i].Tax {
			return false
		}
	}
	return true
}

// decideDay decides for a day summary: parked while collecting; once
// closed, booked as the shop's forward set books a closed check. A summary
// that left collecting (queued, booked, failed, ignored by a person) is
// never changed by a new snapshot (none is made for it).
func decideDay(r rules, base store.DecideFunc, prev *store.Record, o order.Order) store.Decision {
	if prev != nil && prev.State != store.Parked {
		return store.Decision{State: prev.State, Reason: prev.Reason, ReasonArg: prev.ReasonArg, Detail: prev.Detail}
	}
	day := strings.TrimPrefix(o.ID, DayPrefix)
	n, late := dayChecks(o)
	checks := fmt.Sprint(n)
	if o.Status != dayClosed {
		closes := ""
		if end, err := DayEnd(day, Cutoff(r.sh, r.k)); err == nil {
			closes = end.Format(time.RFC3339)
		}
		arg, _ := json.Marshal(map[string]string{"day": day, "checks": checks, "late": fmt.Sprint(late), "closes": closes})
		return store.Decision{State: store.Parked, Reason: ReasonDayCollecting, ReasonArg: string(arg)}
	}
	ev := store.Event{Shop: r.sh.Name, OrderNo: o.Number, Code: "day_closed",
		Args: map[string]string{"day": day, "checks": checks, "total": o.Total.String()}}
	if len(o.Lines) == 0 {
		return store.Decision{State: store.Ignored, Reason: ReasonDayEmpty, ReasonArg: day, Events: []store.Event{ev}}
	}
	d := base(prev, o)
	d.Events = append([]store.Event{ev}, d.Events...)
	return d
}

// dayVATSlack is how far a day's VAT of one rate, the checks' VAT added
// up, may lie from taxable × rate before it is computed on the gross
// instead: half of what EN 16931 allows (BR-CO-17: less than 1.00), so the
// few lines of a rate (the day's and its corrections') stay within it.
const dayVATSlack order.Money = 50

// dayNote is the summary's note: "Aantal bonnen: 12".
const dayNote = "Aantal bonnen: "

// dayLateNote counts the checks of earlier days on a summary.
const dayLateNote = "; correcties van eerdere dagen: "

// dayChecks reads a summary's note: its own checks, and those of earlier
// days counted on it.
func dayChecks(o order.Order) (checks, late int) {
	if s, ok := strings.CutPrefix(o.Note, dayNote); ok {
		own, _, _ := strings.Cut(s, ";")
		_, _ = fmt.Sscan(own, &checks)
	}
	if _, s, ok := strings.Cut(o.Note, dayLateNote); ok {
		s, _, _ = strings.Cut(s, ";")
		_, _ = fmt.Sscan(s, &late)
	}
	return checks, late
}

// daySummary makes the summary of a day from its parts: a line per VAT
// category and rate of its own checks, and a line per day and rate of the
// corrections of earlier days' checks, leaving out what adds up to nothing.
func daySummary(sh store.Shop, day string, sum store.DaySum, status order.Status, cutoff time.Duration) order.Order {
	type key struct {
		belongs  string
		category order.Category
		rate     order.Rate
	}
	sums := map[key]*order.Line{}
	var keys []key
	for _, p := range sum.Parts {
		k := key{p.Belongs, p.Category, p.Rate}
		if p.Belongs == day {
			k.belongs = ""
		}
		l, ok := sums[k]
		if !ok {
			l = &order.Line{Kind: order.Product, Quantity: 1, Rate: p.Rate, Category: p.Category}
			sums[k] = l
			keys = append(keys, k)
		}
		l.Net += p.Net
		l.VAT += p.VAT
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.belongs != b.belongs {
			return a.belongs < b.belongs // own day ("") first, then corrections by day
		}
		if a.rate != b.rate {
			return a.rate > b.rate
		}
		return a.category < b.category
	})
	start, _ := time.ParseInLocation(time.DateOnly, day, amsterdam)
	end, _ := DayEnd(day, cutoff)
	o := order.Order{Source: sh.Source, ID: DayPrefix + day, Number: DayNumber(sh, day), Status: status,
		Created: start.UTC(), CreatedLocal: day + "T00:00:00", Paid: end.UTC(), Currency: "EUR",
		PricesIncludeTax: true, Buyer: order.Party{Name: "Kassaverkopen"}, PaymentMethodTitle: "Kassa"}
	taxes := map[order.Rate]order.Money{}
	// A line's VAT is the checks' VAT added up, as the till's own Z-report
	// has it, while that stays close to taxable × rate. Each check rounds
	// its VAT to the cent, and a day of 3,000 coffees at 3.50 drifts by
	// euros, more than EN 16931 lets a VAT subtotal lie from taxable × rate
	// (BR-CO-17): then each line of that rate has its VAT computed on its
	// gross, and the note says so. The gross is what the customers paid,
	// to the cent, either way.
	type group struct {
		c order.Category
		r order.Rate
	}
	taxable, tax := map[group]order.Money{}, map[group]order.Money{}
	for _, k := range keys {
		l := sums[k]
		taxable[group{l.Category, l.Rate}] += l.Net
		tax[group{l.Category, l.Rate}] += l.VAT
	}
	var checksVAT order.Money
	for _, k := range keys {
		l := sums[k]
		if l.Net == 0 && l.VAT == 0 {
			continue
		}
		checksVAT += l.VAT
		if g := (group{l.Category, l.Rate}); (tax[g] - l.Rate.Of(taxable[g])).Abs() > dayVATSlack {
			gross := l.Net + l.VAT
			l.VAT = l.Rate.OfGross(gross)
			l.Net = gross - l.VAT
		}
		rate := l.Rate.Percent() + "% btw"
		if l.Rate == 0 {
			rate = "0% btw (" + string(l.Category) + ")"
		}
		if k.belongs == "" {
			l.ID = fmt.Sprintf("omzet-%s-%d", l.Category, l.Rate)
			l.Name = "Dagomzet " + day + ", " + rate
		} else {
			l.ID = fmt.Sprintf("correctie-%s-%s-%d", k.belongs, l.Category, l.Rate)
			l.Name = "Correctie kassabonnen van " + k.belongs + ", " + rate
		}
		o.Lines = append(o.Lines, *l)
		o.Total += l.Net + l.VAT
		o.TotalTax += l.VAT
		taxes[l.Rate] += l.VAT
	}
	rates := make([]order.Rate, 0, len(taxes))
	for r := range taxes {
		rates = append(rates, r)
	}
	sort.Slice(rates, func(i, j int) bool { return rates[i] > rates[j] })
	for _, r := range rates {
		o.Taxes = append(o.Taxes, order.RateTax{Rate: r, Tax: taxes[r]})
	}
	o.Note = fmt.Sprintf("%s%d", dayNote, sum.Checks)
	if n := sum.LateChecks; n > 0 {
		o.Note += fmt.Sprintf("%s%d", dayLateNote, n)
	}
	if checksVAT != o.TotalTax {
		o.Note += fmt.Sprintf("; btw berekend op de dagomzet %s (op de bonnen opgeteld %s)", o.TotalTax, checksVAT)
	}
	return o
}

// CloseDays counts what a till's shops have left to count and closes every
// day summary whose day is over (its cut-off passed), queueing it for
// booking. It runs every minute and at start: a summary whose cut-off
// passed while the computer was off is closed then.
func (e *Engine) CloseDays(ctx context.Context) (int, error) {
	shops, err := e.Store.Shops(ctx)
	if err != nil {
		return 0, err
	}
	// A till removed while its day collected: that day's sales were made
	// and collected, so the day is still closed and booked.
	ids, err := e.Store.ShopsCollecting(ctx, ReasonDayCollecting)
	if err != nil {
		return 0, err
	}
	active := map[int64]bool{}
	for _, sh := range shops {
		active[sh.ID] = true
	}
	for _, id := range ids {
		if !active[id] {
			if sh, err := e.Store.ShopByID(ctx, id); err == nil {
				shops = append(shops, sh)
			}
		}
	}
	closed := 0
	var errs []error
	for _, sh := range shops {
		k := e.kind(sh)
		if !till(k) {
			continue
		}
		if err := e.countChecks(ctx, sh); err != nil {
			errs = append(errs, err) // the others are counted; the days close all the same
		}
		ids, err := e.Store.ExtIDs(ctx, sh.ID, store.Parked, ReasonDayCollecting, nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cutoff := Cutoff(sh, k)
		for _, id := range ids {
			day := strings.TrimPrefix(id, DayPrefix)
			end, err := DayEnd(day, cutoff)
			if err != nil || e.now().Before(end) {
				continue
			}
			err = e.Store.InTx(ctx, func(tx *store.Tx) error {
				rec, err := tx.Record(ctx, sh.ID, id)
				if err != nil {
					return err
				}
				if rec.State != store.Parked || rec.Reason != ReasonDayCollecting {
					return nil
				}
				return e.rebuildDay(ctx, tx, sh, day, dayClosed, &rec)
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("close day %s of %s: %w", day, sh.Name, err))
				continue
			}
			closed++
		}
	}
	if closed > 0 {
		e.changed()
	}
	return closed, errors.Join(errs...)
}

// countChecks counts every closed check of sh not yet counted in a day
// summary (the ones just recorded, and any a crash left uncounted).
func (e *Engine) countChecks(ctx context.Context, sh store.Shop) error {
	ids, err := e.Store.UncountedChecks(ctx, sh.ID)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if err := e.Store.InTx(ctx, func(tx *store.Tx) error { return e.countCheck(ctx, tx, sh, id) }); err != nil {
			errs = append(errs, fmt.Errorf("count check %s of %s: %w", id, sh.Name, err))
		}
	}
	if len(ids) > 0 {
		e.changed()
	}
	return errors.Join(errs...)
}

// countCheck counts one closed check: what it counts now less what it
// counted before, on its day or the day being collected.
func (e *Engine) countCheck(ctx context.Context, tx *store.Tx, sh store.Shop, id string) error {
	rec, err := tx.Record(ctx, sh.ID, id)
	if err != nil {
		return err
	}
	if rec.State != store.Ignored || rec.Reason != ReasonInDaySummary || rec.ReasonArg != "" {
		return nil // counted meanwhile, or no longer a closed check to count
	}
	o, err := rec.Order()
	if err != nil {
		return err
	}
	k := e.kind(sh)
	own := BusinessDay(o, Cutoff(sh, k))
	var subs []order.TaxSubtotal
	if !source.In(o.Status, k.Gone) { // a voided check counts nothing
		subs, err = order.Breakdown(o)
	}
	if err != nil {
		// Its lines do not add up to its totals: a person looks at it.
		code, args := order.Failure(err)
		arg, _ := json.Marshal(args)
		if err := tx.SetReason(ctx, sh.ID, id, store.Failed, code, string(arg), err.Error()); err != nil {
			return err
		}
		return tx.AddEvent(ctx, store.Event{Level: store.Error, Shop: sh.Name, OrderNo: rec.Number, Code: "booking_failed",
			Args: map[string]string{"reason": code, "kind": string(order.KindInvoice)}, Detail: err.Error()})
	}
	counted, err := tx.CheckParts(ctx, sh.ID, id)
	if err != nil {
		return err
	}
	if len(counted) > 0 {
		own = counted[0].Belongs // the day it was first counted as, whatever a later snapshot says
	}
	type key struct {
		c order.Category
		r order.Rate
	}
	delta := map[key][2]order.Money{}
	var keys []key
	add := func(k key, net, vat order.Money) {
		if _, ok := delta[k]; !ok {
			keys = append(keys, k)
		}
		d := delta[k]
		delta[k] = [2]order.Money{d[0] + net, d[1] + vat}
	}
	for _, s := range subs {
		add(key{s.Category, s.Rate}, s.Taxable, s.Tax)
	}
	for _, p := range counted {
		add(key{p.Category, p.Rate}, -p.Net, -p.VAT)
	}
	var diff order.Money
	var parts []store.DayPart
	for _, k := range keys {
		d := delta[k]
		if d[0] == 0 && d[1] == 0 {
			continue
		}
		diff += d[0] + d[1]
		parts = append(parts, store.DayPart{CheckID: id, Number: rec.Number, Belongs: own, Category: k.c, Rate: k.r, Net: d[0], VAT: d[1]})
	}
	if len(parts) == 0 {
		day := own
		if len(counted) > 0 {
			day = counted[len(counted)-1].Day
		}
		if err := tx.SetReason(ctx, sh.ID, id, store.Ignored, ReasonInDaySummary, day, ""); err != nil {
			return err
		}
		if len(counted) > 0 {
			return tx.AddEvent(ctx, store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "check_repeat",
				Args: map[string]string{"check": rec.Number}})
		}
		return tx.AddEvent(ctx, store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "check_counted",
			Args: map[string]string{"check": rec.Number, "day": day}})
	}
	target, err := e.collectingDay(ctx, tx, sh, own)
	if err != nil {
		return err
	}
	for i := range parts {
		parts[i].Day = target
	}
	onTarget := false
	for _, p := range counted {
		onTarget = onTarget || p.Day == target
	}
	if !onTarget {
		// The check itself, counted once in its day; or a check of an
		// earlier day corrected on this day's, counted once there.
		parts[0].Checks = 1
	}
	if err := tx.AddDayParts(ctx, sh.ID, parts); err != nil {
		return err
	}
	if err := tx.SetReason(ctx, sh.ID, id, store.Ignored, ReasonInDaySummary, target, ""); err != nil {
		return err
	}
	ev := store.Event{Shop: sh.Name, OrderNo: rec.Number, Code: "check_counted", Args: map[string]string{"check": rec.Number, "day": target}}
	switch {
	case len(counted) == 0 && target != own:
		// Counted for the first time after its day's summary left
		// collecting: late, not closed again.
		ev = store.Event{Level: store.Warn, Shop: sh.Name, OrderNo: rec.Number, Code: "check_late",
			Args: map[string]string{"check": rec.Number, "day": own, "into": target, "amount": diff.String()}}
	case len(counted) > 0:
		ev = store.Event{Level: store.Warn, Shop: sh.Name, OrderNo: rec.Number, Code: "check_correction",
			Args: map[string]string{"check": rec.Number, "day": own, "into": target, "amount": diff.String()}}
	}
	if err := tx.AddEvent(ctx, ev); err != nil {
		return err
	}
	return e.rebuildDay(ctx, tx, sh, target, dayOpen, nil)
}

// collectingDay is the summary a check of day own counts in: its own day
// unless that day's summary left collecting (closed at the cut-off, or
// booked early by a person); then the first day from today's business day
// on whose summary collects. A day without a summary yet is its own: a
// check of yesterday processed only this morning (the computer was off)
// is yesterday's revenue, and nothing was booked for that day. A summary a
// person ignored keeps its day's checks (counted in it, not booked).
func (e *Engine) collectingDay(ctx context.Context, tx *store.Tx, sh store.Shop, own string) (string, error) {
	open := func(day string, ownDay bool) (bool, error) {
		rec, err := tx.Record(ctx, sh.ID, DayPrefix+day)
		if errors.Is(err, store.ErrNotFound) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if ownDay && rec.State == store.Ignored && rec.Reason == ReasonIgnoredByUser {
			return true, nil
		}
		return rec.Status == dayOpen && rec.State == store.Parked, nil
	}
	if ok, err := open(own, true); err != nil || ok {
		return own, err
	}
	day := dayOf(e.now(), Cutoff(sh, e.kind(sh)))
	if day < own {
		day = own
	}
	for range 366 {
		ok, err := open(day, false)
		if err != nil || ok {
			return day, err
		}
		day = nextDay(day)
	}
	return "", fmt.Errorf("no day summary collecting after %s", own)
}

// rebuildDay makes day's summary again from its parts, in status, and
// applies it (prev: its record when the caller read it).
func (e *Engine) rebuildDay(ctx context.Context, tx *store.Tx, sh store.Shop, day string, status order.Status, prev *store.Record) error {
	sum, err := tx.DaySum(ctx, sh.ID, day)
	if err != nil {
		return err
	}
	if prev == nil {
		rec, err := tx.Record(ctx, sh.ID, DayPrefix+day)
		switch {
		case err == nil:
			prev = &rec
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	o := daySummary(sh, day, sum, status, Cutoff(sh, e.kind(sh)))
	o.Modified = e.now().UTC().Truncate(time.Millisecond)
	if prev != nil && !o.Modified.After(prev.Modified) {
		o.Modified = prev.Modified.Add(time.Millisecond)
	}
	_, err = tx.Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: o, Authoritative: true}}, e.Decide(sh))
	return err
}

// dayCreditNote is the booking of a day summary whose total is negative:
// its day had fewer sales than its corrections took back (a check of the
// day before closed again for less, on a day the restaurant was shut). An
// invoice cannot be negative, so it is a credit note with the lines turned
// round, referring to the summary of the first day it corrects.
func (e *Engine) dayCreditNote(ctx context.Context, sh store.Shop, o order.Order, opt order.InvoiceOptions) (order.Invoice, error) {
	neg := o
	neg.Lines = make([]order.Line, len(o.Lines))
	corrects := ""
	for i, l := range o.Lines {
		l.Net, l.VAT = -l.Net, -l.VAT
		neg.Lines[i] = l
		if rest, ok := strings.CutPrefix(l.ID, "correctie-"); ok && len(rest) >= len(time.DateOnly) {
			if d := rest[:len(time.DateOnly)]; corrects == "" || d < corrects {
				corrects = d
			}
		}
	}
	neg.Total, neg.TotalTax = -o.Total, -o.TotalTax
	neg.Taxes = make([]order.RateTax, len(o.Taxes))
	for i, t := range o.Taxes {
		neg.Taxes[i] = order.RateTax{Rate: t.Rate, Tax: -t.Tax}
	}
	inv, err := order.NewInvoice(neg, opt)
	if err != nil {
		return inv, err
	}
	inv.Kind = order.KindCreditNote
	if corrects == "" {
		corrects = strings.TrimPrefix(o.ID, DayPrefix)
	}
	inv.BillingReference = DayNumber(sh, corrects)
	inv.BillingReferenceDate, _ = time.Parse(time.DateOnly, corrects)
	if rec, err := e.Store.Record(ctx, sh.ID, DayPrefix+corrects); err == nil && rec.InvoiceID != "" {
		inv.BillingReference, inv.BillingReferenceDate = rec.InvoiceID, rec.InvoiceDate
	}
	inv.Note = "Correctie op de dagomzet van " + corrects + "; " + o.Note
	return inv, nil
}
