package woocommerce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/webhook"
)

// hookFixtures are the deliveries a real WooCommerce 8.9.1 sent, kept with
// the webhook handler's tests.
const hookFixtures = "../../webhook/testdata/woocommerce-8.9.1"

// sign returns the X-WC-Webhook-Signature for body.
func sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func isParseError(err error) bool {
	var pe *webhook.ParseError
	return errors.As(err, &pe)
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"id":13}`)
	good := sign(body, "k")
	tests := []struct {
		name           string
		header, secret string
		want           error
	}{
		{"valid", good, "k", nil},
		{"valid with spaces", " " + good + " ", "k", nil},
		{"no secret", good, "", webhook.ErrNoSecret},
		{"missing", "", "k", webhook.ErrSignatureMissing},
		{"not base64", "***", "k", webhook.ErrSignatureMalformed},
		{"short mac", "AAAA", "k", webhook.ErrSignatureMalformed},
		{"hex instead of base64", fmt.Sprintf("%x", []byte(good)[:32]), "k", webhook.ErrSignatureMalformed},
		{"wrong secret", good, "K", webhook.ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(body, tt.header, tt.secret)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil {
				if status, code := webhook.Classify(err); status != 401 || code != webhook.CodeSignature {
					t.Fatalf("Classify = %d %s", status, code)
				}
				if strings.Contains(err.Error(), good) || (tt.secret != "" && strings.Contains(err.Error(), tt.secret+"\"")) {
					t.Fatalf("error reveals signature or secret: %v", err)
				}
			}
		})
	}
}

func TestParseDelivery(t *testing.T) {
	tests := []struct {
		topic, body string
		id          string
		mod         time.Time
		ok          bool
	}{
		{TopicOrderUpdated, `{"id":13,"date_modified_gmt":"2026-11-22T19:48:26"}`, "13", time.Date(2026, 11, 22, 19, 48, 26, 0, time.UTC), true},
		{TopicOrderRestored, `{"id":9,"date_modified_gmt":"2026-11-22T19:48:26","x":[1,2]}`, "9", time.Date(2026, 11, 22, 19, 48, 26, 0, time.UTC), true},
		{TopicOrderDeleted, `{"id":13}`, "13", time.Time{}, true},
		{TopicOrderDeleted, `{"id":"13"}`, "13", time.Time{}, true},
		{TopicOrderUpdated, `{"id":13,"date_modified_gmt":null}`, "", time.Time{}, false},
		{TopicOrderUpdated, `{"id":13,"date_modified_gmt":"22-11-2026"}`, "", time.Time{}, false},
		{TopicOrderDeleted, `{"id":0}`, "", time.Time{}, false},
		{TopicOrderDeleted, `{"id":-1}`, "", time.Time{}, false},
		{TopicOrderDeleted, `{"id":1.5}`, "", time.Time{}, false},
		{TopicOrderDeleted, `{"id":13} {"id":14}`, "", time.Time{}, false},
		{TopicOrderDeleted, `[13]`, "", time.Time{}, false},
		{TopicOrderDeleted, `null`, "", time.Time{}, false},
		{TopicOrderDeleted, ``, "", time.Time{}, false},
	}
	for _, tt := range tests {
		ref, err := ParseDelivery(tt.topic, []byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("%s %s: err %v, want ok=%v", tt.topic, tt.body, err, tt.ok)
			continue
		}
		if err != nil {
			if status, _ := webhook.Classify(err); status != 400 {
				t.Errorf("%s: status %d, want 400", tt.body, status)
			}
			continue
		}
		if ref.OrderID != tt.id || !ref.Modified.Equal(tt.mod) {
			t.Errorf("%s: got %+v", tt.body, ref)
		}
	}
}

// FuzzVerifySignature: any header, body and secret give an answer, never
// a panic, and only the true signature verifies.
func FuzzVerifySignature(f *testing.F) {
	f.Add([]byte(`{"id":13}`), sign([]byte(`{"id":13}`), "deleted-secret"), "deleted-secret")
	f.Add([]byte(`{"id":13}`), "bvAcoUxKKQXn4o3BJNknn+iLYsb38kLLDwM43jeQaW8=", "deleted-secret")
	f.Add([]byte(""), "", "")
	f.Add([]byte("webhook_id=1"), "====", "k")
	f.Fuzz(func(t *testing.T, body []byte, header, secret string) {
		err := VerifySignature(body, header, secret)
		want := secret != "" && strings.TrimSpace(header) == sign(body, secret)
		if (err == nil) != want {
			t.Fatalf("VerifySignature = %v, want ok=%v", err, want)
		}
		if err != nil {
			if status, _ := webhook.Classify(err); status != 401 {
				t.Fatalf("status %d", status)
			}
		}
	})
}

// FuzzParseDelivery: any topic and body parse or give a *ParseError.
func FuzzParseDelivery(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(hookFixtures, "delivery_*.body.raw"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(TopicOrderUpdated, b)
	}
	f.Add(TopicOrderDeleted, []byte(`{"id":13}`))
	f.Add(TopicOrderDeleted, []byte(`{"id":1e400}`))
	f.Add(TopicOrderUpdated, []byte(`{"id":18446744073709551616,"date_modified_gmt":"2026-11-22T19:48:26"}`))
	f.Fuzz(func(t *testing.T, topic string, body []byte) {
		ref, err := ParseDelivery(topic, body)
		if err != nil {
			if !isParseError(err) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if ref.OrderID == "" || ref.OrderID == "0" || strings.TrimLeft(ref.OrderID, "0123456789") != "" {
			t.Fatalf("accepted order id %q", ref.OrderID)
		}
		if topic != TopicOrderDeleted && ref.Modified.IsZero() {
			t.Fatalf("accepted %s without a modified time", topic)
		}
	})
}
