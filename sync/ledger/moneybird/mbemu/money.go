package mbemu

import (
	"encoding/json"
	"math/big"
	"regexp"
	"strings"
)

// Rounding says how Moneybird rounds the VAT of an invoice. APIS.md says
// Moneybird computes the VAT from the prices and tax rates but not how it
// rounds; the emulator offers both readings.
type Rounding int

const (
	// PerLine rounds each line to the cent: excl. prices give a line VAT
	// of round(net × rate); incl. prices give a line net of
	// round(gross ÷ (1 + rate)) and a line VAT of gross − net. The tax
	// totals are the sums per rate. The default.
	PerLine Rounding = iota
	// PerRate adds the lines of each rate first (each line rounded to the
	// cent) and rounds the rate's VAT (excl.) or net (incl.) once.
	PerRate
)

var decimalText = regexp.MustCompile(`^-?[0-9]+([.,][0-9]+)?$`)

// parseDecimal reads a price or amount as Moneybird takes it: a JSON
// number, or a string with a decimal point or comma ("10,95"). ok is false
// for anything else (null, "", "abc", "1.000,00").
func parseDecimal(raw json.RawMessage) (*big.Rat, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, false
	}
	if s[0] == '"' {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			return nil, false
		}
		s = strings.TrimSpace(str)
		if !decimalText.MatchString(s) {
			return nil, false
		}
		s = strings.Replace(s, ",", ".", 1)
	} else if strings.ContainsAny(s, "eE") || !decimalText.MatchString(s) {
		if _, ok := new(big.Rat).SetString(s); !ok || s[0] == '{' || s[0] == '[' {
			return nil, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

var hundred = big.NewRat(100, 1)

// toCents rounds r to whole cents, half away from zero (Ruby's BigDecimal
// ROUND_HALF_UP).
func toCents(r *big.Rat) int64 {
	c := new(big.Rat).Mul(r, hundred)
	num, den := new(big.Int).Set(c.Num()), c.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}

// fmtCents writes cents as Moneybird writes a decimal: at least one
// decimal, no trailing zeros ("121.0", "10.95", "10.9", "-363.0").
func fmtCents(c int64) string {
	return fmtRat(big.NewRat(c, 100))
}

// fmtRat writes r as Ruby's BigDecimal#to_s("F"): "100.0", "0.333".
func fmtRat(r *big.Rat) string {
	s := r.FloatString(10)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	if s == "-0.0" {
		s = "0.0"
	}
	return s
}

// lineCalc is one line's computed amounts in cents.
type lineCalc struct {
	net, tax, gross int64
}

// rateOf is a tax rate's percentage as a fraction.
func rateOf(pct string) *big.Rat {
	r, ok := new(big.Rat).SetString(pct)
	if !ok {
		return new(big.Rat)
	}
	return r.Quo(r, hundred)
}

// computeVAT computes the lines and the totals per tax rate of an invoice.
// prices are the lines' price × amount (unrounded); pcts their rates'
// percentages; ids their tax rate ids. It returns the lines in cents and
// the tax totals, in the order the rates first occur.
func computeVAT(mode Rounding, inclTax bool, totals []*big.Rat, pcts, ids []string) ([]lineCalc, []taxSum) {
	lines := make([]lineCalc, len(totals))
	var sums []taxSum
	index := map[string]int{}
	for i, t := range totals {
		rate := rateOf(pcts[i])
		c := toCents(t)
		if inclTax {
			lines[i].gross = c
			lines[i].net = toCents(new(big.Rat).Quo(big.NewRat(c, 100), new(big.Rat).Add(big.NewRat(1, 1), rate)))
			lines[i].tax = c - lines[i].net
		} else {
			lines[i].net = c
			lines[i].tax = toCents(new(big.Rat).Mul(big.NewRat(c, 100), rate))
			lines[i].gross = c + lines[i].tax
		}
		k, ok := index[ids[i]]
		if !ok {
			k = len(sums)
			index[ids[i]] = k
			sums = append(sums, taxSum{id: ids[i], rate: rate})
		}
		sums[k].net += lines[i].net
		sums[k].tax += lines[i].tax
		sums[k].gross += lines[i].gross
	}
	if mode == PerRate {
		for k := range sums {
			s := &sums[k]
			if inclTax {
				s.net = toCents(new(big.Rat).Quo(big.NewRat(s.gross, 100), new(big.Rat).Add(big.NewRat(1, 1), s.rate)))
				s.tax = s.gross - s.net
			} else {
				s.tax = toCents(new(big.Rat).Mul(big.NewRat(s.net, 100), s.rate))
				s.gross = s.net + s.tax
			}
		}
	}
	return lines, sums
}

// taxSum is one rate's totals in cents.
type taxSum struct {
	id              string
	rate            *big.Rat
	net, tax, gross int64
}
