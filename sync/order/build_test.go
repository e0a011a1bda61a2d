package order

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"
)

var (
	issued = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	paid   = time.Date(2026, 11, 22, 19, 48, 57, 0, time.UTC)
)

func testSeller() Seller {
	return Seller{
		Party: Party{
			Name:    "Koffie & Thee <Bakker>",
			Company: "Bakker Koffie B.V.",
			Email:   "info@bakker.example",
			VATID:   "NL123456789B01",
			KvK:     "12345678",
			Address: Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"},
		},
		IBAN: "nl91 abna 0417 1643 00",
	}
}

// realOrder13 is /work/shared/fixtures/woocommerce/real-8.9.1/rest_order_13_get_after_refund.json
// written out by hand: prices incl. 21 % VAT, a 10 % coupon already in the
// product lines, flat-rate shipping, a fee, and one refund of 5.00.
func realOrder13() Order {
	return Order{
		Source:           WooCommerce,
		ID:               "13",
		Number:           "13",
		Status:           "completed",
		Created:          time.Date(2026, 11, 22, 19, 48, 26, 0, time.UTC),
		Modified:         time.Date(2026, 11, 22, 19, 49, 5, 0, time.UTC),
		Paid:             paid,
		Currency:         "EUR",
		PricesIncludeTax: true,
		Buyer: Party{
			Name: "Test Klant", Company: "Testbedrijf B.V.", Email: "klant@example.com", Phone: "0300000000",
			Address: Address{Street: "Teststraat 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"},
		},
		Lines: []Line{
			{Kind: Product, ID: "1", SKU: "MOK-01", Name: "Koffiemok", Quantity: 2, Net: 1800, VAT: 378, Rate: RateHigh, Category: Standard},
			{Kind: Product, ID: "2", SKU: "THEE/EG", Name: "Thee \u2013 Earl Grey (\u20ac)", Quantity: 3, Net: 1080, VAT: 227, Rate: RateHigh, Category: Standard},
			{Kind: Shipping, ID: "3", Name: "Verzending", Quantity: 0, Net: 496, VAT: 104, Rate: RateHigh, Category: Standard},
			{Kind: Fee, ID: "4", Name: "Verpakkingskosten", Quantity: 0, Net: 100, VAT: 21, Rate: RateHigh, Category: Standard},
		},
		Refunds:            []Refund{{ID: "14", Reason: "Beschadigd", Amount: 500}},
		Total:              4206,
		TotalTax:           730,
		PaymentMethod:      "bacs",
		PaymentMethodTitle: "Bankoverschrijving",
	}
}

func TestRealOrder13(t *testing.T) {
	o := realOrder13()
	inv, err := newInvoice(o, "webwinkel", testSeller(), issued)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Total != 4206 || inv.TaxTotal != 730 || inv.LineTotal != 3476 {
		t.Fatalf("totals %s / %s / %s, want 42.06 / 7.30 / 34.76", inv.Total, inv.TaxTotal, inv.LineTotal)
	}
	if inv.Prepaid != 4206 || inv.Payable != 0 {
		t.Errorf("prepaid %s payable %s, want 42.06 and 0 (paid at checkout)", inv.Prepaid, inv.Payable)
	}
	wantSubs := []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 3476, Tax: 730}}
	if !reflect.DeepEqual(inv.TaxSubtotals, wantSubs) {
		t.Errorf("subtotals %+v, want %+v", inv.TaxSubtotals, wantSubs)
	}
	if inv.Key != "woocommerce/webwinkel/13/invoice" || inv.ID != "13" || inv.OrderNumber != "13" || inv.Kind != KindInvoice {
		t.Errorf("key %q id %q number %q kind %q", inv.Key, inv.ID, inv.OrderNumber, inv.Kind)
	}
	if inv.Seller.IBAN != "NL91ABNA0417164300" {
		t.Errorf("seller IBAN %q not normalized", inv.Seller.IBAN)
	}
	if inv.PaymentMethod != "Bankoverschrijving" || inv.PaymentID != "13" {
		t.Errorf("payment %q / %q", inv.PaymentMethod, inv.PaymentID)
	}
	if inv.Lines[2].Quantity != 1 || inv.Lines[2].Name != "Verzending" {
		t.Errorf("shipping line %+v: quantity 0 must become 1", inv.Lines[2])
	}

	cn, err := NewCreditNote(o, o.Refunds[0], inv, "", issued.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if cn.Total != 500 || cn.TaxTotal != 87 || cn.LineTotal != 413 {
		t.Fatalf("credit note totals %s / %s / %s, want 5.00 / 0.87 / 4.13", cn.Total, cn.TaxTotal, cn.LineTotal)
	}
	if cn.Kind != KindCreditNote || cn.Key != "woocommerce/webwinkel/13/credit/14" || cn.ID != "13-C14" {
		t.Errorf("kind %q key %q id %q", cn.Kind, cn.Key, cn.ID)
	}
	if cn.BillingReference != "13" || !cn.BillingReferenceDate.Equal(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)) || cn.Note != "Beschadigd" {
		t.Errorf("reference %q %v note %q", cn.BillingReference, cn.BillingReferenceDate, cn.Note)
	}
	if cn.Prepaid != 500 || cn.Payable != 0 {
		t.Errorf("credit note prepaid %s payable %s", cn.Prepaid, cn.Payable)
	}
	if !reflect.DeepEqual(cn.Seller, inv.Seller) || !reflect.DeepEqual(cn.Buyer, inv.Buyer) {
		t.Error("credit note must have the invoice's seller and buyer")
	}
}

