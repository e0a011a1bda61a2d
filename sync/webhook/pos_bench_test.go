package webhook_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/pos"

	. "github.com/orderbrug/orderbrug/sync/webhook"
)

// BenchmarkPOSDelivery: the till's Close route as WooCommerce's is measured
// (BenchmarkWooDelivery): real closed checks posted to
// /hooks/pos/{shop}/close on a loopback server by 50 concurrent senders on
// keep-alive connections, through the real Handler and pos.Receiver (the
// constant-time key check, both JSON decodes of an envelope whose data is
// a string, the twins, the lines and their reconciliation) into an Inbox
// that accepts everything and stores nothing, as the WooCommerce benchmark
// does, but counts them. Every answer must be 200, and the inbox must have
// accepted b.N deliveries, each of topic close. Reports deliveries/s and the p50 and p99
// time from send to answer; ns/op and allocs/op are per delivery, client
// and server together.
func BenchmarkPOSDelivery(b *testing.B) {
	for _, c := range []struct{ name, file string }{
		{"fixture-4KB", "linga-close-check.example.json"},
		{"group-dinner-9KB", "close-group-dinner.envelope.json"},
	} {
		b.Run(c.name, func(b *testing.B) { benchPOS(b, c.file) })
	}
}

func benchPOS(b *testing.B, file string) {
	const senders = 50
	const key = "bench-key-0123456789abcdef0123456789abcdef"
	body, err := os.ReadFile(filepath.Join("..", "source", "pos", "testdata", file))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pos.ParseCheck(body); err != nil {
		b.Fatal(err)
	}
	inbox := &countInbox{}
	ts := startServer(b, Config{
		Shops: mapShops{"pos/s": {Secret: key, Topics: map[string]bool{pos.TopicOpen: true, pos.TopicUpdate: true,
			pos.TopicClose: true, pos.TopicThird: true}}},
		Inbox:     inbox,
		Receivers: map[order.Source]Receiver{order.POS: pos.Receiver{}},
		Logger:    slog.New(slog.DiscardHandler),
	}, nil)
	url := ts.URL + "/hooks/pos/s/close"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}
	defer client.CloseIdleConnections()

	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	lat, elapsed := postParallel(b, client, senders, url, body, func(req *http.Request) {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(pos.Header, key)
	})
	if n, closes := inbox.counts(); n != int64(b.N) || closes != int64(b.N) {
		b.Fatalf("the inbox accepted %d deliveries, %d of topic close; want %d of each", n, closes, b.N)
	}
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}

// countInbox accepts everything, stores nothing and counts what it
// accepted, and of that what is topic close.
type countInbox struct {
	mu        sync.Mutex
	n, closes int64
}

func (c *countInbox) Accept(_ context.Context, d Delivery) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if d.Topic == pos.TopicClose && d.Unreadable == "" {
		c.closes++
	}
	return nil
}

func (*countInbox) Reject(context.Context, Rejection) error { return nil }

func (c *countInbox) counts() (int64, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.closes
}
