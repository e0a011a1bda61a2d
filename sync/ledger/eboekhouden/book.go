package eboekhouden

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// invoiceSent is the mutation type of a sales invoice (APIS.md §4.2).
const invoiceSent = 2

// amount is an amount in cents that goes on the wire in euros ("12.30").
type amount order.Money

// MarshalJSON writes the amount as a decimal number with two places.
func (a amount) MarshalJSON() ([]byte, error) { return []byte(order.Money(a).String()), nil }

// mutationRow is one row of POST /v1/mutation.
type mutationRow struct {
	LedgerID    int64  `json:"ledgerId"`
	VATCode     string `json:"vatCode"`
	Amount      amount `json:"amount"`
	Description string `json:"description,omitempty"`
}

// mutation is POST /v1/mutation's body for an invoice sent.
type mutation struct {
	Type          int           `json:"type"`
	Date          string        `json:"date"`
	Description   string        `json:"description,omitempty"`
	TermOfPayment int           `json:"termOfPayment"`
	LedgerID      int64         `json:"ledgerId"`
	RelationID    int64         `json:"relationId"`
	InExVat       string        `json:"inExVat"`
	InvoiceNumber string        `json:"invoiceNumber"`
	Rows          []mutationRow `json:"rows"`
}

// journalData is what the journal keeps of a booking besides its id:
// the mode, the shop's VAT per code (to check e-Boekhouden's against,
// also after a restart), and the warnings.
type journalData struct {
	InExVat string `json:"inExVat,omitempty"`
	// Number is the invoice number the booking was sent under: its
	// invoiceNumber, or altNumber when another invoice has that one.
	Number   string           `json:"number,omitempty"`
	Shop     []shopVAT        `json:"shop,omitempty"`
	Warnings []ledger.Warning `json:"warnings,omitempty"`
}

// shopVAT is the shop's VAT of one code as booked (negative for a credit
// note), in cents, with the shop's rate.
type shopVAT struct {
	Code string `json:"code"`
	Rate string `json:"rate"`
	VAT  int64  `json:"vat"`
}

// WarnVATUnchecked is the warning of a booking whose VAT the ledger could
// not read back from e-Boekhouden (the answer to GET /v1/mutation/{id}
// got lost): it is booked, and whether e-Boekhouden's VAT is the shop's
// is not known (args: vat_codes, and the differences predicted, if any,
// come as WarnVATDiffers beside it). Not one of ledger's codes yet.
const WarnVATUnchecked = "ledger_vat_unchecked"

// WarnNumberChanged is the warning of a booking booked under its
// alternate invoice number because e-Boekhouden has its own number for
// another invoice (args: number, the number it has now; taken, the one
// another invoice has): the bookkeeper finds it under another number than
// the shop's.
const WarnNumberChanged = "ledger_number_changed"

// numberWarning is the WarnNumberChanged warning of a booking booked
// under number, nil when number is its own.
func numberWarning(inv order.Invoice, number string) []ledger.Warning {
	if number == "" || number == invoiceNumber(inv) {
		return nil
	}
	return []ledger.Warning{{Code: WarnNumberChanged, Args: map[string]string{"number": number, "taken": invoiceNumber(inv)}}}
}

// Book books inv and returns the id of its mutation; see BookReport.
func (l *Ledger) Book(ctx context.Context, inv order.Invoice) (string, error) {
	b, err := l.BookReport(ctx, inv)
	return b.Ref, err
}

