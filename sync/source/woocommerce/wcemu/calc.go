package wcemu

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// This file models how WooCommerce (8.x, WC_Cart_Totals and
// WC_Checkout::set_data_from_cart) turns a cart into an order, in its four
// tax set-ups: prices entered incl. or excl. VAT ("woocommerce_prices_include_tax")
// × VAT rounded per line or at subtotal level
// ("woocommerce_tax_round_at_subtotal"). What the model keeps of WooCommerce:
//
//   - Line taxes are computed unrounded (kept to the millionth, as taxes[]
//     shows them). Incl. prices: tax = gross × r / (1 + r), net = gross - tax;
//     excl.: tax = net × r. Shipping and fees are always entered excl. VAT.
//   - Per line, a line's VAT is rounded to the cent with wc_round_tax_total,
//     whose rounding mode is half down in an incl. shop and half up in an
//     excl. shop (wc_get_tax_rounding_mode); line nets and shipping taxes are
//     rounded half up (round_item_subtotal). At subtotal, nothing is rounded
//     until the totals.
//   - The order total is round(Σ item nets + fees + shipping + Σ taxes),
//     half up; cart_tax is Σ item taxes + Σ fee taxes, shipping_tax Σ
//     shipping taxes, and total_tax round(cart_tax + shipping_tax)
//     (WC_Abstract_Order::set_total_tax rounds).
//   - tax_lines per rate: the items' taxes (rounded per line or not) plus
//     the fees' UNROUNDED taxes, and the shipping taxes; the REST API prints
//     each rounded half up, so a fee's half cent can make tax_total one cent
//     more than what the order counted.
//   - The REST API prints every line amount rounded half up to the cent, and
//     taxes[] unrounded.
//   - Coupons (percent, fixed_cart; sorted percent first) take whole cents off
//     the line prices incl. VAT in an incl. shop: floor per line, the rest a
//     cent at a time (WC_Discounts).
//   - Shipping's tax class "inherit": the highest rate among the cart's items.
//   - A negative fee's VAT is split over the rates in proportion to the cart's
//     cost per rate, so that it works as a discount.

// Rounding is a shop's tax set-up.
type Rounding struct {
	PricesIncludeTax bool
	RoundAtSubtotal  bool
}

func (r Rounding) String() string {
	s := "excl"
	if r.PricesIncludeTax {
		s = "incl"
	}
	if r.RoundAtSubtotal {
		return s + "/subtotal"
	}
	return s + "/line"
}

// Roundings are the four tax set-ups of WooCommerce.
var Roundings = []Rounding{{false, false}, {false, true}, {true, false}, {true, true}}

// CartItem is a product in the cart. Price is in cents as the shop entered it
// (incl. VAT in an incl. shop); Rate in basis points (2100, 900, 0).
type CartItem struct {
	Name, SKU string
	Price     int64
	Qty       int64
	Rate      int64
}

// Coupon is a cart coupon: Type "percent" (Amount in whole percent) or
// "fixed_cart" (Amount in cents, incl. VAT in an incl. shop).
type Coupon struct {
	Code   string
	Type   string
	Amount int64
}

// CartFee is a fee, entered excl. VAT in cents (negative: a discount).
// Rate is the fee's VAT rate; a negative fee's VAT follows the cart instead.
type CartFee struct {
	Name   string
	Amount int64
	Rate   int64
}

// Cart is what a customer checks out.
type Cart struct {
	Rounding
	Items   []CartItem
	Coupons []Coupon
	// Shipping is the shipping cost excl. VAT in cents; nil: no shipping.
	Shipping *int64
	Fees     []CartFee
	Billing  Billing
	// ShipTo is a shipping address other than the billing address ("Ship
	// to a different address?"); nil: a cart with shipping ships to the
	// billing address, one without has no shipping address.
	ShipTo *ShippingAddr
	Meta   []Meta
	// Exempt is a customer exempt from VAT (an EU business with a VAT
	// number, a buyer abroad): no taxes at all, and in an incl. shop the
	// base VAT comes off the item prices (remove_item_base_taxes).
	Exempt bool
}

