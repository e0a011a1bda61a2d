package webhook_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"

	. "github.com/orderbrug/orderbrug/sync/webhook"
)

const fixtureDir = "testdata/woocommerce-8.9.1"

// capture is one request WooCommerce 8.9.1 really sent.
type capture struct {
	Name    string
	Headers [][2]string
	Body    []byte
}

func loadCaptures(t *testing.T) []capture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.headers.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in %s: %v", fixtureDir, err)
	}
	var out []capture
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			Method  string      `json:"method"`
			Headers [][2]string `json:"headers"`
		}
		if err := json.Unmarshal(raw, &meta); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".headers.json")
		body, err := os.ReadFile(filepath.Join(fixtureDir, name+".body.raw"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, capture{Name: name, Headers: meta.Headers, Body: body})
	}
	return out
}

// captureSecrets maps webhook ids to the secrets the captured webhooks
// were created with (each WooCommerce webhook has its own).
func captureSecrets(t *testing.T) map[string]string {
	raw, err := os.ReadFile(filepath.Join(fixtureDir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]string
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range all {
		if !strings.HasPrefix(k, "_") && !strings.HasPrefix(k, "api_") {
			out[k] = v
		}
	}
	if len(out) != 3 {
		t.Fatalf("want 3 webhook secrets, got %d", len(out))
	}
	return out
}

func (c capture) header(name string) string {
	for _, h := range c.Headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// TestReplayRealWooCommerce sends every request a real WooCommerce 8.9.1
// made, byte for byte, and expects each one accepted: pings with exactly
// 200, deliveries stored with their exact bytes and the order id and
// modified time the store dedupes on.
func TestReplayRealWooCommerce(t *testing.T) {
	secrets := captureSecrets(t)
	inbox := &memInbox{}
	var pings []string
	var pingMu sync.Mutex
	var notified atomic.Int32
	ts := startServer(t, Config{
		Shops: mapShops{"woocommerce/shop1": {Secrets: secrets, Topics: allTopics()}},
		Inbox: inbox,
		OnPing: func(src order.Source, shop, id string) {
			pingMu.Lock()
			pings = append(pings, string(src)+"/"+shop+"#"+id)
			pingMu.Unlock()
		},
		Notify: func() { notified.Add(1) },
	}, nil)

	caps := loadCaptures(t)
	var wantDeliveries int
	for _, c := range caps {
		t.Run(c.Name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, ts.URL+"/hooks/woocommerce/shop1", bytes.NewReader(c.Body))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range c.Headers {
				switch strings.ToLower(h[0]) {
				case "host", "content-length", "connection":
					continue // set by the client from the URL and body
				}
				req.Header.Add(h[0], h[1])
			}
			status, body, _ := do(t, http.DefaultClient, req)
			if status != http.StatusOK {
				t.Fatalf("status %d (%q), want exactly 200", status, body)
			}
		})
		if c.header(HeaderWooTopic) != "" {
			wantDeliveries++
		}
	}

	got := inbox.Deliveries()
	if len(got) != wantDeliveries || wantDeliveries != 9 {
		t.Fatalf("stored %d deliveries, want %d (9 captured)", len(got), wantDeliveries)
	}
	if n := len(inbox.Rejections()); n != 0 {
		t.Fatalf("%d rejections: %+v", n, inbox.Rejections())
	}
	if int(notified.Load()) != wantDeliveries {
		t.Errorf("Notify called %d times, want %d", notified.Load(), wantDeliveries)
	}
	slices.Sort(pings)
	if want := []string{"woocommerce/shop1#1", "woocommerce/shop1#2", "woocommerce/shop1#3"}; !slices.Equal(pings, want) {
		t.Errorf("pings = %v, want %v", pings, want)
	}

	byDeliveryID := map[string]capture{}
	for _, c := range caps {
		byDeliveryID[c.header(HeaderWooDeliveryID)] = c
	}
	for _, d := range got {
		c, ok := byDeliveryID[d.DeliveryID]
		if !ok {
			t.Fatalf("delivery %q matches no capture", d.DeliveryID)
		}
		if !bytes.Equal(d.Body, c.Body) {
			t.Errorf("%s: stored body differs from the bytes sent", c.Name)
		}
		if d.Source != order.WooCommerce || d.Shop != "shop1" || d.Topic != c.header(HeaderWooTopic) ||
			d.WebhookID != c.header(HeaderWooID) || d.Resource != "order" || d.Event != c.header(HeaderWooEvent) {
			t.Errorf("%s: wrong metadata %+v", c.Name, d)
		}
		if d.ReceivedAt.IsZero() {
			t.Errorf("%s: no ReceivedAt", c.Name)
		}
		if d.Headers.Get(HeaderWooSignature) != "" {
			t.Errorf("%s: signature kept in Headers", c.Name)
		}
		if d.Headers.Get(HeaderWooSource) != "http://127.0.0.1:8000/" || d.Headers.Get("User-Agent") != "" {
			t.Errorf("%s: Headers should be X-WC-* only, got %v", c.Name, d.Headers)
		}
		// Order id and modified time, as the capture's name and body say.
		wantID := "13"
		if strings.Contains(c.Name, "_15_") {
			wantID = "15"
		}
		if d.OrderID != wantID {
			t.Errorf("%s: OrderID %q, want %q", c.Name, d.OrderID, wantID)
		}
		var v struct {
			Mod string `json:"date_modified_gmt"`
		}
		_ = json.Unmarshal(c.Body, &v)
		if d.Topic == TopicOrderDeleted {
			if !d.Modified.IsZero() || string(d.Body) != `{"id":13}` {
				t.Errorf("deleted: Modified %v body %s", d.Modified, d.Body)
			}
			continue
		}
		if want, _ := time.Parse(wooTimeLayout, v.Mod); !d.Modified.Equal(want) || d.Modified.Location() != time.UTC {
			t.Errorf("%s: Modified %v, want %v UTC", c.Name, d.Modified, want)
		}
	}

	logs := ts.Logs.String()
	for id, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("secret of webhook %s in the log", id)
		}
	}
	for _, c := range caps {
		if sig := c.header(HeaderWooSignature); sig != "" && strings.Contains(logs, sig) {
			t.Errorf("signature of %s in the log", c.Name)
		}
	}
}

