package order

import (
	"errors"
	"testing"
)

func exact(l Line, net, vat int64) Line {
	l.Exact = &Exact{Net: net, VAT: vat}
	return l
}

// TestReconcile: the invoice equals the shop's total and VAT; the shop's
// rounding, at most a cent per line, goes onto lines with a note.
func TestReconcile(t *testing.T) {
	opt := InvoiceOptions{Shop: "s", Seller: testSeller()}
	cheap := func(n int) []Line {
		var ls []Line
		for i := 0; i < n; i++ {
			// 0.917431 net at 9 % incl.: rounded up to 0.92 each.
			ls = append(ls, exact(line(Product, string(rune('a'+i)), 1, 92, 8, RateLow, Standard), 917431, 82569))
		}
		return ls
	}
	for _, tt := range []struct {
		name       string
		o          Order
		wantSubs   []TaxSubtotal
		wantNotes  int
		reconcileE bool
	}{
		{
			// The REST API prints a fee's unrounded 0.315 as 0.32, the shop
			// counts 0.31 (half down in an incl. shop); tax_lines say 21.31.
			name: "fee VAT from tax_lines",
			o: func() Order {
				o := order([]Line{line(Product, "1", 1, 10000, 2100, RateHigh, Standard),
					exact(line(Fee, "2", 1, 150, 32, RateHigh, Standard), 1500000, 315000)}, 12281, 2131)
				o.Taxes = []RateTax{{Rate: RateHigh, Tax: 2131}}
				return o
			}(),
			wantSubs: []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 10150, Tax: 2131}},
		},
		{
			// Same without tax_lines: the unrounded taxes decide.
			name: "fee VAT from the unrounded taxes",
			o: order([]Line{exact(line(Product, "1", 1, 10000, 2100, RateHigh, Standard), 100000000, 21000000),
				exact(line(Fee, "2", 1, 150, 32, RateHigh, Standard), 1500000, 315000)}, 12281, 2131),
			wantSubs: []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 10150, Tax: 2131}},
		},
		{
			// Seven 1.00 items at 9 % incl., round at subtotal: 6.42 + 0.58,
			// the lines say 6.44 + 0.56.
			name:      "seven cheap lines, two cents",
			o:         order(cheap(7), 700, 58),
			wantSubs:  []TaxSubtotal{{Category: Standard, Rate: RateLow, Taxable: 642, Tax: 58}},
			wantNotes: 2,
		},
		{
			name: "two rates: each rate gets its own share",
			o: func() Order {
				ls := append(cheap(3), exact(line(Product, "z", 1, 83, 17, RateHigh, Standard), 826446, 173554), // 1.00 at 21 % incl.
					exact(line(Product, "y", 1, 83, 17, RateHigh, Standard), 826446, 173554))
				// 9 %: 2.752293 + 0.247707; 21 %: 1.652892 + 0.347108.
				o := order(ls, 500, 60)
				o.Taxes = []RateTax{{Rate: RateHigh, Tax: 35}, {Rate: RateLow, Tax: 25}}
				return o
			}(),
			wantSubs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 165, Tax: 35}, {Category: Standard, Rate: RateLow, Taxable: 275, Tax: 25}},
			wantNotes: 2,
		},
		{
			name:       "more than a cent per line is no rounding",
			o:          order(cheap(2), 195, 17),
			reconcileE: true,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := NewInvoice(tt.o, opt)
			var re *ReconcileError
			if tt.reconcileE {
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want *ReconcileError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if inv.Total != tt.o.Total || inv.TaxTotal != tt.o.TotalTax {
				t.Errorf("invoice %s / %s, shop %s / %s", inv.Total, inv.TaxTotal, tt.o.Total, tt.o.TotalTax)
			}
			if len(inv.TaxSubtotals) != len(tt.wantSubs) {
				t.Fatalf("subtotals %+v, want %+v", inv.TaxSubtotals, tt.wantSubs)
			}
			for i, s := range tt.wantSubs {
				if g := inv.TaxSubtotals[i]; g.Category != s.Category || g.Rate != s.Rate || g.Taxable != s.Taxable || g.Tax != s.Tax {
					t.Errorf("subtotal %+v, want %+v", g, s)
				}
			}
			notes := 0
			for i, l := range inv.Lines {
				if l.Note != "" {
					notes++
					if d := l.Net - tt.o.Lines[i].Net; d.Abs() != 1 || l.Note != RoundingNote(d) {
						t.Errorf("line %s: net %s (shop %s), note %q", l.ID, l.Net, tt.o.Lines[i].Net, l.Note)
					}
				} else if l.Net != tt.o.Lines[i].Net {
					t.Errorf("line %s changed without a note", l.ID)
				}
			}
			if notes != tt.wantNotes {
				t.Errorf("%d lines carry rounding, want %d", notes, tt.wantNotes)
			}
		})
	}
	if RoundingNote(1) != "Afronding webwinkel: +0,01" || RoundingNote(-1) != "Afronding webwinkel: -0,01" {
		t.Errorf("notes %q %q", RoundingNote(1), RoundingNote(-1))
	}
}