// BookReport books inv as one mutation of type 2 with invoice number
// ledger.Reference(inv) (shortened where it is too long: invoiceNumber) and
// returns its id, with a WarnVATDiffers warning per VAT code whose VAT
// e-Boekhouden computes otherwise than the shop. It is idempotent on
// inv.Key: the journal (inv/<Key>) holds what was sent; a booking sent
// without an answer is looked up by its invoice numbers before it is sent
// again, and an invoice number e-Boekhouden has already (MUT_019,
// MUT_020) is looked up, not an error. A mutation found by number is this
// booking's only when its description carries the booking's marker (see
// marker; ours for one booked before the marker); another invoice's (a
// reinstall, an order-number plugin restarted, one typed by hand) makes
// the booking take its alternate number (altNumber), with a
// WarnNumberChanged warning so the bookkeeper knows, and when that is
// taken too the booking fails for good, saying so. A booking done before
// returns its id and warnings and sends nothing.
//
// Errors: an unmapped case is ReasonVATUnmapped or ReasonAccountUnmapped
// (args case; "debtor" without a debtor ledger), a refused token or
// another security refusal ReasonUnauthorized (args code MODULE_001 for
// the free trial's limit), a closed period ReasonPeriodLocked (args
// date); a validation error with a code is permanent (with e-Boekhouden's
// code and title), and so is every invoice number taken by another
// invoice; a 5xx, a 404 or 408, an answer without a code, a timeout or a
// lost answer is a plain transient error.
func (l *Ledger) BookReport(ctx context.Context, inv order.Invoice) (ledger.Booked, error) {
	key := "inv/" + inv.Key
	e, ok, err := l.journal.Get(ctx, key)
	if err != nil {
		return ledger.Booked{}, err
	}
	var data journalData
	if ok && e.Data != "" {
		_ = json.Unmarshal([]byte(e.Data), &data)
	}
	if ok && e.State == ledger.StateDone && e.Ref != "" {
		return ledger.Booked{Ref: e.Ref, Warnings: data.Warnings}, nil
	}
	if ok && e.State == ledger.StateCreated && e.Ref != "" {
		return l.verified(ctx, inv, key, e.Ref, data, nil)
	}
	number := invoiceNumber(inv)
	refused := map[string]bool{}
	if ok && e.State == ledger.StateSending {
		// Sent before without an answer (or refused): booked or not?
		id, d, free, err := l.locate(ctx, inv, refused)
		if err != nil {
			return ledger.Booked{}, err
		}
		if id != "" {
			return l.verified(ctx, inv, key, id, data, d)
		}
		if free == "" {
			return ledger.Booked{}, taken(inv)
		}
		number = free
	}
	if !order.IsEUR(inv.Currency) {
		return ledger.Booked{}, ledger.Permanent(fmt.Errorf("e-Boekhouden: invoice %s is in %s: the ledger books euros only", number, inv.Currency))
	}
	var m ledger.Mapping
	if l.mapping != nil {
		if m, err = l.mapping(ctx); err != nil {
			return ledger.Booked{}, err
		}
	}
	groups, err := groupLines(inv, m)
	if err != nil {
		return ledger.Booked{}, fmt.Errorf("e-Boekhouden: invoice %s: %w", number, err)
	}
	sign := order.Money(1)
	if inv.Kind == order.KindCreditNote {
		sign = -1
	}
	p := choose(groups, inv.PricesIncludeTax, sign)
	data = journalData{InExVat: p.inEx, Warnings: p.warnings}
	for _, g := range groups {
		data.Shop = append(data.Shop, shopVAT{Code: g.code.Code, Rate: g.rate.Percent(), VAT: int64(sign * g.shopTax)})
	}
	debtor, err := l.debtorLedger(ctx)
	if err != nil {
		return ledger.Booked{}, err
	}
	for fresh := false; ; {
		rel, err := l.relation(ctx, inv.Buyer, fresh)
		if err != nil {
			return ledger.Booked{}, err
		}
		mut := newMutation(inv, p, sign, debtor, rel, number)
		data.Number = number
		raw, _ := json.Marshal(data)
		if err := l.journal.Put(ctx, key, ledger.Entry{State: ledger.StateSending, Data: string(raw)}); err != nil {
			return ledger.Booked{}, err
		}
		var out struct {
			ID int64 `json:"id"`
		}
		err = l.call(ctx, http.MethodPost, "/v1/mutation", nil, mut, &out)
		ae := asAPI(err)
		switch {
		case err == nil && out.ID > 0:
			id := strconv.FormatInt(out.ID, 10)
			raw, _ := json.Marshal(data)
			if err := l.journal.Put(ctx, key, ledger.Entry{State: ledger.StateCreated, Ref: id, Data: string(raw)}); err != nil {
				return ledger.Booked{}, err
			}
			return l.verified(ctx, inv, key, id, data, nil)
		case err == nil:
			return ledger.Booked{}, errors.New("e-Boekhouden: POST /v1/mutation: the answer has no id")
		case ae != nil && (ae.Code == "MUT_019" || ae.Code == "MUT_020"):
			// The invoice number exists: this booking, made by an attempt
			// whose answer got lost (or before the journal was), or
			// another invoice's: then the next number.
			refused[number] = true
			id, d, free, ferr := l.locate(ctx, inv, refused)
			if ferr != nil {
				return ledger.Booked{}, ferr
			}
			if id != "" {
				return l.verified(ctx, inv, key, id, data, d)
			}
			if free == "" {
				return ledger.Booked{}, taken(inv)
			}
			number = free
			continue
		case ae != nil && ae.Code == "MUT_013" && !fresh:
			// The journal's relation is gone: find or make it again, once.
			if err := l.forgetRelation(ctx, inv.Buyer); err != nil {
				return ledger.Booked{}, err
			}
			fresh = true
			continue
		}
		return ledger.Booked{}, l.bookError(err, mut, p)
	}
}

