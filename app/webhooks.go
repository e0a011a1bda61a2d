package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// WebhookInfo is a shop's real-time set-up as views show it.
type WebhookInfo struct {
	Enabled bool     `json:"enabled"`
	Topics  []string `json:"topics"`
	// Path is the delivery path of the shop's one route (its root); Paths
	// every route of its kind by name (the root as "orders"; a kind without
	// a root route, the till, has only its named ones: "open", "update",
	// "close"); Path is then "": nothing is delivered there.
	Path  string            `json:"path,omitempty"`
	Paths map[string]string `json:"paths"`
	// Routes are the names of Paths in the kind's order (the till's open,
	// update, close), for lists.
	Routes []string `json:"-"`
	// URLs are Paths as full public addresses, when there is a public URL,
	// for a kind without a root route (URL is its root's).
	URLs map[string]string `json:"urls,omitempty"`
	// Header is the request header the shop sends the secret in, for a
	// kind with one (the till: X-Orderbrug-Key); never its value.
	Header string `json:"header,omitempty"`
	// Manual: the shop's key does not let Orderbrug register the webhook:
	// paste URL in the shop's dashboard yourself.
	Manual bool `json:"manual"`
	// URL is the full public address of Path when there is a public URL
	// ("" otherwise, and for a kind without a root route: see URLs).
	URL string `json:"url,omitempty"`
	// Secret is what to paste into WooCommerce for a manual set-up. Never in
	// JSON: only `orderbrug webhook secret --shop N` prints it.
	Secret string `json:"-"`
	// Root: the kind has a route at Path itself (WooCommerce, Plug&Pay);
	// the till has only its named routes.
	Root bool `json:"-"`
	// Status is WooCommerce's status of the registered webhook (active,
	// disabled, ...), "" when not registered.
	Status string `json:"status,omitempty"`
	// Registration is the shop's real state as the last registration or
	// poll read it: registered, disabled or not_registered.
	Registration string `json:"registration"`
	// Reason says why nothing is registered (a code: no_public_url,
	// tunnel_off, tunnel_not_running, tunnel_connecting, tunnel_error,
	// webhooks_off), "" when registered.
	Reason string `json:"reason,omitempty"`
	// LastDelivery is when the shop's last delivery was stored; null when never.
	LastDelivery *time.Time `json:"last_delivery"`
	Reactivated  int        `json:"reactivated,omitempty"`
	// Rejected counts the requests refused in the last 7 days (bad
	// signature, unknown shop, ...): the event log says why.
	Rejected int `json:"rejected"`
}

// Registration states of WebhookInfo.Registration.
const (
	Registered    = "registered"
	Disabled      = "disabled"
	NotRegistered = "not_registered"
)

// WebhookRegistrations are the values of WebhookInfo.Registration, and
// WebhookReasons those of WebhookInfo.Reason (views translate both).
var (
	WebhookRegistrations = []string{Registered, Disabled, NotRegistered}
	WebhookReasons       = []string{"no_public_url", "tunnel_off", "tunnel_not_running", "tunnel_connecting", "tunnel_error", "webhooks_off"}
)

// TunnelStatus is the tunnel's live state.
type TunnelStatus struct {
	// State: off (no authtoken), connecting, online, offline, error.
	State string `json:"state"`
	// Mode: ngrok or own (the owner's own public URL).
	Mode  string    `json:"mode,omitempty"`
	URL   string    `json:"url,omitempty"`
	Error string    `json:"error,omitempty"`
	Since time.Time `json:"since,omitempty"`
	// Local is the address of the local webhook server.
	Local string `json:"local,omitempty"`
	// LastDelivery is when the last webhook delivery was stored.
	LastDelivery time.Time `json:"last_delivery,omitempty"`
}

