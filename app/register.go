package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// SetWebhook turns a shop's webhooks on or off. On: a secret is generated
// where Orderbrug chooses it (WooCommerce never returns one, so Orderbrug
// keeps its own; a kind with OwnerHookKey signs with the owner's key, see
// SetWebhookKey) and, when the tunnel is up, the webhooks are registered in
// the shop (HookRegistrar). Off: they are deleted from the shop.
func (s *Service) SetWebhook(ctx context.Context, shop string, on bool) error {
	sh, k, err := s.shopOfKind(ctx, shop)
	if err != nil {
		return err
	}
	sh.Webhook.Enabled = on
	if on && sh.Webhook.Secret == "" && !k.OwnerHookKey {
		sh.Webhook.Secret = newSecret()
	}
	if len(sh.Webhook.Topics) == 0 {
		sh.Webhook.Topics = defaultTopics(k)
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
		code := "webhook_not_registered"
		if src, err := s.sourceFor(sh); err == nil {
			if _, registers := src.(source.HookRegistrar); !registers {
				// Nothing is ever registered in a till: it cannot reach
				// Orderbrug yet.
				code = "webhook_no_public_url"
			}
		}
		_ = s.store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: code,
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

// registerWebhooks makes the shop's registered webhooks match the settings
// through its kind's HookRegistrar (a kind without one registers nothing):
// one per enabled topic, delivering to publicURL + the shop's path, active;
// with webhooks off, the ones Orderbrug made are removed. A webhook the
// shop disabled (after failed deliveries, e.g. while the laptop slept) is
// set active again, but only with a public URL. The catch-up poll fills
// the gap of what it did not deliver.
func (s *Service) registerWebhooks(ctx context.Context, sh store.Shop, publicURL string) error {
	src, err := s.sourceFor(sh)
	if err != nil {
		return err
	}
	reg, ok := src.(source.HookRegistrar)
	if !ok {
		return nil
	}
	// A poll and a new tunnel URL may both register at once: one at a
	// time, each with the shop as stored, or both would create webhooks.
	s.registering.Lock()
	defer s.registering.Unlock()
	if cur, err := s.store.ShopByID(ctx, sh.ID); err == nil {
		sh.Webhook = cur.Webhook
	}
	delivery := strings.TrimRight(publicURL, "/") + webhookPath(sh)
	reactivated := map[string]bool{}
	logReactivated := func(topic string) {
		reactivated[topic] = true
		_ = s.store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: "webhook_reactivated",
			Args: map[string]string{"topic": topic}})
	}
	setup := source.HookSetup{Secret: s.webhookSecret(sh), Topics: sh.Webhook.Topics, Known: sh.Webhook.RemoteIDs,
		Reactivating: logReactivated}
	if sh.Webhook.Enabled && publicURL != "" {
		setup.URL = delivery
	}
	started := s.clock.Now().Add(-time.Second)
	st, regErr := reg.RegisterHooks(ctx, setup)
	if st.IDs == nil && regErr != nil {
		// Nothing was read from the shop, nothing done.
		return fmt.Errorf("webhooks of %s: %w", sh.Name, regErr)
	}
	w := sh.Webhook
	w.RemoteIDs = st.IDs
	w.Reactivated += st.Reactivated
	w.Manual = st.Manual
	for _, topic := range st.ReactivatedTopics {
		if !reactivated[topic] { // a registrar that does not call Reactivating
			logReactivated(topic)
		}
	}
	for _, topic := range st.Created {
		if !s.pingArrived(ctx, sh, st.IDs[topic], started) {
			// The shop pings a new webhook before it answers; no ping
			// here means the shop cannot reach the URL (a proxy that does
			// not forward, a URL WordPress refuses). It is registered all
			// the same: the owner may fix the proxy later.
			_ = s.store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: "webhook_unreachable",
				Args: map[string]string{"topic": topic, "url": delivery}})
		}
	}
	w.URL, w.Status = "", st.Status
	if len(w.RemoteIDs) > 0 {
		w.URL = delivery
	}
	if err := s.store.SaveWebhook(ctx, sh.ID, w); err != nil {
		return err
	}
	if regErr != nil {
		_ = s.store.AddEvent(ctx, store.Event{Level: store.Error, Shop: sh.Name, Code: "webhook_register_failed", Detail: regErr.Error()})
		return fmt.Errorf("register webhooks of %s: %w", sh.Name, regErr)
	}
	return nil
}

// pingArrived reports whether the creation ping of the shop's webhook id
// reached the webhook server (of any Orderbrug process on this data
// directory) since the registration started: the server logs each ping as
// a webhook_ping event with the webhook's id.
func (s *Service) pingArrived(ctx context.Context, sh store.Shop, id string, since time.Time) bool {
	evs, err := s.store.Events(ctx, store.EventFilter{Shop: sh.Name, Limit: 50})
	if err != nil {
		return true // cannot tell: say nothing
	}
	for _, e := range evs {
		if e.Code == "webhook_ping" && e.Args["id"] == id && !e.At.Before(since) {
			return true
		}
	}
	return false
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
	if !sh.Webhook.Enabled && len(sh.Webhook.RemoteIDs) == 0 {
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
	rd, ok := src.(source.HookReader)
	if !ok {
		return nil
	}
	w := cur.Webhook
	st, err := rd.ReadHooks(ctx, w.RemoteIDs)
	if err != nil {
		return fmt.Errorf("webhooks of %s: %w", sh.Name, err)
	}
	gone := len(st.IDs) < len(w.RemoteIDs)
	if st.Status == w.Status && !gone {
		return nil
	}
	if st.Status == webhookDisabled && w.Status != webhookDisabled {
		_ = s.store.AddEvent(ctx, store.Event{Level: store.Warn, Shop: sh.Name, Code: "webhook_disabled_seen"})
	}
	w.RemoteIDs, w.Status = st.IDs, st.Status
	if len(w.RemoteIDs) == 0 {
		w.URL = ""
	}
	if err := s.store.SaveWebhook(ctx, sh.ID, w); err != nil {
		return err
	}
	s.notify()
	return nil
}

// webhookDisabled is the status of a webhook the shop stopped delivering
// (HookState.Status).
const webhookDisabled = "disabled"
