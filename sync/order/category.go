package order

import "strings"

// euStates are the EU member states by ISO 3166-1 alpha-2 code (Greece is GR
// in addresses, EL in VAT ids; Northern Ireland's XI counts for goods).
var euStates = map[string]bool{
	"AT": true, "BE": true, "BG": true, "CY": true, "CZ": true, "DE": true, "DK": true, "EE": true, "ES": true,
	"FI": true, "FR": true, "GR": true, "EL": true, "HR": true, "HU": true, "IE": true, "IT": true, "LT": true,
	"LU": true, "LV": true, "MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SE": true, "SI": true,
	"SK": true, "XI": true,
}

// InEU reports whether country (ISO 3166-1 alpha-2) is an EU member state.
func InEU(country string) bool { return euStates[strings.ToUpper(strings.TrimSpace(country))] }

// SaleCategory is the VAT category of the order's lines without VAT, decided
// at invoice time from the buyer and what the shop sells:
//   - the order carries VAT somewhere, or the buyer is at home (or has no
//     country): Z, zero rate;
//   - a buyer with a VAT id in another EU state: K (intra-community supply)
//     for goods, AE (reverse charge) for services;
//   - a buyer outside the EU: G (export) for goods, O (not subject to Dutch
//     VAT) for services;
//   - anyone else in the EU (a consumer, a company without VAT id): Z.
//
// A line whose category the source set keeps it.
func SaleCategory(o Order, seller Seller, sells Sells) Category {
	for _, l := range o.Lines {
		if l.Rate != 0 || l.VAT != 0 {
			return ZeroRated
		}
	}
	c := strings.ToUpper(strings.TrimSpace(o.Buyer.Address.Country))
	home := strings.ToUpper(strings.TrimSpace(seller.Address.Country))
	if home == "" {
		home = "NL"
	}
	services := sells == SellsServices
	switch {
	case c == "" || c == home:
		return ZeroRated
	case InEU(c):
		if strings.TrimSpace(o.Buyer.VATID) == "" {
			return ZeroRated
		}
		if services {
			return ReverseCharge
		}
		return IntraEU
	default:
		if services {
			return OutOfScope
		}
		return Export
	}
}

// invoicedZeroCategory is the category a refunded line without VAT takes: the
// invoice's own category without VAT, so that a credit note corrects the
// invoice in its terms.
func invoicedZeroCategory(inv Invoice) Category {
	for _, s := range inv.TaxSubtotals {
		if s.Rate == 0 {
			return s.Category
		}
	}
	return ZeroRated
}
