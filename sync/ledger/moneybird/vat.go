package moneybird

import (
	"fmt"
	"sort"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// Moneybird computes an invoice's VAT itself, from the lines' prices and
// tax rates. APIS.md does not say how it rounds; the emulator's default
// (mbemu.PerLine) rounds each line: excl. prices give a line VAT of
// round(net × rate), incl. prices a line net of round(gross ÷ (1 + rate))
// and a VAT of gross − net, half away from zero. The ledger predicts that
// for both price modes and gives Moneybird the one whose VAT is the
// shop's, rate by rate; what still differs in Moneybird's answer is
// reported, never dropped.

// planLine is one invoice line as it is booked: its target, and its
// amounts signed (negative on a credit note).
type planLine struct {
	line   order.InvoiceLine
	target ledger.Target
	// vatCase is the case whose tax rate the line has, acctCase the one
	// whose account (shipping, fees, else vatCase).
	vatCase, acctCase ledger.Case
	net               order.Money
	// gross is net plus the line's share of its subtotal's VAT (largest
	// remainder), so that Σ gross = taxable + VAT of every subtotal.
	gross order.Money
}

// plan is an invoice resolved against the mapping.
type plan struct {
	lines []planLine
	// shopTax is the shop's VAT per Moneybird tax rate id, signed; rates
	// the rate (percent text) of each id, for warnings.
	shopTax map[string]order.Money
	rates   map[string]string
	order   []string // tax rate ids in first-line order
	// shopNet is the shop's net revenue per ledger account id, signed;
	// accounts the ids in first-line order.
	shopNet  map[string]order.Money
	accounts []string
	// foreign says the invoice is in another currency than EUR with an
	// exchange rate; eurTax is then the shop's VAT in EUR (TaxTotalEUR,
	// signed), what the VAT return has.
	foreign bool
	eurTax  order.Money
	cur     string
}

// WarnVATEURDiffers: for an invoice in another currency, Moneybird's VAT
// in EUR (the sum of tax_totals' tax_amount_base) is not the shop's
// (TaxTotalEUR) (args: currency, shop, ledger, diff in EUR, "0.01" form).
const WarnVATEURDiffers = "ledger_vat_eur_differs"

// WarnNetDiffers: Moneybird's net revenue on a ledger account (the sum of
// its details' total_price_excl_tax_with_discount) is not the shop's, so
// revenue landed on another account than the mapping says (args: account,
// the ledger account id; shop, ledger, diff in "0.01" form).
const WarnNetDiffers = "ledger_net_differs"

// sign is −1 for a credit note (a negative external invoice), else 1.
func sign(inv order.Invoice) order.Money {
	if inv.Kind == order.KindCreditNote {
		return -1
	}
	return 1
}

// makePlan resolves every line of inv under m; an unmapped case is the
// Resolve error (a *ledger.ReasonError).
func makePlan(inv order.Invoice, m ledger.Mapping) (plan, error) {
	s := sign(inv)
	p := plan{shopTax: map[string]order.Money{}, rates: map[string]string{}, shopNet: map[string]order.Money{}}
	if inv.Currency != "" && inv.Currency != "EUR" && inv.EURRate != "" {
		p.foreign, p.eurTax, p.cur = true, s*inv.TaxTotalEUR, inv.Currency
	}
	type subKey struct {
		cat  order.Category
		rate order.Rate
	}
	bySub := map[subKey][]int{}
	for _, l := range inv.Lines {
		vc, t, err := m.Resolve(l, true)
		if err != nil {
			return plan{}, err
		}
		ac := vc
		switch {
		case l.Kind == order.Shipping && m[ledger.CaseShipping].Account != "":
			ac = ledger.CaseShipping
		case l.Kind == order.Fee && m[ledger.CaseFees].Account != "":
			ac = ledger.CaseFees
		}
		k := subKey{l.Category, l.Rate}
		bySub[k] = append(bySub[k], len(p.lines))
		p.lines = append(p.lines, planLine{line: l, target: t, vatCase: vc, acctCase: ac, net: s * l.Net, gross: s * (l.Net + l.Rate.Of(l.Net))})
		if _, ok := p.shopNet[t.Account]; !ok {
			p.accounts = append(p.accounts, t.Account)
		}
		p.shopNet[t.Account] += s * l.Net
		if _, ok := p.rates[t.TaxRate]; !ok {
			p.rates[t.TaxRate] = l.Rate.Percent()
			p.order = append(p.order, t.TaxRate)
			p.shopTax[t.TaxRate] = 0
		}
	}
	for _, sub := range inv.TaxSubtotals {
		idx := bySub[subKey{sub.Category, sub.Rate}]
		if len(idx) == 0 {
			if sub.Tax != 0 {
				return plan{}, ledger.Permanent(fmt.Errorf("invoice %s: VAT %s %s%% of %s has no line", inv.ID, sub.Category, sub.Rate.Percent(), sub.Tax))
			}
			continue
		}
		id := p.lines[idx[0]].target.TaxRate
		p.shopTax[id] += s * sub.Tax
		// Each line starts from its own VAT, with its sign (a discount
		// or negative fee line lowers the VAT), and only what the shop's
		// rounding leaves over is spread: spreading the whole VAT by
		// |net| would give a negative line a positive share, and move
		// net revenue between the lines' accounts.
		own := make([]order.Money, len(idx))
		rest := sub.Tax
		weights := make([]int64, len(idx))
		for i, j := range idx {
			l := p.lines[j].line
			own[i] = l.Rate.Of(l.Net)
			rest -= own[i]
			weights[i] = int64(l.Net.Abs())
		}
		for i, share := range spread(int64(rest), weights) {
			pl := &p.lines[idx[i]]
			pl.gross = pl.net + s*(own[i]+order.Money(share))
		}
	}
	return p, nil
}

// spread splits total over weights in proportion, by largest remainder:
// the parts add up to total exactly. All weights zero: equal parts.
func spread(total int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	if len(weights) == 0 {
		return out
	}
	var sum int64
	for _, w := range weights {
		sum += w
	}
	if sum == 0 {
		for i := range weights {
			weights[i] = 1
		}
		sum = int64(len(weights))
	}
	neg := total < 0
	if neg {
		total = -total
	}
	type rem struct {
		i int
		r int64
	}
	rems := make([]rem, len(weights))
	var given int64
	for i, w := range weights {
		q := total * w / sum
		out[i] = q
		given += q
		rems[i] = rem{i, total * w % sum}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	if neg {
		for i := range out {
			out[i] = -out[i]
		}
	}
	return out
}

// roundDiv is a ÷ b rounded half away from zero (b > 0).
func roundDiv(a, b int64) int64 {
	q, r := a/b, a%b
	if 2*r >= b {
		q++
	} else if -2*r >= b {
		q--
	}
	return q
}

// predict is the VAT per tax rate id Moneybird computes for the plan's
// lines with prices incl. or excl. VAT (per-line rounding).
func (p plan) predict(incl bool) map[string]order.Money {
	out := map[string]order.Money{}
	for _, pl := range p.lines {
		r := int64(pl.line.Rate)
		var tax order.Money
		if incl {
			net := roundDiv(int64(pl.gross)*10000, 10000+r)
			tax = pl.gross - order.Money(net)
		} else {
			tax = pl.line.Rate.Of(pl.net)
		}
		out[pl.target.TaxRate] += tax
	}
	return out
}

// fits says whether the prediction is the shop's VAT for every rate.
func (p plan) fits(pred map[string]order.Money) bool {
	for id, tax := range p.shopTax {
		if pred[id] != tax {
			return false
		}
	}
	return true
}

// chooseIncl is the price mode to give Moneybird: the shop's own
// (prefer), unless only the other makes Moneybird's VAT the shop's.
func (p plan) chooseIncl(prefer bool) bool {
	if p.fits(p.predict(prefer)) {
		return prefer
	}
	if p.fits(p.predict(!prefer)) {
		return !prefer
	}
	return prefer
}

// compare sets Moneybird's VAT (the answer's tax_totals) against the
// shop's, per tax rate: every difference is a WarnVATDiffers warning; and
// its net revenue per ledger account (the details) against the shop's:
// every difference is a WarnNetDiffers warning.
func (p plan) compare(si *salesInvoice) ([]ledger.Warning, error) {
	got := map[string]order.Money{}
	ids := append([]string(nil), p.order...)
	for _, t := range si.TaxTotals {
		amt, err := order.ParseMoney(t.TaxAmount)
		if err != nil {
			return nil, fmt.Errorf("moneybird: tax_totals of %s: %w", t.TaxRateID, err)
		}
		id := string(t.TaxRateID)
		if _, ok := p.shopTax[id]; !ok {
			if _, seen := got[id]; !seen {
				ids = append(ids, id)
			}
		}
		got[id] += amt
	}
	var out []ledger.Warning
	for _, id := range ids {
		shop, mb := p.shopTax[id], got[id]
		if shop == mb {
			continue
		}
		rate, ok := p.rates[id]
		if !ok {
			rate = "?"
		}
		out = append(out, ledger.Warning{Code: ledger.WarnVATDiffers, Args: map[string]string{
			"rate": rate, "shop": shop.String(), "ledger": mb.String(), "diff": (mb - shop).String()}})
	}
	if p.foreign {
		var base order.Money
		for _, t := range si.TaxTotals {
			amt, err := order.ParseMoney(t.TaxAmountBase)
			if err != nil {
				return nil, fmt.Errorf("moneybird: tax_totals' tax_amount_base of %s: %w", t.TaxRateID, err)
			}
			base += amt
		}
		if base != p.eurTax {
			out = append(out, ledger.Warning{Code: WarnVATEURDiffers, Args: map[string]string{
				"currency": p.cur, "shop": p.eurTax.String(), "ledger": base.String(), "diff": (base - p.eurTax).String()}})
		}
	}
	net := map[string]order.Money{}
	accounts := append([]string(nil), p.accounts...)
	for _, d := range si.Details {
		amt, err := order.ParseMoney(d.TotalPriceExclTaxWithDiscount)
		if err != nil {
			return nil, fmt.Errorf("moneybird: details' total_price_excl_tax_with_discount: %w", err)
		}
		id := string(d.LedgerAccountID)
		if _, ok := p.shopNet[id]; !ok {
			if _, seen := net[id]; !seen {
				accounts = append(accounts, id)
			}
		}
		net[id] += amt
	}
	if len(si.Details) == 0 {
		// An answer without details tells nothing of the accounts.
		return out, nil
	}
	for _, id := range accounts {
		shop, mb := p.shopNet[id], net[id]
		if shop == mb {
			continue
		}
		out = append(out, ledger.Warning{Code: WarnNetDiffers, Args: map[string]string{
			"account": id, "shop": shop.String(), "ledger": mb.String(), "diff": (mb - shop).String()}})
	}
	return out, nil
}