// TestReencodedBodyFailsSignature: WooCommerce signs wp_json_encode's bytes
// ("\/", "\u00e9"); parsing and re-encoding gives other bytes, which must
// not verify. This is why the handler keeps and verifies the raw body.
func TestReencodedBodyFailsSignature(t *testing.T) {
	secrets := captureSecrets(t)
	inbox := &memInbox{}
	ts := startServer(t, Config{Shops: mapShops{"woocommerce/s": {Secrets: secrets, Topics: allTopics()}}, Inbox: inbox}, nil)

	for _, c := range loadCaptures(t) {
		if c.header(HeaderWooTopic) == "" || c.header(HeaderWooTopic) == TopicOrderDeleted {
			continue
		}
		var v any
		if err := json.Unmarshal(c.Body, &v); err != nil {
			t.Fatal(err)
		}
		re, _ := json.Marshal(v)
		if bytes.Equal(re, c.Body) {
			t.Fatalf("%s: re-encoding gave the same bytes; test proves nothing", c.Name)
		}
		req := wooRequest(t, ts.URL+"/hooks/woocommerce/s", c.header(HeaderWooTopic), c.header(HeaderWooID), re, "")
		req.Header.Set(HeaderWooSignature, c.header(HeaderWooSignature))
		if status, _, _ := do(t, http.DefaultClient, req); status != http.StatusUnauthorized {
			t.Errorf("%s re-encoded: status %d, want 401", c.Name, status)
		}
	}
	if n := len(inbox.Deliveries()); n != 0 {
		t.Fatalf("%d re-encoded deliveries stored", n)
	}
}