// MarshalJSON writes never-happened times as null, not as year 1.
func (t TunnelStatus) MarshalJSON() ([]byte, error) {
	type plain TunnelStatus
	return json.Marshal(struct {
		plain
		Since        *time.Time `json:"since"`
		LastDelivery *time.Time `json:"last_delivery"`
	}{plain(t), timeOrNil(t.Since), timeOrNil(t.LastDelivery)})
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Tunnel modes.
const (
	TunnelNgrok = "ngrok"
	TunnelOwn   = "own"
)

// TunnelSettings are the tunnel settings. The authtoken is never shown again.
type TunnelSettings struct {
	Authtoken string `json:"authtoken,omitempty"`
	Domain    string `json:"domain,omitempty"`
	Enabled   bool   `json:"enabled"`
	// Listen is the local webhook server's address (127.0.0.1:port), chosen
	// once and kept.
	Listen string `json:"listen,omitempty"`
	// Mode is ngrok (default, "") or own: the owner's own public URL (a
	// Cloudflare Tunnel, Tailscale Funnel or reverse proxy) that forwards
	// to OwnListen.
	Mode      string `json:"mode,omitempty"`
	PublicURL string `json:"public_url,omitempty"`
	OwnListen string `json:"own_listen,omitempty"`
}

// own reports whether the owner's own public URL is in use.
func (ts TunnelSettings) own() bool { return ts.Mode == TunnelOwn && ts.PublicURL != "" }

const keyTunnel = "tunnel"

func (s *Service) webhookInfo(sh store.Shop) WebhookInfo {
	ctx := context.Background()
	paths, routes := s.webhookRoutes(sh)
	w := WebhookInfo{Enabled: sh.Webhook.Enabled, Topics: sh.Webhook.Topics, Path: webhookPath(sh),
		Paths: paths, Routes: routes,
		Secret: s.webhookSecret(sh), Status: sh.Webhook.Status, Reactivated: sh.Webhook.Reactivated, Manual: sh.Webhook.Manual}
	_, w.Root = w.Paths["orders"]
	if !w.Root {
		// The kind's root is no route (404): its named routes are its
		// addresses (Paths, URLs).
		w.Path = ""
	}
	if k, ok := s.kinds.Lookup(sh.Source); ok {
		w.Header = k.HookHeader
	}
	if n, err := s.store.CountRejections(ctx, sh.Slug, s.clock.Now().AddDate(0, 0, -7)); err == nil {
		w.Rejected = n
	}
	if u, _ := s.publicURL(ctx); u != "" {
		if w.Root {
			w.URL = strings.TrimRight(u, "/") + w.Path
		} else {
			// URL is not an address of such a kind: its routes' are.
			w.URLs = make(map[string]string, len(w.Paths))
			for name, p := range w.Paths {
				w.URLs[name] = strings.TrimRight(u, "/") + p
			}
		}
	}
	w.Registration = registration(sh.Webhook)
	if w.Registration == NotRegistered {
		w.Reason = "webhooks_off"
		if sh.Webhook.Enabled {
			_, w.Reason = s.publicURL(ctx)
		}
	}
	var ms sql.NullInt64
	if err := s.store.DB().QueryRowContext(ctx, `SELECT received_at FROM inbox WHERE source = ? AND shop = ? ORDER BY id DESC LIMIT 1`,
		string(sh.Source), sh.Slug).Scan(&ms); err == nil && ms.Valid && ms.Int64 > 0 {
		t := time.UnixMilli(ms.Int64).UTC()
		w.LastDelivery = &t
	}
	return w
}

// registration is the shop's state as last read from the shop.
func registration(w store.WebhookConfig) string {
	switch {
	case len(w.RemoteIDs) == 0:
		return NotRegistered
	case w.Status == "disabled" || w.Status == "paused":
		return Disabled
	}
	return Registered
}

// publicURL is where shops deliver: the running tunnel's URL, or the
// owner's own public URL (known without anything running). Without one it
// says why (a WebhookInfo.Reason code).
func (s *Service) publicURL(ctx context.Context) (string, string) {
	st := s.TunnelStatus()
	ts, err := s.tunnelSettings(ctx)
	if err != nil {
		return st.URL, "no_public_url"
	}
	mode := TunnelNgrok
	if ts.own() {
		mode = TunnelOwn
	}
	// The settings are shared by every process on the data directory (a
	// CLI next to `serve`); a running tunnel of the other kind is stale.
	if st.URL != "" && st.Mode == mode && !(ts.own() && ts.Enabled) {
		return st.URL, ""
	}
	switch {
	case ts.own() && ts.Enabled:
		return ts.PublicURL, ""
	case ts.own() || (ts.Authtoken != "" && !ts.Enabled):
		return "", "tunnel_off"
	case ts.Authtoken == "":
		return "", "no_public_url"
	case st.State == "connecting":
		return "", "tunnel_connecting"
	case st.State == "error" || st.State == "offline":
		return "", "tunnel_error"
	}
	return "", "tunnel_not_running"
}

// RefreshWebhooks reads every shop's registered webhooks from the shop
// (status; one deleted there is no longer registered), for a status that
// is the shop's real state now. It changes nothing in the shops.
func (s *Service) RefreshWebhooks(ctx context.Context, shop string) error {
	var shops []store.Shop
	if shop != "" {
		sh, err := s.shop(ctx, shop)
		if err != nil {
			return err
		}
		shops = []store.Shop{sh}
	} else {
		all, err := s.store.Shops(ctx)
		if err != nil {
			return err
		}
		shops = all
	}
	var errs []error
	for _, sh := range shops {
		if err := s.readWebhooks(ctx, sh); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// WebhookSecret returns the secret a shop's deliveries are signed with, for
// a manual set-up in the shop (WooCommerce). Nothing else prints it.
func (s *Service) WebhookSecret(ctx context.Context, shop string) (string, error) {
	_, secret, err := s.WebhookCredential(ctx, shop)
	return secret, err
}

// WebhookCredential is WebhookSecret with the request header it goes in,
// for a kind whose shop sends the secret as a header's value (the till:
// "X-Orderbrug-Key"); header is "" for a kind that signs.
func (s *Service) WebhookCredential(ctx context.Context, shop string) (header, secret string, err error) {
	sh, err := s.shop(ctx, shop)
	if err != nil {
		return "", "", err
	}
	if k, ok := s.kinds.Lookup(sh.Source); ok {
		header = k.HookHeader
	}
	return header, s.webhookSecret(sh), nil
}

// webhookPath is where a shop delivers: by its slug, which a rename does not
// change (a shop from before slugs has its name as slug: its URL stays).
func webhookPath(sh store.Shop) string {
	return "/hooks/" + string(sh.Source) + "/" + url.PathEscape(sh.Slug)
}

// webhookRoutes are the paths of every route of the shop's kind, by route
// name, and the names in the kind's order; the root is "orders", and only
// there for a kind that has a root route (the till has none: its open,
// update and close only).
func (s *Service) webhookRoutes(sh store.Shop) (map[string]string, []string) {
	k, ok := s.kinds.Lookup(sh.Source)
	if !ok || k.Hooks == nil {
		return map[string]string{"orders": webhookPath(sh)}, []string{"orders"}
	}
	paths := map[string]string{}
	var names []string
	for _, rt := range k.Hooks.Routes() {
		name := strings.Trim(rt.Path, "/")
		if name != "" {
			paths[name] = webhookPath(sh) + "/" + name
		} else {
			name = "orders"
			paths[name] = webhookPath(sh)
		}
		if !contains(names, name) {
			names = append(names, name)
		}
	}
	return paths, names
}

// webhookSecret is the secret deliveries are signed with, generated for
// the shop when it is added. The original service asked people to reuse the
// REST consumer secret here; Orderbrug does not: a webhook's secret is shown
// to every WooCommerce admin in the webhook settings and pasted by hand, and
// the API secret should be in neither place.
func (s *Service) webhookSecret(sh store.Shop) string {
	return sh.Webhook.Secret
}

func newSecret() string { return randomSecret(24) }

// headerSecretBytes is how much randomness the secret of a kind with a
// HookHeader has: the header's value is all there is, no signature.
const headerSecretBytes = 32

// randomSecret is n random bytes, URL-safe base64 without padding.
func randomSecret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SetWebhookTopics chooses which events a shop's webhook acts on: topic
// keys of its kind (spaces around them are trimmed, empty ones left out).
// An unknown topic, or a list without a topic the kind requires (the
// till's close: its closed checks are its sales), is CodeInvalid with
// field "topics", naming the topics the kind has.
func (s *Service) SetWebhookTopics(ctx context.Context, shop string, topics []string) error {
	sh, k, err := s.shopOfKind(ctx, shop)
	if err != nil {
		return err
	}
	var clean []string
	for _, t := range topics {
		if t = strings.TrimSpace(t); t != "" && !contains(clean, t) {
			clean = append(clean, t)
		}
	}
	var all []string
	for _, x := range k.Topics {
		all = append(all, x.Key)
	}
	for _, t := range clean {
		if !validTopic(k, t) {
			return invalid(FieldTopics, fmt.Errorf("%s has no topic %q: its topics are %s", k.Name, t, strings.Join(all, ", ")))
		}
	}
	for _, x := range k.Topics {
		if x.Required && !contains(clean, x.Key) {
			return invalid(FieldTopics, fmt.Errorf("topic %s cannot be switched off: without it no sale is booked (%s topics: %s)",
				x.Key, k.Name, strings.Join(all, ", ")))
		}
	}
	sh.Webhook.Topics = clean
	if err := s.store.SaveWebhook(ctx, sh.ID, sh.Webhook); err != nil {
		return err
	}
	s.notify()
	return nil
}

// FieldTopics is the field of an error about a shop's webhook topics.
const FieldTopics = "topics"

func validTopic(k *source.Descriptor, t string) bool {
	for _, x := range k.Topics {
		if x.Key == t {
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
	ts.Domain, ts.Enabled, ts.Mode = domain, true, TunnelNgrok
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
	if on && ts.Authtoken == "" && !ts.own() {
		return required("authtoken")
	}
	ts.Enabled = on
	if err := s.store.SetSetting(ctx, keyTunnel, ts); err != nil {
		return err
	}
	s.notify()
	return s.RestartTunnel(ctx)
}

// SetOwnURL makes the owner's own public URL (a Cloudflare Tunnel,
// Tailscale Funnel or reverse proxy) the way in instead of ngrok: shops
// deliver to publicURL + the shop's path, and the proxy forwards to listen,
// a fixed local address (default: the webhook server's kept address). The
// ngrok authtoken is kept, for switching back with SetTunnel.
func (s *Service) SetOwnURL(ctx context.Context, publicURL, listen string) error {
	ts, err := s.tunnelSettings(ctx)
	if err != nil {
		return err
	}
	publicURL = strings.TrimRight(strings.TrimSpace(publicURL), "/")
	if publicURL == "" {
		return required("public_url")
	}
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return invalid("public_url", errors.New("an address such as https://orderbrug.example.nl"))
	}
	listen = strings.TrimSpace(listen)
	if listen == "" {
		listen = ts.OwnListen
	}
	if listen == "" {
		listen = ts.Listen
	}
	if listen == "" {
		// Fix one now: the proxy needs an address that stays.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return invalid("listen", err)
		}
		listen = ln.Addr().String()
		ln.Close()
	}
	if _, port, err := net.SplitHostPort(listen); err != nil || port == "" || port == "0" {
		return invalid("listen", errors.New("a fixed address such as 127.0.0.1:8787"))
	}
	ts.Mode, ts.PublicURL, ts.OwnListen, ts.Listen, ts.Enabled = TunnelOwn, publicURL, listen, listen, true
	if err := s.store.SetSetting(ctx, keyTunnel, ts); err != nil {
		return err
	}
	_ = s.store.AddEvent(ctx, store.Event{Code: "tunnel_own_url", Args: map[string]string{"url": publicURL, "listen": listen}})
	s.notify()
	if !s.tunnelRunning() {
		// No tunnel runs in this process (the CLI): register at once, the
		// URL is known. The app registers when its tunnel starts.
		s.syncWebhooks(ctx, publicURL)
		return nil
	}
	return s.RestartTunnel(ctx)
}

func (s *Service) tunnelRunning() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tunnelCtx != nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