// Checkout is the order WooCommerce's checkout makes of c, with id and
// creation time (local dates in Europe/Amsterdam).
func Checkout(c Cart, id int64, created time.Time) Order {
	m := computeCart(c)
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		loc = time.UTC
	}
	o := Order{
		ID: id, Status: "processing", Currency: "EUR", Version: "8.9.1", PricesIncludeTax: c.PricesIncludeTax,
		DateCreated: created.In(loc).Format(gmtLayout), DateCreatedGMT: created.UTC().Format(gmtLayout),
		DateModified: created.In(loc).Format(gmtLayout), DateModifiedGMT: created.UTC().Format(gmtLayout),
		Number: strconv.FormatInt(id, 10), CreatedVia: "checkout", CurrencySymbol: "\u20ac",
		Billing: c.Billing, MetaData: c.Meta, PaymentMethod: "bacs", PaymentMethodTitle: "Bankoverschrijving",
	}
	switch b := c.Billing; {
	case c.ShipTo != nil:
		o.Shipping = *c.ShipTo
	case c.Shipping != nil:
		o.Shipping = ShippingAddr{FirstName: b.FirstName, LastName: b.LastName, Company: b.Company, Address1: b.Address1,
			Address2: b.Address2, City: b.City, State: b.State, Postcode: b.Postcode, Country: b.Country, Phone: b.Phone}
	}
	paid := created.UTC().Add(time.Minute).Format(gmtLayout)
	paidLocal := created.Add(time.Minute).In(loc).Format(gmtLayout)
	o.DatePaidGMT, o.DatePaid = &paid, &paidLocal
	itemID := id * 100
	next := func() int64 { itemID++; return itemID }
	for i, it := range c.Items {
		l := m.items[i]
		li := LineItem{ID: next(), Name: it.Name, ProductID: int64(10 + i), Quantity: it.Qty, TaxClass: taxClass(it.Rate),
			Subtotal: centsHalfUp(l.subNet), SubtotalTax: centsHalfUp(l.subTax), Total: centsHalfUp(l.net), TotalTax: centsHalfUp(l.lineTax),
			SKU: it.SKU, Price: float64(l.net) / float64(it.Qty) / 1e6}
		if !c.Exempt {
			li.Taxes = []Tax{{ID: taxRates[it.Rate].id, Total: micro(l.tax), Subtotal: micro(l.subTaxRaw)}}
		}
		o.LineItems = append(o.LineItems, li)
	}
	if c.Shipping != nil {
		s := ShipLine{ID: next(), MethodTitle: "Verzending", MethodID: "flat_rate", InstanceID: "1",
			Total: cents(*c.Shipping), TotalTax: centsHalfUp(m.shipTax)}
		if !c.Exempt {
			s.Taxes = []Tax{{ID: taxRates[m.shipRate].id, Total: micro(m.shipTax), Subtotal: ""}}
		}
		o.ShippingLines = append(o.ShippingLines, s)
	}
	for i, f := range c.Fees {
		fl := m.fees[i]
		line := FeeLine{ID: next(), Name: f.Name, TaxClass: taxClass(f.Rate), TaxStatus: "taxable",
			Total: cents(f.Amount), TotalTax: centsHalfUp(fl.total)}
		for _, r := range sortedRates(fl.taxes) {
			if c.Exempt {
				break
			}
			line.Taxes = append(line.Taxes, Tax{ID: taxRates[r].id, Total: micro(fl.taxes[r]), Subtotal: ""})
		}
		o.FeeLines = append(o.FeeLines, line)
	}
	for _, r := range sortedRates(m.lineTaxes) {
		tr := taxRates[r]
		o.TaxLines = append(o.TaxLines, TaxLine{ID: next(), RateCode: tr.code, RateID: tr.id, Label: tr.name,
			TaxTotal: centsHalfUp(m.lineTaxes[r]), ShippingTaxTotal: centsHalfUp(m.lineShipTaxes[r]), RatePercent: float64(r) / 100})
	}
	for _, cp := range m.coupons {
		o.CouponLines = append(o.CouponLines, CouponLine{ID: next(), Code: cp.code, Discount: trimmed(halfUp(cp.net)),
			DiscountTax: trimmed(halfUp(cp.tax)), DiscountType: cp.typ, NominalAmount: float64(cp.amount)})
	}
	o.DiscountTotal, o.DiscountTax = centsHalfUp(m.discNet), centsHalfUp(m.discTax)
	o.ShippingTotal, o.ShippingTax = cents(m.shipNet), centsHalfUp(m.shipTax)
	o.CartTax = centsHalfUp(m.cartTax)
	o.TotalTax = centsHalfUp(m.cartTax + m.shipTax)
	o.Total = cents(m.total)
	o.NeedsProcessing = true
	o.normalize()
	return o
}

