package ppemu

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func cents(t *testing.T, s string) int64 {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || len(frac) != 2 {
		t.Fatalf("amount %q", s)
	}
	if neg {
		return -(w*100 + f)
	}
	return w*100 + f
}

// Every order the emulator makes adds up: its items (unit price ×
// quantity, less the line's discounts) make its amount, amount_with_tax
// and taxes to the cent.
func TestOrdersAddUp(t *testing.T) {
	s := New("k")
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		id := s.Add(RandomSpec(r))
		if i%5 == 0 {
			if _, err := s.Credit(id); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.AddScenario()
	for id, o := range s.orders {
		var net, gross, tax int64
		for _, it := range o.Items {
			n := cents(t, it.Amount)*it.Quantity - sumDisc(t, it.Discounts, false)
			g := cents(t, it.AmountWithTax)*it.Quantity - sumDisc(t, it.Discounts, true)
			if v := cents(t, it.Tax.Amount)*it.Quantity - (sumDisc(t, it.Discounts, true) - sumDisc(t, it.Discounts, false)); v != g-n {
				t.Fatalf("order %d item %d: tax %d, gross-net %d", id, it.ID, v, g-n)
			}
			net, gross = net+n, gross+g
		}
		itemDiscounts := false
		for _, it := range o.Items {
			itemDiscounts = itemDiscounts || len(it.Discounts) > 0
		}
		if !itemDiscounts {
			// An order-level discount (Spec.OrderDiscount), only in
			// total_discounts.
			net -= sumDisc(t, o.TotalDiscounts, false)
			gross -= sumDisc(t, o.TotalDiscounts, true)
		}
		for _, x := range o.Taxes {
			tax += cents(t, x.Amount)
		}
		if net != cents(t, o.Amount) || gross != cents(t, o.AmountWithTax) || tax != gross-net {
			t.Fatalf("order %d: items %d/%d tax %d, order %s/%s", id, net, gross, tax, o.Amount, o.AmountWithTax)
		}
	}
}

func sumDisc(t *testing.T, ds []Discount, withTax bool) int64 {
	var s int64
	for _, d := range ds {
		if withTax {
			s += cents(t, d.AmountWithTax)
		} else {
			s += cents(t, d.Amount)
		}
	}
	return s
}

// The SDK's mocks decode into the emulator's model: its shape is theirs.
func TestModelMatchesSDKMocks(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "..", "shared", "fixtures", "plugandpay")
	for name, v := range map[string]any{"api-v2-order-show.sdk-mock.json": &struct{ Data Order }{},
		"api-v2-subscription-show.sdk-mock.json": &struct{ Data Subscription }{}, "api-v2-rule-webhook.sdk-mock.json": &struct{ Data Rule }{}} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(v); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCreditOnce(t *testing.T) {
	s := New("k")
	sc := s.AddScenario()
	if _, err := s.Credit(sc.Credited); err == nil {
		t.Error("credited twice")
	}
	if _, err := s.Credit(sc.Open); err == nil {
		t.Error("credited an open order")
	}
	c, _ := s.Order(sc.CreditInvoice)
	o, _ := s.Order(sc.Credited)
	if c.Payment.Status != "credit_invoice" || o.Payment.Status != "credited" || c.AmountWithTax != "-"+o.AmountWithTax ||
		c.RelatedOrders[0].ID != o.ID || o.RelatedOrders[0].ID != c.ID || *c.InvoiceNumber == *o.InvoiceNumber {
		t.Errorf("credit %+v of %+v", c, o)
	}
}

func TestRulesValidation(t *testing.T) {
	s := New("k")
	srv := httptest.NewServer(s)
	defer srv.Close()
	post := func(body string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v2/rules", strings.NewReader(body))
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer k")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := `{"name":"x","driver":"webhook","action_type":"call_webhook","trigger_type":"order_paid","action_data":{"url":"https://a.example/h","hook_url":"https://a.example/h"}}`
	for body, want := range map[string]int{
		good: 201,
		strings.Replace(good, `"hook_url":"https://a.example/h"`, `"x":1`, 1): 422,
		strings.Replace(good, `order_paid`, `order_betaald`, 1):               422,
		strings.Replace(good, `"name":"x"`, `"name":""`, 1):                   422,
		`{`: 400,
	} {
		if got := post(body); got != want {
			t.Errorf("POST %s: %d, want %d", body, got, want)
		}
	}
	s.SetRuleRights(false)
	if got := post(good); got != 403 {
		t.Errorf("without rights: %d", got)
	}
}

func TestEventBody(t *testing.T) {
	var flat map[string]any
	json.Unmarshal(Event{Trigger: "order_paid", ID: 5}.Body(), &flat)
	if flat["trigger_type"] != "order_paid" || flat["triggerable_id"] != float64(5) || flat["triggerable_type"] != "orders" {
		t.Errorf("flat %v", flat)
	}
	var nested struct {
		Event map[string]any `json:"event"`
	}
	json.Unmarshal(Event{Trigger: "subscription_ended", ID: 9, Nested: true, StringID: true}.Body(), &nested)
	if nested.Event["triggerable_id"] != "9" || nested.Event["triggerable_type"] != "subscriptions" {
		t.Errorf("nested %v", nested)
	}
}
