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
// at invoice time from the buyer, where the goods go and what the shop
// sells:
//   - the order carries VAT somewhere: Z, zero rate;
//   - goods: the destination decides (EU VAT Directive art. 138 and 146:
//     the country the goods are dispatched or transported to), the
//     delivery country when the order has one, else the buyer's. Delivered
//     at home (or nowhere known): Z, a domestic sale; to another EU state,
//     for a buyer with a VAT id of a state other than the seller's: K
//     (intra-community supply), without one: Z; outside the EU: G (export);
//   - services: the buyer's country decides (art. 44): a buyer with a VAT
//     id in another EU state: AE (reverse charge); outside the EU: O (not
//     subject to Dutch VAT); at home or an EU buyer without VAT id: Z.
//
// A line whose category the source set keeps it.
func SaleCategory(o Order, seller Seller, sells Sells) Category {
	for _, l := range o.Lines {
		if l.Rate != 0 || l.VAT != 0 {
			return ZeroRated
		}
	}
	home := strings.ToUpper(strings.TrimSpace(seller.Address.Country))
	if home == "" {
		home = "NL"
	}
	services := sells == SellsServices
	c := strings.ToUpper(strings.TrimSpace(o.Buyer.Address.Country))
	if !services {
		c = DeliveryCountry(o)
	}
	vatID := strings.TrimSpace(o.Buyer.VATID)
	switch {
	case c == "" || c == home:
		return ZeroRated
	case InEU(c):
		if vatID == "" {
			return ZeroRated
		}
		if services {
			return ReverseCharge
		}
		if v := NormalizeVATID(vatID); len(v) >= 2 && vatCountry(v[:2]) == home {
			// Goods to another state for a buyer identified only at
			// home: no intra-community supply (art. 138(1)(b)).
			return ZeroRated
		}
		return IntraEU
	default:
		if services {
			return OutOfScope
		}
		return Export
	}
}

// DeliveryCountry is the country an order's goods go to: the delivery
// address's when the order has one with a country, else the buyer's.
func DeliveryCountry(o Order) string {
	if o.Delivery != nil {
		if c := strings.ToUpper(strings.TrimSpace(o.Delivery.Address.Country)); c != "" {
			return c
		}
	}
	return strings.ToUpper(strings.TrimSpace(o.Buyer.Address.Country))
}

// vatCountry is the address country of a VAT id's prefix (Greece's VAT ids
// start with EL).
func vatCountry(prefix string) string {
	if prefix == "EL" {
		return "GR"
	}
	return prefix
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
