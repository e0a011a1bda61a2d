package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
)

// BenchmarkTillDurableDeliveries is BenchmarkDurableDeliveries for the
// till's Close route: closed checks (the shared Linga sample, 4 kB, each
// with its own checkID so every one is new) posted with the header by 1
// and 8 concurrent senders over loopback, through the real handler and
// receiver (the constant-time header check, the check read in full and its
// twins checked) into the real SQLite inbox, each committed before its 200.
// The engine does not run: this is Orderbrug's intake of a till, not its
// counting (BenchmarkCountChecks in sync/engine measures that).
func BenchmarkTillDurableDeliveries(b *testing.B) {
	for _, senders := range []int{1, 8} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) { benchTill(b, senders) })
	}
}

func benchTill(b *testing.B, senders int) {
	ctx := context.Background()
	dir := b.TempDir()
	svc, err := app.Open(ctx, app.Options{DataDir: filepath.Join(dir, "data"), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Eetcafé", Source: order.POS}); err != nil {
		b.Fatal(err)
	}
	_, key, err := svc.WebhookCredential(ctx, "Eetcafé")
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.StartWebhooks(ctx, "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	si, err := svc.Shop(ctx, "Eetcafé")
	if err != nil {
		b.Fatal(err)
	}
	url := "http://" + svc.TunnelStatus().Local + si.Webhook.Paths["close"]
	sample, err := os.ReadFile(filepath.Join(filepath.Dir(fixturesDir(b)), "pos", "linga-close-check.example.json"))
	if err != nil {
		b.Fatal(err)
	}
	// A new check each time: the check id (in the envelope, where the
	// parser takes it from) made unique, the rest the sample's bytes.
	const id = `"checkID":"3-201-8ee32974b2d6831fb455b5ad27c6265a"`
	if !bytes.Contains(sample, []byte(id)) {
		b.Fatal("the sample's check id moved")
	}
	body := func(i int64) []byte {
		return bytes.Replace(sample, []byte(id), []byte(fmt.Sprintf(`"checkID":"3-201-%032d"`, i)), 1)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}
	defer client.CloseIdleConnections()
	b.SetBytes(int64(len(sample)))
	lat, elapsed := sendEach(b, senders, 0, func(i int64) (time.Duration, error) {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body(i)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Orderbrug-Key", key)
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("status %d", resp.StatusCode)
		}
		return time.Since(t0), nil
	})
	var stored int
	if err := svc.Store().DB().QueryRow(`SELECT COUNT(*) FROM inbox WHERE source = 'pos'`).Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if stored != len(lat) {
		b.Fatalf("%d deliveries answered 200, %d in the inbox", len(lat), stored)
	}
	reportLatency(b, lat, elapsed, "deliveries/s")
}
