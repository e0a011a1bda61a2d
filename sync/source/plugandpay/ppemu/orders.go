package ppemu

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// ItemSpec is one line of an order to make. Prices are in cents incl. VAT
// (as Dutch checkouts show them); for a reverse-charge buyer the same
// price's net part is charged without VAT.
type ItemSpec struct {
	Label     string
	ProductID int64
	Quantity  int64 // 0 means 1
	// UnitPrice is one unit incl. VAT, in cents.
	UnitPrice int64
	// Rate is the VAT rate in basis points (2100, 900, 0).
	Rate int64
	// Type is "", upsell, downsell, order-bump, one-click-upsell or gift.
	Type string
	// Discount is taken off the whole line, in cents incl. VAT.
	Discount     int64
	DiscountCode string
	// SubscriptionID links the line to a subscription (a term or a first
	// order of one).
	SubscriptionID int64
}

// Buyer is the billing contact of an order to make.
type Buyer struct {
	Firstname, Lastname, Company, Email string
	Street, HouseNumber, Zipcode, City  string
	Country                             string // "" NL
	VATID                               string
	// Reverse is tax_exempt=reverse: no VAT charged (EU B2B).
	Reverse bool
}

// Spec is an order to make.
type Spec struct {
	Items []ItemSpec
	Buyer Buyer
	// Source is checkout (default), recurring, upsell, api, ...
	Source string
	// Open leaves the order unpaid (payment status open, concept invoice).
	Open bool
	// Method is the payment method (default ideal).
	Method  string
	IsFirst bool
	// At is when the order is made and, unless Open, paid (default: the
	// shop's clock).
	At time.Time
	// OrderDiscount is a discount on the whole order, in cents incl. VAT,
	// sent only in total_discounts (the items stay at full price): the
	// other reading APIS.md §1.4 leaves open. It is spread over the VAT
	// rates by the items' gross share, so taxes[] per rate is what the
	// items charge less the discount's share.
	OrderDiscount     int64
	OrderDiscountCode string
	// Shipping is the shipping cost in cents incl. VAT (0: none), at
	// ShippingRate (basis points; 0 is 0 %), served as shipping [T] with
	// include=shipping and counted in the order's amounts and taxes[].
	Shipping     int64
	ShippingRate int64
}

