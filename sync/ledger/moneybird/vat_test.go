package moneybird

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
	"github.com/orderbrug/orderbrug/sync/order"
)

func TestCreditNoteIsNegative(t *testing.T) {
	e := newEnv(t)
	o := order13()
	inv := invoice(t, "webwinkel", o)
	b := e.book(inv)
	r := o.Refunds[0]
	cn, err := order.NewCreditNote(o, r, inv, "woocommerce/webwinkel/13/credit/14", r.Created)
	if err != nil {
		t.Fatal(err)
	}
	cb := e.book(cn)
	if cb.Ref == b.Ref || len(cb.Warnings) != 0 {
		t.Fatalf("credit note %+v", cb)
	}
	mi, _ := e.mb.Invoice(cb.Ref)
	if mi.Reference != "webwinkel-13-C14" || mi.Date != "2026-11-24" {
		t.Errorf("reference %s, date %s", mi.Reference, mi.Date)
	}
	if got := money(t, mi.TotalPriceInclTax); got != -500 {
		t.Errorf("total %s, want -5.00", got)
	}
	if got := taxOf(t, mi)[e.mb.TaxRateID("21% btw")]; got != -cn.TaxTotal {
		t.Errorf("VAT %s, want -%s", got, cn.TaxTotal)
	}
	if !strings.Contains(mi.Details[0].Description, "Creditnota bij webwinkel-13") || !strings.Contains(mi.Details[0].Description, "bestelling 13") {
		t.Errorf("description %q", mi.Details[0].Description)
	}
	for _, d := range mi.Details {
		if !strings.HasPrefix(d.Price, "-") {
			t.Errorf("price %s of %q is not negative", d.Price, d.Description)
		}
	}
	if len(mi.Payments) != 1 || mi.Payments[0].Price != "-5.0" || mi.Payments[0].PaymentDate != "2026-11-24" || mi.State != "paid" {
		t.Errorf("payments %+v, state %s", mi.Payments, mi.State)
	}
	orig, _ := e.mb.Invoice(b.Ref)
	if mi.ContactID != orig.ContactID || len(e.mb.Contacts()) != 1 {
		t.Errorf("credit note of contact %s, invoice of %s", mi.ContactID, orig.ContactID)
	}
}

// inclOrder is an order whose figures only prices incl. VAT give: 0.83 +
// 0.18 VAT is 1.01 incl. (1.01 ÷ 1.21 = 0.8347), but 0.83 × 21 % is 0.17.
func inclOrder(shopIncl bool) order.Order {
	o := simpleOrder("77", buyer())
	o.PricesIncludeTax = shopIncl
	o.Lines = []order.Line{{Kind: order.Product, ID: "1", Name: "Zakje thee", Quantity: 1, Net: 83, VAT: 18, Rate: order.RateHigh, Category: order.Standard}}
	o.Total, o.TotalTax = 101, 18
	return o
}

func TestPriceModeFollowsTheShop(t *testing.T) {
	for _, incl := range []bool{false, true} {
		e := newEnv(t)
		o := simpleOrder("10", buyer())
		o.PricesIncludeTax = incl
		b := e.book(invoice(t, "webwinkel", o))
		mi, _ := e.mb.Invoice(b.Ref)
		if mi.PricesAreInclTax != incl || len(b.Warnings) != 0 {
			t.Errorf("shop incl %v: Moneybird incl %v, warnings %v", incl, mi.PricesAreInclTax, b.Warnings)
		}
		if got := money(t, mi.TotalPriceInclTax); got != 1755 {
			t.Errorf("shop incl %v: total %s", incl, got)
		}
	}
}

func TestPriceModeChosenSoVATAgrees(t *testing.T) {
	e := newEnv(t)
	inv := invoice(t, "webwinkel", inclOrder(false))
	p, err := makePlan(inv, e.mapping)
	if err != nil {
		t.Fatal(err)
	}
	rate := e.mb.TaxRateID("21% btw")
	if got := p.predict(false)[rate]; got != 17 {
		t.Fatalf("excl. would give %s", got)
	}
	b := e.book(inv)
	mi, _ := e.mb.Invoice(b.Ref)
	if !mi.PricesAreInclTax || len(b.Warnings) != 0 {
		t.Fatalf("incl %v, warnings %v: the shop entered excl., but only incl. makes Moneybird's VAT 0.18", mi.PricesAreInclTax, b.Warnings)
	}
	if got := taxOf(t, mi)[rate]; got != 18 || mi.TotalPriceInclTax != "1.01" {
		t.Fatalf("VAT %s, total %s", got, mi.TotalPriceInclTax)
	}
}

