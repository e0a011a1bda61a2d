package order

import (
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Errors of NewInvoice and NewCreditNote about the order itself. All of them
// are permanent: the order or the settings must change before a retry can
// succeed. They are wrapped with the order and line they concern.
var (
	ErrNoLines = errors.New("order has no lines")
	// ErrLineCategory: a line's VAT category and rate contradict each other
	// (S needs a positive rate, every other category 0 %), or the category is
	// not one Orderbrug knows.
	ErrLineCategory = errors.New("line VAT category and rate do not match")
	// ErrLineVAT: VAT was charged on a line of a category without VAT
	// (reverse charge, export, zero rate, exempt).
	ErrLineVAT = errors.New("VAT charged on a line without VAT")
	// ErrNegativeTotal: an invoice cannot have a negative total; that is a
	// refund and needs a credit note.
	ErrNegativeTotal = errors.New("order total is negative")
	// ErrBuyerVATID: reverse charge (AE) and intra-EU supply (K) need the
	// buyer's valid EU VAT id on the invoice.
	ErrBuyerVATID = errors.New("reverse charge needs the buyer's EU VAT id")
	// ErrBuyerName: the buyer has no name, company or e-mail address.
	ErrBuyerName = errors.New("buyer has no name")
	// ErrOutOfScopeMixed: a line not subject to VAT (O) cannot share an
	// invoice with taxed lines (EN 16931 BR-O-11..14).
	ErrOutOfScopeMixed = errors.New("lines not subject to VAT mixed with other VAT categories")
	// ErrRefundAmount: a refund of zero or less.
	ErrRefundAmount = errors.New("refund amount is not positive")
	// ErrRefundTooLarge: the refunds exceed what was invoiced.
	ErrRefundTooLarge = errors.New("refunds exceed the invoiced total")
	// ErrRefundOrder: the invoice given for a refund is not this order's.
	ErrRefundOrder = errors.New("invoice does not belong to the refunded order")
)

// ReconcileField names the figure that did not reconcile.
type ReconcileField string

// The figures NewInvoice and NewCreditNote reconcile.
const (
	// FieldTotal is the total incl. VAT (order: the shop's total; credit
	// note: the refund's amount).
	FieldTotal ReconcileField = "total"
	// FieldTotalTax is the total VAT.
	FieldTotalTax ReconcileField = "total_tax"
	// FieldTaxSubtotal is the VAT of one category and rate, checked against
	// taxable amount × rate as EN 16931 BR-CO-17 demands.
	FieldTaxSubtotal ReconcileField = "tax_subtotal"
)

// ReconcileError says that an invoice made from an order does not add up to
// the shop's own figures, or that the shop's VAT per rate is further from
// taxable × rate than EN 16931 allows. Nothing is adjusted: a person must
// look at the order.
type ReconcileError struct {
	Order string
	Field ReconcileField
	// Want is the figure the invoice must match (the shop's total, or
	// taxable × rate for a subtotal); Got is what the lines add up to.
	Want Money
	Got  Money
	// Category and Rate are the VAT category and rate the figures are of:
	// for FieldTaxSubtotal the subtotal's (with its Taxable amount), for
	// FieldTotal and FieldTotalTax the rate whose lines missed its share
	// (Want and Got are then that rate's figures: its VAT, or its total
	// incl. VAT). An empty Category means the figures are the whole order's.
	Category Category
	Rate     Rate
	Taxable  Money
	// Lines is the number of lines the figures were summed over.
	Lines int
}

func (e *ReconcileError) Error() string {
	switch e.Field {
	case FieldTaxSubtotal:
		return fmt.Sprintf("order %s: VAT %s on %s at %s%% (%s) is %s away from %s, more than EN 16931 BR-CO-17 allows",
			e.Order, e.Got, e.Taxable, e.Rate.Percent(), e.Category, (e.Got - e.Want).Abs(), e.Want)
	}
	what := "total"
	if e.Field == FieldTotalTax {
		what = "VAT"
	}
	lines := "lines"
	if e.Category != "" {
		lines = fmt.Sprintf("lines at %s%% (%s)", e.Rate.Percent(), e.Category)
	}
	return fmt.Sprintf("order %s: %s add up to %s %s, the shop says %s (difference %s, more than a cent per line of %d)",
		e.Order, lines, what, e.Got, e.Want, e.Got-e.Want, e.Lines)
}

// brCO17Slack is how far a VAT subtotal may lie from round(taxable × rate):
// the EN 16931 schematron (v1.3.16, BR-CO-17 and BR-S-09) accepts
// |tax| - 1 < expected < |tax| + 1, strictly less than one currency unit.
// A shop that rounds VAT per line drifts at most half a cent per line, so
// only an order of 200 or more lines at one rate, or a shop that computes
// VAT wrongly, can exceed it.
const brCO17Slack Money = 100

// SellerIncompleteError lists what is missing or malformed in the seller's
// details. No invoice is made until they are complete, since an invoice
// without them is not a valid Dutch invoice.
type SellerIncompleteError struct {
	// Missing names the empty fields, as Seller.Missing does.
	Missing []string
	// Invalid maps a field to its format error (wrapping ErrKvKFormat,
	// ErrVATIDFormat, ErrIBANChecksum, ...).
	Invalid map[string]error
}

func (e *SellerIncompleteError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing "+strings.Join(e.Missing, ", "))
	}
	fields := make([]string, 0, len(e.Invalid))
	for f := range e.Invalid {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		parts = append(parts, fmt.Sprintf("%s: %v", f, e.Invalid[f]))
	}
	return "seller details incomplete: " + strings.Join(parts, "; ")
}

