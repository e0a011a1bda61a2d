package wcemu

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// DutchStatuses are the custom statuses DutchOrders uses, as a Dutch shop's
// plugin would register them.
var DutchStatuses = []StatusDef{{"verzonden", "Verzonden"}, {"retour", "Retour ontvangen"}}

type product struct {
	name, sku string
	price     int64 // cents; incl. VAT in a shop with prices_include_tax
	rate      int64 // basis points
	taxClass  string
}

var catalog = []product{
	{"Koffiemok", "MOK-01", 1210, 2100, ""},
	{"Thee \u2013 Earl Grey (\u20ac)", "THEE/EG", 484, 900, "reduced-rate"},
	{"Stroopwafels 8 st.", "SW-8", 349, 900, "reduced-rate"},
	{"Kookboek \u201cHollandse pot\u201d", "BOEK/HP", 2495, 900, "reduced-rate"},
	{"Theedoek linnen", "TD-LIN", 1295, 2100, ""},
	{"Koffiebonen 1 kg", "KB-1000", 2450, 900, "reduced-rate"},
	{"Waterkoker RVS", "WK-RVS", 5999, 2100, ""},
	{"Cadeaukaart", "CADEAU", 2500, 0, "zero-rate"},
	{"Fietstas \u00e9\u00e9npersoons", "FT-01", 8950, 2100, ""},
}