func taxClass(rate int64) string {
	switch rate {
	case 2100:
		return ""
	case 900:
		return "reduced-rate"
	}
	return "zero-rate"
}

// cartItem is an item's computed amounts, in millionths.
type cartItem struct {
	subNet, subTax, subTaxRaw int64 // before coupons; subTax as WooCommerce counts it
	net, tax, lineTax         int64 // after coupons; tax unrounded, lineTax counted
}

type cartFee struct {
	taxes map[int64]int64 // unrounded, per rate
	total int64           // fee VAT as counted
}

type cartCoupon struct {
	code, typ   string
	amount      int64
	net, tax    int64 // discount excl. VAT and its VAT, millionths
	perItemCent []int64
}

type cartModel struct {
	items         []cartItem
	fees          []cartFee
	coupons       []cartCoupon
	shipRate      int64
	shipNet       int64 // cents
	shipTax       int64 // as counted, millionths
	discNet       int64
	discTax       int64
	cartTax       int64           // items + fees, as counted
	lineTaxes     map[int64]int64 // tax_lines tax_total before REST rounding
	lineShipTaxes map[int64]int64
	total         int64 // cents
}

const perCent = 10_000 // millionths per cent

// divRound is a/b rounded half up (for a, b > 0; symmetric for negatives).
func divRound(a, b int64) int64 { return roundDiv(a, b) }

// halfUp rounds millionths to cents, half away from zero (PHP round, number_format).
func halfUp(m int64) int64 { return roundDiv(m, perCent) }

// taxRound rounds millionths of VAT to cents as wc_round_tax_total does:
// half down in an incl. shop, half up in an excl. one.
func taxRound(m int64, incl bool) int64 {
	if !incl {
		return halfUp(m)
	}
	neg := m < 0
	if neg {
		m = -m
	}
	q, r := m/perCent, m%perCent
	if r > perCent/2 {
		q++
	}
	if neg {
		q = -q
	}
	return q
}

func centsHalfUp(m int64) string { return cents(halfUp(m)) }

