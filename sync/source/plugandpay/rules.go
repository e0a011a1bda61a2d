package plugandpay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/orderbrug/orderbrug/sync/source"
)

// Triggers Orderbrug registers a webhook rule for. "Order paid" and
// "Invoice created" (a credit invoice is an invoice) carry the orders;
// "Subscription ended" the Opzeggingen.
var Triggers = []string{"order_paid", "order_invoice_created", TriggerSubscriptionEnded}

// TriggerSubscriptionEnded is the rule of "Opzeggingen"; made only while
// the shop's option cancellations is on.
const TriggerSubscriptionEnded = "subscription_ended"

// ruleName marks the rules Orderbrug made, so it never touches the owner's.
const ruleName = "Orderbrug"

type rule struct {
	ID          ppID            `json:"id"`
	Name        string          `json:"name"`
	Driver      string          `json:"driver"`
	TriggerType string          `json:"trigger_type"`
	ActionData  json.RawMessage `json:"action_data"`
}

func (r rule) url() string {
	var d map[string]any
	_ = json.Unmarshal(r.ActionData, &d)
	for _, k := range []string{"hook_url", "url"} {
		if s, ok := d[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// RegisterHooks makes the tenant's webhook rules match setup: one rule per
// trigger of Triggers calling setup.URL (made anew when the URL changed),
// none when setup.URL is "". Only rules Orderbrug made (named "Orderbrug
// ..." or known by id) are changed. A key that may not manage rules (401 or
// 403 on /v2/rules) gives HookState{Manual: true}: the owner pastes the URL.
func (c *Client) RegisterHooks(ctx context.Context, setup source.HookSetup) (source.HookState, error) {
	rules, err := c.listRules(ctx)
	if manual(err) {
		return source.HookState{Manual: true}, nil
	}
	if err != nil {
		return source.HookState{}, err
	}
	known := map[string]bool{}
	for _, id := range setup.Known {
		known[id] = true
	}
	var ours []rule
	for _, r := range rules {
		if r.Driver == "webhook" && (known[r.ID.String()] || strings.HasPrefix(r.Name, ruleName)) {
			ours = append(ours, r)
		}
	}
	state := source.HookState{IDs: map[string]string{}}
	keep := map[string]bool{}
	if setup.URL != "" {
		for _, t := range c.triggers {
			for _, r := range ours {
				if r.TriggerType == t && r.url() == setup.URL && state.IDs[t] == "" {
					state.IDs[t] = r.ID.String()
					keep[r.ID.String()] = true
				}
			}
		}
	}
	for _, r := range ours {
		if keep[r.ID.String()] {
			continue
		}
		err := c.do(ctx, http.MethodDelete, "rules/"+r.ID.String(), nil, nil, nil)
		if manual(err) {
			return source.HookState{Manual: true}, nil
		}
		if err != nil && source.KindOf(err) != source.NotFound {
			return state, fmt.Errorf("webhook rules: %w", err)
		}
	}
	if setup.URL == "" {
		return state, nil
	}
	for _, t := range c.triggers {
		if state.IDs[t] != "" {
			continue
		}
		body := map[string]any{
			"name": ruleName + " (" + t + ")", "driver": "webhook", "action_type": "call_webhook",
			// The SDK's create sends url, its mocks show hook_url
			// (APIS.md §1.7): both, with the same value.
			"action_data":    map[string]string{"url": setup.URL, "hook_url": setup.URL},
			"trigger_type":   t,
			"condition_data": map[string]any{},
		}
		var out struct {
			Data rule `json:"data"`
		}
		err := c.do(ctx, http.MethodPost, "rules", nil, body, &out)
		if manual(err) {
			return source.HookState{Manual: true}, nil
		}
		if err != nil {
			return state, fmt.Errorf("webhook rules: %w", err)
		}
		state.IDs[t] = out.Data.ID.String()
	}
	state.Status = "active"
	return state, nil
}

// manual: the key may not manage rules.
func manual(err error) bool {
	return err != nil && source.KindOf(err) == source.Auth
}

func (c *Client) listRules(ctx context.Context) ([]rule, error) {
	var all []rule
	q := url.Values{"driver": {"webhook"}, "limit": {strconv.Itoa(pageSize)}}
	for n := 1; n <= 100; n++ {
		q.Set("page", strconv.Itoa(n))
		var p struct {
			Data []rule `json:"data"`
			Meta struct {
				LastPage int `json:"last_page"`
			} `json:"meta"`
		}
		if err := c.get(ctx, "rules", q, &p); err != nil {
			return nil, fmt.Errorf("webhook rules: %w", err)
		}
		all = append(all, p.Data...)
		if len(p.Data) == 0 || p.Meta.LastPage <= n {
			break
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all, nil
}