func TestVATDifferenceWarned(t *testing.T) {
	e := newEnv(t)
	// Moneybird rounding per rate: three lines of 0.50 + 0.11 VAT (the
	// shop rounds per line: 0.33) are 0.32 VAT in Moneybird, whichever
	// price mode.
	e.mb.SetRounding(mbemu.PerRate)
	o := simpleOrder("88", buyer())
	o.Lines = nil
	for _, id := range []string{"1", "2", "3"} {
		o.Lines = append(o.Lines, order.Line{Kind: order.Product, ID: id, Name: "Sticker " + id, Quantity: 1, Net: 50, VAT: 11, Rate: order.RateHigh, Category: order.Standard})
	}
	o.Total, o.TotalTax = 183, 33
	inv := invoice(t, "webwinkel", o)
	b := e.book(inv)
	// The payment is Moneybird's total (1.82, not the shop's 1.83), so
	// the invoice is paid, not open by a cent; the warning says so.
	want := []ledger.Warning{{Code: ledger.WarnVATDiffers, Args: map[string]string{"rate": "21", "shop": "0.33", "ledger": "0.32", "diff": "-0.01", "paid": "1.82"}}}
	if !reflect.DeepEqual(b.Warnings, want) {
		t.Fatalf("warnings %+v, want %+v", b.Warnings, want)
	}
	if mi, _ := e.mb.Invoice(b.Ref); mi.State != "paid" || len(mi.Payments) != 1 || mi.Payments[0].Price != "1.82" {
		t.Fatalf("state %s, payments %+v", mi.State, mi.Payments)
	}
	je, _, _ := e.st.Journal("moneybird/"+adminID).Get(e.ctx, invKey(inv))
	var d invData
	if err := json.Unmarshal([]byte(je.Data), &d); err != nil || !reflect.DeepEqual(d.Warnings, want) {
		t.Fatalf("journal %s: %v", je.Data, err)
	}
	// A booking done reports them again (never silently dropped).
	if again := e.book(inv); !reflect.DeepEqual(again.Warnings, want) {
		t.Fatalf("again: %+v", again.Warnings)
	}
}

func TestVATDifferenceKeptAcrossALostAnswer(t *testing.T) {
	e := newEnv(t)
	e.mb.SetRounding(mbemu.PerRate)
	o := simpleOrder("89", buyer())
	o.Lines = nil
	for _, id := range []string{"1", "2", "3"} {
		o.Lines = append(o.Lines, order.Line{Kind: order.Product, ID: id, Name: "Sticker", Quantity: 1, Net: 50, VAT: 11, Rate: order.RateHigh, Category: order.Standard})
	}
	o.Total, o.TotalTax = 183, 33
	inv := invoice(t, "webwinkel", o)
	e.mb.LoseNext(1, postInvoice)
	if _, err := e.l.BookReport(e.ctx, inv); err == nil {
		t.Fatal("no error")
	}
	e.clock.Add(3 * time.Minute)
	// Found by reference: its tax totals are compared as a create's.
	b := e.book(inv)
	if len(b.Warnings) != 1 || b.Warnings[0].Args["diff"] != "-0.01" {
		t.Fatalf("warnings %+v", b.Warnings)
	}
}

