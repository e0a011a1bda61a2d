// Package webhook receives shop webhooks over HTTP: it routes, limits, verifies and durably hands each delivery to an Inbox before it answers.
package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	gosync "sync"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// DefaultMaxBody is the largest request body the handler reads. A large
// WooCommerce order (hundreds of lines, meta data) is a few hundred KiB.
const DefaultMaxBody = 5 << 20

// bodyPrefixLen is how much of a rejected body is kept for a person to see.
const bodyPrefixLen = 512

// ShopHooks is what the handler needs to know about one shop's webhooks.
type ShopHooks struct {
	// Secret verifies deliveries of every webhook that has no entry in
	// Secrets. Orderbrug sets it itself when it registers the webhooks,
	// because the shop's REST API never returns a webhook's secret.
	Secret string
	// Secrets holds a secret per webhook id (X-WC-Webhook-ID) for shops
	// whose webhooks were made with different secrets (WooCommerce keeps
	// one secret per webhook). An entry here wins over Secret.
	Secrets map[string]string
	// Topics are the enabled topics (the kind's Topic keys). A verified
	// delivery of any other topic is answered 200 and not stored, where
	// the kind's receiver has topics.
	Topics map[string]bool
}

// SecretFor returns the secret that verifies deliveries of webhook id.
func (h ShopHooks) SecretFor(webhookID string) string {
	if s, ok := h.Secrets[webhookID]; ok && s != "" {
		return s
	}
	return h.Secret
}

// Shops finds the webhook settings of a shop.
type Shops interface {
	// Lookup returns the settings of the shop whose slug is shop (the last
	// segment of the delivery URL; a slug never changes, a name may) for source, and false when there is no such shop
	// or its webhooks are off. It must be safe for concurrent use and must
	// not block on the network: it runs on every request.
	Lookup(source order.Source, shop string) (ShopHooks, bool)
}

// Delivery is one verified webhook delivery, as it is handed to the Inbox.
type Delivery struct {
	Source order.Source
	// Shop is the shop's slug from the delivery URL.
	Shop string
	// Route is the Route.Path it came in on ("" the shop's root).
	Route string
	// Topic, Resource and Event are what the receiver read (WooCommerce:
	// the X-WC-Webhook-* headers; source.TopicPoll and
	// source.TopicSubscriptionEnded for hints of other kinds).
	Topic, Resource, Event string
	// WebhookID is the shop's id of the webhook (X-WC-Webhook-ID).
	WebhookID string
	// DeliveryID is the sender's delivery id (X-WC-Webhook-Delivery-ID, which
	// is hash(webhook id . time) and NOT unique per event: never dedupe on
	// it; use OrderID+Modified).
	DeliveryID string
	// Body is the exact request body as signed, never re-encoded.
	Body []byte
	// Headers are the request headers the receiver keeps, without the
	// signature: it is of no use once verified and need not sit in the
	// database.
	Headers http.Header
	// ReceivedAt is when the handler read the request (Config.Now).
	ReceivedAt time.Time
	// OrderID is the order's id from the body ("13").
	OrderID string
	// Modified is the order's date_modified_gmt in UTC; zero for
	// order.deleted, whose body carries only the id. The store dedupes on
	// (Source, Shop, OrderID, Modified) and keeps the newest snapshot.
	Modified time.Time
	// Unreadable, when set, is why a delivery that passed verification
	// could not be read (a shape the parser does not know yet). It is
	// stored all the same, so it can be replayed once it can be read, and
	// the sender is answered 400 with this reason.
	Unreadable string
	// Repeatable: not folded into an earlier delivery of the same bytes
	// (see Hook.Repeatable).
	Repeatable bool
	// Part is the hook's place among the hooks the receiver found in one
	// request (0 for the first): deliveries of one body are told apart by it.
	Part int
}

// Rejection is a request to a known shop's webhook route that was refused,
// counted so a person can see why a shop's deliveries do not arrive.
// Requests for unknown shops are not handed to the Inbox at all: anyone can
// send them, and nothing of theirs is stored.
type Rejection struct {
	Source order.Source
	Shop   string
	// Status is the HTTP status the handler answered.
	Status int
	// Code is a stable machine-readable kind (see Code constants) that the
	// UI can translate.
	Code Code
	// Reason is a short English sentence. It never holds a secret or a
	// signature value.
	Reason     string
	RemoteAddr string
	ReceivedAt time.Time
	// BodyPrefix is the first 512 bytes of the body, as far as it was read.
	BodyPrefix []byte
}

