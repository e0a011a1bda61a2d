// Package order is the domain of Orderbrug: orders as a shop reports them,
// money in integer cents, VAT, and the invoices made from them.
//
// It imports nothing of the outside world (no SQL, no HTTP, no Fyne), so every
// other package can share its types.
package order

import (
	"time"
)

// Source names a kind of shop system.
type Source string

// The sources Orderbrug can read.
const (
	WooCommerce Source = "woocommerce"
	PlugAndPay  Source = "plugandpay"
	POS         Source = "pos"
)

// Status is a shop's own order status slug ("processing", "completed",
// "on-hold", or a custom one such as "wacht-op-betaling"), without any
// "wc-" prefix.
type Status string

// StatusInfo is a status as the shop names it, for the "Status doorzetten
// verkopen" checkboxes.
type StatusInfo struct {
	Slug  Status `json:"slug"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// LineKind says what an order line is for.
type LineKind string

// Line kinds. Discounts are already part of a product line's net amount (as
// WooCommerce reports them), so there is no discount line kind.
const (
	Product  LineKind = "product"
	Shipping LineKind = "shipping"
	Fee      LineKind = "fee"
)

// Order is one snapshot of an order as its source reported it, normalized.
// Every amount is in cents; Net amounts exclude VAT.
type Order struct {
	Source Source `json:"source"`
	// ID is the source's own identifier (WooCommerce's numeric id as text).
	ID string `json:"id"`
	// Number is the order number people see; it can differ from ID.
	Number string `json:"number"`
	Status Status `json:"status"`
	// Created and Modified are in UTC. Modified decides which of two
	// snapshots is newer.
	Created time.Time `json:"created"`
	// CreatedLocal is the order's creation time on the shop's own wall
	// clock, without zone ("2026-01-01T00:30:00", WooCommerce date_created),
	// or "" when the source gives only UTC. It dates the invoice.
	CreatedLocal string    `json:"created_local,omitempty"`
	Modified     time.Time `json:"modified"`
	// Paid is zero while the order is unpaid.
	Paid time.Time `json:"paid,omitempty"`
	// Currency is an ISO 4217 code, "EUR" for nearly every Dutch shop.
	Currency string `json:"currency"`
	// PricesIncludeTax tells how the shop entered its prices; the amounts
	// here are normalized (Net excludes VAT) either way.
	PricesIncludeTax bool `json:"prices_include_tax"`

	Buyer Party `json:"buyer"`
	// Delivery is where the goods go (WooCommerce's shipping address), nil
	// when the shop has none (a download, a service, a till sale). Its
	// country decides an intra-community supply (K) or an export (G).
	Delivery *Delivery `json:"delivery,omitempty"`
	Lines    []Line    `json:"lines"`
	// Refunds are money paid back on this order, oldest first.
	Refunds []Refund `json:"refunds,omitempty"`

	// Total and TotalTax are the shop's own totals, incl. VAT and VAT only.
	// An invoice must reconcile with them to the cent.
	Total    Money `json:"total"`
	TotalTax Money `json:"total_tax"`
	// Taxes is the shop's VAT per rate, when it reports it; NewInvoice uses
	// it to split TotalTax over the rates.
	Taxes []RateTax `json:"taxes,omitempty"`

	PaymentMethod      string `json:"payment_method,omitempty"`
	PaymentMethodTitle string `json:"payment_method_title,omitempty"`
	TransactionID      string `json:"transaction_id,omitempty"`
	// ShopURL is where a person opens this order in the shop's admin.
	ShopURL string `json:"shop_url,omitempty"`
	// Deleted is set when the shop reports the order as trashed or deleted.
	Deleted bool `json:"deleted,omitempty"`
	// Recurring is set for an order the shop made by itself for a
	// subscription or an instalment (a direct debit term): the shop's
	// "recurring" option decides whether it is booked.
	Recurring bool `json:"recurring,omitempty"`
	// BusinessDay is the till's business day a sale belongs to
	// ("2026-12-01", Linga's businessDate), or "" to count it by its close
	// time (Paid) and the shop's cut-off.
	BusinessDay string `json:"business_day,omitempty"`
	// Note is printed on the invoice (a day summary's number of checks).
	Note string `json:"note,omitempty"`
}

// Line is one line of an order: a product (after discounts), shipping or a fee.
type Line struct {
	Kind LineKind `json:"kind"`
	// ID is the source's line id, unique within the order.
	ID string `json:"id"`
	// ProductID is the shop's id of the product sold ("" unknown): the
	// shop's "products" option books only orders with a listed one.
	ProductID string `json:"product_id,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	// Net is the line's amount excluding VAT, after discounts.
	Net Money `json:"net"`
	// VAT is the line's VAT as the shop computed it.
	VAT Money `json:"vat"`
	// Rate is the VAT rate in basis points: 2100 = 21 %, 900 = 9 %, 0.
	Rate Rate `json:"rate"`
	// Category is the VAT category of the line (S, Z, E, AE, G, O, K), or
	// "" to let NewInvoice decide it from the rate, the buyer and what the
	// shop sells.
	Category Category `json:"category"`
	// Exact, when the source reports it, is the line before the shop
	// rounded it to the cent.
	Exact *Exact `json:"exact,omitempty"`
}

// Exact amounts are in millionths of the currency unit (WooCommerce keeps
// line taxes unrounded, "0.082569"): what the shop computed before rounding.
type Exact struct {
	Net int64 `json:"net"`
	VAT int64 `json:"vat"`
}

// MicroPerCent is how many millionths of a currency unit one cent is.
const MicroPerCent = 10_000

// RateTax is the VAT the shop reports for one rate (WooCommerce tax_lines:
// tax_total + shipping_tax_total).
type RateTax struct {
	Rate Rate  `json:"rate"`
	Tax  Money `json:"tax"`
}

// Gross is the line's amount including VAT.
func (l Line) Gross() Money { return l.Net + l.VAT }

// Refund is money given back on an order. Amount is positive.
type Refund struct {
	ID      string    `json:"id"`
	Reason  string    `json:"reason,omitempty"`
	Amount  Money     `json:"amount"`
	Created time.Time `json:"created,omitempty"`
	// Lines, when the source reports them, say what was refunded, with
	// positive amounts. Without them the refund is spread over the order's
	// VAT breakdown.
	Lines []Line `json:"lines,omitempty"`
}

// Party is a buyer or seller.
type Party struct {
	Name    string `json:"name"`
	Company string `json:"company,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	// VATID is an EU VAT identification number ("NL123456789B01").
	VATID string `json:"vat_id,omitempty"`
	// KvK is the Dutch Chamber of Commerce number (8 digits).
	KvK     string  `json:"kvk,omitempty"`
	Address Address `json:"address"`
}

// Delivery is where an order's goods are delivered: the shipping address and
// whom it is addressed to.
type Delivery struct {
	// Name is the addressee: the company when there is one, else the
	// person.
	Name    string  `json:"name,omitempty"`
	Address Address `json:"address"`
}

// IsBusiness reports whether the buyer is a company rather than a consumer.
func (p Party) IsBusiness() bool { return p.Company != "" || p.VATID != "" }

// Address is a postal address. Country is an ISO 3166-1 alpha-2 code.
type Address struct {
	Street   string `json:"street"`
	Street2  string `json:"street2,omitempty"`
	Postcode string `json:"postcode"`
	City     string `json:"city"`
	Region   string `json:"region,omitempty"`
	Country  string `json:"country"`
}
