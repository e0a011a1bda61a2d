package plugandpay

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

// FuzzReceive feeds the receiver outside bytes, signed and unsigned: it
// must never panic, answer only with this package's typed errors, and a
// hook it accepts must name an order, a subscription or a poll.
func FuzzReceive(f *testing.F) {
	dir := fixtures(f)
	for _, name := range []string{"webhook-v2-order-paid.third-party-test.json", "webhook-v2-subscription-ended.third-party-test.json",
		"legacy-general-webhook.reconstructed.form.txt"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			f.Add(b, false, "")
		}
	}
	f.Add(ppemu.Event{Trigger: "order_paid", ID: 12}.Body(), true, "application/json")
	f.Add(ppemu.Event{Trigger: "order_invoice_created", ID: 3, Nested: true, StringID: true}.Body(), false, "")
	f.Add([]byte("webhook_event=contracts.new&email=a%40b.nl"), false, "application/x-www-form-urlencoded")
	f.Fuzz(func(t *testing.T, body []byte, sign bool, ct string) {
		h := http.Header{"Content-Type": {ct}}
		if sign {
			h.Set("X-Signature", ppemu.Sign(body, "k"))
		}
		res, err := Receiver{}.Receive(webhook.Request{Header: h, Body: body, Hooks: webhook.ShopHooks{Secret: "k"}})
		if err != nil {
			if code, _ := webhook.Classify(err); code != http.StatusBadRequest {
				t.Fatalf("error %v classified %d", err, code)
			}
			return
		}
		for _, hk := range res.Hooks {
			switch {
			case hk.Topic == source.TopicPoll:
			case hk.Topic == source.TopicSubscriptionEnded && strings.HasPrefix(hk.OrderID, source.SubscriptionPrefix):
			case hk.OrderID != "" && hk.OrderID[0] != '-' && hk.OrderID != "0":
			default:
				t.Fatalf("hook %+v", hk)
			}
		}
	})
}

// FuzzParseOrder feeds ParseOrder outside bytes: never a panic, and what
// it accepts is an order a ledger can use.
func FuzzParseOrder(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(fixtures(f), "api-v2-order-show.sdk-mock.json")); err == nil {
		f.Add(b)
	}
	shop := ppemu.New("k")
	sc := shop.AddScenario()
	for _, oid := range []int64{sc.Paid, sc.MultiRate, sc.EUB2B, sc.CreditInvoice, sc.Open} {
		o, _ := shop.Order(oid)
		b, _ := jsonMarshal(o)
		f.Add(b)
	}
	f.Add([]byte(`{"id":"5","payment":{"status":"paid"},"updated_at":"2026-01-01T00:00:00Z","items":[{"quantity":3,"amount":5,"tax":{"amount":"1e3","rate":{"percentage":"NaN"}}}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := ParseOrder(raw)
		if err != nil {
			return
		}
		if o.ID == "" || o.ID[0] == '-' || o.ID == "0" || o.Status == "" || o.Modified.IsZero() || o.Currency != "EUR" {
			t.Fatalf("accepted %+v", o)
		}
		if o.Status == StatusCreditInvoice {
			t.Fatal("a credit invoice parsed as an order")
		}
		for _, l := range o.Lines {
			if l.Rate < 0 || l.Category == "" && l.Rate > 0 || l.Quantity < 0 {
				t.Fatalf("line %+v", l)
			}
		}
	})
}