// Money formats cents as Plug&Pay does: "12.34", "-5.00".
func Money(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

func roundDiv(a, b int64) int64 {
	if (a < 0) != (b < 0) {
		return -((-a + b/2) / b)
	}
	return (a + b/2) / b
}

func pct(rate int64) string { return fmt.Sprintf("%d.%d", rate/100, rate%100/10) }

func str(s string) *string { return &s }

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

var rateIDs = map[int64]int64{2100: 57, 900: 58, 0: 59}

// Add makes an order from spec and returns its id.
func (s *Shop) Add(spec Spec) int64 {
	s.mu.Lock()
	clear(s.lists) // a change: cached lists are stale
	defer s.mu.Unlock()
	return s.add(spec)
}

func (s *Shop) add(spec Spec) int64 {
	at := spec.At
	if at.IsZero() {
		at = s.now()
	}
	at = at.UTC().Truncate(time.Second)
	id := s.nextOrder
	s.nextOrder++
	b := spec.Buyer
	if b.Country == "" {
		b.Country = "NL"
	}
	exempt := "none"
	if b.Reverse {
		exempt = "reverse"
	}
	src := spec.Source
	if src == "" {
		src = "checkout"
	}
	method := spec.Method
	if method == "" {
		method = "ideal"
	}
	o := &Order{ID: id, CreatedAt: at.Format(isoLayout), UpdatedAt: at.Format(isoLayout), InvoiceStatus: "concept",
		IsFirst: spec.IsFirst, IsTaxIncluded: true, Mode: "live", Source: src,
		Reference: fmt.Sprintf("0b13e52d-b058-42fb-8507-%012d", id), Tags: []string{},
		Billing: &Billing{Address: Address{Street: b.Street, HouseNumber: b.HouseNumber, Zipcode: b.Zipcode, City: b.City, Country: b.Country},
			Contact: Contact{Company: strOrNil(b.Company), Email: b.Email, Firstname: b.Firstname, Lastname: b.Lastname,
				VATIDNumber: strOrNil(b.VATID), TaxExempt: exempt}},
		Payment: &Payment{Status: "open", Method: method, Provider: "mollie", Type: "manual", OrderID: id,
			URL: fmt.Sprintf("https://checkout.example.nl/orders/payment-link/%d", id)},
		Items: []Item{}, TotalDiscounts: []Discount{}, Taxes: []Tax{}}
	var net, vat int64
	taxByRate := map[int64]int64{}
	var rates []int64
	for _, it := range spec.Items {
		q := it.Quantity
		if q == 0 {
			q = 1
		}
		unitNet := roundDiv(it.UnitPrice*10000, 10000+it.Rate)
		unitTax := it.UnitPrice - unitNet
		discNet := roundDiv(it.Discount*10000, 10000+it.Rate)
		discTax := it.Discount - discNet
		if b.Reverse {
			unitTax, discTax = 0, 0
		}
		var typ *string
		if it.Type != "" {
			typ = str(it.Type)
		}
		item := Item{ID: s.nextItem, ProductID: it.ProductID, Label: it.Label, Quantity: q, Type: typ,
			Amount: Money(unitNet), AmountWithTax: Money(unitNet + unitTax), Discounts: []Discount{},
			Tax: ItemTax{Amount: Money(unitTax), Rate: TaxRate{ID: rateIDs[it.Rate], Country: "NL", Percentage: pct(it.Rate)}}}
		s.nextItem++
		if it.Discount != 0 {
			code := it.DiscountCode
			if code == "" {
				code = "KORTING"
			}
			d := Discount{Amount: Money(discNet), AmountWithTax: Money(discNet + discTax), Code: code, Type: "promotion"}
			item.Discounts = append(item.Discounts, d)
			o.TotalDiscounts = append(o.TotalDiscounts, d)
		}
		if it.SubscriptionID != 0 {
			item.Subscription = &ItemSubRef{ID: it.SubscriptionID, Status: "active"}
		}
		o.Items = append(o.Items, item)
		lineNet, lineTax := unitNet*q-discNet, unitTax*q-discTax
		net += lineNet
		vat += lineTax
		if _, ok := taxByRate[it.Rate]; !ok {
			rates = append(rates, it.Rate)
		}
		taxByRate[it.Rate] += lineTax
	}
	if spec.OrderDiscount != 0 && len(rates) > 0 {
		var gross int64
		grossByRate := map[int64]int64{}
		for _, it := range spec.Items {
			q := max(it.Quantity, 1)
			grossByRate[it.Rate] += it.UnitPrice*q - it.Discount
			gross += it.UnitPrice*q - it.Discount
		}
		var dNet, dGross, left = int64(0), int64(0), spec.OrderDiscount
		for i, r := range rates {
			d := left
			if i < len(rates)-1 && gross != 0 {
				d = roundDiv(spec.OrderDiscount*grossByRate[r], gross)
			}
			left -= d
			dn := roundDiv(d*10000, 10000+r)
			tax := d - dn
			if b.Reverse {
				tax = 0
			}
			taxByRate[r] -= tax
			net -= dn
			vat -= tax
			dNet += dn
			dGross += dn + tax
		}
		code := spec.OrderDiscountCode
		if code == "" {
			code = "ORDERKORTING"
		}
		o.TotalDiscounts = append(o.TotalDiscounts, Discount{Amount: Money(dNet), AmountWithTax: Money(dGross), Code: code, Type: "promotion"})
	}
	if spec.Shipping != 0 {
		sn := roundDiv(spec.Shipping*10000, 10000+spec.ShippingRate)
		st := spec.Shipping - sn
		if b.Reverse {
			st = 0
		}
		r := spec.ShippingRate
		o.Shipping = &Shipping{Amount: Money(sn), AmountWithTax: Money(sn + st),
			Taxes: []Tax{{Amount: Money(st), Rate: TaxRate{ID: rateIDs[r], Country: "NL", Percentage: pct(r)}}}}
		net += sn
		vat += st
		if _, ok := taxByRate[r]; !ok {
			rates = append(rates, r)
		}
		taxByRate[r] += st
	}
	for _, r := range rates {
		o.Taxes = append(o.Taxes, Tax{Amount: Money(taxByRate[r]), Rate: TaxRate{ID: rateIDs[r], Country: "NL", Percentage: pct(r)}})
	}
	o.Amount, o.AmountWithTax = Money(net), Money(net+vat)
	s.orders[id] = o
	if !spec.Open {
		s.pay(o, at)
	}
	return id
}

func (s *Shop) invoiceNumber(at time.Time) string {
	n := fmt.Sprintf("%d%05d", at.In(s.loc).Year(), s.nextInv)
	s.nextInv++
	return n
}

func (s *Shop) pay(o *Order, at time.Time) {
	o.Payment.Status = "paid"
	o.Payment.PaidAt = str(at.Format(isoLayout))
	o.Payment.TransactionID = str(fmt.Sprintf("tr_%d", o.ID))
	o.InvoiceStatus = "final"
	o.InvoiceNumber = str(s.invoiceNumber(at))
	o.InvoiceDate = str(at.In(s.loc).Format("2006-01-02"))
	o.UpdatedAt = at.Format(isoLayout)
}

// Pay marks open order id paid now: status paid, paid_at, a final invoice
// with its number and date.
func (s *Shop) Pay(id int64) error {
	s.mu.Lock()
	clear(s.lists) // a change: cached lists are stale
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok || o.Payment.Status != "open" {
		return fmt.Errorf("ppemu: order %d is not open", id)
	}
	s.pay(o, s.now().UTC().Truncate(time.Second))
	return nil
}

// SetStatus sets order id's payment status (processing, reversed, ...) and
// touches updated_at.
func (s *Shop) SetStatus(id int64, status string) error {
	if !oneOf(status, paymentStatuses) {
		return fmt.Errorf("ppemu: unknown payment status %q", status)
	}
	s.mu.Lock()
	clear(s.lists) // a change: cached lists are stale
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return fmt.Errorf("ppemu: no order %d", id)
	}
	o.Payment.Status = status
	o.UpdatedAt = s.now().UTC().Truncate(time.Second).Format(isoLayout)
	return nil
}

