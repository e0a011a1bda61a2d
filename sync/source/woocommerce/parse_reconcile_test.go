package woocommerce

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// TestReconcileKeepsLinesThatAddUp is a property over random 21/9 % carts
// in all four rounding modes, checked out as WooCommerce does and read as
// the REST API sends them: when the shop's rounded lines add up to its
// total excl. VAT, the invoice's lines are the shop's lines, with no
// rounding notes; and the VAT per rate is always the shop's (tax_lines when
// they add up to total_tax, else the lines' VAT per rate when that does).
func TestReconcileKeepsLinesThatAddUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3000, 21))
	rates := []int64{2100, 900}
	addUp := map[wcemu.Rounding]int{}
	for n := 0; n < 2000; n++ {
		var cart wcemu.Cart
		for k, lines := 0, 1+rng.IntN(12); k < lines; k++ {
			cart.Items = append(cart.Items, wcemu.CartItem{Name: fmt.Sprint("p", k), Price: int64(1 + rng.IntN(6000)),
				Qty: int64(1 + rng.IntN(4)), Rate: rates[rng.IntN(2)]})
		}
		if rng.IntN(3) == 0 {
			cart.Coupons = []wcemu.Coupon{{Code: "p", Type: "percent", Amount: int64(5 + rng.IntN(30))}}
		}
		if rng.IntN(2) == 0 {
			cart.Shipping = ship(int64(rng.IntN(1000)))
		}
		if rng.IntN(4) == 0 {
			cart.Fees = []wcemu.CartFee{{Name: "fee", Amount: int64(50 + rng.IntN(300)), Rate: rates[rng.IntN(2)]}}
		}
		cart.Billing = consumerNL
		for _, r := range wcemu.Roundings {
			cart.Rounding = r
			raw, err := wcemu.EncodePHP(wcemu.Checkout(cart, int64(20000+n), time.Now()))
			if err != nil {
				t.Fatal(err)
			}
			o, err := ParseOrder(raw, "")
			if err != nil {
				t.Fatal(err)
			}
			inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "s", Seller: testSeller()})
			if err != nil {
				t.Fatalf("cart %d %s: %v\n%s", n, r, err, raw)
			}
			var net, vat order.Money
			lineVAT := map[order.Rate]order.Money{}
			for _, l := range o.Lines {
				net += l.Net
				vat += l.VAT
				lineVAT[l.Rate] += l.VAT
			}
			if net == o.Total-o.TotalTax {
				addUp[r]++
				for i, l := range inv.Lines {
					if l.Net != o.Lines[i].Net || l.Note != "" {
						t.Errorf("cart %d %s: the lines add up, yet line %s is booked as %s %q (shop %s)", n, r, l.Name, l.Net, l.Note, o.Lines[i].Net)
					}
				}
			}
			shop := map[order.Rate]order.Money{}
			var taxes order.Money
			for _, x := range o.Taxes {
				shop[x.Rate] += x.Tax
				taxes += x.Tax
			}
			if len(o.Taxes) == 0 || taxes != o.TotalTax {
				if vat != o.TotalTax {
					continue // neither figure adds up: the VAT is spread, checked elsewhere
				}
				shop = lineVAT
			}
			for _, s := range inv.TaxSubtotals {
				if s.Tax != shop[s.Rate] {
					t.Errorf("cart %d %s: VAT at %s%% booked as %s, the shop says %s", n, r, s.Rate.Percent(), s.Tax, shop[s.Rate])
				}
			}
		}
	}
	for _, r := range wcemu.Roundings {
		if addUp[r] < 100 {
			t.Errorf("%s: only %d carts whose lines add up: the property is hardly tested", r, addUp[r])
		}
	}
	t.Logf("carts whose lines add up: %v", addUp)
}
