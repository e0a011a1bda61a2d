package woocommerce

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// BenchmarkInitialImport10k polls 10,000 orders (with their refunds) from an
// emulated shop over loopback with OAuth signing, as a first start does.
func BenchmarkInitialImport10k(b *testing.B) {
	shop, c, _ := startShop(b, false)
	shop.AddDutch(10000, 1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.refundCache = map[string]refundEntry{} // a first start has no cache
		shop.ResetRequests()
		seen := map[string]bool{}
		start := time.Now()
		_, err := c.Poll(context.Background(), time.Time{}, func(o order.Order) error {
			seen[o.ID] = true
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(seen) != 10000 {
			b.Fatalf("imported %d orders", len(seen))
		}
		b.ReportMetric(float64(shop.Requests()), "requests/op")
		if d := time.Since(start); d > 10*time.Second {
			b.Errorf("import took %v, target < 10 s", d)
		}
	}
}

// BenchmarkPollNoChange100k is the poll every 15 minutes against a shop of
// 100,000 orders where nothing changed: one request, well under 50 ms.
func BenchmarkPollNoChange100k(b *testing.B) {
	shop, c, _ := startShop(b, false)
	shop.AddDutch(100000, 2)
	last := shop.Len() // the newest order is the last generated
	o, _ := shop.Order(int64(1000 + last - 1))
	since, _ := time.Parse(gmtLayout, o.DateModifiedGMT)
	noop := func(order.Order) error { return nil }
	if _, err := c.Poll(context.Background(), since, noop); err != nil { // fills the refund cache
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		shop.ResetRequests()
		start := time.Now()
		next, err := c.Poll(context.Background(), since, noop)
		if err != nil {
			b.Fatal(err)
		}
		if n := shop.Requests(); n != 1 {
			b.Fatalf("%d requests, want 1", n)
		}
		if !next.Equal(since) {
			b.Fatalf("cursor moved to %v", next)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			b.Errorf("poll took %v, target < 50 ms", d)
		}
	}
	b.ReportMetric(1, "requests/op")
}

func BenchmarkParseOrder(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(fixtures(b), "real-8.9.1", "rest_order_13_get_after_refund.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseOrder(raw, "https://shop.example.nl"); err != nil {
			b.Fatal(err)
		}
	}
}