// TestPHPEncodedBody: a body as wp_json_encode writes it, with escaped
// slashes and non-ASCII above the BMP, verifies and is stored unchanged.
func TestPHPEncodedBody(t *testing.T) {
	inbox := &memInbox{}
	ts := startServer(t, Config{Shops: mapShops{"woocommerce/s": {Secret: "k", Topics: allTopics()}}, Inbox: inbox}, nil)
	body := phpJSON(t, map[string]any{
		"id": 77, "date_modified_gmt": "2026-01-02T03:04:05", "status": "processing",
		"billing":       map[string]string{"first_name": "Zoë", "city": "'s-Hertogenbosch"},
		"customer_note": "Graag vóór 12:00 / bedankt 🎉",
		"_links":        map[string]any{"self": []map[string]string{{"href": "https://shop.example/wp-json/wc/v3/orders/77"}}},
	})
	if !bytes.Contains(body, []byte(`\/`)) || !bytes.Contains(body, []byte(`\ud83c\udf89`)) {
		t.Fatalf("body not PHP-style: %s", body)
	}
	req := wooRequest(t, ts.URL+"/hooks/woocommerce/s", TopicOrderUpdated, "4", body, "k")
	if status, msg, _ := do(t, http.DefaultClient, req); status != 200 {
		t.Fatalf("status %d %q", status, msg)
	}
	d := inbox.Deliveries()
	if len(d) != 1 || !bytes.Equal(d[0].Body, body) || d[0].OrderID != "77" ||
		!d[0].Modified.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("stored %+v", d)
	}
}

