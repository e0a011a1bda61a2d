package pos

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/orderbrug/orderbrug/sync/order"
)

// Scales of the figures a check carries: integer fields are in cents
// (totalAmount 3100 = 31.00), actual* fields in thousandths (actualTax
// 3163 = 3.163).
const (
	cents       = 2
	thousandths = 3
)

// amount is one figure of a check exactly as it came: a JSON number, or a
// string (a *Str twin "1.234,56", an integer sent as text). It never fails
// to decode; what it means is read where the field's name and scale are
// known, so a bad value is reported with the field it is in.
type amount struct {
	raw string // the text, without quotes; "" when absent, null or ""
	str bool   // it came as a JSON string
	bad bool   // neither a number nor a string (an object, a bool)
}

func (a *amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*a = amount{}
	case b[0] == '"':
		s, ok := unquote(b)
		if !ok {
			*a = amount{bad: true}
			return nil
		}
		*a = amount{raw: strings.TrimSpace(s), str: true}
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		*a = amount{raw: string(b)}
	default:
		*a = amount{bad: true, raw: string(b)}
	}
	return nil
}

// set reports whether the field carries a value.
func (a amount) set() bool { return a.raw != "" || a.bad }

// shown is the value for an error message: short, and quoted as it came.
func (a amount) shown() string {
	s := clip(a.raw)
	if a.str {
		return strconv.Quote(s)
	}
	return s
}

// minor reads an integer field in its own minor unit (cents or
// thousandths, scale): a whole JSON number (3100, or 3100.0), an integer
// as text of digits only ("3100"), or, from a sender that formats it, a
// decimal in currency units ("31,00", "10.00" = 1000 cents). Absent is 0,
// false.
func (a amount) minor(field string, scale int) (int64, bool, error) {
	if !a.set() {
		return 0, false, nil
	}
	if a.bad {
		return 0, false, fmt.Errorf("%s is %s, not an amount", field, a.shown())
	}
	// A JSON number, or text of digits only ("3100"), is in the field's
	// own unit; text with a separator ("10.00", "31,00") is a decimal in
	// currency units, never read as whole cents.
	if !a.str || !strings.ContainsAny(a.raw, ".,") {
		if v, ok := wholeNumber(a.raw); ok {
			return v, true, nil
		}
	}
	if a.str {
		if vs, ok := parseLocale(a.raw, scale); ok {
			return vs[0], true, nil
		}
	}
	return 0, false, fmt.Errorf("%s is %s, not a whole number of %s", field, a.shown(), unitName(scale))
}

// text reads a *Str twin (or any amount given in currency units) at scale:
// its readings, more than one when the text is ambiguous ("1.234" is
// 1.234 or 1234). Absent is nil, nil.
func (a amount) text(field string, scale int) ([]int64, error) {
	if !a.set() {
		return nil, nil
	}
	if !a.bad {
		if vs, ok := parseLocale(a.raw, scale); ok {
			return vs, nil
		}
	}
	return nil, fmt.Errorf("%s is %s, not an amount", field, a.shown())
}

func unitName(scale int) string {
	if scale == thousandths {
		return "thousandths"
	}
	return "cents"
}

