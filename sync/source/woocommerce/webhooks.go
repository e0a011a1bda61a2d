package woocommerce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/orderbrug/orderbrug/sync/source"
)

// Webhook statuses as WooCommerce names them. A shop sets a webhook to
// disabled by itself after repeated failed deliveries.
const (
	WebhookActive   = "active"
	WebhookPaused   = "paused"
	WebhookDisabled = "disabled"
)

// Webhook is a shop's webhook. Secret is only sent, never returned: the
// REST API does not reveal it.
type Webhook struct {
	ID          int64     `json:"id,omitempty"`
	Name        string    `json:"name,omitempty"`
	Status      string    `json:"status,omitempty"`
	Topic       string    `json:"topic,omitempty"`
	DeliveryURL string    `json:"delivery_url,omitempty"`
	Secret      string    `json:"secret,omitempty"`
	Created     time.Time `json:"-"`
}

type wcWebhook struct {
	ID             int64   `json:"id"`
	Name           string  `json:"name"`
	Status         string  `json:"status"`
	Topic          string  `json:"topic"`
	DeliveryURL    string  `json:"delivery_url"`
	DateCreatedGMT *string `json:"date_created_gmt"`
}

func (w wcWebhook) webhook() Webhook {
	created, _ := gmtTime(w.DateCreatedGMT)
	return Webhook{ID: w.ID, Name: w.Name, Status: w.Status, Topic: w.Topic, DeliveryURL: w.DeliveryURL, Created: created}
}

func checkStatus(s string) error {
	switch s {
	case "", WebhookActive, WebhookPaused, WebhookDisabled:
		return nil
	}
	return &source.Error{Kind: source.BadRequest, Message: fmt.Sprintf("webhook status %q is not active, paused or disabled", s)}
}

// ListWebhooks returns the shop's webhooks (up to 100, newest first).
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	var rows []wcWebhook
	if _, err := c.get(ctx, "webhooks", url.Values{"per_page": {"100"}}, &rows); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out := make([]Webhook, len(rows))
	for i, r := range rows {
		out[i] = r.webhook()
	}
	return out, nil
}

// CreateWebhook registers a webhook (topic such as "order.updated") and
// returns it as the shop stored it.
func (c *Client) CreateWebhook(ctx context.Context, w Webhook) (Webhook, error) {
	if err := checkStatus(w.Status); err != nil {
		return Webhook{}, err
	}
	w.ID = 0
	var got wcWebhook
	if _, err := c.do(ctx, http.MethodPost, "webhooks", nil, w, &got); err != nil {
		return Webhook{}, fmt.Errorf("create webhook: %w", err)
	}
	return got.webhook(), nil
}

// UpdateWebhook changes the non-empty fields of w on webhook id, for
// instance its delivery URL after the tunnel moved, or its status back to
// active after the shop disabled it.
func (c *Client) UpdateWebhook(ctx context.Context, id int64, w Webhook) (Webhook, error) {
	if err := checkStatus(w.Status); err != nil {
		return Webhook{}, err
	}
	w.ID = 0
	var got wcWebhook
	if _, err := c.do(ctx, http.MethodPut, "webhooks/"+strconv.FormatInt(id, 10), nil, w, &got); err != nil {
		return Webhook{}, fmt.Errorf("update webhook %d: %w", id, err)
	}
	return got.webhook(), nil
}

// DeleteWebhook removes webhook id for good (webhooks cannot be trashed).
func (c *Client) DeleteWebhook(ctx context.Context, id int64) error {
	if _, err := c.do(ctx, http.MethodDelete, "webhooks/"+strconv.FormatInt(id, 10), url.Values{"force": {"true"}}, nil, &wcWebhook{}); err != nil {
		return fmt.Errorf("delete webhook %d: %w", id, err)
	}
	return nil
}
