package webhook

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
)

// WooCommerce delivery headers.
const (
	HeaderWooSignature  = "X-WC-Webhook-Signature"
	HeaderWooTopic      = "X-WC-Webhook-Topic"
	HeaderWooResource   = "X-WC-Webhook-Resource"
	HeaderWooEvent      = "X-WC-Webhook-Event"
	HeaderWooID         = "X-WC-Webhook-ID"
	HeaderWooDeliveryID = "X-WC-Webhook-Delivery-ID"
	HeaderWooSource     = "X-WC-Webhook-Source"
)

// wooTimeLayout is how WooCommerce writes date_*_gmt: no zone, meaning UTC.
const wooTimeLayout = "2006-01-02T15:04:05"

// VerifyWooSignature checks header, the X-WC-Webhook-Signature value,
// against base64(HMAC-SHA256(body, secret)) over the exact bytes received.
// The comparison is constant time. It returns nil or one of the
// *SignatureError sentinels (ErrNoSecret, ErrSignatureMissing,
// ErrSignatureMalformed, ErrSignatureMismatch).
func VerifyWooSignature(body []byte, header, secret string) error {
	if secret == "" {
		return ErrNoSecret
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrSignatureMissing
	}
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(got) != sha256.Size {
		return ErrSignatureMalformed
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrSignatureMismatch
	}
	return nil
}

// WooOrderRef is what the handler reads from a delivery body: just enough
// for the store to dedupe; the engine parses the rest later.
type WooOrderRef struct {
	OrderID string
	// Modified is date_modified_gmt in UTC; zero for order.deleted.
	Modified time.Time
}

// ParseWooDelivery reads the order id and modified time from the body of a
// delivery of topic. An order.deleted body is only {"id":N}; every other
// order topic carries the full order and must have date_modified_gmt.
// Errors are *ParseError.
func ParseWooDelivery(topic string, body []byte) (WooOrderRef, error) {
	var v struct {
		ID              json.Number `json:"id"`
		DateModifiedGMT *string     `json:"date_modified_gmt"`
	}
	perr := func(err error) (WooOrderRef, error) {
		return WooOrderRef{}, &ParseError{Topic: topic, Err: err}
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
	ref := WooOrderRef{OrderID: strconv.FormatUint(id, 10)}
	if topic == TopicOrderDeleted {
		return ref, nil
	}
	if v.DateModifiedGMT == nil || *v.DateModifiedGMT == "" {
		return perr(errors.New("no date_modified_gmt"))
	}
	t, err := time.Parse(wooTimeLayout, *v.DateModifiedGMT)
	if err != nil {
		return perr(errors.New("date_modified_gmt is not YYYY-MM-DDTHH:MM:SS"))
	}
	ref.Modified = t.UTC()
	return ref, nil
}

// wooPingID reports whether r is WooCommerce's creation ping: a form post
// "webhook_id=N" with no X-WC-Webhook-* headers and no signature.
func wooPingID(r *http.Request, body []byte) (string, bool) {
	if r.Header.Get(HeaderWooSignature) != "" || r.Header.Get(HeaderWooTopic) != "" {
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

// receiveWoo handles a WooCommerce request whose shop is known.
//
// Order of checks: ping first (it is unsigned by design), then the
// signature, and only then the topic, so that nothing unsigned is ever
// stored or acknowledged as a delivery. A verified delivery whose topic is
// not enabled (toggled off in Orderbrug, or a topic it does not handle) is
// answered 200 and dropped: WooCommerce never retries, and answering an
// error would count towards the failures after which it disables the
// webhook, which would then break the topics that are wanted.
func receiveWoo(r *http.Request, body []byte, hooks ShopHooks) (*Delivery, ack, error) {
	if id, ok := wooPingID(r, body); ok {
		return nil, ack{kind: "ping", detail: id}, nil
	}
	webhookID := r.Header.Get(HeaderWooID)
	if err := VerifyWooSignature(body, r.Header.Get(HeaderWooSignature), hooks.secretFor(webhookID)); err != nil {
		return nil, ack{}, err
	}
	topic := r.Header.Get(HeaderWooTopic)
	if !hooks.Topics[topic] {
		return nil, ack{kind: "ignored", detail: fmt.Sprintf("topic %q not enabled", topic)}, nil
	}
	// The delivery is authenticated: from here on it is kept, even when it
	// cannot be read (then with the *ParseError, answered 400), so that it
	// can be replayed once Orderbrug reads its shape.
	ref, err := ParseWooDelivery(topic, body)
	return &Delivery{
		Topic:      topic,
		Resource:   r.Header.Get(HeaderWooResource),
		Event:      r.Header.Get(HeaderWooEvent),
		WebhookID:  webhookID,
		DeliveryID: r.Header.Get(HeaderWooDeliveryID),
		Body:       body,
		Headers:    wooHeaders(r.Header),
		OrderID:    ref.OrderID,
		Modified:   ref.Modified,
	}, ack{}, err
}

// wooHeaders keeps the X-WC-* headers except the signature.
func wooHeaders(h http.Header) http.Header {
	out := make(http.Header)
	for k, v := range h {
		if strings.HasPrefix(k, "X-Wc-") && k != http.CanonicalHeaderKey(HeaderWooSignature) {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}