// wholeNumber reads "-3100", "3100" or "3100.00" (a JSON number that is
// whole): no exponent, at most 15 digits.
func wholeNumber(s string) (int64, bool) {
	t := s
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	ip, fp, _ := strings.Cut(t, ".")
	if ip == "" || len(ip) > 15 || !digits(ip) || !digits(fp) || strings.Trim(fp, "0") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(ip, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseLocale reads an amount as a till formats it for people, in
// currency units, into units of 10^-scale: "31,00", "1.234,56",
// "1,234.56", "€ 0,00", "TL 0,00", "0.88", "0,880", "-€ 1,50", "(1,50)",
// "1 234,56", "31". Letters, currency signs and spaces may lead or trail;
// a minus or parentheses make it negative. The decimal separator is the
// last of ',' and '.' when both occur; one that occurs more than once
// groups thousands; a single one is the decimal separator, and when three
// digits follow it after a non-zero group of at most three ("1.234"), the
// text is ambiguous and the thousands reading comes second. Digits beyond
// the scale round half away from zero. It reports false for anything else.
func parseLocale(s string, scale int) ([]int64, bool) {
	neg := false
	// Strip what may surround the number.
	isEdge := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsSpace(r) || unicode.Is(unicode.Sc, r) ||
			r == '-' || r == '+' || r == '(' || r == ')' || r == '\u2212'
	}
	start := strings.IndexFunc(s, func(r rune) bool { return !isEdge(r) })
	end := strings.LastIndexFunc(s, func(r rune) bool { return !isEdge(r) })
	if start < 0 {
		return nil, false
	}
	_, lastSize := utf8.DecodeRuneInString(s[end:])
	for _, r := range s[:start] + s[end+lastSize:] {
		switch {
		case r == '-' || r == '(' || r == '\u2212':
			neg = true
		case r == '+' || r == ')' || unicode.IsSpace(r) || unicode.IsLetter(r) || unicode.Is(unicode.Sc, r):
		default:
			return nil, false
		}
	}
	var m strings.Builder
	for _, r := range s[start : end+lastSize] {
		switch {
		case r >= '0' && r <= '9' || r == ',' || r == '.':
			m.WriteRune(r)
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\'':
			// a thousands separator of some locales: dropped
		default:
			return nil, false
		}
	}
	num := m.String()
	if num == "" {
		return nil, false
	}
	lc, ld := strings.LastIndexByte(num, ','), strings.LastIndexByte(num, '.')
	var reads [][2]string // integer part, fraction
	switch {
	case lc < 0 && ld < 0:
		reads = append(reads, [2]string{num, ""})
	case lc >= 0 && ld >= 0:
		dec, group := max(lc, ld), byte('.')
		if dec == ld {
			group = ','
		}
		ip := strings.ReplaceAll(num[:dec], string(group), "")
		reads = append(reads, [2]string{ip, num[dec+1:]})
	default:
		sep := byte(',')
		if ld >= 0 {
			sep = '.'
		}
		if strings.Count(num, string(sep)) > 1 {
			reads = append(reads, [2]string{strings.ReplaceAll(num, string(sep), ""), ""})
			break
		}
		ip, fp, _ := strings.Cut(num, string(sep))
		reads = append(reads, [2]string{ip, fp})
		if len(fp) == 3 && len(ip) >= 1 && len(ip) <= 3 && ip[0] != '0' {
			reads = append(reads, [2]string{ip + fp, ""})
		}
	}
	var out []int64
	for _, r := range reads {
		v, ok := scaled(r[0], r[1], scale)
		if !ok {
			return nil, false
		}
		if neg {
			v = -v
		}
		out = append(out, v)
	}
	return out, true
}

// scaled is ip.fp in units of 10^-scale, rounded half away from zero.
func scaled(ip, fp string, scale int) (int64, bool) {
	if ip == "" && fp == "" || !digits(ip) || !digits(fp) {
		return 0, false
	}
	ip = strings.TrimLeft(ip, "0")
	if len(ip) > 15 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(ip); i++ {
		v = v*10 + int64(ip[i]-'0')
	}
	for i := 0; i < scale; i++ {
		v *= 10
		if i < len(fp) {
			v += int64(fp[i] - '0')
		}
	}
	if len(fp) > scale && fp[scale] >= '5' {
		v++
	}
	return v, true
}

// MismatchError is a check whose twin figures disagree by more than the
// rounding allowed: an integer field and its *Str or actual* twin, or the
// tax lines and the total VAT. Such a check is refused, not booked.
type MismatchError struct {
	Check string // the check's id, "" when it names none
	// Field and Twin are the two fields, Value and TwinValue their figures
	// as they came (with the amount they were read as).
	Field, Twin      string
	Value, TwinValue string
	// Diff and Allowed are in currency units ("0.50", "0.02"); both ""
	// for figures that are not amounts (checkStatus and isClosed).
	Diff, Allowed string
}

func (e *MismatchError) Error() string {
	id := ""
	if e.Check != "" {
		id = "check " + clip(e.Check) + ": "
	}
	if e.Diff == "" {
		return fmt.Sprintf("%s%s %q and %s %s disagree", id, e.Field, e.Value, e.Twin, e.TwinValue)
	}
	return fmt.Sprintf("%s%s %s and %s %s disagree by %s, more than the %s of rounding allowed",
		id, e.Field, e.Value, e.Twin, e.TwinValue, e.Diff, e.Allowed)
}

// twins cross-checks the figures of one check, collecting the first
// disagreement.
type twins struct {
	err error
}

// cmp checks integer field a (in units of 10^-scaleA) against twin b, read
// from text in currency units unless bMinor says it is an integer field of
// scale scaleB; allowed is in cents, and applies only between figures of
// different scales (a text twin of the same scale must agree exactly).
// Absent fields are not compared.
func (t *twins) cmp(field string, a amount, scaleA int, twin string, b amount, bMinor bool, scaleB int, allowed int64) {
	if t.err != nil || !a.set() || !b.set() {
		return
	}
	if !bMinor && scaleA == scaleB {
		// A figure and its own *Str twin are the same number printed:
		// they agree exactly; rounding is only between an integer and
		// its actual* thousandths.
		allowed = 0
	}
	av, _, err := a.minor(field, scaleA)
	if err != nil {
		t.err = err
		return
	}
	var bs []int64
	if bMinor {
		v, _, err := b.minor(twin, scaleB)
		if err != nil {
			t.err = err
			return
		}
		bs = []int64{v}
	} else if bs, err = b.text(twin, scaleB); err != nil {
		t.err = err
		return
	}
	ta := toThousandths(av, scaleA)
	best := int64(-1)
	var bestB int64
	for _, v := range bs {
		d := ta - toThousandths(v, scaleB)
		if d < 0 {
			d = -d
		}
		if best < 0 || d < best {
			best, bestB = d, v
		}
	}
	if best <= allowed*10 {
		return
	}
	t.err = &MismatchError{
		Field: field, Value: fmt.Sprintf("%s (%s)", a.shown(), fmtScaled(av, scaleA)),
		Twin: twin, TwinValue: fmt.Sprintf("%s (%s)", b.shown(), fmtScaled(bestB, scaleB)),
		Diff: fmtScaled(best, thousandths), Allowed: order.Money(allowed).String(),
	}
}

// sum checks a figure against what its parts add up to.
func (t *twins) sum(field string, want int64, parts string, got int64, allowed int64) {
	if t.err != nil {
		return
	}
	d := want - got
	if d < 0 {
		d = -d
	}
	if d <= allowed {
		return
	}
	t.err = &MismatchError{Field: field, Value: order.Money(want).String(), Twin: parts, TwinValue: order.Money(got).String(),
		Diff: order.Money(d).String(), Allowed: order.Money(allowed).String()}
}

func toThousandths(v int64, scale int) int64 {
	if scale == cents {
		return v * 10
	}
	return v
}

// fmtScaled writes v (units of 10^-scale) as a plain decimal.
func fmtScaled(v int64, scale int) string {
	if scale == cents {
		return order.Money(v).String()
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%03d", sign, v/1000, v%1000)
}

// rateOf reads a tax rate in percent (taxRate 9, 5.5, "9.000", "21,00")
// into basis points; ok is false when absent.
func rateOf(field string, a amount) (order.Rate, bool, error) {
	if !a.set() {
		return 0, false, nil
	}
	vs, err := a.text(field, 2)
	if err != nil || vs[0] < 0 || vs[0] > 10000 {
		return 0, false, fmt.Errorf("%s is %s, not a VAT percentage", field, a.shown())
	}
	return order.Rate(vs[0]), true, nil
}
