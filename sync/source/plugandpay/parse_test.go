package plugandpay

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
)

// The SDK's order mock parses. Its figures are not consistent (APIS.md §0),
// so only the mapping is checked, not the reconciliation.
func TestParseSDKOrderMock(t *testing.T) {
	o, err := ParseOrder(readFixture(t, "api-v2-order-show.sdk-mock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != "1" || o.Number != "20214019-T" || o.Status != StatusPaid || o.Currency != "EUR" || o.Source != order.PlugAndPay {
		t.Errorf("order %+v", o)
	}
	if o.Buyer.Company != "Café Timmermans & Zn" || o.Buyer.VATID != "NL000099998B57" || o.Buyer.Email != "maarten.veenstra@example.net" ||
		o.Buyer.Address.Street != "Sanderslaan 42" || o.Buyer.Address.Country != "NL" {
		t.Errorf("buyer %+v", o.Buyer)
	}
	if len(o.Lines) != 1 || o.Lines[0].ProductID != "1" || o.Lines[0].Rate != 2100 || o.Lines[0].Category != order.Standard {
		t.Errorf("lines %+v", o.Lines)
	}
	if o.Total != 7500 || o.TotalTax != 1000 || o.Paid.IsZero() || o.Modified.IsZero() || !o.Deleted || o.Recurring {
		t.Errorf("totals %s/%s paid %v modified %v deleted %v", o.Total, o.TotalTax, o.Paid, o.Modified, o.Deleted)
	}
	if o.PaymentMethodTitle != "Overboeking" || o.TransactionID != "tr_123456mock" {
		t.Errorf("payment %q %q", o.PaymentMethodTitle, o.TransactionID)
	}
}

func TestParseRuleAndSubscriptionMocks(t *testing.T) {
	var r struct {
		Data rule `json:"data"`
	}
	if err := json.Unmarshal(readFixture(t, "api-v2-rule-webhook.sdk-mock.json"), &r); err != nil {
		t.Fatal(err)
	}
	if r.Data.url() != "https://example.com/webhook" || r.Data.TriggerType != "order_paid" || r.Data.ID != 1 {
		t.Errorf("rule %+v", r.Data)
	}
	sub := readFixture(t, "api-v2-subscription-show.sdk-mock.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/subscriptions/1" {
			w.Write(sub)
			return
		}
		w.Write([]byte(`{"data":[],"links":{"next":null},"meta":{"last_page":1}}`))
	}))
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL, Key: testKey})
	s, err := c.Subscription(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "1" || s.Status != "active" || s.Customer != "Café Timmermans & Zn" || s.Product != "culpa" || s.Email != "rosalie39@example.net" {
		t.Errorf("subscription %+v", s)
	}
}