// Credit credits paid order id as Plug&Pay does (help article P5): the
// whole order, once; the original becomes credited, and a new order with
// status credit_invoice, negative amounts and its own invoice number holds
// the credit invoice. related_orders links the two both ways. It returns
// the credit invoice's id.
func (s *Shop) Credit(id int64) (int64, error) {
	s.mu.Lock()
	clear(s.lists) // a change: cached lists are stale
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return 0, fmt.Errorf("ppemu: no order %d", id)
	}
	if o.Payment.Status != "paid" {
		return 0, fmt.Errorf("ppemu: order %d is %s; only a paid order can be credited", id, o.Payment.Status)
	}
	at := s.now().UTC().Truncate(time.Second)
	c := *o
	c.ID = s.nextOrder
	s.nextOrder++
	neg := func(m string) string {
		if m == "0.00" || m == "" {
			return m
		}
		if m[0] == '-' {
			return m[1:]
		}
		return "-" + m
	}
	c.Amount, c.AmountWithTax = neg(o.Amount), neg(o.AmountWithTax)
	c.CreatedAt, c.UpdatedAt = at.Format(isoLayout), at.Format(isoLayout)
	c.InvoiceNumber = str(s.invoiceNumber(at))
	c.InvoiceDate = str(at.In(s.loc).Format("2006-01-02"))
	c.InvoiceStatus = "final"
	c.IsFirst = false
	c.Reference = fmt.Sprintf("0b13e52d-b058-42fb-8507-%012d", c.ID)
	c.Items = make([]Item, len(o.Items))
	for i, it := range o.Items {
		it.ID = s.nextItem
		s.nextItem++
		it.Amount, it.AmountWithTax, it.Tax.Amount = neg(it.Amount), neg(it.AmountWithTax), neg(it.Tax.Amount)
		ds := make([]Discount, len(it.Discounts))
		for j, d := range it.Discounts {
			d.Amount, d.AmountWithTax = neg(d.Amount), neg(d.AmountWithTax)
			ds[j] = d
		}
		it.Discounts = ds
		c.Items[i] = it
	}
	c.Taxes = make([]Tax, len(o.Taxes))
	for i, t := range o.Taxes {
		t.Amount = neg(t.Amount)
		c.Taxes[i] = t
	}
	c.TotalDiscounts = make([]Discount, len(o.TotalDiscounts))
	for i, d := range o.TotalDiscounts {
		d.Amount, d.AmountWithTax = neg(d.Amount), neg(d.AmountWithTax)
		c.TotalDiscounts[i] = d
	}
	if o.Shipping != nil {
		sh := *o.Shipping
		sh.Amount, sh.AmountWithTax = neg(sh.Amount), neg(sh.AmountWithTax)
		sh.Taxes = make([]Tax, len(o.Shipping.Taxes))
		for i, t := range o.Shipping.Taxes {
			t.Amount = neg(t.Amount)
			sh.Taxes[i] = t
		}
		c.Shipping = &sh
	}
	pay := *o.Payment
	pay.Status, pay.PaidAt, pay.TransactionID, pay.OrderID = "credit_invoice", nil, nil, c.ID
	c.Payment = &pay
	o.Payment.Status = "credited"
	o.UpdatedAt = at.Format(isoLayout)
	c.RelatedOrders = []Related{{ID: o.ID, InvoiceNumber: o.InvoiceNumber, PaymentStatus: "credited"}}
	o.RelatedOrders = append(o.RelatedOrders, Related{ID: c.ID, InvoiceNumber: c.InvoiceNumber, PaymentStatus: "credit_invoice"})
	s.orders[c.ID] = &c
	return c.ID, nil
}

