package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce"
	"github.com/orderbrug/orderbrug/sync/store"
)

// wooTopics are the topics Orderbrug registers in WooCommerce; order.deleted
// and order.restored only when switched on.
var wooTopics = WebhookTopics

// SetWebhook turns a shop's webhooks on or off. On: a secret is generated
// (WooCommerce never returns one, so Orderbrug keeps its own) and, when the
// tunnel is up, the webhooks are registered in the shop. Off: they are
// deleted from the shop.
func (s *Service) SetWebhook(ctx context.Context, shop string, on bool) error {
	sh, err := s.shop(ctx, shop)
	if err != nil {
		return err
	}
	sh.Webhook.Enabled = on
	if on && sh.Webhook.Secret == "" {
		sh.Webhook.Secret = newSecret()
	}
	if len(sh.Webhook.Topics) == 0 {
		sh.Webhook.Topics = []string{"order.created", "order.updated"}
	}
	if err := s.store.SaveWebhook(ctx, sh.ID, sh.Webhook); err != nil {
		return err
	}
	code := "webhook_on"
	if !on {
		code = "webhook_off"
	}
	_ = s.store.AddEvent(ctx, store.Event{Shop: sh.Name, Code: code})
	url, reason := s.publicURL(ctx)
	if on && url == "" {
		// Nothing to register at: say so, and why, instead of a silent "on".
		_ = s.store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: "webhook_not_registered",
			Args: map[string]string{"reason": reason}})
	}
	if url != "" || !on {
		if err := s.registerWebhooks(ctx, sh, url); err != nil {
			return err
		}
	}
	s.notify()
	return nil
}

// WhyNotRegistered explains a WebhookInfo.Reason in one English line for
// the terminal (the GUI has its own words in assets/lang).
func WhyNotRegistered(reason string) string {
	switch reason {
	case "webhooks_off":
		return "webhooks are off for this shop (orderbrug webhook on)"
	case "no_public_url":
		return "there is no public URL: set up ngrok (orderbrug tunnel set --authtoken -) or your own (orderbrug tunnel set --public-url URL)"
	case "tunnel_off":
		return "the tunnel is switched off"
	case "tunnel_not_running":
		return "the ngrok URL exists only while the app or `orderbrug serve` runs; it registers the webhooks when the tunnel is up"
	case "tunnel_connecting":
		return "the tunnel is still connecting; the webhooks are registered when it is up"
	case "tunnel_error":
		return "the tunnel is down (orderbrug tunnel status); the webhooks are registered when it is up"
	}
	return reason
}

// registerWebhooks makes the shop's registered webhooks match the settings:
// one per enabled topic, delivering to publicURL + the shop's path, active.
// A webhook WooCommerce disabled (after failed deliveries, e.g. while the
// laptop slept) is set active again, but only with a public URL: WooCommerce
// does not reset its failure count, so one more failure disables it again.
// The catch-up poll fills the gap of what it did not deliver.
func (s *Service) registerWebhooks(ctx context.Context, sh store.Shop, publicURL string) error {
	if sh.Source != order.WooCommerce {
		return nil
	}
	// A poll and a new tunnel URL may both register at once: one at a
	// time, each with the shop as stored, or both would create webhooks.
	s.registering.Lock()
	defer s.registering.Unlock()
	if cur, err := s.store.ShopByID(ctx, sh.ID); err == nil {
		sh.Webhook = cur.Webhook
	}
	src, err := s.sourceFor(sh)
	if err != nil {
		return err
	}
	wc, ok := src.(*woocommerce.Client)
	if !ok {
		return nil
	}
	want := map[string]bool{}
	if sh.Webhook.Enabled && publicURL != "" {
		for _, t := range sh.Webhook.Topics {
			want[t] = true
		}
	}
	delivery := strings.TrimRight(publicURL, "/") + webhookPath(sh)
	existing, err := wc.ListWebhooks(ctx)
	if err != nil {
		return fmt.Errorf("webhooks of %s: %w", sh.Name, err)
	}
	mine := map[int64]woocommerce.Webhook{}
	for _, w := range existing {
		mine[w.ID] = w
	}
	w := sh.Webhook
	if w.RemoteIDs == nil {
		w.RemoteIDs = map[string]int64{}
	}
	var errs []error
	status := ""
	started := s.clock.Now().Add(-time.Second)
	for _, topic := range wooTopics {
		id, registered := w.RemoteIDs[topic]
		remote, exists := mine[id]
		switch {
		case !want[topic] && registered:
			if exists {
				if err := wc.DeleteWebhook(ctx, id); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			delete(w.RemoteIDs, topic)
		case want[topic] && (!registered || !exists):
			created, err := wc.CreateWebhook(ctx, woocommerce.Webhook{Name: "Orderbrug " + topic, Topic: topic,
				DeliveryURL: delivery, Secret: s.webhookSecret(sh), Status: woocommerce.WebhookActive})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			w.RemoteIDs[topic] = created.ID
			status = worst(status, created.Status)
			if !s.pingArrived(ctx, sh, created.ID, started) {
				// WooCommerce pings a new webhook before it answers; no ping
				// here means the shop cannot reach the URL (a proxy that does
				// not forward, a URL WordPress refuses). It is registered all
				// the same: the owner may fix the proxy later.
				_ = s.store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: "webhook_unreachable",
					Args: map[string]string{"topic": topic, "url": delivery}})
			}
		case want[topic]:
			upd := woocommerce.Webhook{}
			if remote.DeliveryURL != delivery {
				upd.DeliveryURL = delivery
			}
			if remote.Status == woocommerce.WebhookDisabled {
				upd.Status = woocommerce.WebhookActive
				w.Reactivated++
				_ = s.store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: "webhook_reactivated",
					Args: map[string]string{"topic": topic}})
			}
			if upd != (woocommerce.Webhook{}) {
				got, err := wc.UpdateWebhook(ctx, id, upd)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				remote = got
			}
			status = worst(status, remote.Status)
		}
	}
	w.URL, w.Status = "", status
	if len(w.RemoteIDs) > 0 {
		w.URL = delivery
	}
	if err := s.store.SaveWebhook(ctx, sh.ID, w); err != nil {
		return err
	}
	if err := errors.Join(errs...); err != nil {
		_ = s.store.AddEvent(ctx, store.Event{Level: store.Error, Shop: sh.Name, Code: "webhook_register_failed", Detail: err.Error()})
		return fmt.Errorf("register webhooks of %s: %w", sh.Name, err)
	}
	return nil
}

