package woocommerce

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/orderbrug/orderbrug/sync/source"
)

// topicKeys are the topics Orderbrug may register, in the order it does.
var topicKeys = []string{TopicOrderCreated, TopicOrderUpdated, TopicOrderDeleted, TopicOrderRestored}

// RegisterHooks makes the shop's webhooks match setup: one per enabled
// topic, delivering to setup.URL, active, signed with setup.Secret; the
// ones of topics no longer wanted (all of them when setup.URL is "") are
// deleted. A webhook WooCommerce disabled (after failed deliveries, e.g.
// while the laptop slept) is set active again: WooCommerce does not reset
// its failure count, so one more failure disables it again, and the
// catch-up poll fills the gap of what it did not deliver. When the shop's
// webhooks cannot be listed, nothing is done and IDs is nil; an error
// after that returns the state as it is (the ids of the webhooks that
// exist), with the errors joined.
func (c *Client) RegisterHooks(ctx context.Context, setup source.HookSetup) (source.HookState, error) {
	want := map[string]bool{}
	if setup.URL != "" {
		for _, t := range setup.Topics {
			want[t] = true
		}
	}
	st := source.HookState{IDs: map[string]string{}}
	existing, err := c.ListWebhooks(ctx)
	if err != nil {
		return source.HookState{}, fmt.Errorf("list webhooks: %w", err) // nil IDs: nothing was read
	}
	mine := map[int64]Webhook{}
	for _, w := range existing {
		mine[w.ID] = w
	}
	var errs []error
	for _, topic := range topicKeys {
		idText, registered := setup.Known[topic]
		id, _ := strconv.ParseInt(idText, 10, 64)
		remote, exists := mine[id]
		switch {
		case !want[topic] && registered:
			if exists {
				if err := c.DeleteWebhook(ctx, id); err != nil {
					st.IDs[topic] = idText
					errs = append(errs, err)
					continue
				}
			}
		case want[topic] && (!registered || !exists):
			created, err := c.CreateWebhook(ctx, Webhook{Name: "Orderbrug " + topic, Topic: topic,
				DeliveryURL: setup.URL, Secret: setup.Secret, Status: WebhookActive})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			st.IDs[topic] = strconv.FormatInt(created.ID, 10)
			st.Created = append(st.Created, topic)
			st.Status = worst(st.Status, created.Status)
		case want[topic]:
			st.IDs[topic] = idText
			upd := Webhook{}
			if remote.DeliveryURL != setup.URL {
				upd.DeliveryURL = setup.URL
			}
			if remote.Status == WebhookDisabled {
				if setup.Reactivating != nil {
					setup.Reactivating(topic)
				}
				upd.Status = WebhookActive
				st.Reactivated++
				st.ReactivatedTopics = append(st.ReactivatedTopics, topic)
			}
			if upd != (Webhook{}) {
				got, err := c.UpdateWebhook(ctx, id, upd)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				remote = got
			}
			st.Status = worst(st.Status, remote.Status)
		}
	}
	return st, errors.Join(errs...)
}

// ReadHooks reads the state of the webhooks Orderbrug registered, changing
// nothing: one deleted in the shop is left out of IDs.
func (c *Client) ReadHooks(ctx context.Context, known map[string]string) (source.HookState, error) {
	st := source.HookState{IDs: map[string]string{}}
	list, err := c.ListWebhooks(ctx)
	if err != nil {
		return source.HookState{}, fmt.Errorf("list webhooks: %w", err)
	}
	byID := map[string]Webhook{}
	for _, w := range list {
		byID[strconv.FormatInt(w.ID, 10)] = w
	}
	for topic, id := range known {
		remote, ok := byID[id]
		if !ok {
			continue
		}
		st.IDs[topic] = id
		st.Status = worst(st.Status, remote.Status)
	}
	return st, nil
}

// worst keeps the status that needs attention most.
func worst(a, b string) string {
	rank := map[string]int{"": 0, WebhookActive: 1, WebhookPaused: 2, WebhookDisabled: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
