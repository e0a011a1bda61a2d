package order

import (
	"fmt"
	"sort"
)

// A shop that rounds VAT "at subtotal level" (or keeps unrounded line
// amounts, as WooCommerce does) rounds its order total and total VAT once,
// while every line it reports is rounded by itself. The rounded lines then
// miss the shop's totals by up to a cent per line. reconcile makes the
// invoice equal the shop's figures: the total VAT is the shop's TotalTax,
// split over the rates as the shop's own per-rate figures say (else as its
// lines say, with any difference spread by remainder), and the total excl.
// VAT is Total - TotalTax: each rate starts from its own lines, and only
// the difference between their sum and the shop's figure is spread over the
// rates, a cent at a time to the rate whose unrounded amount lies furthest
// beyond its rounded one. Lines that add up are never changed. The cents a
// rate takes go onto its lines, at most one per line, each with a note. A
// larger difference is no rounding and fails with a *ReconcileError that
// names the rate and its figures.

// group is the lines of one VAT category and rate.
type group struct {
	cat   Category
	rate  Rate
	lines []int // indexes into the invoice lines
	net   Money // Σ line net
	vat   Money // Σ line VAT as the shop rounded it
	// exactNet and exactVAT are the unrounded sums in millionths.
	exactNet, exactVAT int64
}

// reconcile computes the VAT breakdown of an order's invoice lines so that
// it adds up to o.Total and o.TotalTax, adjusting line nets by the shop's
// rounding (see above). lines[i] belongs to o.Lines[i].
func reconcile(number string, o Order, lines []InvoiceLine) ([]TaxSubtotal, error) {
	groups := groupLines(lines)
	for _, g := range groups {
		for _, i := range g.lines {
			src := o.Lines[i]
			g.net += lines[i].Net
			g.vat += src.VAT
			net, vat := exactOf(src)
			g.exactNet += net
			g.exactVAT += vat
		}
	}
	var sumNet, sumVAT Money
	for _, g := range groups {
		sumNet += g.net
		sumVAT += g.vat
	}

	// VAT per group: the shop's own per-rate figures when they add up to
	// its total, else the lines' VAT when that does, else the lines' VAT
	// with the difference spread over the taxed rates by remainder.
	vats := make([]Money, len(groups))
	for k, g := range groups {
		vats[k] = g.vat
	}
	switch {
	case ratesMatch(groups, o.Taxes, o.TotalTax):
		per := map[Rate]Money{}
		for _, t := range o.Taxes {
			per[t.Rate] += t.Tax
		}
		for k, g := range groups {
			vats[k] = 0
			if g.rate > 0 {
				vats[k] = per[g.rate]
				delete(per, g.rate) // one group per positive rate (category S)
			}
		}
	case sumVAT != o.TotalTax:
		exact := make([]int64, len(groups))
		caps := make([]Money, len(groups))
		taxed := make([]bool, len(groups))
		for k, g := range groups {
			exact[k], caps[k], taxed[k] = g.exactVAT, Money(len(g.lines)), g.rate > 0
		}
		vats = spreadDifference(vats, exact, caps, taxed, o.TotalTax-sumVAT)
	}
	for k, g := range groups {
		if d := (vats[k] - g.vat).Abs(); d > Money(len(g.lines)) || g.rate == 0 && vats[k] != 0 {
			return nil, &ReconcileError{Order: number, Field: FieldTotalTax, Want: vats[k], Got: g.vat, Lines: len(g.lines),
				Category: g.cat, Rate: g.rate}
		}
	}

	// Net per group: each rate's own lines, and only the difference between
	// them and the shop's total excl. VAT spread over the rates by
	// remainder, then onto the lines, a cent per line at most.
	nets := make([]Money, len(groups))
	exact := make([]int64, len(groups))
	caps := make([]Money, len(groups))
	all := make([]bool, len(groups))
	for k, g := range groups {
		nets[k], exact[k], caps[k], all[k] = g.net, g.exactNet, Money(len(g.lines)), true
	}
	if d := o.Total - o.TotalTax - sumNet; d != 0 {
		nets = spreadDifference(nets, exact, caps, all, d)
	}
	for k, g := range groups {
		d := nets[k] - g.net
		if d.Abs() > Money(len(g.lines)) {
			return nil, &ReconcileError{Order: number, Field: FieldTotal, Want: nets[k] + vats[k], Got: g.net + vats[k], Lines: len(g.lines),
				Category: g.cat, Rate: g.rate}
		}
		spreadCents(lines, o.Lines, g.lines, d)
	}

	subs := make([]TaxSubtotal, len(groups))
	for k, g := range groups {
		subs[k] = TaxSubtotal{Category: g.cat, Rate: g.rate, Taxable: nets[k], Tax: vats[k], ExemptionReason: ExemptionReason(g.cat)}
	}
	sortSubtotals(subs)
	if err := checkBRCO17(number, subs); err != nil {
		return nil, err
	}
	return subs, nil
}

