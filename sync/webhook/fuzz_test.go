package webhook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzVerifyWooSignature: any header, body and secret give an answer, never
// a panic, and only the true signature verifies.
func FuzzVerifyWooSignature(f *testing.F) {
	f.Add([]byte(`{"id":13}`), sign([]byte(`{"id":13}`), "deleted-secret"), "deleted-secret")
	f.Add([]byte(`{"id":13}`), "bvAcoUxKKQXn4o3BJNknn+iLYsb38kLLDwM43jeQaW8=", "deleted-secret")
	f.Add([]byte(""), "", "")
	f.Add([]byte("webhook_id=1"), "====", "k")
	f.Fuzz(func(t *testing.T, body []byte, header, secret string) {
		err := VerifyWooSignature(body, header, secret)
		want := secret != "" && strings.TrimSpace(header) == sign(body, secret)
		if (err == nil) != want {
			t.Fatalf("VerifyWooSignature = %v, want ok=%v", err, want)
		}
		if err != nil {
			if status, _ := Classify(err); status != 401 {
				t.Fatalf("status %d", status)
			}
		}
	})
}

// FuzzParseDelivery: any topic and body parse or give a *ParseError.
func FuzzParseDelivery(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "delivery_*.body.raw"))
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
		ref, err := ParseWooDelivery(topic, body)
		if err != nil {
			if !isA[*ParseError](err) {
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
