package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/store"
)

// connectPath is where WooCommerce posts the keys of the connect flow.
const connectPath = "/wc-auth/callback/"

// pendingConnect is a "Koppel met WooCommerce" in progress: the shop's
// /wc-auth/v1/authorize page was opened with a callback to the tunnel.
type pendingConnect struct {
	in      ShopInput
	expires time.Time
	used    bool
	done    chan error
}

// ConnectURL starts "Koppel met WooCommerce" for a new shop: it returns the
// shop's authorize page to open in the browser. After the owner approves,
// WooCommerce posts a key pair to the tunnel and the shop is added with it;
// WaitConnect tells when. It needs the tunnel online, since WooCommerce
// accepts only an HTTPS callback it can reach. Without a tunnel, keys are
// pasted by hand (AddShop).
func (s *Service) ConnectURL(ctx context.Context, in ShopInput) (string, string, error) {
	st := s.TunnelStatus()
	if st.State != "online" || st.URL == "" {
		return "", "", &Error{Code: CodeTunnelNeeded, Err: errors.New("connecting needs the tunnel online")}
	}
	// Check everything AddShop will check now, before the owner approves
	// in the shop: the keys are the only thing still to come.
	probe := in
	probe.Key, probe.Secret = "pending", "pending"
	if _, err := s.shopInput(probe, true); err != nil {
		return "", "", err
	}
	base, err := NormalizeShopURL(in.URL)
	if err != nil {
		return "", "", err
	}
	in.URL = base
	if _, err := s.store.ShopByName(ctx, strings.TrimSpace(in.Name)); err == nil {
		return "", "", &Error{Code: CodeShopExists, Field: "name", Err: store.ErrShopExists}
	}
	nonce := newSecret()
	s.mu.Lock()
	if s.connects == nil {
		s.connects = map[string]*pendingConnect{}
	}
	for k, p := range s.connects {
		if s.clock.Now().After(p.expires) {
			delete(s.connects, k)
		}
	}
	s.connects[nonce] = &pendingConnect{in: in, expires: s.clock.Now().Add(30 * time.Minute), done: make(chan error, 1)}
	s.mu.Unlock()
	q := url.Values{}
	q.Set("app_name", "Orderbrug")
	q.Set("scope", "read_write")
	q.Set("user_id", nonce)
	q.Set("return_url", base+"/wp-admin/admin.php?page=wc-settings&tab=advanced&section=keys")
	q.Set("callback_url", strings.TrimRight(st.URL, "/")+connectPath+nonce)
	return base + "/wc-auth/v1/authorize?" + q.Encode(), nonce, nil
}

// WaitConnect waits until the connect flow with this id has stored the keys
// (nil), failed, or ctx ends.
func (s *Service) WaitConnect(ctx context.Context, id string) error {
	s.mu.Lock()
	p := s.connects[id]
	s.mu.Unlock()
	if p == nil {
		return &Error{Code: CodeNotAllowed, Err: errors.New("no such connect in progress")}
	}
	select {
	case err := <-p.done:
		s.mu.Lock()
		delete(s.connects, id)
		s.mu.Unlock()
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CancelConnect withdraws a connect in progress: keys WooCommerce posts for
// it later are refused, and WaitConnect returns an error.
func (s *Service) CancelConnect(id string) {
	s.mu.Lock()
	p := s.connects[id]
	if p != nil && !p.used {
		p.used = true
		p.done <- &Error{Code: CodeNotAllowed, Err: errors.New("connect cancelled")}
	}
	s.mu.Unlock()
}

// wcAuthKeys is what WooCommerce posts to the callback URL.
type wcAuthKeys struct {
	KeyID          json.Number `json:"key_id"`
	UserID         string      `json:"user_id"`
	ConsumerKey    string      `json:"consumer_key"`
	ConsumerSecret string      `json:"consumer_secret"`
	KeyPermissions string      `json:"key_permissions"`
}

// connectHandler receives the keys. WooCommerce treats anything but a 200 as
// a failed connection and shows the owner an error.
func (s *Service) connectHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	nonce := strings.TrimPrefix(r.URL.Path, connectPath)
	s.mu.Lock()
	p := s.connects[nonce]
	fresh := p != nil && !p.used && !s.clock.Now().After(p.expires)
	if fresh {
		p.used = true // a key pair is taken once
	}
	s.mu.Unlock()
	if !fresh {
		http.Error(w, "unknown or expired connect request", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	var keys wcAuthKeys
	if err == nil {
		err = json.Unmarshal(body, &keys)
	}
	if err == nil && (keys.UserID != nonce || keys.ConsumerKey == "" || keys.ConsumerSecret == "") {
		err = errors.New("the keys are incomplete")
	}
	if err == nil && keys.KeyPermissions != "read_write" {
		err = fmt.Errorf("the keys have permission %q, not read_write", keys.KeyPermissions)
	}
	if err != nil {
		p.done <- &Error{Code: CodeBadResponse, Err: err}
		http.Error(w, "bad keys: "+err.Error(), http.StatusBadRequest)
		return
	}
	in := p.in
	in.Key, in.Secret = keys.ConsumerKey, keys.ConsumerSecret
	if in.Source == "" {
		in.Source = defaultKind
	}
	_, err = s.addShop(r.Context(), in, false)
	p.done <- err
	if err != nil {
		http.Error(w, "could not store the keys", http.StatusInternalServerError)
		return
	}
	_ = s.store.AddEvent(r.Context(), store.Event{Shop: in.Name, Code: "shop_connected"})
	w.WriteHeader(http.StatusOK)
}

// httpHandler is everything the webhook server answers: deliveries, and the
// connect flow's callback.
func (s *Service) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(connectPath, s.connectHandler)
	mux.Handle("/", s.WebhookHandler())
	return mux
}
