package ledger_test

import (
	"errors"
	"regexp"
	"testing"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// TestResolve: a line books under its VAT case's tax rate and the account
// of its kind's case (shipping, fees) when that has one; a case without a
// tax rate or account, or a rate that fits no case, is a reason to wait
// that names the case.
func TestResolve(t *testing.T) {
	m := ledger.Mapping{
		ledger.Case21:           {TaxRate: "r21", Account: "a8000"},
		ledger.Case9:            {TaxRate: "r9"},
		ledger.CaseShipping:     {Account: "a8200"},
		ledger.CaseIntraEUGoods: {VATCode: "BI_EU_VERK", Account: "a8100"},
	}
	for _, tt := range []struct {
		name    string
		line    order.InvoiceLine
		taxRate bool
		want    ledger.Target
		reason  string
		cas     string
	}{
		{"product 21", order.InvoiceLine{Category: order.Standard, Rate: 2100}, true, ledger.Target{TaxRate: "r21", Account: "a8000"}, "", ""},
		{"shipping 21", order.InvoiceLine{Kind: order.Shipping, Category: order.Standard, Rate: 2100}, true, ledger.Target{TaxRate: "r21", Account: "a8200"}, "", ""},
		{"fee 21 without fee account", order.InvoiceLine{Kind: order.Fee, Category: order.Standard, Rate: 2100}, true, ledger.Target{TaxRate: "r21", Account: "a8000"}, "", ""},
		{"9 without account", order.InvoiceLine{Category: order.Standard, Rate: 900}, true, ledger.Target{}, ledger.ReasonAccountUnmapped, "9"},
		{"shipping 9 takes shipping's account", order.InvoiceLine{Kind: order.Shipping, Category: order.Standard, Rate: 900}, true, ledger.Target{TaxRate: "r9", Account: "a8200"}, "", ""},
		{"0 unmapped", order.InvoiceLine{Category: order.ZeroRated}, true, ledger.Target{}, ledger.ReasonVATUnmapped, "0"},
		{"K with a VAT code", order.InvoiceLine{Category: order.IntraEU}, false, ledger.Target{VATCode: "BI_EU_VERK", Account: "a8100"}, "", ""},
		{"K without a tax rate", order.InvoiceLine{Category: order.IntraEU}, true, ledger.Target{}, ledger.ReasonVATUnmapped, "intra_eu_goods"},
		{"OSS 20 %", order.InvoiceLine{Category: order.Standard, Rate: 2000}, true, ledger.Target{}, ledger.ReasonVATUnmapped, "20"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, got, err := m.Resolve(tt.line, tt.taxRate)
			if tt.reason == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Resolve = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			var re *ledger.ReasonError
			if !errors.As(err, &re) || re.Reason != tt.reason || re.Args["case"] != tt.cas {
				t.Fatalf("Resolve error = %v (%+v), want %s for case %s", err, re, tt.reason, tt.cas)
			}
		})
	}
}

// TestCustomerID: the same buyer gets the same id however the shop wrote
// the details, another buyer another; the id is URL-safe and short.
func TestCustomerID(t *testing.T) {
	a := ledger.CustomerID(order.Party{Name: "Jan", Email: "Jan@Example.nl "})
	b := ledger.CustomerID(order.Party{Name: "J. Jansen", Email: "jan@example.nl"})
	if a != b {
		t.Errorf("same e-mail, other ids: %s %s", a, b)
	}
	if c := ledger.CustomerID(order.Party{Email: "piet@example.nl"}); c == a {
		t.Error("another buyer, same id")
	}
	v1 := ledger.CustomerID(order.Party{Company: "X", VATID: "NL 123456789 B01", Email: "a@x.nl"})
	v2 := ledger.CustomerID(order.Party{Company: "X bv", VATID: "nl123456789b01", Email: "b@x.nl"})
	if v1 != v2 {
		t.Errorf("same VAT number, other ids: %s %s", v1, v2)
	}
	if !regexp.MustCompile(`^OB[0-9A-F]{12}$`).MatchString(a) {
		t.Errorf("id %q is not OB and 12 hex digits", a)
	}
}
