package plugandpay

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

// Signature errors of a Plug&Pay delivery: fixed reasons, never the values.
var (
	ErrSignatureMalformed = &webhook.SignatureError{Reason: "X-Signature is not hex of a SHA-256 HMAC"}
	ErrSignatureMismatch  = &webhook.SignatureError{Reason: "X-Signature does not match the body and the webhook key"}
)

// Receiver receives Plug&Pay's webhook calls on one route. They are hints:
// a V2 event names an order (or a subscription) and the engine fetches it;
// the legacy general webhook names none and makes the engine poll. So a
// forged call can never book anything by itself.
type Receiver struct{}

var _ webhook.Receiver = Receiver{}

// Routes is the shop's one route.
func (Receiver) Routes() []webhook.Route { return []webhook.Route{{Path: ""}} }

// Receive verifies and reads one call. With a webhook key set
// (req.Hooks.Secret) a present X-Signature must be the hex HMAC-SHA256 of
// the raw body (any case); a missing one is accepted, since live
// deliveries were seen unsigned and the fetch is the proof.
func (Receiver) Receive(req webhook.Request) (webhook.Result, error) {
	if err := verify(req); err != nil {
		return webhook.Result{}, err
	}
	body := bytes.TrimSpace(req.Body)
	if len(body) == 0 {
		return webhook.Result{}, &webhook.ParseError{Err: errors.New("empty body")}
	}
	ct := strings.ToLower(req.Header.Get("Content-Type"))
	if body[0] == '{' && !strings.Contains(ct, "x-www-form-urlencoded") {
		return readEvent(body)
	}
	return readLegacy(body)
}

func verify(req webhook.Request) error {
	sig := strings.TrimSpace(req.Header.Get("X-Signature"))
	if req.Hooks.Secret == "" || req.Header.Get("X-Signature") == "" {
		return nil
	}
	sig = strings.TrimPrefix(strings.TrimPrefix(sig, "sha256="), "SHA256=")
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return ErrSignatureMalformed
	}
	m := hmac.New(sha256.New, []byte(req.Hooks.Secret))
	m.Write(req.Body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrSignatureMismatch
	}
	return nil
}

// event is a Webhooks-V2 call, flat or nested under "event".
type event struct {
	Trigger  *string         `json:"trigger_type"`
	ID       json.RawMessage `json:"triggerable_id"`
	Type     string          `json:"triggerable_type"`
	RuleID   json.RawMessage `json:"rule_id"`
	Event    json.RawMessage `json:"event"`
	TenantID json.RawMessage `json:"tenant_id"`
}

func readEvent(body []byte) (webhook.Result, error) {
	var top event
	if err := json.Unmarshal(body, &top); err != nil {
		return webhook.Result{}, &webhook.ParseError{Err: errors.New("not a Plug&Pay event: " + jsonCause(err))}
	}
	ev := top
	if len(bytes.TrimSpace(top.Event)) > 0 && bytes.TrimSpace(top.Event)[0] == '{' {
		if err := json.Unmarshal(top.Event, &ev); err != nil {
			return webhook.Result{}, &webhook.ParseError{Err: errors.New("not a Plug&Pay event: " + jsonCause(err))}
		}
		if len(ev.RuleID) == 0 {
			ev.RuleID = top.RuleID
		}
	}
	if ev.Trigger == nil || strings.TrimSpace(*ev.Trigger) == "" {
		return webhook.Result{}, &webhook.ParseError{Err: errors.New("no trigger_type")}
	}
	trigger := strings.TrimSpace(*ev.Trigger)
	id, err := readID(ev.ID)
	if err != nil {
		return webhook.Result{}, &webhook.ParseError{Topic: trigger, Err: err}
	}
	h := webhook.Hook{Topic: trigger, Resource: ev.Type, Event: trigger}
	if rid, err := readID(ev.RuleID); err == nil {
		h.WebhookID = rid
	}
	switch {
	case strings.HasPrefix(trigger, "subscription_"):
		if id == "" {
			return webhook.Result{}, &webhook.ParseError{Topic: trigger, Err: errors.New("no triggerable_id")}
		}
		if trigger != source.TopicSubscriptionEnded {
			return webhook.Result{Ignored: "trigger " + trigger + " is not handled"}, nil
		}
		h.Topic, h.OrderID = source.TopicSubscriptionEnded, source.SubscriptionPrefix+id
	case strings.HasPrefix(trigger, "order_") || strings.HasPrefix(strings.ToLower(ev.Type), "order"):
		if id == "" {
			h.Topic = source.TopicPoll // names no order: poll
		}
		h.OrderID = id
	default:
		return webhook.Result{Ignored: "trigger " + trigger + " is not about an order"}, nil
	}
	return webhook.Result{Hooks: []webhook.Hook{h}}, nil
}

// readID reads an id sent as a number or a string; "" when absent.
func readID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errors.New("triggerable_id is not a string or a number")
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return "", nil
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return "", errors.New("id is not a positive integer")
	}
	return strconv.FormatInt(n, 10), nil
}

// readLegacy reads the older form-encoded general webhook. Its known keys
// (fixtures/plugandpay/legacy-general-webhook) name a contract, a product
// and a buyer, never an order: the engine polls.
func readLegacy(body []byte) (webhook.Result, error) {
	f, err := url.ParseQuery(string(body))
	if err != nil || len(f) == 0 {
		return webhook.Result{}, &webhook.ParseError{Err: errors.New("neither a Plug&Pay event nor a form")}
	}
	known := false
	for _, k := range []string{"webhook_event", "email", "contract_id", "signup_token", "product", "raw"} {
		if f.Has(k) {
			known = true
		}
	}
	if !known {
		return webhook.Result{}, &webhook.ParseError{Err: errors.New("a form without any field of Plug&Pay's general webhook")}
	}
	return webhook.Result{Hooks: []webhook.Hook{{Topic: source.TopicPoll, Event: f.Get("webhook_event"), Resource: "legacy"}}}, nil
}

// jsonCause is a short, value-free reason of a JSON error.
func jsonCause(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "invalid JSON at byte " + strconv.FormatInt(se.Offset, 10)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "field " + te.Field + " has the wrong type"
	}
	return "invalid JSON"
}