// taken is the permanent error of a booking whose every invoice number
// e-Boekhouden has for another invoice.
func taken(inv order.Invoice) error {
	return ledger.Permanent(fmt.Errorf("e-Boekhouden has the invoice numbers %s of invoice %s for another invoice (MUT_019): "+
		"it is not booked; book it by hand or remove the other", strings.Join(invoiceNumbers(inv), " and "), ledger.Reference(inv)))
}

// verified checks e-Boekhouden's VAT of the booked mutation id (d, or
// read now when nil) against the shop's and records the booking as done:
// a WarnVATDiffers warning per code whose VAT differs, from e-Boekhouden's
// answer (its vat[]), which replaces what the plan predicted. Where that
// answer is lost or has no vat[], the booking is done all the same, with
// the predicted warnings and a WarnVATUnchecked one: never silent. A
// journal entry of before the check (no shop VAT) keeps its warnings.
//
// A booking under its alternate number (the journal's number, or the one
// e-Boekhouden shows) also gets a WarnNumberChanged warning.
func (l *Ledger) verified(ctx context.Context, inv order.Invoice, key, id string, data journalData, d *mutationDetail) (ledger.Booked, error) {
	if d != nil && d.InvoiceNumber != "" {
		data.Number = d.InvoiceNumber
	}
	if len(data.Shop) == 0 {
		data.Warnings = withNumber(data.Warnings, inv, data.Number)
		return l.done(ctx, key, id, data)
	}
	if d == nil {
		n, _ := strconv.ParseInt(id, 10, 64)
		if got, err := l.readMutation(ctx, n); err == nil {
			d = &got
		}
	}
	if d != nil && d.InvoiceNumber != "" {
		data.Number = d.InvoiceNumber
	}
	if d != nil && d.VAT != nil {
		data.Warnings = withNumber(compareVAT(d.VAT, data.Shop), inv, data.Number)
		return l.done(ctx, key, id, data)
	}
	codes := make([]string, len(data.Shop))
	for i, s := range data.Shop {
		codes[i] = s.Code
	}
	data.Warnings = append(data.Warnings, ledger.Warning{Code: WarnVATUnchecked, Args: map[string]string{"vat_codes": strings.Join(codes, ",")}})
	data.Warnings = withNumber(data.Warnings, inv, data.Number)
	return l.done(ctx, key, id, data)
}

// withNumber is ws with the WarnNumberChanged warning of number (once).
func withNumber(ws []ledger.Warning, inv order.Invoice, number string) []ledger.Warning {
	out := ws[:0:0]
	for _, w := range ws {
		if w.Code != WarnNumberChanged {
			out = append(out, w)
		}
	}
	return append(out, numberWarning(inv, number)...)
}

