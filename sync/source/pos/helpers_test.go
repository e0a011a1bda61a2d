package pos

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
)

// Test payloads in testdata/, written in the published shape (APIS.md §2,
// ../shared/fixtures/pos): linga-close-check.example.json is the shared
// fixture as it is; the others are realistic checks of a Dutch restaurant,
// their figures computed as a till computes them (VAT rounded per item and
// per tax line, actual* unrounded in thousandths, *Str in Dutch notation).
const (
	fixtureClose = "linga-close-check.example.json"             // envelope, data a string: 9 % + 21 % inclusive, a tip
	dinnerClose  = "close-group-dinner.envelope.json"           // envelope, data a string: 1.234,56, void, discount, service charge, tip
	lunchClose   = "close-lunch-exclusive.envelope-object.json" // envelope, data an object: exclusive taxes, a company, a void discount
	barTabOpen   = "open-bar-tab.check.json"                    // a bare check, open
	onlineOpen   = "open-online-order.olo.json"                 // an OLO order, open: delivery, discount code, driver tip
	onlineClosed = "close-online-order.olo.json"                // the same order closed
	testKey      = "k3y-0f-the-sh0p-that-is-long-enough-to-be-real"
	fixtureID    = "3-201-8ee32974b2d6831fb455b5ad27c6265a"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testSeller() order.Seller {
	return order.Seller{
		Party: order.Party{Name: "Eetcafé De Boon", Company: "Eetcafé De Boon B.V.", Email: "info@deboon.example",
			VATID: "NL123456789B01", KvK: "12345678",
			Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}},
		IBAN: "NL91ABNA0417164300",
	}
}

// invoice books o as the engine would, and checks that the invoice is the
// check's own figures to the cent.
func invoice(t *testing.T, o order.Order) order.Invoice {
	t.Helper()
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "eetcafe", Seller: testSeller()})
	if err != nil {
		var re *order.ReconcileError
		if errors.As(err, &re) {
			t.Fatalf("check %s does not reconcile: %v", o.ID, re)
		}
		t.Fatalf("check %s: %v", o.ID, err)
	}
	if inv.Total != o.Total || inv.TaxTotal != o.TotalTax {
		t.Fatalf("invoice %s total %s VAT %s, the check says %s and %s", inv.ID, inv.Total, inv.TaxTotal, o.Total, o.TotalTax)
	}
	return inv
}

// subtotals is an invoice's VAT breakdown as rate → [taxable, tax].
func subtotals(inv order.Invoice) map[order.Rate][2]order.Money {
	m := map[order.Rate][2]order.Money{}
	for _, s := range inv.TaxSubtotals {
		m[s.Rate] = [2]order.Money{s.Taxable, s.Tax}
	}
	return m
}
