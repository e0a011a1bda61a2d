package source

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

// Capabilities a kind's client may have beyond Kind, each checked with a
// type assertion to the interface (as io.Copy asks for io.WriterTo), so a
// push-only till needs no Poll.

// Poller polls a shop's API. Poll calls fn for every order modified at or
// after since (UTC), in order of modification, and returns the cursor for
// the next poll: the newest modified time it saw, or since when nothing
// changed. Orders can be reported more than once; the caller ignores
// repeats. When fn returns an error, Poll stops and returns it, and next is
// the newest modified time of the orders fn accepted in full.
type Poller interface {
	Poll(ctx context.Context, since time.Time, fn func(order.Order) error) (next time.Time, err error)
}

// CursorOwner is a poller whose cursor is not the orders' modified time
// (Plug&Pay filters by paid and invoice date, not by change): the engine
// keeps the next its poll returns, and only after a poll without an error;
// otherwise the old cursor stays and the next poll asks again.
type CursorOwner interface {
	OwnsCursor()
}

// StatusLister lists the shop's real order statuses, custom ones too: the
// choices of "Status doorzetten verkopen".
type StatusLister interface {
	Statuses(ctx context.Context) ([]order.StatusInfo, error)
}

// ConnectionTester checks the credentials with one cheap call. A kind
// without it is tested with Statuses.
type ConnectionTester interface {
	TestConnection(ctx context.Context) error
}

// Identifier says which account is behind the credentials, where the
// address does not (Plug&Pay's API host is every account's): a removed shop
// connected again is recognised by it, and gets its old id, slug and
// bookings back. A kind without it is recognised by its address.
type Identifier interface {
	Identity(ctx context.Context) (string, error)
}

// HookSetup is what a shop's registered webhooks must match.
type HookSetup struct {
	// URL is the full delivery URL of the shop's route (public URL +
	// /hooks/{kind}/{slug}); "" means: remove the webhooks Orderbrug made.
	URL string
	// Secret signs deliveries where the kind lets Orderbrug choose it.
	Secret string
	// Topics are the enabled topics (Descriptor.Topics keys).
	Topics []string
	// Known are the remote ids Orderbrug registered before, per topic.
	Known map[string]string
	// Reactivating, when set, is called with the topic before a webhook the
	// shop disabled is set active again, so that the caller's log says so
	// by the time the shop shows it active.
	Reactivating func(topic string)
}

// HookState is what registering found and did.
type HookState struct {
	// IDs are the remote ids per topic now registered.
	IDs map[string]string
	// Status is the remote status (active, disabled, ...), "" if unknown.
	Status string
	// Reactivated counts webhooks that were disabled and set active again.
	Reactivated int
	// Manual is set when the key does not allow registering: the owner
	// pastes the URL in the shop's dashboard (the GUI shows it with a copy
	// button); not an error.
	Manual bool
	// Created are the topics whose webhook this call made (their ids in
	// IDs): the caller checks that the shop's creation ping arrived.
	Created []string
	// ReactivatedTopics are the topics counted in Reactivated.
	ReactivatedTopics []string
}

// HookRegistrar registers, updates and re-activates the webhooks a kind
// makes in the shop.
type HookRegistrar interface {
	RegisterHooks(ctx context.Context, setup HookSetup) (HookState, error)
}

// HookReader reads the shop's state of the webhooks Orderbrug registered
// (Known ids per topic) without changing anything in the shop: an id the
// shop no longer has is left out of IDs. A kind without it is not read.
type HookReader interface {
	ReadHooks(ctx context.Context, known map[string]string) (HookState, error)
}

// Subscription is what a kind knows of a subscription that ended
// (Plug&Pay's "Opzeggingen"): recorded and shown, never booked.
type Subscription struct {
	ID       string
	Status   string // ended, cancelled, ...
	Customer string // name or company, for people
	Email    string
	Product  string
	Ended    time.Time
	// OrderIDs are the shop's ids of the orders of this subscription, as
	// far as the kind can tell.
	OrderIDs []string
}

// SubscriptionFetcher fetches one subscription by id.
type SubscriptionFetcher interface {
	Subscription(ctx context.Context, id string) (Subscription, error)
}