// TestRejections: each way a request is refused gets its status, a short
// plain-text reason, a Rejection in the inbox, and nothing stored.
func TestRejections(t *testing.T) {
	const secret = `s3cr3t&<test>"quote`
	good := phpJSON(t, map[string]any{"id": 13, "date_modified_gmt": "2026-11-22T19:48:26"})
	big := bytes.Repeat([]byte("x"), 2048)
	tests := []struct {
		name   string
		req    func(url string) *http.Request
		fail   error // inbox Accept error
		status int
		code   Code
	}{
		{"GET", func(u string) *http.Request { r, _ := http.NewRequest("GET", u+"/hooks/woocommerce/s", nil); return r }, nil, 405, CodeMethod},
		{"PUT", func(u string) *http.Request {
			return withMethod(wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", good, secret), "PUT")
		}, nil, 405, CodeMethod},
		{"unknown shop", func(u string) *http.Request {
			return wooRequest(t, u+"/hooks/woocommerce/nope", TopicOrderUpdated, "1", good, secret)
		}, nil, 404, CodeNone},
		{"missing signature", func(u string) *http.Request {
			return wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", good, "")
		}, nil, 401, CodeSignature},
		{"wrong secret", func(u string) *http.Request {
			return wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", good, "guess")
		}, nil, 401, CodeSignature},
		{"signature not base64", func(u string) *http.Request {
			r := wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", good, secret)
			r.Header.Set(HeaderWooSignature, "not base64!")
			return r
		}, nil, 401, CodeSignature},
		{"signature of another body", func(u string) *http.Request {
			r := wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", good, secret)
			r.Header.Set(HeaderWooSignature, sign([]byte(`{"id":14}`), secret))
			return r
		}, nil, 401, CodeSignature},
		{"disabled topic unsigned", func(u string) *http.Request {
			return wooRequest(t, u+"/hooks/woocommerce/s", "product.created", "1", good, "")
		}, nil, 401, CodeSignature},
		{"form post that is not a ping", func(u string) *http.Request {
			r, _ := http.NewRequest("POST", u+"/hooks/woocommerce/s", strings.NewReader("webhook_id=1&x=2"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, nil, 401, CodeSignature},
		{"body over the limit", func(u string) *http.Request {
			return wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", big, secret)
		}, nil, 413, CodeTooLarge},
		{"body over the limit, chunked", func(u string) *http.Request {
			r := wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", big, secret)
			r.Body = io.NopCloser(bytes.NewReader(big))
			r.ContentLength = -1 // no Content-Length: the limit must hold while reading
			return r
		}, nil, 413, CodeTooLarge},
		{"malformed JSON", func(u string) *http.Request {
			return wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", []byte(`{"id":13,`), secret)
		}, nil, 400, CodeStored},
		{"no id", func(u string) *http.Request {
			return wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", []byte(`{"status":"processing"}`), secret)
		}, nil, 400, CodeStored},
		{"no date_modified_gmt", func(u string) *http.Request {
			return wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", []byte(`{"id":13}`), secret)
		}, nil, 400, CodeStored},
		{"inbox fails", func(u string) *http.Request {
			return wooRequest(t, u+"/hooks/woocommerce/s", TopicOrderUpdated, "1", good, secret)
		}, errDiskFull, 503, CodeInbox},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inbox := &memInbox{fail: tt.fail}
			ts := startServer(t, Config{
				Shops:   mapShops{"woocommerce/s": {Secret: secret, Topics: allTopics()}},
				Inbox:   inbox,
				MaxBody: 1024,
			}, nil)
			req := tt.req(ts.URL)
			sig := req.Header.Get(HeaderWooSignature)
			status, msg, hdr := do(t, http.DefaultClient, req)
			if status != tt.status {
				t.Fatalf("status %d (%q), want %d", status, msg, tt.status)
			}
			if tt.status == 405 && hdr.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", hdr.Get("Allow"))
			}
			if !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") || len(msg) < 5 || len(msg) > 200 {
				t.Errorf("answer %q (%s), want a short plain-text reason", msg, hdr.Get("Content-Type"))
			}
			switch tt.code {
			case CodeStored:
				// Authenticated but unreadable: kept for replay, not a rejection.
				ds := inbox.Deliveries()
				if len(ds) != 1 || ds[0].Unreadable == "" || len(inbox.Rejections()) != 0 || ds[0].Unreadable+"\n" != msg {
					t.Fatalf("deliveries %+v, rejections %d, answer %q", ds, len(inbox.Rejections()), msg)
				}
				return
			case CodeNone:
				// Unknown shop: nothing stored, not even counted.
				if len(inbox.Deliveries()) != 0 || len(inbox.Rejections()) != 0 {
					t.Fatalf("stored for an unknown shop: %+v %+v", inbox.Deliveries(), inbox.Rejections())
				}
				return
			}
			if n := len(inbox.Deliveries()); n != 0 {
				t.Fatalf("%d deliveries stored", n)
			}
			rej := inbox.Rejections()
			if len(rej) != 1 {
				t.Fatalf("%d rejections, want 1", len(rej))
			}
			r := rej[0]
			if r.Status != tt.status || r.Code != tt.code || r.Source != order.WooCommerce || r.Reason == "" ||
				r.RemoteAddr == "" || r.ReceivedAt.IsZero() || len(r.BodyPrefix) > bodyPrefixLen {
				t.Errorf("rejection %+v", r)
			}
			logs := ts.Logs.String()
			for _, leak := range []string{secret, sig} {
				if leak == "" {
					continue
				}
				if strings.Contains(r.Reason, leak) || strings.Contains(msg, leak) || strings.Contains(logs, leak) {
					t.Errorf("secret or signature leaked into reason/answer/log")
				}
			}
			if !strings.Contains(logs, "webhook: rejected") {
				t.Errorf("rejection not logged: %s", logs)
			}
		})
	}
}

// Pseudo codes of TestRejections: CodeStored, stored for replay and
// answered 400; CodeNone, answered and stored nowhere.
const (
	CodeStored Code = "(stored)"
	CodeNone   Code = "(none)"
)

func withMethod(r *http.Request, m string) *http.Request { r.Method = m; return r }

