package order

import (
	"reflect"
	"testing"
	"time"
)

// TestFailure: every way NewInvoice, NewCreditNote and Seller.Check refuse
// has its own reason code and the figures a person needs.
func TestFailure(t *testing.T) {
	opt := InvoiceOptions{Key: "k", Shop: "shop", Seller: testSeller()}
	ok := order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1210, 210)
	inv, err := NewInvoice(ok, opt)
	if err != nil {
		t.Fatal(err)
	}
	be := Party{Company: "Peeters BV", Address: Address{Street: "Meir 1", Postcode: "2000", City: "Antwerpen", Country: "BE"}}
	zero := func(p Party) Order {
		o := order([]Line{line(Product, "1", 1, 1000, 0, 0, "")}, 1000, 0)
		o.Buyer = p
		return o
	}
	beBadVAT := be
	beBadVAT.VATID = "BE12"
	for _, tt := range []struct {
		name string
		err  func() error
		code string
		args map[string]string
	}{
		{"rounding beyond a cent per line", func() error {
			_, err := NewInvoice(order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1215, 210), opt)
			return err
		}, ReasonTotalsMismatch, map[string]string{"field": "total", "got": "12.10", "want": "12.15", "diff": "-0.05", "lines": "1", "rate": "21", "category": "S"}},
		{"VAT beyond a cent per line", func() error {
			_, err := NewInvoice(order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1213, 213), opt)
			return err
		}, ReasonTotalsMismatch, map[string]string{"field": "total_tax", "got": "2.10", "want": "2.13", "diff": "-0.03", "lines": "1", "rate": "21", "category": "S"}},
		{"VAT far from taxable × rate", func() error {
			_, err := NewInvoice(order([]Line{line(Product, "1", 1, 1000, 500, RateHigh, Standard)}, 1500, 500), opt)
			return err
		}, ReasonVATSubtotal, map[string]string{"rate": "21", "taxable": "10.00", "got": "5.00", "want": "2.10", "category": "S"}},
		{"buyer without name", func() error {
			o := ok
			o.Buyer = Party{Address: Address{Country: "NL"}}
			_, err := NewInvoice(o, opt)
			return err
		}, ReasonBuyerNameMissing, map[string]string{}},
		{"intra-EU supply without VAT id", func() error {
			o := zero(be)
			o.Lines[0].Category = IntraEU
			_, err := NewInvoice(o, opt)
			return err
		}, ReasonBuyerVATIDMissing, map[string]string{"category": "K"}},
		{"invalid VAT id", func() error { _, err := NewInvoice(zero(beBadVAT), opt); return err },
			ReasonBuyerVATIDInvalid, map[string]string{"category": "K", "vat_id": "BE12"}},
		{"refund larger than the order", func() error {
			_, err := NewCreditNote(ok, Refund{ID: "r", Amount: 1300}, inv, "c", time.Now())
			return err
		}, ReasonRefundTooLarge, map[string]string{"refunded": "13.00", "invoiced": "12.10"}},
		{"refund of nothing", func() error {
			_, err := NewCreditNote(ok, Refund{ID: "r", Amount: 0}, inv, "c", time.Now())
			return err
		}, ReasonRefundAmount, map[string]string{"amount": "0.00"}},
		{"currency without rate", func() error {
			o := ok
			o.Currency = "usd"
			_, err := NewInvoice(o, opt)
			return err
		}, ReasonCurrencyRate, map[string]string{"currency": "USD"}},
		{"line category against its rate", func() error {
			_, err := NewInvoice(order([]Line{line(Product, "7", 1, 1000, 0, 0, Standard)}, 1000, 0), opt)
			return err
		}, ReasonLineCategory, map[string]string{"line": "7", "category": "S", "rate": "0"}},
		{"VAT on a line without VAT", func() error {
			_, err := NewInvoice(order([]Line{line(Product, "8", 1, 1000, 210, 0, ZeroRated)}, 1210, 210), opt)
			return err
		}, ReasonLineVAT, map[string]string{"line": "8", "category": "Z", "vat": "2.10"}},
		{"out of scope mixed", func() error {
			_, err := NewInvoice(order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard), line(Product, "2", 1, 100, 0, 0, OutOfScope)}, 1310, 210), opt)
			return err
		}, ReasonOutOfScopeMixed, map[string]string{}},
		{"no lines", func() error { _, err := NewInvoice(order(nil, 0, 0), opt); return err }, ReasonNoLines, map[string]string{}},
		{"negative total", func() error {
			_, err := NewInvoice(order([]Line{line(Fee, "1", 1, -1000, -210, RateHigh, Standard)}, -1210, -210), opt)
			return err
		}, ReasonNegativeTotal, map[string]string{"total": "-12.10"}},
		{"seller incomplete", func() error {
			s := testSeller()
			s.VATID, s.IBAN, s.KvK = "", "NL00ABNA0417164300", "123"
			return s.Check()
		}, ReasonSellerIncomplete, map[string]string{"missing": "vat_id", "invalid": "iban,kvk"}},
		{"anything else", func() error {
			_, err := NewCreditNote(ok, Refund{ID: "r", Amount: 100}, Invoice{OrderID: "other", Kind: KindInvoice}, "c", time.Now())
			return err
		}, ReasonInvoiceInvalid, map[string]string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if err == nil {
				t.Fatal("no error")
			}
			code, args := Failure(err)
			if code != tt.code || !reflect.DeepEqual(args, tt.args) {
				t.Errorf("Failure(%v) = %s %v, want %s %v", err, code, args, tt.code, tt.args)
			}
		})
	}
	if code, args := Failure(nil); code != "" || args != nil {
		t.Errorf("Failure(nil) = %q %v", code, args)
	}
}