// spreadDifference adds d cents to start, one at a time, each to the part
// whose exact amount (millionths) lies furthest beyond its current amount in
// d's direction (ties to the first part): the part the shop's rounding moved
// most the other way. Only eligible parts take cents (all, when none is);
// a part takes more than its cap (its number of lines) only when every
// eligible part is full, and then the whole rest goes to the part with the
// largest remainder, which the caller reports. A zero d changes nothing.
func spreadDifference(start []Money, exact []int64, caps []Money, eligible []bool, d Money) []Money {
	out := append([]Money(nil), start...)
	if d == 0 || len(out) == 0 {
		return out
	}
	any := false
	for _, e := range eligible {
		any = any || e
	}
	step := Money(1)
	if d < 0 {
		step = -1
	}
	// best picks the eligible part with the largest remainder in d's
	// direction; with capped it skips parts that took their cap.
	best := func(capped bool) int {
		b, bestRem := -1, int64(0)
		for k := range out {
			if any && !eligible[k] || capped && (out[k]-start[k]).Abs() >= caps[k] {
				continue
			}
			rem := (exact[k] - int64(out[k])*MicroPerCent) * int64(step)
			if b < 0 || rem > bestRem {
				b, bestRem = k, rem
			}
		}
		return b
	}
	for left := d; left != 0; left -= step {
		k := best(true)
		if k < 0 {
			k = best(false)
			out[k] += left
			break
		}
		out[k] += step
	}
	return out
}

// exactOf is a line's unrounded net and VAT in millionths: its Exact when
// that lies within a cent of the rounded figures (or of their negation),
// else the rounded ones.
func exactOf(l Line) (net, vat int64) {
	net, vat = int64(l.Net)*MicroPerCent, int64(l.VAT)*MicroPerCent
	if l.Exact == nil {
		return net, vat
	}
	near := func(a, b int64) bool { return a-b >= -MicroPerCent && a-b <= MicroPerCent }
	switch {
	case near(l.Exact.Net, net) && near(l.Exact.VAT, vat):
		return l.Exact.Net, l.Exact.VAT
	case near(-l.Exact.Net, net) && near(-l.Exact.VAT, vat):
		// A refund line read as the shop stores it (negative), made
		// positive without its Exact.
		return -l.Exact.Net, -l.Exact.VAT
	}
	return net, vat
}

// groupLines groups invoice lines by category and rate, in the order of
// their first line.
func groupLines(lines []InvoiceLine) []*group {
	type key struct {
		c Category
		r Rate
	}
	idx := map[key]*group{}
	var out []*group
	for i, l := range lines {
		k := key{l.Category, l.Rate}
		g, ok := idx[k]
		if !ok {
			g = &group{cat: l.Category, rate: l.Rate}
			idx[k] = g
			out = append(out, g)
		}
		g.lines = append(g.lines, i)
	}
	return out
}

// ratesMatch reports whether the shop's per-rate VAT covers every taxed
// group's rate and adds up to total.
func ratesMatch(groups []*group, taxes []RateTax, total Money) bool {
	if len(taxes) == 0 {
		return false
	}
	per := map[Rate]Money{}
	var sum Money
	for _, t := range taxes {
		per[t.Rate] += t.Tax
		sum += t.Tax
	}
	if sum != total {
		return false
	}
	seen := map[Rate]bool{}
	for _, g := range groups {
		if g.rate == 0 {
			continue
		}
		if _, ok := per[g.rate]; !ok || seen[g.rate] {
			return false
		}
		seen[g.rate] = true
	}
	return len(seen) == len(per) || allZeroExcept(per, seen)
}

func allZeroExcept(per map[Rate]Money, seen map[Rate]bool) bool {
	for r, m := range per {
		if !seen[r] && m != 0 {
			return false
		}
	}
	return true
}

// Apportion splits total (cents) over parts in proportion to their exact
// amounts in millionths, as apportion does; for sources that must split a
// line the shop taxed at several rates.
func Apportion(total Money, exact []int64) []Money { return apportion(total, exact) }

