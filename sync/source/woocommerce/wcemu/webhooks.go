package wcemu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Webhook statuses WooCommerce knows.
var webhookStatuses = []string{"active", "paused", "disabled"}

var webhookHooks = map[string][]string{
	"order.created":  {"woocommerce_new_order"},
	"order.updated":  {"woocommerce_update_order", "woocommerce_order_refunded"},
	"order.deleted":  {"wp_trash_post"},
	"order.restored": {"untrashed_post"},
}

var webhookResources = []string{"coupon", "customer", "order", "product"}

type webhookInput struct {
	Name        *string `json:"name"`
	Status      *string `json:"status"`
	Topic       *string `json:"topic"`
	DeliveryURL *string `json:"delivery_url"`
	Secret      *string `json:"secret"`
}

func (s *Shop) webhookJSON(h *hook) string {
	h.w.Links = Links{
		Self:       []Link{{Href: fmt.Sprintf("%s/wp-json/wc/v3/webhooks/%d", s.url, h.w.ID)}},
		Collection: []Link{{Href: s.url + "/wp-json/wc/v3/webhooks"}},
	}
	b, _ := EncodePHP(h.w)
	return string(b)
}

func (s *Shop) listWebhooks(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.webhooks))
	for id := range s.webhooks {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = s.webhookJSON(s.webhooks[id])
	}
	w.Header().Set("X-WP-Total", strconv.Itoa(len(ids)))
	w.Header().Set("X-WP-TotalPages", "1")
	writeJSON(w, http.StatusOK, "["+strings.Join(parts, ",")+"]")
}

func (s *Shop) getWebhook(w http.ResponseWriter, idText string) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.webhooks[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, bodyWebhookInvalidID)
		return
	}
	writeJSON(w, http.StatusOK, s.webhookJSON(h))
}

// readWebhookInput reads a JSON body, or a form body as the REST API also
// accepts.
func readWebhookInput(r *http.Request) (webhookInput, bool) {
	var in webhookInput
	body, err := readBody(r)
	if err != nil {
		return in, false
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return in, false
		}
		for k, p := range map[string]**string{"name": &in.Name, "status": &in.Status, "topic": &in.Topic, "delivery_url": &in.DeliveryURL, "secret": &in.Secret} {
			if form.Has(k) {
				v := form.Get(k)
				*p = &v
			}
		}
		return in, true
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return in, true
	}
	return in, json.Unmarshal(body, &in) == nil
}

// validate checks what the REST API checks and answers the error body.
func validateWebhook(in webhookInput) string {
	if in.Status != nil && !contains(webhookStatuses, *in.Status) {
		return invalidParam("status", "rest_not_in_enum", "status is not one of active, paused, and disabled.")
	}
	if in.Topic != nil {
		res, ev, ok := strings.Cut(*in.Topic, ".")
		if !ok || ev == "" || !(contains(webhookResources, res) || res == "action") {
			return bodyInvalidTopic
		}
	}
	if in.DeliveryURL != nil {
		u, err := url.Parse(*in.DeliveryURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bodyInvalidDelivery
		}
	}
	return ""
}