func TestZeroRatedCases(t *testing.T) {
	e := newEnv(t)
	// An intra-community supply to a Belgian business: Moneybird's
	// "Binnen EU" rate (box 3b), no VAT.
	b := order.Party{Name: "Jan Peeters", Company: "Peeters BV", Email: "jan@peeters.be", VATID: "BE0123456749",
		Address: order.Address{Street: "Meir 1", Postcode: "2000", City: "Antwerpen", Country: "BE"}}
	o := simpleOrder("90", b)
	o.Lines = []order.Line{{Kind: order.Product, ID: "1", Name: "Koffiemachine", Quantity: 1, Net: 50000, Rate: 0}}
	o.Total, o.TotalTax = 50000, 0
	inv := invoice(t, "webwinkel", o)
	if inv.Lines[0].Category != order.IntraEU {
		t.Fatalf("category %s", inv.Lines[0].Category)
	}
	got := e.book(inv)
	mi, _ := e.mb.Invoice(got.Ref)
	if mi.Details[0].TaxRateID != e.mb.TaxRateID("Binnen EU") || !reflect.DeepEqual(mi.Details[0].TaxReportReference, []string{"NL/3b"}) ||
		mi.TotalPriceInclTax != "500.0" || len(got.Warnings) != 0 {
		t.Fatalf("detail %+v, total %s, warnings %v", mi.Details[0], mi.TotalPriceInclTax, got.Warnings)
	}
	c := e.mb.Contacts()[0]
	if c.TaxNumber != "BE0123456749" || c.Country != "BE" {
		t.Errorf("contact %+v", c)
	}
}

func TestUnpaidInvoiceHasNoPayment(t *testing.T) {
	e := newEnv(t)
	o := simpleOrder("91", buyer())
	o.Paid = time.Time{}
	b := e.book(invoice(t, "webwinkel", o))
	mi, _ := e.mb.Invoice(b.Ref)
	if len(mi.Payments) != 0 || mi.State == "paid" {
		t.Fatalf("payments %+v, state %s", mi.Payments, mi.State)
	}
}

func TestSpread(t *testing.T) {
	for _, c := range []struct {
		total   int64
		weights []int64
		want    []int64
	}{
		{227, []int64{1080}, []int64{227}},
		{730, []int64{1800, 1080, 496, 100}, []int64{378, 227, 104, 21}},
		{10, []int64{1, 1, 1}, []int64{4, 3, 3}},
		{-10, []int64{1, 1, 1}, []int64{-4, -3, -3}},
		{5, []int64{0, 0}, []int64{3, 2}},
		{0, []int64{5, 7}, []int64{0, 0}},
	} {
		got := spread(c.total, append([]int64(nil), c.weights...))
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("spread(%d, %v) = %v, want %v", c.total, c.weights, got, c.want)
		}
	}
}

func TestPlanGrossAddsUp(t *testing.T) {
	e := newEnv(t)
	inv := invoice(t, "webwinkel", order13())
	p, err := makePlan(inv, e.mapping)
	if err != nil {
		t.Fatal(err)
	}
	var gross order.Money
	for _, pl := range p.lines {
		gross += pl.gross
	}
	if gross != inv.Total {
		t.Fatalf("Σ gross %s, total %s", gross, inv.Total)
	}
	if !p.fits(p.predict(true)) || !p.fits(p.predict(false)) {
		t.Fatalf("order 13 fits both modes: incl %v excl %v, shop %v", p.predict(true), p.predict(false), p.shopTax)
	}
}

func TestForeignCurrencyPaymentHasBase(t *testing.T) {
	e := newEnv(t)
	e.mb.SetExchangeRate("USD", "0.92")
	o := simpleOrder("92", buyer())
	o.Currency = "USD"
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: "woocommerce/webwinkel/92/invoice", Shop: "webwinkel", Seller: seller(), EURRate: "0.92"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.book(inv)
	mi, _ := e.mb.Invoice(b.Ref)
	// 17.55 USD at 0.92 is 16.146 EUR.
	if mi.Currency != "USD" || len(mi.Payments) != 1 || mi.Payments[0].Price != "17.55" || mi.Payments[0].PriceBase != "16.15" {
		t.Fatalf("currency %s, payments %+v", mi.Currency, mi.Payments)
	}
}