// compareVAT is a WarnVATDiffers warning per code whose VAT in got
// (e-Boekhouden's vat[]) is not the shop's, in the shop's order, then
// the codes only e-Boekhouden has.
func compareVAT(got []vatLine, shop []shopVAT) []ledger.Warning {
	sum := map[string]order.Money{}
	var seen []string
	for _, v := range got {
		if _, ok := sum[v.VATCode]; !ok {
			seen = append(seen, v.VATCode)
		}
		sum[v.VATCode] += order.Money(math.Round(v.Amount * 100))
	}
	var ws []ledger.Warning
	warn := func(code, rate string, want, have order.Money) {
		if have != want {
			ws = append(ws, ledger.Warning{Code: ledger.WarnVATDiffers, Args: map[string]string{
				"rate": rate, "vat_code": code, "shop": want.String(), "ledger": have.String(), "diff": (have - want).String()}})
		}
	}
	known := map[string]bool{}
	for _, s := range shop {
		known[s.Code] = true
		warn(s.Code, s.Rate, order.Money(s.VAT), sum[s.Code])
	}
	for _, c := range seen {
		if !known[c] {
			warn(c, "", 0, sum[c])
		}
	}
	return ws
}

// done records the booking's mutation id and returns it.
func (l *Ledger) done(ctx context.Context, key, id string, data journalData) (ledger.Booked, error) {
	raw, _ := json.Marshal(data)
	if err := l.journal.Put(ctx, key, ledger.Entry{State: ledger.StateDone, Ref: id, Data: string(raw)}); err != nil {
		return ledger.Booked{}, err
	}
	return ledger.Booked{Ref: id, Warnings: data.Warnings}, nil
}

// bookError maps e-Boekhouden's refusal of a mutation: a closed period
// waits for a person to open it, a row's ledger or VAT code it refuses
// waits for the mapping, the debtor ledger is looked up again next time,
// anything else as refusal says; other errors pass as they are.
func (l *Ledger) bookError(err error, m mutation, p plan) error {
	ae := asAPI(err)
	if ae == nil {
		return err
	}
	rowCase := func(vat bool) map[string]string {
		i := -1
		if rest, ok := strings.CutPrefix(ae.Property, "rows["); ok {
			if n, _, ok := strings.Cut(rest, "]"); ok {
				i, _ = strconv.Atoi(n)
			}
		}
		if i < 0 || i >= len(p.rows) {
			return nil
		}
		if vat {
			return map[string]string{"case": string(p.rows[i].vatCase)}
		}
		return map[string]string{"case": string(p.rows[i].acctCase)}
	}
	switch ae.Code {
	case "MUT_005", "SECURITY_007":
		return ledger.WithReason(ledger.ReasonPeriodLocked, map[string]string{"date": m.Date},
			fmt.Errorf("invoice %s of %s: the period is closed in e-Boekhouden: %w", m.InvoiceNumber, m.Date, err))
	case "MUT_104", "MUT_106", "MUTA_004":
		return ledger.WithReason(ledger.ReasonAccountUnmapped, rowCase(false),
			fmt.Errorf("invoice %s: e-Boekhouden refuses a revenue ledger of the mapping: %w", m.InvoiceNumber, err))
	case "MUT_109", "MUT_111":
		return ledger.WithReason(ledger.ReasonVATUnmapped, rowCase(true),
			fmt.Errorf("invoice %s: e-Boekhouden refuses a VAT code of the mapping: %w", m.InvoiceNumber, err))
	case "MUT_007", "MUT_011":
		l.mu.Lock()
		l.debtor = 0
		l.mu.Unlock()
		return fmt.Errorf("invoice %s: the debtor ledger: %w", m.InvoiceNumber, err)
	}
	return refusal(err, "invoice "+m.InvoiceNumber)
}