// TestReconcileLinesThatAddUp: when the shop's rounded lines add up to its
// total excl. VAT, no cent moves between the rates, even where the rates'
// unrounded amounts would split that total otherwise (here the 21 % line's
// remainder, 0.4 cent, beats the 9 % lines', 0).
func TestReconcileLinesThatAddUp(t *testing.T) {
	ls := []Line{
		exact(line(Product, "a", 1, 3685, 774, RateHigh, Standard), 36854000, 7739340),
		exact(line(Product, "b", 1, 630, 57, RateLow, Standard), 6295000, 566550),
		exact(line(Product, "c", 1, 629, 57, RateLow, Standard), 6285000, 565650),
	}
	o := order(ls, 4944+888, 888)
	inv, err := NewInvoice(o, InvoiceOptions{Shop: "s", Seller: testSeller()})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range inv.Lines {
		if l.Net != ls[i].Net || l.Note != "" {
			t.Errorf("line %s: %s %q, the shop says %s", l.ID, l.Net, l.Note, ls[i].Net)
		}
	}
	want := []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 3685, Tax: 774}, {Category: Standard, Rate: RateLow, Taxable: 1259, Tax: 114}}
	for i, s := range inv.TaxSubtotals {
		if s.Taxable != want[i].Taxable || s.Tax != want[i].Tax {
			t.Errorf("subtotal %+v, want %+v", s, want[i])
		}
	}
}

// TestReconcileErrorPerRate: the rate that misses its share is reported
// with its own figures and line count, not the order's.
func TestReconcileErrorPerRate(t *testing.T) {
	var ls []Line
	for i := 0; i < 4; i++ {
		ls = append(ls, line(Product, string(rune('a'+i)), 1, 1000, 90, RateLow, Standard))
	}
	ls = append(ls, line(Product, "e", 1, 1000, 210, RateHigh, Standard))
	o := order(ls, 5000+572, 572)
	o.Taxes = []RateTax{{Rate: RateHigh, Tax: 212}, {Rate: RateLow, Tax: 360}} // 21 %: two cents on one line
	_, err := NewInvoice(o, InvoiceOptions{Shop: "s", Seller: testSeller()})
	var re *ReconcileError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *ReconcileError", err)
	}
	want := ReconcileError{Order: "2026-100", Field: FieldTotalTax, Want: 212, Got: 210, Lines: 1, Category: Standard, Rate: RateHigh}
	if *re != want {
		t.Errorf("ReconcileError %+v, want %+v", *re, want)
	}
	if got := err.Error(); got != "order 2026-100: lines at 21% (S) add up to VAT 2.10, the shop says 2.12 (difference -0.02, more than a cent per line of 1)" {
		t.Errorf("message %q", got)
	}
	code, args := Failure(err)
	if code != ReasonTotalsMismatch || args["rate"] != "21" || args["lines"] != "1" || args["got"] != "2.10" || args["want"] != "2.12" || args["diff"] != "-0.02" || args["field"] != "total_tax" {
		t.Errorf("Failure = %s %v", code, args)
	}

	// The net: four cents short over three lines. The 9 % rate's lines
	// were rounded down most, so they take a cent each; the 21 % line takes
	// the rest, two cents, and is reported.
	ls = []Line{line(Product, "a", 1, 1000, 90, RateLow, Standard), line(Product, "b", 1, 1000, 90, RateLow, Standard),
		line(Product, "c", 1, 1000, 210, RateHigh, Standard)}
	ls[0].Exact = &Exact{Net: 10004000, VAT: 900000}
	o = order(ls, 3000+390+4, 390)
	_, err = NewInvoice(o, InvoiceOptions{Shop: "s", Seller: testSeller()})
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *ReconcileError", err)
	}
	want = ReconcileError{Order: "2026-100", Field: FieldTotal, Want: 1212, Got: 1210, Lines: 1, Category: Standard, Rate: RateHigh}
	if *re != want {
		t.Errorf("ReconcileError %+v, want %+v", *re, want)
	}
}
