package plugandpay

import (
	"net/url"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// AdminURL is where Plug&Pay's dashboard shows an order: two unrelated
// third-party integrations link https://admin.plugandpay.com/orders/{id}
// (the order's id, not its invoice number); Plug&Pay documents no link.
const AdminURL = "https://admin.plugandpay.com/orders/"

// OrderURL is the order's page in Plug&Pay's dashboard, whatever API host
// the shop uses; "" without an id.
func OrderURL(_, orderID string) string {
	if orderID == "" {
		return ""
	}
	return AdminURL + url.PathEscape(orderID)
}

// Descriptor is what Orderbrug knows of Plug&Pay: its settings, statuses,
// webhook receiver and client.
func Descriptor() source.Descriptor {
	return source.Descriptor{
		Kind: order.PlugAndPay,
		Name: "Plug&Pay",
		Fields: []source.Field{
			{Key: "url", Flag: "api-url", Label: "field.plugandpay.url", Hint: "field.plugandpay.url.hint", Default: DefaultURL},
			{Key: "key", Flag: "api-key", Label: "field.plugandpay.key", Hint: "field.plugandpay.key.hint", Secret: true, Required: true},
		},
		Options: []source.Option{
			{Key: source.OptionRecurring, Flag: "recurring", Kind: source.OptionBool, Default: "on", Label: "option.recurring"},
			{Key: source.OptionPerLine, Flag: "per-line", Kind: source.OptionBool, Default: "off", Label: "option.per_line", Hint: "option.per_line.hint"},
			{Key: source.OptionProducts, Flag: "products", Kind: source.OptionList, Default: "", Label: "option.products", Hint: "option.products.hint"},
			{Key: source.OptionCancellations, Flag: "cancellations", Kind: source.OptionBool, Default: "on", Label: "option.cancellations", Hint: "option.cancellations.hint"},
		},
		DefaultForward: []order.Status{StatusPaid},
		// A chargeback or reversed direct debit undoes the sale.
		Gone: []order.Status{StatusReversed},
		// Credited: the whole order was credited. With its credit invoice
		// attached (a refund of the whole total) nothing is left; without
		// it (related_orders could not link the two) a booked order is
		// changed after booking, for a person to credit.
		Refunded: []order.Status{StatusCredited},
		// A credit invoice is booked as a credit note on its original,
		// never as an order of its own (the client never reports one).
		Unbookable:   []order.Status{StatusReversed, StatusCreditInvoice},
		ForwardAs:    map[order.Status]order.Status{StatusCredited: StatusPaid},
		OwnerHookKey: true,
		New: func(cfg source.Config) (source.Source, error) {
			return New(Config{BaseURL: cfg.BaseURL, Key: cfg.Key, HTTPClient: cfg.HTTPClient,
				NoCancellations: cfg.Options[source.OptionCancellations] == "off"})
		},
		Hooks:    Receiver{},
		OrderURL: OrderURL,
	}
}
