package pos

import (
	"errors"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

// Receiver receives the Integration Hub's deliveries on its three routes.
type Receiver struct{}

var _ webhook.Receiver = Receiver{}

// Routes are Back Office's three URLs.
func (Receiver) Routes() []webhook.Route {
	return []webhook.Route{{Path: TopicOpen}, {Path: TopicUpdate}, {Path: TopicClose}}
}

// Receive is a skeleton (contract commit): the pos helper fills it in.
func (Receiver) Receive(req webhook.Request) (webhook.Result, error) {
	return webhook.Result{}, &webhook.ParseError{Err: errors.New("not yet")}
}

// ParseWebhook is a skeleton (contract commit).
func (*Client) ParseWebhook(topic string, body []byte) (order.Order, bool, error) {
	return order.Order{}, false, errors.New("not yet")
}
