package moneybird

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// salesInvoice is an external sales invoice as Moneybird answers it, as
// far as the ledger reads it.
type salesInvoice struct {
	ID               json64      `json:"id"`
	ContactID        json64      `json:"contact_id"`
	Reference        string      `json:"reference"`
	PricesAreInclTax bool        `json:"prices_are_incl_tax"`
	Payments         []payment   `json:"payments"`
	TaxTotals        []taxTotal  `json:"tax_totals"`
	Details          []invDetail `json:"details"`
	// TotalPriceInclTax is Moneybird's total, what the invoice is open
	// for.
	TotalPriceInclTax string `json:"total_price_incl_tax"`
}

// invDetail is a line of the answer, as far as the ledger reads it.
type invDetail struct {
	LedgerAccountID               json64 `json:"ledger_account_id"`
	TotalPriceExclTaxWithDiscount string `json:"total_price_excl_tax_with_discount"`
}

type payment struct {
	ID    json64 `json:"id"`
	Price string `json:"price"`
}

type taxTotal struct {
	TaxRateID json64 `json:"tax_rate_id"`
	TaxAmount string `json:"tax_amount"`
	// TaxAmountBase is TaxAmount in EUR (the administration's
	// currency) for an invoice in another currency.
	TaxAmountBase string `json:"tax_amount_base"`
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
	// Sent is when the create's request went (RFC 3339, our clock) while
	// no answer came back: until the HTTP client's timeout and a margin
	// have passed it may still be on its way, and a lookup that does not
	// find it yet must not create it again. "" once Moneybird answered.
	Sent string `json:"sent,omitempty"`
	// Total is Moneybird's total_price_incl_tax of the invoice, signed
	// ("" when not known): after a VAT difference the payment is
	// registered for it, so the invoice is paid and not left open by the
	// difference.
	Total string `json:"total,omitempty"`
}

// sendingMargin is how long past the HTTP client's timeout a create
// without an answer is taken to be still on its way: Moneybird may
// commit it a little after our client gave up.
const sendingMargin = 2 * time.Minute

// ErrMayBeOnItsWay is wrapped by the transient error of a booking whose
// create went without an answer so recently that it may still arrive: the
// retry after the engine's backoff looks it up.
var ErrMayBeOnItsWay = errors.New("a request for this booking may still be on its way")

// inFlight says whether the create's request of d may still be on its way
// at now.
func (l *Ledger) inFlight(d invData, now time.Time) bool {
	sent, err := time.Parse(time.RFC3339Nano, d.Sent)
	if err != nil {
		return false
	}
	timeout := l.c.http.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	age := now.Sub(sent)
	// A clock set back makes the age negative: within the window it is
	// still taken as young.
	return age < timeout+sendingMargin && age > -(timeout+sendingMargin)
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
// up by its reference first; one whose payment went without an answer is
// read to see whether the payment got there. Errors: the mapping's *ledger.ReasonError
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
	defer l.lock(key)()
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
	// got is the invoice as Moneybird answered it in this call.
	var got *salesInvoice
	if e.State != ledger.StateCreated {
		// The plan is needed to create the invoice or to compare the one
		// found; an invoice made needs only its payment, whatever the
		// mapping says now.
		m, err := l.mapping(ctx)
		if err != nil {
			return ledger.Booked{}, err
		}
		p, err := makePlan(inv, m)
		if err != nil {
			return ledger.Booked{}, err
		}
		if got, err = l.createOrFind(ctx, inv, p, e, &d); err != nil {
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

// createOrFind returns the invoice of a booking not yet created: after a
// create that went without an answer (e "sending") the one found by
// reference, else a new one.
func (l *Ledger) createOrFind(ctx context.Context, inv order.Invoice, p plan, e ledger.Entry, d *invData) (*salesInvoice, error) {
	if e.State == ledger.StateSending {
		if l.inFlight(*d, l.c.now()) {
			return nil, fmt.Errorf("moneybird: invoice %s: %w (sent %s without an answer); it is looked up once that has passed",
				ledger.Reference(inv), ErrMayBeOnItsWay, d.Sent)
		}
		found, err := l.lookup(ctx, inv, d.Contact)
		if err != nil {
			return nil, err
		}
		if found != nil {
			if d.Warnings, err = p.compare(found); err != nil {
				return nil, err
			}
			d.Total = found.TotalPriceInclTax
			d.Incl, d.PaySent = found.PricesAreInclTax, false
			if err := l.put(ctx, invKey(inv), ledger.Entry{State: ledger.StateCreated, Ref: string(found.ID)}, *d); err != nil {
				return nil, err
			}
			return found, nil
		}
	}
	return l.create(ctx, inv, p, d)
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
		d.Sent = l.c.now().UTC().Format(time.RFC3339Nano)
		if err := l.put(ctx, key, ledger.Entry{State: ledger.StateSending}, *d); err != nil {
			return nil, err
		}
		body := map[string]any{"external_sales_invoice": invoiceFields(inv, p, contactID, incl)}
		var si salesInvoice
		_, err := l.c.do(ctx, http.MethodPost, l.path("external_sales_invoices"), nil, body, &si)
		d.Sent = ""
		var answered *APIError
		if err != nil && !notSent(err) && errors.As(err, &answered) {
			// Moneybird answered (a 5xx): nothing is on its way any
			// more, the retry may look it up at once.
			if perr := l.put(ctx, key, ledger.Entry{State: ledger.StateSending}, *d); perr != nil {
				return nil, perr
			}
		}
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
				if rerr := p.refusedMapping(ae); rerr != nil {
					return nil, rerr
				}
				return nil, ledger.Permanent(fmt.Errorf("invoice %s: %w", ledger.Reference(inv), err))
			}
			return nil, err
		}
		if si.ID == "" {
			return nil, fmt.Errorf("moneybird: POST external_sales_invoices: answer without an id")
		}
		if d.Warnings, err = p.compare(&si); err != nil {
			return nil, err
		}
		d.Total = si.TotalPriceInclTax
		if err := l.put(ctx, key, ledger.Entry{State: ledger.StateCreated, Ref: string(si.ID)}, *d); err != nil {
			return nil, err
		}
		return &si, nil
	}
}

