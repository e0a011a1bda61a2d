// Package eboekhouden books invoices and credit notes into e-Boekhouden
// through its REST API (not the SOAP API), as ../shared/APIS.md §4
// describes it: a session started with the owner's API token, one relation
// per customer, and per booking one mutation of type 2 ("invoice sent")
// whose invoice number is ledger.Reference(inv) (shortened where it is
// longer than e-Boekhouden takes), with rows per VAT code and revenue
// ledger.
//
// e-Boekhouden computes the VAT of every row itself. The ledger gives the
// rows incl. or excl. VAT (inExVat), whichever makes e-Boekhouden's VAT equal
// the shop's per VAT code; after the create it reads the mutation back and
// reports every code whose VAT in e-Boekhouden's answer differs from the
// shop's as a ledger.WarnVATDiffers warning (WarnVATUnchecked when that
// answer is lost).
//
// e-Boekhouden does not deduplicate for us, but it refuses an invoice
// number it has (MUT_019, MUT_020): with the journal that makes a lost
// answer harmless: a retry looks the mutation up by its invoice number
// instead of booking it twice. The mutation's description carries a marker
// of the booking's key, so a mutation of another invoice with that number
// is never taken for this booking's: the booking then takes its alternate
// number.
package eboekhouden

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

// DefaultURL is the real API root.
const DefaultURL = "https://api.e-boekhouden.nl"

// Source is what the ledger tells e-Boekhouden it is (POST /v1/session's
// source: at most 10 characters).
const Source = "Orderbrug"

// DefaultTermOfPayment is the term, in days, of an invoice not yet paid;
// a paid one has 0.
const DefaultTermOfPayment = 14

// defaultTimeout bounds a request when Config.HTTP is nil.
const defaultTimeout = 30 * time.Second

var (
	_ ledger.Online   = (*Ledger)(nil)
	_ ledger.Reporter = (*Ledger)(nil)
)

// Descriptor describes e-Boekhouden for the registry: one administration
// per API token, VAT codes instead of tax rates.
func Descriptor() ledger.Descriptor {
	return ledger.Descriptor{
		Kind:                "eboekhouden",
		Name:                "e-Boekhouden",
		DefaultURL:          DefaultURL,
		NeedsAdministration: false,
		UsesTaxRates:        false,
		New: func(cfg ledger.Config) (ledger.Online, error) {
			l, err := New(cfg)
			if err != nil {
				return nil, err
			}
			return l, nil
		},
	}
}

// Ledger is the e-Boekhouden administration an API token reaches. It
// implements ledger.Online and ledger.Reporter and is safe for concurrent
// use.
type Ledger struct {
	base    string
	token   secret
	http    *http.Client
	now     func() time.Time
	journal ledger.Journal
	mapping func(ctx context.Context) (ledger.Mapping, error)

	sess session

	mu     sync.Mutex
	debtor int64 // the debtor ledger's id, 0 until looked up
}

// New makes the ledger from cfg; it sends nothing. Token and Journal are
// required; APIURL "" is DefaultURL, HTTP nil a client with a 30 s
// timeout, Now nil time.Now. Mapping may be nil for Check, Choices and
// Defaults; Book then refuses every line as unmapped.
func New(cfg ledger.Config) (*Ledger, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("e-Boekhouden: the API token is missing")
	}
	if cfg.Journal == nil {
		return nil, errors.New("e-Boekhouden: no journal")
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.APIURL), "/")
	if base == "" {
		base = DefaultURL
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Ledger{base: base, token: secret(strings.TrimSpace(cfg.Token)), http: hc, now: now, journal: cfg.Journal,
		mapping: cfg.Mapping}, nil
}

// String names the ledger by its API root; never the token.
func (l *Ledger) String() string { return "e-Boekhouden at " + l.base }

// GoString is String, so that %#v prints no token either.
func (l *Ledger) GoString() string { return l.String() }

// secret is a token that never prints.
type secret string

// String hides the secret.
func (secret) String() string { return "[redacted]" }

// GoString hides the secret from %#v.
func (secret) GoString() string { return "[redacted]" }
