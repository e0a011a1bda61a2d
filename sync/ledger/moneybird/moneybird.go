// Package moneybird books invoices and credit notes into Moneybird (API v2,
// ../shared/APIS.md §3) as external sales invoices: a contact per buyer,
// found again by Orderbrug's customer id or e-mail address, never made
// twice; the invoice with the shop's own number as reference, its lines on
// the tax rates and revenue accounts of the VAT mapping, and the payment
// of a paid order. Moneybird does not deduplicate, so every step is in the
// ledger's journal first, and a retry after a lost answer looks the invoice
// up by its reference instead of creating it again. Moneybird computes the
// VAT itself; the ledger gives it prices incl. or excl. VAT, whichever
// makes its VAT the shop's, and reports any cent that still differs.
// Moneybird takes 150 requests per 5 minutes: a client-side limiter holds
// requests back and a booking waits (ledger.RateLimitedError) instead of
// running into 429s.
package moneybird

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

// DefaultURL is Moneybird's API root: everything before
// /{administration_id}. With the emulator: srv.URL + "/api/v2".
const DefaultURL = "https://moneybird.com/api/v2"

// Kind is the ledger's settings value.
const Kind = "moneybird"

// Descriptor describes Moneybird for the ledger registry.
func Descriptor() ledger.Descriptor {
	return ledger.Descriptor{
		Kind:                Kind,
		Name:                "Moneybird",
		DefaultURL:          DefaultURL,
		NeedsAdministration: true,
		Administrations:     Administrations,
		UsesTaxRates:        true,
		New: func(cfg ledger.Config) (ledger.Online, error) {
			l, err := New(cfg)
			if err != nil {
				return nil, err
			}
			return l, nil
		},
	}
}

var (
	_ ledger.Online   = (*Ledger)(nil)
	_ ledger.Reporter = (*Ledger)(nil)
)

// Ledger is one Moneybird administration. It implements ledger.Online and
// ledger.Reporter, and is safe for concurrent use.
type Ledger struct {
	c       *client
	admin   string
	journal ledger.Journal
	mapping func(ctx context.Context) (ledger.Mapping, error)
}

// New makes the ledger of cfg.Administration; it sends nothing. Token,
// Administration and Journal are required.
func New(cfg ledger.Config) (*Ledger, error) {
	switch {
	case strings.TrimSpace(cfg.Token) == "":
		return nil, errors.New("moneybird: no API token")
	case strings.TrimSpace(cfg.Administration) == "":
		return nil, errors.New("moneybird: no administration")
	case cfg.Journal == nil:
		return nil, errors.New("moneybird: no journal")
	}
	mapping := cfg.Mapping
	if mapping == nil {
		mapping = func(context.Context) (ledger.Mapping, error) { return ledger.Mapping{}, nil }
	}
	return &Ledger{c: newClient(cfg), admin: strings.TrimSpace(cfg.Administration), journal: cfg.Journal, mapping: mapping}, nil
}

// path is the path of resource under the administration:
// "/{administration_id}/contacts.json".
func (l *Ledger) path(resource string) string {
	return "/" + url.PathEscape(l.admin) + "/" + resource + ".json"
}

// administration is an entry of GET /administrations.json.
type administration struct {
	ID        json64 `json:"id"`
	Name      string `json:"name"`
	Suspended bool   `json:"suspended"`
}

// Administrations lists the administrations cfg.Token reaches (GET
// {APIURL}/administrations.json), for a person to pick one.
func Administrations(ctx context.Context, cfg ledger.Config) ([]ledger.Account, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("moneybird: no API token")
	}
	list, err := administrations(ctx, newClient(cfg))
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Account, len(list))
	for i, a := range list {
		out[i] = ledger.Account{ID: string(a.ID), Name: a.Name}
	}
	return out, nil
}

func administrations(ctx context.Context, c *client) ([]administration, error) {
	var list []administration
	if _, err := c.do(ctx, http.MethodGet, "/administrations.json", nil, nil, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// ErrNoAdministration is wrapped by Check when the token does not reach
// the configured administration.
var ErrNoAdministration = errors.New("administration not reachable with this token")

// Check finds the administration among those the token reaches and tests
// that the token may book external sales invoices: a wrong or revoked
// token, one without the sales_invoices scope and a suspended
// administration are a *ledger.ReasonError with ReasonUnauthorized.
func (l *Ledger) Check(ctx context.Context) (ledger.Account, error) {
	list, err := administrations(ctx, l.c)
	if err != nil {
		return ledger.Account{}, err
	}
	var names []string
	for _, a := range list {
		if string(a.ID) != l.admin {
			names = append(names, fmt.Sprintf("%s (%s)", a.Name, a.ID))
			continue
		}
		acc := ledger.Account{ID: string(a.ID), Name: a.Name}
		if a.Suspended {
			return acc, ledger.WithReason(ledger.ReasonUnauthorized, nil,
				fmt.Errorf("moneybird: administration %s (%s) is suspended", a.Name, a.ID))
		}
		q := url.Values{"per_page": {"1"}}
		if _, err := l.c.do(ctx, http.MethodGet, l.path("external_sales_invoices"), q, nil, nil); err != nil {
			return acc, err
		}
		return acc, nil
	}
	reach := "none"
	if len(names) > 0 {
		reach = strings.Join(names, ", ")
	}
	return ledger.Account{}, ledger.WithReason(ledger.ReasonUnauthorized, nil,
		fmt.Errorf("moneybird: %w: %s (the token reaches: %s)", ErrNoAdministration, l.admin, reach))
}

// json64 is an id Moneybird writes as a string of digits or, in some
// answers, as a number.
type json64 string

// UnmarshalJSON reads a string or a number.
func (j *json64) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*j = ""
		return nil
	}
	*j = json64(strings.Trim(s, `"`))
	return nil
}
