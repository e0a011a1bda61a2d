package eboekhouden

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// e-Boekhouden computes the VAT of every row of a mutation itself, from
// the row's amount and VAT code, rounded to the cent per row: an amount
// incl. VAT (inExVat IN) holds amount × r / (100 + r), one excl. VAT (EX)
// adds amount × r / 100 (ebemu/vat.go's split, the reading of APIS.md
// §4.2). The shop's VAT is the truth (DESIGN "Money and VAT"), so the
// ledger plans the rows so that e-Boekhouden's VAT per code is the
// shop's: it tries the shop's own price mode first, then the other, and
// for a code whose single row misses, a row per line; whatever still
// differs is a WarnVATDiffers warning.

// maxRows is the most rows the ledger splits a mutation into (MUT_101:
// the real maximum is not documented; ebemu takes 100).
const maxRows = 100

// row is one planned mutation row, in cents and in the invoice's own
// direction (a credit note's rows are negated only on the wire).
type row struct {
	code   VATCode
	ledger int64
	// vatCase is the mapping case that chose the row's code; acctCase the
	// one that chose its ledger (shipping, fees or the VAT case).
	vatCase, acctCase ledger.Case
	net               order.Money
	// tax is the row's part of the shop's VAT of its code.
	tax   order.Money
	names []string
}

// amount is the row's amount in mode inEx.
func (r row) amount(inEx string) order.Money {
	if inEx == "IN" {
		return r.net + r.tax
	}
	return r.net
}

// ledgerVAT is the VAT e-Boekhouden computes for the row in mode inEx.
func (r row) ledgerVAT(inEx string) order.Money {
	rate := order.Rate(r.code.Rate)
	if inEx == "IN" {
		return rate.OfGross(r.net + r.tax)
	}
	return rate.Of(r.net)
}

// codeGroup is everything of one VAT code: the shop's VAT, its rate, the
// lines (as one-line rows) and the rows per revenue ledger.
type codeGroup struct {
	code    VATCode
	shopTax order.Money
	// rate is the shop's rate of the code's lines (the first subtotal's).
	rate    order.Rate
	lines   []row
	grouped []row
}

// plan is what a booking sends: the rows, the mode, and what differs.
type plan struct {
	inEx     string
	rows     []row
	warnings []ledger.Warning
}

// lineName is how a line shows in a row's description.
func lineName(l order.InvoiceLine) string {
	if l.Quantity > 1 {
		return strconv.FormatInt(l.Quantity, 10) + "× " + l.Name
	}
	return l.Name
}

// groupLines resolves every line of inv under m and groups the lines per
// VAT code, and within a code per revenue ledger (in the order they first
// appear). An unmapped case is the mapping's *ledger.ReasonError.
func groupLines(inv order.Invoice, m ledger.Mapping) ([]*codeGroup, error) {
	var groups []*codeGroup
	byCode := map[string]*codeGroup{}
	for _, l := range inv.Lines {
		vc, t, err := m.Resolve(l, false)
		if err != nil {
			return nil, err
		}
		code, ok := vatCode(strings.TrimSpace(t.VATCode))
		if !ok {
			return nil, ledger.WithReason(ledger.ReasonVATUnmapped, map[string]string{"case": string(vc)},
				fmt.Errorf("VAT case %s is mapped to %q, not a sale VAT code of e-Boekhouden", vc, t.VATCode))
		}
		acctCase := vc
		switch {
		case l.Kind == order.Shipping && m[ledger.CaseShipping].Account != "":
			acctCase = ledger.CaseShipping
		case l.Kind == order.Fee && m[ledger.CaseFees].Account != "":
			acctCase = ledger.CaseFees
		}
		id, err := strconv.ParseInt(strings.TrimSpace(t.Account), 10, 64)
		if err != nil || id <= 0 {
			return nil, ledger.WithReason(ledger.ReasonAccountUnmapped, map[string]string{"case": string(acctCase)},
				fmt.Errorf("VAT case %s: revenue account %q is not an e-Boekhouden ledger id", acctCase, t.Account))
		}
		g := byCode[code.Code]
		if g == nil {
			g = &codeGroup{code: code}
			byCode[code.Code] = g
			groups = append(groups, g)
		}
		r := row{code: code, ledger: id, vatCase: vc, acctCase: acctCase, net: l.Net, names: []string{lineName(l)}}
		g.lines = append(g.lines, r)
		merged := false
		for i := range g.grouped {
			if g.grouped[i].ledger == id {
				g.grouped[i].net += l.Net
				g.grouped[i].names = append(g.grouped[i].names, r.names...)
				merged = true
				break
			}
		}
		if !merged {
			g.grouped = append(g.grouped, r)
		}
	}
	for _, s := range inv.TaxSubtotals {
		vc, ok := ledger.VATCase(order.InvoiceLine{Category: s.Category, Rate: s.Rate})
		if !ok {
			return nil, ledger.WithReason(ledger.ReasonVATUnmapped, map[string]string{"case": string(vc)},
				fmt.Errorf("VAT %s %s%% fits no VAT case of the mapping", s.Category, s.Rate.Percent()))
		}
		g := byCode[m[vc].VATCode]
		if g == nil {
			if s.Tax == 0 {
				continue // a subtotal without lines or VAT
			}
			return nil, fmt.Errorf("the shop's VAT %s at %s%% has no line", s.Tax, s.Rate.Percent())
		}
		if g.shopTax == 0 && g.rate == 0 {
			g.rate = s.Rate
		}
		g.shopTax += s.Tax
	}
	for _, g := range groups {
		spreadTax(g.grouped, g.shopTax)
		spreadTax(g.lines, g.shopTax)
	}
	return groups, nil
}

