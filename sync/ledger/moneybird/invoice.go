package moneybird

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the payment date on any machine

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// salesInvoice is an external sales invoice as Moneybird answers it, as
// far as the ledger reads it.
type salesInvoice struct {
	ID               json64     `json:"id"`
	ContactID        json64     `json:"contact_id"`
	Reference        string     `json:"reference"`
	PricesAreInclTax bool       `json:"prices_are_incl_tax"`
	Payments         []payment  `json:"payments"`
	TaxTotals        []taxTotal `json:"tax_totals"`
}

type payment struct {
	ID    json64 `json:"id"`
	Price string `json:"price"`
}

type taxTotal struct {
	TaxRateID json64 `json:"tax_rate_id"`
	TaxAmount string `json:"tax_amount"`
}

// invData is the Data of an invoice's journal entry.
type invData struct {
	// Contact is the contact the invoice was sent for: a retry looks the
	// invoice up under it.
	Contact string `json:"contact,omitempty"`
	// Incl is the price mode sent.
	Incl bool `json:"incl,omitempty"`
	// Warnings are what the booking reports (Moneybird's VAT differing).
	Warnings []ledger.Warning `json:"warnings,omitempty"`
	// PaySent says the payment's request went (its answer may be lost):
	// a retry reads the invoice to see whether it got there.
	PaySent bool `json:"pay_sent,omitempty"`
}

// invKey is the journal key of a booking.
func invKey(inv order.Invoice) string { return "inv/" + inv.Key }

// stateNew is a journal entry's state after a create Moneybird refused:
// nothing was made, the next attempt creates without looking up.
const stateNew = ""

// Book books inv and returns the Moneybird invoice id; see BookReport.
func (l *Ledger) Book(ctx context.Context, inv order.Invoice) (string, error) {
	b, err := l.BookReport(ctx, inv)
	return b.Ref, err
}

// BookReport books inv as an external sales invoice (a credit note as a
// negative one) and returns its Moneybird id, with a WarnVATDiffers warning
// for every rate where Moneybird's VAT is not the shop's. It is
// idempotent on inv.Key through the journal: a booking done returns its id
// and warnings again; one whose create went without an answer is looked
// up by its reference first; one created but not yet paid is read to see
// whether the payment got there. Errors: the mapping's *ledger.ReasonError
// for an unmapped case (before any request), *ledger.RateLimitedError when
// the limit is reached (what was made is in the journal, the next attempt
// goes on from there), ReasonUnauthorized for a refused token, a permanent
// error with Moneybird's message for an invoice it refuses (400, 422), and
// a plain (transient) error for 5xx, timeouts and lost answers.
func (l *Ledger) BookReport(ctx context.Context, inv order.Invoice) (ledger.Booked, error) {
	if strings.TrimSpace(inv.Key) == "" {
		return ledger.Booked{}, ledger.Permanent(errors.New("moneybird: invoice without a key"))
	}
	key := invKey(inv)
	defer l.locks.lock(key)()
	e, _, err := l.journal.Get(ctx, key)
	if err != nil {
		return ledger.Booked{}, err
	}
	var d invData
	if e.Data != "" {
		if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
			return ledger.Booked{}, fmt.Errorf("moneybird: journal %s: %w", key, err)
		}
	}
	if e.State == ledger.StateDone {
		return ledger.Booked{Ref: e.Ref, Warnings: d.Warnings}, nil
	}
	m, err := l.mapping(ctx)
	if err != nil {
		return ledger.Booked{}, err
	}
	p, err := makePlan(inv, m)
	if err != nil {
		return ledger.Booked{}, err
	}
	// got is the invoice as Moneybird answered it in this call.
	var got *salesInvoice
	if e.State == ledger.StateSending {
		found, err := l.lookup(ctx, inv, d.Contact)
		if err != nil {
			return ledger.Booked{}, err
		}
		if found != nil {
			got = found
			if d.Warnings, err = p.compare(found.TaxTotals); err != nil {
				return ledger.Booked{}, err
			}
			d.Incl = found.PricesAreInclTax
			e = ledger.Entry{State: ledger.StateCreated, Ref: string(found.ID)}
			if err := l.put(ctx, key, e, d); err != nil {
				return ledger.Booked{}, err
			}
		}
	}
	if e.State != ledger.StateCreated {
		if got, err = l.create(ctx, inv, p, &d); err != nil {
			return ledger.Booked{}, err
		}
		e = ledger.Entry{State: ledger.StateCreated, Ref: string(got.ID)}
	}
	if inv.Prepaid != 0 {
		if err := l.pay(ctx, inv, e.Ref, got, &d); err != nil {
			return ledger.Booked{Ref: e.Ref}, err
		}
	}
	e.State = ledger.StateDone
	if err := l.put(ctx, key, e, d); err != nil {
		return ledger.Booked{Ref: e.Ref}, err
	}
	return ledger.Booked{Ref: e.Ref, Warnings: d.Warnings}, nil
}

// put writes the journal entry with its data.
func (l *Ledger) put(ctx context.Context, key string, e ledger.Entry, d invData) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	e.Data = string(b)
	return l.journal.Put(ctx, key, e)
}

