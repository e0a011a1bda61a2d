package moneybird

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
	"github.com/orderbrug/orderbrug/sync/order"
)

// taxOf is Moneybird's VAT per tax rate id of an invoice, in cents.
func taxOf(t testing.TB, mi mbemu.Invoice) map[string]order.Money {
	t.Helper()
	out := map[string]order.Money{}
	for _, tt := range mi.TaxTotals {
		m, err := order.ParseMoney(tt.TaxAmount)
		if err != nil {
			t.Fatal(err)
		}
		out[tt.TaxRateID] += m
	}
	return out
}

func money(t testing.TB, s string) order.Money {
	t.Helper()
	m, err := order.ParseMoney(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBookPaidInvoice(t *testing.T) {
	e := newEnv(t)
	inv := invoice(t, "webwinkel", order13())
	b := e.book(inv)
	if len(b.Warnings) != 0 {
		t.Errorf("warnings %v", b.Warnings)
	}
	mi, ok := e.mb.Invoice(b.Ref)
	if !ok {
		t.Fatalf("no invoice %s in Moneybird", b.Ref)
	}
	if mi.Reference != "webwinkel-13" || mi.Date != "2026-11-22" || mi.Currency != "EUR" || mi.Origin != "api" {
		t.Errorf("invoice %+v", mi)
	}
	if mi.Source == nil || *mi.Source != "Orderbrug" || mi.SourceURL == nil || *mi.SourceURL != inv.SourceURL {
		t.Errorf("source %v, source_url %v", mi.Source, mi.SourceURL)
	}
	if !mi.PricesAreInclTax {
		t.Error("the shop's prices include VAT, the invoice's do not")
	}
	// Totals reconcile to the cent with the shop.
	if got := money(t, mi.TotalPriceInclTax); got != inv.Total {
		t.Errorf("total incl. %s, shop %s", got, inv.Total)
	}
	if got := taxOf(t, mi)[e.mb.TaxRateID("21% btw")]; got != inv.TaxTotal {
		t.Errorf("VAT %s, shop %s", got, inv.TaxTotal)
	}
	if len(mi.Details) != 4 || !strings.Contains(mi.Details[0].Description, "Bestelling 13") {
		t.Fatalf("details %+v", mi.Details)
	}
	if d := mi.Details[0]; d.AmountDecimal != "2.0" || d.Price != "10.89" {
		// 18.00 + 3.78 = 21.78 for 2 mugs: 10.89 each, incl. VAT.
		t.Errorf("mugs: %s × %s", d.AmountDecimal, d.Price)
	}
	if d := mi.Details[1]; d.AmountDecimal != "1.0" || !strings.HasPrefix(d.Description, "3 × ") {
		// 10.80 + 2.27 = 13.07 does not divide by 3.
		t.Errorf("tea: %s × %s %q", d.AmountDecimal, d.Price, d.Description)
	}
	if mi.Details[2].LedgerAccountID != e.mb.LedgerAccountID("8200") || mi.Details[0].LedgerAccountID != e.mb.LedgerAccountID("8000") {
		t.Errorf("accounts %s, %s", mi.Details[0].LedgerAccountID, mi.Details[2].LedgerAccountID)
	}
	if len(mi.Payments) != 1 || mi.Payments[0].Price != "42.06" || mi.Payments[0].PaymentDate != "2026-11-22" || mi.State != "paid" {
		t.Errorf("payments %+v, state %s", mi.Payments, mi.State)
	}
	cs := e.mb.Contacts()
	if len(cs) != 1 || cs[0].CustomerID != ledger.CustomerID(inv.Buyer) || cs[0].CompanyName != "Testbedrijf B.V." ||
		cs[0].ChamberOfCommerce != "87654321" || cs[0].SendInvoicesToEmail != "klant@example.com" || cs[0].Zipcode != "3511 AA" ||
		mi.ContactID != cs[0].ID {
		t.Errorf("contacts %+v", cs)
	}

	// Booked again: the same id, nothing sent.
	n := e.mb.Requests()
	if b2 := e.book(inv); b2.Ref != b.Ref {
		t.Errorf("again: %s, first %s", b2.Ref, b.Ref)
	}
	if ref, err := e.l.Book(e.ctx, inv); err != nil || ref != b.Ref {
		t.Errorf("Book: %s, %v", ref, err)
	}
	if e.mb.Requests() != n || e.mb.Created() != 1 {
		t.Errorf("booking again sent %d requests, %d created", e.mb.Requests()-n, e.mb.Created())
	}
	je, ok, err := e.st.Journal("moneybird/"+adminID).Get(e.ctx, "inv/"+inv.Key)
	if err != nil || !ok || je.State != ledger.StateDone || je.Ref != b.Ref {
		t.Errorf("journal %+v %v %v", je, ok, err)
	}
	var d invData
	if err := json.Unmarshal([]byte(je.Data), &d); err != nil || d.Contact != cs[0].ID || !d.Incl {
		t.Errorf("journal data %s: %v", je.Data, err)
	}
}