// Inbox is where verified deliveries go. Implementations must be safe for
// concurrent use.
type Inbox interface {
	// Accept stores d. When it returns nil the delivery must be durably
	// committed (it survives a crash or kill -9): only then does the
	// handler answer 2xx, and the sender will not send it again. A delivery
	// that repeats one already stored (same order id and modified time) is
	// not an error. Any error makes the handler answer 503.
	Accept(ctx context.Context, d Delivery) error
	// Reject records a refused request to a known shop. Its error is only
	// logged: the answer to the sender does not depend on it. It is called
	// for every such request, so it must be cheap (count, do not write a
	// row per request).
	Reject(ctx context.Context, r Rejection) error
}

// Config configures the handler made by New.
type Config struct {
	Shops Shops
	Inbox Inbox
	// Receivers are the kinds with webhooks, by kind: each gets its routes
	// under /hooks/{kind}/{shop}.
	Receivers map[order.Source]Receiver
	// Notify, if set, is called after each successful Accept so the engine
	// processes the inbox at once instead of at its next tick. It must not
	// block.
	Notify func()
	// OnPing, if set, is called when a shop sends its webhook creation ping
	// (webhookID as the shop numbered it). It must not block.
	OnPing func(source order.Source, shop, webhookID string)
	// MaxBody is the largest body read; DefaultMaxBody when zero.
	MaxBody int64
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives one line per request; slog.Default() when nil.
	Logger *slog.Logger
}

// Handler serves the webhook routes. Make it with New.
type Handler struct {
	cfg Config
	mux *http.ServeMux
	// logged limits warnings about rejections: one per shop and code per
	// minute, the rest at debug level, so a flood does not flood the log.
	logMu  gosync.Mutex
	logged map[string]time.Time
}

// rejectLogEvery is how often a warning per shop and code is logged.
const rejectLogEvery = time.Minute

// New returns the webhook handler with the routes of cfg.Receivers: for
// each kind, its Route "" at
//
//	POST /hooks/{kind}/{shop}
//
// and each other Route at /hooks/{kind}/{shop}/{path}
// (/hooks/woocommerce/{slug} for WooCommerce). Every other path answers 404.
func New(cfg Config) *Handler {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), logged: map[string]time.Time{}}
	kinds := make([]string, 0, len(cfg.Receivers))
	for k := range cfg.Receivers {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		recv := cfg.Receivers[order.Source(k)]
		for _, rt := range recv.Routes() {
			pattern := "/hooks/" + k + "/{shop}"
			if rt.Path != "" {
				pattern += "/" + strings.Trim(rt.Path, "/")
			}
			h.route(order.Source(k), rt.Path, pattern, recv)
		}
	}
	// Unrouted paths are scanners and typos: answered 404 and logged at
	// debug level, but not recorded as rejections, so noise cannot fill
	// the database.
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.cfg.Logger.Debug("webhook: no route", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		http.Error(w, "not found", http.StatusNotFound)
	})
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// route registers pattern for source. The method is not part of the
// pattern on purpose: a wrong method must reach serve, so that it is
// answered and recorded in the same place as every other rejection.
func (h *Handler) route(source order.Source, route, pattern string, recv Receiver) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, source, route, recv)
	})
}