// notSent says that err is an answer refusing the request, or the
// limiter's hold: nothing was made.
func notSent(err error) bool {
	var rl *ledger.RateLimitedError
	if errors.As(err, &rl) {
		return true
	}
	var ae *APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500
}

// create resolves the buyer's contact and creates the invoice: the
// journal says "sending" before the request goes, and "created" with the
// id once Moneybird answered. A contact Moneybird no longer knows
// (contact_invalid) is forgotten and resolved again, once.
func (l *Ledger) create(ctx context.Context, inv order.Invoice, p plan, d *invData) (*salesInvoice, error) {
	key := invKey(inv)
	contactID, err := l.contact(ctx, inv.Buyer)
	if err != nil {
		return nil, err
	}
	incl := p.chooseIncl(inv.PricesIncludeTax)
	for attempt := 0; ; attempt++ {
		d.Contact, d.Incl, d.Warnings, d.PaySent = contactID, incl, nil, false
		if err := l.put(ctx, key, ledger.Entry{State: ledger.StateSending}, *d); err != nil {
			return nil, err
		}
		body := map[string]any{"external_sales_invoice": invoiceFields(inv, p, contactID, incl)}
		var si salesInvoice
		_, err := l.c.do(ctx, http.MethodPost, l.path("external_sales_invoices"), nil, body, &si)
		if err != nil {
			if notSent(err) {
				// Refused or held back: nothing was made, the
				// next attempt need not look it up.
				if perr := l.put(ctx, key, ledger.Entry{State: stateNew}, *d); perr != nil {
					return nil, perr
				}
			}
			var ae *APIError
			if errors.As(err, &ae) && ae.Status == http.StatusBadRequest && ae.hasSymbol("contact_invalid") && attempt == 0 {
				if err := l.forgetContact(ctx, inv.Buyer); err != nil {
					return nil, err
				}
				if contactID, err = l.contact(ctx, inv.Buyer); err != nil {
					return nil, err
				}
				continue
			}
			if errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusUnprocessableEntity) {
				return nil, ledger.Permanent(fmt.Errorf("invoice %s: %w", ledger.Reference(inv), err))
			}
			return nil, err
		}
		if si.ID == "" {
			return nil, fmt.Errorf("moneybird: POST external_sales_invoices: answer without an id")
		}
		if d.Warnings, err = p.compare(si.TaxTotals); err != nil {
			return nil, err
		}
		if err := l.put(ctx, key, ledger.Entry{State: ledger.StateCreated, Ref: string(si.ID)}, *d); err != nil {
			return nil, err
		}
		return &si, nil
	}
}

