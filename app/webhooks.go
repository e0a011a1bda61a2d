package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/store"
)

// WebhookTopics are the WooCommerce topics a person can switch per shop.
var WebhookTopics = []string{"order.created", "order.updated", "order.deleted", "order.restored"}

// WebhookInfo is a shop's real-time set-up as views show it.
type WebhookInfo struct {
	Enabled bool     `json:"enabled"`
	Topics  []string `json:"topics"`
	// Path is the delivery path on the webhook server; URL the full public
	// address when the tunnel is up ("" otherwise).
	Path string `json:"path"`
	URL  string `json:"url,omitempty"`
	// Secret is what to paste into WooCommerce for a manual set-up.
	Secret string `json:"secret"`
	// Status is WooCommerce's status of the registered webhook (active,
	// disabled, ...), "" when not registered.
	Status      string `json:"status,omitempty"`
	Reactivated int    `json:"reactivated,omitempty"`
	// Rejected counts the requests refused in the last 7 days (bad
	// signature, unknown shop, ...): the event log says why.
	Rejected int `json:"rejected"`
}

// TunnelStatus is the ngrok tunnel's live state.
type TunnelStatus struct {
	// State: off (no authtoken), connecting, online, offline, error.
	State string    `json:"state"`
	URL   string    `json:"url,omitempty"`
	Error string    `json:"error,omitempty"`
	Since time.Time `json:"since,omitempty"`
	// Local is the address of the local webhook server.
	Local string `json:"local,omitempty"`
	// LastDelivery is when the last webhook delivery was stored.
	LastDelivery time.Time `json:"last_delivery,omitempty"`
}

// TunnelSettings are the ngrok settings. The authtoken is never shown again.
type TunnelSettings struct {
	Authtoken string `json:"authtoken,omitempty"`
	Domain    string `json:"domain,omitempty"`
	Enabled   bool   `json:"enabled"`
	// Listen is the local webhook server's address (127.0.0.1:port), chosen
	// once and kept.
	Listen string `json:"listen,omitempty"`
}

const keyTunnel = "tunnel"

func (s *Service) webhookInfo(sh store.Shop) WebhookInfo {
	w := WebhookInfo{Enabled: sh.Webhook.Enabled, Topics: sh.Webhook.Topics, Path: webhookPath(sh),
		Secret: s.webhookSecret(sh), Status: sh.Webhook.Status, Reactivated: sh.Webhook.Reactivated}
	if n, err := s.store.CountRejections(context.Background(), sh.Slug, s.clock.Now().AddDate(0, 0, -7)); err == nil {
		w.Rejected = n
	}
	if u := s.TunnelStatus().URL; u != "" {
		w.URL = strings.TrimRight(u, "/") + w.Path
	}
	return w
}

// webhookPath is where a shop delivers: by its slug, which a rename does not
// change (a shop from before slugs has its name as slug: its URL stays).
func webhookPath(sh store.Shop) string {
	return "/hooks/" + string(sh.Source) + "/" + url.PathEscape(sh.Slug)
}

// webhookSecret is the secret deliveries are signed with, generated for
// the shop when it is added. The original service asked people to reuse the
// REST consumer secret here; Orderbrug does not: a webhook's secret is shown
// to every WooCommerce admin in the webhook settings and pasted by hand, and
// the API secret should be in neither place.
func (s *Service) webhookSecret(sh store.Shop) string {
	return sh.Webhook.Secret
}

func newSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SetWebhookTopics chooses which events a shop's webhook acts on.
func (s *Service) SetWebhookTopics(ctx context.Context, shop string, topics []string) error {
	sh, err := s.shop(ctx, shop)
	if err != nil {
		return err
	}
	for _, t := range topics {
		if !validTopic(t) {
			return invalid("topic", errors.New("unknown topic "+t))
		}
	}
	sh.Webhook.Topics = topics
	if err := s.store.SaveWebhook(ctx, sh.ID, sh.Webhook); err != nil {
		return err
	}
	s.notify()
	return nil
}

func validTopic(t string) bool {
	for _, x := range WebhookTopics {
		if x == t {
			return true
		}
	}
	return false
}

// TunnelSettings returns the tunnel settings without the authtoken (HasToken
// tells whether one is set).
func (s *Service) TunnelSettings(ctx context.Context) (TunnelSettings, bool, error) {
	var ts TunnelSettings
	if err := s.store.GetSetting(ctx, keyTunnel, &ts); err != nil && !errors.Is(err, store.ErrNotFound) {
		return ts, false, err
	}
	has := ts.Authtoken != ""
	ts.Authtoken = ""
	return ts, has, nil
}

func (s *Service) tunnelSettings(ctx context.Context) (TunnelSettings, error) {
	var ts TunnelSettings
	if err := s.store.GetSetting(ctx, keyTunnel, &ts); err != nil && !errors.Is(err, store.ErrNotFound) {
		return ts, err
	}
	return ts, nil
}

// SetTunnel saves the ngrok authtoken (empty keeps the stored one) and the
// optional static domain, and turns the tunnel on.
func (s *Service) SetTunnel(ctx context.Context, authtoken, domain string) error {
	ts, err := s.tunnelSettings(ctx)
	if err != nil {
		return err
	}
	authtoken = strings.TrimSpace(authtoken)
	if authtoken != "" {
		ts.Authtoken = authtoken
	}
	if ts.Authtoken == "" {
		return required("authtoken")
	}
	domain = strings.TrimSpace(domain)
	domain = strings.TrimPrefix(strings.TrimPrefix(domain, "https://"), "http://")
	if strings.ContainsAny(domain, "/ ") {
		return invalid("domain", errors.New("a host name such as example.ngrok-free.app"))
	}
	ts.Domain, ts.Enabled = domain, true
	if err := s.store.SetSetting(ctx, keyTunnel, ts); err != nil {
		return err
	}
	_ = s.store.AddEvent(ctx, store.Event{Code: "tunnel_set"})
	s.notify()
	return s.RestartTunnel(ctx)
}

// TunnelStatus is the tunnel's live state.
func (s *Service) TunnelStatus() TunnelStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tunnel
}

// SetTunnelEnabled turns the tunnel on or off, keeping the authtoken.
func (s *Service) SetTunnelEnabled(ctx context.Context, on bool) error {
	ts, err := s.tunnelSettings(ctx)
	if err != nil {
		return err
	}
	if on && ts.Authtoken == "" {
		return required("authtoken")
	}
	ts.Enabled = on
	if err := s.store.SetSetting(ctx, keyTunnel, ts); err != nil {
		return err
	}
	s.notify()
	return s.RestartTunnel(ctx)
}
