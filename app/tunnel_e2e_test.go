package app_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/tunnel"
)

// localTunnel stands in for ngrok: the same Manager, a listener on
// 127.0.0.1 with a new port (so a new URL) on every start, as a free ngrok
// URL changes on every start.
func localTunnel(app.TunnelSettings) tunnel.Tunnel { return tunnel.Local{} }

// tunnelWorld is a world whose service runs its schedules, its webhook
// server and a Local tunnel, and whose shop has webhooks on.
func tunnelWorld(t *testing.T) *world {
	t.Helper()
	w := newWorldWith(t, app.Options{Tunnel: localTunnel})
	// The Local tunnel stands in for ngrok's public URL: the shop lets it
	// through as a site's http_request_host_is_external filter would.
	w.emu.AllowDeliveryHost("127.0.0.1")
	ctx := context.Background()
	w.startEmpty()
	if err := w.svc.StartWebhooks(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.SetTunnel(ctx, "test-authtoken-1", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the tunnel", func() bool { return w.svc.TunnelStatus().State == string(tunnel.StateOnline) })
	if err := w.svc.SetWebhook(ctx, w.shop, true); err != nil {
		t.Fatal(err)
	}
	return w
}

// hooksByTopic is the shop's registered webhooks (with their secrets, as
// only the shop itself knows them) by topic.
func (w *world) hooksByTopic() map[string]struct {
	wcemu.Webhook
	Secret string
} {
	out := map[string]struct {
		wcemu.Webhook
		Secret string
	}{}
	for _, h := range w.emu.Webhooks() {
		out[h.Topic] = h
	}
	return out
}

// placeForwarded places one new order in the shop with a forwarded status
// and returns its id and number.
func (w *world) placeForwarded(seed uint64) (int64, string) {
	w.t.Helper()
	id := w.emu.PlaceDutch(1, seed)[0]
	w.emu.SetStatus(id, "processing")
	o, _ := w.emu.Order(id)
	return id, o.Number
}

// deliverAndWaitBooked has the shop deliver order id to its order.created
// webhook and waits for the UBL file; it returns how long that took.
func (w *world) deliverAndWaitBooked(id int64, number string) time.Duration {
	w.t.Helper()
	h := w.hooksByTopic()["order.created"]
	start := time.Now()
	code, err := w.emu.Deliver(context.Background(), h.ID, id)
	if err != nil || code != http.StatusOK {
		w.t.Fatalf("delivery of order %d: %d %v", id, code, err)
	}
	file := filepath.Join(w.ubl, w.slug()+"_"+number+".xml")
	waitFor(w.t, 2*time.Second, "the UBL file of order "+number, func() bool {
		_, err := os.Stat(file)
		return err == nil
	})
	took := time.Since(start)
	// The file is written before the booking is recorded: wait for that too.
	key := strconv.FormatInt(id, 10)
	waitFor(w.t, 2*time.Second, "order "+number+" recorded as booked", func() bool {
		return w.orders()[key].State == app.Booked
	})
	return took
}

// TestShopDeliversThroughTunnel: with the tunnel up, turning webhooks on
// registers them in the shop (POST /wc/v3/webhooks) with the tunnel's URL
// and Orderbrug's own secret; the shop then delivers a signed order as
// WooCommerce does, and the invoice is on disk within a second, without any
// call to the shop's API. A new tunnel URL is registered in the shop, and a
// webhook the shop disabled while the tunnel was down is set active again.
func TestShopDeliversThroughTunnel(t *testing.T) {
	w := tunnelWorld(t)
	ctx := context.Background()

	url1 := w.svc.TunnelStatus().URL
	info, err := w.svc.Shop(ctx, w.shop)
	if err != nil {
		t.Fatal(err)
	}
	hooks := w.hooksByTopic()
	if len(hooks) != 2 {
		t.Fatalf("%d webhooks registered, want order.created and order.updated: %+v", len(hooks), hooks)
	}
	for topic, h := range hooks {
		if h.DeliveryURL != url1+"/hooks/woocommerce/"+w.slug() || h.Status != "active" {
			t.Errorf("%s: delivery_url %q status %s, want %s/hooks/woocommerce/%s active", topic, h.DeliveryURL, h.Status, url1, w.slug())
		}
		if h.Secret == "" || h.Secret != info.Webhook.Secret || h.Secret == testSecret {
			t.Errorf("%s: registered with another secret than the shop's own webhook secret", topic)
		}
	}
	if info.Webhook.URL != url1+"/hooks/woocommerce/"+w.slug() || info.Webhook.Status != "active" {
		t.Errorf("webhook info %+v", info.Webhook)
	}

	// A new order, delivered as WooCommerce does: booked at once, no poll.
	id, number := w.placeForwarded(1)
	w.emu.ResetRequests()
	if took := w.deliverAndWaitBooked(id, number); took > time.Second {
		t.Fatalf("delivery → UBL file took %s, want < 1 s", took)
	}
	if n := w.emu.Requests(); n != 0 {
		t.Errorf("the engine made %d API calls for a delivery that carried the whole order", n)
	}
	v := w.orders()[strconv.FormatInt(id, 10)]
	if v.State != app.Booked {
		t.Fatalf("order %d is %s", id, v.State)
	}

	// The tunnel comes back with another URL (a free ngrok URL changes on
	// every start): the shop's webhooks follow it.
	if err := w.svc.SetTunnel(ctx, "test-authtoken-2", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a new tunnel URL", func() bool {
		st := w.svc.TunnelStatus()
		return st.State == string(tunnel.StateOnline) && st.URL != "" && st.URL != url1
	})
	url2 := w.svc.TunnelStatus().URL
	waitFor(t, 5*time.Second, "the delivery URLs to follow the tunnel", func() bool {
		for _, h := range w.hooksByTopic() {
			if h.DeliveryURL != url2+"/hooks/woocommerce/"+w.slug() {
				return false
			}
		}
		return true
	})
	id, number = w.placeForwarded(2)
	w.deliverAndWaitBooked(id, number)

	// The laptop sleeps: the tunnel is gone, deliveries fail, and after
	// the 7th failure in a row WooCommerce disables the webhook.
	if err := w.svc.SetTunnelEnabled(ctx, false); err != nil {
		t.Fatal(err)
	}
	created := w.hooksByTopic()["order.created"]
	lost, _ := w.placeForwarded(3)
	for i := 0; i < 7; i++ {
		if _, err := w.emu.Deliver(ctx, created.ID, lost); err == nil {
			t.Fatalf("delivery %d to a closed tunnel succeeded", i+1)
		}
	}
	if st := w.hooksByTopic()["order.created"].Status; st != "disabled" {
		t.Fatalf("after 7 failed deliveries the webhook is %s, want disabled", st)
	}
	// It wakes: the tunnel comes up with a new URL, and the registration
	// sets the webhook active again and says so in the log.
	if err := w.svc.SetTunnelEnabled(ctx, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the webhook to be active again", func() bool {
		h := w.hooksByTopic()["order.created"]
		url := w.svc.TunnelStatus().URL
		return h.Status == "active" && url != "" && h.DeliveryURL == url+"/hooks/woocommerce/"+w.slug()
	})
	evs, err := w.svc.Events(ctx, app.EventQuery{Shop: w.shop, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(evs, "webhook_reactivated"); n != 1 {
		t.Fatalf("%d webhook_reactivated events, want 1: %v", n, eventCodes(evs))
	}
	id, number = w.placeForwarded(4)
	w.deliverAndWaitBooked(id, number)
}

// TestPollReactivatesDisabledWebhook: WooCommerce disabled a webhook while
// the tunnel kept its URL (so no new registration follows a URL change):
// the next poll notices and sets it active again.
func TestPollReactivatesDisabledWebhook(t *testing.T) {
	w := tunnelWorld(t)
	ctx := context.Background()
	wc, err := woocommerce.New(woocommerce.Config{BaseURL: w.srv.URL, Key: testKey, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	h := w.hooksByTopic()["order.updated"]
	if _, err := wc.UpdateWebhook(ctx, h.ID, woocommerce.Webhook{Status: woocommerce.WebhookDisabled}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Sync(ctx, w.shop, nil); err != nil {
		t.Fatal(err)
	}
	if st := w.hooksByTopic()["order.updated"].Status; st != "active" {
		t.Fatalf("after a poll the disabled webhook is %s, want active", st)
	}
	evs, err := w.svc.Events(ctx, app.EventQuery{Shop: w.shop, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(evs, "webhook_reactivated"); n != 1 {
		t.Fatalf("%d webhook_reactivated events, want 1: %v", n, eventCodes(evs))
	}
	info, _ := w.svc.Shop(ctx, w.shop)
	if info.Webhook.Reactivated != 1 || info.Webhook.Status != "active" {
		t.Fatalf("webhook info after reactivation: %+v", info.Webhook)
	}
	// A poll with everything in order changes nothing in the shop.
	if _, err := w.svc.Sync(ctx, w.shop, nil); err != nil {
		t.Fatal(err)
	}
	evs, _ = w.svc.Events(ctx, app.EventQuery{Shop: w.shop, Limit: 200})
	if n := countEvents(evs, "webhook_reactivated"); n != 1 {
		t.Fatalf("a second poll reactivated again (%d events)", n)
	}
}
