package woocommerce

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger/ubl"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

func testSeller() order.Seller {
	return order.Seller{
		Party: order.Party{Name: "Bakkerij Test", Company: "Bakkerij Test B.V.", Email: "info@bakker.example",
			VATID: "NL123456789B01", KvK: "12345678",
			Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}},
		IBAN: "NL91ABNA0417164300",
	}
}

var (
	consumerNL = wcemu.Billing{FirstName: "Anna", LastName: "de Vries", Address1: "Keizersgracht 1", City: "Amsterdam",
		Postcode: "1015 CJ", Country: "NL", Email: "anna@example.nl"}
	companyNL = wcemu.Billing{FirstName: "Piet", LastName: "Bakker", Company: "Bakker Horeca B.V.", Address1: "Markt 3",
		City: "Utrecht", Postcode: "3511 AB", Country: "NL", Email: "inkoop@bakker.example"}
	companyBE = wcemu.Billing{FirstName: "Jef", LastName: "Peeters", Company: "Peeters BV", Address1: "Meir 1",
		City: "Antwerpen", Postcode: "2000", Country: "BE", Email: "jef@peeters.example"}
	buyerUS = wcemu.Billing{FirstName: "Ann", LastName: "Smith", Address1: "1 Main St", City: "Portland",
		Postcode: "97201", Country: "US", Email: "ann@example.com"}
)

func ship(c int64) *int64 { return &c }

// cheapLines is n cheap items (0.10 to 0.99) at 21 % and 9 %, where the
// shop's rounding adds up.
func cheapLines(n int, seed uint64) []wcemu.CartItem {
	rng := rand.New(rand.NewPCG(seed, seed))
	items := make([]wcemu.CartItem, n)
	for i := range items {
		rate := []int64{2100, 900}[rng.IntN(2)]
		items[i] = wcemu.CartItem{Name: fmt.Sprintf("Snoep %d", i+1), SKU: fmt.Sprintf("SN-%02d", i+1),
			Price: int64(10 + rng.IntN(90)), Qty: int64(1 + rng.IntN(3)), Rate: rate}
	}
	return items
}

