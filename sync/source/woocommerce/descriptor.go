package woocommerce

import (
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// Kind is WooCommerce.
func (c *Client) Kind() order.Source { return order.WooCommerce }

var (
	_ source.Source          = (*Client)(nil)
	_ source.Poller          = (*Client)(nil)
	_ source.Fetcher         = (*Client)(nil)
	_ source.StatusLister    = (*Client)(nil)
	_ source.HookRegistrar   = (*Client)(nil)
	_ source.HookReader      = (*Client)(nil)
	_ source.ReportingPoller = (*Client)(nil)
	_ source.WebhookParser   = (*Client)(nil)
)

// Descriptor is what the rest of Orderbrug knows of WooCommerce: the one
// line app registers it with.
func Descriptor() source.Descriptor {
	return source.Descriptor{
		Kind: order.WooCommerce,
		Name: "WooCommerce",
		Fields: []source.Field{
			{Key: "url", Flag: "url", Label: "field.woocommerce.url", Hint: "field.woocommerce.url.hint", Required: true},
			{Key: "key", Flag: "key", Label: "field.woocommerce.key", Hint: "field.woocommerce.key.hint", Secret: true, Required: true},
			{Key: "secret", Flag: "secret", Label: "field.woocommerce.secret", Hint: "field.woocommerce.secret.hint", Secret: true, Required: true},
		},
		Topics: []source.Topic{
			{Key: TopicOrderCreated, Label: "topic." + TopicOrderCreated, Default: true},
			{Key: TopicOrderUpdated, Label: "topic." + TopicOrderUpdated, Default: true},
			{Key: TopicOrderDeleted, Label: "topic." + TopicOrderDeleted},
			{Key: TopicOrderRestored, Label: "topic." + TopicOrderRestored},
		},
		DefaultForward: []order.Status{"processing", "completed"},
		Draft:          []order.Status{"checkout-draft"},
		Gone:           []order.Status{"trash", "cancelled"},
		Refunded:       []order.Status{"refunded"},
		Unbookable:     []order.Status{"cancelled", "failed", "trash", "checkout-draft"},
		New: func(cfg source.Config) (source.Source, error) {
			return New(Config{BaseURL: cfg.BaseURL, Key: cfg.Key, Secret: cfg.Secret, HTTPClient: cfg.HTTPClient})
		},
		Hooks:    Receiver{},
		OrderURL: adminURL,
		Connect:  true,
	}
}