// Seller field names as Missing and SellerIncompleteError report them.
const (
	SellerName     = "name"
	SellerKvK      = "kvk"
	SellerVATID    = "vat_id"
	SellerStreet   = "street"
	SellerPostcode = "postcode"
	SellerCity     = "city"
	SellerCountry  = "country"
	SellerIBAN     = "iban"
)

// Missing names the seller's empty required fields, in the order a settings
// form shows them: name, kvk, vat_id, street, postcode, city, country, iban.
func (s Seller) Missing() []string {
	var m []string
	for _, f := range []struct {
		name, value string
	}{
		{SellerName, s.LegalName()},
		{SellerKvK, s.KvK},
		{SellerVATID, s.VATID},
		{SellerStreet, s.Address.Street},
		{SellerPostcode, s.Address.Postcode},
		{SellerCity, s.Address.City},
		{SellerCountry, s.Address.Country},
		{SellerIBAN, s.IBAN},
	} {
		if strings.TrimSpace(f.value) == "" {
			m = append(m, f.name)
		}
	}
	return m
}

// LegalName is the seller's registered name: Company when set, else Name.
func (s Seller) LegalName() string {
	if strings.TrimSpace(s.Company) != "" {
		return s.Company
	}
	return s.Name
}

// Check returns a *SellerIncompleteError when a field is missing or
// malformed, nil when the seller can issue invoices.
func (s Seller) Check() error {
	e := &SellerIncompleteError{Missing: s.Missing()}
	bad := func(field string, err error) {
		if err == nil {
			return
		}
		if e.Invalid == nil {
			e.Invalid = map[string]error{}
		}
		e.Invalid[field] = err
	}
	if strings.TrimSpace(s.KvK) != "" {
		bad(SellerKvK, ValidKvK(s.KvK))
	}
	if strings.TrimSpace(s.VATID) != "" {
		bad(SellerVATID, ValidVATID(s.VATID))
	}
	if strings.TrimSpace(s.IBAN) != "" {
		bad(SellerIBAN, ValidIBAN(s.IBAN))
	}
	if c := strings.TrimSpace(s.Address.Country); c != "" && !isCountryCode(c) {
		bad(SellerCountry, fmt.Errorf("%q is not an ISO 3166 two-letter code", c))
	}
	if len(e.Missing) == 0 && len(e.Invalid) == 0 {
		return nil
	}
	return e
}

