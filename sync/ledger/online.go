package ledger

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// An online ledger is an accounting package reached over HTTP (Moneybird,
// e-Boekhouden). It books the same invoices as the UBL folder, but it does
// not deduplicate for us, limits how fast it is asked, and wants each VAT
// case mapped to one of its own tax rates and revenue accounts. A new one
// is one package with a Descriptor, and one registration line in app.

// Online is a ledger in an accounting package.
type Online interface {
	Ledger
	// Check tests the connection and the token: it returns the
	// administration's name as the package shows it, or an error saying
	// what is wrong (a *ReasonError with ReasonUnauthorized for a wrong or
	// revoked token).
	Check(ctx context.Context) (Account, error)
	// Choices are what the package offers for the VAT mapping screen: its
	// tax rates or VAT codes, and its revenue accounts.
	Choices(ctx context.Context) (Choices, error)
	// Defaults are the sensible mapping read from the package: every case
	// it can map (a case it cannot is left out).
	Defaults(ctx context.Context) (Mapping, error)
}

// Account is the administration a token reaches.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Choices are the package's own tax rates (Moneybird) or VAT codes
// (e-Boekhouden) and revenue accounts, for a person to pick from.
type Choices struct {
	// TaxRates are Moneybird's tax rates; VATCodes e-Boekhouden's codes.
	// A package has one of the two.
	TaxRates []Choice `json:"tax_rates,omitempty"`
	VATCodes []Choice `json:"vat_codes,omitempty"`
	Accounts []Choice `json:"accounts"`
}

// Choice is one tax rate, VAT code or account: ID is what the mapping
// stores, Name what a person reads ("21% btw", "8000 Omzet").
type Choice struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Config is what an online ledger is made from.
type Config struct {
	// APIURL is the package's API root; "" is the real one. Tests and
	// support point it elsewhere.
	APIURL string
	// Token is the API token. A secret: never log or print it.
	Token string
	// Administration is the administration id (Moneybird); "" where the
	// token reaches one only (e-Boekhouden).
	Administration string
	// HTTP is the client for every request (its Timeout bounds each).
	HTTP *http.Client
	// Now is the clock (tests: a fake one); nil is time.Now.
	Now func() time.Time
	// Journal is the ledger's durable memory (store.Journal(ns)); required.
	Journal Journal
	// Mapping returns the current VAT mapping; it is read per booking, so a
	// change applies at once.
	Mapping func(ctx context.Context) (Mapping, error)
}

// Descriptor describes one kind of online ledger.
type Descriptor struct {
	// Kind is the ledger's settings value: "moneybird", "eboekhouden".
	Kind string
	// Name is what a person reads: "Moneybird", "e-Boekhouden".
	Name string
	// DefaultURL is the real API root.
	DefaultURL string
	// NeedsAdministration says the kind needs Config.Administration
	// (picked from Administrations).
	NeedsAdministration bool
	// Administrations lists what the token reaches (nil when the kind has
	// one administration per token).
	Administrations func(ctx context.Context, cfg Config) ([]Account, error)
	// Mapping says whether a case uses a tax rate (Moneybird) or a VAT
	// code (e-Boekhouden).
	UsesTaxRates bool
	// New makes the ledger. It sends nothing.
	New func(cfg Config) (Online, error)
}

// Registry holds the online ledger kinds, in registration order.
type Registry struct {
	order []string
	kinds map[string]Descriptor
}

// NewRegistry registers ds; a kind given twice panics (a programming error).
func NewRegistry(ds ...Descriptor) *Registry {
	r := &Registry{kinds: map[string]Descriptor{}}
	for _, d := range ds {
		if _, dup := r.kinds[d.Kind]; dup || d.Kind == "" || d.Kind == KindUBL {
			panic(fmt.Sprintf("ledger: kind %q registered twice or reserved", d.Kind))
		}
		r.kinds[d.Kind] = d
		r.order = append(r.order, d.Kind)
	}
	return r
}

// KindUBL is the UBL folder's kind: the default ledger, not in a Registry.
const KindUBL = "ubl"

// Lookup returns the descriptor of kind.
func (r *Registry) Lookup(kind string) (Descriptor, bool) {
	d, ok := r.kinds[kind]
	return d, ok
}

// All returns the descriptors in registration order.
func (r *Registry) All() []Descriptor {
	out := make([]Descriptor, 0, len(r.order))
	for _, k := range r.order {
		out = append(out, r.kinds[k])
	}
	return out
}

// Reasons a booking waits for, beyond the engine's own: each is shown on
// the booking (ui texts reason.<code>) and lifted by a settings change or
// by time.
const (
	// ReasonRateLimited: the package takes no more requests until a time;
	// the booking waits in the outbox until then (not a failure).
	ReasonRateLimited = "ledger_rate_limited"
	// ReasonUnauthorized: the token is wrong, revoked or lacks a scope.
	ReasonUnauthorized = "ledger_unauthorized"
	// ReasonVATUnmapped: a VAT case the booking needs has no tax rate or
	// VAT code (args: case).
	ReasonVATUnmapped = "vat_unmapped"
	// ReasonAccountUnmapped: a case's revenue account is missing or no
	// longer exists in the package (args: case).
	ReasonAccountUnmapped = "account_unmapped"
	// ReasonPeriodLocked: the package's period of the invoice date is
	// closed; a person must open it (args: date).
	ReasonPeriodLocked = "ledger_period_locked"
	// ReasonUnreachable: the package gave no usable answer (a 5xx, a
	// timeout, a lost answer); the booking is retried with backoff and
	// waits on time, not on a person (unlike the engine's
	// ledger_unavailable, the folder that cannot be written). The app
	// gives a package's plain transient errors this reason.
	ReasonUnreachable = "ledger_unreachable"
)

