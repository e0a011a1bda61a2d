package plugandpay

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

func webhookReq(body []byte, sig, key string) webhook.Request {
	h := http.Header{"Content-Type": {"application/json"}}
	if sig != "" {
		h.Set("X-Signature", sig)
	}
	return webhook.Request{Header: h, Body: body, Hooks: webhook.ShopHooks{Secret: key}}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReceiveEvents(t *testing.T) {
	for _, tc := range []struct {
		name, body     string
		topic, orderID string
	}{
		{"nested, string id (fixture)", string(readFixture(t, "webhook-v2-order-paid.third-party-test.json")), "order_payment_completed", "77"},
		{"subscription ended (fixture)", string(readFixture(t, "webhook-v2-subscription-ended.third-party-test.json")), source.TopicSubscriptionEnded, source.SubscriptionPrefix + "901"},
		{"flat, int id", `{"trigger_type":"order_paid","triggerable_id":1234,"triggerable_type":"orders","tenant_id":1,"rule_id":3,"sent_at":"2026-11-20T10:00:00Z"}`, "order_paid", "1234"},
		{"invoice created, live shape", `{"event":{"trigger_type":"order_invoice_created","triggerable_id":55,"triggerable_type":"orders"},"rule_id":9,"tenant_id":1,"sent_at":"x"}`, "order_invoice_created", "55"},
		{"order created", `{"trigger_type":"order_created","triggerable_id":"8"}`, "order_created", "8"},
		{"order event without id: poll", `{"trigger_type":"order_paid"}`, source.TopicPoll, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Receiver{}.Receive(webhookReq([]byte(tc.body), "", ""))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hooks) != 1 || res.Hooks[0].Topic != tc.topic || res.Hooks[0].OrderID != tc.orderID || !res.Hooks[0].Modified.IsZero() {
				t.Fatalf("got %+v, want topic %s order %s", res, tc.topic, tc.orderID)
			}
		})
	}
	res, err := Receiver{}.Receive(webhookReq([]byte(`{"trigger_type":"affiliate_accepted","triggerable_id":3}`), "", ""))
	if err != nil || len(res.Hooks) != 0 || res.Ignored == "" {
		t.Errorf("affiliate trigger: %+v %v", res, err)
	}
}

func TestReceiveLegacy(t *testing.T) {
	var body string
	for _, line := range strings.Split(string(readFixture(t, "legacy-general-webhook.reconstructed.form.txt")), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			body = line
		}
	}
	req := webhookReq([]byte(body), "", "")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := Receiver{}.Receive(req)
	if err != nil || len(res.Hooks) != 1 || res.Hooks[0].Topic != source.TopicPoll || res.Hooks[0].OrderID != "" {
		t.Fatalf("legacy: %+v %v", res, err)
	}
	// The emulator's legacy call too, without a content type.
	shop, _ := start(t, t0)
	sc := shop.AddScenario()
	f, _ := shop.LegacyForm(sc.RecurringTerms[0])
	res, err = Receiver{}.Receive(webhook.Request{Header: http.Header{}, Body: []byte(f.Encode())})
	if err != nil || len(res.Hooks) != 1 || res.Hooks[0].Topic != source.TopicPoll {
		t.Fatalf("emulator's legacy call: %+v %v", res, err)
	}
}

func TestReceiveSignature(t *testing.T) {
	body := ppemu.Event{Trigger: "order_paid", ID: 12, Nested: true}.Body()
	good := ppemu.Sign(body, "geheim")
	for _, tc := range []struct {
		name, sig, key string
		want           error
	}{
		{"good", good, "geheim", nil},
		{"good, upper case hex", strings.ToUpper(good), "geheim", nil},
		{"missing: a hint", "", "geheim", nil},
		{"no key configured: a hint", good, "", nil},
		{"wrong key", good, "anders", ErrSignatureMismatch},
		{"not hex", "zz" + good[2:], "geheim", ErrSignatureMalformed},
		{"short", good[:10], "geheim", ErrSignatureMalformed},
		{"other body's", ppemu.Sign([]byte(`{}`), "geheim"), "geheim", ErrSignatureMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Receiver{}.Receive(webhookReq(body, tc.sig, tc.key))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if err != nil {
				if code, _ := webhook.Classify(err); code != http.StatusUnauthorized {
					t.Errorf("classified %d", code)
				}
				if strings.Contains(err.Error(), "geheim") || strings.Contains(err.Error(), good[:16]) {
					t.Errorf("error shows a secret: %v", err)
				}
			}
		})
	}
}

func TestReceiveGarbage(t *testing.T) {
	for _, body := range []string{"", "   ", "{", `{"trigger_type":5}`, `{"trigger_type":""}`, `{"event":{"trigger_type":"order_paid","triggerable_id":"abc"}}`,
		`{"trigger_type":"order_paid","triggerable_id":-4}`, "%zz", "a=b", `[1,2]`, "\x00\x01"} {
		_, err := Receiver{}.Receive(webhookReq([]byte(body), "", ""))
		if code, _ := webhook.Classify(err); err == nil || code != http.StatusBadRequest {
			t.Errorf("body %q: %v, want a 400 ParseError", body, err)
		}
	}
	if r := (Receiver{}).Routes(); len(r) != 1 || r[0].Path != "" {
		t.Errorf("routes %+v", r)
	}
}