func line(kind LineKind, id string, qty int64, net, vat Money, rate Rate, cat Category) Line {
	return Line{Kind: kind, ID: id, Name: "line " + id, Quantity: qty, Net: net, VAT: vat, Rate: rate, Category: cat}
}

func order(lines []Line, total, tax Money) Order {
	return Order{
		Source: WooCommerce, ID: "100", Number: "2026-100", Currency: "EUR", Paid: paid,
		Buyer: Party{Name: "Jan Jansen", Email: "jan@example.nl",
			Address: Address{Street: "Kerkstraat 2", Postcode: "1012 AB", City: "Amsterdam", Country: "NL"}},
		Lines: lines, Total: total, TotalTax: tax,
	}
}

func TestNewInvoice(t *testing.T) {
	deBuyer := Party{Name: "Hans Müller", Company: "Müller GmbH", VATID: "de 123456789",
		Address: Address{Street: "Hauptstraße 5", Postcode: "10115", City: "Berlin", Country: "DE"}}
	usBuyer := Party{Name: "John Doe", Address: Address{Street: "1 Main St", Postcode: "10001", City: "New York", Country: "US"}}

	many := func(n int, net, vat Money) []Line {
		var ls []Line
		for i := 0; i < n; i++ {
			ls = append(ls, line(Product, "p"+string(rune('a'+i%26))+string(rune('a'+i/26)), 1, net, vat, RateHigh, Standard))
		}
		return ls
	}

	tests := []struct {
		name    string
		order   func() Order
		subs    []TaxSubtotal
		total   Money
		tax     Money
		payable Money
		err     error // errors.Is target
		rec     *ReconcileError
	}{
		{
			name: "prices excl. tax, 2 × 10.00 at 21 %",
			order: func() Order {
				return order([]Line{line(Product, "1", 2, 2000, 420, RateHigh, Standard)}, 2420, 420)
			},
			subs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 2000, Tax: 420}},
			total: 2420, tax: 420,
		},
		{
			name: "prices incl. tax, 9.99 gross at 21 % is 8.26 + 1.73",
			order: func() Order {
				o := order([]Line{line(Product, "1", 1, 826, 173, RateHigh, Standard)}, 999, 173)
				o.PricesIncludeTax = true
				return o
			},
			subs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 826, Tax: 173}},
			total: 999, tax: 173,
		},
		{
			name: "coupon in the lines and taxed shipping",
			order: func() Order {
				return order([]Line{
					line(Product, "1", 3, 2430, 510, RateHigh, Standard), // 3 × 9.00 less 10 %
					line(Shipping, "s", 0, 413, 87, RateHigh, Standard),
				}, 3440, 597)
			},
			subs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 2843, Tax: 597}},
			total: 3440, tax: 597,
		},
		{
			name: "mixed 21, 9 and 0 %",
			order: func() Order {
				return order([]Line{
					line(Product, "book", 1, 1835, 165, RateLow, Standard),
					line(Product, "mug", 1, 1000, 210, RateHigh, Standard),
					line(Product, "voucher", 1, 500, 0, RateZero, ZeroRated),
					line(Shipping, "ship", 1, 413, 87, RateHigh, Standard),
				}, 4210, 462)
			},
			subs: []TaxSubtotal{
				{Category: Standard, Rate: RateHigh, Taxable: 1413, Tax: 297},
				{Category: Standard, Rate: RateLow, Taxable: 1835, Tax: 165},
				{Category: ZeroRated, Rate: RateZero, Taxable: 500, Tax: 0},
			},
			total: 4210, tax: 462,
		},
		{
			name: "fee",
			order: func() Order {
				return order([]Line{line(Product, "1", 1, 2000, 420, RateHigh, Standard), line(Fee, "f", 0, 100, 21, RateHigh, Standard)}, 2541, 441)
			},
			subs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 2100, Tax: 441}},
			total: 2541, tax: 441,
		},
		{
			name: "negative fee (a discount as fee line)",
			order: func() Order {
				return order([]Line{line(Product, "1", 1, 2000, 420, RateHigh, Standard), line(Fee, "f", 0, -200, -42, RateHigh, Standard)}, 2178, 378)
			},
			subs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 1800, Tax: 378}},
			total: 2178, tax: 378,
		},
		{
			name: "EU B2B reverse charge",
			order: func() Order {
				o := order([]Line{line(Product, "1", 4, 10000, 0, 0, ReverseCharge), line(Shipping, "s", 1, 1000, 0, 0, ReverseCharge)}, 11000, 0)
				o.Buyer = deBuyer
				return o
			},
			subs:  []TaxSubtotal{{Category: ReverseCharge, Taxable: 11000, ExemptionReason: "Reverse charge"}},
			total: 11000, tax: 0,
		},
		{
			name: "reverse charge without the buyer's VAT id",
			order: func() Order {
				return order([]Line{line(Product, "1", 1, 10000, 0, 0, ReverseCharge)}, 10000, 0)
			},
			err: ErrBuyerVATID,
		},
		{
			name: "reverse charge with a malformed VAT id",
			order: func() Order {
				o := order([]Line{line(Product, "1", 1, 10000, 0, 0, ReverseCharge)}, 10000, 0)
				o.Buyer = deBuyer
				o.Buyer.VATID = "123456789"
				return o
			},
			err: ErrVATIDCountry,
		},
		{
			name: "export outside the EU",
			order: func() Order {
				o := order([]Line{line(Product, "1", 1, 5000, 0, 0, Export)}, 5000, 0)
				o.Buyer = usBuyer
				return o
			},
			subs:  []TaxSubtotal{{Category: Export, Taxable: 5000, ExemptionReason: "Export outside the EU"}},
			total: 5000, tax: 0,
		},
		{
			name: "unpaid order is payable",
			order: func() Order {
				o := order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1210, 210)
				o.Paid = time.Time{}
				return o
			},
			subs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 1000, Tax: 210}},
			total: 1210, tax: 210, payable: 1210,
		},
		{
			name: "per-line rounding drift within BR-CO-17: 10 × 0.02 with 0.00 VAT",
			order: func() Order {
				return order(many(10, 2, 0), 20, 0)
			},
			subs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 20, Tax: 0}},
			total: 20, tax: 0,
		},
		{
			name: "per-line rounding drift beyond BR-CO-17: 250 × 0.02 with 0.00 VAT",
			order: func() Order {
				return order(many(250, 2, 0), 500, 0)
			},
			rec: &ReconcileError{Order: "2026-100", Field: FieldTaxSubtotal, Want: 105, Got: 0, Category: Standard, Rate: RateHigh, Taxable: 500},
		},
		{
			name: "VAT 0.99 below taxable × rate is still accepted",
			order: func() Order {
				return order([]Line{line(Product, "1", 1, 10000, 2001, RateHigh, Standard)}, 12001, 2001)
			},
			subs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 10000, Tax: 2001}},
			total: 12001, tax: 2001,
		},
		{
			name: "VAT 1.00 below taxable × rate is refused",
			order: func() Order {
				return order([]Line{line(Product, "1", 1, 10000, 2000, RateHigh, Standard)}, 12000, 2000)
			},
			rec: &ReconcileError{Order: "2026-100", Field: FieldTaxSubtotal, Want: 2100, Got: 2000, Category: Standard, Rate: RateHigh, Taxable: 10000},
		},
		{
			name: "shop total two cents off one line: more than rounding",
			order: func() Order {
				return order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1212, 210)
			},
			rec: &ReconcileError{Order: "2026-100", Field: FieldTotal, Want: 1212, Got: 1210, Lines: 1, Category: Standard, Rate: RateHigh},
		},
		{
			name: "shop VAT total two cents off one line, grand total right",
			order: func() Order {
				return order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1210, 212)
			},
			rec: &ReconcileError{Order: "2026-100", Field: FieldTotalTax, Want: 212, Got: 210, Lines: 1, Category: Standard, Rate: RateHigh},
		},
		{
			name: "category S at 0 %",
			order: func() Order {
				return order([]Line{line(Product, "1", 1, 1000, 0, 0, Standard)}, 1000, 0)
			},
			err: ErrLineCategory,
		},
		{
			name: "VAT on a reverse charge line",
			order: func() Order {
				o := order([]Line{line(Product, "1", 1, 1000, 210, 0, ReverseCharge)}, 1210, 210)
				o.Buyer = deBuyer
				return o
			},
			err: ErrLineVAT,
		},
		{
			name: "negative total",
			order: func() Order {
				return order([]Line{line(Fee, "1", 1, -1000, -210, RateHigh, Standard)}, -1210, -210)
			},
			err: ErrNegativeTotal,
		},
		{
			name:  "no lines",
			order: func() Order { return order(nil, 0, 0) },
			err:   ErrNoLines,
		},
		{
			name: "out of scope mixed with taxed lines",
			order: func() Order {
				return order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard), line(Product, "2", 1, 500, 0, 0, OutOfScope)}, 1710, 210)
			},
			err: ErrOutOfScopeMixed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := newInvoice(tt.order(), "shop", testSeller(), issued)
			if tt.rec != nil {
				var re *ReconcileError
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want *ReconcileError", err)
				}
				if *re != *tt.rec {
					t.Fatalf("ReconcileError %+v, want %+v", *re, *tt.rec)
				}
				return
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inv.TaxSubtotals, tt.subs) {
				t.Errorf("subtotals %+v\nwant %+v", inv.TaxSubtotals, tt.subs)
			}
			if inv.Total != tt.total || inv.TaxTotal != tt.tax || inv.Payable != tt.payable || inv.Prepaid != tt.total-tt.payable {
				t.Errorf("total %s tax %s prepaid %s payable %s; want %s %s %s %s",
					inv.Total, inv.TaxTotal, inv.Prepaid, inv.Payable, tt.total, tt.tax, tt.total-tt.payable, tt.payable)
			}
			checkInvariants(t, inv)
		})
	}
}

