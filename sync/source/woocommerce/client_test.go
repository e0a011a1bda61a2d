package woocommerce

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

func collect(t *testing.T, c *Client, since time.Time) (map[string]order.Order, time.Time) {
	t.Helper()
	seen := map[string]order.Order{}
	next, err := c.Poll(context.Background(), since, func(o order.Order) error {
		if prev, ok := seen[o.ID]; ok && prev.Modified.After(o.Modified) {
			t.Errorf("order %s came back older: %v after %v", o.ID, o.Modified, prev.Modified)
		}
		seen[o.ID] = o
		return nil
	})
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return seen, next
}

func TestPollBothAuthModes(t *testing.T) {
	for _, m := range authModes() {
		t.Run(m.name, func(t *testing.T) {
			shop, c, _ := startShop(t, m.tls)
			if _, err := shop.SeedFixtures(fixtures(t)); err != nil {
				t.Fatal(err)
			}
			seen, next := collect(t, c, time.Time{})
			for _, id := range []string{"13", "15", "727", "723"} {
				if _, ok := seen[id]; !ok {
					t.Errorf("order %s not polled", id)
				}
			}
			want := time.Date(2026, 11, 22, 19, 49, 36, 0, time.UTC) // order 15, the newest
			if !next.Equal(want) {
				t.Errorf("next = %v, want %v", next, want)
			}
			// Order 13 has a refund: its lines come from /orders/13/refunds.
			r := seen["13"].Refunds
			if len(r) != 1 || r[0].Amount != 500 || r[0].Reason != "Beschadigd" || r[0].Created.IsZero() {
				t.Errorf("refunds of 13 = %+v", r)
			}
		})
	}
}

func TestWrongKeysAreAuthErrorsWithoutSecrets(t *testing.T) {
	for _, m := range authModes() {
		for _, tc := range []struct{ key, secret, code string }{
			{testKey, "cs_wrong_secret_value", "woocommerce_rest_authentication_error"},
			{"ck_wrong_key_value", testSecret, "woocommerce_rest_authentication_error"},
		} {
			t.Run(m.name+" "+tc.key[:8], func(t *testing.T) {
				_, _, srv := startShop(t, m.tls)
				c, err := New(Config{BaseURL: srv.URL, Key: tc.key, Secret: tc.secret, HTTPClient: srv.Client()})
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Poll(context.Background(), time.Time{}, func(order.Order) error { return nil })
				if source.KindOf(err) != source.Auth {
					t.Fatalf("kind = %v, err = %v", source.KindOf(err), err)
				}
				text := err.Error()
				if !strings.Contains(text, tc.code) {
					t.Errorf("error %q lacks WooCommerce's code %s", text, tc.code)
				}
				for _, leak := range []string{tc.secret, tc.key, "oauth_signature", "oauth_consumer_key", "?"} {
					if strings.Contains(text, leak) {
						t.Errorf("error %q contains %q", text, leak)
					}
				}
			})
		}
	}
}

