package order

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in cents. Never a float: 0.1 + 0.2 must be 0.30.
type Money int64

// maxCents is the largest amount ParseMoney accepts: 15 digits of euros.
const maxCents = 999_999_999_999_999_99

// ErrBadAmount is wrapped by ParseMoney for text that is not a decimal amount.
var ErrBadAmount = errors.New("not a decimal amount")

// ParseMoney reads a decimal amount as shops send it ("42.06", "-5.00",
// "3.2", "1.0416", "7") into cents. Digits beyond the cent are rounded half
// away from zero, as WooCommerce rounds its own totals. An empty string is 0,
// since WooCommerce sends "" for amounts that do not apply.
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	neg := false
	switch t[0] {
	case '-':
		neg, t = true, t[1:]
	case '+':
		t = t[1:]
	}
	intPart, frac, hasDot := strings.Cut(t, ".")
	if intPart == "" && (!hasDot || frac == "") {
		return 0, fmt.Errorf("%q: %w", s, ErrBadAmount)
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("%q: %w", s, ErrBadAmount)
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 15 { // beyond any shop's order, and near int64's edge in cents
		return 0, fmt.Errorf("%q: %w (too large)", s, ErrBadAmount)
	}
	var units int64
	if intPart != "" {
		units, _ = strconv.ParseInt(intPart, 10, 64)
	}
	cents := int64(0)
	for i := 0; i < 2; i++ {
		cents *= 10
		if i < len(frac) {
			cents += int64(frac[i] - '0')
		}
	}
	v := units*100 + cents
	if len(frac) > 2 && frac[2] >= '5' {
		v++
	}
	if v > maxCents { // rounding can carry into a 16th digit
		return 0, fmt.Errorf("%q: %w (too large)", s, ErrBadAmount)
	}
	if neg {
		v = -v
	}
	return Money(v), nil
}

// ParseMicros reads a decimal amount as WooCommerce keeps unrounded taxes
// ("0.082569", "-2.5", "") into millionths of the currency unit, exactly
// (no float), rounding half away from zero beyond the sixth decimal. An
// empty string is 0.
func ParseMicros(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(strings.TrimPrefix(t, "-"), "+")
	ip, fp, _ := strings.Cut(t, ".")
	if ip == "" && fp == "" || !allDigits(ip) || !allDigits(fp) || len(ip) > 12 {
		return 0, fmt.Errorf("%q: %w", s, ErrBadAmount)
	}
	var v int64
	for _, c := range ip {
		v = v*10 + int64(c-'0')
	}
	for i := 0; i < 6; i++ {
		v *= 10
		if i < len(fp) {
			v += int64(fp[i] - '0')
		}
	}
	if len(fp) > 6 && fp[6] >= '5' {
		v++
	}
	if neg {
		v = -v
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MoneyFromFloat converts a JSON number such as WooCommerce's line "price"
// (9, 3.600551) to cents, rounding half away from zero. Use it only for
// values that are informative; totals come from decimal strings.
func MoneyFromFloat(f float64) (Money, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return 0, fmt.Errorf("%v: %w", f, ErrBadAmount)
	}
	return Money(math.Round(f * 100)), nil
}

// String writes the amount as a plain decimal with two places ("-5.00"),
// the form UBL and the ledgers' APIs expect.
func (m Money) String() string {
	v := int64(m)
	sign := ""
	if v < 0 {
		sign = "-"
		if v == math.MinInt64 {
			return "-92233720368547758.08"
		}
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Abs is the amount without its sign.
func (m Money) Abs() Money {
	if m < 0 {
		return -m
	}
	return m
}

// Rate is a VAT rate in basis points: 2100 is 21 %, 900 is 9 %.
type Rate int64

// Dutch VAT rates.
const (
	RateHigh Rate = 2100
	RateLow  Rate = 900
	RateZero Rate = 0
)

// RateFromPercent converts a percentage as a shop reports it (21, 9, 0, 5.5)
// to basis points.
func RateFromPercent(p float64) (Rate, error) {
	if math.IsNaN(p) || p < 0 || p > 100 {
		return 0, fmt.Errorf("VAT rate %v%% is not a percentage", p)
	}
	return Rate(math.Round(p * 100)), nil
}

// Percent writes the rate as UBL wants it: "21", "9", "5.5".
func (r Rate) Percent() string {
	s := strconv.FormatInt(int64(r)/100, 10)
	if f := int64(r) % 100; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", f), "0")
	}
	return s
}

// OfGross is the VAT included in a gross amount (incl. VAT) at this rate,
// rounded half away from zero to the cent: 1.09 at 9 % holds 0.09.
func (r Rate) OfGross(gross Money) Money {
	p, d := int64(gross)*int64(r), 10000+int64(r)
	q, rem := p/d, p%d
	if 2*rem >= d {
		q++
	} else if -2*rem >= d {
		q--
	}
	return Money(q)
}

// Of is the VAT on a net amount at this rate, rounded half away from zero
// to the cent.
func (r Rate) Of(net Money) Money {
	p := int64(net) * int64(r)
	q, rem := p/10000, p%10000
	if rem >= 5000 {
		q++
	} else if rem <= -5000 {
		q--
	}
	return Money(q)
}

// Category is a VAT category code of UNCL5305 as EN 16931 uses it.
type Category string

// VAT categories.
const (
	// Standard is any positive rate (21 %, 9 %).
	Standard Category = "S"
	// ZeroRated is 0 % on a taxable supply.
	ZeroRated Category = "Z"
	// Exempt is a supply exempt from VAT.
	Exempt Category = "E"
	// ReverseCharge is EU B2B: the buyer accounts for the VAT.
	ReverseCharge Category = "AE"
	// Export is a supply to outside the EU.
	Export Category = "G"
	// IntraEUService is intra-community supply of goods (K).
	IntraEU Category = "K"
	// OutOfScope is not subject to VAT.
	OutOfScope Category = "O"
)
