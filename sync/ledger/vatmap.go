package ledger

import (
	"fmt"
	"strings"

	"github.com/orderbrug/orderbrug/sync/order"
)

// Case is a VAT case of the mapping screen: what kind of sale a line is,
// which an online ledger books with one of its own tax rates (Moneybird) or
// VAT codes (e-Boekhouden) and on one of its revenue accounts.
type Case string

// The VAT cases, in the order the mapping screen shows them.
const (
	Case21 Case = "21"
	Case9  Case = "9"
	// Case0 is a 0 % line at home: zero rated (Z) or exempt (E).
	Case0 Case = "0"
	// CaseReverseCharge is a service to a business in another EU state
	// (AE): VAT reverse charged. e-Boekhouden's BI_EU_VERK_D; VERL_VERK
	// (domestic reverse charge) can be picked by hand.
	CaseReverseCharge Case = "reverse_charge"
	// CaseIntraEUGoods is an intra-community supply of goods (K).
	CaseIntraEUGoods Case = "intra_eu_goods"
	// CaseExport is a sale outside the EU: goods (G) or services (O).
	CaseExport Case = "export"
	// CaseShipping and CaseFees are not VAT cases but line kinds: their
	// Target's Account (when set) books shipping and fee lines on their own
	// revenue account; their VAT follows the line's own case.
	CaseShipping Case = "shipping"
	CaseFees     Case = "fees"
)

// Cases are every case, in screen order.
var Cases = []Case{Case21, Case9, Case0, CaseReverseCharge, CaseIntraEUGoods, CaseExport, CaseShipping, CaseFees}

// AccountOnly says the case maps a revenue account only (shipping, fees).
func (c Case) AccountOnly() bool { return c == CaseShipping || c == CaseFees }

// ParseCase reads a case name as the CLI takes it.
func ParseCase(s string) (Case, error) {
	s = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")))
	for _, c := range Cases {
		if string(c) == s {
			return c, nil
		}
	}
	names := make([]string, len(Cases))
	for i, c := range Cases {
		names[i] = string(c)
	}
	return "", fmt.Errorf("unknown VAT case %q: use one of %s", s, strings.Join(names, ", "))
}

// Target is where a case books: the package's tax rate id (Moneybird) or
// VAT code (e-Boekhouden), and the revenue account's id.
type Target struct {
	TaxRate string `json:"tax_rate,omitempty"`
	VATCode string `json:"vat_code,omitempty"`
	Account string `json:"account,omitempty"`
}

// Mapping maps every case a ledger books to its Target.
type Mapping map[Case]Target

// VATCase is the VAT case of an invoice line: its category and rate. A line
// that fits no case (a foreign OSS rate, a Dutch rate no longer in use) has
// ok false, and an online ledger refuses the booking with
// ReasonVATUnmapped naming the rate.
func VATCase(l order.InvoiceLine) (c Case, ok bool) {
	switch l.Category {
	case order.Standard:
		switch l.Rate {
		case 2100:
			return Case21, true
		case 900:
			return Case9, true
		}
		return Case(l.Rate.Percent()), false
	case order.ZeroRated, order.Exempt:
		return Case0, true
	case order.ReverseCharge:
		return CaseReverseCharge, true
	case order.IntraEU:
		return CaseIntraEUGoods, true
	case order.Export, order.OutOfScope:
		return CaseExport, true
	}
	return Case(l.Category), false
}

// Resolve is where line l books under m: the VAT case's tax rate or VAT
// code, and the account of the line kind's case (shipping, fees) when that
// has one, else the VAT case's. It fails with a *ReasonError
// (ReasonVATUnmapped or ReasonAccountUnmapped, args "case") when m lacks
// what is needed; usesTaxRates says which of TaxRate and VATCode counts.
func (m Mapping) Resolve(l order.InvoiceLine, usesTaxRates bool) (vat Case, t Target, err error) {
	vat, ok := VATCase(l)
	if !ok {
		return vat, t, WithReason(ReasonVATUnmapped, map[string]string{"case": string(vat)},
			fmt.Errorf("line %q: VAT %s %s%% fits no VAT case of the mapping", l.Name, l.Category, l.Rate.Percent()))
	}
	t = m[vat]
	code := t.VATCode
	if usesTaxRates {
		code = t.TaxRate
	}
	if code == "" {
		return vat, t, WithReason(ReasonVATUnmapped, map[string]string{"case": string(vat)},
			fmt.Errorf("VAT case %s is not mapped", vat))
	}
	kindCase := Case("")
	switch l.Kind {
	case order.Shipping:
		kindCase = CaseShipping
	case order.Fee:
		kindCase = CaseFees
	}
	if kindCase != "" && m[kindCase].Account != "" {
		t.Account = m[kindCase].Account
	}
	if t.Account == "" {
		return vat, t, WithReason(ReasonAccountUnmapped, map[string]string{"case": string(vat)},
			fmt.Errorf("VAT case %s has no revenue account", vat))
	}
	return vat, t, nil
}
