package woocommerce

import (
	"fmt"
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

// TestDeliveryCountry: WooCommerce's shipping address is read into the
// order, and its country, where the goods go, decides the category and is
// the invoice's delivery country: goods to another EU state for a business
// with a VAT id are an intra-community supply (K), goods shipped within NL
// a domestic sale, whatever the billing address says. Every file passes the
// validator.
func TestDeliveryCountry(t *testing.T) {
	warehouseDE := &wcemu.ShippingAddr{FirstName: "Lager", Company: "Peeters Lager GmbH", Address1: "Hafenstraße 9",
		City: "Aachen", Postcode: "52062", Country: "DE"}
	depotNL := &wcemu.ShippingAddr{FirstName: "Jef", LastName: "Peeters", Address1: "Havenweg 4", City: "Breda",
		Postcode: "4811 AA", Country: "NL"}
	beVAT := []wcemu.Meta{{ID: 1, Key: "_billing_vat_number", Value: "BE0123456789"}, {ID: 2, Key: "is_vat_exempt", Value: "yes"}}
	items := []wcemu.CartItem{{Name: "Koffiemok", Price: 1210, Qty: 4, Rate: 2100}}
	dir := t.TempDir()
	var files []string
	for i, tt := range []struct {
		name     string
		cart     wcemu.Cart
		cat      order.Category
		country  string // the invoice's delivery country
		delivery string // in the UBL, "" for no cac:Delivery
	}{
		{"Belgian business, goods shipped to its German warehouse", wcemu.Cart{Items: items, Shipping: ship(995), Exempt: true,
			Billing: companyBE, ShipTo: warehouseDE, Meta: beVAT}, order.IntraEU, "DE", "DE"},
		{"Belgian business, goods to its own address", wcemu.Cart{Items: items, Shipping: ship(995), Exempt: true,
			Billing: companyBE, Meta: beVAT}, order.IntraEU, "BE", "BE"},
		{"Belgian business, goods shipped within NL: domestic", wcemu.Cart{Items: items, Shipping: ship(995), Exempt: true,
			Billing: companyBE, ShipTo: depotNL, Meta: beVAT}, order.ZeroRated, "NL", "NL"},
		{"Belgian business, download: no shipping address", wcemu.Cart{Items: items, Exempt: true,
			Billing: companyBE, Meta: beVAT}, order.IntraEU, "", "BE"},
		{"Dutch consumer, taxed, shipped to a friend", wcemu.Cart{Items: items, Shipping: ship(495), Billing: consumerNL,
			ShipTo: &wcemu.ShippingAddr{FirstName: "Piet", LastName: "Jansen", Address1: "Dorpsweg 1", City: "Zeist", Postcode: "3701 AA", Country: "NL"}},
			order.Standard, "NL", "NL"},
	} {
		w := wcemu.Checkout(tt.cart, int64(7000+i), time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
		raw, err := wcemu.EncodePHP(w)
		if err != nil {
			t.Fatal(err)
		}
		o, err := ParseOrder(raw, "")
		if err != nil {
			t.Fatal(err)
		}
		if o.Delivery != nil {
			if o.Delivery.Address.Country != tt.country {
				t.Errorf("%s: delivery country %s, want %s", tt.name, o.Delivery.Address.Country, tt.country)
			}
			if tt.cart.ShipTo != nil && (o.Delivery.Address.City != tt.cart.ShipTo.City || o.Delivery.Address.Street != tt.cart.ShipTo.Address1 ||
				o.Delivery.Address.Postcode != tt.cart.ShipTo.Postcode) {
				t.Errorf("%s: delivery %+v, shop %+v", tt.name, *o.Delivery, *tt.cart.ShipTo)
			}
		} else if tt.country != "" {
			t.Errorf("%s: no delivery parsed, want %s", tt.name, tt.country)
		}
		inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: fmt.Sprint("woocommerce/1/", 7000+i, "/invoice"), Shop: "webwinkel", Seller: testSeller()})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, l := range inv.Lines {
			if l.Category != tt.cat {
				t.Errorf("%s: line %s category %s, want %s", tt.name, l.Name, l.Category, tt.cat)
			}
		}
		data, err := ubl.Marshal(inv)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(data)
		if tt.delivery != "" {
			i := strings.Index(doc, "<cac:Delivery>")
			j := strings.Index(doc, "</cac:Delivery>")
			if i < 0 || j < i || !strings.Contains(doc[i:j], "<cbc:IdentificationCode>"+tt.delivery+"</cbc:IdentificationCode>") {
				t.Errorf("%s: UBL delivery, want country %s:\n%s", tt.name, tt.delivery, doc)
			}
			if tt.cat == order.IntraEU && !strings.Contains(doc[i:j], "<cbc:ActualDeliveryDate>") {
				t.Errorf("%s: K without a delivery date", tt.name)
			}
		}
		f := filepath.Join(dir, fmt.Sprintf("%d.xml", i))
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	ubltest.Validate(t, files...)
}