// checkInvariants asserts the sums the Invoice type documents.
func checkInvariants(t *testing.T, inv Invoice) {
	t.Helper()
	var lines, taxable, tax Money
	for _, l := range inv.Lines {
		lines += l.Net
	}
	for _, s := range inv.TaxSubtotals {
		taxable += s.Taxable
		tax += s.Tax
	}
	if lines != inv.LineTotal || taxable != inv.LineTotal || tax != inv.TaxTotal ||
		inv.Total != inv.LineTotal+inv.TaxTotal || inv.Payable != inv.Total-inv.Prepaid {
		t.Errorf("invoice does not add up: lines %s taxable %s tax %s, %+v", lines, taxable, tax, inv)
	}
}

func TestSellerIncomplete(t *testing.T) {
	s := testSeller()
	s.KvK = ""
	s.IBAN = "NL91ABNA0417164301" // one digit off
	s.Address.City = " "
	_, err := newInvoice(realOrder13(), "webwinkel", s, issued)
	var se *SellerIncompleteError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *SellerIncompleteError", err)
	}
	if !reflect.DeepEqual(se.Missing, []string{SellerKvK, SellerCity}) {
		t.Errorf("missing %v, want [kvk city]", se.Missing)
	}
	if !errors.Is(se.Invalid[SellerIBAN], ErrIBANChecksum) || len(se.Invalid) != 1 {
		t.Errorf("invalid %v, want only the IBAN checksum", se.Invalid)
	}

	if m := (Seller{}).Missing(); !reflect.DeepEqual(m, []string{"name", "kvk", "vat_id", "street", "postcode", "city", "country", "iban"}) {
		t.Errorf("empty seller misses %v", m)
	}
	if err := testSeller().Check(); err != nil {
		t.Errorf("complete seller: %v", err)
	}
}