// computeCart is WC_Cart_Totals for c.
func computeCart(c Cart) cartModel {
	incl, sub := c.PricesIncludeTax, c.RoundAtSubtotal
	m := cartModel{lineTaxes: map[int64]int64{}, lineShipTaxes: map[int64]int64{}}
	if c.Exempt {
		// No VAT is calculated; incl. prices lose their base VAT, rounded
		// to the cent.
		items := make([]CartItem, len(c.Items))
		for i, it := range c.Items {
			if c.PricesIncludeTax {
				it.Price = divRound(it.Price*10000, 10000+it.Rate)
			}
			it.Rate = 0
			items[i] = it
		}
		fees := make([]CartFee, len(c.Fees))
		for i, f := range c.Fees {
			f.Rate = 0
			fees[i] = f
		}
		c.Items, c.Fees, c.PricesIncludeTax = items, fees, false
		c.Exempt = false
		m = computeCart(c)
		m.lineTaxes, m.lineShipTaxes = map[int64]int64{}, map[int64]int64{}
		return m
	}
	// round_line_tax and round_item_subtotal.
	lineTax := func(t int64) int64 {
		if sub {
			return t
		}
		return taxRound(t, incl) * perCent
	}
	itemRound := func(v int64) int64 {
		if sub {
			return v
		}
		return halfUp(v) * perCent
	}
	taxOf := func(centsAmount, rate int64, inclusive bool) int64 {
		if inclusive {
			return divRound(centsAmount*perCent*rate, 10000+rate)
		}
		return centsAmount * rate
	}

	// Coupons take whole cents off the line prices (as entered).
	prices := make([]int64, len(c.Items))
	disc := make([]int64, len(c.Items))
	for i, it := range c.Items {
		prices[i] = it.Price * it.Qty
	}
	coupons := append([]Coupon(nil), c.Coupons...)
	sort.SliceStable(coupons, func(a, b int) bool { return couponSort(coupons[a].Type) < couponSort(coupons[b].Type) })
	for _, cp := range coupons {
		per := make([]int64, len(c.Items))
		var want, given int64
		switch cp.Type {
		case "percent":
			var base int64
			for i := range c.Items {
				per[i] = min(prices[i]*cp.Amount/100, prices[i]-disc[i])
				base += prices[i]
				given += per[i]
			}
			want = divRound(base*cp.Amount, 100)
		case "fixed_cart":
			var base int64
			for i := range c.Items {
				base += prices[i] - disc[i]
			}
			want = min(cp.Amount, base)
			for i := range c.Items {
				if base > 0 {
					per[i] = (prices[i] - disc[i]) * want / base
				}
				given += per[i]
			}
		default:
			panic(fmt.Sprintf("wcemu: coupon type %q not modelled", cp.Type))
		}
		for left := want - given; left > 0; {
			moved := false
			for i := range c.Items {
				if left > 0 && prices[i]-disc[i]-per[i] > 0 {
					per[i]++
					left--
					moved = true
				}
			}
			if !moved {
				break
			}
		}
		for i := range c.Items {
			disc[i] += per[i]
		}
		m.coupons = append(m.coupons, cartCoupon{code: cp.Code, typ: cp.Type, amount: cp.Amount, perItemCent: per})
	}

	var itemsTotal int64
	merged := map[int64]int64{}
	classCost := map[int64]int64{}
	maxRate := int64(-1)
	for i, it := range c.Items {
		var l cartItem
		subTax := taxOf(prices[i], it.Rate, incl)
		tot := prices[i] - disc[i]
		tax := taxOf(tot, it.Rate, incl)
		l.subTaxRaw, l.subTax = subTax, lineTax(subTax)
		l.tax, l.lineTax = tax, lineTax(tax)
		l.subNet, l.net = prices[i]*perCent, tot*perCent
		if incl {
			l.subNet -= subTax
			l.net -= tax
		}
		m.items = append(m.items, l)
		itemsTotal += itemRound(l.net)
		merged[it.Rate] += l.lineTax
		m.lineTaxes[it.Rate] += l.lineTax
		m.cartTax += l.lineTax
		m.discNet += l.subNet - l.net
		m.discTax += l.subTax - l.lineTax
		classCost[it.Rate] += l.net
		maxRate = max(maxRate, it.Rate)
		for k := range m.coupons {
			share := m.coupons[k].perItemCent[i] * perCent
			if incl {
				t := taxOf(m.coupons[k].perItemCent[i], it.Rate, true)
				m.coupons[k].tax += t
				share -= t
			} else {
				m.coupons[k].tax += taxOf(m.coupons[k].perItemCent[i], it.Rate, false)
			}
			m.coupons[k].net += share
		}
	}
	if maxRate < 0 {
		maxRate = 2100
	}
	m.shipRate = maxRate

	var shipping int64
	if c.Shipping != nil {
		m.shipNet = *c.Shipping
		shipping = m.shipNet * perCent
		t := itemRound(m.shipNet * m.shipRate)
		m.shipTax = t
		merged[m.shipRate] += lineTax(t)
		m.lineShipTaxes[m.shipRate] += t
		classCost[m.shipRate] += shipping
	}

	var fees int64
	for _, f := range c.Fees {
		fee := cartFee{taxes: map[int64]int64{}}
		if f.Amount >= 0 {
			fee.taxes[f.Rate] = taxOf(f.Amount, f.Rate, false)
		} else {
			// Split over the cart's rates in proportion to their cost.
			var costSum int64
			for _, v := range classCost {
				if v > 0 {
					costSum += v
				}
			}
			for _, r := range sortedRates(classCost) {
				if classCost[r] <= 0 || costSum == 0 {
					continue
				}
				part := divRound(f.Amount*perCent*classCost[r], costSum) // millionths
				fee.taxes[r] = divRound(part*r, 10000)
			}
		}
		for r, t := range fee.taxes {
			fee.total += lineTax(t)
			merged[r] += lineTax(t)
			m.lineTaxes[r] += t // unrounded, as create_order_tax_lines takes it
		}
		m.cartTax += fee.total
		m.fees = append(m.fees, fee)
		fees += f.Amount * perCent
		classCost[f.Rate] += f.Amount * perCent
	}

	var taxes int64
	for _, t := range merged {
		taxes += t
	}
	m.total = halfUp(itemsTotal + fees + shipping + taxes)
	return m
}