// Unlink drops the related_orders of order id (both sides stay as they
// are otherwise): a credit invoice whose original cannot be found.
func (s *Shop) Unlink(id int64) {
	s.mu.Lock()
	clear(s.lists) // a change: cached lists are stale
	defer s.mu.Unlock()
	if o, ok := s.orders[id]; ok {
		o.RelatedOrders = nil
	}
}

// AddSubscription makes an active subscription of buyer for a product and
// returns its id.
func (s *Shop) AddSubscription(b Buyer, productID int64, product string) int64 {
	s.mu.Lock()
	clear(s.lists) // a change: cached lists are stale
	defer s.mu.Unlock()
	at := s.now().UTC().Truncate(time.Second).Format(isoLayout)
	id := int64(900 + len(s.subs) + 1)
	if b.Country == "" {
		b.Country = "NL"
	}
	s.subs[id] = &Subscription{ID: id, CreatedAt: at, UpdatedAt: at, Mode: "live", Source: "checkout", Status: "active",
		Billing: &Billing{Address: Address{Street: b.Street, HouseNumber: b.HouseNumber, Zipcode: b.Zipcode, City: b.City, Country: b.Country},
			Contact: Contact{Company: strOrNil(b.Company), Email: b.Email, Firstname: b.Firstname, Lastname: b.Lastname, TaxExempt: "none"}},
		Product: &Product{ID: productID, Title: product, PublicTitle: product, Type: "subscription"}}
	return id
}

