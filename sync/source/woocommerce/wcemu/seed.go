package wcemu

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// SeedFixtures loads the captured and documented orders of
// shared/fixtures/woocommerce (dir is that folder): the real 8.9.1 orders 13
// (with its refund 14) and 15, and the documentation's list example. It
// returns the ids added.
func (s *Shop) SeedFixtures(dir string) ([]int64, error) {
	var orders []Order
	for _, f := range []string{"real-8.9.1/rest_order_13_get_after_refund.json", "real-8.9.1/rest_orders_page1_per_page1.json", "orders-list-all-orders.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		var list []Order
		if err := json.Unmarshal(b, &list); err != nil {
			var one Order
			if err2 := json.Unmarshal(b, &one); err2 != nil {
				return nil, fmt.Errorf("seed %s: %w", f, err2)
			}
			list = []Order{one}
		}
		orders = append(orders, list...)
	}
	ids := s.Add(orders...)
	b, err := os.ReadFile(filepath.Join(dir, "real-8.9.1/rest_refund_14_create_response.json"))
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	var r Refund
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("seed refund: %w", err)
	}
	r.normalize()
	s.mu.Lock()
	s.refunds[13] = []Refund{r}
	if r.ID >= s.nextID {
		s.nextID = r.ID + 1
	}
	s.mu.Unlock()
	return ids, nil
}
