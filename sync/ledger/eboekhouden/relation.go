package eboekhouden

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// relationItem is a relation as GET /v1/relation lists it.
type relationItem struct {
	ID           int64  `json:"id"`
	Code         string `json:"code"`
	EmailAddress string `json:"emailAddress"`
	VATNumber    string `json:"vatNumber"`
}

// relationBody is POST /v1/relation's body (APIS.md §4.4).
type relationBody struct {
	Type                      string `json:"type"`
	Code                      string `json:"code"`
	Name                      string `json:"name"`
	Contact                   string `json:"contact,omitempty"`
	Address                   string `json:"address,omitempty"`
	PostalCode                string `json:"postalCode,omitempty"`
	City                      string `json:"city,omitempty"`
	Country                   string `json:"country,omitempty"`
	EmailAddress              string `json:"emailAddress,omitempty"`
	VATNumber                 string `json:"vatNumber,omitempty"`
	CompanyRegistrationNumber string `json:"companyRegistrationNumber,omitempty"`
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// newRelation is the relation of buyer p: a business (B) when it has a
// company name or a VAT number, else a person (P); its code is
// ledger.CustomerID(p), so a retry or a second shop finds it again.
func newRelation(p order.Party) relationBody {
	r := relationBody{Type: "P", Code: ledger.CustomerID(p), Name: strings.TrimSpace(p.Name)}
	if p.IsBusiness() {
		r.Type = "B"
		if c := strings.TrimSpace(p.Company); c != "" {
			r.Name = c
			if r.Contact = strings.TrimSpace(p.Name); r.Contact == c {
				r.Contact = ""
			}
		}
	}
	if r.Name == "" {
		r.Name = strings.TrimSpace(p.Email)
	}
	a := p.Address
	r.Address = strings.TrimSpace(a.Street)
	if s2 := strings.TrimSpace(a.Street2); s2 != "" {
		r.Address = strings.TrimSpace(r.Address + " " + s2)
	}
	r.PostalCode, r.City, r.Country = strings.TrimSpace(a.Postcode), strings.TrimSpace(a.City), strings.ToUpper(strings.TrimSpace(a.Country))
	r.EmailAddress = strings.TrimSpace(p.Email)
	if p.VATID != "" {
		r.VATNumber = order.NormalizeVATID(p.VATID)
	}
	if k := strings.TrimSpace(p.KvK); digits.MatchString(k) {
		r.CompanyRegistrationNumber = k
	}
	return r
}

// relation returns the id of the buyer's relation: the journal's
// (contact/<CustomerID>) unless fresh, else the relation with that code,
// else one with the buyer's e-mail address, else a new one. Never a
// second: a create whose code exists (REL_049, the answer of an earlier
// create that got lost, or another shop's booking) reads the relation by
// its code.
func (l *Ledger) relation(ctx context.Context, p order.Party, fresh bool) (int64, error) {
	code := ledger.CustomerID(p)
	key := "contact/" + code
	if !fresh {
		e, ok, err := l.journal.Get(ctx, key)
		if err != nil {
			return 0, err
		}
		if id, err := strconv.ParseInt(e.Ref, 10, 64); ok && err == nil && id > 0 {
			return id, nil
		}
	}
	id, err := l.findRelation(ctx, url.Values{"code": {code}}, func(r relationItem) bool { return r.Code == code })
	if err == nil && id == 0 {
		if email := strings.TrimSpace(p.Email); email != "" {
			id, err = l.relationByEmail(ctx, email, p)
		}
	}
	if err == nil && id == 0 {
		id, err = l.createRelation(ctx, newRelation(p))
	}
	if err != nil {
		return 0, err
	}
	if err := l.journal.Put(ctx, key, ledger.Entry{State: ledger.StateDone, Ref: strconv.FormatInt(id, 10)}); err != nil {
		return 0, err
	}
	return id, nil
}

// knownRelation is the relation of buyer p the ledger knows without
// making one: the journal's, else the one with p's code (0: neither).
func (l *Ledger) knownRelation(ctx context.Context, p order.Party) (int64, error) {
	code := ledger.CustomerID(p)
	e, ok, err := l.journal.Get(ctx, "contact/"+code)
	if err != nil {
		return 0, err
	}
	if id, err := strconv.ParseInt(e.Ref, 10, 64); ok && err == nil && id > 0 {
		return id, nil
	}
	return l.findRelation(ctx, url.Values{"code": {code}}, func(r relationItem) bool { return r.Code == code })
}

// relationByEmail returns the lowest id of the relations with e-mail
// address email (compared case-insensitively) that can be buyer p's, 0 for
// none. A business buyer with a VAT number takes only a relation with that
// VAT number (normalized), so its invoices never land on a relation
// without one (the ICP listing needs it); one with a company name and no
// VAT number takes none (a consumer's relation is not the company's); a
// consumer takes any. A relation the list shows without its address (or,
// for a buyer with a VAT number, without one) is read in full (at most a
// few), so a list that ignored the filter never gives another customer's
// relation.
func (l *Ledger) relationByEmail(ctx context.Context, email string, p order.Party) (int64, error) {
	vat := ""
	if strings.TrimSpace(p.VATID) != "" {
		vat = order.NormalizeVATID(p.VATID)
	} else if strings.TrimSpace(p.Company) != "" {
		return 0, nil
	}
	items, err := list[relationItem](ctx, l, "/v1/relation", url.Values{"email": {email}})
	if err != nil {
		return 0, err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	read := 0
	for _, r := range items {
		if r.ID <= 0 {
			continue
		}
		if (strings.TrimSpace(r.EmailAddress) == "" || vat != "" && strings.TrimSpace(r.VATNumber) == "") && read < 5 {
			read++
			if err := l.call(ctx, http.MethodGet, "/v1/relation/"+strconv.FormatInt(r.ID, 10), nil, nil, &r); err != nil {
				return 0, err
			}
		}
		if !strings.EqualFold(strings.TrimSpace(r.EmailAddress), email) {
			continue
		}
		if vat != "" && order.NormalizeVATID(r.VATNumber) != vat {
			continue
		}
		return r.ID, nil
	}
	return 0, nil
}

// forgetRelation drops the journal's relation of p (e-Boekhouden no longer
// knows it: MUT_013).
func (l *Ledger) forgetRelation(ctx context.Context, p order.Party) error {
	return l.journal.Put(ctx, "contact/"+ledger.CustomerID(p), ledger.Entry{})
}

// findRelation returns the lowest id of the relations q lists that match
// (0: none).
func (l *Ledger) findRelation(ctx context.Context, q url.Values, match func(relationItem) bool) (int64, error) {
	items, err := list[relationItem](ctx, l, "/v1/relation", q)
	if err != nil {
		return 0, err
	}
	var id int64
	for _, r := range items {
		if match(r) && r.ID > 0 && (id == 0 || r.ID < id) {
			id = r.ID
		}
	}
	return id, nil
}

// createRelation is POST /v1/relation; REL_049 (the code exists) reads
// the relation of that code. A relation e-Boekhouden refuses (REL_035 a
// VAT number it does not take, ...) is a permanent error: the buyer's
// data must be fixed; other refusals as refusal says.
func (l *Ledger) createRelation(ctx context.Context, r relationBody) (int64, error) {
	var out struct {
		ID int64 `json:"id"`
	}
	err := l.call(ctx, http.MethodPost, "/v1/relation", nil, r, &out)
	ae := asAPI(err)
	switch {
	case ae != nil && ae.Code == "REL_049":
		id, err := l.findRelation(ctx, url.Values{"code": {r.Code}}, func(x relationItem) bool { return x.Code == r.Code })
		if err == nil && id == 0 {
			err = fmt.Errorf("e-Boekhouden: relation code %s exists (REL_049) but is not listed", r.Code)
		}
		return id, err
	case ae != nil:
		return 0, refusal(err, fmt.Sprintf("the relation %q", r.Name))
	case err != nil:
		return 0, err
	case out.ID <= 0:
		return 0, errors.New("e-Boekhouden: POST /v1/relation: the answer has no id")
	}
	return out.ID, nil
}