// A real shop answers Basic auth over plain HTTP with 401
// woocommerce_rest_cannot_view; the emulator must do the same, byte for byte.
func TestBasicOverPlainHTTPIsRefused(t *testing.T) {
	_, _, srv := startShop(t, false)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/wp-json/wc/v3/orders", nil)
	req.SetBasicAuth(testKey, testSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want, err := os.ReadFile(filepath.Join(fixtures(t), "real-8.9.1", "error_401_basic_auth_over_plain_http.json"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 401 || strings.TrimSpace(string(body)) != strings.TrimSpace(string(want)) {
		t.Errorf("got %d %s, want 401 %s", resp.StatusCode, body, want)
	}
}

// OAuth signatures cannot be replayed: the shop refuses a nonce it saw.
func TestOAuthNonceReplayRefused(t *testing.T) {
	shop, c, srv := startShop(t, false)
	var captured string
	shop.OnRequest(func(n int64, r *http.Request) {
		if n == 1 {
			captured = r.URL.RawQuery
		}
	})
	if _, err := c.Statuses(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/wp-json/wc/v3/reports/orders/totals?" + captured)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(string(body), "nonce has already been used") {
		t.Errorf("replay: %d %s", resp.StatusCode, body)
	}
	// A clock 20 minutes off is outside WooCommerce's 15-minute window.
	c.Now = func() time.Time { return time.Now().Add(20 * time.Minute) }
	_, err = c.Statuses(context.Background())
	if source.KindOf(err) != source.Auth || !strings.Contains(err.Error(), "Invalid timestamp") {
		t.Errorf("skewed clock: %v", err)
	}
}

func TestPollNeverSkipsAnOrderModifiedWhilePaging(t *testing.T) {
	for _, m := range authModes() {
		t.Run(m.name, func(t *testing.T) {
			shop, c, _ := startShop(t, m.tls)
			ids := shop.AddDutch(1000, 7)
			// While the client reads the third page, an order of the first
			// page is edited: it moves to the end of the modified order,
			// which with page numbers would shift one unseen order onto an
			// already-read page.
			moved := ids[10]
			lists := 0
			shop.OnRequest(func(n int64, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/orders") {
					if lists++; lists == 3 {
						shop.SetStatus(moved, "completed")
					}
				}
			})
			seen, _ := collect(t, c, time.Time{})
			if len(seen) != len(ids) {
				t.Fatalf("polled %d orders, the shop has %d", len(seen), len(ids))
			}
			for _, id := range ids {
				if _, ok := seen[itoa(id)]; !ok {
					t.Errorf("order %d skipped", id)
				}
			}
			now, _ := shop.Order(moved)
			if got := seen[itoa(moved)]; got.Status != "completed" || got.Modified.Format(gmtLayout) != now.DateModifiedGMT {
				t.Errorf("moved order polled as %s at %v, shop has %s", got.Status, got.Modified, now.DateModifiedGMT)
			}
		})
	}
}

// 250 orders modified in one second (a bulk edit) fill more than two pages
// with one modified time: only page numbers get past them, and the poll
// must still end.
func TestPollPastASecondWithMoreThanAPage(t *testing.T) {
	shop, c, _ := startShop(t, false)
	orders := wcemu.DutchOrders(300, 3)
	for i := range orders {
		if i >= 20 && i < 270 {
			orders[i].DateModifiedGMT = "2024-06-01T12:00:00"
		} else if i >= 270 {
			orders[i].DateModifiedGMT = "2024-06-01T12:00:01"
		}
	}
	shop.Add(orders...)
	lists := 0
	shop.OnRequest(func(n int64, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/orders") {
			lists++
		}
	})
	seen, next := collect(t, c, time.Time{})
	if len(seen) != 300 {
		t.Fatalf("polled %d of 300", len(seen))
	}
	if want := time.Date(2024, 6, 1, 12, 0, 1, 0, time.UTC); !next.Equal(want) {
		t.Errorf("next = %v, want %v", next, want)
	}
	if lists > 8 {
		t.Errorf("%d list requests for 300 orders", lists)
	}
}

func TestPollWithNothingChangedIsOneRequest(t *testing.T) {
	for _, m := range authModes() {
		t.Run(m.name, func(t *testing.T) {
			shop, c, _ := startShop(t, m.tls)
			shop.AddDutch(500, 11)
			_, next := collect(t, c, time.Time{})
			shop.ResetRequests()
			seen, again := collect(t, c, next)
			if n := shop.Requests(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if !again.Equal(next) {
				t.Errorf("cursor moved from %v to %v", next, again)
			}
			for _, o := range seen { // only the boundary second comes again
				if o.Modified.Before(next) {
					t.Errorf("order %s at %v is before the cursor", o.ID, o.Modified)
				}
			}
		})
	}
}

func TestPollStopsOnCallbackError(t *testing.T) {
	shop, c, _ := startShop(t, true)
	shop.AddDutch(50, 5)
	stop := errors.New("disk full")
	var last time.Time
	n := 0
	next, err := c.Poll(context.Background(), time.Time{}, func(o order.Order) error {
		if n == 10 {
			return stop
		}
		n++
		last = o.Modified
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v", err)
	}
	if !next.Equal(last) {
		t.Errorf("next = %v, want the last accepted %v", next, last)
	}
}

func TestFetchMarksMissingOrdersDeleted(t *testing.T) {
	shop, c, _ := startShop(t, false)
	ids := shop.AddDutch(250, 9)
	shop.Trash(ids[5])
	shop.Delete(ids[6])
	want := []string{}
	for _, id := range ids {
		want = append(want, itoa(id))
	}
	want = append(want, "999999")
	got, err := c.Fetch(context.Background(), want)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d orders for %d ids", len(got), len(want))
	}
	for i, o := range got {
		if o.ID != want[i] {
			t.Errorf("got[%d].ID = %s, want %s", i, o.ID, want[i])
		}
		deleted := i == 5 || i == 6 || o.ID == "999999"
		if o.Deleted != deleted {
			t.Errorf("order %s Deleted = %v, want %v", o.ID, o.Deleted, deleted)
		}
		if !deleted && o.Modified.IsZero() {
			t.Errorf("order %s not filled in", o.ID)
		}
	}
	if n := shop.Requests(); n < 3 {
		t.Errorf("%d requests: 251 ids need 3 batches", n)
	}
	if _, err := c.Fetch(context.Background(), []string{"12abc"}); source.KindOf(err) != source.BadRequest {
		t.Errorf("bad id: %v", err)
	}
}

func TestStatusesIncludeCustomOnes(t *testing.T) {
	shop, c, _ := startShop(t, true)
	shop.RegisterStatus("wc-wacht-op-betaling", "Wacht op betaling")
	ids := shop.AddDutch(20, 1)
	shop.SetStatus(ids[0], "wacht-op-betaling")
	got, err := c.Statuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := map[order.Status]order.StatusInfo{}
	for _, s := range got {
		found[s.Slug] = s
	}
	if s := found["wacht-op-betaling"]; s.Name != "Wacht op betaling" || s.Count != 1 {
		t.Errorf("custom status = %+v", s)
	}
	for _, slug := range []order.Status{"pending", "processing", "completed", "verzonden", "checkout-draft"} {
		if _, ok := found[slug]; !ok {
			t.Errorf("status %s missing", slug)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	plain404 := httptest.NewServer(http.NotFoundHandler()) // a web server that is not WordPress
	defer plain404.Close()
	noWoo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		io.WriteString(w, `{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}`)
	}))
	defer noWoo.Close()
	htmlOK := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!DOCTYPE html><html><body>Welkom in onze winkel</body></html>")
	}))
	defer htmlOK.Close()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[{"id":1,"status":`)
	}))
	defer garbage.Close()
	badReq := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		b, _ := os.ReadFile(filepath.Join(fixtures(t), "real-8.9.1", "error_400_per_page_out_of_bounds.json"))
		w.Write(b)
	}))
	defer badReq.Close()
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	untrusted := httptest.NewTLSServer(wcemu.New(testKey, testSecret))
	defer untrusted.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String()
	ln.Close()
	down := wcemu.New(testKey, testSecret)
	down.SetDown(true)
	downSrv := httptest.NewServer(down)
	defer downSrv.Close()
	maint := wcemu.New(testKey, testSecret)
	maint.SetMaintenance(true)
	maintSrv := httptest.NewServer(maint)
	defer maintSrv.Close()

	for _, tc := range []struct {
		name, url string
		want      source.Kind
		text      string
	}{
		{"not wordpress", plain404.URL, source.NotFound, "not a WordPress site"},
		{"wordpress without woocommerce", noWoo.URL, source.NotFound, "rest_no_route"},
		{"html instead of json", htmlOK.URL, source.BadResponse, "not a WooCommerce REST API"},
		{"broken json", garbage.URL, source.BadResponse, "not a WooCommerce REST API"},
		{"bad request", badReq.URL, source.BadRequest, "per_page"},
		{"hangs", hang.URL, source.Network, "timed out"},
		{"untrusted certificate", untrusted.URL, source.Network, "certificate"},
		{"refused", refused, source.Network, "refused"},
		{"drops connections", downSrv.URL, source.Network, "cannot reach"},
		{"maintenance", maintSrv.URL, source.Unknown, "HTTP 503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Only the hanging shop needs a short timeout; the others answer
			// at once, and a TLS handshake under a loaded CI machine can take
			// longer than 300 ms.
			timeout := 4 * time.Second
			if tc.name == "hangs" {
				timeout = 300 * time.Millisecond
			}
			c, err := New(Config{BaseURL: tc.url, Key: testKey, Secret: testSecret, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = c.Poll(context.Background(), time.Time{}, func(order.Order) error { return nil })
			if source.KindOf(err) != tc.want {
				t.Fatalf("kind = %v, want %v: %v", source.KindOf(err), tc.want, err)
			}
			text := err.Error()
			if !strings.Contains(text, tc.text) {
				t.Errorf("%q does not mention %q", text, tc.text)
			}
			for _, leak := range []string{testSecret, testKey, "oauth_", "modified_after="} {
				if strings.Contains(text, leak) {
					t.Errorf("%q leaks %q", text, leak)
				}
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for _, tc := range []Config{
		{BaseURL: "shop.example.nl", Key: "k", Secret: "s"},
		{BaseURL: "ftp://shop.example.nl", Key: "k", Secret: "s"},
		{BaseURL: "https://user:pw@shop.example.nl", Key: "k", Secret: "s"},
		{BaseURL: "https://shop.example.nl/?x=1", Key: "k", Secret: "s"},
		{BaseURL: "https://shop.example.nl", Key: "", Secret: "s"},
		{BaseURL: "https://shop.example.nl", Key: "k", Secret: ""},
	} {
		if _, err := New(tc); err == nil {
			t.Errorf("New(%+v) accepted", tc)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	c, err := New(Config{BaseURL: "https://shop.example.nl/winkel/", Key: "k", Secret: "s"})
	if err != nil || c.BaseURL() != "https://shop.example.nl/winkel" {
		t.Errorf("subdirectory site: %v %v", c, err)
	}
}

func TestWebhookLifecycle(t *testing.T) {
	for _, m := range authModes() {
		t.Run(m.name, func(t *testing.T) {
			shop, c, _ := startShop(t, m.tls)
			ctx := context.Background()
			ids := shop.AddDutch(3, 2)
			var gotBody []byte
			var gotHeader http.Header
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotBody, _ = io.ReadAll(r.Body)
				gotHeader = r.Header
			}))
			defer recv.Close()
			shop.AllowDeliveryURL(recv.URL) // a loopback receiver: as a site's http_request_host_is_external filter allows
			secret := `s3cr3t&<test>"quote`
			w, err := c.CreateWebhook(ctx, Webhook{Name: "Orderbrug order.updated", Topic: "order.updated", DeliveryURL: recv.URL + "/hook", Secret: secret})
			if err != nil {
				t.Fatal(err)
			}
			if w.ID == 0 || w.Status != WebhookActive || w.Topic != "order.updated" || w.DeliveryURL != recv.URL+"/hook" {
				t.Errorf("created %+v", w)
			}
			code, err := shop.Deliver(ctx, w.ID, ids[1])
			if err != nil || code != 200 {
				t.Fatalf("deliver: %d %v", code, err)
			}
			if sig := gotHeader.Get("X-WC-Webhook-Signature"); sig != wcemu.Sign(gotBody, secret) {
				t.Errorf("signature %s does not verify", sig)
			}
			o, err := ParseOrder(gotBody, c.BaseURL())
			if err != nil || o.ID != itoa(ids[1]) {
				t.Errorf("delivered body: %v %v", o.ID, err)
			}
			if gotHeader.Get("X-WC-Webhook-Topic") != "order.updated" || gotHeader.Get("X-WC-Webhook-ID") != itoa(w.ID) {
				t.Errorf("headers %v", gotHeader)
			}

			w2, err := c.UpdateWebhook(ctx, w.ID, Webhook{Status: WebhookPaused, DeliveryURL: recv.URL + "/moved"})
			if err != nil || w2.Status != WebhookPaused || w2.DeliveryURL != recv.URL+"/moved" || w2.Topic != "order.updated" {
				t.Errorf("update: %+v %v", w2, err)
			}
			if _, err := c.UpdateWebhook(ctx, w.ID, Webhook{Status: "kapot"}); source.KindOf(err) != source.BadRequest {
				t.Errorf("bad status: %v", err)
			}
			if _, err := c.CreateWebhook(ctx, Webhook{Topic: "order.updated", DeliveryURL: "ftp://x"}); source.KindOf(err) != source.BadRequest || !strings.Contains(err.Error(), "woocommerce_rest_webhook_invalid_delivery_url") {
				t.Errorf("bad url: %v", err)
			}
			list, err := c.ListWebhooks(ctx)
			if err != nil || len(list) != 1 || list[0].ID != w.ID || list[0].Status != WebhookPaused {
				t.Errorf("list: %+v %v", list, err)
			}
			if err := c.DeleteWebhook(ctx, w.ID); err != nil {
				t.Fatal(err)
			}
			if err := c.DeleteWebhook(ctx, w.ID); source.KindOf(err) != source.NotFound {
				t.Errorf("second delete: %v", err)
			}
			if list, _ := c.ListWebhooks(ctx); len(list) != 0 {
				t.Errorf("after delete: %+v", list)
			}
		})
	}
}

// WooCommerce disables a webhook when deliveries keep failing; it stays
// disabled until set active through the API.
func TestWebhookDisabledAfterFailures(t *testing.T) {
	shop, c, _ := startShop(t, true)
	ids := shop.AddDutch(1, 2)
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer fail.Close()
	shop.AllowDeliveryURL(fail.URL) // a loopback receiver: as a site's http_request_host_is_external filter allows
	ctx := context.Background()
	w, err := c.CreateWebhook(ctx, Webhook{Topic: "order.updated", DeliveryURL: fail.URL, Secret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		if code, err := shop.Deliver(ctx, w.ID, ids[0]); err != nil || code != 500 {
			t.Fatalf("delivery %d: %d %v", i, code, err)
		}
	}
	list, _ := c.ListWebhooks(ctx)
	if list[0].Status != WebhookDisabled {
		t.Errorf("status after 7 failures = %s", list[0].Status)
	}
	if w, err := c.UpdateWebhook(ctx, w.ID, Webhook{Status: WebhookActive}); err != nil || w.Status != WebhookActive {
		t.Errorf("reactivate: %+v %v", w, err)
	}
}

func itoa(id int64) string { return strconvFormat(id) }