// refusal maps a refusal of e-Boekhouden its caller has no meaning of
// its own for (what names what was refused): a security refusal (but the
// closed period, SECURITY_007) waits for the owner with
// ReasonUnauthorized, and so does the accounting module's free-trial limit
// (MODULE_001, args code); a validation error with a code is permanent;
// anything else (404, 408, an answer without a code, a 5xx) is transient.
func refusal(err error, what string) error {
	ae := asAPI(err)
	switch {
	case ae == nil:
		return err
	case ae.Code == "MODULE_001":
		return ledger.WithReason(ledger.ReasonUnauthorized, map[string]string{"code": "MODULE_001"},
			fmt.Errorf("%s: the free trial of e-Boekhouden's accounting module has reached its limit: %w", what, err))
	case ae.Code == "SECURITY_007":
		return fmt.Errorf("%s: %w", what, err)
	case ae.Type == "security" || ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden:
		return ledger.WithReason(ledger.ReasonUnauthorized, nil, fmt.Errorf("%s: e-Boekhouden refuses the API token: %w", what, err))
	case ae.Status == http.StatusNotFound || ae.Status == http.StatusRequestTimeout || ae.Code == "" || ae.Status >= 500:
		return fmt.Errorf("%s: %w", what, err)
	case ae.Status >= 400 && ae.Status < 500:
		return ledger.Permanent(fmt.Errorf("%s: %w", what, err))
	}
	return err
}

// newMutation is the mutation of inv: its date, the debtor ledger, the
// relation, invoice number number, and p's rows (negative for a credit note).
func newMutation(inv order.Invoice, p plan, sign order.Money, debtor, rel int64, number string) mutation {
	term := DefaultTermOfPayment
	if inv.Payable == 0 {
		term = 0
	}
	m := mutation{Type: invoiceSent, Date: inv.IssueDate.UTC().Format("2006-01-02"), Description: description(inv),
		TermOfPayment: term, LedgerID: debtor, RelationID: rel, InExVat: p.inEx, InvoiceNumber: number}
	for _, r := range p.rows {
		m.Rows = append(m.Rows, mutationRow{LedgerID: r.ledger, VATCode: r.code.Code, Amount: amount(sign * r.amount(p.inEx)),
			Description: clip(inv.OrderNumber+": "+strings.Join(r.names, ", "), 200)})
	}
	return m
}

// maxInvoiceNumber is the longest invoice number the ledger sends.
// e-Boekhouden refuses a longer one (MUT_018) without documenting the
// limit (APIS.md §4.2); ebemu takes 50, and so does this ledger.
const maxInvoiceNumber = 50

// invoiceNumber is the booking's invoice number in e-Boekhouden:
// ledger.Reference(inv) when that fits in maxInvoiceNumber characters, else
// a shortening that follows from the invoice alone, so that the create,
// its retry and every look-up use the same number: the shop's slug left
// out of the invoice's own part where that repeats it (a till's day
// summary "dag-2026-03-02-<slug>"), and where that is still too long the
// slug cut (it is the same on all of the shop's invoices) and 8 hex
// digits of the hash of the booking's key added, so two invoices never
// share a shortened number.
func invoiceNumber(inv order.Invoice) string {
	ref := ledger.Reference(inv)
	if runes(ref) <= maxInvoiceNumber {
		return ref
	}
	id := dropSlug(inv.ID, inv.Shop)
	if r := inv.Shop + "-" + id; runes(r) <= maxInvoiceNumber {
		return r
	}
	return fit(inv.Shop, id, "-"+keyHash(inv.Key, 8))
}

// dropSlug leaves slug out of id where id repeats it as a part of its
// own between dashes ("dag-2026-03-02-bakkerij" of the shop "bakkerij":
// "dag-2026-03-02"; "1042-bakkerijen" stays); id as it is when that
// leaves nothing.
func dropSlug(id, slug string) string {
	if slug == "" {
		return id
	}
	s := "-" + id + "-"
	for {
		t := strings.ReplaceAll(s, "-"+slug+"-", "-")
		if t == s {
			break
		}
		s = t
	}
	if s = strings.Trim(s, "-"); s == "" {
		return id
	}
	return s
}

