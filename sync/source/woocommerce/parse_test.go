package woocommerce

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

func TestParseRealOrder13(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtures(t), "real-8.9.1", "rest_order_13_get_after_refund.json"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOrder(raw, "https://127.0.0.1:8000/")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	if o.ID != "13" || o.Number != "13" || o.Status != "completed" || o.Currency != "EUR" || !o.PricesIncludeTax ||
		!o.Created.Equal(utc("2026-11-22T19:48:26Z")) || !o.Modified.Equal(utc("2026-11-22T19:49:05Z")) ||
		!o.Paid.Equal(utc("2026-11-22T19:48:57Z")) || o.Modified.Location() != time.UTC ||
		o.Total != 4206 || o.TotalTax != 730 || o.PaymentMethod != "bacs" || o.PaymentMethodTitle != "Bankoverschrijving" ||
		o.ShopURL != "https://127.0.0.1:8000/wp-admin/post.php?action=edit&post=13" || o.Deleted {
		t.Errorf("order = %+v", o)
	}
	wantBuyer := order.Party{Name: "Test Klant", Company: "Testbedrijf B.V.", Email: "klant@example.com", Phone: "0300000000",
		Address: order.Address{Street: "Teststraat 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}}
	if o.Buyer != wantBuyer {
		t.Errorf("buyer = %+v", o.Buyer)
	}
	want := []order.Line{
		{Kind: order.Product, ID: "1", SKU: "MOK-01", Name: "Koffiemok", Quantity: 2, Net: 1800, VAT: 378, Rate: 2100, Category: order.Standard,
			Exact: &order.Exact{Net: 18_000000, VAT: 3_780000}},
		{Kind: order.Product, ID: "2", SKU: "THEE/EG", Name: "Thee \u2013 Earl Grey (\u20ac)", Quantity: 3, Net: 1080, VAT: 227, Rate: 2100, Category: order.Standard,
			// price 3.600551 × 3 and taxes[] 2.268347: the unrounded line
			Exact: &order.Exact{Net: 10_801653, VAT: 2_268347}},
		{Kind: order.Shipping, ID: "3", Name: "Verzending", Quantity: 1, Net: 496, VAT: 104, Rate: 2100, Category: order.Standard,
			Exact: &order.Exact{Net: 4_960000, VAT: 1_041600}},
		{Kind: order.Fee, ID: "4", Name: "Verpakkingskosten", Quantity: 1, Net: 100, VAT: 21, Rate: 2100, Category: order.Standard,
			Exact: &order.Exact{Net: 1_000000, VAT: 210000}},
	}
	if o.CreatedLocal != "2026-11-22T20:48:26" {
		t.Errorf("created local %q, want the shop's wall clock 2026-11-22T20:48:26", o.CreatedLocal)
	}
	if want := []order.RateTax{{Rate: 2100, Tax: 730}}; !reflect.DeepEqual(o.Taxes, want) {
		t.Errorf("taxes %+v, want %+v (tax_total 6.26 + shipping_tax_total 1.04)", o.Taxes, want)
	}
	if len(o.Lines) != len(want) {
		t.Fatalf("lines = %+v", o.Lines)
	}
	for i := range want {
		if !reflect.DeepEqual(o.Lines[i], want[i]) {
			t.Errorf("line %d = %+v %+v, want %+v %+v", i, o.Lines[i], o.Lines[i].Exact, want[i], want[i].Exact)
		}
	}
	if len(o.Refunds) != 1 || o.Refunds[0].ID != "14" || o.Refunds[0].Amount != 500 || o.Refunds[0].Reason != "Beschadigd" {
		t.Errorf("refunds = %+v", o.Refunds)
	}
	checkSums(t, o)
}

// checkSums asserts the reconciliation a ledger relies on.
func checkSums(t *testing.T, o order.Order) {
	t.Helper()
	var net, vat order.Money
	for _, l := range o.Lines {
		net += l.Net
		vat += l.VAT
	}
	if net+vat != o.Total || vat != o.TotalTax {
		t.Errorf("order %s: Σnet %v + Σvat %v != total %v (total_tax %v)", o.ID, net, vat, o.Total, o.TotalTax)
	}
}

func TestParseEveryFixtureOrder(t *testing.T) {
	dir := fixtures(t)
	files, _ := filepath.Glob(filepath.Join(dir, "real-8.9.1", "delivery_order.*.body.raw"))
	files = append(files, filepath.Join(dir, "real-8.9.1", "rest_order_13_create_response.json"),
		filepath.Join(dir, "real-8.9.1", "rest_order_13_trash_response.json"),
		filepath.Join(dir, "real-8.9.1", "rest_orders_page1_per_page1.json"),
		filepath.Join(dir, "orders-list-all-orders.json"), filepath.Join(dir, "orders-retrieve-an-order.json"),
		filepath.Join(dir, "orders-delete-an-order.json"), filepath.Join(dir, "thirdparty_pipedream_wc8.0.2_order_webhook_payload.json"))
	if len(files) < 15 {
		t.Fatalf("only %d fixture files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var bodies []json.RawMessage
			if json.Unmarshal(raw, &bodies) != nil {
				bodies = []json.RawMessage{raw}
			}
			for _, b := range bodies {
				o, err := ParseOrder(b, "https://shop.example.nl")
				if strings.Contains(f, "order.deleted") {
					if !errors.Is(err, ErrIDOnly) {
						t.Errorf("deleted body: err = %v", err)
					}
					if id, err := ParseDeleted(b); id != "13" || err != nil {
						t.Errorf("ParseDeleted = %q, %v", id, err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if o.Modified.IsZero() || o.Total < 0 || len(o.Lines) == 0 {
					t.Errorf("order %s incomplete: %+v", o.ID, o)
				}
				checkSums(t, o)
				if o.Deleted { // the trash response shows the order as it was before
					t.Errorf("order %s Deleted with status %s", o.ID, o.Status)
				}
			}
		})
	}
}

// The documentation's US examples predate rate_percent (WooCommerce 5.7):
// the rate comes from the amounts.
func TestParseInfersRateWithoutRatePercent(t *testing.T) {
	raw, _ := os.ReadFile(filepath.Join(fixtures(t), "orders-retrieve-an-order.json"))
	o, err := ParseOrder(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range o.Lines {
		if l.VAT != 0 && (l.Rate != 750 || l.Category != order.Standard) {
			t.Errorf("line %+v", l)
		}
		if l.VAT == 0 && l.Category != "" {
			t.Errorf("untaxed line %+v: the category is NewInvoice's to decide", l)
		}
	}
	if c := order.SaleCategory(o, order.Seller{Party: order.Party{Address: order.Address{Country: "NL"}}}, order.SellsGoods); c != order.ZeroRated {
		// The order charges VAT on other lines: its untaxed lines are 0 %.
		t.Errorf("sale category %s, want Z", c)
	}
}

func TestParseGeneratedDutchOrders(t *testing.T) {
	cats := map[order.Category]int{}
	for i, w := range wcemu.DutchOrders(2000, 42) {
		raw, err := wcemu.EncodePHP(w)
		if err != nil {
			t.Fatal(err)
		}
		o, err := ParseOrder(raw, "https://shop.example.nl")
		if err != nil {
			t.Fatalf("order %d: %v", i, err)
		}
		checkSums(t, o)
		sale := order.SaleCategory(o, order.Seller{Party: order.Party{Address: order.Address{Country: "NL"}}}, order.SellsGoods)
		for _, l := range o.Lines {
			if l.Category == "" {
				l.Category = sale
			}
			cats[l.Category]++
			if l.Rate > 0 && l.Category != order.Standard || l.Rate != 0 && l.Rate != 2100 && l.Rate != 900 {
				t.Errorf("order %s line %+v", o.ID, l)
			}
			switch {
			case o.Buyer.Address.Country != "NL" && o.Buyer.VATID != "" && l.Category != order.IntraEU && o.Buyer.Address.Country != "":
				t.Errorf("EU B2B order %s line %+v", o.ID, l)
			}
		}
		var refunded order.Money
		for _, r := range o.Refunds {
			refunded += r.Amount
		}
		if refunded > o.Total {
			t.Errorf("order %s refunds %v of %v", o.ID, refunded, o.Total)
		}
	}
	for _, c := range []order.Category{order.Standard, order.ZeroRated, order.IntraEU, order.Export} {
		if cats[c] == 0 {
			t.Errorf("no %s lines in 2000 orders: %v", c, cats)
		}
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	good, _ := os.ReadFile(filepath.Join(fixtures(t), "real-8.9.1", "rest_order_13_get_after_refund.json"))
	for _, tc := range []struct{ name, body string }{
		{"not json", `<html>`},
		{"truncated", string(good[:200])},
		{"no id", `{"status":"processing","date_modified_gmt":"2026-11-22T19:49:05"}`},
		{"negative id", `{"id":-4,"status":"processing","date_modified_gmt":"2026-11-22T19:49:05"}`},
		{"comma amount", strings.Replace(string(good), `"total":"42.06"`, `"total":"42,06"`, 1)},
		{"bad line amount", strings.Replace(string(good), `"total":"18.00"`, `"total":"18.0.0"`, 1)},
		{"bad date", strings.Replace(string(good), `"date_modified_gmt":"2026-11-22T19:49:05"`, `"date_modified_gmt":"gisteren"`, 1)},
		{"no modified", `{"id":4,"status":"processing"}`},
		{"rate out of range", strings.Replace(string(good), `"rate_percent":21`, `"rate_percent":210`, 1)},
		{"quantity not a number", strings.Replace(string(good), `"quantity":2`, `"quantity":"twee"`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if o, err := ParseOrder([]byte(tc.body), ""); err == nil {
				t.Errorf("accepted: %+v", o)
			}
		})
	}
}

// EncodePHP must give the very bytes WooCommerce signed: decoding a real
// delivery and encoding it again reproduces it, and its signature verifies.
func TestEncodePHPReproducesRealDelivery(t *testing.T) {
	dir := filepath.Join(fixtures(t), "real-8.9.1")
	secrets := map[string]string{}
	b, _ := os.ReadFile(filepath.Join(dir, "secrets.json"))
	_ = json.Unmarshal(b, &secrets)
	for _, name := range []string{"delivery_order.updated_13_after_refund", "delivery_order.created_15_processing_set_paid"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, name+".body.raw"))
			if err != nil {
				t.Fatal(err)
			}
			var w wcemu.Order
			if err := json.Unmarshal(raw, &w); err != nil {
				t.Fatal(err)
			}
			again, err := wcemu.EncodePHP(w)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(raw) {
				t.Errorf("re-encoded differs:\n got %s\nwant %s", again, raw)
			}
			var hdr struct{ Headers [][2]string }
			hb, _ := os.ReadFile(filepath.Join(dir, name+".headers.json"))
			_ = json.Unmarshal(hb, &hdr)
			var sig, id string
			for _, h := range hdr.Headers {
				switch h[0] {
				case "X-WC-Webhook-Signature":
					sig = h[1]
				case "X-WC-Webhook-ID":
					id = h[1]
				}
			}
			if got := wcemu.Sign(raw, secrets[id]); got != sig || sig == "" {
				t.Errorf("Sign = %s, captured %s", got, sig)
			}
		})
	}
}

// TestParseSplitsNegativeFeeOverRates: WooCommerce spreads a negative fee's
// VAT over the cart's rates; the fee becomes one line per rate, whose nets
// and VAT add up to the fee's.
func TestParseSplitsNegativeFeeOverRates(t *testing.T) {
	for _, r := range wcemu.Roundings {
		cart := wcemu.Cart{Rounding: r, Billing: wcemu.Billing{FirstName: "A", LastName: "B", Country: "NL", Email: "a@example.nl"},
			Items: []wcemu.CartItem{{Name: "Mok", Price: 1210, Qty: 2, Rate: 2100}, {Name: "Thee", Price: 484, Qty: 3, Rate: 900},
				{Name: "Bon", Price: 1000, Qty: 1, Rate: 0}},
			Fees: []wcemu.CartFee{{Name: "Korting", Amount: -300, Rate: 2100}}}
		raw, err := wcemu.EncodePHP(wcemu.Checkout(cart, 77, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		o, err := ParseOrder(raw, "")
		if err != nil {
			t.Fatal(err)
		}
		var parts []order.Line
		var net, vat order.Money
		for _, l := range o.Lines {
			if l.Kind == order.Fee {
				parts = append(parts, l)
				net += l.Net
				vat += l.VAT
			}
		}
		if len(parts) != 3 || net != -300 {
			t.Fatalf("%s: fee parts %+v (net %s), want three rates adding up to -3.00", r, parts, net)
		}
		for _, p := range parts {
			if p.Rate > 0 && (p.VAT >= 0 || p.Category != order.Standard) || p.Rate == 0 && p.VAT != 0 {
				t.Errorf("%s: part %+v", r, p)
			}
		}
		if _, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "s", Seller: testSeller()}); err != nil {
			t.Errorf("%s: %v", r, err)
		}
	}
}