// roundingCarts are orders as shoppers make them, each checked out in every
// rounding mode of WooCommerce.
var roundingCarts = []struct {
	name  string
	cart  wcemu.Cart
	sells order.Sells
	// cat is the category the untaxed lines must get ("" for none).
	cat order.Category
}{
	{name: "3x1.00 at 9 % and shipping (the real capture)", cart: wcemu.Cart{
		Items:    []wcemu.CartItem{{Name: "Drop", Price: 100, Qty: 1, Rate: 900}, {Name: "Drop1", Price: 100, Qty: 1, Rate: 900}, {Name: "Drop2", Price: 100, Qty: 1, Rate: 900}},
		Shipping: ship(409), Billing: consumerNL}},
	{name: "mixed 21/9/0 with shipping and a 1.50 fee", cart: wcemu.Cart{
		Items: []wcemu.CartItem{{Name: "Koffiemok", Price: 1210, Qty: 2, Rate: 2100}, {Name: "Thee", Price: 484, Qty: 3, Rate: 900},
			{Name: "Cadeaukaart", Price: 2500, Qty: 1, Rate: 0}},
		Shipping: ship(495), Fees: []wcemu.CartFee{{Name: "Verpakkingskosten", Amount: 150, Rate: 2100}}, Billing: consumerNL}},
	{name: "a 1.50 fee at 21 % only", cart: wcemu.Cart{
		Items: []wcemu.CartItem{{Name: "Theedoek", Price: 1295, Qty: 1, Rate: 2100}},
		Fees:  []wcemu.CartFee{{Name: "Toeslag", Amount: 150, Rate: 2100}}, Billing: consumerNL}},
	{name: "percent coupon on mixed rates", cart: wcemu.Cart{
		Items: []wcemu.CartItem{{Name: "Koffiebonen", Price: 2450, Qty: 3, Rate: 900}, {Name: "Waterkoker", Price: 5999, Qty: 1, Rate: 2100},
			{Name: "Stroopwafels", Price: 349, Qty: 7, Rate: 900}},
		Coupons: []wcemu.Coupon{{Code: "korting15", Type: "percent", Amount: 15}}, Shipping: ship(695), Billing: companyNL,
		Meta: []wcemu.Meta{{ID: 1, Key: "_billing_vat_number", Value: "NL987654321B01"}, {ID: 2, Key: "_billing_kvk", Value: "87654321"}}}},
	{name: "fixed cart coupon 5.00", cart: wcemu.Cart{
		Items:   []wcemu.CartItem{{Name: "Kookboek", Price: 2495, Qty: 1, Rate: 900}, {Name: "Mok", Price: 333, Qty: 3, Rate: 2100}},
		Coupons: []wcemu.Coupon{{Code: "vijf", Type: "fixed_cart", Amount: 500}}, Shipping: ship(495), Billing: consumerNL}},
	{name: "two coupons, negative fee, fee", cart: wcemu.Cart{
		Items:    []wcemu.CartItem{{Name: "Fietstas", Price: 8950, Qty: 1, Rate: 2100}, {Name: "Thee", Price: 484, Qty: 5, Rate: 900}},
		Coupons:  []wcemu.Coupon{{Code: "tien", Type: "percent", Amount: 10}, {Code: "drie", Type: "fixed_cart", Amount: 300}},
		Fees:     []wcemu.CartFee{{Name: "Korting vaste klant", Amount: -250, Rate: 2100}, {Name: "Verpakkingskosten", Amount: 100, Rate: 2100}},
		Shipping: ship(695), Billing: consumerNL}},
	{name: "Dutch business with a VAT number only (Peppol 9944)", cart: wcemu.Cart{
		Items:    []wcemu.CartItem{{Name: "Kantoorkoffie", Price: 1199, Qty: 12, Rate: 900}},
		Shipping: ship(0), Billing: companyNL, Meta: []wcemu.Meta{{ID: 1, Key: "billing_vat", Value: "nl 9876.54.321.B01"}}}},
	{name: "Dutch business with a KvK number only (Peppol 0106)", cart: wcemu.Cart{
		Items:    []wcemu.CartItem{{Name: "Theedoek", Price: 1295, Qty: 10, Rate: 2100}},
		Shipping: ship(695), Billing: companyNL, Meta: []wcemu.Meta{{ID: 1, Key: "kvk_nummer", Value: "8765 4321"}}}},
	{name: "40 cheap lines", cart: wcemu.Cart{Items: cheapLines(40, 7), Shipping: ship(495), Billing: consumerNL}},
	{name: "120 cheap lines and a coupon", cart: wcemu.Cart{Items: cheapLines(120, 11), Shipping: ship(0),
		Coupons: []wcemu.Coupon{{Code: "k7", Type: "percent", Amount: 7}}, Billing: consumerNL}},
	{name: "Belgian business, VAT exempt: intra-community supply", cat: order.IntraEU, cart: wcemu.Cart{
		Items:    []wcemu.CartItem{{Name: "Koffiemok", Price: 1210, Qty: 4, Rate: 2100}, {Name: "Thee", Price: 484, Qty: 3, Rate: 900}},
		Shipping: ship(995), Exempt: true, Billing: companyBE,
		Meta: []wcemu.Meta{{ID: 1, Key: "_billing_vat_number", Value: "BE0123456789"}, {ID: 2, Key: "is_vat_exempt", Value: "yes"}}}},
	{name: "Belgian business of a services shop: reverse charge", sells: order.SellsServices, cat: order.ReverseCharge, cart: wcemu.Cart{
		Items:  []wcemu.CartItem{{Name: "Workshop", Price: 12100, Qty: 1, Rate: 2100}},
		Exempt: true, Billing: companyBE,
		Meta: []wcemu.Meta{{ID: 1, Key: "vat_number", Value: "BE 0123.456.789"}}}},
	{name: "export to the US", cat: order.Export, cart: wcemu.Cart{
		Items:    []wcemu.CartItem{{Name: "Fietstas", Price: 8950, Qty: 2, Rate: 2100}},
		Shipping: ship(2495), Exempt: true, Billing: buyerUS}},
	{name: "services outside the EU", sells: order.SellsServices, cat: order.OutOfScope, cart: wcemu.Cart{
		Items:  []wcemu.CartItem{{Name: "Online cursus", Price: 4900, Qty: 1, Rate: 2100}},
		Exempt: true, Billing: buyerUS}},
}