// apportion splits total (cents) over parts in proportion to their exact
// amounts in millionths: each part gets its exact amount rounded down to the
// cent, and the cents left over (or missing) go one by one to the parts
// with the largest (smallest) remainders, ties to the first part, so that
// the parts add up to total. A part whose exact amount is zero gets nothing
// unless every part is zero.
func apportion(total Money, exact []int64) []Money {
	out := make([]Money, len(exact))
	if len(exact) == 0 {
		return out
	}
	rems := make([]int64, len(exact))
	var sum Money
	for i, e := range exact {
		q, r := e/MicroPerCent, e%MicroPerCent
		if r < 0 {
			q, r = q-1, r+MicroPerCent
		}
		out[i], rems[i] = Money(q), r
		sum += out[i]
	}
	eligible := func(i int) bool { return exact[i] != 0 }
	any := false
	for i := range exact {
		any = any || eligible(i)
	}
	if !any {
		eligible = func(int) bool { return true }
	}
	order := make([]int, 0, len(exact))
	for i := range exact {
		if eligible(i) {
			order = append(order, i)
		}
	}
	left := total - sum
	if left > 0 {
		sort.SliceStable(order, func(a, b int) bool { return rems[order[a]] > rems[order[b]] })
	} else {
		sort.SliceStable(order, func(a, b int) bool { return rems[order[a]] < rems[order[b]] })
	}
	for i := 0; left != 0; i = (i + 1) % len(order) {
		if left > 0 {
			out[order[i]]++
			left--
		} else {
			out[order[i]]--
			left++
		}
	}
	return out
}

// spreadCents puts d cents (at most one per line) onto the lines idx of a
// group: first the lines the shop rounded in the other direction, most
// first, then the largest lines. Each changed line gets a note.
func spreadCents(lines []InvoiceLine, src []Line, idx []int, d Money) {
	if d == 0 {
		return
	}
	// off is how far the shop's rounding moved a line against d, in
	// millionths: for d < 0 the lines rounded up, for d > 0 those rounded
	// down.
	off := func(i int) int64 {
		exact, _ := exactOf(src[i])
		o := int64(src[i].Net)*MicroPerCent - exact
		if d > 0 {
			o = -o
		}
		return o
	}
	order := append([]int(nil), idx...)
	sort.SliceStable(order, func(a, b int) bool {
		oa, ob := off(order[a]), off(order[b])
		if oa != ob {
			return oa > ob
		}
		return lines[order[a]].Net.Abs() > lines[order[b]].Net.Abs()
	})
	step := Money(1)
	if d < 0 {
		step = -1
	}
	for _, i := range order[:d.Abs()] {
		lines[i].Net += step
		lines[i].Note = RoundingNote(step)
	}
}

// RoundingNote is the note on a line that carries the shop's rounding:
// "Afronding webwinkel: +0,01".
func RoundingNote(d Money) string {
	sign := "+"
	if d < 0 {
		sign = "-"
	}
	a := d.Abs()
	return fmt.Sprintf("Afronding webwinkel: %s%d,%02d", sign, a/100, a%100)
}

// sortSubtotals sorts the VAT breakdown: standard rates first, highest rate
// first, then the categories without VAT.
func sortSubtotals(subs []TaxSubtotal) {
	sort.SliceStable(subs, func(a, b int) bool {
		if categoryOrder[subs[a].Category] != categoryOrder[subs[b].Category] {
			return categoryOrder[subs[a].Category] < categoryOrder[subs[b].Category]
		}
		return subs[a].Rate > subs[b].Rate
	})
}

// checkBRCO17 checks each subtotal's VAT against taxable × rate within the
// slack EN 16931 allows.
func checkBRCO17(number string, subs []TaxSubtotal) error {
	for _, s := range subs {
		if s.Rate == 0 {
			continue // lines were checked: no VAT in a 0 % category
		}
		want := s.Rate.Of(s.Taxable.Abs())
		got := s.Tax.Abs()
		if !(got-brCO17Slack < want && got+brCO17Slack > want) || (s.Tax < 0) != (s.Taxable < 0) && s.Tax != 0 {
			return &ReconcileError{Order: number, Field: FieldTaxSubtotal, Want: signed(want, s.Taxable), Got: s.Tax,
				Category: s.Category, Rate: s.Rate, Taxable: s.Taxable}
		}
	}
	return nil
}
