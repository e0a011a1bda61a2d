package plugandpay

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger/ubl"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
)

// TestInvoicesValidate books the Dutch orders of the emulator's scenario
// (paid, credited with its credit note, recurring terms, upsells, 21 % and
// 9 %, B2B NL, reverse charge to a Belgian business, as services and as
// goods) and random carts as UBL, and validates every file in one call of
// the shared kit.
func TestInvoicesValidate(t *testing.T) {
	shop, c := start(t, t0)
	sc := shop.AddScenario()
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 30; i++ {
		oid := shop.Add(ppemu.RandomSpec(r))
		if i%10 == 0 {
			if _, err := shop.Credit(oid); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The shapes of the reviewer's bugs: a discount only in
	// total_discounts (credited), one over 21 % and 9 %, shipping, and a
	// reverse-charge buyer with and without shipping.
	both := map[string]bool{id(sc.EUB2B): true}
	mixed := []ppemu.ItemSpec{{Label: "Cursus", ProductID: 3, UnitPrice: 12100, Rate: 2100},
		{Label: "Werkboek", ProductID: 4, UnitPrice: 1090, Quantity: 2, Rate: 900}}
	for _, sp := range []ppemu.Spec{
		{Items: mixed[:1], Buyer: ppemu.Consumer(0), OrderDiscount: 1210, OrderDiscountCode: "WELKOM"},
		{Items: mixed, Buyer: ppemu.Consumer(1), OrderDiscount: 1000},
		{Items: mixed, Buyer: ppemu.Consumer(2), Shipping: 695, ShippingRate: 2100, OrderDiscount: 500},
		{Items: mixed, Buyer: ppemu.BuyerReverseEU, OrderDiscount: 1000},
		{Items: mixed[:1], Buyer: ppemu.BuyerReverseEU, Shipping: 695, ShippingRate: 2100},
	} {
		oid := shop.Add(sp)
		both[id(oid)] = true
		if _, err := shop.Credit(oid); err != nil {
			t.Fatal(err)
		}
	}
	var orders []order.Order
	if _, err := c.Poll(ctx, time.Time{}, func(o order.Order) error { orders = append(orders, o); return nil }); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	write := func(inv order.Invoice) {
		data, err := ubl.Marshal(inv)
		if err != nil {
			t.Fatalf("%s: %v", inv.ID, err)
		}
		f := filepath.Join(dir, fmt.Sprintf("%s-%s.xml", inv.Kind, inv.ID))
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	credits := 0
	for _, o := range orders {
		if o.Status == StatusOpen {
			continue
		}
		sells := []order.Sells{order.SellsServices}
		if both[o.ID] {
			sells = append(sells, order.SellsGoods)
		}
		for _, s := range sells {
			inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: "plugandpay/1/" + o.ID + "/invoice/" + string(s), Shop: "cursus", Seller: testSeller(), Sells: s})
			if err != nil {
				t.Fatalf("order %s: %v", o.ID, err)
			}
			if s == order.SellsGoods {
				inv.ID += "-goods"
			}
			write(inv)
			for _, rf := range o.Refunds {
				cn, err := order.NewCreditNote(o, rf, inv, "plugandpay/1/"+o.ID+"/credit/"+rf.ID, rf.Created)
				if err != nil {
					t.Fatalf("credit %s: %v", rf.ID, err)
				}
				write(cn)
				credits++
			}
		}
	}
	if credits < 4 || len(files) < 40 {
		t.Fatalf("only %d files, %d credit notes", len(files), credits)
	}
	ubltest.Validate(t, files...)
	t.Logf("%d UBL files valid (%d credit notes)", len(files), credits)
}