// TestDisabledTopic: a verified delivery of a topic switched off is
// answered 200 (so WooCommerce does not count a failure and disable the
// webhook) and not stored.
func TestDisabledTopic(t *testing.T) {
	inbox := &memInbox{}
	ts := startServer(t, Config{
		Shops: mapShops{"woocommerce/s": {Secret: "k", Topics: map[string]bool{TopicOrderUpdated: true}}},
		Inbox: inbox,
	}, nil)
	body := []byte(`{"id":5,"date_modified_gmt":"2026-11-22T19:48:26"}`)
	for _, topic := range []string{TopicOrderCreated, TopicOrderDeleted, "product.updated"} {
		if status, msg, _ := do(t, http.DefaultClient, wooRequest(t, ts.URL+"/hooks/woocommerce/s", topic, "2", body, "k")); status != 200 {
			t.Fatalf("%s: status %d %q", topic, status, msg)
		}
	}
	if n := len(inbox.Deliveries()) + len(inbox.Rejections()); n != 0 {
		t.Fatalf("disabled topics stored %d records", n)
	}
	if status, _, _ := do(t, http.DefaultClient, wooRequest(t, ts.URL+"/hooks/woocommerce/s", TopicOrderUpdated, "2", body, "k")); status != 200 || len(inbox.Deliveries()) != 1 {
		t.Fatalf("enabled topic: status %d, %d stored", status, len(inbox.Deliveries()))
	}
}

// TestAnswerOnlyAfterAccept: the sender gets no answer while Accept has
// not returned, and gets 503 (not 2xx) when Accept fails.
func TestAnswerOnlyAfterAccept(t *testing.T) {
	inbox := &memInbox{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	var notified atomic.Int32
	ts := startServer(t, Config{
		Shops:  mapShops{"woocommerce/s": {Secret: "k", Topics: allTopics()}},
		Inbox:  inbox,
		Notify: func() { notified.Add(1) },
	}, nil)
	body := []byte(`{"id":5,"date_modified_gmt":"2026-11-22T19:48:26"}`)
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(wooRequest(t, ts.URL+"/hooks/woocommerce/s", TopicOrderUpdated, "2", body, "k"))
		if err != nil {
			answered <- -1
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-inbox.entered
	select {
	case s := <-answered:
		t.Fatalf("answered %d before Accept returned", s)
	case <-time.After(200 * time.Millisecond):
	}
	if notified.Load() != 0 {
		t.Fatal("Notify before Accept returned")
	}
	close(inbox.gate)
	if s := <-answered; s != 200 {
		t.Fatalf("status %d after Accept, want 200", s)
	}
	if notified.Load() != 1 || len(inbox.Deliveries()) != 1 {
		t.Fatalf("notified %d, stored %d", notified.Load(), len(inbox.Deliveries()))
	}
}

// TestConcurrentDeliveries: 50 senders at once, each delivery stored once.
func TestConcurrentDeliveries(t *testing.T) {
	inbox := &memInbox{}
	ts := startServer(t, Config{Shops: mapShops{"woocommerce/s": {Secret: "k", Topics: allTopics()}}, Inbox: inbox}, nil)
	const senders, each = 50, 10
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				body := fmt.Appendf(nil, `{"id":%d,"date_modified_gmt":"2026-11-22T19:48:26"}`, s*each+i+1)
				resp, err := client.Do(wooRequest(t, ts.URL+"/hooks/woocommerce/s", TopicOrderUpdated, "1", body, "k"))
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ids := map[string]bool{}
	for _, d := range inbox.Deliveries() {
		ids[d.OrderID] = true
	}
	if len(ids) != senders*each {
		t.Fatalf("%d distinct orders stored, want %d", len(ids), senders*each)
	}
}

// TestSlowClientsAreCut: a client that trickles its headers, or its body,
// is disconnected by the server's timeouts instead of holding on.
func TestSlowClientsAreCut(t *testing.T) {
	srv := NewServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("NewServer leaves a limit unset: %+v", srv)
	}
	if srv.ReadHeaderTimeout > 30*time.Second || srv.ReadTimeout > time.Minute {
		t.Fatalf("timeouts too generous for a webhook: %v %v", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
	inbox := &memInbox{}
	// The defaults are seconds; shorten them so the test is quick. What is
	// tested is that the server built by NewServer and run by Serve cuts.
	ts := startServer(t, Config{Shops: mapShops{"woocommerce/s": {Secret: "k", Topics: allTopics()}}, Inbox: inbox}, func(s *http.Server) {
		s.ReadHeaderTimeout = 300 * time.Millisecond
		s.ReadTimeout = 600 * time.Millisecond
	})
	addr := strings.TrimPrefix(ts.URL, "http://")

	cases := map[string]string{
		"headers": "POST /hooks/woocommerce/s HTTP/1.1\r\nHost: x\r\nX-Slow: ",
		"body":    "POST /hooks/woocommerce/s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-WC-Webhook-Signature: AAAA\r\nContent-Length: 1000\r\n\r\n{\"id\":",
	}
	for name, start := range cases {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, start); err != nil {
				t.Fatal(err)
			}
			begin := time.Now()
			// Keep trickling one byte every 100 ms, as a slowloris does.
			cut := make(chan time.Duration, 1)
			go func() {
				r := bufio.NewReader(conn)
				_, _ = io.Copy(io.Discard, r) // returns when the server closes
				cut <- time.Since(begin)
			}()
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			deadline := time.After(5 * time.Second)
			for {
				select {
				case d := <-cut:
					if d > 3*time.Second {
						t.Fatalf("cut only after %v", d)
					}
					return
				case <-tick.C:
					_, _ = conn.Write([]byte("1"))
				case <-deadline:
					t.Fatal("slow client still connected after 5 s")
				}
			}
		})
	}
	if n := len(inbox.Deliveries()); n != 0 {
		t.Fatalf("%d stored from slow clients", n)
	}
}

