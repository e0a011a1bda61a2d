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

// Source is the client of one shop, of any kind. What it can do beyond
// naming its kind is asked by a type assertion to the capability
// interfaces (Poller, ReportingPoller, Fetcher, StatusLister,
// ConnectionTester, HookRegistrar, HookReader, SubscriptionFetcher,
// WebhookParser), as io.Copy asks for io.WriterTo: a push-only till needs
// no Poll.
type Source interface {
	Kind() order.Source
}

// Fetcher fetches orders by id: what the shop says about them now. An id
// the shop no longer has is returned with Deleted set, not as an error. An
// order the shop returns but that cannot be parsed is left out and
// reported as an *UnparseableError in err (see Unparseables), with the
// others returned.
type Fetcher interface {
	Fetch(ctx context.Context, ids []string) ([]order.Order, error)
}

// Polled is one order a poll reports: the parsed order, or, when the shop's
// payload for it could not be read, Err with that payload.
type Polled struct {
	Order order.Order
	// Err is set for an order that could not be parsed; Order is then empty.
	Err *UnparseableError
}

// ReportingPoller is implemented by sources that report an order they cannot
// parse instead of stopping the poll: fn gets it as a Polled with Err set,
// and the poll goes on with the rest. Its contract is otherwise Poll's; an
// unparseable order counts as accepted once fn returns nil for it.
type ReportingPoller interface {
	PollEach(ctx context.Context, since time.Time, fn func(Polled) error) (next time.Time, err error)
}

// UnparseableError is an order the shop returned that could not be read.
// It carries what is needed to keep the order as failed: its id (when the
// payload names one), its modified time (zero when unreadable), the payload
// as received, and the cause.
type UnparseableError struct {
	ID       string
	Modified time.Time
	Raw      []byte
	Err      error
}

func (e *UnparseableError) Error() string {
	id := e.ID
	if id == "" {
		id = "without an id"
	}
	return "order " + id + " cannot be read: " + e.Err.Error()
}

func (e *UnparseableError) Unwrap() error { return e.Err }

// Unparseables splits err into the unparseable orders it reports (a single
// *UnparseableError or several joined with errors.Join) and the rest, nil
// when nothing else went wrong. Fetch reports an order it cannot parse this
// way, with the orders it could parse still returned.
func Unparseables(err error) (bad []*UnparseableError, rest error) {
	if err == nil {
		return nil, nil
	}
	if u, ok := err.(*UnparseableError); ok {
		return []*UnparseableError{u}, nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var others []error
		for _, e := range j.Unwrap() {
			b, r := Unparseables(e)
			bad = append(bad, b...)
			if r != nil {
				others = append(others, r)
			}
		}
		return bad, errors.Join(others...)
	}
	return nil, err
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
