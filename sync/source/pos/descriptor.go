package pos

import (
	"context"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// Header is the request header the Integration Hub sends with every
// delivery; its value is the shop's webhook secret ("Request Header" in
// Back Office: API Key = Header, Value = the secret).
const Header = "X-Orderbrug-Key"

// Statuses of a check as Orderbrug keeps it.
const (
	StatusOpen   order.Status = "open"
	StatusClosed order.Status = "closed"
	// StatusVoid is a check the till voided or deleted (checkStatus
	// "Void", "Voided", "Deleted"): no sale. It is not final and not
	// forwarded; it parks like an open check.
	StatusVoid order.Status = "void"
)

// Topics: the toggles of Back Office's Order webhook page.
const (
	TopicOpen   = "open"   // Open Order Web Hooks: online orders (OLO)
	TopicUpdate = "update" // Update Order Web Hooks: any change to a check
	TopicClose  = "close"  // Close Order Web Hooks: a closed check, a sale
	TopicThird  = "third"  // 3rd Order Web Hooks: orders placed in the POS
)

// Client is a till shop. It has nothing to connect to.
type Client struct{}

// Kind is the till.
func (*Client) Kind() order.Source { return order.POS }

var (
	_ source.Source        = (*Client)(nil)
	_ source.WebhookParser = (*Client)(nil)
	_ source.StatusLister  = (*Client)(nil)
)

// Statuses are a check's: open, closed and void.
func (*Client) Statuses(context.Context) ([]order.StatusInfo, error) {
	return []order.StatusInfo{{Slug: StatusOpen, Name: "Open"}, {Slug: StatusClosed, Name: "Closed"}, {Slug: StatusVoid, Name: "Void"}}, nil
}

// Descriptor is what the rest of Orderbrug knows of the till.
func Descriptor() source.Descriptor {
	return source.Descriptor{
		Kind: order.POS,
		Name: "Linga POS",
		Options: []source.Option{
			{Key: source.OptionBooking, Flag: "booking", Kind: source.OptionChoice, Default: source.BookingDaily,
				Label: "option.booking", Hint: "option.booking.hint", Choices: []string{source.BookingDaily, source.BookingPerCheck}},
			{Key: source.OptionCutoff, Flag: "cutoff", Kind: source.OptionClock, Default: "04:00",
				Label: "option.cutoff", Hint: "option.cutoff.hint"},
		},
		Topics: []source.Topic{
			{Key: TopicOpen, Label: "topic.pos." + TopicOpen, Default: true},
			{Key: TopicUpdate, Label: "topic.pos." + TopicUpdate, Default: true},
			{Key: TopicClose, Label: "topic.pos." + TopicClose, Default: true, Required: true},
			{Key: TopicThird, Label: "topic.pos." + TopicThird, Default: true},
		},
		DefaultForward: []order.Status{StatusClosed},
		Final:          []order.Status{StatusClosed},
		// A void undoes the check: once closed, it counts nothing from then
		// on (a correction on the day's summary, or, booked per check, a
		// change after booking for a credit note); never closed, it leaves
		// the Open tab after the grace period.
		Gone:       []order.Status{StatusVoid},
		Unbookable: []order.Status{StatusVoid},
		HookHeader: Header,
		New:        func(source.Config) (source.Source, error) { return &Client{}, nil },
		Hooks:      Receiver{},
	}
}
