package woocommerce

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// FuzzParseOrder feeds ParseOrder outside bytes: it must never panic, and
// whatever it accepts must be an order a ledger can use.
func FuzzParseOrder(f *testing.F) {
	dir := fixtures(f)
	for _, name := range []string{"real-8.9.1/rest_order_13_get_after_refund.json", "real-8.9.1/delivery_order.deleted_13_trashed.body.raw",
		"orders-retrieve-an-order.json", "thirdparty_pipedream_wc8.0.2_order_webhook_payload.json"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			f.Add(b)
		}
	}
	for _, o := range wcemu.DutchOrders(5, 1) {
		b, _ := wcemu.EncodePHP(o)
		f.Add(b)
	}
	f.Add([]byte(`{"id":1,"status":"x","date_modified_gmt":"2026-01-01T00:00:00","total":"1e400"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := ParseOrder(raw, "https://shop.example.nl")
		if err != nil {
			return
		}
		if o.ID == "" || o.ID[0] == '-' || o.ID == "0" {
			t.Errorf("accepted id %q", o.ID)
		}
		if o.Modified.IsZero() || o.Modified.Location().String() != "UTC" {
			t.Errorf("accepted modified %v", o.Modified)
		}
		if o.Status == "" {
			t.Error("accepted an empty status")
		}
		for _, l := range o.Lines {
			if l.Rate < 0 {
				t.Errorf("line rate %v", l.Rate)
			}
			if l.Category == "" && l.Rate > 0 {
				t.Errorf("taxed line %s without category", l.ID)
			}
		}
		for _, r := range o.Refunds {
			if r.Amount < 0 {
				t.Errorf("negative refund %v", r.Amount)
			}
		}
	})
}
