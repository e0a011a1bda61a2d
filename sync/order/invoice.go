package order

import (
	"time"
	_ "time/tzdata" // shop time zones on any machine, Windows too
)

// InvoiceKind says whether an Invoice charges or credits.
type InvoiceKind string

// Invoice kinds.
const (
	KindInvoice    InvoiceKind = "invoice"
	KindCreditNote InvoiceKind = "credit_note"
)

// Seller is the shop owner's business as it appears on every invoice.
type Seller struct {
	Party
	IBAN string `json:"iban"`
	BIC  string `json:"bic,omitempty"`
}

// Invoice is what a ledger books: an invoice for an order, or a credit note
// for a refund. Amounts are positive in both kinds; Kind says the direction.
// All totals reconcile: LineTotal = Σ Lines.Net, TaxTotal = Σ TaxSubtotals.Tax,
// Total = LineTotal + TaxTotal, Payable = Total - Prepaid.
type Invoice struct {
	// Key makes booking idempotent: a ledger that sees a Key again returns
	// the reference of the first booking and books nothing.
	Key string `json:"key"`
	// LegacyKey is the key the same booking had before keys used the shop's
	// immutable id: "<source>/<shop slug>/<order id>/invoice", or
	// ".../credit/<refund id>" (for a shop that was migrated, its slug is its
	// old name). A ledger treats a booking under LegacyKey as booked before,
	// so a booking written but not recorded before the upgrade is not made
	// twice.
	LegacyKey string      `json:"legacy_key,omitempty"`
	Kind      InvoiceKind `json:"kind"`
	// ID is the invoice number.
	ID        string    `json:"id"`
	IssueDate time.Time `json:"issue_date"`
	// Shop is the shop's immutable slug in Orderbrug (file names); Source its
	// kind.
	Shop   string `json:"shop"`
	Source Source `json:"source"`
	// OrderID and OrderNumber are the shop's; OrderNumber is the UBL
	// OrderReference.
	OrderID     string `json:"order_id"`
	OrderNumber string `json:"order_number"`
	Currency    string `json:"currency"`
	// EURRate is EUR per unit of Currency, as a person gave it, for an
	// invoice not in EUR; TaxTotalEUR is TaxTotal at that rate (BT-111).
	EURRate     string `json:"eur_rate,omitempty"`
	TaxTotalEUR Money  `json:"tax_total_eur,omitempty"`

	Seller Seller `json:"seller"`
	Buyer  Party  `json:"buyer"`
	// Delivery is where the goods went (BG-13..15), nil when the order has
	// no shipping address.
	Delivery *Delivery `json:"delivery,omitempty"`

	Lines        []InvoiceLine `json:"lines"`
	TaxSubtotals []TaxSubtotal `json:"tax_subtotals"`

	LineTotal Money `json:"line_total"`
	TaxTotal  Money `json:"tax_total"`
	Total     Money `json:"total"`
	// Prepaid is what the buyer already paid (a web shop order paid at
	// checkout); Payable is what is still due.
	Prepaid Money `json:"prepaid"`
	Payable Money `json:"payable"`

	// PaidAt is when the buyer paid (zero while unpaid): an online ledger
	// registers the payment on that date. A credit note's is the refund's.
	PaidAt time.Time `json:"paid_at,omitempty"`
	// PricesIncludeTax tells how the shop entered its prices: an online
	// ledger that computes VAT itself is given prices the same way.
	PricesIncludeTax bool `json:"prices_include_tax,omitempty"`
	// SourceURL is where a person opens the order in the shop's admin.
	SourceURL string `json:"source_url,omitempty"`

	// PaymentMethod is the shop's payment method title ("iDEAL").
	PaymentMethod string `json:"payment_method,omitempty"`
	// PaymentID is the payment reference (the shop's transaction id or the
	// order number).
	PaymentID string `json:"payment_id,omitempty"`

	// For a credit note: the invoice it corrects, and the refund's reason.
	BillingReference     string    `json:"billing_reference,omitempty"`
	BillingReferenceDate time.Time `json:"billing_reference_date,omitempty"`
	Note                 string    `json:"note,omitempty"`
}

// InvoiceLine is one line of an invoice. Net excludes VAT.
type InvoiceLine struct {
	ID string `json:"id"`
	// Kind is the order line's kind: a product, shipping or a fee ("" in
	// invoices kept before kinds were: a product).
	Kind     LineKind `json:"kind,omitempty"`
	Name     string   `json:"name"`
	SKU      string   `json:"sku,omitempty"`
	Quantity int64    `json:"quantity"`
	Net      Money    `json:"net"`
	Category Category `json:"category"`
	Rate     Rate     `json:"rate"`
	// Note explains the line, such as the shop's rounding carried on it
	// ("Afronding webwinkel: -0,01").
	Note string `json:"note,omitempty"`
}

// TaxSubtotal is the VAT of one category and rate.
type TaxSubtotal struct {
	Category Category `json:"category"`
	Rate     Rate     `json:"rate"`
	Taxable  Money    `json:"taxable"`
	Tax      Money    `json:"tax"`
	// ExemptionReason is required by EN 16931 for AE, E, G, K and O.
	ExemptionReason string `json:"exemption_reason,omitempty"`
}
