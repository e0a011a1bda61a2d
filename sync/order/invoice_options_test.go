package order

import (
	"errors"
	"testing"
	"time"
)

// TestInvoiceDateIsTheShopsLocalDate: VAT periods follow the invoice date, so
// an order placed at 00:30 on 1 January in Amsterdam is dated 1 January, not
// 31 December (its UTC date).
func TestInvoiceDateIsTheShopsLocalDate(t *testing.T) {
	utc := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	ny, _ := time.LoadLocation("America/New_York")
	for _, tt := range []struct {
		name  string
		local string
		loc   *time.Location
		want  string
	}{
		{"WooCommerce date_created", "2027-01-01T00:30:00", nil, "2027-01-01"},
		{"local date wins over the location", "2027-01-01T00:30:00", ny, "2027-01-01"},
		{"no local date: UTC in Amsterdam by default", "", nil, "2027-01-01"},
		{"no local date: the shop's own zone", "", ny, "2026-12-31"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1210, 210)
			o.Created, o.CreatedLocal = utc, tt.local
			inv, err := NewInvoice(o, InvoiceOptions{Shop: "s", Seller: testSeller(), Location: tt.loc})
			if err != nil {
				t.Fatal(err)
			}
			if got := inv.IssueDate.Format("2006-01-02"); got != tt.want {
				t.Errorf("dated %s, want %s", got, tt.want)
			}
			// Stored as UTC and read back, the date stays.
			if got := inv.IssueDate.UTC().Format("2006-01-02"); got != tt.want {
				t.Errorf("in UTC dated %s, want %s", got, tt.want)
			}
		})
	}
	o := order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1210, 210)
	o.CreatedLocal = "gisteren"
	if _, err := NewInvoice(o, InvoiceOptions{Shop: "s", Seller: testSeller()}); err == nil {
		t.Error("a malformed local date was accepted")
	}
}

// TestSaleCategory: the category of untaxed lines follows the buyer and what
// the shop sells (DESIGN, Money and VAT).
func TestSaleCategory(t *testing.T) {
	party := func(country, vat string) Party {
		return Party{Company: "Firma", VATID: vat, Address: Address{Street: "s 1", Postcode: "1", City: "c", Country: country}}
	}
	for _, tt := range []struct {
		name  string
		buyer Party
		sells Sells
		taxed bool
		want  Category
	}{
		{"EU business, goods: intra-community supply", party("BE", "BE0123456789"), "", false, IntraEU},
		{"EU business, goods (explicit)", party("DE", "DE123456789"), SellsGoods, false, IntraEU},
		{"EU business, services: reverse charge", party("BE", "BE0123456789"), SellsServices, false, ReverseCharge},
		{"outside the EU, goods: export", party("US", ""), "", false, Export},
		{"outside the EU, services: not subject", party("CH", ""), SellsServices, false, OutOfScope},
		{"EU consumer", party("BE", ""), "", false, ZeroRated},
		{"at home", party("NL", "NL987654321B01"), "", false, ZeroRated},
		{"no country", party("", ""), "", false, ZeroRated},
		{"order charges VAT elsewhere: zero rate", party("BE", "BE0123456789"), "", true, ZeroRated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines := []Line{line(Product, "1", 1, 1000, 0, 0, "")}
			if tt.taxed {
				lines = append(lines, line(Product, "2", 1, 1000, 210, RateHigh, Standard))
			}
			o := order(lines, 0, 0)
			o.Buyer = tt.buyer
			if got := SaleCategory(o, testSeller(), tt.sells); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestCurrency: an order not in EUR needs the rate a person gave, and then
// states its VAT in EUR too, rounded to the cent.
func TestCurrency(t *testing.T) {
	o := order([]Line{line(Product, "1", 1, 10000, 2100, RateHigh, Standard)}, 12100, 2100)
	o.Currency = "GBP"
	var ce *CurrencyError
	for _, rate := range []string{"", "0", "-1.2", "abc", "1.2.3"} {
		if _, err := NewInvoice(o, InvoiceOptions{Shop: "s", Seller: testSeller(), EURRate: rate}); !errors.As(err, &ce) || ce.Currency != "GBP" {
			t.Errorf("rate %q: err = %v, want *CurrencyError", rate, err)
		}
	}
	for _, tt := range []struct {
		rate string
		want Money
	}{{"1.1667", 2450}, {"1,16665", 2450}, {"0.9213", 1935}, {"1.16666666", 2450}} {
		inv, err := NewInvoice(o, InvoiceOptions{Shop: "s", Seller: testSeller(), EURRate: tt.rate})
		if err != nil {
			t.Fatal(err)
		}
		if inv.TaxTotalEUR != tt.want || inv.Currency != "GBP" || inv.EURRate == "" {
			t.Errorf("rate %s: VAT in EUR %s (rate %q), want %s", tt.rate, inv.TaxTotalEUR, inv.EURRate, tt.want)
		}
	}
	eur := order([]Line{line(Product, "1", 1, 10000, 2100, RateHigh, Standard)}, 12100, 2100)
	if inv, err := NewInvoice(eur, InvoiceOptions{Shop: "s", Seller: testSeller(), EURRate: "2"}); err != nil || inv.EURRate != "" || inv.TaxTotalEUR != 0 {
		t.Errorf("EUR order: rate must be ignored, got %+v %v", inv.EURRate, err)
	}
}

// TestCreditNoteDateIsLocal: a refund at 00:30 on 1 January in Amsterdam is
// dated 1 January.
func TestCreditNoteDateIsLocal(t *testing.T) {
	o := order([]Line{line(Product, "1", 1, 1000, 210, RateHigh, Standard)}, 1210, 210)
	o.CreatedLocal = "2026-12-30T12:00:00"
	inv, err := NewInvoice(o, InvoiceOptions{Shop: "s", Seller: testSeller()})
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2027-01-01"},
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC).In(ny), "2026-12-31"},
	} {
		cn, err := NewCreditNote(o, Refund{ID: "r", Amount: 100}, inv, "k", tt.at)
		if err != nil {
			t.Fatal(err)
		}
		if got := cn.IssueDate.Format("2006-01-02"); got != tt.want || cn.BillingReferenceDate.Format("2006-01-02") != "2026-12-30" {
			t.Errorf("refund at %v dated %s (invoice %s), want %s", tt.at, got, cn.BillingReferenceDate.Format("2006-01-02"), tt.want)
		}
	}
}