// spreadTax gives each row its part of tax: the VAT of the row's net at
// the code's rate when those add up to tax (a shop that rounds per line),
// else in proportion to the nets, by largest remainder, so the parts
// always add up to tax.
func spreadTax(rows []row, tax order.Money) {
	if len(rows) == 0 {
		return
	}
	var own, total order.Money
	negative := false
	for _, r := range rows {
		own += order.Rate(r.code.Rate).Of(r.net)
		total += r.net
		negative = negative || r.net < 0
	}
	if own == tax {
		for i := range rows {
			rows[i].tax = order.Rate(rows[i].code.Rate).Of(rows[i].net)
		}
		return
	}
	for i := range rows {
		rows[i].tax = 0
	}
	if negative || total <= 0 {
		big := 0
		for i, r := range rows {
			if r.net > rows[big].net {
				big = i
			}
		}
		rows[big].tax = tax
		return
	}
	var given order.Money
	rems := make([]int64, len(rows))
	for i, r := range rows {
		p := int64(tax) * int64(r.net)
		rows[i].tax = order.Money(p / int64(total))
		rems[i] = p % int64(total)
		given += rows[i].tax
	}
	for left := tax - given; left != 0; {
		best := -1
		for i := range rows {
			if best < 0 || abs64(rems[i]) > abs64(rems[best]) {
				best = i
			}
		}
		step := order.Money(1)
		if left < 0 {
			step = -1
		}
		rows[best].tax += step
		rems[best] = 0
		left -= step
	}
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// vatOf sums e-Boekhouden's VAT of rows in mode inEx.
func vatOf(rows []row, inEx string) order.Money {
	var v order.Money
	for _, r := range rows {
		v += r.ledgerVAT(inEx)
	}
	return v
}

// choose plans the rows of groups: the mode (IN when the shop's prices
// include VAT, else EX) and, per code, its rows per ledger or, where they
// miss the shop's VAT and a row per line hits it, a row per line. The
// other mode is taken only when it misses less. Every code whose VAT
// still differs gives a warning; sign is -1 for a credit note (the
// warning's figures are as booked).
func choose(groups []*codeGroup, inclTax bool, sign order.Money) plan {
	modes := []string{"EX", "IN"}
	if inclTax {
		modes = []string{"IN", "EX"}
	}
	lines := 0
	for _, g := range groups {
		lines += len(g.lines)
	}
	var best plan
	bestMiss := order.Money(-1)
	for _, mode := range modes {
		p := plan{inEx: mode}
		var miss order.Money
		for _, g := range groups {
			rows := g.grouped
			if vatOf(rows, mode) != g.shopTax && len(g.lines) > len(g.grouped) && lines <= maxRows && vatOf(g.lines, mode) == g.shopTax {
				rows = g.lines
			}
			if d := vatOf(rows, mode) - g.shopTax; d != 0 {
				miss += d.Abs()
				p.warnings = append(p.warnings, ledger.Warning{Code: ledger.WarnVATDiffers, Args: map[string]string{
					"rate": g.rate.Percent(), "vat_code": g.code.Code,
					"shop": (sign * g.shopTax).String(), "ledger": (sign * (g.shopTax + d)).String(), "diff": (sign * d).String(),
				}})
			}
			p.rows = append(p.rows, rows...)
		}
		if bestMiss < 0 || miss < bestMiss {
			best, bestMiss = p, miss
		}
		if miss == 0 {
			break
		}
	}
	return best
}