func TestBuyerDefaults(t *testing.T) {
	o := order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1210, 210)
	o.Buyer = Party{Email: "anon@example.nl"} // a download sale: no name, no address
	inv, err := newInvoice(o, "shop", testSeller(), issued)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Buyer.Address.Country != "NL" {
		t.Errorf("buyer country %q, want the seller's NL", inv.Buyer.Address.Country)
	}
	o.Buyer = Party{}
	if _, err := newInvoice(o, "shop", testSeller(), issued); !errors.Is(err, ErrBuyerName) {
		t.Errorf("anonymous buyer: err = %v, want ErrBuyerName", err)
	}
}

func TestNewCreditNote(t *testing.T) {
	mixed := order([]Line{
		line(Product, "book", 1, 1835, 165, RateLow, Standard),
		line(Product, "mug", 1, 1000, 210, RateHigh, Standard),
		line(Product, "voucher", 1, 500, 0, RateZero, ZeroRated),
		line(Shipping, "ship", 1, 413, 87, RateHigh, Standard),
	}, 4210, 462)

	tests := []struct {
		name  string
		order Order
		r     Refund
		subs  []TaxSubtotal
		err   error
		rec   *ReconcileError
	}{
		{
			name:  "spread over 21, 9 and 0 % by largest remainder",
			order: mixed,
			r:     Refund{ID: "7", Amount: 1000},
			// shares of 10.00 by gross 17.10 / 20.00 / 5.00: 4.06, 4.75, 1.18
			// and the last cent to the largest remainder (0 %): 1.19.
			subs: []TaxSubtotal{
				{Category: Standard, Rate: RateHigh, Taxable: 336, Tax: 70},
				{Category: Standard, Rate: RateLow, Taxable: 436, Tax: 39},
				{Category: ZeroRated, Taxable: 119, Tax: 0},
			},
		},
		{
			name:  "full refund spread gives back the invoice's figures",
			order: realOrder13(),
			r:     Refund{ID: "14", Amount: 4206},
			subs:  []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 3476, Tax: 730}},
		},
		{
			name:  "refund with lines",
			order: realOrder13(),
			r: Refund{ID: "14", Amount: 1089, Reason: "Kapot", Lines: []Line{
				{Kind: Product, ID: "1", Name: "Koffiemok", Quantity: 1, Net: 900, VAT: 189, Rate: RateHigh, Category: Standard},
			}},
			subs: []TaxSubtotal{{Category: Standard, Rate: RateHigh, Taxable: 900, Tax: 189}},
		},
		{
			name:  "refund lines that do not add up to the amount",
			order: realOrder13(),
			r: Refund{ID: "14", Amount: 1000, Lines: []Line{
				{Kind: Product, ID: "1", Name: "Koffiemok", Quantity: 1, Net: 900, VAT: 189, Rate: RateHigh, Category: Standard},
			}},
			rec: &ReconcileError{Order: "13", Field: FieldTotal, Want: 1000, Got: 1089, Lines: 1, Category: Standard, Rate: RateHigh},
		},
		{
			// Round at subtotal: two refunded lines of 0.92 + 0.08 that the
			// shop refunded as 1.99 in all; the cent goes onto a line.
			name:  "refund lines a cent off: the shop's rounding",
			order: realOrder13(),
			r: Refund{ID: "15", Amount: 199, Lines: []Line{
				{Kind: Product, ID: "1", Name: "Koffiemok", Quantity: 1, Net: 92, VAT: 8, Rate: RateLow, Category: Standard,
					Exact: &Exact{Net: 917431, VAT: 82569}},
				{Kind: Product, ID: "2", Name: "Thee", Quantity: 1, Net: 92, VAT: 8, Rate: RateLow, Category: Standard,
					Exact: &Exact{Net: 917431, VAT: 82569}},
			}},
			subs: []TaxSubtotal{{Category: Standard, Rate: RateLow, Taxable: 183, Tax: 16}},
		},
		{
			name:  "refund larger than the invoice",
			order: realOrder13(),
			r:     Refund{ID: "14", Amount: 4207},
			err:   ErrRefundTooLarge,
		},
		{
			name: "refunds together larger than the invoice",
			order: func() Order {
				o := realOrder13()
				o.Refunds = append(o.Refunds, Refund{ID: "15", Amount: 3800})
				return o
			}(),
			r:   Refund{ID: "15", Amount: 3800},
			err: ErrRefundTooLarge,
		},
		{
			name:  "zero refund",
			order: realOrder13(),
			r:     Refund{ID: "14"},
			err:   ErrRefundAmount,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.order
			inv, err := newInvoice(o, "shop", testSeller(), issued)
			if err != nil {
				t.Fatal(err)
			}
			cn, err := NewCreditNote(o, tt.r, inv, "", issued)
			if tt.rec != nil {
				var re *ReconcileError
				if !errors.As(err, &re) || *re != *tt.rec {
					t.Fatalf("err = %#v, want %+v", err, *tt.rec)
				}
				return
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cn.TaxSubtotals, tt.subs) {
				t.Errorf("subtotals %+v\nwant %+v", cn.TaxSubtotals, tt.subs)
			}
			if cn.Total != tt.r.Amount {
				t.Errorf("credit note total %s, want the refund %s", cn.Total, tt.r.Amount)
			}
			checkInvariants(t, cn)
			for _, s := range cn.TaxSubtotals {
				if d := (s.Tax - s.Rate.Of(s.Taxable)).Abs(); d > 1 {
					t.Errorf("VAT %s on %s at %s%% is %s from net × rate", s.Tax, s.Taxable, s.Rate.Percent(), d)
				}
			}
		})
	}

	o := realOrder13()
	inv, _ := newInvoice(o, "shop", testSeller(), issued)
	other := o
	other.ID = "99"
	if _, err := NewCreditNote(other, o.Refunds[0], inv, "", issued); !errors.Is(err, ErrRefundOrder) {
		t.Errorf("refund against another order's invoice: err = %v", err)
	}
}

