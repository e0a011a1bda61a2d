package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// BenchmarkApplyDecide measures orders applied and decided into a real
// SQLite file, in batches as a poll delivers them (target: ≥ 5,000/s).
func BenchmarkApplyDecide(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			s, err := store.Open(ctx, filepath.Join(b.TempDir(), "d"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			sh, err := s.AddShop(ctx, store.Shop{Name: "w", Source: order.WooCommerce, BaseURL: "https://w",
				Forward: []order.Status{"processing", "completed"}, PollInterval: time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			decide := engine.Decide(sh, wooKind)
			t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			statuses := []order.Status{"processing", "completed", "on-hold", "pending"}
			obs := make([]store.Observation, 0, batch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				o := benchOrder(i, statuses[i%len(statuses)], t0.Add(time.Duration(i)*time.Second))
				obs = append(obs, store.Observation{ShopID: sh.ID, Order: o})
				if len(obs) == batch || i == b.N-1 {
					if _, err := s.Apply(ctx, obs, decide); err != nil {
						b.Fatal(err)
					}
					obs = obs[:0]
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}

func benchOrder(i int, st order.Status, mod time.Time) order.Order {
	id := fmt.Sprint(i + 1)
	return order.Order{Source: order.WooCommerce, ID: id, Number: id, Status: st, Created: mod, Modified: mod,
		Currency: "EUR", PricesIncludeTax: true, Total: 4206, TotalTax: 730,
		Buyer: order.Party{Name: "Test Klant", Email: "klant@example.com",
			Address: order.Address{Street: "Teststraat 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}},
		Lines: []order.Line{
			{Kind: order.Product, ID: "1", Name: "Koffiemok", Quantity: 2, Net: 1800, VAT: 378, Rate: 2100, Category: order.Standard},
			{Kind: order.Product, ID: "2", Name: "Thee", Quantity: 3, Net: 1080, VAT: 227, Rate: 2100, Category: order.Standard},
			{Kind: order.Shipping, ID: "3", Name: "Verzending", Quantity: 1, Net: 496, VAT: 104, Rate: 2100, Category: order.Standard},
			{Kind: order.Fee, ID: "4", Name: "Verpakking", Quantity: 1, Net: 100, VAT: 21, Rate: 2100, Category: order.Standard},
		}}
}
