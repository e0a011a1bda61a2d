package app

// Stubs of the core branch's kind API (contract9.md, core section) that the
// GUI calls, until the merge: WooCommerce only, as today. The merger
// deletes this file (and app/cli_pending.go, the cli branch's twin).

import (
	"context"

	"github.com/orderbrug/orderbrug/sync/order"
)

// FieldInfo is one connection setting a kind asks for.
type FieldInfo struct {
	Key      string `json:"key"`
	Flag     string `json:"flag"`
	Label    string `json:"label"`
	Hint     string `json:"hint"`
	Default  string `json:"default"`
	Secret   bool   `json:"secret"`
	Required bool   `json:"required"`
}

// OptionInfo is a per-shop option of a kind; Kind "bool" or "list".
type OptionInfo struct {
	Key     string `json:"key"`
	Flag    string `json:"flag"`
	Kind    string `json:"kind"`
	Default string `json:"default"`
	Label   string `json:"label"`
	Hint    string `json:"hint"`
}

// TopicInfo is a webhook toggle of a kind.
type TopicInfo struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Default bool   `json:"default"`
}

// KindInfo is what people choose from: a registered kind of shop.
type KindInfo struct {
	Kind         order.Source `json:"kind"`
	Name         string       `json:"name"`
	Fields       []FieldInfo  `json:"fields"`
	Options      []OptionInfo `json:"options"`
	Topics       []TopicInfo  `json:"topics"`
	OwnerHookKey bool         `json:"owner_hook_key"`
	Webhooks     bool         `json:"webhooks"`
	// DefaultForward is the descriptor's "Status doorzetten verkopen" of a
	// new shop. NOT in the contract's KindInfo: the merger adds it there
	// (the wizard must tick Plug&Pay's "paid", not WooCommerce's
	// processing and completed).
	DefaultForward []order.Status `json:"default_forward"`
}

// Kinds lists the registered kinds, sorted by Name.
func (s *Service) Kinds() []KindInfo {
	k := KindInfo{Kind: order.WooCommerce, Name: "WooCommerce", Webhooks: true, DefaultForward: DefaultForward,
		Fields: []FieldInfo{
			{Key: "url", Flag: "url", Label: "field.woocommerce.url", Hint: "field.woocommerce.url.hint", Required: true},
			{Key: "key", Flag: "key", Label: "field.woocommerce.key", Hint: "field.woocommerce.key.hint", Secret: true, Required: true},
			{Key: "secret", Flag: "secret", Label: "field.woocommerce.secret", Hint: "field.woocommerce.secret.hint", Secret: true, Required: true},
		}}
	for _, t := range WebhookTopics {
		k.Topics = append(k.Topics, TopicInfo{Key: t, Label: "topic." + t, Default: true})
	}
	return []KindInfo{k}
}

// SetShopOptions sets a shop's options; WooCommerce has none.
func (s *Service) SetShopOptions(ctx context.Context, shop string, opts map[string]string) error {
	if _, err := s.shop(ctx, shop); err != nil {
		return err
	}
	for k := range opts {
		return &Error{Code: CodeInvalid, Field: k}
	}
	return nil
}

// SetWebhookKey sets the key the shop signs with, for kinds where the owner
// enters it; WooCommerce is not one.
func (s *Service) SetWebhookKey(ctx context.Context, shop, key string) error {
	if _, err := s.shop(ctx, shop); err != nil {
		return err
	}
	return &Error{Code: CodeUnsupported}
}