func (s *Shop) createWebhook(w http.ResponseWriter, r *http.Request) {
	in, ok := readWebhookInput(r)
	if !ok {
		writeJSON(w, http.StatusBadRequest, bodyInvalidJSON)
		return
	}
	if in.Topic == nil {
		writeJSON(w, http.StatusBadRequest, bodyInvalidTopic)
		return
	}
	if in.DeliveryURL == nil {
		writeJSON(w, http.StatusBadRequest, bodyInvalidDelivery)
		return
	}
	if body := validateWebhook(in); body != "" {
		writeJSON(w, http.StatusBadRequest, body)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC().Truncate(time.Second)
	h := &hook{w: Webhook{
		ID: s.nextHook, Status: "active", DateCreated: now.In(s.loc).Format(gmtLayout), DateCreatedGMT: now.Format(gmtLayout),
	}}
	s.nextHook++
	h.w.Name = "Webhook created on " + now.In(s.loc).Format("January 2, 2006 @ 3:04 PM")
	if in.Secret == nil || *in.Secret == "" {
		var b [25]byte
		_, _ = rand.Read(b[:])
		h.secret = hex.EncodeToString(b[:]) // WooCommerce generates one when none is given
	}
	s.applyWebhook(h, in)
	h.pending = true
	s.webhooks[h.w.ID] = h
	body := s.webhookJSON(h)
	id, deliveryURL, client := h.w.ID, h.w.DeliveryURL, s.client
	s.mu.Unlock()
	// WC_REST_Webhooks_Controller::create_item sends the ping after the
	// webhook is saved and before it answers; its outcome only clears
	// pending_delivery (the answer is 201 either way).
	s.ping(r.Context(), client, id, deliveryURL)
	s.mu.Lock()
	writeJSON(w, http.StatusCreated, body)
}

// Ping is one creation ping the shop sent (or could not send).
type Ping struct {
	WebhookID int64
	URL       string
	// Code is the receiver's status code, 0 when nothing was answered.
	Code int
	// Err is why it failed: the URL refused (WordPress's "A valid URL was
	// not provided."), unreachable, or a code other than exactly 200.
	Err error
}

// ping is WC_Webhook::deliver_ping: a form post "webhook_id=N" without any
// X-WC-Webhook header; only an answer of exactly 200 counts.
func (s *Shop) ping(ctx context.Context, client *http.Client, id int64, deliveryURL string) {
	p := Ping{WebhookID: id, URL: deliveryURL}
	if err := s.safeURL(ctx, deliveryURL); err != nil {
		p.Err = fmt.Errorf("Error: Delivery URL cannot be reached: %w", err)
	} else if req, err := http.NewRequestWithContext(ctx, http.MethodPost, deliveryURL, strings.NewReader("webhook_id="+strconv.FormatInt(id, 10))); err != nil {
		p.Err = err
	} else {
		req.Header.Set("User-Agent", "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			p.Err = fmt.Errorf("Error: Delivery URL cannot be reached: %w", err)
		} else {
			p.Code = resp.StatusCode
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if p.Code != http.StatusOK {
				p.Err = fmt.Errorf("Error: Delivery URL returned response code: %d", p.Code)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.webhooks[id]; ok && p.Err == nil {
		h.pending = false
	}
	s.pings = append(s.pings, p)
}

// Pings returns the creation pings sent so far, oldest first.
func (s *Shop) Pings() []Ping {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ping(nil), s.pings...)
}

// SetWebhookStatus sets a webhook's status as a person does in the
// WooCommerce admin (paused, disabled, active).
func (s *Shop) SetWebhookStatus(id int64, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.webhooks[id]; ok {
		h.w.Status = status
	}
}

func (s *Shop) applyWebhook(h *hook, in webhookInput) {
	if in.Name != nil && *in.Name != "" {
		h.w.Name = *in.Name
	}
	if in.Status != nil {
		h.w.Status = *in.Status
	}
	if in.Topic != nil {
		h.w.Topic = *in.Topic
		h.w.Resource, h.w.Event, _ = strings.Cut(*in.Topic, ".")
		h.w.Hooks = webhookHooks[*in.Topic]
		if h.w.Hooks == nil {
			h.w.Hooks = []string{}
		}
	}
	if in.DeliveryURL != nil {
		h.w.DeliveryURL = *in.DeliveryURL
	}
	if in.Secret != nil && *in.Secret != "" {
		h.secret = *in.Secret
	}
}

func (s *Shop) updateWebhook(w http.ResponseWriter, r *http.Request, idText string) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	in, ok := readWebhookInput(r)
	if !ok {
		writeJSON(w, http.StatusBadRequest, bodyInvalidJSON)
		return
	}
	if body := validateWebhook(in); body != "" {
		writeJSON(w, http.StatusBadRequest, body)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.webhooks[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, bodyWebhookInvalidID)
		return
	}
	s.applyWebhook(h, in)
	now := s.now().UTC().Truncate(time.Second)
	gmt, local := now.Format(gmtLayout), now.In(s.loc).Format(gmtLayout)
	h.w.DateModifiedGMT, h.w.DateModified = &gmt, &local
	writeJSON(w, http.StatusOK, s.webhookJSON(h))
}

func (s *Shop) deleteWebhook(w http.ResponseWriter, r *http.Request, idText string) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	if f := r.URL.Query().Get("force"); f != "true" && f != "1" {
		writeJSON(w, http.StatusNotImplemented, bodyTrashNotSupported)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.webhooks[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, bodyWebhookInvalidID)
		return
	}
	delete(s.webhooks, id)
	writeJSON(w, http.StatusOK, s.webhookJSON(h))
}

// Webhooks returns the registered webhooks with their secrets, for tests.
func (s *Shop) Webhooks() map[int64]struct {
	Webhook
	Secret string
} {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]struct {
		Webhook
		Secret string
	}{}
	for id, h := range s.webhooks {
		out[id] = struct {
			Webhook
			Secret string
		}{h.w, h.secret}
	}
	return out
}

