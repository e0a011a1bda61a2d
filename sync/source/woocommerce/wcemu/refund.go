package wcemu

import (
	"fmt"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// RefundItem asks to refund Quantity pieces of the line item LineID.
type RefundItem struct {
	LineID   int64
	Quantity int64
}

// AddRefund refunds amount (cents, positive) on an order with a reason, as
// POST /orders/{id}/refunds does. With items the refund also records the
// refunded lines with their share of net and tax (negative, as WooCommerce
// stores them); amount 0 then means the items' gross. The order's refunds
// list gains the refund, its modified date moves, and a refund of the whole
// total sets the status to "refunded". It returns the refund's id (refunds
// share the id sequence with orders, as posts do).
func (s *Shop) AddRefund(orderID int64, reason string, amount int64, items ...RefundItem) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders[orderID]
	if !ok {
		return 0, fmt.Errorf("refund: order %d does not exist", orderID)
	}
	var lines []RefundLineItem
	var gross int64
	for _, it := range items {
		var li *LineItem
		for i := range rec.o.LineItems {
			if rec.o.LineItems[i].ID == it.LineID {
				li = &rec.o.LineItems[i]
			}
		}
		if li == nil || it.Quantity <= 0 || it.Quantity > li.Quantity {
			return 0, fmt.Errorf("refund: order %d has no line %d with %d pieces", orderID, it.LineID, it.Quantity)
		}
		net := share(mustCents(li.Total), it.Quantity, li.Quantity)
		tax := share(mustCents(li.TotalTax), it.Quantity, li.Quantity)
		gross += net + tax
		rl := RefundLineItem{
			ID: s.nextID, Name: li.Name, ProductID: li.ProductID, Quantity: -it.Quantity,
			TaxClass: li.TaxClass, Subtotal: cents(-net), SubtotalTax: cents(-tax),
			Total: cents(-net), TotalTax: cents(-tax), SKU: li.SKU, Price: -li.Price,
			RefundTotal: float64(net+tax) / 100,
		}
		s.nextID++
		for _, t := range li.Taxes {
			rl.Taxes = append(rl.Taxes, Tax{ID: t.ID, Total: cents(-tax), Subtotal: cents(-tax)})
		}
		rl.MetaData = []Meta{{ID: s.nextID, Key: "_refunded_item_id", Value: fmt.Sprint(li.ID)}}
		s.nextID++
		lines = append(lines, rl)
	}
	if amount == 0 {
		amount = gross
	}
	if amount <= 0 {
		return 0, fmt.Errorf("refund: amount must be positive")
	}
	var refunded int64
	for _, r := range rec.o.Refunds {
		refunded += -mustCents(r.Total)
	}
	total := mustCents(rec.o.Total)
	if refunded+amount > total {
		return 0, fmt.Errorf("refund: %s exceeds the order's remaining %s", cents(amount), cents(total-refunded))
	}
	id := s.nextID
	s.nextID++
	now := s.now().UTC().Truncate(time.Second)
	r := Refund{
		ID: id, DateCreated: now.In(s.loc).Format(gmtLayout), DateCreatedGMT: now.Format(gmtLayout),
		Amount: cents(amount), Reason: reason, RefundedBy: 1, LineItems: lines,
		Links: Links{
			Self:       []Link{{Href: fmt.Sprintf("%s/wp-json/wc/v3/orders/%d/refunds/%d", s.url, orderID, id)}},
			Collection: []Link{{Href: fmt.Sprintf("%s/wp-json/wc/v3/orders/%d/refunds", s.url, orderID)}},
			Up:         []Link{{Href: fmt.Sprintf("%s/wp-json/wc/v3/orders/%d", s.url, orderID)}},
		},
	}
	r.normalize()
	s.refunds[orderID] = append([]Refund{r}, s.refunds[orderID]...)
	s.updateLocked(orderID, func(o *Order) {
		o.Refunds = append([]RefundBrief{{ID: id, Reason: reason, Total: cents(-amount)}}, o.Refunds...)
		if refunded+amount == total {
			o.Status = "refunded"
		}
	})
	return id, nil
}

// share is part/whole of v, rounded half away from zero.
func share(v, part, whole int64) int64 {
	p := v * part
	q, rem := p/whole, p%whole
	if 2*rem >= whole {
		q++
	} else if 2*rem <= -whole {
		q--
	}
	return q
}

func mustCents(s string) int64 {
	m, err := order.ParseMoney(s)
	if err != nil {
		return 0
	}
	return int64(m)
}

// cents writes an amount as WooCommerce's two-decimal string.
func cents(v int64) string { return order.Money(v).String() }