func couponSort(t string) int {
	switch t {
	case "fixed_product":
		return 1
	case "percent":
		return 2
	case "fixed_cart":
		return 3
	}
	return 0
}

func sortedRates[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] > out[b] })
	return out
}

// Recalculate is WooCommerce's order-level computation
// (WC_Abstract_Order::calculate_totals, as the admin's "Recalculate" button,
// the REST API's order create and many plugins run it) applied to o, an
// order in the set-up r: every line's VAT is computed anew on its net
// (exclusive, also in an incl. shop), rounded per line with
// wc_round_tax_total (half down in an incl. shop), shipping VAT too, and
// kept unrounded in taxes[]; tax_lines, cart_tax, shipping_tax, total_tax
// and total follow as in update_taxes and calculate_totals.
func Recalculate(o Order, r Rounding) Order {
	incl, sub := r.PricesIncludeTax, r.RoundAtSubtotal
	rateOf := map[int64]int64{}
	for rate, tr := range taxRates {
		rateOf[tr.id] = rate
	}
	lineTax := func(t int64) int64 { // round_line_tax / set_taxes
		if sub {
			return t
		}
		return taxRound(t, incl) * perCent
	}
	cartTaxes, shipTaxes := map[int64]int64{}, map[int64]int64{}
	var cartTotal, cartTax, shipTax, fees, shipping int64
	for i := range o.LineItems {
		li := &o.LineItems[i]
		net := int64(math.Round(li.Price * float64(li.Quantity) * 1e6))
		if sub {
			cartTotal += net
		} else {
			cartTotal += halfUp(net) * perCent
		}
		var counted int64
		for k := range li.Taxes {
			rate := rateOf[li.Taxes[k].ID]
			t := divRound(net*rate, 10000)
			li.Taxes[k].Total = micro(t)
			counted += lineTax(t)
			cartTaxes[rate] += lineTax(t)
		}
		li.TotalTax = centsHalfUp(counted)
		cartTax += counted
	}
	for i := range o.FeeLines {
		f := &o.FeeLines[i]
		net := mustCents(f.Total) * perCent
		fees += net
		var counted int64
		for k := range f.Taxes {
			rate := rateOf[f.Taxes[k].ID]
			t := divRound(net*rate, 10000)
			if net < 0 {
				t, _ = order.ParseMicros(f.Taxes[k].Total) // a negative fee keeps its split
			}
			f.Taxes[k].Total = micro(t)
			counted += lineTax(t)
			cartTaxes[rate] += lineTax(t)
		}
		f.TotalTax = centsHalfUp(counted)
		cartTax += counted
	}
	for i := range o.ShippingLines {
		s := &o.ShippingLines[i]
		net := mustCents(s.Total) * perCent
		shipping += net
		var counted int64
		for k := range s.Taxes {
			rate := rateOf[s.Taxes[k].ID]
			t := net * rate / 10000
			s.Taxes[k].Total = micro(t)
			counted += lineTax(t)
			shipTaxes[rate] += lineTax(t)
		}
		s.TotalTax = centsHalfUp(counted)
		shipTax += counted
	}
	for i := range o.TaxLines {
		tl := &o.TaxLines[i]
		rate := rateOf[tl.RateID]
		tl.TaxTotal, tl.ShippingTaxTotal = centsHalfUp(cartTaxes[rate]), centsHalfUp(shipTaxes[rate])
	}
	o.CartTax, o.ShippingTax = centsHalfUp(cartTax), centsHalfUp(shipTax)
	o.TotalTax = centsHalfUp(cartTax + shipTax)
	o.Total = cents(halfUp(cartTotal + fees + shipping + cartTax + shipTax))
	return o
}

// AddCheckout places carts in the shop as its checkout would (Checkout),
// created now, with fresh ids, and returns the ids.
func (s *Shop) AddCheckout(carts ...Cart) []int64 {
	orders := make([]Order, len(carts))
	now := s.now().UTC().Truncate(time.Second)
	for i, c := range carts {
		o := Checkout(c, 0, now)
		o.ID, o.Number = 0, ""
		o.DateCreatedGMT, o.DateModifiedGMT = "", "" // Add dates them in the shop's zone
		orders[i] = o
	}
	return s.Add(orders...)
}