// TestSpreadRefundProperties checks every refund amount of a mixed invoice:
// the total is exact and each rate's VAT lies within a cent of net × rate.
func TestSpreadRefundProperties(t *testing.T) {
	o := order([]Line{
		line(Product, "a", 1, 1835, 165, RateLow, Standard),
		line(Product, "b", 1, 1001, 210, RateHigh, Standard),
		line(Product, "c", 1, 333, 0, 0, ZeroRated),
	}, 3544, 375)
	inv, err := newInvoice(o, "shop", testSeller(), issued)
	if err != nil {
		t.Fatal(err)
	}
	for amount := Money(1); amount <= inv.Total; amount++ {
		cn, err := NewCreditNote(o, Refund{ID: "r", Amount: amount}, inv, "", issued)
		if err != nil {
			t.Fatalf("refund %s: %v", amount, err)
		}
		if cn.Total != amount {
			t.Fatalf("refund %s: total %s", amount, cn.Total)
		}
		for _, s := range cn.TaxSubtotals {
			if d := (s.Tax - s.Rate.Of(s.Taxable)).Abs(); d > 1 {
				t.Fatalf("refund %s: VAT %s on %s at %s%%", amount, s.Tax, s.Taxable, s.Rate.Percent())
			}
		}
	}
}

// newInvoice is NewInvoice for an order created at issued (unless the order
// has its own date), with the key derived from shop.
func newInvoice(o Order, shop string, seller Seller, issued time.Time) (Invoice, error) {
	if o.Created.IsZero() && o.CreatedLocal == "" {
		o.Created = issued
	}
	return NewInvoice(o, InvoiceOptions{Shop: shop, Seller: seller})
}