// The other reading of an item's amount: the line total. The client tells
// the two apart by what adds up to the order's total.
func TestParseLineTotalReading(t *testing.T) {
	raw := `{"data":{"id":7,"amount":"45.87","amount_with_tax":"50.00","updated_at":"2026-11-20T10:00:00.000000Z",
	"payment":{"status":"paid","paid_at":"2026-11-20T10:00:00.000000Z"},
	"billing":{"contact":{"firstname":"An","lastname":"Smit","email":"an@example.nl"},"address":{"country":"NL"}},
	"items":[{"id":1,"product_id":3,"label":"Boek","quantity":2,"amount":"45.87","amount_with_tax":"50.00","tax":{"amount":"4.13","rate":{"percentage":"9.0"}}}],
	"taxes":[{"amount":"4.13","rate":{"percentage":"9.0"}}]}}`
	o, err := ParseOrder([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if l := o.Lines[0]; l.Net != 4587 || l.VAT != 413 || l.Quantity != 2 {
		t.Errorf("line %+v, want the line total 45.87 + 4.13", l)
	}
	// The unit reading of the same order at quantity 2.
	unit := strings.NewReplacer(`"amount":"45.87","amount_with_tax":"50.00","updated`, `"amount":"91.74","amount_with_tax":"100.00","updated`,
		`"taxes":[{"amount":"4.13"`, `"taxes":[{"amount":"8.26"`).Replace(raw)
	o, err = ParseOrder([]byte(unit))
	if err != nil {
		t.Fatal(err)
	}
	if l := o.Lines[0]; l.Net != 9174 || l.VAT != 826 {
		t.Errorf("line %+v, want the unit reading 2 × 45.87 + 2 × 4.13", l)
	}
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "cursus", Seller: testSeller()})
	if err != nil || inv.Total != 10000 {
		t.Errorf("invoice %v %v", inv.Total, err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, raw := range []string{`{}`, `{"id":0}`, `{"id":3}`, `{"id":3,"payment":{"status":"paid"}}`,
		`{"id":3,"payment":{"status":"paid"},"updated_at":"gisteren"}`,
		`{"id":3,"payment":{"status":"paid"},"updated_at":"2026-11-20T10:00:00Z","amount_with_tax":"1e400"}`,
		`{"id":3,"payment":{"status":"paid"},"updated_at":"2026-11-20T10:00:00Z","items":[{"quantity":"x"}]}`, `[]`, `nope`} {
		if _, err := ParseOrder([]byte(raw)); err == nil {
			t.Errorf("accepted %s", raw)
		}
	}
	credit := `{"id":3,"payment":{"status":"credit_invoice"},"updated_at":"2026-11-20T10:00:00Z","amount_with_tax":"-1.00"}`
	if _, err := ParseOrder([]byte(credit)); !errors.Is(err, ErrCreditInvoice) {
		t.Errorf("credit invoice: %v", err)
	}
}

// Many random Dutch carts, credited now and then, reconcile to the cent:
// the invoice is the shop's total and VAT, the credit note the credit's.
func TestReconcileRandomCarts(t *testing.T) {
	shop, c := start(t, t0)
	r := rand.New(rand.NewPCG(7, 9))
	credited := 0
	for i := 0; i < 2000; i++ {
		oid := shop.Add(ppemu.RandomSpec(r))
		if i%7 == 0 {
			if _, err := shop.Credit(oid); err != nil {
				t.Fatal(err)
			}
			credited++
		}
	}
	var orders []order.Order
	if _, err := c.Poll(ctx, t0.Add(-48*60*60*1e9), func(o order.Order) error { orders = append(orders, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(orders) != 2000 {
		t.Fatalf("%d orders", len(orders))
	}
	notes, refunds := 0, 0
	for _, o := range orders {
		inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: "k" + o.ID, Shop: "cursus", Seller: testSeller(), Sells: order.SellsServices})
		if err != nil {
			t.Fatalf("order %s: %v\n%+v", o.ID, err, o)
		}
		if inv.Total != o.Total || inv.TaxTotal != o.TotalTax {
			t.Fatalf("order %s: invoice %s/%s, shop %s/%s", o.ID, inv.Total, inv.TaxTotal, o.Total, o.TotalTax)
		}
		for _, l := range inv.Lines {
			if l.Note != "" {
				notes++
			}
		}
		for _, rf := range o.Refunds {
			cn, err := order.NewCreditNote(o, rf, inv, "c"+rf.ID, rf.Created)
			if err != nil {
				t.Fatalf("credit %s of %s: %v", rf.ID, o.ID, err)
			}
			if cn.Total != inv.Total || cn.TaxTotal != inv.TaxTotal {
				t.Fatalf("credit %s: %s/%s of invoice %s/%s", rf.ID, cn.Total, cn.TaxTotal, inv.Total, inv.TaxTotal)
			}
			refunds++
		}
	}
	if refunds != credited {
		t.Errorf("%d credit notes for %d credits", refunds, credited)
	}
	if notes != 0 {
		t.Errorf("%d rounding notes: Plug&Pay's lines add up exactly", notes)
	}
	t.Logf("%d invoices, %d credit notes", len(orders), refunds)
}

func ExampleOrderURL() {
	fmt.Println(OrderURL("https://api.plugandpay.nl", "1234"))
	// Output: https://admin.plugandpay.com/orders/1234
}

// An order whose discount is only in total_discounts (its items at full
// price) gets a discount line, at its items' rate.
func TestParseOrderLevelDiscount(t *testing.T) {
	raw := `{"id":8,"amount":"90.00","amount_with_tax":"108.90","updated_at":"2026-11-20T10:00:00.000000Z",
	"payment":{"status":"paid","paid_at":"2026-11-20T10:00:00.000000Z"},
	"billing":{"contact":{"firstname":"An","lastname":"Smit","email":"an@example.nl"},"address":{"country":"NL"}},
	"items":[{"id":1,"product_id":3,"label":"Cursus","quantity":1,"amount":"100.00","amount_with_tax":"121.00","discounts":[],"tax":{"amount":"21.00","rate":{"percentage":"21.0"}}}],
	"total_discounts":[{"amount":"10.00","amount_with_tax":"12.10","code":"WELKOM","type":"promotion"}],
	"taxes":[{"amount":"18.90","rate":{"percentage":"21.0"}}]}`
	o, err := ParseOrder([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Lines) != 2 || o.Lines[1].Net != -1000 || o.Lines[1].VAT != -210 || o.Lines[1].Rate != 2100 || o.Lines[1].Name != "Korting WELKOM" {
		t.Fatalf("lines %+v", o.Lines)
	}
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "cursus", Seller: testSeller()})
	if err != nil || inv.Total != 10890 || inv.TaxTotal != 1890 {
		t.Errorf("invoice %v/%v %v", inv.Total, inv.TaxTotal, err)
	}
	// The same discount already in the item's amount: no extra line.
	in := strings.Replace(raw, `"amount":"100.00","amount_with_tax":"121.00","discounts":[],"tax":{"amount":"21.00"`, `"amount":"90.00","amount_with_tax":"108.90","discounts":[],"tax":{"amount":"18.90"`, 1)
	if o, err := ParseOrder([]byte(in)); err != nil || len(o.Lines) != 1 {
		t.Errorf("discount inside the item: %+v %v", o.Lines, err)
	}
}

// Two readings of the items fit the total (A: 2 at 10.00, B: 20.00 less a
// 10.00 discount: 20 + 10 unit prices with discounts off, or 10 + 20 line
// totals with the discount already in): taxes[] per rate decides (bug 7:
// the first reading that fit stood, and the VAT did not reconcile).
func TestParseReadingTieByTaxes(t *testing.T) {
	raw := `{"id":9,"amount":"26.61","amount_with_tax":"30.00","updated_at":"2026-11-20T10:00:00.000000Z",
	"payment":{"status":"paid","paid_at":"2026-11-20T10:00:00.000000Z"},
	"billing":{"contact":{"firstname":"An","lastname":"Smit","email":"an@example.nl"},"address":{"country":"NL"}},
	"items":[{"id":1,"label":"A","quantity":2,"amount":"8.26","amount_with_tax":"10.00","discounts":[],"tax":{"amount":"1.74","rate":{"percentage":"21.0"}}},
	{"id":2,"label":"B","quantity":1,"amount":"18.35","amount_with_tax":"20.00","discounts":[{"amount":"9.17","amount_with_tax":"10.00","code":"X"}],"tax":{"amount":"1.65","rate":{"percentage":"9.0"}}}],
	"taxes":[{"amount":"1.74","rate":{"percentage":"21.0"}},{"amount":"1.65","rate":{"percentage":"9.0"}}]}`
	o, err := ParseOrder([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Lines) != 2 || o.Lines[0].Net != 826 || o.Lines[0].VAT != 174 || o.Lines[1].Net != 1835 || o.Lines[1].VAT != 165 {
		t.Fatalf("lines %+v", o.Lines)
	}
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "cursus", Seller: testSeller()})
	if err != nil || inv.Total != 3000 || inv.TaxTotal != 339 {
		t.Errorf("invoice %v/%v %v", inv.Total, inv.TaxTotal, err)
	}
	// The same items with taxes[] of the other reading: unit prices.
	unit := strings.NewReplacer(`"amount":"26.61"`, `"amount":"25.70"`,
		`"taxes":[{"amount":"1.74","rate":{"percentage":"21.0"}},{"amount":"1.65"`, `"taxes":[{"amount":"3.48","rate":{"percentage":"21.0"}},{"amount":"0.82"`).Replace(raw)
	if o, err := ParseOrder([]byte(unit)); err != nil || o.Lines[0].Net != 1652 || o.Lines[1].Net != 918 {
		t.Errorf("unit reading: %+v %v", o.Lines, err)
	}
}