// refusedMapping is the *ledger.ReasonError of a 400/422 that names a
// detail's tax_rate_id (ReasonVATUnmapped) or ledger_account_id
// (ReasonAccountUnmapped): a tax rate or account of the mapping that a
// person deactivated or deleted in Moneybird. Args case is the case of
// the refused line when the error names it (an index in the field, or the
// id as its value), else the first case using that id, else the first
// line's; fixing the mapping is then enough. nil: the error names neither.
func (p plan) refusedMapping(ae *APIError) error {
	for _, f := range []struct {
		field, reason string
		id            func(pl planLine) string
		cas           func(pl planLine) ledger.Case
	}{
		{"tax_rate_id", ledger.ReasonVATUnmapped, func(pl planLine) string { return pl.target.TaxRate }, func(pl planLine) ledger.Case { return pl.vatCase }},
		{"ledger_account_id", ledger.ReasonAccountUnmapped, func(pl planLine) string { return pl.target.Account }, func(pl planLine) ledger.Case { return pl.acctCase }},
	} {
		keys, index, value := ae.fieldNamed(f.field)
		if !keys || len(p.lines) == 0 {
			continue
		}
		pick := -1
		if index >= 0 && index < len(p.lines) {
			pick = index
		}
		for i, pl := range p.lines {
			if pick < 0 && value != "" && f.id(pl) == value {
				pick = i
			}
		}
		if pick < 0 {
			pick = 0
		}
		pl := p.lines[pick]
		return ledger.WithReason(f.reason, map[string]string{"case": string(f.cas(pl))},
			fmt.Errorf("moneybird refuses %s %s of VAT case %s (deactivated or deleted?); map the case anew: %w",
				f.field, f.id(pl), f.cas(pl), ae))
	}
	return nil
}

// fieldNamed says whether the error names field (a key ending in it, in
// its details, its messages or its symbolic part: "details.tax_rate_id",
// "details_attributes.1.tax_rate_id"), with the line index the key
// names (−1: none) and the value the details give (the refused id, "").
func (e *APIError) fieldNamed(field string) (found bool, index int, value string) {
	index = -1
	note := func(key string) bool {
		parts := strings.FieldsFunc(key, func(r rune) bool { return r == '.' || r == '[' || r == ']' })
		if len(parts) == 0 || parts[len(parts)-1] != field {
			return false
		}
		found = true
		for _, s := range parts {
			if n, err := strconv.Atoi(s); err == nil && index < 0 {
				index = n
			}
		}
		return true
	}
	for k, ds := range e.Details {
		if note(k) && value == "" {
			for _, d := range ds {
				if v, ok := d["value"]; ok && v != nil {
					value = fmt.Sprint(v)
					break
				}
			}
		}
	}
	for k := range e.Fields {
		note(k)
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				note(prefix + k)
				walk(prefix+k+".", x)
			}
		}
	}
	walk("", e.Symbolic)
	return found, index, value
}

// lookup finds the invoice a create that lost its answer may have made:
// the invoices of its contact on its date (GET external_sales_invoices
// filtered by contact_id and period, every page; Moneybird has no
// reference filter), matched on reference; when none matches, every
// invoice of that date (a person may have merged or deleted the contact
// in between). The filter names state:all: APIS.md does not say what
// Moneybird lists without a state, and a paid or late invoice must be
// found too. nil: not there.
func (l *Ledger) lookup(ctx context.Context, inv order.Invoice, contactID string) (*salesInvoice, error) {
	if contactID == "" {
		var err error
		if contactID, err = l.contact(ctx, inv.Buyer); err != nil {
			return nil, err
		}
	}
	day := inv.IssueDate.UTC().Format("20060102")
	period := "state:all,period:" + day + ".." + day
	ref := ledger.Reference(inv)
	var found *salesInvoice
	match := func(si salesInvoice) {
		if found == nil && si.Reference == ref {
			found = &si
		}
	}
	for _, filter := range []string{period + ",contact_id:" + contactID, period} {
		if err := getAll(ctx, l.c, l.path("external_sales_invoices"), url.Values{"filter": {filter}}, match); err != nil {
			return nil, err
		}
		if found != nil {
			return found, nil
		}
	}
	return nil, nil
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