// failed is WC_Webhook::failed_delivery: a failure when more than 5 are
// counted already disables the webhook, otherwise it is counted.
func (s *Shop) failed(webhookID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.webhooks[webhookID]
	if !ok {
		return
	}
	if h.failures > 5 {
		h.w.Status = "disabled"
	} else {
		h.failures++
	}
}

// Sign is WooCommerce's X-WC-Webhook-Signature: base64 of HMAC-SHA256 over
// the raw body, keyed with the webhook's secret.
func Sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Deliver posts an order to a registered webhook the way WooCommerce's
// Hookshot does, and returns the receiver's status code. The body is the
// order's current REST JSON (for order.deleted just {"id":N}), built at
// delivery time. Like WooCommerce it counts failures: any status outside
// 200–302 or a transport error is one, a success resets the count, and a
// failure when the count is already above 5 sets the webhook to disabled.
// Only active webhooks deliver.
func (s *Shop) Deliver(ctx context.Context, webhookID, orderID int64) (int, error) {
	s.mu.Lock()
	h, ok := s.webhooks[webhookID]
	if !ok {
		s.mu.Unlock()
		return 0, fmt.Errorf("deliver: no webhook %d", webhookID)
	}
	if h.w.Status != "active" {
		s.mu.Unlock()
		return 0, fmt.Errorf("deliver: webhook %d is %s", webhookID, h.w.Status)
	}
	var body []byte
	if h.w.Topic == "order.deleted" {
		body = []byte(`{"id":` + strconv.FormatInt(orderID, 10) + `}`)
	} else {
		rec, ok := s.orders[orderID]
		if !ok {
			s.mu.Unlock()
			return 0, fmt.Errorf("deliver: no order %d", orderID)
		}
		body = bytes.Clone(s.encoded(rec))
	}
	topic, resource, event := h.w.Topic, h.w.Resource, h.w.Event
	deliveryURL, secret, source := h.w.DeliveryURL, h.secret, s.url+"/"
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d%d", webhookID, s.now().UnixNano())))
	client := s.client
	s.mu.Unlock()

	// wp_safe_remote_request: a refused URL is never sent to, and counts
	// as a failed delivery.
	err := s.safeURL(ctx, deliveryURL)
	var req *http.Request
	if err == nil {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, deliveryURL, bytes.NewReader(body))
	}
	if err != nil {
		s.failed(webhookID)
		return 0, fmt.Errorf("deliver to webhook %d: %w", webhookID, err)
	}
	req.Header.Set("User-Agent", "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-WC-Webhook-Source", source)
	req.Header.Set("X-WC-Webhook-Topic", topic)
	req.Header.Set("X-WC-Webhook-Resource", resource)
	req.Header.Set("X-WC-Webhook-Event", event)
	req.Header.Set("X-WC-Webhook-Signature", Sign(body, secret))
	req.Header.Set("X-WC-Webhook-ID", strconv.FormatInt(webhookID, 10))
	req.Header.Set("X-WC-Webhook-Delivery-ID", hex.EncodeToString(sum[:16]))
	resp, err := client.Do(req)
	code := 0
	if err == nil {
		code = resp.StatusCode
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	if err == nil && code >= 200 && code <= 302 {
		s.mu.Lock()
		if h, ok := s.webhooks[webhookID]; ok {
			h.failures = 0
		}
		s.mu.Unlock()
	} else {
		s.failed(webhookID)
	}
	if err != nil {
		return 0, fmt.Errorf("deliver to webhook %d: %w", webhookID, err)
	}
	return code, nil
}