// TestSaleCategoryDestination: for goods the country the goods are shipped
// to decides an intra-community supply or an export (EU VAT Directive art.
// 138, 146), not the billing address; for services the buyer's country
// (art. 44).
func TestSaleCategoryDestination(t *testing.T) {
	zero := func(billing, vatID, shipTo string) Order {
		o := order([]Line{line(Product, "1", 1, 1000, 0, 0, "")}, 1000, 0)
		o.Buyer = Party{Company: "Handel BV", VATID: vatID, Address: Address{Street: "Straat 1", Postcode: "1000", City: "Stad", Country: billing}}
		if shipTo != "" {
			o.Delivery = &Delivery{Name: "Magazijn", Address: Address{Street: "Weg 2", Postcode: "2000", City: "Elders", Country: shipTo}}
		}
		return o
	}
	for _, tt := range []struct {
		name                 string
		billing, vat, shipTo string
		sells                Sells
		want                 Category
	}{
		{"Belgian business, goods to Belgium", "BE", "BE0123456789", "BE", SellsGoods, IntraEU},
		{"Belgian business, no shipping address", "BE", "BE0123456789", "", SellsGoods, IntraEU},
		{"Belgian business, goods shipped within NL: domestic", "BE", "BE0123456789", "NL", SellsGoods, ZeroRated},
		{"Dutch billing, goods to Germany, German VAT id", "NL", "DE123456789", "DE", SellsGoods, IntraEU},
		{"goods to Belgium, buyer identified only in NL", "BE", "NL123456789B01", "BE", SellsGoods, ZeroRated},
		{"German business, goods to the US: export", "DE", "DE123456789", "US", SellsGoods, Export},
		{"US buyer, goods delivered in Germany, no VAT id", "US", "", "DE", SellsGoods, ZeroRated},
		{"US buyer, goods delivered in NL", "US", "", "NL", SellsGoods, ZeroRated},
		{"services: the buyer's country, not the shipping address", "BE", "BE0123456789", "NL", SellsServices, ReverseCharge},
		{"services to the US, shipped to NL", "US", "", "NL", SellsServices, OutOfScope},
	} {
		o := zero(tt.billing, tt.vat, tt.shipTo)
		if got := SaleCategory(o, testSeller(), tt.sells); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
		inv, err := NewInvoice(o, InvoiceOptions{Shop: "s", Seller: testSeller(), Sells: tt.sells})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if inv.Lines[0].Category != tt.want {
			t.Errorf("%s: invoice line %s, want %s", tt.name, inv.Lines[0].Category, tt.want)
		}
		if (tt.shipTo == "") != (inv.Delivery == nil) || inv.Delivery != nil && inv.Delivery.Address.Country != tt.shipTo {
			t.Errorf("%s: invoice delivery %+v", tt.name, inv.Delivery)
		}
	}
}