// lookup finds the invoice a create that lost its answer may have made:
// the invoices of its contact on its date (GET external_sales_invoices
// filtered by contact_id and period, every page; Moneybird has no
// reference filter), matched on reference. nil: not there.
func (l *Ledger) lookup(ctx context.Context, inv order.Invoice, contactID string) (*salesInvoice, error) {
	if contactID == "" {
		var err error
		if contactID, err = l.contact(ctx, inv.Buyer); err != nil {
			return nil, err
		}
	}
	day := inv.IssueDate.UTC().Format("20060102")
	q := url.Values{"filter": {"contact_id:" + contactID + ",period:" + day + ".." + day}}
	ref := ledger.Reference(inv)
	var found *salesInvoice
	err := getAll(ctx, l.c, l.path("external_sales_invoices"), q, func(si salesInvoice) {
		if found == nil && si.Reference == ref {
			found = &si
		}
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// pay registers the payment of a paid invoice (POST .../payments; a credit
// note's is negative). got is the invoice as answered in this call, nil
// when it was created in an earlier one: then, if an earlier attempt sent
// the payment, the invoice is read first, and a payment already there (a
// lost answer) is not registered again. An invoice a person deleted in
// Moneybird is forgotten: the booking fails, and a retry books it anew.
func (l *Ledger) pay(ctx context.Context, inv order.Invoice, id string, got *salesInvoice, d *invData) error {
	key := invKey(inv)
	created := ledger.Entry{State: ledger.StateCreated, Ref: id}
	gone := func(err error) error {
		d.PaySent = false
		if perr := l.put(ctx, key, ledger.Entry{State: stateNew}, *d); perr != nil {
			return perr
		}
		return ledger.Permanent(fmt.Errorf("invoice %s: Moneybird invoice %s no longer exists (deleted?); a retry books it again: %w",
			ledger.Reference(inv), id, err))
	}
	var ae *APIError
	if got == nil && d.PaySent {
		var si salesInvoice
		_, err := l.c.do(ctx, http.MethodGet, l.path("external_sales_invoices/"+url.PathEscape(id)), nil, nil, &si)
		if isNotFound(err) {
			return gone(err)
		}
		if err != nil {
			return err
		}
		got = &si
	}
	if got != nil && len(got.Payments) > 0 {
		return nil
	}
	date := inv.PaidAt
	if date.IsZero() {
		date = inv.IssueDate
	} else {
		date = paidDate(date)
	}
	pm := map[string]any{
		"payment_date": date.Format("2006-01-02"),
		"price":        (sign(inv) * inv.Prepaid).String(),
	}
	if inv.Currency != "" && inv.Currency != "EUR" {
		if base, ok := eurAmount(sign(inv)*inv.Prepaid, inv.EURRate); ok {
			pm["price_base"] = base.String()
		}
	}
	d.PaySent = true
	if err := l.put(ctx, key, created, *d); err != nil {
		return err
	}
	_, err := l.c.do(ctx, http.MethodPost, l.path("external_sales_invoices/"+url.PathEscape(id)+"/payments"), nil,
		map[string]any{"payment": pm}, nil)
	if err != nil && notSent(err) {
		d.PaySent = false
		if perr := l.put(ctx, key, created, *d); perr != nil {
			return perr
		}
	}
	switch {
	case isNotFound(err):
		return gone(err)
	case errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusUnprocessableEntity):
		return ledger.Permanent(fmt.Errorf("payment of invoice %s: %w", ledger.Reference(inv), err))
	}
	return err
}

// isNotFound says err is Moneybird's 404 of a record (not of the
// administration, which is a ReasonUnauthorized).
func isNotFound(err error) bool {
	var ae *APIError
	var re *ledger.ReasonError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound && !errors.As(err, &re)
}

// eurAmount is m at rate (EUR per unit, as a person gave it), rounded
// half away from zero.
func eurAmount(m order.Money, rate string) (order.Money, bool) {
	r, ok := new(big.Rat).SetString(strings.ReplaceAll(strings.TrimSpace(rate), ",", "."))
	if !ok || r.Sign() <= 0 {
		return 0, false
	}
	v := new(big.Rat).Mul(big.NewRat(int64(m), 1), r)
	num, den := new(big.Int).Abs(v.Num()), v.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(rem, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, false
	}
	if v.Sign() < 0 {
		return order.Money(-q.Int64()), true
	}
	return order.Money(q.Int64()), true
}

// amsterdam is the zone a payment is dated in (the shop's wall clock).
var amsterdam = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}()

// paidDate is the calendar day of t in Europe/Amsterdam when t is in UTC,
// else in t's own zone.
func paidDate(t time.Time) time.Time {
	if t.Location() == time.UTC {
		t = t.In(amsterdam)
	}
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}

// invoiceFields are the POST /external_sales_invoices fields of inv [M1].
func invoiceFields(inv order.Invoice, p plan, contactID string, incl bool) map[string]any {
	date := inv.IssueDate.UTC().Format("2006-01-02")
	f := map[string]any{
		"contact_id":          contactID,
		"reference":           ledger.Reference(inv),
		"date":                date,
		"due_date":            date, // as the UBL file's DueDate
		"prices_are_incl_tax": incl,
		"source":              "Orderbrug",
		"details_attributes":  details(inv, p, incl),
	}
	if inv.Currency != "" {
		f["currency"] = inv.Currency
	}
	if inv.SourceURL != "" {
		f["source_url"] = inv.SourceURL
	}
	return f
}

// detail is one line of details_attributes.
type detail struct {
	Description     string `json:"description"`
	Amount          string `json:"amount"`
	Price           string `json:"price"`
	TaxRateID       string `json:"tax_rate_id"`
	LedgerAccountID string `json:"ledger_account_id"`
}

// details are the lines: the first names the order (and, on a credit
// note, the invoice it corrects); a line's price is its amount ÷ quantity
// when that is exact, else the line is one "3 × name" at its amount.
func details(inv order.Invoice, p plan, incl bool) []detail {
	out := make([]detail, len(p.lines))
	for i, pl := range p.lines {
		v := pl.net
		if incl {
			v = pl.gross
		}
		desc := strings.TrimSpace(pl.line.Name)
		if desc == "" {
			desc = "Regel " + strconv.Itoa(i+1)
		}
		amount, price := int64(1), v
		if q := pl.line.Quantity; q > 1 {
			if int64(v)%q == 0 {
				amount, price = q, v/order.Money(q)
			} else {
				desc = strconv.FormatInt(q, 10) + " × " + desc
			}
		}
		if n := strings.TrimSpace(pl.line.Note); n != "" {
			desc += " (" + n + ")"
		}
		if i == 0 {
			desc = heading(inv) + ": " + desc
		}
		out[i] = detail{Description: desc, Amount: strconv.FormatInt(amount, 10), Price: price.String(),
			TaxRateID: pl.target.TaxRate, LedgerAccountID: pl.target.Account}
	}
	return out
}

// heading names the order on the first line: "Bestelling 1042", a credit
// note "Creditnota bij webwinkel-1042 (bestelling 1042)".
func heading(inv order.Invoice) string {
	num := inv.OrderNumber
	if num == "" {
		num = inv.ID
	}
	if inv.Kind == order.KindCreditNote {
		orig := inv.BillingReference
		if orig == "" {
			orig = num
		}
		return "Creditnota bij " + inv.Shop + "-" + orig + " (bestelling " + num + ")"
	}
	return "Bestelling " + num
}