// TestRefundsGiveBackTheInvoice: refunds without lines that together refund
// the whole order credit exactly the invoice's taxable amount and VAT per
// rate, however the refunds are cut; no VAT stays behind.
func TestRefundsGiveBackTheInvoice(t *testing.T) {
	var cheap []Line
	for i := 0; i < 10; i++ { // 10 × 0.85 at 21 %, VAT per line 0.1785 → 0.18
		cheap = append(cheap, line(Product, string(rune('a'+i)), 1, 85, 18, RateHigh, Standard))
	}
	mixed := order([]Line{
		line(Product, "book", 1, 1835, 165, RateLow, Standard),
		line(Product, "mug", 1, 1000, 210, RateHigh, Standard),
		line(Product, "voucher", 1, 500, 0, RateZero, ZeroRated),
		line(Shipping, "ship", 1, 413, 87, RateHigh, Standard),
	}, 4210, 462)
	mugLine := []Line{{Kind: Product, ID: "mug", Name: "mug", Quantity: 1, Net: 1000, VAT: 210, Rate: RateHigh, Category: Standard}}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, tt := range []struct {
		name string
		o    Order
		cuts [][]Refund
	}{
		{"10 x 0.85 at 21 %", order(cheap, 1030, 180), [][]Refund{
			{{ID: "1", Amount: 1030}},
			{{ID: "1", Amount: 515}, {ID: "2", Amount: 515}},
			{{ID: "1", Amount: 300}, {ID: "2", Amount: 1}, {ID: "3", Amount: 729}},
		}},
		{"mixed 21/9/0 %", mixed, [][]Refund{
			{{ID: "1", Amount: 1000}, {ID: "2", Amount: 3210}},
			{{ID: "1", Amount: 1210, Lines: mugLine}, {ID: "2", Amount: 3000}},
			{{ID: "1", Amount: 1}, {ID: "2", Amount: 1210, Lines: mugLine}, {ID: "3", Amount: 2999}},
		}},
	} {
		inv, err := newInvoice(tt.o, "shop", testSeller(), issued)
		if err != nil {
			t.Fatal(err)
		}
		cuts := tt.cuts
		for n := 0; n < 200; n++ { // and random cuts into 1 to 5 refunds
			var rs []Refund
			left := inv.Total
			for k := 0; left > 0; k++ {
				a := left
				if k < 4 && left > 1 {
					a = Money(1 + rng.Int64N(int64(left)))
				}
				rs = append(rs, Refund{ID: strconv.Itoa(k + 1), Amount: a})
				left -= a
			}
			cuts = append(cuts, rs)
		}
		for _, rs := range cuts {
			o := tt.o
			o.Refunds = rs
			type key struct {
				c Category
				r Rate
			}
			got := map[key][2]Money{}
			for _, r := range rs {
				cn, err := NewCreditNote(o, r, inv, "", issued)
				if err != nil {
					t.Fatalf("%s, refunds %v: refund %s: %v", tt.name, rs, r.ID, err)
				}
				checkInvariants(t, cn)
				for _, s := range cn.TaxSubtotals {
					g := got[key{s.Category, s.Rate}]
					got[key{s.Category, s.Rate}] = [2]Money{g[0] + s.Taxable, g[1] + s.Tax}
				}
			}
			for _, s := range inv.TaxSubtotals {
				if g := got[key{s.Category, s.Rate}]; g != [2]Money{s.Taxable, s.Tax} {
					t.Errorf("%s, refunds %v: credited %s + VAT %s at %s%% %s, invoiced %s + %s", tt.name, amounts(rs), g[0], g[1],
						s.Rate.Percent(), s.Category, s.Taxable, s.Tax)
				}
			}
		}
	}
}

func amounts(rs []Refund) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Amount.String())
	}
	return out
}

// TestLegacyKey: invoices and credit notes carry the key their booking had
// before keys used the shop id, so a ledger finds a booking of before the
// upgrade.
func TestLegacyKey(t *testing.T) {
	o := realOrder13()
	inv, err := NewInvoice(o, InvoiceOptions{Key: "woocommerce/7/13/invoice", Shop: "webwinkel", Seller: testSeller()})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Key != "woocommerce/7/13/invoice" || inv.LegacyKey != "woocommerce/webwinkel/13/invoice" {
		t.Errorf("invoice keys %q, legacy %q", inv.Key, inv.LegacyKey)
	}
	cn, err := NewCreditNote(o, o.Refunds[0], inv, "woocommerce/7/13/credit/14", issued)
	if err != nil {
		t.Fatal(err)
	}
	if cn.Key != "woocommerce/7/13/credit/14" || cn.LegacyKey != "woocommerce/webwinkel/13/credit/14" {
		t.Errorf("credit note keys %q, legacy %q", cn.Key, cn.LegacyKey)
	}
}
