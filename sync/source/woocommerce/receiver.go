package woocommerce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/webhook"
)

// Webhook topics Orderbrug understands (Descriptor's Topics).
const (
	TopicOrderCreated  = "order.created"
	TopicOrderUpdated  = "order.updated"
	TopicOrderDeleted  = "order.deleted"
	TopicOrderRestored = "order.restored"
)

// WooCommerce delivery headers.
const (
	HeaderSignature  = "X-WC-Webhook-Signature"
	HeaderTopic      = "X-WC-Webhook-Topic"
	HeaderResource   = "X-WC-Webhook-Resource"
	HeaderEvent      = "X-WC-Webhook-Event"
	HeaderID         = "X-WC-Webhook-ID"
	HeaderDeliveryID = "X-WC-Webhook-Delivery-ID"
	HeaderSource     = "X-WC-Webhook-Source"
)

// VerifySignature checks header, the X-WC-Webhook-Signature value,
// against base64(HMAC-SHA256(body, secret)) over the exact bytes received.
// The comparison is constant time. It returns nil or one of the
// *SignatureError sentinels (ErrNoSecret, ErrSignatureMissing,
// ErrSignatureMalformed, ErrSignatureMismatch).
func VerifySignature(body []byte, header, secret string) error {
	if secret == "" {
		return webhook.ErrNoSecret
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return webhook.ErrSignatureMissing
	}
	got, err := base64.StdEncoding.Strict().DecodeString(header)
	if err != nil || len(got) != sha256.Size {
		return webhook.ErrSignatureMalformed
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	// The header must be the signature exactly as PHP's base64_encode
	// writes it: the decoder also takes variants (other padding bits, a
	// line break inside) that decode to the same MAC, which WooCommerce
	// never sends (both found by FuzzVerifySignature). Compared in constant
	// time.
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(header), []byte(want)) {
		return webhook.ErrSignatureMismatch
	}
	return nil
}

// OrderRef is what the receiver reads from a delivery body: just enough
// for the store to dedupe; the engine parses the rest later.
type OrderRef struct {
	OrderID string
	// Modified is date_modified_gmt in UTC; zero for order.deleted.
	Modified time.Time
}

// ParseDelivery reads the order id and modified time from the body of a
// delivery of topic. An order.deleted body is only {"id":N}; every other
// order topic carries the full order and must have date_modified_gmt.
// Errors are *ParseError.
func ParseDelivery(topic string, body []byte) (OrderRef, error) {
	var v struct {
		ID              json.Number `json:"id"`
		DateModifiedGMT *string     `json:"date_modified_gmt"`
	}
	perr := func(err error) (OrderRef, error) {
		return OrderRef{}, &webhook.ParseError{Topic: topic, Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return perr(fmt.Errorf("not a JSON order: %w", err))
	}
	if dec.More() {
		return perr(errors.New("trailing data after the JSON object"))
	}
	id, err := strconv.ParseUint(v.ID.String(), 10, 64)
	if err != nil || id == 0 {
		return perr(errors.New("no positive integer id"))
	}
	ref := OrderRef{OrderID: strconv.FormatUint(id, 10)}
	if topic == TopicOrderDeleted {
		return ref, nil
	}
	if v.DateModifiedGMT == nil || *v.DateModifiedGMT == "" {
		return perr(errors.New("no date_modified_gmt"))
	}
	t, err := time.Parse(gmtLayout, *v.DateModifiedGMT)
	if err != nil {
		return perr(errors.New("date_modified_gmt is not YYYY-MM-DDTHH:MM:SS"))
	}
	ref.Modified = t.UTC()
	return ref, nil
}

// pingID reports whether a request is WooCommerce's creation ping: a form
// post "webhook_id=N" with no X-WC-Webhook-* headers and no signature.
func pingID(h http.Header, body []byte) (string, bool) {
	if h.Get(HeaderSignature) != "" || h.Get(HeaderTopic) != "" {
		return "", false
	}
	if len(body) > 64 {
		return "", false
	}
	q, err := url.ParseQuery(string(body))
	if err != nil || len(q) != 1 || len(q["webhook_id"]) != 1 {
		return "", false
	}
	id := q.Get("webhook_id")
	if n, err := strconv.ParseUint(id, 10, 64); err != nil || n == 0 {
		return "", false
	}
	return id, true
}

// Receiver receives WooCommerce's webhook deliveries on the shop's one
// route, /hooks/woocommerce/{slug}.
type Receiver struct{}

var _ webhook.Receiver = Receiver{}

// Routes is the shop's root only.
func (Receiver) Routes() []webhook.Route { return []webhook.Route{{Path: ""}} }

// Receive handles a WooCommerce request whose shop is known.
//
// Order of checks: ping first (it is unsigned by design), then the
// signature, and only then the topic, so that nothing unsigned is ever
// stored or acknowledged as a delivery. A verified delivery whose topic is
// not enabled (toggled off in Orderbrug, or a topic it does not handle) is
// answered 200 and dropped: WooCommerce never retries, and answering an
// error would count towards the failures after which it disables the
// webhook, which would then break the topics that are wanted.
func (Receiver) Receive(req webhook.Request) (webhook.Result, error) {
	if id, ok := pingID(req.Header, req.Body); ok {
		return webhook.Result{Ping: id}, nil
	}
	webhookID := req.Header.Get(HeaderID)
	if err := VerifySignature(req.Body, req.Header.Get(HeaderSignature), req.Hooks.SecretFor(webhookID)); err != nil {
		return webhook.Result{}, err
	}
	topic := req.Header.Get(HeaderTopic)
	if !req.Hooks.Topics[topic] {
		return webhook.Result{Ignored: fmt.Sprintf("topic %q not enabled", topic)}, nil
	}
	// The delivery is authenticated: from here on it is kept, even when it
	// cannot be read (then with the *ParseError, answered 400), so that it
	// can be replayed once Orderbrug reads its shape.
	ref, err := ParseDelivery(topic, req.Body)
	h := webhook.Hook{
		Topic:      topic,
		Resource:   req.Header.Get(HeaderResource),
		Event:      req.Header.Get(HeaderEvent),
		WebhookID:  webhookID,
		DeliveryID: req.Header.Get(HeaderDeliveryID),
		Headers:    wooHeaders(req.Header),
		OrderID:    ref.OrderID,
		Modified:   ref.Modified,
		// order.deleted's {"id":N} may rightly come again after a restore.
		Repeatable: topic == TopicOrderDeleted,
	}
	if err != nil {
		h.Unreadable = err.Error()
	}
	return webhook.Result{Hooks: []webhook.Hook{h}}, nil
}

// wooHeaders keeps the X-WC-* headers except the signature.
func wooHeaders(h http.Header) http.Header {
	out := make(http.Header)
	for k, v := range h {
		if strings.HasPrefix(k, "X-Wc-") && k != http.CanonicalHeaderKey(HeaderSignature) {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}
