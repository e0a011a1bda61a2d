package app

import (
	"context"
	"fmt"

	"github.com/orderbrug/orderbrug/sync/order"
)

// Stubs of the issue 9 API the core branch builds (app/kinds.go,
// app/shops.go), so that the command line compiles and is tested before the
// merge. The merger deletes this file; the signatures are the contract's.

// FieldInfo is a connection setting of a kind.
type FieldInfo struct {
	Key      string `json:"key"`
	Flag     string `json:"flag"`
	Label    string `json:"label"`
	Hint     string `json:"hint"`
	Default  string `json:"default"`
	Secret   bool   `json:"secret"`
	Required bool   `json:"required"`
}

// OptionInfo is a per-shop setting of a kind; Kind "bool" or "list".
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

// KindInfo is a registered kind as the CLI and GUI see it.
type KindInfo struct {
	Kind         order.Source `json:"kind"`
	Name         string       `json:"name"`
	Fields       []FieldInfo  `json:"fields"`
	Options      []OptionInfo `json:"options"`
	Topics       []TopicInfo  `json:"topics"`
	OwnerHookKey bool         `json:"owner_hook_key"`
	Webhooks     bool         `json:"webhooks"`
}

// Kinds returns the registered kinds sorted by Name (stub: WooCommerce).
func (s *Service) Kinds() []KindInfo {
	return []KindInfo{{Kind: order.WooCommerce, Name: "WooCommerce", Webhooks: true,
		Fields: []FieldInfo{
			{Key: "url", Flag: "url", Label: "field.woocommerce.url", Required: true},
			{Key: "key", Flag: "key", Label: "field.woocommerce.key", Secret: true, Required: true},
			{Key: "secret", Flag: "secret", Label: "field.woocommerce.secret", Secret: true, Required: true},
		},
		Options: []OptionInfo{},
		Topics: []TopicInfo{{Key: "order.created", Default: true}, {Key: "order.updated", Default: true},
			{Key: "order.deleted", Default: true}, {Key: "order.restored", Default: true}},
	}}
}

// SetShopOptions saves a shop's kind settings (stub: not before the merge).
func (s *Service) SetShopOptions(ctx context.Context, shop string, opts map[string]string) error {
	return &Error{Code: CodeUnsupported, Field: "options", Err: fmt.Errorf("shop options are not built yet")}
}

// SetWebhookKey saves the key the shop signs its webhooks with (stub: not
// before the merge).
func (s *Service) SetWebhookKey(ctx context.Context, shop, key string) error {
	return &Error{Code: CodeUnsupported, Field: "webhook_key", Err: fmt.Errorf("webhook keys are not built yet")}
}
