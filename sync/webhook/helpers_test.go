package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/orderbrug/orderbrug/sync/order"
	wc "github.com/orderbrug/orderbrug/sync/source/woocommerce"

	. "github.com/orderbrug/orderbrug/sync/webhook"
)

// WooCommerce's names, as these tests serve its receiver.
const (
	HeaderWooSignature  = wc.HeaderSignature
	HeaderWooTopic      = wc.HeaderTopic
	HeaderWooResource   = wc.HeaderResource
	HeaderWooEvent      = wc.HeaderEvent
	HeaderWooID         = wc.HeaderID
	HeaderWooDeliveryID = wc.HeaderDeliveryID
	HeaderWooSource     = wc.HeaderSource

	TopicOrderCreated  = wc.TopicOrderCreated
	TopicOrderUpdated  = wc.TopicOrderUpdated
	TopicOrderDeleted  = wc.TopicOrderDeleted
	TopicOrderRestored = wc.TopicOrderRestored

	wooTimeLayout = "2006-01-02T15:04:05"
	// bodyPrefixLen is how much of a rejected body the handler keeps.
	bodyPrefixLen = 512
)

// wooReceivers serves WooCommerce only, as Orderbrug did before kinds.
func wooReceivers() map[order.Source]Receiver {
	return map[order.Source]Receiver{order.WooCommerce: wc.Receiver{}}
}

// memInbox is an in-memory Inbox that keeps the contract: a delivery is
// recorded only when Accept returns nil. fail makes every Accept fail
// without recording; gate, when set, holds Accept until it is closed.
type memInbox struct {
	mu         sync.Mutex
	deliveries []Delivery
	rejections []Rejection
	fail       error
	gate       chan struct{}
	entered    chan struct{} // receives once per Accept call, if set
}

func (in *memInbox) Accept(ctx context.Context, d Delivery) error {
	if in.entered != nil {
		in.entered <- struct{}{}
	}
	if in.gate != nil {
		select {
		case <-in.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if in.fail != nil {
		return in.fail
	}
	// Copy the body: the contract is "committed", so later changes by the
	// caller to its slice must not show here.
	d.Body = bytes.Clone(d.Body)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.deliveries = append(in.deliveries, d)
	return nil
}

func (in *memInbox) Reject(ctx context.Context, r Rejection) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rejections = append(in.rejections, r)
	return nil
}

func (in *memInbox) Deliveries() []Delivery {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Delivery(nil), in.deliveries...)
}

func (in *memInbox) Rejections() []Rejection {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Rejection(nil), in.rejections...)
}

// mapShops is a Shops over a fixed map, keyed by "source/shop".
type mapShops map[string]ShopHooks

func (m mapShops) Lookup(source order.Source, shop string) (ShopHooks, bool) {
	h, ok := m[string(source)+"/"+shop]
	return h, ok
}

func allTopics() map[string]bool {
	return map[string]bool{TopicOrderCreated: true, TopicOrderUpdated: true, TopicOrderDeleted: true, TopicOrderRestored: true}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is the handler served by NewServer + Serve on 127.0.0.1.
type testServer struct {
	URL  string
	Srv  *http.Server
	Logs *syncBuffer
	done chan error
	stop context.CancelFunc
}

// startServer serves New(cfg) on a loopback port; tweak may shorten the
// server's timeouts before it starts.
func startServer(t testing.TB, cfg Config, tweak func(*http.Server)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.Receivers == nil {
		cfg.Receivers = wooReceivers()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(New(cfg))
	if tweak != nil {
		tweak(srv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{URL: "http://" + ln.Addr().String(), Srv: srv, Logs: logs, done: make(chan error, 1), stop: cancel}
	go func() { ts.done <- Serve(ctx, srv, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ts.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("Serve did not return after cancel")
		}
	})
	return ts
}

// sign returns the X-WC-Webhook-Signature for body.
func sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// wooRequest builds a WooCommerce-style delivery.
func wooRequest(t testing.TB, url, topic, webhookID string, body []byte, secret string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resource, event, _ := strings.Cut(topic, ".")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)")
	req.Header.Set(HeaderWooSource, "https://shop.example/")
	req.Header.Set(HeaderWooTopic, topic)
	req.Header.Set(HeaderWooResource, resource)
	req.Header.Set(HeaderWooEvent, event)
	req.Header.Set(HeaderWooID, webhookID)
	req.Header.Set(HeaderWooDeliveryID, "0c15de4e9af905ab2611570ad77eb11e")
	if secret != "" {
		req.Header.Set(HeaderWooSignature, sign(body, secret))
	}
	return req
}

// phpJSON encodes v as WordPress's wp_json_encode does with default flags:
// "/" as "\/" and every non-ASCII character as \uXXXX (a surrogate pair
// above the BMP). Go's encoder escapes neither, which is exactly why a
// receiver must verify the bytes it received and never re-encoded JSON.
func phpJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	in := bytes.TrimRight(buf.Bytes(), "\n")
	var out bytes.Buffer
	// "/" and non-ASCII bytes occur only inside JSON strings, so a pass
	// over the whole text rewrites exactly the string contents.
	for len(in) > 0 {
		r, n := utf8.DecodeRune(in)
		switch {
		case r == '/':
			out.WriteString(`\/`)
		case r < utf8.RuneSelf:
			out.WriteByte(byte(r))
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		in = in[n:]
	}
	return out.Bytes()
}

func TestPHPJSONEncoder(t *testing.T) {
	got := string(phpJSON(t, map[string]string{"a": "https://x.nl/é€😀"}))
	want := `{"a":"https:\/\/x.nl\/\u00e9\u20ac\ud83d\ude00"}`
	if got != want {
		t.Fatalf("phpJSON = %s, want %s", got, want)
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(got), &back); err != nil || back["a"] != "https://x.nl/é€😀" {
		t.Fatalf("round trip: %v %q", err, back["a"])
	}
}

// do sends req and returns status, body and the Allow header.
func do(t testing.TB, client *http.Client, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String(), resp.Header
}

var errDiskFull = errors.New("database or disk is full")