// EndSubscription ends subscription id now (status ended, cancelled_at).
func (s *Shop) EndSubscription(id int64) error {
	s.mu.Lock()
	clear(s.lists) // a change: cached lists are stale
	defer s.mu.Unlock()
	sub, ok := s.subs[id]
	if !ok {
		return fmt.Errorf("ppemu: no subscription %d", id)
	}
	at := s.now().UTC().Truncate(time.Second).Format(isoLayout)
	sub.Status, sub.CancelledAt, sub.UpdatedAt = "ended", &at, at
	return nil
}

// Dutch buyers and products.
var (
	consumers = []Buyer{
		{Firstname: "Sanne", Lastname: "de Vries", Email: "sanne@example.nl", Street: "Lindengracht", HouseNumber: "12", Zipcode: "1015 KH", City: "Amsterdam"},
		{Firstname: "Daan", Lastname: "Jansen", Email: "daan@example.nl", Street: "Oudegracht", HouseNumber: "201-bis", Zipcode: "3511 NK", City: "Utrecht"},
		{Firstname: "Fatima", Lastname: "El Amrani", Email: "fatima@example.nl", Street: "Coolsingel", HouseNumber: "40", Zipcode: "3011 AD", City: "Rotterdam"},
	}
	// BuyerB2BNL is a Dutch business with a VAT id and no KvK number.
	BuyerB2BNL = Buyer{Firstname: "Joost", Lastname: "Bakker", Company: "Bakker Advies B.V.", Email: "factuur@bakkeradvies.nl",
		Street: "Stationsplein", HouseNumber: "3", Zipcode: "3818 LE", City: "Amersfoort", VATID: "NL001234567B01"}
	// BuyerReverseEU is a Belgian business: reverse charge.
	BuyerReverseEU = Buyer{Firstname: "Lotte", Lastname: "Peeters", Company: "Peeters BV", Email: "boekhouding@peeters.be",
		Street: "Meir", HouseNumber: "10", Zipcode: "2000", City: "Antwerpen", Country: "BE", VATID: "BE0123456749", Reverse: true}
	products = []ItemSpec{
		{Label: "Online cursus Boekhouden voor starters", ProductID: 11, UnitPrice: 19700, Rate: 2100},
		{Label: "E-book Ondernemen", ProductID: 12, UnitPrice: 1995, Rate: 900},
		{Label: "Werkboek (gedrukt)", ProductID: 13, UnitPrice: 2450, Rate: 900},
		{Label: "Coachingsessie 1 uur", ProductID: 14, UnitPrice: 12100, Rate: 2100},
		{Label: "Webinar terugkijken", ProductID: 15, UnitPrice: 4999, Rate: 2100},
		{Label: "Donatie", ProductID: 16, UnitPrice: 1000, Rate: 0},
	}
)

// Consumer is one of the emulator's Dutch consumers.
func Consumer(i int) Buyer { return consumers[i%len(consumers)] }

// Scenario holds the ids of the Dutch orders AddScenario made.
type Scenario struct {
	Paid, Open                int64
	Credited, CreditInvoice   int64
	Subscription              int64
	RecurringFirst            int64
	RecurringTerms            []int64
	Upsell, OneClickUpsell    int64
	MultiRate, B2BNL, EUB2B   int64
	UpsellProduct, SubProduct int64
}