// ReasonError is a transient failure with a reason a person can act on:
// the engine retries it with backoff and shows Reason (and Args) on the
// booking instead of the general ledger_unavailable.
type ReasonError struct {
	Reason string
	Args   map[string]string
	Err    error
}

func (e *ReasonError) Error() string { return e.Err.Error() }
func (e *ReasonError) Unwrap() error { return e.Err }

// WithReason wraps err as a *ReasonError.
func WithReason(reason string, args map[string]string, err error) error {
	return &ReasonError{Reason: reason, Args: args, Err: err}
}

// RateLimitedError says the package takes no request before Until. A
// booking that gets it waits in the outbox until then: it is not a failure
// and counts no attempt, and the rest of the engine's round waits with it
// without asking. What the package did commit of the booking before the
// limit (a contact, the invoice without its payment) is in the ledger's
// Journal, and the next attempt goes on from there.
type RateLimitedError struct {
	Until time.Time
	// Err is the package's answer ("429 Retry later"), or nil when the
	// client's own limiter held the request back.
	Err error
}

func (e *RateLimitedError) Error() string {
	msg := "rate limit reached, next request at " + e.Until.UTC().Format(time.RFC3339)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}
func (e *RateLimitedError) Unwrap() error { return e.Err }

// RetryAt returns the time a rate-limited error says to wait for.
func RetryAt(err error) (time.Time, bool) {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return rl.Until, true
	}
	return time.Time{}, false
}

// Warning is something a booking did that a person must know of, though it
// succeeded: the package's VAT differing by a cent from the shop's.
type Warning struct {
	// Code is the event code (ui texts event.<code>): WarnVATDiffers.
	Code string
	Args map[string]string
}

// WarnVATDiffers: the package computed other VAT than the shop charged
// (args: rate, shop, ledger, diff in "0.01" form).
const WarnVATDiffers = "ledger_vat_differs"

// Booked is what booking one invoice in an online ledger gave.
type Booked struct {
	Ref      string
	Warnings []Warning
}

// Reporter is a Ledger that also tells what a booking did beyond its
// reference. Optional: the engine checks for it with a type assertion and
// then calls BookReport instead of Book; each warning becomes an event on
// the booking.
type Reporter interface {
	BookReport(ctx context.Context, inv order.Invoice) (Booked, error)
}

// WithCopy books every invoice into main and, once main has it, into copy
// (the UBL folder, the audit trail); the reference is main's. The copy is
// never written for a booking main refused or delayed (a file for a sale
// that is not in the books could be imported by hand). Both are
// idempotent: when the copy fails, the retry finds main's booking done and
// writes the copy.
func WithCopy(main Online, copy Ledger) Online {
	return &withCopy{Online: main, copy: copy}
}

type withCopy struct {
	Online
	copy Ledger
}

func (w *withCopy) Book(ctx context.Context, inv order.Invoice) (string, error) {
	b, err := w.BookReport(ctx, inv)
	return b.Ref, err
}

// Validator is a Ledger that can tell, without booking, that it would
// refuse an invoice (the UBL copy's file would not be valid).
type Validator interface {
	Validate(inv order.Invoice) error
}

func (w *withCopy) BookReport(ctx context.Context, inv order.Invoice) (Booked, error) {
	if v, ok := w.copy.(Validator); ok {
		// Refused before the online ledger has it: once it has, a refused
		// copy would leave a booked invoice recorded as failed.
		if err := v.Validate(inv); err != nil {
			return Booked{}, fmt.Errorf("UBL copy: %w", err)
		}
	}
	var b Booked
	var err error
	if r, ok := w.Online.(Reporter); ok {
		b, err = r.BookReport(ctx, inv)
	} else {
		b.Ref, err = w.Online.Book(ctx, inv)
	}
	if err != nil {
		return Booked{}, err
	}
	if _, err := w.copy.Book(ctx, inv); err != nil {
		// Never permanent now (%v, not %w): the online ledger has the
		// booking, and the retry, which finds it there, writes the copy.
		return Booked{}, fmt.Errorf("UBL copy: %v", err)
	}
	return b, nil
}

// Reference is the number a booking has in an online ledger: the shop's
// slug and the invoice's own number ("webwinkel-1042", a credit note
// "webwinkel-1042-C17"). It is unique per shop, order and credit note, as
// the UBL file's name is, and it never changes for a booking, so it is
// what a lost answer is looked up by.
func Reference(inv order.Invoice) string {
	return inv.Shop + "-" + inv.ID
}
