package webhook_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/orderbrug/orderbrug/sync/webhook"
)

// nopInbox accepts everything and stores nothing: the benchmark measures
// the receiver, not a database.
type nopInbox struct{}

func (nopInbox) Accept(context.Context, Delivery) error  { return nil }
func (nopInbox) Reject(context.Context, Rejection) error { return nil }

// postParallel posts body to url b.N times from about senders goroutines
// on keep-alive connections (RunParallel starts GOMAXPROCS*p goroutines:
// p is picked so there are ~senders), each request with its headers set by
// header, and returns every answer's time from send to its body read,
// sorted, and the wall time of all. An answer other than 200 fails b.
func postParallel(b *testing.B, client *http.Client, senders int, url string, body []byte, header func(*http.Request)) ([]time.Duration, time.Duration) {
	var mu sync.Mutex
	var lat []time.Duration
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism(max(1, (senders+procs-1)/procs))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			header(req)
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			local = append(local, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	return lat, elapsed
}

// BenchmarkWooDelivery: real 3 KB WooCommerce deliveries (verify + parse +
// Accept) over a loopback server with 50 concurrent senders on keep-alive
// connections. Reports req/s and the p99 time from send to the answer.
func BenchmarkWooDelivery(b *testing.B) {
	const senders = 50
	body, err := os.ReadFile(filepath.Join(fixtureDir, "delivery_order.updated_13_after_refund.body.raw"))
	if err != nil {
		b.Fatal(err)
	}
	ts := startServer(b, Config{
		Shops:  mapShops{"woocommerce/s": {Secret: "k", Topics: allTopics()}},
		Inbox:  nopInbox{},
		Logger: slog.New(slog.DiscardHandler),
	}, nil)
	url := ts.URL + "/hooks/woocommerce/s"
	sig := sign(body, "k")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}
	defer client.CloseIdleConnections()

	b.SetBytes(int64(len(body)))
	lat, elapsed := postParallel(b, client, senders, url, body, func(req *http.Request) {
		req.Header.Set(HeaderWooTopic, TopicOrderUpdated)
		req.Header.Set(HeaderWooID, "1")
		req.Header.Set(HeaderWooSignature, sig)
	})
	if len(lat) == 0 {
		return
	}
	p99 := lat[(len(lat)*99)/100]
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