// fit is shop + "-" + id + tail in at most maxInvoiceNumber characters:
// the shop's slug cut first (down to 4 characters), else the end of
// shop-id; tail is always whole.
func fit(shop, id, tail string) string {
	room := maxInvoiceNumber - runes(tail)
	whole := shop + "-" + id
	if runes(whole) <= room {
		return whole + tail
	}
	if keep := room - 1 - runes(id); keep >= 4 {
		return strings.TrimRight(string([]rune(shop)[:keep]), "-") + "-" + id + tail
	}
	return strings.TrimRight(string([]rune(whole)[:room]), "-") + tail
}

// keyHash is the first n hex digits of the SHA-256 of a booking's key.
func keyHash(key string, n int) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:n]
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// description names the order (and for a credit note the invoice it
// corrects and why), and ends in the booking's marker.
func description(inv order.Invoice) string {
	m := marker(inv.Key)
	return clip(plainDescription(inv), 200-1-runes(m)) + " " + m
}

// plainDescription is the description without the marker, as the ledger
// wrote it before it had one.
func plainDescription(inv order.Invoice) string {
	if inv.Kind == order.KindCreditNote {
		d := fmt.Sprintf("Creditnota %s bij bestelling %s (%s), factuur %s", invoiceNumber(inv), inv.OrderNumber, inv.Shop,
			inv.Shop+"-"+inv.BillingReference)
		if n := strings.TrimSpace(inv.Note); n != "" {
			d += ": " + n
		}
		return clip(d, 200)
	}
	return clip(fmt.Sprintf("Bestelling %s (%s)", inv.OrderNumber, inv.Shop), 200)
}

// marker is what a mutation's description carries of the booking's key
// ("[ob:" and 12 hex digits of its SHA-256), so that a look-up by invoice
// number tells this booking's mutation from another invoice's with that
// number.
func marker(key string) string { return "[ob:" + keyHash(key, 12) + "]" }

// invoiceNumbers are the numbers the booking can have, in the order it
// takes them: invoiceNumber, then altNumber for when another invoice has
// the first.
func invoiceNumbers(inv order.Invoice) []string {
	return []string{invoiceNumber(inv), altNumber(inv)}
}

// altNumber is the booking's number when another invoice has its
// invoiceNumber (as the UBL ledger's second file name): the reference and
// 12 hex digits of the hash of the booking's key, within
// maxInvoiceNumber.
func altNumber(inv order.Invoice) string {
	id := inv.ID
	if runes(ledger.Reference(inv)) > maxInvoiceNumber {
		id = dropSlug(inv.ID, inv.Shop)
	}
	return fit(inv.Shop, id, "-"+keyHash(inv.Key, 12))
}

// clip cuts s to n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// findMutations returns the ids of the mutations of type 2 with invoice
// number n.
func (l *Ledger) findMutations(ctx context.Context, n string) ([]int64, error) {
	type item struct {
		ID            int64  `json:"id"`
		Type          int    `json:"type"`
		InvoiceNumber string `json:"invoiceNumber"`
	}
	items, err := list[item](ctx, l, "/v1/mutation", url.Values{"invoiceNumber": {n}, "type": {strconv.Itoa(invoiceSent)}})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, it := range items {
		if it.Type == invoiceSent && it.InvoiceNumber == n && it.ID > 0 {
			ids = append(ids, it.ID)
		}
	}
	return ids, nil
}

// mutationDetail is GET /v1/mutation/{id} (APIS.md §4.2), the fields the
// ledger reads.
type mutationDetail struct {
	ID            int64  `json:"id"`
	InvoiceNumber string `json:"invoiceNumber"`
	Type          int    `json:"type"`
	Description   string `json:"description"`
	RelationID    int64  `json:"relationId"`
	InExVat       string `json:"inExVat"`
	Rows          []struct {
		Amount float64 `json:"amount"`
	} `json:"rows"`
	VAT []vatLine `json:"vat"`
}

