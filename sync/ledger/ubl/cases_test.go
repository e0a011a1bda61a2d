package ubl

import (
	"fmt"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

var (
	issued = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	paid   = time.Date(2026, 11, 22, 19, 48, 57, 0, time.UTC)
)

func seller() order.Seller {
	return order.Seller{
		Party: order.Party{
			Name:    "Koffie & Thee <Bakker>",
			Company: "Bakker Koffie B.V.",
			Email:   "info@bakker.example",
			Phone:   "030 123 4567",
			VATID:   "NL123456789B01",
			KvK:     "12345678",
			Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"},
		},
		IBAN: "NL91 ABNA 0417 1643 00",
		BIC:  "ABNANL2A",
	}
}

func line(kind order.LineKind, id, name string, qty int64, net, vat order.Money, rate order.Rate, cat order.Category) order.Line {
	return order.Line{Kind: kind, ID: id, Name: name, Quantity: qty, Net: net, VAT: vat, Rate: rate, Category: cat}
}

// realOrder13 is the real WooCommerce 8.9.1 order of
// /work/shared/fixtures/woocommerce/real-8.9.1/rest_order_13_get_after_refund.json, by hand.
func realOrder13() order.Order {
	return order.Order{
		Source: order.WooCommerce, ID: "13", Number: "13", Status: "completed", Paid: paid, Currency: "EUR",
		PricesIncludeTax: true,
		Buyer: order.Party{
			Name: "Test Klant", Company: "Testbedrijf B.V.", Email: "klant@example.com", Phone: "0300000000",
			Address: order.Address{Street: "Teststraat 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"},
		},
		Lines: []order.Line{
			{Kind: order.Product, ID: "1", SKU: "MOK-01", Name: "Koffiemok", Quantity: 2, Net: 1800, VAT: 378, Rate: order.RateHigh, Category: order.Standard},
			{Kind: order.Product, ID: "2", SKU: "THEE/EG", Name: "Thee \u2013 Earl Grey (\u20ac)", Quantity: 3, Net: 1080, VAT: 227, Rate: order.RateHigh, Category: order.Standard},
			{Kind: order.Shipping, ID: "3", Name: "Verzending", Net: 496, VAT: 104, Rate: order.RateHigh, Category: order.Standard},
			{Kind: order.Fee, ID: "4", Name: "Verpakkingskosten", Net: 100, VAT: 21, Rate: order.RateHigh, Category: order.Standard},
		},
		Refunds:            []order.Refund{{ID: "14", Reason: "Beschadigd", Amount: 500}},
		Total:              4206,
		TotalTax:           730,
		PaymentMethod:      "bacs",
		PaymentMethodTitle: "Bankoverschrijving",
	}
}

func consumer() order.Party {
	return order.Party{Name: "Zoë \"Zee\" de Vries & Zn <thuis>", Email: "zoe@example.nl",
		Address: order.Address{Street: "Kerkstraat 2", Street2: "3-hoog", Postcode: "1012 AB", City: "'s-Hertogenbosch", Country: "NL"}}
}

type ublCase struct {
	name string
	inv  order.Invoice
}

// cases are the invoices the golden and validator tests write: every VAT
// situation and line shape Orderbrug produces.
func cases(t testing.TB) []ublCase {
	t.Helper()
	mustInvoice := func(o order.Order, shop string) order.Invoice {
		inv, err := newInvoice(o, shop, seller(), issued)
		if err != nil {
			t.Fatalf("NewInvoice: %v", err)
		}
		return inv
	}
	mustCredit := func(o order.Order, r order.Refund, inv order.Invoice) order.Invoice {
		cn, err := order.NewCreditNote(o, r, inv, "", issued.Add(24*time.Hour))
		if err != nil {
			t.Fatalf("NewCreditNote: %v", err)
		}
		return cn
	}
	base := func(number string, lines []order.Line, total, tax order.Money) order.Order {
		return order.Order{Source: order.WooCommerce, ID: number, Number: number, Currency: "EUR", Paid: paid,
			Buyer: consumer(), Lines: lines, Total: total, TotalTax: tax,
			PaymentMethod: "mollie_wc_gateway_ideal", PaymentMethodTitle: "iDEAL", TransactionID: "tr_WDqYK6vllg"}
	}

	var cs []ublCase
	o13 := realOrder13()
	inv13 := mustInvoice(o13, "webwinkel")
	cs = append(cs, ublCase{"real_order_13", inv13})
	cs = append(cs, ublCase{"real_order_13_refund", mustCredit(o13, o13.Refunds[0], inv13)})

	mixed := base("2026-0042", []order.Line{
		line(order.Product, "10", "Kookboek \"Pasta & Co\"", 1, 1835, 165, order.RateLow, order.Standard),
		line(order.Product, "11", "Mok <groot>", 3, 1000, 210, order.RateHigh, order.Standard), // 3.333… a piece
		line(order.Product, "12", "Cadeaubon", 1, 500, 0, order.RateZero, order.ZeroRated),
		line(order.Shipping, "13", "PostNL", 0, 413, 87, order.RateHigh, order.Standard),
		line(order.Fee, "14", "Korting vaste klant", 0, -200, -42, order.RateHigh, order.Standard),
	}, 3968, 420)
	mixed.Paid = time.Time{} // unpaid: payable, with a due date
	invMixed := mustInvoice(mixed, "Bakker's Shop")
	cs = append(cs, ublCase{"mixed_rates_unpaid_consumer", invMixed})
	cs = append(cs, ublCase{"mixed_rates_refund_spread", mustCredit(mixed, order.Refund{ID: "77", Amount: 1000, Reason: "Retour"}, invMixed)})

	rc := base("2026-0043", []order.Line{
		line(order.Product, "1", "Espressomachine", 2, 90000, 0, 0, order.ReverseCharge),
		line(order.Shipping, "2", "DHL", 0, 2500, 0, 0, order.ReverseCharge),
	}, 92500, 0)
	rc.Buyer = order.Party{Name: "Hans Müller", Company: "Müller Kaffee GmbH", VATID: "DE123456789", Email: "einkauf@mueller.example",
		Address: order.Address{Street: "Hauptstraße 5", Postcode: "10115", City: "Berlin", Country: "DE"}}
	rc.PaymentMethodTitle = "Creditcard (Visa)"
	cs = append(cs, ublCase{"reverse_charge_de_b2b", mustInvoice(rc, "webwinkel")})

	ic := base("2026-0044", []order.Line{line(order.Product, "1", "Koffiebonen 25 kg", 1, 40000, 0, 0, order.IntraEU)}, 40000, 0)
	ic.Buyer = order.Party{Company: "Café Lumière SARL", VATID: "FRXX123456789",
		Address: order.Address{Street: "1 rue de la Paix", Postcode: "75002", City: "Paris", Country: "FR"}}
	cs = append(cs, ublCase{"intra_eu_goods_fr", mustInvoice(ic, "webwinkel")})

	exp := base("2026-0045", []order.Line{
		line(order.Product, "1", "Delfts blauw bord", 1, 4950, 0, 0, order.Export),
		line(order.Shipping, "2", "Internationaal", 0, 1500, 0, 0, order.Export),
	}, 6450, 0)
	exp.Buyer = order.Party{Name: "John Doe", Email: "john@example.com",
		Address: order.Address{Street: "1 Main St", Postcode: "10001", City: "New York", Region: "NY", Country: "US"}}
	cs = append(cs, ublCase{"export_us", mustInvoice(exp, "webwinkel")})

	b2bNL := base("2026-0046", []order.Line{line(order.Product, "1", "Kantoorkoffie", 12, 14388, 3021, order.RateHigh, order.Standard)}, 17409, 3021)
	b2bNL.Buyer = order.Party{Name: "Piet Pietersen", Company: "Pietersen B.V.", KvK: "87654321", VATID: "NL987654321B01", Email: "inkoop@pietersen.example",
		Address: order.Address{Street: "Stationsplein 1", Postcode: "3511 ED", City: "Utrecht", Country: "NL"}}
	invB2B := mustInvoice(b2bNL, "webwinkel")
	cs = append(cs, ublCase{"b2b_nl_kvk", invB2B})
	cs = append(cs, ublCase{"b2b_nl_refund_lines", mustCredit(b2bNL, order.Refund{ID: "9", Amount: 1451, Reason: "1 zak te veel", Lines: []order.Line{
		line(order.Product, "1", "Kantoorkoffie", 1, 1199, 252, order.RateHigh, order.Standard),
	}}, invB2B)})

	usd := base("2026-0047", []order.Line{
		line(order.Product, "1", "Fietstas", 2, 14793, 3107, order.RateHigh, order.Standard),
		line(order.Shipping, "2", "PostNL", 0, 995, 209, order.RateHigh, order.Standard),
	}, 19104, 3316)
	usd.Currency = "USD"
	usd.Buyer = b2bNL.Buyer
	usd.Created = issued
	invUSD, err := order.NewInvoice(usd, order.InvoiceOptions{Shop: "webwinkel", Seller: seller(), EURRate: "0.9213"})
	if err != nil {
		t.Fatalf("NewInvoice USD: %v", err)
	}
	if invUSD.TaxTotalEUR != 3055 { // 33.16 USD × 0.9213 = 30.550308 EUR
		t.Fatalf("VAT in EUR %s, want 30.55", invUSD.TaxTotalEUR)
	}
	cs = append(cs, ublCase{"usd_peppol_vat_in_eur", invUSD})
	cs = append(cs, ublCase{"usd_refund_vat_in_eur", mustCredit(usd, order.Refund{ID: "5", Amount: 1204, Reason: "Verzending terug"}, invUSD)})

	// 10 × 0.85 at 21 %, VAT rounded per line (8.50 + 1.80), refunded in two
	// halves without lines: the second gives back exactly what is left.
	var cheapLines []order.Line
	for i := 1; i <= 10; i++ {
		cheapLines = append(cheapLines, line(order.Product, fmt.Sprint(i), fmt.Sprint("Drop ", i), 1, 85, 18, order.RateHigh, order.Standard))
	}
	cheap := base("2026-0048", cheapLines, 1030, 180)
	cheap.Refunds = []order.Refund{{ID: "81", Amount: 515}, {ID: "82", Amount: 515}}
	invCheap := mustInvoice(cheap, "webwinkel")
	cs = append(cs, ublCase{"cheap_refund_first_half", mustCredit(cheap, cheap.Refunds[0], invCheap)})
	cs = append(cs, ublCase{"cheap_refund_second_half", mustCredit(cheap, cheap.Refunds[1], invCheap)})
	return cs
}

// newInvoice is NewInvoice for an order created at issued (unless the order
// has its own date), with the key derived from shop.
func newInvoice(o order.Order, shop string, seller order.Seller, issued time.Time) (order.Invoice, error) {
	if o.Created.IsZero() && o.CreatedLocal == "" {
		o.Created = issued
	}
	return order.NewInvoice(o, order.InvoiceOptions{Shop: shop, Seller: seller})
}
