package plugandpay

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// BenchmarkInitialImport10k polls 10,000 orders (every tenth credited,
// its credit invoice attached to its original) from the emulator over
// loopback, as a first start with a backfill from the beginning does.
func BenchmarkInitialImport10k(b *testing.B) {
	shop, c := start(b, t0)
	ids := shop.AddDutch(10000, 1)
	for i := 0; i < len(ids); i += 10 {
		if _, err := shop.Credit(ids[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		shop.ResetRequests()
		seen := map[string]bool{}
		refunds := 0
		start := time.Now()
		_, err := c.Poll(context.Background(), time.Time{}, func(o order.Order) error {
			seen[o.ID] = true
			refunds += len(o.Refunds)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(seen) != 10000 || refunds != 1000 {
			b.Fatalf("imported %d orders with %d refunds", len(seen), refunds)
		}
		d := time.Since(start)
		b.ReportMetric(float64(shop.Requests()), "requests/op")
		b.ReportMetric(10000/d.Seconds(), "orders/s")
		if d > 10*time.Second {
			b.Errorf("import took %v, target < 10 s", d)
		}
	}
}

// BenchmarkPollNoChange10k is the poll every 15 minutes of a tenant with
// 10,000 orders, one a minute over the last week, where nothing changed
// since the cursor: the payment window re-reads the last hour's orders
// (the overlap) and the invoice window finds nothing new.
func BenchmarkPollNoChange10k(b *testing.B) {
	shop, c := start(b, t0)
	shop.AddDutch(10000, 2)
	since := t0
	noop := func(order.Order) error { return nil }
	if _, err := c.Poll(context.Background(), since, noop); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var reread int
	for i := 0; i < b.N; i++ {
		shop.ResetRequests()
		reread = 0
		start := time.Now()
		next, err := c.Poll(context.Background(), since, func(order.Order) error { reread++; return nil })
		if err != nil {
			b.Fatal(err)
		}
		if !next.Equal(since) {
			b.Fatalf("cursor moved to %v", next)
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			b.Errorf("poll took %v, target < 50 ms", d)
		}
		b.ReportMetric(float64(shop.Requests()), "requests/op")
	}
	b.ReportMetric(float64(reread), "orders-reread/op")
}

// BenchmarkParseOrder parses the SDK's order mock.
func BenchmarkParseOrder(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(fixtures(b), "api-v2-order-show.sdk-mock.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseOrder(raw); err != nil {
			b.Fatal(err)
		}
	}
}
