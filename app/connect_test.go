package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/tunnel"
)

// TestConnectWithoutCopyingKeys: "Koppel met WooCommerce" opens the shop's
// authorize page with a callback on the tunnel; the keys WooCommerce posts
// there are stored for the new shop, which then syncs.
func TestConnectWithoutCopyingKeys(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	svc, err := app.Open(ctx, app.Options{DataDir: t.TempDir(),
		Tunnel: func(app.TunnelSettings) tunnel.Tunnel { return &tunnel.Local{Addr: "127.0.0.1:0"} }})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, _, err := svc.ConnectURL(ctx, app.ShopInput{Name: "Nieuw", URL: w.srv.URL}); app.CodeOf(err) != app.CodeTunnelNeeded {
		t.Fatalf("without a tunnel: %v", err)
	}
	if err := svc.SetTunnel(ctx, "test-token", ""); err != nil {
		t.Fatal(err)
	}
	if err := svc.StartWebhooks(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for svc.TunnelStatus().State != "online" {
		if time.Now().After(deadline) {
			t.Fatalf("tunnel not online: %+v", svc.TunnelStatus())
		}
		time.Sleep(10 * time.Millisecond)
	}
	page, id, err := svc.ConnectURL(ctx, app.ShopInput{Name: "Nieuw", URL: w.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(page)
	if err != nil || u.Path != "/wc-auth/v1/authorize" || u.Query().Get("scope") != "read_write" || u.Query().Get("app_name") != "Orderbrug" {
		t.Fatalf("authorize page %q", page)
	}
	callback := u.Query().Get("callback_url")
	post := func(target string, body any) int {
		b, _ := json.Marshal(body)
		resp, err := http.Post(target, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	keys := map[string]any{"key_id": 1, "user_id": u.Query().Get("user_id"), "consumer_key": testKey,
		"consumer_secret": testSecret, "key_permissions": "read_write"}
	// A guessed callback address is refused.
	if code := post(callback+"x", keys); code != http.StatusNotFound {
		t.Fatalf("wrong nonce answered %d", code)
	}
	if code := post(callback, keys); code != http.StatusOK {
		t.Fatalf("callback answered %d", code)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := svc.WaitConnect(wctx, id); err != nil {
		t.Fatal(err)
	}
	// The callback is used once.
	if code := post(callback, keys); code != http.StatusNotFound {
		t.Fatalf("second callback answered %d", code)
	}
	// Bad settings are refused before the owner is sent to the shop.
	noLimit := 0
	if _, _, err := svc.ConnectURL(ctx, app.ShopInput{Name: "Later", URL: w.srv.URL, Interval: time.Second}); app.CodeOf(err) != app.CodeInvalid {
		t.Fatalf("an interval of 1 s: %v", err)
	}
	// A cancelled connect refuses the keys that come after.
	page2, id2, err := svc.ConnectURL(ctx, app.ShopInput{Name: "Later", URL: w.srv.URL, LookbackDays: &noLimit})
	if err != nil {
		t.Fatal(err)
	}
	svc.CancelConnect(id2)
	u2, _ := url.Parse(page2)
	keys["user_id"] = u2.Query().Get("user_id")
	if code := post(u2.Query().Get("callback_url"), keys); code != http.StatusNotFound {
		t.Fatalf("keys after cancel answered %d", code)
	}
	if err := svc.WaitConnect(ctx, id2); app.CodeOf(err) != app.CodeNotAllowed {
		t.Fatalf("wait after cancel: %v", err)
	}
	if _, err := svc.Shop(ctx, "Later"); app.CodeOf(err) != app.CodeNoSuchShop {
		t.Fatalf("a cancelled connect added the shop: %v", err)
	}
	info, err := svc.Shop(ctx, "Nieuw")
	if err != nil || !info.HasKeys {
		t.Fatalf("shop after connect: %+v %v", info, err)
	}
	w.emu.PlaceDutch(3, 1)
	if _, err := svc.Sync(ctx, "Nieuw", nil); err != nil {
		t.Fatalf("sync with the connected keys: %v", err)
	}
}