// TestNegativeLineKeepsItsAccount: prices incl. VAT with a negative fee
// line (a discount): each line keeps its own VAT, so Moneybird's net per
// ledger account is the shop's (8000: 10.00 − 10.00, 8200: 5.00), not a
// share of the VAT by |net| that moves 0.69 of revenue onto 8000.
func TestNegativeLineKeepsItsAccount(t *testing.T) {
	e := newEnv(t)
	o := simpleOrder("93", buyer())
	o.PricesIncludeTax = true
	o.Lines = []order.Line{
		{Kind: order.Product, ID: "1", Name: "Koffiebonen", Quantity: 1, Net: 1000, VAT: 210, Rate: order.RateHigh, Category: order.Standard},
		{Kind: order.Shipping, ID: "2", Name: "Verzending", Quantity: 0, Net: 500, VAT: 105, Rate: order.RateHigh, Category: order.Standard},
		{Kind: order.Fee, ID: "3", Name: "Korting", Quantity: 0, Net: -1000, VAT: -210, Rate: order.RateHigh, Category: order.Standard},
	}
	o.Total, o.TotalTax = 605, 105
	b := e.book(invoice(t, "webwinkel", o))
	mi, _ := e.mb.Invoice(b.Ref)
	if !mi.PricesAreInclTax || len(b.Warnings) != 0 {
		t.Fatalf("incl %v, warnings %+v", mi.PricesAreInclTax, b.Warnings)
	}
	net := map[string]order.Money{}
	for _, d := range mi.Details {
		net[d.LedgerAccountID] += money(t, d.TotalPriceExclTaxWithDiscount)
	}
	want := map[string]order.Money{e.mb.LedgerAccountID("8000"): 0, e.mb.LedgerAccountID("8200"): 500}
	if !reflect.DeepEqual(net, want) {
		t.Fatalf("net per account %v, want %v", net, want)
	}
}

// TestNetPerAccountDiffersWarned: a net per ledger account in Moneybird's
// answer that is not the shop's is a WarnNetDiffers warning.
func TestNetPerAccountDiffersWarned(t *testing.T) {
	e := newEnv(t)
	inv := invoice(t, "webwinkel", simpleOrder("94", buyer()))
	p, err := makePlan(inv, e.mapping)
	if err != nil {
		t.Fatal(err)
	}
	acc := e.mb.LedgerAccountID("8000")
	si := &salesInvoice{
		TaxTotals: []taxTotal{{TaxRateID: json64(e.mb.TaxRateID("21% btw")), TaxAmount: "2.1"}, {TaxRateID: json64(e.mb.TaxRateID("9% btw")), TaxAmount: "0.45"}},
		Details:   []invDetail{{LedgerAccountID: json64(acc), TotalPriceExclTaxWithDiscount: "10.0"}, {LedgerAccountID: json64(acc), TotalPriceExclTaxWithDiscount: "4.99"}},
	}
	ws, err := p.compare(si)
	want := []ledger.Warning{{Code: WarnNetDiffers, Args: map[string]string{"account": acc, "shop": "15.00", "ledger": "14.99", "diff": "-0.01"}}}
	if err != nil || !reflect.DeepEqual(ws, want) {
		t.Fatalf("warnings %+v, %v; want %+v", ws, err, want)
	}
}

// TestForeignCurrencyEURVATDiffersWarned: in another currency Moneybird
// converts the VAT per rate (2.10 and 0.45 USD at 0.92: 1.93 + 0.41 EUR),
// the shop the total (2.55 USD: 2.35 EUR); the VAT return has Moneybird's
// figure, so the difference is warned.
func TestForeignCurrencyEURVATDiffersWarned(t *testing.T) {
	e := newEnv(t)
	e.mb.SetExchangeRate("USD", "0.92")
	o := simpleOrder("100", buyer())
	o.Currency = "USD"
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: "woocommerce/webwinkel/100/invoice", Shop: "webwinkel", Seller: seller(), EURRate: "0.92"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.TaxTotalEUR != 235 {
		t.Fatalf("TaxTotalEUR %s", inv.TaxTotalEUR)
	}
	b := e.book(inv)
	want := []ledger.Warning{{Code: WarnVATEURDiffers, Args: map[string]string{"currency": "USD", "shop": "2.35", "ledger": "2.34", "diff": "-0.01"}}}
	if !reflect.DeepEqual(b.Warnings, want) {
		t.Fatalf("warnings %+v, want %+v", b.Warnings, want)
	}
}