// vatLine is one code's VAT in a mutation's vat[]: APIS.md names vat[]
// but not its fields; this is ebemu's reading (the code and the VAT in
// euros).
type vatLine struct {
	VATCode string  `json:"vatCode"`
	Amount  float64 `json:"amount"`
}

// readMutation is GET /v1/mutation/{id}.
func (l *Ledger) readMutation(ctx context.Context, id int64) (mutationDetail, error) {
	var d mutationDetail
	err := l.call(ctx, http.MethodGet, "/v1/mutation/"+strconv.FormatInt(id, 10), nil, nil, &d)
	return d, err
}

// locate looks the booking up under each of its invoiceNumbers: id is
// its mutation's ("" when there is none) and d what e-Boekhouden shows of
// it, free the first number that no
// mutation of type 2 has and e-Boekhouden did not refuse (refused: a
// number it said exists though none is listed) ("" when there is none).
func (l *Ledger) locate(ctx context.Context, inv order.Invoice, refused map[string]bool) (id string, d *mutationDetail, free string, err error) {
	for _, n := range invoiceNumbers(inv) {
		ids, err := l.findMutations(ctx, n)
		if err != nil {
			return "", nil, "", err
		}
		if len(ids) == 0 && !refused[n] && free == "" {
			free = n
		}
		for _, mid := range ids {
			d, err := l.readMutation(ctx, mid)
			if err != nil {
				return "", nil, "", err
			}
			mine, err := l.ours(ctx, inv, d)
			if err != nil {
				return "", nil, "", err
			}
			if mine {
				return strconv.FormatInt(mid, 10), &d, "", nil
			}
		}
	}
	return "", nil, free, nil
}

// ours says whether mutation d is inv's booking: its description carries
// the booking's marker. One with another marker is another booking's; one
// without any is this booking's only when it is what the ledger sent
// before it wrote markers: its description exactly, the buyer's relation
// and the invoice's amount. Anything else (typed by hand, another
// program's) is another invoice.
func (l *Ledger) ours(ctx context.Context, inv order.Invoice, d mutationDetail) (bool, error) {
	if d.Type != invoiceSent {
		return false, nil
	}
	if strings.Contains(d.Description, marker(inv.Key)) {
		return true, nil
	}
	if strings.Contains(d.Description, "[ob:") || d.Description != plainDescription(inv) {
		return false, nil
	}
	rel, err := l.knownRelation(ctx, inv.Buyer)
	if err != nil || rel == 0 || rel != d.RelationID {
		return false, err
	}
	sign := order.Money(1)
	if inv.Kind == order.KindCreditNote {
		sign = -1
	}
	var sum order.Money
	for _, r := range d.Rows {
		sum += order.Money(math.Round(r.Amount * 100))
	}
	switch d.InExVat {
	case "IN":
		return sum == sign*inv.Total, nil
	case "EX":
		return sum == sign*inv.LineTotal, nil
	}
	return false, nil
}

// debtorLedger is the id of the ledger invoices are booked against: of
// category DEB, code 1300 when there is one, else the lowest code.
func (l *Ledger) debtorLedger(ctx context.Context) (int64, error) {
	l.mu.Lock()
	id := l.debtor
	l.mu.Unlock()
	if id != 0 {
		return id, nil
	}
	items, err := list[ledgerItem](ctx, l, "/v1/ledger", url.Values{"category": {"DEB"}})
	if err != nil {
		return 0, err
	}
	var best *ledgerItem
	for i := range items {
		it := &items[i]
		if it.Category != "" && it.Category != "DEB" {
			continue
		}
		if best == nil || it.Code == "1300" || best.Code != "1300" && codeLess(it.Code, best.Code) {
			best = it
		}
	}
	if best == nil {
		return 0, ledger.WithReason(ledger.ReasonAccountUnmapped, map[string]string{"case": "debtor"},
			errors.New("e-Boekhouden has no debtor ledger (category DEB): add one, such as 1300 Debiteuren"))
	}
	l.mu.Lock()
	l.debtor = best.ID
	l.mu.Unlock()
	return best.ID, nil
}