// pingArrived reports whether the creation ping of the shop's webhook id
// reached the webhook server (of any Orderbrug process on this data
// directory) since the registration started: the server logs each ping as
// a webhook_ping event with the webhook's id.
func (s *Service) pingArrived(ctx context.Context, sh store.Shop, id int64, since time.Time) bool {
	evs, err := s.store.Events(ctx, store.EventFilter{Shop: sh.Name, Limit: 50})
	if err != nil {
		return true // cannot tell: say nothing
	}
	for _, e := range evs {
		if e.Code == "webhook_ping" && e.Args["id"] == strconv.FormatInt(id, 10) && !e.At.Before(since) {
			return true
		}
	}
	return false
}

// worst keeps the status that needs attention most.
func worst(a, b string) string {
	rank := map[string]int{"": 0, woocommerce.WebhookActive: 1, woocommerce.WebhookPaused: 2, woocommerce.WebhookDisabled: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// syncWebhooks registers every enabled shop's webhooks at publicURL (after
// the tunnel came up or its URL changed, and after each poll to catch a
// webhook WooCommerce disabled).
func (s *Service) syncWebhooks(ctx context.Context, publicURL string) {
	shops, err := s.store.Shops(ctx)
	if err != nil {
		return
	}
	for _, sh := range shops {
		if !sh.Webhook.Enabled || publicURL == "" {
			continue
		}
		if err := s.registerWebhooks(ctx, sh, publicURL); err != nil {
			s.log.Warn("webhook registration", "shop", sh.Name, "err", err)
		}
	}
	s.notify()
}

// checkWebhooks re-checks a shop's registered webhooks after a successful
// poll while the tunnel has a public URL: WooCommerce disables a webhook by
// itself after failed deliveries, and nothing but a registration sets it
// active again, even when the tunnel's URL did not change.
func (s *Service) checkWebhooks(ctx context.Context, sh store.Shop) {
	if sh.Source != order.WooCommerce || (!sh.Webhook.Enabled && len(sh.Webhook.RemoteIDs) == 0) {
		return
	}
	url, _ := s.publicURL(ctx)
	if url == "" || !sh.Webhook.Enabled {
		// Nowhere to deliver (or switched off while the tunnel was down):
		// read the shop's state for `webhook status`, change nothing.
		if err := s.readWebhooks(ctx, sh); err != nil {
			s.log.Warn("webhook check after poll", "shop", sh.Name, "err", err)
		}
		return
	}
	if err := s.registerWebhooks(ctx, sh, url); err != nil {
		s.log.Warn("webhook check after poll", "shop", sh.Name, "err", err)
	}
}

// readWebhooks records the shop's real state of its registered webhooks
// (status; one deleted in the shop is no longer registered) without
// changing anything in the shop.
func (s *Service) readWebhooks(ctx context.Context, sh store.Shop) error {
	if len(sh.Webhook.RemoteIDs) == 0 {
		return nil
	}
	s.registering.Lock()
	defer s.registering.Unlock()
	cur, err := s.store.ShopByID(ctx, sh.ID)
	if err != nil {
		return err
	}
	src, err := s.sourceFor(cur)
	if err != nil {
		return err
	}
	wc, ok := src.(*woocommerce.Client)
	if !ok {
		return nil
	}
	list, err := wc.ListWebhooks(ctx)
	if err != nil {
		return fmt.Errorf("webhooks of %s: %w", sh.Name, err)
	}
	byID := map[int64]woocommerce.Webhook{}
	for _, w := range list {
		byID[w.ID] = w
	}
	w := cur.Webhook
	status, gone := "", false
	for topic, id := range w.RemoteIDs {
		remote, ok := byID[id]
		if !ok {
			delete(w.RemoteIDs, topic)
			gone = true
			continue
		}
		status = worst(status, remote.Status)
	}
	if status == w.Status && !gone {
		return nil
	}
	if status == woocommerce.WebhookDisabled && w.Status != woocommerce.WebhookDisabled {
		_ = s.store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: "webhook_disabled_seen"})
	}
	w.Status = status
	if len(w.RemoteIDs) == 0 {
		w.URL = ""
	}
	if err := s.store.SaveWebhook(ctx, sh.ID, w); err != nil {
		return err
	}
	s.notify()
	return nil
}
