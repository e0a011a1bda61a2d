package ppemu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Event is a Webhooks-V2 call: only the event, never the order (APIS.md
// §1.7).
type Event struct {
	Trigger string // order_paid, order_invoice_created, subscription_ended, ...
	ID      int64  // triggerable_id
	// Type is triggerable_type (default "orders", "subscriptions" for a
	// subscription trigger).
	Type string
	// Nested puts trigger_type, triggerable_id and triggerable_type under
	// "event", as live deliveries had them; flat otherwise, as the help
	// article lists them.
	Nested bool
	// StringID sends triggerable_id as a string ("77").
	StringID bool
	RuleID   int64
}

// Body is the event's JSON.
func (e Event) Body() []byte {
	typ := e.Type
	if typ == "" {
		typ = "orders"
		if strings.HasPrefix(e.Trigger, "subscription") {
			typ = "subscriptions"
		}
	}
	var id any = e.ID
	if e.StringID {
		id = strconv.FormatInt(e.ID, 10)
	}
	ev := map[string]any{"trigger_type": e.Trigger, "triggerable_id": id, "triggerable_type": typ}
	top := map[string]any{"tenant_id": 1, "rule_id": e.RuleID, "sent_at": time.Now().UTC().Format(time.RFC3339)}
	if e.Nested {
		top["event"] = ev
	} else {
		for k, v := range ev {
			top[k] = v
		}
	}
	b, _ := json.Marshal(top)
	return b
}

// Sign is the signature third-party code checks in X-Signature: lowercase
// hex HMAC-SHA256 of the raw body with the webhook key [P9].
func Sign(body []byte, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Post sends body to u as Plug&Pay would: JSON, or a form for the legacy
// webhook, with X-Signature when key is not empty. It returns the answer's
// status.
func Post(ctx context.Context, hc *http.Client, u string, body []byte, contentType, key string) (int, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "GuzzleHttp/7")
	if key != "" {
		req.Header.Set("X-Signature", Sign(body, key))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// SendEvent posts e to u, signed with key when key is not empty.
func SendEvent(ctx context.Context, hc *http.Client, u string, e Event, key string) (int, error) {
	return Post(ctx, hc, u, e.Body(), "application/json", key)
}

// LegacyForm is the older "general webhook" body for order id, in the
// reconstructed shape of fixtures/plugandpay/legacy-general-webhook (the
// only keys third-party code reads): no order id among them, so a receiver
// can only poll.
func (s *Shop) LegacyForm(id int64) (url.Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return nil, fmt.Errorf("ppemu: no order %d", id)
	}
	f := url.Values{"webhook_event": {"contracts.new"}, "signup_token": {fmt.Sprintf("tok%d", id)}}
	if o.Billing != nil {
		f.Set("email", o.Billing.Contact.Email)
		f.Set("firstname", o.Billing.Contact.Firstname)
		f.Set("lastname", o.Billing.Contact.Lastname)
	}
	if len(o.Items) > 0 {
		f.Set("product", o.Items[0].Label)
		f.Set("sku", strconv.FormatInt(o.Items[0].ProductID, 10))
		if o.Items[0].Subscription != nil {
			f.Set("contract_id", strconv.FormatInt(o.Items[0].Subscription.ID, 10))
			f.Set("billing_cycle", "monthly")
		}
	}
	raw, _ := json.Marshal(map[string]string{"total": o.AmountWithTax})
	f.Set("raw", string(raw))
	return f, nil
}

// SendLegacy posts the legacy general webhook of order id to u.
func (s *Shop) SendLegacy(ctx context.Context, hc *http.Client, u string, id int64, key string) (int, error) {
	f, err := s.LegacyForm(id)
	if err != nil {
		return 0, err
	}
	return Post(ctx, hc, u, []byte(f.Encode()), "application/x-www-form-urlencoded", key)
}

// Deliver calls every registered rule whose trigger is trigger, for the
// order (or subscription) id, nested and signed with the webhook key set by
// SetWebhookKey. With perLine (the rule option "per order line") an order
// trigger is sent once per order line. It returns the statuses answered.
func (s *Shop) Deliver(ctx context.Context, hc *http.Client, trigger string, id int64, perLine bool) ([]int, error) {
	s.mu.Lock()
	key := s.hookKey
	times := 1
	if o, ok := s.orders[id]; ok && perLine && strings.HasPrefix(trigger, "order") {
		times = max(1, len(o.Items))
	}
	type target struct {
		url  string
		rule int64
	}
	var targets []target
	for _, r := range s.rules {
		if r.TriggerType == trigger {
			u, _ := r.ActionData["hook_url"].(string)
			targets = append(targets, target{u, r.ID})
		}
	}
	s.mu.Unlock()
	var codes []int
	for _, t := range targets {
		for i := 0; i < times; i++ {
			code, err := SendEvent(ctx, hc, t.url, Event{Trigger: trigger, ID: id, Nested: true, RuleID: t.rule}, key)
			if err != nil {
				return codes, err
			}
			codes = append(codes, code)
		}
	}
	return codes, nil
}