// Topics a receiver may give a hook besides the kind's own.
const (
	// TopicPoll: the delivery says something changed but names no order
	// (Plug&Pay's legacy general webhook): the engine polls the shop.
	TopicPoll = "poll"
	// TopicSubscriptionEnded: the hook's OrderID is SubscriptionPrefix +
	// the subscription's id; nothing is booked.
	TopicSubscriptionEnded = "subscription_ended"
)

// SubscriptionPrefix starts the OrderID of a TopicSubscriptionEnded hook,
// so it never dedupes with an order of the same number in the inbox.
const SubscriptionPrefix = "subscription/"

// Field is one connection setting a kind asks for (wizard, `shop add KIND`).
// Store maps Key onto the shop's columns: "url" the base URL, "key" the API
// key, "secret" the API secret.
type Field struct {
	Key string // "url", "key", "secret"
	// Flag is the CLI flag without dashes: "url", "api-key".
	Flag string
	// Label is the lang key of its label ("field.woocommerce.key").
	Label string
	// Hint is the lang key of a placeholder or help text; "" none.
	Hint     string
	Secret   bool
	Required bool
	// Default is used when the field is left empty ("" none).
	Default string
}

// OptionKind is how an Option's value is written.
type OptionKind string

// Option kinds.
const (
	OptionBool OptionKind = "bool" // "on" or "off"
	OptionList OptionKind = "list" // comma-separated ids, "" for none
	// OptionChoice: one of Option.Choices.
	OptionChoice OptionKind = "choice"
	// OptionClock: a time of day, "HH:MM" (ParseClock).
	OptionClock OptionKind = "clock"
)

// Option is a per-shop setting of a kind, kept in the shop's options as
// Key → value: a toggle of the Webhooks tab and a flag of `shop set NAME`.
type Option struct {
	Key     string // "recurring", "per_line", "products"
	Flag    string // "recurring", "per-line", "products"
	Kind    OptionKind
	Default string
	Label   string // lang key
	Hint    string // lang key; "" none
	// Choices are the values of an OptionChoice; the lang key of each
	// choice's label is Label + "." + the choice.
	Choices []string
}

// ValidOption reports whether v is a value of o: on/off, one of the
// choices, a time of day, or anything for a list.
func ValidOption(o Option, v string) bool {
	switch o.Kind {
	case OptionBool:
		return v == "on" || v == "off"
	case OptionChoice:
		for _, c := range o.Choices {
			if c == v {
				return true
			}
		}
		return false
	case OptionClock:
		_, err := ParseClock(v)
		return err == nil
	}
	return true
}

