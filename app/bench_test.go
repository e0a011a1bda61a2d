package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// quiet is a logger for benchmarks: a log line per request would measure
// the terminal.
var quiet = slog.New(slog.DiscardHandler)

// benchWorld is a world for benchmarks: an empty shop emulator on
// 127.0.0.1 and a service with a quiet logger on a temporary directory, the
// shop connected with its webhooks on. Nothing runs yet.
func benchWorld(b *testing.B) *world {
	b.Helper()
	ctx := context.Background()
	w := &world{emu: wcemu.New(testKey, testSecret), dir: b.TempDir(), shop: "Koffiebar"}
	w.srv = httptest.NewServer(w.emu)
	b.Cleanup(w.srv.Close)
	w.emu.SetURL(w.srv.URL)
	svc, err := app.Open(ctx, app.Options{DataDir: filepath.Join(w.dir, "data"), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	w.svc = svc
	w.ubl = filepath.Join(w.dir, "facturen")
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: w.shop, URL: w.srv.URL, Key: testKey, Secret: testSecret,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	if err := svc.SetSeller(ctx, testSeller()); err != nil {
		b.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, w.ubl); err != nil {
		b.Fatal(err)
	}
	if err := svc.SetWebhook(ctx, w.shop, true); err != nil {
		b.Fatal(err)
	}
	return w
}

// realDelivery is a real 3.3 KB WooCommerce delivery and its webhook id.
func realDelivery(b *testing.B) (body []byte, webhookID, topic string, secrets map[string]string) {
	b.Helper()
	real := filepath.Join(fixturesDir(b), "real-8.9.1")
	body, err := os.ReadFile(filepath.Join(real, "delivery_order.updated_13_after_refund.body.raw"))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(real, "secrets.json"))
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(raw, &secrets); err != nil {
		b.Fatal(err)
	}
	return body, "1", "order.updated", secrets
}

// BenchmarkDurableDeliveries: verified deliveries per second through the
// real handler into the real SQLite inbox (WAL, synchronous=FULL: each is
// committed before its 2xx) over loopback, with 1, 8 and 50 concurrent
// senders on keep-alive connections, each sending again as soon as it is
// answered (saturation); and the ack latency each sender sees. The last
// case is 50 senders at a steady 1,000 deliveries/s together, as a busy
// shop's queue would send: the latency when the receiver is not saturated.
// The engine does not run: this is the intake alone. Every delivery has
// the same body, so after the first each is a repeat (one row, counted):
// BenchmarkServeIntake measures new orders and the engine too.
func BenchmarkDurableDeliveries(b *testing.B) {
	for _, c := range []struct{ senders, rate int }{{1, 0}, {8, 0}, {50, 0}, {50, 1000}} {
		name := fmt.Sprintf("senders=%d", c.senders)
		if c.rate > 0 {
			name += fmt.Sprintf("/rate=%d", c.rate)
		}
		b.Run(name, func(b *testing.B) { benchDeliveries(b, c.senders, c.rate) })
	}
}

// benchDeliveries sends b.N deliveries from senders goroutines, as fast as
// answered (rate 0) or rate per second in all.
func benchDeliveries(b *testing.B, senders, rate int) {
	ctx := context.Background()
	body, hookID, topic, secrets := realDelivery(b)
	w := benchWorld(b)
	sh, err := w.svc.Store().ShopByName(ctx, w.shop)
	if err != nil {
		b.Fatal(err)
	}
	sh.Webhook.Secrets = map[string]string{hookID: secrets[hookID]}
	if err := w.svc.Store().SaveWebhook(ctx, sh.ID, sh.Webhook); err != nil {
		b.Fatal(err)
	}
	if err := w.svc.StartWebhooks(ctx, "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	url := "http://" + w.svc.TunnelStatus().Local + "/hooks/woocommerce/" + w.slug()
	sig := wcemu.Sign(body, secrets[hookID])
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}
	defer client.CloseIdleConnections()

	b.SetBytes(int64(len(body)))
	lat, elapsed := sendEach(b, senders, rate, func(int64) (time.Duration, error) {
		return postDelivery(client, url, topic, hookID, sig, body)
	})
	var stored int
	// The same body again is a repeat: folded into its row and counted.
	if err := w.svc.Store().DB().QueryRow(`SELECT COUNT(*) + COALESCE(SUM(repeats), 0) FROM inbox`).Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if stored != len(lat) {
		b.Fatalf("%d deliveries answered 200, %d in the inbox", len(lat), stored)
	}
	reportLatency(b, lat, elapsed, "deliveries/s")
}

// sendEach calls send for i = 1..b.N from senders goroutines, as fast as
// answered (rate 0) or rate per second in all, the senders staggered so
// they take turns instead of firing at once, and returns the times send
// returned and the wall time of all. An error of send fails b.
func sendEach(b *testing.B, senders, rate int, send func(i int64) (time.Duration, error)) ([]time.Duration, time.Duration) {
	var (
		mu   gosync.Mutex
		lat  = make([]time.Duration, 0, b.N)
		next atomic.Int64
		wg   gosync.WaitGroup
	)
	b.ResetTimer()
	start := time.Now()
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, b.N/senders+1)
			var tick *time.Ticker
			if rate > 0 {
				period := time.Duration(senders) * time.Second / time.Duration(rate)
				time.Sleep(period * time.Duration(g) / time.Duration(senders))
				tick = time.NewTicker(period)
				defer tick.Stop()
			}
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					break
				}
				if tick != nil {
					<-tick.C
				}
				d, err := send(i)
				if err != nil {
					b.Error(err)
					return
				}
				local = append(local, d)
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	return lat, elapsed
}

