package pos

import (
	"slices"
	"testing"
)

// TestParseLocale: the *Str twins as tills format them, read exactly.
func TestParseLocale(t *testing.T) {
	for _, c := range []struct {
		in    string
		scale int
		want  []int64 // nil: refused
	}{
		{"31,00", cents, []int64{3100}},
		{"1.234,56", cents, []int64{123456}},
		{"1,234.56", cents, []int64{123456}},
		{"12.345.678,90", cents, []int64{1234567890}},
		{"€ 0,00", cents, []int64{0}},
		{"€\u00a012,50", cents, []int64{1250}},
		{"TL 0,00", cents, []int64{0}},
		{"EUR 7,5", cents, []int64{750}},
		{"0.88", cents, []int64{88}},
		{"0,88", cents, []int64{88}},
		{"31", cents, []int64{3100}},
		{"-€ 1,50", cents, []int64{-150}},
		{"€ -1,50", cents, []int64{-150}},
		{"(1,50)", cents, []int64{-150}},
		{"1 234,56", cents, []int64{123456}},
		{"1'234.56", cents, []int64{123456}},
		{"1,775", thousandths, []int64{1775, 1775000}},
		{"0,880", thousandths, []int64{880}},
		{"3,163", thousandths, []int64{3163, 3163000}},
		{"1,775", cents, []int64{178, 177500}}, // ambiguous: 1,775 or 1.775 thousand
		{"1.234", cents, []int64{123, 123400}},
		{"0.125", cents, []int64{13}},
		{"9.000", 2, []int64{900, 900000}},
		{"", cents, nil},
		{"€", cents, nil},
		{"abc", cents, nil},
		{"1e3", cents, nil},
		{"12-3", cents, nil},
		{"1,2,3.4.5", cents, nil},
		{"1.2.3,4,5", cents, nil},
		{"9999999999999999,00", cents, nil},
		{"١٢", cents, nil},
	} {
		got, ok := parseLocale(c.in, c.scale)
		if c.want == nil {
			if ok {
				t.Errorf("%q: read as %v, want refused", c.in, got)
			}
			continue
		}
		if !ok || !slices.Equal(got, c.want) {
			t.Errorf("%q at scale %d: %v %v, want %v", c.in, c.scale, got, ok, c.want)
		}
	}
}

// TestAmountMinor: integer fields as numbers, as text, formatted; what is
// not whole cents is refused with the field's name.
func TestAmountMinor(t *testing.T) {
	for _, c := range []struct {
		json string
		want int64
		ok   bool
		err  bool
	}{
		{`3100`, 3100, true, false},
		{`3100.0`, 3100, true, false},
		{`-150`, -150, true, false},
		{`"3100"`, 3100, true, false},
		{`"31,00"`, 3100, true, false},
		{`"10.00"`, 1000, true, false},
		{`"10.90"`, 1090, true, false},
		{`"10,00"`, 1000, true, false},
		{`"-3100"`, -3100, true, false},
		{`null`, 0, false, false},
		{`""`, 0, false, false},
		{`31.5`, 0, false, true},
		{`1e3`, 0, false, true},
		{`{}`, 0, false, true},
		{`true`, 0, false, true},
		{`"x"`, 0, false, true},
	} {
		var a amount
		if err := a.UnmarshalJSON([]byte(c.json)); err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		v, ok, err := a.minor("totalAmount", cents)
		if v != c.want || ok != c.ok || (err != nil) != c.err {
			t.Errorf("%s: %d %v %v", c.json, v, ok, err)
		}
	}
}