// TestRoundingModesBookAndValidate builds every cart the way WooCommerce
// computes it in its four rounding modes, reads the order as the REST API
// sends it, makes the invoice and writes its UBL: each must reconcile to the
// shop's total and VAT, and every file must pass the validator (one batched
// call for all).
func TestRoundingModesBookAndValidate(t *testing.T) {
	dir := t.TempDir()
	var files []string
	notes, differ := 0, 0
	id := int64(5000)
	created := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC) // 00:30 on 1 January in Amsterdam
	for _, c := range roundingCarts {
		for _, r := range wcemu.Roundings {
			id++
			name := fmt.Sprintf("%s, %s", c.name, r)
			cart := c.cart
			cart.Rounding = r
			w := wcemu.Checkout(cart, id, created)
			for _, path := range []string{"checkout", "recalculated"} {
				if path == "recalculated" {
					// The same order after the admin's Recalculate (or made
					// through the REST API): VAT computed anew on the nets.
					id++
					w = wcemu.Recalculate(w, r)
					w.ID, w.Number = id, fmt.Sprint(id)
				}
				name := name + ", " + path
				raw, err := wcemu.EncodePHP(w)
				if err != nil {
					t.Fatal(err)
				}
				o, err := ParseOrder(raw, "https://shop.example.nl")
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				var lineNet, lineVAT order.Money
				for _, l := range o.Lines {
					lineNet += l.Net
					lineVAT += l.VAT
				}
				if lineNet+lineVAT != o.Total || lineVAT != o.TotalTax {
					differ++
				}
				inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: fmt.Sprintf("woocommerce/1/%d/invoice", id), Shop: "webwinkel",
					Seller: testSeller(), Sells: c.sells})
				if err != nil {
					code, args := order.Failure(err)
					t.Errorf("%s: %v (%s %v)\n%s", name, err, code, args, raw)
					continue
				}
				if inv.Total != o.Total || inv.TaxTotal != o.TotalTax {
					t.Errorf("%s: invoice %s / VAT %s, shop %s / %s", name, inv.Total, inv.TaxTotal, o.Total, o.TotalTax)
				}
				if got := inv.IssueDate.Format("2006-01-02"); got != "2027-01-01" {
					t.Errorf("%s: dated %s, want the shop's local date 2027-01-01", name, got)
				}
				for _, l := range inv.Lines {
					if l.Note != "" {
						notes++
						if !strings.HasPrefix(l.Note, "Afronding webwinkel: ") {
							t.Errorf("%s: note %q", name, l.Note)
						}
					}
					if c.cat != "" && l.Rate == 0 && l.Category != c.cat {
						t.Errorf("%s: line %s category %s, want %s", name, l.Name, l.Category, c.cat)
					}
				}
				data, err := ubl.Marshal(inv)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				f := filepath.Join(dir, fmt.Sprintf("%d.xml", id))
				if err := os.WriteFile(f, data, 0o600); err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
		}
	}
	// The table must hold what it claims: orders whose rounded lines miss
	// the shop's totals, and so invoices that carry the shop's rounding.
	if differ < 8 || notes == 0 {
		t.Errorf("only %d orders whose lines miss the totals and %d rounding notes: the table tests too little", differ, notes)
	}
	t.Logf("%d invoices, %d whose rounded lines miss the shop's totals, %d rounding notes", len(files), differ, notes)
	ubltest.Validate(t, files...)
}