var (
	firstNames = []string{"Jan", "Sanne", "Zo\u00eb", "Ren\u00e9e", "Pieter", "Fleur", "Daan", "Anouk", "Ma\u00ebl", "Bram"}
	lastNames  = []string{"de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "M\u00fcller", "O'Neill", "van Dijk", "Mulder"}
	streets    = []string{"Kerkstraat 1", "Dorpsweg 12/b", "Oudegracht 231", "Parklaan 7", "Molenweg 44", "Stationsplein 3"}
	nlCities   = []struct{ city, postcode string }{{"Utrecht", "3511 AA"}, {"'s-Hertogenbosch", "5211 AB"}, {"Amsterdam", "1012 JS"}, {"Groningen", "9711 LM"}, {"Den Haag", "2511 CV"}}
	euB2B      = []struct{ country, city, postcode, vat string }{{"BE", "Antwerpen", "2000", "BE0123456789"}, {"DE", "K\u00f6ln", "50667", "DE123456789"}, {"FR", "Lille", "59000", "FR12345678901"}}
	abroad     = []struct{ country, city, postcode string }{{"US", "Portland", "97201"}, {"CH", "Z\u00fcrich", "8001"}, {"NO", "Oslo", "0150"}, {"GB", "London", "SW1A 1AA"}}
	vatKeys    = []string{"_billing_vat_number", "_vat_number", "vat_number", "_billing_eu_vat_number", "billing_vat"}
	payments   = []struct{ id, title string }{{"mollie_wc_gateway_ideal", "iDEAL"}, {"bacs", "Bankoverschrijving"}, {"mollie_wc_gateway_bancontact", "Bancontact"}, {"ppcp-gateway", "PayPal"}}
	taxRates   = map[int64]struct {
		id         int64
		code, name string
	}{2100: {1, "NL-BTW-1", "BTW"}, 900: {2, "NL-BTW LAAG-2", "BTW laag"}, 0: {3, "NL-BTW NUL-3", "BTW 0%"}}
)

// DutchOrders generates n realistic orders of a Dutch shop in WooCommerce's
// JSON shape, the same for the same seed: prices entered incl. or excl.
// VAT, 21 %, 9 % and 0 % lines, percentage coupons (discounted line
// totals), shipping with VAT, fees (some negative), Dutch consumers and
// companies, EU companies with a VAT number (no VAT: an intra-community
// supply, K, for this goods shop),
// buyers outside the EU (no VAT: export), refunds and the custom statuses
// of DutchStatuses. Ids start at 1000; modified dates increase from
// 2024-01-01 (sometimes several in one second). Totals are consistent as
// WooCommerce computes them with per-line rounding: Σ line total + Σ line
// total_tax = total, and Σ line total_tax = total_tax, to the cent.
func DutchOrders(n int, seed uint64) []Order {
	orders, _ := dutchOrders(n, seed)
	return orders
}

// AddDutch adds DutchOrders(n, seed) to the shop with their refunds and
// custom statuses, and returns their ids.
func (s *Shop) AddDutch(n int, seed uint64) []int64 {
	for _, d := range DutchStatuses {
		s.RegisterStatus(d.Slug, d.Name)
	}
	orders, refunds := dutchOrders(n, seed)
	ids := s.Add(orders...)
	s.mu.Lock()
	for id, r := range refunds {
		s.refunds[id] = r
		for _, x := range r {
			if x.ID >= s.nextID {
				s.nextID = x.ID + 1
			}
		}
	}
	s.mu.Unlock()
	return ids
}

// PlaceDutch places n new orders in the shop now, as customers would: like
// DutchOrders(n, seed) but with fresh ids (AddDutch's start at 1000 and
// replace orders with those ids), created and modified now, and without
// refunds.
func (s *Shop) PlaceDutch(n int, seed uint64) []int64 {
	orders := DutchOrders(n, seed)
	for i := range orders {
		o := &orders[i]
		o.ID, o.Number, o.Refunds = 0, "", nil
		o.DateCreatedGMT, o.DateModifiedGMT = "", ""
		if o.Status == "refunded" {
			o.Status = "completed"
		}
	}
	return s.Add(orders...)
}

// taxMicro is the unrounded VAT in millionths of a euro, as WooCommerce
// keeps it in taxes[].total: on a gross amount (incl) or a net one.
func taxMicro(amount, rate int64, incl bool) int64 {
	if incl {
		return roundDiv(amount*10000*rate, 10000+rate)
	}
	return amount * rate
}

func roundDiv(a, b int64) int64 {
	q, r := a/b, a%b
	if 2*r >= b {
		q++
	} else if 2*r <= -b {
		q--
	}
	return q
}

// micro writes millionths of a euro as PHP prints such a float: "2.268347",
// "4.2", "5".
func micro(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	s := fmt.Sprintf("%s%d.%06d", sign, v/1e6, v%1e6)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// trimmed writes cents the way WooCommerce writes a coupon's discount
// ("3.2").
func trimmed(v int64) string {
	s := cents(v)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

func dutchOrders(n int, seed uint64) ([]Order, map[int64][]Refund) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		loc = time.UTC
	}
	pick := func(k int) int { return rng.IntN(k) }
	t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	orders := make([]Order, 0, n)
	refunds := map[int64][]Refund{}
	for i := 0; i < n; i++ {
		if rng.IntN(20) != 0 { // 1 in 20 shares the previous order's second
			t = t.Add(time.Duration(1+rng.IntN(600)) * time.Second)
		}
		id := int64(1000 + i)
		created := t.Add(-time.Duration(rng.IntN(3*86400)) * time.Second)
		incl := rng.IntN(5) != 0
		o := Order{
			ID: id, Status: "processing", Currency: "EUR", Version: "8.9.1", PricesIncludeTax: incl,
			DateCreated: created.In(loc).Format(gmtLayout), DateCreatedGMT: created.Format(gmtLayout),
			DateModified: t.In(loc).Format(gmtLayout), DateModifiedGMT: t.Format(gmtLayout),
			OrderKey: fmt.Sprintf("wc_order_%012x", rng.Uint64()&0xffffffffffff), CreatedVia: "checkout",
			Number: strconv.FormatInt(id, 10), CurrencySymbol: "\u20ac", CustomerID: int64(rng.IntN(50)),
		}
		fn, ln := firstNames[pick(len(firstNames))], lastNames[pick(len(lastNames))]
		o.Billing = Billing{FirstName: fn, LastName: ln, Address1: streets[pick(len(streets))], Country: "NL",
			Email: strings.ToLower(strings.ReplaceAll(fn, " ", "")) + "@example.nl", Phone: "06" + fmt.Sprintf("%08d", rng.IntN(1e8))}
		c := nlCities[pick(len(nlCities))]
		o.Billing.City, o.Billing.Postcode = c.city, c.postcode
		exempt := false
		metaID := id * 100
		addMeta := func(k string, v any) {
			metaID++
			o.MetaData = append(o.MetaData, Meta{ID: metaID, Key: k, Value: v})
		}
		switch r := rng.IntN(100); {
		case r < 8: // Dutch company: pays Dutch VAT
			o.Billing.Company = "Bakkerij " + ln + " B.V."
			addMeta(vatKeys[pick(len(vatKeys))], fmt.Sprintf("NL%09dB01", rng.IntN(1e9)))
		case r < 14: // EU company with a VAT number: reverse charge
			e := euB2B[pick(len(euB2B))]
			o.Billing.Company, o.Billing.Country, o.Billing.City, o.Billing.Postcode = "Handel "+ln+" GmbH", e.country, e.city, e.postcode
			addMeta(vatKeys[pick(len(vatKeys))], e.vat)
			addMeta("is_vat_exempt", "yes")
			exempt = true
		case r < 17: // outside the EU: export
			a := abroad[pick(len(abroad))]
			o.Billing.Country, o.Billing.City, o.Billing.Postcode = a.country, a.city, a.postcode
			exempt = true
		}
		o.Shipping = ShippingAddr{FirstName: fn, LastName: ln, Company: o.Billing.Company, Address1: o.Billing.Address1,
			City: o.Billing.City, Postcode: o.Billing.Postcode, Country: o.Billing.Country}
		p := payments[pick(len(payments))]
		o.PaymentMethod, o.PaymentMethodTitle = p.id, p.title
		if p.id != "bacs" {
			o.TransactionID = fmt.Sprintf("tr_%010x", rng.Uint64()&0xffffffffff)
		}
		if rng.IntN(10) == 0 {
			o.CustomerNote = "Graag \"snel\" leveren / bedankt \U0001F600"
		}

		coupon := int64(0)
		if rng.IntN(5) == 0 {
			coupon = []int64{10, 15}[pick(2)]
		}
		type rateSum struct{ tax, ship int64 }
		sums := map[int64]*rateSum{}
		addTax := func(rate int64, line, ship int64) {
			if sums[rate] == nil {
				sums[rate] = &rateSum{}
			}
			sums[rate].tax += line
			sums[rate].ship += ship
		}
		var netSum, taxSum, discNet, discTax, shipNet, shipTax, maxRate int64
		itemID := id * 10
		used := map[int]bool{}
		for k, lines := 0, 1+rng.IntN(4); k < lines; k++ {
			pi := pick(len(catalog))
			if used[pi] {
				continue
			}
			used[pi] = true
			pr := catalog[pi]
			q := int64(1 + rng.IntN(3))
			rate := pr.rate
			sub := pr.price * q
			tot := sub - roundDiv(sub*coupon, 100)
			var subNet, subTax, totNet, totTax int64
			var taxes []Tax
			if incl {
				sm, tm := taxMicro(sub, rate, true), taxMicro(tot, rate, true)
				subTax, totTax = roundDiv(sm, 10000), roundDiv(tm, 10000)
				subNet, totNet = sub-subTax, tot-totTax
				if !exempt {
					taxes = []Tax{{ID: taxRates[rate].id, Total: micro(tm), Subtotal: micro(sm)}}
				}
			} else {
				sm, tm := taxMicro(sub, rate, false), taxMicro(tot, rate, false)
				subTax, totTax = roundDiv(sm, 10000), roundDiv(tm, 10000)
				subNet, totNet = sub, tot
				if !exempt {
					taxes = []Tax{{ID: taxRates[rate].id, Total: micro(tm), Subtotal: micro(sm)}}
				}
			}
			if exempt {
				subTax, totTax = 0, 0
			} else {
				addTax(rate, totTax, 0)
				maxRate = max(maxRate, rate)
			}
			itemID++
			price := float64(totNet) / float64(q) / 100
			o.LineItems = append(o.LineItems, LineItem{
				ID: itemID, Name: pr.name, ProductID: int64(10 + pi), Quantity: q, TaxClass: pr.taxClass,
				Subtotal: cents(subNet), SubtotalTax: cents(subTax), Total: cents(totNet), TotalTax: cents(totTax),
				Taxes: taxes, SKU: pr.sku, Price: price,
			})
			netSum += totNet
			taxSum += totTax
			discNet += subNet - totNet
			discTax += subTax - totTax
		}
		if rng.IntN(7) != 0 { // most orders ship; shipping is entered excl. VAT
			s := []int64{495, 695, 0}[pick(3)]
			var taxes []Tax
			var tax int64
			title := "Verzending"
			if s == 0 {
				title = "Gratis verzending"
			}
			if !exempt && maxRate > 0 {
				m := taxMicro(s, maxRate, false)
				tax = roundDiv(m, 10000)
				taxes = []Tax{{ID: taxRates[maxRate].id, Total: micro(m), Subtotal: ""}}
				addTax(maxRate, 0, tax)
			}
			itemID++
			o.ShippingLines = append(o.ShippingLines, ShipLine{ID: itemID, MethodTitle: title, MethodID: "flat_rate",
				InstanceID: "1", Total: cents(s), TotalTax: cents(tax), Taxes: taxes})
			shipNet += s
			shipTax += tax
		}
		for _, fee := range []struct {
			name string
			net  int64
			odds int
		}{{"Verpakkingskosten", 100, 10}, {"Korting vaste klant", -250, 20}} {
			if rng.IntN(fee.odds) != 0 {
				continue
			}
			var taxes []Tax
			var tax int64
			if !exempt {
				m := taxMicro(fee.net, 2100, false)
				tax = roundDiv(m, 10000)
				taxes = []Tax{{ID: 1, Total: micro(m), Subtotal: ""}}
				addTax(2100, tax, 0)
			}
			itemID++
			o.FeeLines = append(o.FeeLines, FeeLine{ID: itemID, Name: fee.name, TaxStatus: "taxable",
				Total: cents(fee.net), TotalTax: cents(tax), Taxes: taxes})
			netSum += fee.net
			taxSum += tax
		}
		for _, rate := range []int64{2100, 900, 0} {
			if sm := sums[rate]; sm != nil {
				tr := taxRates[rate]
				itemID++
				o.TaxLines = append(o.TaxLines, TaxLine{ID: itemID, RateCode: tr.code, RateID: tr.id, Label: tr.name,
					TaxTotal: cents(sm.tax), ShippingTaxTotal: cents(sm.ship), RatePercent: float64(rate) / 100})
			}
		}
		if coupon > 0 {
			itemID++
			o.CouponLines = append(o.CouponLines, CouponLine{ID: itemID, Code: fmt.Sprintf("korting%d", coupon),
				Discount: trimmed(discNet), DiscountTax: trimmed(discTax), DiscountType: "percent", NominalAmount: float64(coupon)})
		}
		total := netSum + shipNet + taxSum + shipTax
		o.DiscountTotal, o.DiscountTax = cents(discNet), cents(discTax)
		o.ShippingTotal, o.ShippingTax = cents(shipNet), cents(shipTax)
		o.CartTax, o.TotalTax, o.Total = cents(taxSum), cents(taxSum+shipTax), cents(total)

		switch r := rng.IntN(100); {
		case r < 50:
			o.Status = "completed"
		case r < 70:
			o.Status = "processing"
		case r < 75:
			o.Status = "on-hold"
		case r < 80:
			o.Status = "pending"
		case r < 83:
			o.Status = "cancelled"
		case r < 85:
			o.Status = "failed"
		case r < 92:
			o.Status = "verzonden"
		default:
			o.Status = "retour"
		}
		if o.Status != "pending" && o.Status != "failed" && o.Status != "on-hold" {
			paid := created.Add(time.Minute)
			g, l := paid.Format(gmtLayout), paid.In(loc).Format(gmtLayout)
			o.DatePaidGMT, o.DatePaid = &g, &l
		}
		if o.Status == "completed" {
			g, l := t.Format(gmtLayout), t.In(loc).Format(gmtLayout)
			o.DateCompletedGMT, o.DateCompleted = &g, &l
		}
		o.NeedsPayment = o.DatePaidGMT == nil
		o.NeedsProcessing = true
		o.PaymentURL = fmt.Sprintf("https://shop.example.nl/checkout/order-pay/%d/?pay_for_order=true&key=%s", id, o.OrderKey)

		if (o.Status == "completed" || o.Status == "retour") && total > 1000 && rng.IntN(4) == 0 {
			r := dutchRefund(&o, id, t, loc, rng.IntN(2) == 0)
			refunds[id] = []Refund{r}
			o.Refunds = []RefundBrief{{ID: r.ID, Reason: r.Reason, Total: "-" + r.Amount}}
			if r.Amount == o.Total {
				o.Status = "refunded"
			}
		}
		o.normalize()
		orders = append(orders, o)
	}
	return orders, refunds
}

// dutchRefund refunds either 5.00 or one piece of the first line item.
func dutchRefund(o *Order, id int64, at time.Time, loc *time.Location, oneLine bool) Refund {
	r := Refund{ID: 10_000_000 + id, DateCreated: at.In(loc).Format(gmtLayout), DateCreatedGMT: at.Format(gmtLayout),
		Amount: "5.00", Reason: "Beschadigd", RefundedBy: 1}
	li := o.LineItems[0]
	net := share(mustCents(li.Total), 1, li.Quantity)
	tax := share(mustCents(li.TotalTax), 1, li.Quantity)
	// WooCommerce refuses a refund larger than what is left of the order
	// ("Invalid refund amount"); a negative fee can make one piece of the
	// first line worth more than the whole order.
	if oneLine && net+tax <= mustCents(o.Total) {
		rl := RefundLineItem{ID: r.ID*10 + 1, Name: li.Name, ProductID: li.ProductID, Quantity: -1, TaxClass: li.TaxClass,
			Subtotal: cents(-net), SubtotalTax: cents(-tax), Total: cents(-net), TotalTax: cents(-tax), SKU: li.SKU,
			Price: -li.Price, RefundTotal: float64(net+tax) / 100,
			MetaData: []Meta{{ID: r.ID*10 + 2, Key: "_refunded_item_id", Value: strconv.FormatInt(li.ID, 10)}}}
		for _, t := range li.Taxes {
			rl.Taxes = append(rl.Taxes, Tax{ID: t.ID, Total: cents(-tax), Subtotal: cents(-tax)})
		}
		r.LineItems = []RefundLineItem{rl}
		r.Amount, r.Reason = cents(net+tax), "Retour"
	}
	r.Links = Links{
		Self:       []Link{{Href: fmt.Sprintf("https://shop.example.nl/wp-json/wc/v3/orders/%d/refunds/%d", id, r.ID)}},
		Collection: []Link{{Href: fmt.Sprintf("https://shop.example.nl/wp-json/wc/v3/orders/%d/refunds", id)}},
		Up:         []Link{{Href: fmt.Sprintf("https://shop.example.nl/wp-json/wc/v3/orders/%d", id)}},
	}
	r.normalize()
	return r
}