// TestServeDrainsOnShutdown: cancelling Serve's context lets a delivery in
// flight finish and be answered before Serve returns.
func TestServeDrainsOnShutdown(t *testing.T) {
	inbox := &memInbox{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	ts := startServer(t, Config{Shops: mapShops{"woocommerce/s": {Secret: "k", Topics: allTopics()}}, Inbox: inbox}, nil)
	body := []byte(`{"id":5,"date_modified_gmt":"2026-11-22T19:48:26"}`)
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(wooRequest(t, ts.URL+"/hooks/woocommerce/s", TopicOrderUpdated, "2", body, "k"))
		if err != nil {
			answered <- -1
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-inbox.entered
	ts.stop()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-ts.done:
		t.Fatalf("Serve returned (%v) with a request in flight", err)
	default:
	}
	close(inbox.gate)
	if s := <-answered; s != 200 {
		t.Fatalf("in-flight request got %d", s)
	}
	select {
	case err := <-ts.done:
		if err != nil {
			t.Fatal(err)
		}
		ts.done <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(ts.URL, "http://"), time.Second); err == nil {
		t.Fatal("listener still open after Serve returned")
	}
}

func TestUnroutedPath(t *testing.T) {
	inbox := &memInbox{}
	ts := startServer(t, Config{Shops: mapShops{}, Inbox: inbox}, nil)
	for _, p := range []string{"/", "/wp-login.php", "/hooks/woocommerce/", "/hooks/unknown/s"} {
		resp, err := http.Post(ts.URL+p, "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
	if n := len(inbox.Rejections()); n != 0 {
		t.Errorf("scanner noise recorded: %d rejections", n)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   Code
	}{
		{&MethodError{Method: "GET", Allow: "POST"}, 405, CodeMethod},
		{&UnknownShopError{Shop: "x"}, 404, CodeUnknownShop},
		{ErrSignatureMismatch, 401, CodeSignature},
		{&TooLargeError{Limit: 1}, 413, CodeTooLarge},
		{&ParseError{Err: errors.New("x")}, 400, CodeParse},
		{&ReadError{Err: io.ErrUnexpectedEOF}, 400, CodeRead},
		{fmt.Errorf("wrapped: %w", &InboxError{Err: errDiskFull}), 503, CodeInbox},
		{errors.New("other"), 500, CodeInternal},
	}
	for _, tt := range tests {
		if s, c := Classify(tt.err); s != tt.status || c != tt.code {
			t.Errorf("Classify(%v) = %d %s, want %d %s", tt.err, s, c, tt.status, tt.code)
		}
	}
	if strings.Contains((&InboxError{Err: errDiskFull}).Error(), "disk") {
		t.Error("InboxError tells the shop about the database")
	}
}
