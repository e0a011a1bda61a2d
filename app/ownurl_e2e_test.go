package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// ownURLWorld is the owner's own reverse proxy on the shop's server: the
// shop (WordPress with WooCommerce) at http://127.0.0.1:P, and on the same
// host and port a proxy that forwards /orderbrug/ and /ob2/ to Orderbrug's
// fixed local address. The shop is as strict as WordPress
// (wp_http_validate_url): it delivers to a loopback address only on its
// own host and port (or 80, 443, 8080), and is given no filter to allow
// anything else. proxyDown makes the proxy answer 502 (the laptop asleep).
type ownURLWorld struct {
	*world
	listen    string
	proxyDown atomic.Bool
}

func newOwnURLWorld(t *testing.T) *ownURLWorld {
	t.Helper()
	ow := &ownURLWorld{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ow.listen = ln.Addr().String()
	ln.Close()
	target, _ := url.Parse("http://" + ow.listen)
	proxy := httputil.NewSingleHostReverseProxy(target)
	w := &world{t: t, emu: wcemu.New(testKey, testSecret), dir: t.TempDir(), shop: "Koffiebar"}
	mux := http.NewServeMux()
	for _, prefix := range []string{"/orderbrug", "/ob2"} {
		mux.Handle(prefix+"/", http.StripPrefix(prefix, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if ow.proxyDown.Load() {
				http.Error(rw, "502 Bad Gateway", http.StatusBadGateway)
				return
			}
			proxy.ServeHTTP(rw, r)
		})))
	}
	mux.Handle("/", w.emu)
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	w.emu.SetURL(w.srv.URL)
	svc, err := app.Open(context.Background(), app.Options{DataDir: filepath.Join(w.dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	t.Cleanup(func() { svc.Close() })
	w.ubl = filepath.Join(w.dir, "facturen")
	ctx := context.Background()
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: w.shop, URL: w.srv.URL, Key: testKey, Secret: testSecret,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSeller(ctx, testSeller()); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, w.ubl); err != nil {
		t.Fatal(err)
	}
	ow.world = w
	return ow
}

func (ow *ownURLWorld) info() app.WebhookInfo {
	ow.t.Helper()
	si, err := ow.svc.Shop(context.Background(), ow.shop)
	if err != nil {
		ow.t.Fatal(err)
	}
	return si.Webhook
}

func (ow *ownURLWorld) events(code string) []store.Event {
	ow.t.Helper()
	evs, err := ow.svc.Store().Events(context.Background(), store.EventFilter{Limit: 500})
	if err != nil {
		ow.t.Fatal(err)
	}
	var out []store.Event
	for _, e := range evs {
		if e.Code == code {
			out = append(out, e)
		}
	}
	return out
}

// cliStatus runs `orderbrug webhook status --json` on the world's data
// directory, as a second process would.
func (ow *ownURLWorld) cliStatus() map[string]map[string]any {
	ow.t.Helper()
	var out, errOut bytes.Buffer
	cli := &app.CLI{Stdout: &out, Stderr: &errOut}
	if code := cli.Run(context.Background(), []string{"--data-dir", filepath.Join(ow.dir, "data"), "webhook", "status", "--json"}); code != 0 || errOut.Len() > 0 {
		ow.t.Fatalf("webhook status: %d %s", code, errOut.String())
	}
	var status map[string]map[string]any
	if err := json.Unmarshal(out.Bytes(), &status); err != nil {
		ow.t.Fatalf("%v: %s", err, out.String())
	}
	return status
}

// TestOwnURLEndToEnd: with the owner's own public URL instead of ngrok,
// Orderbrug registers its webhooks (the shop's creation ping reaches it
// through the proxy and gets its 200), an order delivered through the
// proxy is booked, a URL change moves the registrations, a webhook the shop
// disabled after failed deliveries (proxy down) is set active again by the
// next poll with an event, and `webhook status --json` tells all of it.
func TestOwnURLEndToEnd(t *testing.T) {
	ow := newOwnURLWorld(t)
	ctx := context.Background()
	public := ow.srv.URL + "/orderbrug"
	if err := ow.svc.SetOwnURL(ctx, public, ow.listen); err != nil {
		t.Fatal(err)
	}
	ow.startEmpty()
	if err := ow.svc.StartWebhooks(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if st := ow.svc.TunnelStatus(); st.Local != ow.listen {
		t.Fatalf("webhook server on %s, the proxy forwards to %s", st.Local, ow.listen)
	}
	waitFor(t, 5*time.Second, "the own URL online", func() bool {
		st := ow.svc.TunnelStatus()
		return st.State == "online" && st.URL == public && st.Mode == app.TunnelOwn
	})
	if got := ow.info(); got.Registration != app.NotRegistered || got.Reason != "webhooks_off" {
		t.Errorf("before webhook on: %+v", got)
	}
	if err := ow.svc.SetWebhook(ctx, ow.shop, true); err != nil {
		t.Fatal(err)
	}
	path := "/hooks/woocommerce/" + ow.slug()
	hooks := ow.hooksByTopic()
	if len(hooks) != 2 {
		t.Fatalf("registered %d webhooks, want order.created and order.updated: %+v", len(hooks), hooks)
	}
	for topic, h := range hooks {
		if h.DeliveryURL != public+path || h.Status != "active" {
			t.Errorf("%s: %s %s", topic, h.DeliveryURL, h.Status)
		}
	}
	pings := ow.emu.Pings()
	if len(pings) != 2 {
		t.Fatalf("pings %+v", pings)
	}
	for _, p := range pings {
		if p.Err != nil || p.Code != http.StatusOK {
			t.Errorf("the creation ping did not get its 200 through the own URL: %+v", p)
		}
	}
	waitFor(t, 2*time.Second, "the pings in the log", func() bool { return len(ow.events("webhook_ping")) == 2 })
	if evs := ow.events("webhook_unreachable"); len(evs) != 0 {
		t.Errorf("the pings arrived, yet %+v", evs)
	}
	info := ow.info()
	if info.Registration != app.Registered || info.URL != public+path || info.LastDelivery != nil || info.Paths["orders"] != path || info.Path != path {
		t.Errorf("after registration: %+v", info)
	}

	id, number := ow.placeForwarded(1)
	ow.deliverAndWaitBooked(id, number)
	if info := ow.info(); info.LastDelivery == nil || time.Since(*info.LastDelivery) > time.Minute {
		t.Errorf("last delivery %v", info.LastDelivery)
	}

	// The owner moves the proxy to another path: the registrations follow.
	public = ow.srv.URL + "/ob2"
	if err := ow.svc.SetOwnURL(ctx, public, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the registrations moved", func() bool {
		for _, h := range ow.hooksByTopic() {
			if h.DeliveryURL != public+path {
				return false
			}
		}
		return ow.svc.TunnelStatus().URL == public
	})
	if n := len(ow.hooksByTopic()); n != 2 {
		t.Errorf("%d webhooks after the URL change", n)
	}

	// The laptop sleeps: the proxy answers 502 and WooCommerce disables
	// the webhook after its failures.
	ow.proxyDown.Store(true)
	h := ow.hooksByTopic()["order.updated"]
	for i := 0; i < 7; i++ {
		if code, err := ow.emu.Deliver(ctx, h.ID, id); err != nil || code != http.StatusBadGateway {
			t.Fatalf("delivery %d while asleep: %d %v", i, code, err)
		}
	}
	if st := ow.hooksByTopic()["order.updated"].Status; st != "disabled" {
		t.Fatalf("after 7 failures the shop has it %s", st)
	}
	// webhook status asks the shop: its real state, before any poll.
	if s := ow.cliStatus()[ow.shop]; s["registration"] != "disabled" || s["status"] != "disabled" {
		t.Errorf("webhook status while the shop has it disabled: %v", s)
	}
	if evs := ow.events("webhook_disabled_seen"); len(evs) != 1 {
		t.Errorf("disabled seen: %+v", evs)
	}
	ow.proxyDown.Store(false)
	// The next poll reads the registrations and sets it active again.
	if _, err := ow.svc.Sync(ctx, ow.shop, nil); err != nil {
		t.Fatal(err)
	}
	if st := ow.hooksByTopic()["order.updated"].Status; st != "active" {
		t.Fatalf("after the poll the shop has it %s", st)
	}
	evs := ow.events("webhook_reactivated")
	if len(evs) != 1 || evs[0].Args["topic"] != "order.updated" || evs[0].Level != store.Warn {
		t.Errorf("re-activation events %+v", evs)
	}
	if info := ow.info(); info.Registration != app.Registered || info.Reactivated != 1 {
		t.Errorf("after re-activation: %+v", info)
	}
	id2, number2 := ow.placeForwarded(2)
	ow.deliverAndWaitBooked(id2, number2)

	// webhook status --json from another process's point of view (the CLI
	// opens the same data directory).
	status := ow.cliStatus()
	out, _ := json.Marshal(status)
	s := status[ow.shop]
	if s["registration"] != "registered" || s["last_delivery"] == nil || s["path"] != path || s["url"] != public+path {
		t.Errorf("webhook status --json: %s", out)
	}
	if paths, _ := s["paths"].(map[string]any); paths["orders"] != path {
		t.Errorf("paths: %v", s["paths"])
	}
	if _, ok := s["secret"]; ok || strings.Contains(string(out), info.Secret) {
		t.Errorf("webhook status --json prints the secret: %s", out)
	}
}

// TestOwnURLStraightToListenerIsRefused: a public URL that is the listener
// itself on the shop's host but another port is what WordPress refuses:
// the shop creates the webhook, but its ping and deliveries never leave
// (so a test on a random loopback port proves nothing unless the shop is
// told to allow it).
func TestOwnURLStraightToListenerIsRefused(t *testing.T) {
	ow := newOwnURLWorld(t)
	ctx := context.Background()
	if err := ow.svc.SetOwnURL(ctx, "http://"+ow.listen, ow.listen); err != nil {
		t.Fatal(err)
	}
	if err := ow.svc.StartWebhooks(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if err := ow.svc.SetWebhook(ctx, ow.shop, true); err != nil {
		t.Fatal(err)
	}
	pings := ow.emu.Pings()
	if len(pings) != 2 {
		t.Fatalf("pings %+v", pings)
	}
	for _, p := range pings {
		if p.Err == nil || !strings.Contains(p.Err.Error(), "A valid URL was not provided.") {
			t.Errorf("ping to %s: %+v", p.URL, p)
		}
	}
	if n := len(ow.events("webhook_ping")); n != 0 {
		t.Errorf("%d pings arrived", n)
	}
	// Orderbrug noticed: registered, but the shop cannot reach it.
	if evs := ow.events("webhook_unreachable"); len(evs) != 2 || evs[0].Level != store.Warn {
		t.Errorf("unreachable events %+v", evs)
	}
}

// TestWebhookOnWithoutPublicURL: `webhook on` with neither ngrok nor an
// own URL registers nothing and says so, and why.
func TestWebhookOnWithoutPublicURL(t *testing.T) {
	w := newWorld(t)
	var out, errOut bytes.Buffer
	cli := &app.CLI{Stdout: &out, Stderr: &errOut}
	dir := filepath.Join(w.dir, "data")
	w.svc.Close()
	if code := cli.Run(context.Background(), []string{"--data-dir", dir, "webhook", "on"}); code != 0 {
		t.Fatalf("webhook on: %d %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "nothing was registered in the shop: there is no public URL") {
		t.Errorf("webhook on said: %q", out.String())
	}
	if len(w.emu.Webhooks()) != 0 {
		t.Errorf("registered %v", w.emu.Webhooks())
	}
	out.Reset()
	if code := cli.Run(context.Background(), []string{"--data-dir", dir, "webhook", "status", "--json"}); code != 0 {
		t.Fatal(errOut.String())
	}
	var status map[string]map[string]any
	if err := json.Unmarshal(out.Bytes(), &status); err != nil {
		t.Fatal(err)
	}
	if s := status[w.shop]; s["registration"] != "not_registered" || s["reason"] != "no_public_url" || s["last_delivery"] != nil {
		t.Errorf("status %v", s)
	}
}