// serve runs the steps every source shares and answers.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, source order.Source, route string, recv Receiver) {
	received := h.cfg.Now().UTC()
	shop := r.PathValue("shop")
	log := h.cfg.Logger.With("source", string(source), "shop", shop, "remote", r.RemoteAddr)

	var body []byte
	fail := func(err error) {
		h.reject(w, r, log, source, shop, received, body, err)
	}

	hooks, ok := h.cfg.Shops.Lookup(source, shop)
	if !ok {
		// Anyone can send these: answered, logged at debug level, never
		// stored (not even counted), so they cannot fill the database.
		err := &UnknownShopError{Shop: shop}
		status, _ := Classify(err)
		log.Debug("webhook: unknown shop", "method", r.Method)
		writeText(w, status, err.Error())
		return
	}
	if r.Method != http.MethodPost {
		fail(&MethodError{Method: r.Method, Allow: http.MethodPost})
		return
	}
	body, err := readBody(r, h.cfg.MaxBody)
	if err != nil {
		fail(err)
		return
	}
	res, err := recv.Receive(Request{Route: route, Header: r.Header, Body: body, Hooks: hooks})
	if err != nil {
		fail(err)
		return
	}
	if len(res.Hooks) == 0 {
		if res.Ping != "" {
			log.Info("webhook: ping", "webhook_id", res.Ping)
			if h.cfg.OnPing != nil {
				h.cfg.OnPing(source, shop, res.Ping)
			}
		} else {
			log.Info("webhook: delivery ignored", "why", res.Ignored)
		}
		// WooCommerce counts only exactly 200 for a ping.
		writeText(w, http.StatusOK, "ok")
		return
	}
	unreadable := ""
	for i, hk := range res.Hooks {
		d := Delivery{Source: source, Shop: shop, Route: route, Topic: hk.Topic, Resource: hk.Resource, Event: hk.Event,
			WebhookID: hk.WebhookID, DeliveryID: hk.DeliveryID, Body: body, Headers: hk.Headers,
			ReceivedAt: received, OrderID: hk.OrderID, Modified: hk.Modified, Unreadable: hk.Unreadable,
			Repeatable: hk.Repeatable, Part: i}
		if err := h.cfg.Inbox.Accept(r.Context(), d); err != nil {
			fail(&InboxError{Err: err})
			return
		}
		if d.Unreadable != "" && unreadable == "" {
			unreadable = d.Unreadable
		}
		log.Debug("webhook: accepted", "topic", d.Topic, "order", d.OrderID, "webhook_id", d.WebhookID, "bytes", len(d.Body))
	}
	if h.cfg.Notify != nil {
		h.cfg.Notify()
	}
	if unreadable != "" {
		// Verified but unreadable: kept for replay, answered 400.
		status, code := Classify(&ParseError{Err: errors.New(unreadable)})
		log.Warn("webhook: stored but unreadable", "status", status, "code", string(code), "topic", res.Hooks[0].Topic,
			"webhook_id", res.Hooks[0].WebhookID, "bytes", len(body), "reason", unreadable)
		writeText(w, status, unreadable)
		return
	}
	writeText(w, http.StatusOK, "ok")
}

// reject answers err, records it in the inbox and logs it.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, log *slog.Logger, source order.Source, shop string, received time.Time, body []byte, err error) {
	status, code := Classify(err)
	reason := err.Error()
	if m, ok := errorAs[*MethodError](err); ok {
		w.Header().Set("Allow", m.Allow)
	}
	// The client may be gone; the record of why must still be written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	rej := Rejection{
		Source: source, Shop: shop, Status: status, Code: code, Reason: reason,
		RemoteAddr: r.RemoteAddr, ReceivedAt: received, BodyPrefix: prefix(body, bodyPrefixLen),
	}
	if rerr := h.cfg.Inbox.Reject(ctx, rej); rerr != nil {
		log.Error("webhook: recording rejection failed", "err", rerr)
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	if !h.warnNow(string(source)+"/"+shop+"/"+string(code), received) {
		level = slog.LevelDebug
	}
	log.Log(r.Context(), level, "webhook: rejected", "status", status, "code", string(code), "reason", reason)
	if code == CodeTooLarge {
		drainAndClose(w, r)
	}
	writeText(w, status, reason)
	if code == CodeTooLarge {
		drain(w, r)
	}
}

// warnNow reports whether a rejection of key is logged as a warning: the
// first per rejectLogEvery.
func (h *Handler) warnNow(key string, now time.Time) bool {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	if last, ok := h.logged[key]; ok && now.Sub(last) < rejectLogEvery && now.Sub(last) >= 0 {
		return false
	}
	if len(h.logged) > 10000 {
		clear(h.logged) // bounded: keys are known shops times codes
	}
	h.logged[key] = now
	return true
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

func prefix(b []byte, n int) []byte {
	if len(b) > n {
		b = b[:n]
	}
	return append([]byte(nil), b...)
}
