package webhook

import (
	"net/http"
	"time"
)

// Route is one path of a kind under /hooks/{kind}/{shop}: Path "" is the
// shop's root (/hooks/{kind}/{shop}), "close" is /hooks/{kind}/{shop}/close.
type Route struct {
	Path string
}

// Request is one request to a known shop's route, after the handler checked
// the method, found the shop and read the body within the limit.
type Request struct {
	// Route is the Route.Path it came in on.
	Route  string
	Header http.Header
	// Body is the exact bytes received: verify these, never re-encoded JSON.
	Body  []byte
	Hooks ShopHooks
}

// Hook is one delivery a receiver found in a request, as the inbox keeps it.
type Hook struct {
	Topic, Resource, Event string
	WebhookID, DeliveryID  string
	// OrderID is the shop's id of the order ("" with Topic "poll").
	OrderID string
	// Modified is the order's modified time when the body carries it; zero
	// for a hint (the engine then fetches the order).
	Modified time.Time
	// Headers to keep with the delivery; never a signature.
	Headers http.Header
	// Unreadable: verified, but its body could not be read; kept for
	// replay and answered 400 with this reason.
	Unreadable string
	// Repeatable: the same bytes may rightly come again as news (a
	// WooCommerce order.deleted {"id":N} after a restore), so the inbox
	// does not fold them into the first as a repeat.
	Repeatable bool
}

// Result is what a receiver makes of one request: hooks to store, or a
// ping or an ignored delivery, answered 200 and stored nowhere.
type Result struct {
	Hooks []Hook
	// Ping is the shop's webhook id of a creation ping.
	Ping string
	// Ignored says why a verified request is answered 200 and not stored
	// (a topic switched off).
	Ignored string
}

// Receiver turns the requests of one kind into deliveries. The receiver
// says what counts as verified for its kind, and checks that first:
// WooCommerce's deliveries carry the order and are stored only when signed
// (a verified body it cannot read is kept for replay); Plug&Pay's only name
// an order, which the engine fetches from the shop's API, so an unsigned
// call is taken as a hint (a present but wrong signature is refused) and a
// forged one can book nothing. Errors are the typed errors of this package
// (*SignatureError, *ParseError), which Classify maps to a status. It must
// not block on the network.
type Receiver interface {
	Routes() []Route
	Receive(req Request) (Result, error)
}
