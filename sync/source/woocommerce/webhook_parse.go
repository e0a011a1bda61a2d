package woocommerce

import (
	"errors"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

var _ source.WebhookParser = (*Client)(nil)

// ParseWebhook reads a verified delivery: order.created, order.updated and
// order.restored carry the whole order, exactly as the REST API returns it;
// order.deleted carries only {"id":N}, so ok is false and the engine
// fetches the order (a trashed order still answers, with status "trash").
// An order with refunds is fetched too: the delivery lacks the refunded
// lines that Poll and Fetch read, and a credit note must not depend on
// which of the two saw the refund first.
func (c *Client) ParseWebhook(topic string, body []byte) (order.Order, bool, error) {
	o, err := ParseOrder(body, c.BaseURL())
	if errors.Is(err, ErrIDOnly) || topic == "order.deleted" {
		id, derr := ParseDeleted(body)
		if derr != nil {
			return order.Order{}, false, derr
		}
		return order.Order{Source: order.WooCommerce, ID: id}, false, nil
	}
	if err != nil {
		return order.Order{}, false, err
	}
	if len(o.Refunds) > 0 {
		return order.Order{Source: order.WooCommerce, ID: o.ID}, false, nil
	}
	return o, true, nil
}