// ParseClock reads a time of day "HH:MM" (00:00 to 23:59; "4:00" too) as
// the time since midnight.
func ParseClock(v string) (time.Duration, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(v), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || len(h) < 1 || len(h) > 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", v)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// Generic options the engine's decision knows (a kind lists those it has).
const (
	// OptionRecurring off: orders with Recurring set (a direct debit or an
	// instalment term) are ignored with reason "recurring_off".
	OptionRecurring = "recurring"
	// OptionPerLine: the shop calls the webhook once per order line; one
	// booking per order all the same (informational for Orderbrug).
	OptionPerLine = "per_line"
	// OptionProducts, when not empty: only orders with a line whose
	// ProductID is in the list are booked; others are ignored with reason
	// "product_filter".
	OptionProducts = "products"
	// OptionCancellations off: a subscription that ends (Plug&Pay's
	// "Opzeggingen") is not recorded, and no webhook is asked for it.
	OptionCancellations = "cancellations"
	// OptionBooking: how a till's closed checks are booked: BookingDaily,
	// one summary per business day with a line per VAT rate (a Z-report),
	// or BookingPerCheck, every closed check its own invoice.
	OptionBooking = "booking"
	// OptionCutoff: the time of day (OptionClock, local time) a business
	// day ends, for a sale whose till gives no business day: "04:00".
	OptionCutoff = "cutoff"
)

// Values of OptionBooking.
const (
	BookingDaily    = "daily"
	BookingPerCheck = "per-check"
)

// Topic is a webhook toggle of a kind.
type Topic struct {
	Key     string // "order.created", "orders"
	Label   string // lang key
	Default bool
	// Required: the topic cannot be switched off, since without it no sale
	// is booked (the till's Close: its closed checks are its sales).
	Required bool
}

// Config is what a kind's constructor gets for one shop.
type Config struct {
	BaseURL, Key, Secret string
	// Options are the shop's option values by Option.Key (defaults filled).
	Options    map[string]string
	HTTPClient *http.Client
}

// Descriptor says what the rest of Orderbrug knows of a kind: the engine,
// the webhook server, the CLI and the GUI use it and the capability
// interfaces, never a concrete client.
type Descriptor struct {
	Kind order.Source
	// Name is the brand as people know it ("WooCommerce", "Plug&Pay").
	Name   string
	Fields []Field
	// Options are the kind's per-shop settings.
	Options []Option
	// Topics are its webhook toggles; none: the receiver takes all.
	Topics []Topic
	// DefaultForward is "Status doorzetten verkopen" of a new shop.
	DefaultForward []order.Status
	// Draft statuses are unfinished checkouts: parked without news
	// (WooCommerce checkout-draft).
	Draft []order.Status
	// Gone statuses undo a sale (WooCommerce trash, cancelled): a booked
	// order in one is changed after booking unless refunds cover it.
	Gone []order.Status
	// Refunded statuses say the shop refunded the sale by hand
	// (WooCommerce refunded): a booked order in one whose refunds do not
	// cover its total is changed after booking.
	Refunded []order.Status
	// Unbookable statuses can never be booked as they are: parked past the
	// grace period they leave the Open tab.
	Unbookable []order.Status
	// ForwardAs maps a status onto the one it implies for the forward set:
	// Plug&Pay "credited" was "paid" before it was credited, so a credited
	// order is booked (with its credit note) where paid is forwarded, and
	// a booked order that turns credited is not changed after booking.
	ForwardAs map[order.Status]order.Status
	// OwnerHookKey: the owner enters the webhook key the shop signs with
	// (`shop set NAME --webhook-key K`); otherwise Orderbrug makes it.
	OwnerHookKey bool
	// HookHeader is the request header whose value must be the shop's
	// webhook secret (a till's Integration Hub sends one static header):
	// the secret is the header's value, shown and printed as
	// "Name: Value". "" for kinds that sign.
	HookHeader string
	// Final statuses end an order (a till's closed check): a snapshot in
	// another status that arrives after one in a final status is recorded,
	// not applied. A later final one is applied (reopened and closed again).
	Final []order.Status
	// New builds the client for one shop.
	New func(Config) (Source, error)
	// Hooks receives its webhook deliveries; nil: the kind has none.
	Hooks webhook.Receiver
	// OrderURL is the order's page in the shop's admin ("open in shop");
	// nil or "": none.
	OrderURL func(baseURL, orderID string) string
	// Connect: the shop hands its keys over on a page of its own, through
	// the tunnel ("Koppel met WooCommerce", /wc-auth/v1/authorize), instead
	// of the owner pasting them.
	Connect bool
}

// In reports whether st is one of list.
func In(st order.Status, list []order.Status) bool {
	for _, s := range list {
		if s == st {
			return true
		}
	}
	return false
}

// Registry is the kinds Orderbrug knows, by Kind.
type Registry struct{ kinds map[order.Source]*Descriptor }

// NewRegistry registers ds; a kind registered twice panics (a programming
// error, found by any test).
func NewRegistry(ds ...Descriptor) *Registry {
	r := &Registry{kinds: map[order.Source]*Descriptor{}}
	for i := range ds {
		d := ds[i]
		if _, dup := r.kinds[d.Kind]; dup || d.Kind == "" || d.New == nil {
			panic(fmt.Sprintf("source: bad or duplicate kind %q", d.Kind))
		}
		r.kinds[d.Kind] = &d
	}
	return r
}

// Lookup returns the descriptor of kind.
func (r *Registry) Lookup(kind order.Source) (*Descriptor, bool) {
	d, ok := r.kinds[kind]
	return d, ok
}

// All returns the descriptors sorted by Name.
func (r *Registry) All() []*Descriptor {
	out := make([]*Descriptor, 0, len(r.kinds))
	for _, d := range r.kinds {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
