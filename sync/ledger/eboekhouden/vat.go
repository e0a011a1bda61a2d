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
// shop's: a row per code and revenue ledger in the shop's own price mode
// first, then in the other (incl. VAT with a cent of the shop's VAT moved
// between a code's rows where that hits), then, for a code whose rows
// miss, a row per line; whatever still differs is a WarnVATDiffers
// warning.
//
// That plan is a prediction: it assumes e-Boekhouden rounds per row, as
// ebemu does (APIS.md does not say). The ledger does not trust it: after
// the create it reads the mutation back (GET /v1/mutation/{id}) and
// compares its vat[] per code with the shop's (BookReport, verified); the
// warnings are e-Boekhouden's answer, not the prediction. The rounding
// rows (byRounding) are kept because, while the assumption holds, they are
// what makes the answer agree; were e-Boekhouden to round per code
// instead, they would change nothing (a code's rows add up to the same
// amount) and the read-back reports what differs.

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
	// rate is the shop's rate of the code's lines (the first non-zero
	// one of its subtotals).
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
		code := strings.TrimSpace(m[vc].VATCode)
		g := byCode[code]
		if g == nil {
			if s.Tax == 0 {
				continue // a subtotal without lines or VAT
			}
			if code == "" {
				return nil, ledger.WithReason(ledger.ReasonVATUnmapped, map[string]string{"case": string(vc)},
					fmt.Errorf("VAT case %s has no VAT code", vc))
			}
			return nil, ledger.Permanent(fmt.Errorf("the shop's VAT %s at %s%% has no line", s.Tax, s.Rate.Percent()))
		}
		if g.rate == 0 {
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

// How far choose goes to make e-Boekhouden's VAT of a code the shop's.
const (
	// byLedger: a row per code and revenue ledger.
	byLedger = iota
	// byLine: else a row per line, where that hits.
	byLine
	// byRounding: else a row split in two, a cent of rounding at a time,
	// at most a cent per line of the code (what the shop's rounding can
	// have moved, DESIGN "Money and VAT"), where that hits.
	byRounding
)

// choose plans the rows of groups: the mode (IN when the shop's prices
// include VAT, else EX) and a row per code and revenue ledger; else the
// other mode when that hits the shop's VAT; else, for a code whose rows
// miss, a row per line, else a rounding row, where that hits, in the
// shop's mode first. Where nothing hits, the mode that misses least (the
// shop's on a tie), and a warning per code whose VAT differs; sign is -1
// for a credit note (the warning's figures are as booked).
func choose(groups []*codeGroup, inclTax bool, sign order.Money) plan {
	modes := []string{"EX", "IN"}
	if inclTax {
		modes = []string{"IN", "EX"}
	}
	var best plan
	bestMiss := order.Money(-1)
	for stage := byLedger; stage <= byRounding; stage++ {
		for _, mode := range modes {
			p, miss := planMode(groups, mode, stage, sign)
			if bestMiss < 0 || miss < bestMiss {
				best, bestMiss = p, miss
			}
			if miss == 0 {
				return best
			}
		}
	}
	return best
}

// planMode plans groups in mode inEx, going as far as stage for a code
// whose rows miss, in maxRows rows at most (the rounding rows and rows per
// line of every code counted); miss is how many cents of VAT differ in
// all.
func planMode(groups []*codeGroup, inEx string, stage int, sign order.Money) (p plan, miss order.Money) {
	p.inEx = inEx
	// later is the fewest rows the codes after this one take (a row per
	// revenue ledger): what a code may spend on rows per line or rounding
	// rows is what maxRows leaves after the codes before it and those.
	later := 0
	for _, g := range groups {
		later += len(g.grouped)
	}
	for _, g := range groups {
		later -= len(g.grouped)
		room := maxRows - len(p.rows) - later
		rows := g.grouped
		if inEx == "IN" && vatOf(rows, inEx) != g.shopTax {
			rows = tuneIN(rows, g.shopTax)
		}
		if stage >= byLine && vatOf(rows, inEx) != g.shopTax && len(g.lines) <= room && vatOf(g.lines, inEx) == g.shopTax {
			rows = g.lines
		}
		if stage >= byRounding && vatOf(rows, inEx) != g.shopTax {
			if r, ok := roundingRows(rows, inEx, g.shopTax, len(g.lines)); ok && len(r) <= room {
				rows = r
			}
		}
		if d := vatOf(rows, inEx) - g.shopTax; d != 0 {
			miss += d.Abs()
			p.warnings = append(p.warnings, ledger.Warning{Code: ledger.WarnVATDiffers, Args: map[string]string{
				"rate": g.rate.Percent(), "vat_code": g.code.Code,
				"shop": (sign * g.shopTax).String(), "ledger": (sign * (g.shopTax + d)).String(), "diff": (sign * d).String(),
			}})
		}
		p.rows = append(p.rows, rows...)
	}
	return p, miss
}

// roundingRows splits cents of rounding off rows until e-Boekhouden's VAT
// of them is tax: each split takes a piece off a row (same code and
// ledger, the amounts adding up to the row's), whose VAT rounded apart is
// a cent more or less than the row's rounded at once. At most max cents;
// ok is false (and rows unchanged) when that does not reach tax.
func roundingRows(rows []row, inEx string, tax order.Money, max int) ([]row, bool) {
	d := tax - vatOf(rows, inEx)
	if d == 0 || d.Abs() > order.Money(max) {
		return rows, d == 0
	}
	step := order.Money(1)
	if d < 0 {
		step = -1
	}
	out := append([]row(nil), rows...)
	for ; d != 0; d -= step {
		done := false
		for i := 0; i < len(out) && !done; i++ {
			whole := out[i].amount(inEx)
			for a := order.Money(1); a < whole && a <= 10000; a++ {
				piece, rest := splitRow(out[i], a, inEx)
				if piece.ledgerVAT(inEx)+rest.ledgerVAT(inEx)-out[i].ledgerVAT(inEx) == step {
					out[i] = rest
					out = append(out, piece)
					done = true
					break
				}
			}
		}
		if !done {
			return rows, false
		}
	}
	return out, true
}

// splitRow cuts a piece of amount a off r (in mode inEx); the piece and
// the rest add up to r, net and VAT.
func splitRow(r row, a order.Money, inEx string) (piece, rest row) {
	rate := order.Rate(r.code.Rate)
	piece = r
	piece.names = append(append([]string(nil), r.names...), "afronding btw")
	if inEx == "IN" {
		piece.tax = rate.OfGross(a)
		piece.net = a - piece.tax
	} else {
		piece.net, piece.tax = a, rate.Of(a)
	}
	rest = r
	rest.net, rest.tax = r.net-piece.net, r.tax-piece.tax
	return piece, rest
}

// tuneIN moves up to three cents of the shop's VAT from one row of a code
// to another (rows on two revenue ledgers), when that makes the VAT
// e-Boekhouden takes out of the rows' amounts incl. VAT add up to tax;
// else it returns rows as they are. The code's total incl. VAT does not
// change.
func tuneIN(rows []row, tax order.Money) []row {
	if len(rows) < 2 {
		return rows
	}
	c := append([]row(nil), rows...)
	for k := order.Money(1); k <= 3; k++ {
		for i := range c {
			for j := range c {
				if i == j {
					continue
				}
				c[i].tax, c[j].tax = rows[i].tax+k, rows[j].tax-k
				if vatOf(c, "IN") == tax {
					return c
				}
				c[i].tax, c[j].tax = rows[i].tax, rows[j].tax
			}
		}
	}
	return rows
}
