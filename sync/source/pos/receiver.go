package pos

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

// Key errors of a delivery: fixed reasons, never the value received nor
// the secret. Classify answers them 401.
var (
	ErrKeyMissing  = &webhook.SignatureError{Reason: "missing " + Header + " header"}
	ErrKeyMismatch = &webhook.SignatureError{Reason: Header + " does not match the shop's webhook key"}
	ErrNoKey       = &webhook.SignatureError{Reason: "no webhook key configured for this shop"}
)

// Resource is the Hook.Resource of every delivery: a check.
const Resource = "check"

// Receiver receives the Integration Hub's deliveries on its three routes.
type Receiver struct{}

var _ webhook.Receiver = Receiver{}

// Routes are Back Office's three URLs.
func (Receiver) Routes() []webhook.Route {
	return []webhook.Route{{Path: TopicOpen}, {Path: TopicUpdate}, {Path: TopicClose}}
}

// Receive checks the key, then reads the check. The key (header Header)
// must equal the shop's webhook secret, compared in constant time; else
// the request is refused (401) and nothing is kept. A verified body that
// is not a check, or a check whose twin figures disagree, is kept for
// replay and answered 400 with what was expected (Hook.Unreadable), with
// the check's id as OrderID when the body names one. A
// check is classified by its content, never by the route it came in on
// (Back Office may post updates to the Open URL): closed (or voided) is topic close;
// an open online order is open; an open POS check is update on the Update
// route, else third (3rd Order Web Hooks: POS orders sent to the Open
// URL). A topic switched off is answered 200 and not kept.
func (Receiver) Receive(req webhook.Request) (webhook.Result, error) {
	if err := verify(req.Header, req.Hooks.Secret); err != nil {
		return webhook.Result{}, err
	}
	h := webhook.Hook{Resource: Resource, Event: req.Route, Topic: req.Route, Headers: keep(req.Header)}
	p, err := parse(req.Body)
	if err != nil {
		// The check's id where the body names one (closed or not): the
		// engine keeps such a delivery as a failed order with its raw
		// body, since the till cannot be asked for it. Empty when the
		// body names none.
		h.Unreadable, h.OrderID = err.Error(), p.id
		return webhook.Result{Hooks: []webhook.Hook{h}}, nil
	}
	h.Topic, h.OrderID = topicOf(p, req.Route), p.id
	if !req.Hooks.Topics[h.Topic] {
		return webhook.Result{Ignored: fmt.Sprintf("topic %q not enabled", h.Topic)}, nil
	}
	return webhook.Result{Hooks: []webhook.Hook{h}}, nil
}

// topicOf is a check's topic from its content (see Receive).
func topicOf(p parsed, route string) string {
	switch {
	case p.o.Status == StatusClosed, p.o.Status == StatusVoid:
		// A void undoes a sale: taken with the closes, whose topic cannot
		// be switched off, so that no toggle can keep a voided sale booked.
		return TopicClose
	case p.shape == ShapeOnline || p.online:
		return TopicOpen
	case route == TopicUpdate:
		return TopicUpdate
	}
	return TopicThird
}

// verify compares the header with the secret in constant time: both are
// hashed first, so not even their lengths leak.
func verify(h http.Header, secret string) error {
	if secret == "" {
		return ErrNoKey
	}
	got := strings.TrimSpace(h.Get(Header))
	if got == "" {
		return ErrKeyMissing
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return ErrKeyMismatch
	}
	return nil
}

// keep is what of the request headers the inbox keeps: never the key.
func keep(h http.Header) http.Header {
	out := http.Header{}
	for _, k := range []string{"Content-Type", "User-Agent"} {
		if v := h.Values(k); len(v) > 0 {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}

// ParseWebhook reads a kept delivery: every one carries the whole check,
// so ok is true. A body that is not a check, or one whose figures
// disagree, is an error (see ParseCheck).
func (*Client) ParseWebhook(topic string, body []byte) (order.Order, bool, error) {
	o, err := ParseCheck(body)
	if err != nil {
		return order.Order{}, false, err
	}
	return o, true, nil
}