func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration, rateUnit string) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), rateUnit)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkWebhookToUBL: from posting a delivery of a new forwarded order
// to its UBL invoice on disk, with the running service (the runner woken by
// the handler's Notify, no poll). One delivery at a time: the time a shop
// owner waits to see the invoice.
func BenchmarkWebhookToUBL(b *testing.B) {
	ctx := context.Background()
	w := benchWorld(b)
	info, err := w.svc.Shop(ctx, w.shop)
	if err != nil {
		b.Fatal(err)
	}
	if err := w.svc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	if err := w.svc.StartWebhooks(ctx, "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	url := "http://" + w.svc.TunnelStatus().Local + "/hooks/woocommerce/" + w.slug()

	// The orders come from another shop: the served one stays empty, so
	// no poll can book them.
	gen := wcemu.New(testKey, testSecret)
	ids := gen.PlaceDutch(b.N, uint64(b.N))
	type delivery struct {
		body, sig, file string
	}
	ds := make([]delivery, len(ids))
	for i, id := range ids {
		gen.SetStatus(id, "processing")
		o, _ := gen.Order(id)
		body, _ := gen.OrderJSON(id)
		ds[i] = delivery{body: string(body), sig: wcemu.Sign(body, info.Webhook.Secret),
			file: filepath.Join(w.ubl, w.slug()+"_"+o.Number+".xml")}
	}
	client := &http.Client{}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		d := ds[i]
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(d.body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-WC-Webhook-Topic", "order.created")
		req.Header.Set("X-WC-Webhook-ID", strconv.Itoa(i+1))
		req.Header.Set("X-WC-Webhook-Signature", d.sig)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		for {
			if _, err := os.Stat(d.file); err == nil {
				break
			}
			if time.Since(t0) > 5*time.Second {
				b.Fatalf("no UBL file %s 5 s after the delivery", d.file)
			}
			time.Sleep(100 * time.Microsecond)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatency(b, lat, elapsed, "orders/s")
}

// postDelivery sends one signed WooCommerce delivery as the shop does and
// returns how long the answer took, its body read; an answer other than
// 200 is an error. extra are more header name/value pairs.
func postDelivery(client *http.Client, url, topic, hookID, sig string, body []byte, extra ...string) (time.Duration, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-WC-Webhook-Topic", topic)
	req.Header.Set("X-WC-Webhook-ID", hookID)
	req.Header.Set("X-WC-Webhook-Signature", sig)
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("status %d", resp.StatusCode)
	}
	return d, nil
}