// TestRealRoundAtSubtotalCapture books the real capture of a "round at
// subtotal" order: the customer paid 7.46 with 0.62 VAT, the rounded lines
// add up to 7.47 and 0.61. The invoice says 7.46 and 0.62, with the shop's
// cent on a line, noted, and passes the validator.
func TestRealRoundAtSubtotalCapture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtures(t), "real-8.9.1", "rest_order_round_at_subtotal_incl_3x1.00_9pct.json"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOrder(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: "woocommerce/1/" + o.ID + "/invoice", Shop: "webwinkel", Seller: testSeller()})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Total != 746 || inv.TaxTotal != 62 || inv.LineTotal != 684 {
		t.Fatalf("invoice %s / %s / %s, want 7.46 / 0.62 / 6.84", inv.Total, inv.TaxTotal, inv.LineTotal)
	}
	var noted []string
	for _, l := range inv.Lines {
		if l.Note != "" {
			noted = append(noted, l.Name+": "+l.Net.String()+" "+l.Note)
		}
	}
	if len(noted) != 1 || noted[0] != "Drop: 0.91 Afronding webwinkel: -0,01" {
		t.Errorf("rounding carried as %q, want the cent on the first product rounded up", noted)
	}
	if got := inv.IssueDate.Format("2006-01-02"); got != "2026-12-01" {
		t.Errorf("dated %s", got)
	}
	data, err := ubl.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "<cbc:Note>Afronding webwinkel: -0,01</cbc:Note>") {
		t.Error("UBL line has no note for the rounding")
	}
	f := filepath.Join(t.TempDir(), "real.xml")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ubltest.Validate(t, f)
}

// TestRandomCartsReconcile: thousands of random carts, in every rounding
// mode, all make invoices equal to the shop's total and VAT.
func TestRandomCartsReconcile(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 1))
	rates := []int64{2100, 900, 0}
	notes := 0
	for n := 0; n < 1500; n++ {
		var cart wcemu.Cart
		for k, lines := 0, 1+rng.IntN(25); k < lines; k++ {
			cart.Items = append(cart.Items, wcemu.CartItem{Name: fmt.Sprint("p", k), Price: int64(1 + rng.IntN(5000)),
				Qty: int64(1 + rng.IntN(4)), Rate: rates[rng.IntN(3)]})
		}
		switch rng.IntN(4) {
		case 0:
			cart.Coupons = []wcemu.Coupon{{Code: "p", Type: "percent", Amount: int64(5 + rng.IntN(30))}}
		case 1:
			cart.Coupons = []wcemu.Coupon{{Code: "f", Type: "fixed_cart", Amount: int64(100 + rng.IntN(1000))}}
		}
		if rng.IntN(3) != 0 {
			cart.Shipping = ship(int64(rng.IntN(1000)))
		}
		if rng.IntN(3) == 0 {
			cart.Fees = append(cart.Fees, wcemu.CartFee{Name: "fee", Amount: int64(50 + rng.IntN(300)), Rate: rates[rng.IntN(2)]})
		}
		if rng.IntN(5) == 0 {
			cart.Fees = append(cart.Fees, wcemu.CartFee{Name: "korting", Amount: -int64(50 + rng.IntN(200)), Rate: 2100})
		}
		cart.Billing = consumerNL
		for _, r := range wcemu.Roundings {
			cart.Rounding = r
			w := wcemu.Checkout(cart, int64(10000+n), time.Now())
			for _, w := range []wcemu.Order{w, wcemu.Recalculate(w, r)} {
				raw, err := wcemu.EncodePHP(w)
				if err != nil {
					t.Fatal(err)
				}
				o, err := ParseOrder(raw, "")
				if err != nil {
					t.Fatal(err)
				}
				if o.Total < 0 {
					continue // a discount larger than the cart: WooCommerce caps it, the model does not
				}
				inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "s", Seller: testSeller()})
				if err != nil {
					t.Fatalf("cart %d %s: %v\n%s", n, r, err, raw)
				}
				if inv.Total != o.Total || inv.TaxTotal != o.TotalTax {
					t.Fatalf("cart %d %s: invoice %s/%s, shop %s/%s", n, r, inv.Total, inv.TaxTotal, o.Total, o.TotalTax)
				}
				for _, l := range inv.Lines {
					if l.Note != "" {
						notes++
					}
				}
			}
		}
	}
	if notes == 0 {
		t.Error("no cart needed the shop's rounding: the test tests nothing")
	}
	t.Logf("%d rounding notes", notes)
}
