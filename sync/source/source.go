// Package source defines what Orderbrug needs from a shop system. Each shop
// system is one subpackage (woocommerce, plugandpay, pos) that implements
// Source.
package source

import (
	"context"
	"errors"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// Source reads orders from one shop.
type Source interface {
	// Poll calls fn for every order modified at or after since (UTC), in
	// order of modification, and returns the cursor for the next poll: the
	// newest modified time it saw, or since when nothing changed. Orders can
	// be reported more than once; the caller ignores repeats. When fn returns
	// an error, Poll stops and returns it, and next is the newest modified
	// time of the orders fn accepted in full.
	Poll(ctx context.Context, since time.Time, fn func(order.Order) error) (next time.Time, err error)
	// Fetch returns the current snapshot of each order id. An id the shop no
	// longer has is returned with Deleted set, not as an error.
	Fetch(ctx context.Context, ids []string) ([]order.Order, error)
	// Statuses lists the shop's real order statuses, custom ones included.
	Statuses(ctx context.Context) ([]order.StatusInfo, error)
}

// Kind classifies a source error so the engine and the user see what to do.
type Kind int

// Error kinds.
const (
	// Unknown is anything else; treated as transient.
	Unknown Kind = iota
	// Auth: the keys are wrong or lack permission. Not retried until changed.
	Auth
	// NotFound: the shop's API is not where the URL says (no WooCommerce,
	// REST API off, permalinks plain).
	NotFound
	// Network: DNS, refused connection, TLS, timeout. Retried.
	Network
	// BadResponse: the shop answered something that is not its API's JSON.
	BadResponse
	// BadRequest: the shop rejected a request as invalid.
	BadRequest
)

// Error is a source error with its kind. Message is for people (no secrets,
// no URL query strings with keys); Err is the cause.
type Error struct {
	Kind    Kind
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, Unknown if it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Unknown
}

// WebhookParser is implemented by sources whose webhook deliveries carry the
// order itself (WooCommerce). A source without it gets every delivery treated
// as a hint: the engine fetches the order through the API.
type WebhookParser interface {
	// ParseWebhook returns the order a delivery of topic carries. ok is false
	// when the body names the order but does not carry it (a deletion): o then
	// has only its ID, and the engine fetches it.
	ParseWebhook(topic string, body []byte) (o order.Order, ok bool, err error)
}