// AddScenario makes the Dutch orders the issue asks for: paid, open,
// credited with its credit invoice, a subscription with its first order and
// two recurring terms, a checkout with an order bump and a separate
// one-click upsell order, a multi-line order at 21 % and 9 %, a Dutch B2B
// order with a VAT id and no KvK, and a reverse-charge order for a Belgian
// business.
func (s *Shop) AddScenario() Scenario {
	var sc Scenario
	sc.Paid = s.Add(Spec{Items: []ItemSpec{products[0]}, Buyer: consumers[0]})
	sc.Open = s.Add(Spec{Items: []ItemSpec{products[4]}, Buyer: consumers[1], Open: true})
	sc.Credited = s.Add(Spec{Items: []ItemSpec{products[3], products[1]}, Buyer: consumers[2]})
	sc.CreditInvoice, _ = s.Credit(sc.Credited)
	sc.SubProduct = 21
	sc.Subscription = s.AddSubscription(consumers[1], sc.SubProduct, "Lidmaatschap Ondernemersclub")
	sub := ItemSpec{Label: "Lidmaatschap Ondernemersclub (maand)", ProductID: sc.SubProduct, UnitPrice: 2900, Rate: 2100, SubscriptionID: sc.Subscription}
	sc.RecurringFirst = s.Add(Spec{Items: []ItemSpec{sub}, Buyer: consumers[1], IsFirst: true})
	for i := 0; i < 2; i++ {
		sc.RecurringTerms = append(sc.RecurringTerms, s.Add(Spec{Items: []ItemSpec{sub}, Buyer: consumers[1], Source: "recurring", Method: "directdebit"}))
	}
	bump := products[1]
	bump.Type = "order-bump"
	sc.Upsell = s.Add(Spec{Items: []ItemSpec{products[0], bump}, Buyer: consumers[0]})
	sc.UpsellProduct = 31
	oneClick := ItemSpec{Label: "Masterclass Belastingaangifte", ProductID: sc.UpsellProduct, UnitPrice: 9700, Rate: 2100, Type: "one-click-upsell"}
	sc.OneClickUpsell = s.Add(Spec{Items: []ItemSpec{oneClick}, Buyer: consumers[0], Source: "upsell"})
	book := products[2]
	book.Quantity = 3
	book.Discount = 245
	sc.MultiRate = s.Add(Spec{Items: []ItemSpec{products[3], book, products[1]}, Buyer: consumers[2]})
	coach := products[3]
	coach.Quantity = 2
	sc.B2BNL = s.Add(Spec{Items: []ItemSpec{coach}, Buyer: BuyerB2BNL, Method: "banktransfer"})
	sc.EUB2B = s.Add(Spec{Items: []ItemSpec{products[0], products[4]}, Buyer: BuyerReverseEU, Method: "creditcard"})
	return sc
}

// RandomSpec is a random Dutch cart: one to four lines of the catalogue,
// quantities one to three, now and then a discount, a business buyer or a
// reverse-charge one.
func RandomSpec(r *rand.Rand) Spec {
	var sp Spec
	n := 1 + r.IntN(4)
	for i := 0; i < n; i++ {
		it := products[r.IntN(len(products))]
		it.Quantity = 1 + r.Int64N(3)
		it.UnitPrice = 99 + r.Int64N(30000)
		if r.IntN(4) == 0 {
			it.Discount = r.Int64N(it.UnitPrice*it.Quantity/2 + 1)
		}
		sp.Items = append(sp.Items, it)
	}
	switch r.IntN(8) {
	case 0:
		sp.Buyer = BuyerB2BNL
	case 1:
		sp.Buyer = BuyerReverseEU
	default:
		sp.Buyer = consumers[r.IntN(len(consumers))]
	}
	if r.IntN(6) == 0 {
		sp.Source = "recurring"
	}
	if r.IntN(5) == 0 {
		// Now and then a discount on the whole order, only in
		// total_discounts, where no line has one of its own.
		var gross int64
		for _, it := range sp.Items {
			if it.Discount != 0 {
				return sp
			}
			gross += it.UnitPrice * it.Quantity
		}
		sp.OrderDiscount = 1 + r.Int64N(gross/3+1)
	}
	return sp
}

// AddDutch adds n random paid Dutch orders, one minute apart, ending at the
// shop's clock, and returns their ids.
func (s *Shop) AddDutch(n int, seed uint64) []int64 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s.mu.Lock()
	clear(s.lists) // a change: cached lists are stale
	defer s.mu.Unlock()
	end := s.now().UTC().Truncate(time.Second)
	ids := make([]int64, n)
	for i := 0; i < n; i++ {
		sp := RandomSpec(r)
		sp.At = end.Add(-time.Duration(n-1-i) * time.Minute)
		ids[i] = s.add(sp)
	}
	return ids
}