func isCountryCode(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// exemptionReasons are the EN 16931 standard texts (BT-120) for the VAT
// categories that need one; the ledger adds the matching VATEX code.
var exemptionReasons = map[Category]string{
	ReverseCharge: "Reverse charge",
	Export:        "Export outside the EU",
	IntraEU:       "Intra-community supply",
	Exempt:        "Exempt from VAT",
	OutOfScope:    "Not subject to VAT",
}

// ExemptionReason is the standard text EN 16931 requires for a category
// without VAT (AE, G, K, E, O), or "" for S and Z.
func ExemptionReason(c Category) string { return exemptionReasons[c] }

// NewInvoice makes the invoice for a booked order, issued by opt.Seller and
// dated by the order's local date (Order.CreatedLocal, else Created in
// opt.Location). Its number is the order's number (a shop's numbers are unique within the
// shop; a seller with two shops that count alike should give one a number
// prefix in the shop). It reconciles to the cent: the lines must add up to
// the shop's Total and TotalTax, else a *ReconcileError says which figure
// differs and by how much. A web shop order with a Paid time was paid at
// checkout, so the invoice is prepaid and nothing is payable.
func NewInvoice(o Order, opt InvoiceOptions) (Invoice, error) {
	seller, shop := opt.Seller, opt.Shop
	if err := seller.Check(); err != nil {
		return Invoice{}, err
	}
	number := orderNumber(o)
	if len(o.Lines) == 0 {
		return Invoice{}, failf(ErrNoLines, nil, nil, "order %s", number)
	}
	if !IsEUR(o.Currency) {
		if _, ok := parseRate(opt.EURRate); !ok {
			return Invoice{}, &CurrencyError{Order: number, Currency: currency(o.Currency), Rate: opt.EURRate}
		}
	}
	buyer := o.Buyer
	if buyer.Address.Country == "" {
		// EN 16931 requires a buyer country (BR-11). A till sale or a
		// download without an address is a sale in the seller's country.
		buyer.Address.Country = seller.Address.Country
	}
	if buyer.VATID != "" {
		buyer.VATID = NormalizeVATID(buyer.VATID)
	}
	if buyerName(buyer) == "" {
		return Invoice{}, failf(ErrBuyerName, nil, nil, "order %s", number)
	}

	lines, err := invoiceLines(number, o.Lines, SaleCategory(o, seller, opt.Sells))
	if err != nil {
		return Invoice{}, err
	}
	subs, err := reconcile(number, o, lines)
	if err != nil {
		return Invoice{}, err
	}
	if err := checkBuyerForCategories(number, buyer, subs); err != nil {
		return Invoice{}, err
	}

	issued, err := issueDate(o, opt.Location)
	if err != nil {
		return Invoice{}, err
	}
	legacy := fmt.Sprintf("%s/%s/%s/invoice", o.Source, shop, o.ID)
	key := opt.Key
	if key == "" {
		key = legacy
	}
	inv := Invoice{
		Key:           key,
		LegacyKey:     legacy,
		Kind:          KindInvoice,
		ID:            number,
		IssueDate:     issued,
		Shop:          shop,
		Source:        o.Source,
		OrderID:       o.ID,
		OrderNumber:   number,
		Currency:      currency(o.Currency),
		Seller:        normalizeSeller(seller),
		Buyer:         buyer,
		Delivery:      delivery(o.Delivery),
		Lines:         lines,
		TaxSubtotals:  subs,
		PaymentMethod: firstNonEmpty(o.PaymentMethodTitle, o.PaymentMethod),
		PaymentID:     firstNonEmpty(o.TransactionID, number),
		Note:          o.Note,
		PaidAt:        o.Paid,
		SourceURL:     o.ShopURL,

		PricesIncludeTax: o.PricesIncludeTax,
	}
	inv.sumTotals()
	if inv.Total != o.Total || inv.TaxTotal != o.TotalTax {
		// reconcile makes both match; this guards its arithmetic.
		return Invoice{}, &ReconcileError{Order: number, Field: FieldTotal, Want: o.Total, Got: inv.Total, Lines: len(lines)}
	}
	if inv.Total < 0 {
		return Invoice{}, failf(ErrNegativeTotal, nil, map[string]string{"total": inv.Total.String()}, "order %s (total %s)", number, inv.Total)
	}
	if inv.Currency != "EUR" {
		eur, _ := eurAmount(inv.TaxTotal, opt.EURRate) // the rate was checked above
		inv.EURRate, inv.TaxTotalEUR = strings.ReplaceAll(strings.TrimSpace(opt.EURRate), ",", "."), eur
	}
	if !o.Paid.IsZero() {
		inv.Prepaid = inv.Total
	}
	inv.Payable = inv.Total - inv.Prepaid
	return inv, nil
}

// NewCreditNote makes the credit note for refund r of order o, whose invoice
// is inv. With r.Lines the credit note has those lines; without, r.Amount
// (incl. VAT) is spread over the invoice's VAT breakdown: each subtotal's
// taxable amount and its VAT separately, in proportion to what the order's
// earlier refunds (o.Refunds before r, recomputed the same way) left of
// them, by largest remainder. So the credit note's total is r.Amount to the
// cent, and the refund that brings the order's refunds to the invoice's
// total credits exactly what is left of each rate's taxable amount and VAT.
// All refunds of the order together may not exceed the invoice's total. inv
// is the invoice as it was booked; key is the credit note's idempotency key
// (the outbox key, engine.CreditKey); issued is the refund's time, dated on
// the shop's wall clock: a time in UTC is read in Europe/Amsterdam, a time in
// another zone (t.In(shopZone)) in that zone.
func NewCreditNote(o Order, r Refund, inv Invoice, key string, issued time.Time) (Invoice, error) {
	number := inv.OrderNumber
	if o.ID != inv.OrderID || o.Source != inv.Source || inv.Kind != KindInvoice {
		return Invoice{}, fmt.Errorf("refund %s of order %s: %w (invoice %s)", r.ID, orderNumber(o), ErrRefundOrder, inv.ID)
	}
	if r.Amount <= 0 {
		return Invoice{}, failf(ErrRefundAmount, nil, map[string]string{"amount": r.Amount.String()}, "refund %s of order %s (%s)", r.ID, number, r.Amount)
	}
	refunded, seen := Money(0), false
	for _, other := range o.Refunds {
		if other.ID == r.ID {
			seen = true
			refunded += r.Amount
			continue
		}
		refunded += other.Amount
	}
	if !seen {
		refunded += r.Amount
	}
	if refunded > inv.Total {
		return Invoice{}, failf(ErrRefundTooLarge, nil, map[string]string{"refunded": refunded.String(), "invoiced": inv.Total.String()},
			"refund %s of order %s (refunded %s, invoiced %s)", r.ID, number, refunded, inv.Total)
	}

	legacy := fmt.Sprintf("%s/%s/%s/credit/%s", inv.Source, inv.Shop, inv.OrderID, r.ID)
	if key == "" {
		key = legacy
	}
	cn := Invoice{
		Key:                  key,
		LegacyKey:            legacy,
		Kind:                 KindCreditNote,
		ID:                   inv.ID + "-C" + r.ID,
		IssueDate:            calendarDate(issued),
		Shop:                 inv.Shop,
		Source:               inv.Source,
		OrderID:              inv.OrderID,
		OrderNumber:          inv.OrderNumber,
		Currency:             inv.Currency,
		Seller:               inv.Seller,
		Buyer:                inv.Buyer,
		Delivery:             inv.Delivery,
		PaymentMethod:        inv.PaymentMethod,
		PaymentID:            inv.PaymentID,
		BillingReference:     inv.ID,
		BillingReferenceDate: inv.IssueDate,
		Note:                 r.Reason,
		PaidAt:               issued,
		PricesIncludeTax:     inv.PricesIncludeTax,
		SourceURL:            inv.SourceURL,
	}
	if len(r.Lines) > 0 {
		lines, subs, err := refundLines(number, r, inv)
		if err != nil {
			return Invoice{}, err
		}
		if err := checkBuyerForCategories(number, cn.Buyer, subs); err != nil {
			return Invoice{}, err
		}
		cn.Lines, cn.TaxSubtotals = lines, subs
	} else {
		lines, subs, err := spreadRefund(number, r, inv.TaxSubtotals, creditedBefore(number, o, r, inv))
		if err != nil {
			return Invoice{}, err
		}
		cn.Lines, cn.TaxSubtotals = lines, subs
	}
	cn.sumTotals()
	if cn.Total != r.Amount {
		return Invoice{}, &ReconcileError{Order: number, Field: FieldTotal, Want: r.Amount, Got: cn.Total}
	}
	if cn.Currency != "EUR" {
		eur, ok := eurAmount(cn.TaxTotal, inv.EURRate)
		if !ok {
			return Invoice{}, &CurrencyError{Order: number, Currency: cn.Currency, Rate: inv.EURRate}
		}
		cn.EURRate, cn.TaxTotalEUR = inv.EURRate, eur
	}
	// The shop reports a refund once the money went back: nothing is due.
	cn.Prepaid = cn.Total
	cn.Payable = 0
	return cn, nil
}

// sumTotals sets LineTotal, TaxTotal and Total from lines and subtotals.
func (inv *Invoice) sumTotals() {
	inv.LineTotal, inv.TaxTotal = 0, 0
	for _, l := range inv.Lines {
		inv.LineTotal += l.Net
	}
	for _, s := range inv.TaxSubtotals {
		inv.TaxTotal += s.Tax
	}
	inv.Total = inv.LineTotal + inv.TaxTotal
}

// invoiceLines turns order lines into invoice lines: categories checked (an
// empty one at 0 % is zero, the category of the sale), ids unique, names and
// quantities filled.
func invoiceLines(number string, in []Line, zero Category) ([]InvoiceLine, error) {
	out := make([]InvoiceLine, 0, len(in))
	ids := make(map[string]bool, len(in))
	unique := true
	for _, l := range in {
		if l.ID == "" || ids[l.ID] {
			unique = false
		}
		ids[l.ID] = true
	}
	hasO, hasOther := false, false
	for i, l := range in {
		if l.Category == "" && l.Rate == 0 && l.VAT == 0 {
			l.Category = zero
		}
		cat, err := lineCategory(l)
		if err != nil {
			return nil, failf(ErrLineCategory, err, map[string]string{"line": lineRef(l, i), "category": string(l.Category), "rate": l.Rate.Percent()},
				"order %s line %s", number, lineRef(l, i))
		}
		if cat != Standard && l.VAT != 0 {
			return nil, failf(ErrLineVAT, nil, map[string]string{"line": lineRef(l, i), "category": string(cat), "vat": l.VAT.String()},
				"order %s line %s (%s VAT in category %s)", number, lineRef(l, i), l.VAT, cat)
		}
		if cat == OutOfScope {
			hasO = true
		} else {
			hasOther = true
		}
		id := l.ID
		if !unique {
			id = strconv.Itoa(i + 1)
		}
		qty := l.Quantity
		if qty == 0 {
			qty = 1 // shipping and fee lines carry no quantity
		}
		out = append(out, InvoiceLine{
			ID:       id,
			Kind:     l.Kind,
			Name:     lineName(l),
			SKU:      l.SKU,
			Quantity: qty,
			Net:      l.Net,
			Category: cat,
			Rate:     l.Rate,
		})
	}
	if hasO && hasOther {
		return nil, failf(ErrOutOfScopeMixed, nil, nil, "order %s", number)
	}
	return out, nil
}

func lineRef(l Line, i int) string {
	if l.ID != "" {
		return l.ID
	}
	return "#" + strconv.Itoa(i+1)
}

// lineCategory checks a line's category against its rate. A source that does
// not know the category leaves it empty: a positive rate is then standard,
// 0 % zero-rated.
func lineCategory(l Line) (Category, error) {
	cat := l.Category
	if cat == "" {
		if l.Rate > 0 {
			return Standard, nil
		}
		return ZeroRated, nil
	}
	switch cat {
	case Standard:
		if l.Rate <= 0 {
			return "", fmt.Errorf("category S at %s%%", l.Rate.Percent())
		}
	case ZeroRated, Exempt, ReverseCharge, Export, IntraEU, OutOfScope:
		if l.Rate != 0 {
			return "", fmt.Errorf("category %s at %s%%", cat, l.Rate.Percent())
		}
	default:
		return "", fmt.Errorf("unknown category %q", cat)
	}
	return cat, nil
}

func lineName(l Line) string {
	if n := strings.TrimSpace(l.Name); n != "" {
		return n
	}
	switch l.Kind {
	case Shipping:
		return "Shipping"
	case Fee:
		return "Fee"
	}
	if l.SKU != "" {
		return l.SKU
	}
	return "Item"
}

// categoryOrder sorts the VAT breakdown: standard rates first, highest rate
// first, then the categories without VAT.
var categoryOrder = map[Category]int{Standard: 0, ZeroRated: 1, ReverseCharge: 2, IntraEU: 3, Export: 4, Exempt: 5, OutOfScope: 6}

func signed(m, like Money) Money {
	if like < 0 {
		return -m
	}
	return m
}

// checkBuyerForCategories enforces what the VAT categories demand of the
// buyer: reverse charge and intra-EU supply need the buyer's EU VAT id
// (BR-AE-02, BR-IC-02).
func checkBuyerForCategories(number string, buyer Party, subs []TaxSubtotal) error {
	for _, s := range subs {
		if s.Category != ReverseCharge && s.Category != IntraEU {
			continue
		}
		if strings.TrimSpace(buyer.VATID) == "" {
			return failf(ErrBuyerVATID, nil, map[string]string{"category": string(s.Category)}, "order %s", number)
		}
		if err := ValidVATID(buyer.VATID); err != nil {
			return failf(ErrBuyerVATID, err, map[string]string{"category": string(s.Category), "vat_id": buyer.VATID}, "order %s", number)
		}
	}
	return nil
}

// refundLines makes the lines and VAT breakdown of a refund with lines: the
// refund's amount is what went back, its lines' VAT what the shop credited.
// A shop that rounds at subtotal can miss the amount by a cent per line:
// that cent goes onto a line, as on invoices.
func refundLines(number string, r Refund, inv Invoice) ([]InvoiceLine, []TaxSubtotal, error) {
	lines, err := invoiceLines(number, r.Lines, invoicedZeroCategory(inv))
	if err != nil {
		return nil, nil, fmt.Errorf("refund %s: %w", r.ID, err)
	}
	var vat Money
	for _, l := range r.Lines {
		vat += l.VAT
	}
	subs, err := reconcile(number, Order{Lines: r.Lines, Total: r.Amount, TotalTax: vat}, lines)
	if err != nil {
		return nil, nil, fmt.Errorf("refund %s: %w", r.ID, err)
	}
	return lines, subs, nil
}

// creditedBefore is what the refunds of o before r (Order.Refunds is oldest
// first; all of them when r is not among them) credited of each of inv's
// VAT subtotals: two parts per subtotal, its taxable amount and its VAT, as
// spreadRefund takes them. Each earlier refund is recomputed as its credit
// note was made: from its lines when it has them, else spread as
// spreadRefund spreads it, so the figures are the same every time.
func creditedBefore(number string, o Order, r Refund, inv Invoice) []Money {
	subs := inv.TaxSubtotals
	credited := make([]Money, 2*len(subs))
	for _, prev := range o.Refunds {
		if prev.ID == r.ID {
			break
		}
		if prev.Amount <= 0 {
			continue
		}
		var got []Money
		if len(prev.Lines) > 0 {
			if _, psubs, err := refundLines(number, prev, inv); err == nil {
				got = make([]Money, len(credited))
				for _, ps := range psubs {
					for i, s := range subs {
						if s.Category == ps.Category && s.Rate == ps.Rate {
							got[2*i] += ps.Taxable
							got[2*i+1] += ps.Tax
							break
						}
					}
				}
			}
		}
		if got == nil {
			got = spreadParts(prev.Amount, subs, credited)
		}
		for j := range credited {
			credited[j] += got[j]
		}
	}
	return credited
}

// spreadParts splits amount over the parts of subs (each subtotal's taxable
// amount and its VAT, in that order) in proportion to what is left of each
// after credited, by largest remainder (ties to the first part): the parts
// add up to amount, and a refund of all that is left gives back exactly
// what is left of each. When less is left than amount (earlier refunds
// with lines that credited a rate beyond its share), the parts are weighed
// as invoiced instead. Negative parts weigh nothing.
func spreadParts(amount Money, subs []TaxSubtotal, credited []Money) []Money {
	n := 2 * len(subs)
	part := func(j int) Money {
		if j%2 == 0 {
			return subs[j/2].Taxable
		}
		return subs[j/2].Tax
	}
	weights := make([]uint64, n)
	var total uint64
	for j := range weights {
		if w := part(j) - credited[j]; w > 0 {
			weights[j] = uint64(w)
			total += uint64(w)
		}
	}
	if total < uint64(amount) {
		total = 0
		for j := range weights {
			weights[j] = 0
			if w := part(j); w > 0 {
				weights[j] = uint64(w)
				total += uint64(w)
			}
		}
	}
	out := make([]Money, n)
	if total == 0 || amount <= 0 {
		return out
	}
	if total < uint64(amount) {
		// More than was invoiced: NewCreditNote refuses that before.
		for j := range weights {
			if weights[j] > 0 {
				out[j] = amount
				break
			}
		}
		return out
	}
	rems := make([]uint64, n)
	var given uint64
	for j, w := range weights {
		hi, lo := bits.Mul64(uint64(amount), w)
		var q uint64
		q, rems[j] = bits.Div64(hi, lo, total)
		out[j] = Money(q)
		given += q
	}
	for left := uint64(amount) - given; left > 0; left-- {
		best := -1
		for j := range rems {
			if weights[j] > 0 && (best < 0 || rems[j] > rems[best]) {
				best = j
			}
		}
		out[best]++
		rems[best] = 0
	}
	return out
}

// spreadRefund spreads a refund without lines over the invoice's VAT
// breakdown: the invoice's own taxable amount and VAT of each subtotal, each
// spread separately (spreadParts) over what earlier refunds left of it, so
// that the refunds of a whole order together credit exactly what was
// invoiced, rate by rate, and no VAT stays behind on a refunded order.
func spreadRefund(number string, r Refund, subs []TaxSubtotal, credited []Money) ([]InvoiceLine, []TaxSubtotal, error) {
	var invoiced Money
	for _, s := range subs {
		if g := s.Taxable + s.Tax; g > 0 {
			invoiced += g
		}
	}
	if invoiced == 0 {
		return nil, nil, failf(ErrRefundTooLarge, nil, map[string]string{"refunded": r.Amount.String(), "invoiced": "0.00"},
			"refund %s of order %s (nothing invoiced)", r.ID, number)
	}
	shares := spreadParts(r.Amount, subs, credited)
	var lines []InvoiceLine
	var out []TaxSubtotal
	for i, s := range subs {
		net, tax := shares[2*i], shares[2*i+1]
		if net == 0 && tax == 0 {
			continue
		}
		name := "Refund"
		if s.Rate > 0 {
			name = fmt.Sprintf("Refund %s%% VAT", s.Rate.Percent())
		} else if s.Category != ZeroRated {
			name = fmt.Sprintf("Refund (%s)", ExemptionReason(s.Category))
		}
		lines = append(lines, InvoiceLine{
			ID: strconv.Itoa(len(lines) + 1), Name: name, Quantity: 1,
			Net: net, Category: s.Category, Rate: s.Rate,
		})
		out = append(out, TaxSubtotal{Category: s.Category, Rate: s.Rate, Taxable: net, Tax: tax,
			ExemptionReason: s.ExemptionReason})
	}
	if err := checkBRCO17(number, out); err != nil {
		return nil, nil, fmt.Errorf("refund %s: %w", r.ID, err)
	}
	return lines, out, nil
}

// delivery is the order's delivery as an invoice states it: nil without a
// country, the country upper case.
func delivery(d *Delivery) *Delivery {
	if d == nil || strings.TrimSpace(d.Address.Country) == "" {
		return nil
	}
	out := *d
	out.Address.Country = strings.ToUpper(strings.TrimSpace(d.Address.Country))
	return &out
}

func orderNumber(o Order) string {
	if o.Number != "" {
		return o.Number
	}
	return o.ID
}

func buyerName(p Party) string {
	return firstNonEmpty(strings.TrimSpace(p.Company), strings.TrimSpace(p.Name), strings.TrimSpace(p.Email))
}

// IsEUR reports whether an order's currency (ISO 4217; "" as sources send
// it for the shop's default) is the euro.
func IsEUR(currency string) bool {
	c := strings.TrimSpace(currency)
	return c == "" || strings.EqualFold(c, "EUR")
}

func currency(c string) string {
	if IsEUR(c) {
		return "EUR"
	}
	return strings.ToUpper(strings.TrimSpace(c))
}

// normalizeSeller stores the seller's identifiers in their electronic form.
func normalizeSeller(s Seller) Seller {
	s.IBAN = NormalizeIBAN(s.IBAN)
	s.VATID = NormalizeVATID(s.VATID)
	s.KvK = strings.TrimSpace(s.KvK)
	s.BIC = strings.ToUpper(strings.TrimSpace(s.BIC))
	return s
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
