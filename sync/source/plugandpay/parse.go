package plugandpay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// Payment statuses (the SDK's PaymentStatus enum).
const (
	StatusOpen          order.Status = "open"
	StatusPaid          order.Status = "paid"
	StatusProcessing    order.Status = "processing"
	StatusCredited      order.Status = "credited"
	StatusCreditInvoice order.Status = "credit_invoice"
	StatusReversed      order.Status = "reversed"
)

// ErrCreditInvoice is wrapped by ParseOrder for a credit invoice: it is not
// an order of its own but a refund on the order it credits (see Client).
var ErrCreditInvoice = errors.New("order is a credit invoice")

// ppMoney is an amount: a decimal string as Plug&Pay sends it, or a JSON
// number; the text is kept so no float touches the cents.
type ppMoney string

func (m *ppMoney) UnmarshalJSON(b []byte) error {
	s, err := source.DecimalText(b)
	*m = ppMoney(s)
	return err
}

func (m ppMoney) cents() (order.Money, error) { return order.ParseMoney(string(m)) }

// ppID is an id sent as a number or as a string ("77").
type ppID int64

func (id *ppID) UnmarshalJSON(b []byte) error {
	v, err := source.IntegerID(b)
	*id = ppID(v)
	return err
}

func (id ppID) String() string { return strconv.FormatInt(int64(id), 10) }

type ppRate struct {
	Percentage ppMoney `json:"percentage"`
}

type ppTax struct {
	Amount ppMoney `json:"amount"`
	Rate   ppRate  `json:"rate"`
}

type ppDiscount struct {
	Amount        ppMoney `json:"amount"`
	AmountWithTax ppMoney `json:"amount_with_tax"`
	Code          string  `json:"code"`
}

type ppItem struct {
	ID            ppID         `json:"id"`
	ProductID     ppID         `json:"product_id"`
	Label         string       `json:"label"`
	Quantity      json.Number  `json:"quantity"`
	Type          *string      `json:"type"`
	Amount        ppMoney      `json:"amount"`
	AmountWithTax ppMoney      `json:"amount_with_tax"`
	Discounts     []ppDiscount `json:"discounts"`
	Tax           *ppTax       `json:"tax"`
	Product       *struct {
		SKU string `json:"sku"`
	} `json:"product"`
}

// ppRelated is one related_orders entry: an id, or an object with one
// (the tap schema names the field, not its shape [T]).
type ppRelated struct{ ID ppID }

func (r *ppRelated) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			ID ppID `json:"id"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		r.ID = o.ID
		return nil
	}
	return r.ID.UnmarshalJSON(b)
}

type ppOrder struct {
	ID            *ppID   `json:"id"`
	Amount        ppMoney `json:"amount"`
	AmountWithTax ppMoney `json:"amount_with_tax"`
	CreatedAt     *string `json:"created_at"`
	UpdatedAt     *string `json:"updated_at"`
	DeletedAt     *string `json:"deleted_at"`
	InvoiceNumber *string `json:"invoice_number"`
	InvoiceDate   *string `json:"invoice_date"`
	Source        string  `json:"source"`
	Billing       *struct {
		Address struct {
			Street      string `json:"street"`
			HouseNumber string `json:"housenumber"`
			Zipcode     string `json:"zipcode"`
			City        string `json:"city"`
			Country     string `json:"country"`
		} `json:"address"`
		Contact struct {
			Company      *string `json:"company"`
			Email        *string `json:"email"`
			Firstname    *string `json:"firstname"`
			Lastname     *string `json:"lastname"`
			InvoiceEmail *string `json:"invoice_email"`
			Telephone    *string `json:"telephone"`
			VATIDNumber  *string `json:"vat_id_number"`
			TaxExempt    *string `json:"tax_exempt"`
		} `json:"contact"`
	} `json:"billing"`
	Items   []ppItem `json:"items"`
	Payment *struct {
		Status        *string `json:"status"`
		Method        *string `json:"method"`
		PaidAt        *string `json:"paid_at"`
		TransactionID *string `json:"transaction_id"`
	} `json:"payment"`
	Taxes          *[]ppTax     `json:"taxes"`
	TotalDiscounts []ppDiscount `json:"total_discounts"`
	RelatedOrders  []ppRelated  `json:"related_orders"`
	// Shipping is the tap schema's shipping{amount,amount_with_tax,
	// taxes[]} [T]; absent when not included or not sent.
	Shipping *struct {
		Amount        ppMoney `json:"amount"`
		AmountWithTax ppMoney `json:"amount_with_tax"`
		Taxes         []ppTax `json:"taxes"`
	} `json:"shipping"`
}

// wire is an order as read, before it is mapped: what the client needs to
// link a credit invoice and its original.
type wire struct {
	o        ppOrder
	id       string
	status   order.Status
	modified time.Time
	related  []string
	raw      []byte
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// readWire reads an order's JSON (the "data" object, or a whole answer
// {"data":{...}}) far enough to know its id, status and links.
func readWire(raw []byte) (*wire, error) {
	raw = bytes.TrimSpace(raw)
	w := &wire{raw: raw}
	if err := json.Unmarshal(raw, &w.o); err != nil {
		return nil, fmt.Errorf("parse plug&pay order: %w", err)
	}
	if w.o.ID == nil {
		// A whole answer, {"data":{...}}: an order has no "data".
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(raw, &env) == nil && len(env.Data) > 0 && env.Data[0] == '{' {
			w = &wire{raw: env.Data}
			if err := json.Unmarshal(env.Data, &w.o); err != nil {
				return nil, fmt.Errorf("parse plug&pay order: %w", err)
			}
		}
	}
	if w.o.ID == nil || *w.o.ID <= 0 {
		return nil, errors.New("parse plug&pay order: no positive id")
	}
	w.id = w.o.ID.String()
	if w.o.Payment == nil || deref(w.o.Payment.Status) == "" {
		return w, fmt.Errorf("parse plug&pay order %s: no payment status (include=payment missing?)", w.id)
	}
	w.status = order.Status(deref(w.o.Payment.Status))
	t, err := isoTime(w.o.UpdatedAt)
	if err != nil || t.IsZero() {
		return w, fmt.Errorf("parse plug&pay order %s: updated_at missing or invalid", w.id)
	}
	w.modified = t
	for _, r := range w.o.RelatedOrders {
		if r.ID > 0 && r.ID.String() != w.id {
			w.related = append(w.related, r.ID.String())
		}
	}
	return w, nil
}

// isoTime reads Plug&Pay's dates ("2019-01-16T00:00:00.000000Z"); null or
// "" is the zero time.
func isoTime(s *string) (time.Time, error) {
	v := deref(s)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", v)
}

// ParseOrder maps one Plug&Pay order (GET /v2/orders/{id} with include=
// billing,items,payment,taxes,discounts; the answer or its "data") to an
// order.Order. A credit invoice gives an error wrapping ErrCreditInvoice:
// the client attaches it to the order it credits.
func ParseOrder(raw []byte) (order.Order, error) {
	w, err := readWire(raw)
	if err != nil {
		return order.Order{}, err
	}
	if w.status == StatusCreditInvoice {
		return order.Order{}, fmt.Errorf("parse plug&pay order %s: %w", w.id, ErrCreditInvoice)
	}
	return w.toOrder()
}

func (w *wire) fail(format string, a ...any) error {
	return fmt.Errorf("parse plug&pay order "+w.id+": "+format, a...)
}

// toOrder maps an order that is not a credit invoice.
func (w *wire) toOrder() (order.Order, error) {
	p := w.o
	o := order.Order{
		Source: order.PlugAndPay, ID: w.id, Number: deref(p.InvoiceNumber), Status: w.status,
		Modified: w.modified, Currency: "EUR", PricesIncludeTax: true,
		Recurring: strings.TrimSpace(p.Source) == "recurring",
		Deleted:   deref(p.DeletedAt) != "",
		ShopURL:   OrderURL("", w.id),
	}
	if o.Number == "" {
		o.Number = w.id
	}
	var err error
	if o.Created, err = isoTime(p.CreatedAt); err != nil {
		return order.Order{}, w.fail("created_at: %v", err)
	}
	if d := deref(p.InvoiceDate); d != "" {
		// Plug&Pay's own invoice date (the shop's wall clock) dates the
		// invoice; without it, created_at in the seller's zone does.
		t, err := time.Parse("2006-01-02", d[:min(len(d), 10)])
		if err != nil {
			return order.Order{}, w.fail("invoice_date %q is not a date", d)
		}
		o.CreatedLocal = t.Format(order.LocalLayout)
	}
	if pay := p.Payment; pay != nil {
		if o.Paid, err = isoTime(pay.PaidAt); err != nil {
			return order.Order{}, w.fail("paid_at: %v", err)
		}
		o.PaymentMethod = deref(pay.Method)
		o.PaymentMethodTitle = methodTitle(o.PaymentMethod)
		o.TransactionID = deref(pay.TransactionID)
	}
	reverse := false
	if b := p.Billing; b != nil {
		c := b.Contact
		email := firstNonEmpty(deref(c.InvoiceEmail), deref(c.Email))
		street := strings.TrimSpace(strings.TrimSpace(b.Address.Street) + " " + strings.TrimSpace(b.Address.HouseNumber))
		o.Buyer = order.Party{
			Name:    strings.TrimSpace(deref(c.Firstname) + " " + deref(c.Lastname)),
			Company: deref(c.Company), Email: email, Phone: deref(c.Telephone),
			Address: order.Address{Street: street, Postcode: strings.TrimSpace(b.Address.Zipcode), City: strings.TrimSpace(b.Address.City),
				Country: strings.ToUpper(strings.TrimSpace(b.Address.Country))},
		}
		if v := deref(c.VATIDNumber); v != "" {
			o.Buyer.VATID = order.NormalizeVATID(v)
		}
		reverse = deref(c.TaxExempt) == "reverse"
	}
	if o.Total, err = p.AmountWithTax.cents(); err != nil {
		return order.Order{}, w.fail("amount_with_tax: %v", err)
	}
	net, err := p.Amount.cents()
	if err != nil {
		return order.Order{}, w.fail("amount: %v", err)
	}
	o.TotalTax = o.Total - net
	if p.Taxes != nil {
		var sum order.Money
		for _, t := range *p.Taxes {
			amt, err := t.Amount.cents()
			if err != nil {
				return order.Order{}, w.fail("taxes amount: %v", err)
			}
			r, err := rateOf(t.Rate.Percentage)
			if err != nil {
				return order.Order{}, w.fail("taxes: %v", err)
			}
			sum += amt
			if amt != 0 {
				o.Taxes = append(o.Taxes, order.RateTax{Rate: r, Tax: amt})
			}
		}
		o.TotalTax = sum
	}
	if o.Lines, err = w.lines(o.Total, reverse); err != nil {
		return order.Order{}, err
	}
	// tax_exempt=reverse: Plug&Pay charged no VAT because the buyer is a
	// business of another EU state with a VAT id. NewInvoice decides a
	// zero-VAT line's category from the shop's goods/services setting and
	// the delivery country (order.SaleCategory), but Plug&Pay sells
	// courses, downloads and memberships: an order without shipping has
	// no destination, so it is a service and reverse charge (AE, art. 196
	// VAT directive) whatever that setting. An order with shipping may be
	// goods (intra-EU supply, K): its category is left "" for NewInvoice.
	// Plug&Pay is a Dutch platform: a buyer in NL is domestic, never AE.
	country := o.Buyer.Address.Country
	if reverse && o.Buyer.VATID != "" && order.InEU(country) && country != "NL" && !w.ships() {
		for i, l := range o.Lines {
			if l.VAT == 0 && l.Rate == 0 && l.Category == "" {
				o.Lines[i].Category = order.ReverseCharge
			}
		}
	}
	return o, nil
}

// ships reports whether the order has shipping costs (a destination).
func (w *wire) ships() bool {
	sh := w.o.Shipping
	if sh == nil {
		return false
	}
	n, err1 := sh.Amount.cents()
	g, err2 := sh.AmountWithTax.cents()
	return err1 != nil || err2 != nil || n != 0 || g != 0
}

func rateOf(p ppMoney) (order.Rate, error) {
	if strings.TrimSpace(string(p)) == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(p)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("rate %q is not a percentage", string(p))
	}
	return order.RateFromPercent(f)
}

// itemFigures are an item's amounts as sent.
type itemFigures struct {
	qty                   int64
	amount, tax           order.Money
	discNet, discVAT      order.Money
	rate                  order.Rate
	label, id, product    string
	sku                   string
	hasTax, withDiscounts bool
}

// reading is one way to read items' amounts: APIS.md §1.4 leaves open
// whether amount is the unit price or the line total, and whether the
// item's discounts are already taken off it.
type reading struct {
	unit, subtractDiscounts bool
}

func (r reading) line(f itemFigures) (net, vat order.Money) {
	net, vat = f.amount, f.tax
	if r.unit {
		net, vat = net*order.Money(f.qty), vat*order.Money(f.qty)
	}
	if r.subtractDiscounts {
		net, vat = net-f.discNet, vat-f.discVAT
	}
	return net, vat
}

// lines maps the items. The reading is the one whose lines add up to the
// order's total (within a cent per line); when several do (every quantity
// 1, no discounts) they agree; when none does, the unit-price reading with
// discounts taken off stands and the invoice's reconciliation reports the
// figures.
func (w *wire) lines(total order.Money, reverse bool) ([]order.Line, error) {
	figs := make([]itemFigures, 0, len(w.o.Items))
	for i, it := range w.o.Items {
		f := itemFigures{qty: 1, label: strings.TrimSpace(it.Label), id: it.ID.String()}
		if it.ID == 0 {
			f.id = strconv.Itoa(i + 1)
		}
		if it.ProductID > 0 {
			f.product = it.ProductID.String()
		}
		if it.Product != nil {
			f.sku = it.Product.SKU
		}
		if it.Quantity != "" {
			q, err := it.Quantity.Int64()
			if err != nil || q < 0 || q > 1e9 {
				return nil, w.fail("item %s: quantity %q", f.id, it.Quantity.String())
			}
			f.qty = q
		}
		var err error
		if f.amount, err = it.Amount.cents(); err != nil {
			return nil, w.fail("item %s amount: %v", f.id, err)
		}
		gross, err := it.AmountWithTax.cents()
		if err != nil {
			return nil, w.fail("item %s amount_with_tax: %v", f.id, err)
		}
		f.tax = gross - f.amount
		if it.Tax != nil {
			if t := strings.TrimSpace(string(it.Tax.Amount)); t != "" {
				if f.tax, err = it.Tax.Amount.cents(); err != nil {
					return nil, w.fail("item %s tax amount: %v", f.id, err)
				}
			}
			if f.rate, err = rateOf(it.Tax.Rate.Percentage); err != nil {
				return nil, w.fail("item %s: %v", f.id, err)
			}
		}
		for _, d := range it.Discounts {
			dn, err := d.Amount.cents()
			if err != nil {
				return nil, w.fail("item %s discount amount: %v", f.id, err)
			}
			dg, err := d.AmountWithTax.cents()
			if err != nil {
				return nil, w.fail("item %s discount amount_with_tax: %v", f.id, err)
			}
			if strings.TrimSpace(string(d.AmountWithTax)) == "" {
				dg = dn
			}
			// A credit invoice carries its discounts negative like its
			// amounts; a discount always lowers the line.
			if (dn < 0) != (f.amount < 0) && dn != 0 {
				dn, dg = -dn, -dg
			}
			f.discNet += dn
			f.discVAT += dg - dn
			f.withDiscounts = true
		}
		figs = append(figs, f)
	}
	ship, err := w.shippingLines(reverse)
	if err != nil {
		return nil, err
	}
	readings := []reading{{true, true}, {false, true}, {true, false}, {false, false}}
	extras := make([][]order.Line, len(readings))
	for k, r := range readings {
		var err error
		if extras[k], err = w.orderDiscounts(figs, r, total); err != nil {
			return nil, err
		}
	}
	chosen, withExtra, chosenK := readings[0], false, 0
	fits := func(r reading, extra []order.Line) bool {
		slack := order.Money(len(figs) + len(extra) + len(ship))
		var sum order.Money
		for _, l := range ship {
			sum += l.Net + l.VAT
		}
		for _, f := range figs {
			n, v := r.line(f)
			sum += n + v
		}
		for _, l := range extra {
			sum += l.Net + l.VAT
		}
		d := sum - total
		return d >= -slack && d <= slack
	}
	// Of the readings that fit, the one whose VAT per rate is nearest
	// taxes[] stands (the first on a tie): A 2 at 10.00 and B 20.00 less
	// 10.00 fit as unit prices (20 + 10) and as line totals (10 + 20).
	perRate := map[order.Rate]order.Money{}
	if w.o.Taxes != nil {
		for _, t := range *w.o.Taxes {
			amt, err1 := t.Amount.cents()
			rt, err2 := rateOf(t.Rate.Percentage)
			if err1 == nil && err2 == nil {
				perRate[rt] += amt
			}
		}
	}
	taxGap := func(r reading) order.Money {
		got := map[order.Rate]order.Money{}
		for _, f := range figs {
			_, v := r.line(f)
			got[f.rate] += v
		}
		var gap order.Money
		for rt, v := range got {
			gap += (v - perRate[rt]).Abs()
		}
		for rt, v := range perRate {
			if _, ok := got[rt]; !ok {
				gap += v.Abs()
			}
		}
		return gap
	}
	found := false
	var bestGap order.Money
	for _, r := range readings {
		if !fits(r, nil) {
			continue
		}
		if w.o.Taxes == nil {
			chosen, found = r, true
			break
		}
		if g := taxGap(r); !found || g < bestGap {
			chosen, found, bestGap = r, true, g
		}
	}
	for k, r := range readings {
		if !found && len(extras[k]) > 0 && fits(r, extras[k]) {
			chosen, found, withExtra, chosenK = r, true, true, k
		}
	}
	extra := extras[chosenK]
	out := make([]order.Line, 0, len(figs)+len(extra))
	for _, f := range figs {
		net, vat := chosen.line(f)
		l := order.Line{Kind: order.Product, ID: f.id, SKU: f.sku, ProductID: f.product, Name: f.label,
			Quantity: f.qty, Net: net, VAT: vat, Rate: f.rate}
		if l.Name == "" {
			l.Name = "Product " + f.product
		}
		if vat == 0 {
			// No VAT charged (reverse charge, or a 0 % line that names
			// a rate): the category is decided from the buyer (toOrder,
			// else NewInvoice).
			l.Rate = 0
		}
		if l.Rate > 0 {
			l.Category = order.Standard
		}
		out = append(out, l)
	}
	if withExtra {
		out = append(out, extra...)
	}
	return append(out, ship...), nil
}

// shippingLines are shipping{} as lines of kind Shipping, one per rate of
// its taxes[] (none when absent or zero). With one rate, or none, it is one
// line of its amounts; with several, each rate's net is its VAT at that
// rate, the last taking what is left of the net.
func (w *wire) shippingLines(reverse bool) ([]order.Line, error) {
	sh := w.o.Shipping
	if sh == nil {
		return nil, nil
	}
	net, err := sh.Amount.cents()
	if err != nil {
		return nil, w.fail("shipping amount: %v", err)
	}
	gross, err := sh.AmountWithTax.cents()
	if err != nil {
		return nil, w.fail("shipping amount_with_tax: %v", err)
	}
	if strings.TrimSpace(string(sh.AmountWithTax)) == "" {
		gross = net
	}
	if net == 0 && gross == 0 {
		return nil, nil
	}
	type part struct {
		rate order.Rate
		vat  order.Money
	}
	var parts []part
	for _, t := range sh.Taxes {
		amt, err := t.Amount.cents()
		if err != nil {
			return nil, w.fail("shipping taxes amount: %v", err)
		}
		r, err := rateOf(t.Rate.Percentage)
		if err != nil {
			return nil, w.fail("shipping taxes: %v", err)
		}
		parts = append(parts, part{r, amt})
	}
	mk := func(id string, n, v order.Money, r order.Rate) order.Line {
		l := order.Line{Kind: order.Shipping, ID: id, Name: "Verzendkosten", Quantity: 1, Net: n, VAT: v, Rate: r}
		if v == 0 && (reverse || r != 0) {
			l.Rate = 0 // no VAT charged: NewInvoice decides the category
		}
		if l.Rate > 0 {
			l.Category = order.Standard
		}
		return l
	}
	if len(parts) <= 1 {
		r := order.Rate(0)
		if len(parts) == 1 {
			r = parts[0].rate
		}
		return []order.Line{mk("shipping", net, gross-net, r)}, nil
	}
	var out []order.Line
	left := net
	for i, p := range parts {
		n := left
		if i < len(parts)-1 {
			n = 0
			if p.rate > 0 {
				n = order.Money(math.Round(float64(p.vat) * 10000 / float64(p.rate)))
			}
			left -= n
		}
		out = append(out, mk(fmt.Sprintf("shipping-%s", p.rate.Percent()), n, p.vat, p.rate))
	}
	return out, nil
}

// orderDiscounts are total_discounts as lines of their own, for an order
// whose items carry no discounts of their own, with the items read as r:
// the reading where the order's discounts are not already in its items
// (APIS.md leaves open which). A discount's rate is its items' when they
// share one. Over items at several rates a discount is split per rate:
// its VAT at each rate is what the items charge at that rate less taxes[]
// at that rate (the items' VAT share without taxes[]), its net by the
// items' net share; a rate whose items charge no VAT takes no VAT.
func (w *wire) orderDiscounts(figs []itemFigures, r reading, total order.Money) ([]order.Line, error) {
	type bucket struct {
		rate     order.Rate
		net, vat order.Money
	}
	var buckets []*bucket
	byRate := map[order.Rate]*bucket{}
	for _, f := range figs {
		if f.withDiscounts {
			return nil, nil
		}
		n, v := r.line(f)
		key := f.rate
		if v == 0 {
			key = 0
		}
		b := byRate[key]
		if b == nil {
			b = &bucket{rate: key}
			byRate[key] = b
			buckets = append(buckets, b)
		}
		b.net += n
		b.vat += v
	}
	sort.SliceStable(buckets, func(i, j int) bool { return buckets[i].rate > buckets[j].rate })
	taxed := 0
	for _, b := range buckets {
		if b.rate > 0 {
			taxed++
		}
	}
	// The discounts' VAT per rate that taxes[] implies.
	var implied []order.Money
	if w.o.Taxes != nil && len(buckets) > 1 {
		per := map[order.Rate]order.Money{}
		for _, t := range *w.o.Taxes {
			amt, err1 := t.Amount.cents()
			rt, err2 := rateOf(t.Rate.Percentage)
			if err1 != nil || err2 != nil {
				return nil, w.fail("taxes: %v", errors.Join(err1, err2))
			}
			per[rt] += amt
		}
		implied = make([]order.Money, len(buckets))
		for i, b := range buckets {
			if b.rate > 0 {
				implied[i] = per[b.rate] - b.vat
			}
		}
	}
	var out []order.Line
	for i, d := range w.o.TotalDiscounts {
		dn, err := d.Amount.cents()
		if err != nil {
			return nil, w.fail("total_discounts amount: %v", err)
		}
		dg, err := d.AmountWithTax.cents()
		if err != nil {
			return nil, w.fail("total_discounts amount_with_tax: %v", err)
		}
		if strings.TrimSpace(string(d.AmountWithTax)) == "" {
			dg = dn
		}
		if dn == 0 && dg == 0 {
			continue
		}
		net, vat := -dn.Abs(), -(dg.Abs() - dn.Abs())
		if total < 0 {
			net, vat = -net, -vat // a credit invoice: everything turned round
		}
		name := strings.TrimSpace("Korting " + d.Code)
		if len(buckets) <= 1 || taxed == 0 {
			l := order.Line{Kind: order.Fee, ID: fmt.Sprintf("discount-%d", i+1), Name: name, Quantity: 1, Net: net, VAT: vat}
			best := order.Money(math.MaxInt64)
			for _, b := range buckets {
				if diff := (b.rate.Of(net) - vat).Abs(); diff < best || diff == best && b.rate > l.Rate {
					best, l.Rate = diff, b.rate
				}
			}
			if vat == 0 {
				l.Rate = 0
			}
			if l.Rate > 0 {
				l.Category = order.Standard
			}
			out = append(out, l)
			continue
		}
		netW := make([]order.Money, len(buckets))
		vatW := make([]order.Money, len(buckets))
		var impliedSum order.Money
		for k, b := range buckets {
			netW[k] = b.net
			if b.rate > 0 {
				vatW[k] = b.vat
			}
			if implied != nil {
				impliedSum += implied[k]
			}
		}
		// taxes[] decides the VAT split when it carries this order's
		// discounts (one discount: exactly its VAT).
		if implied != nil && impliedSum != 0 && (impliedSum < 0) == (vat < 0) {
			copy(vatW, implied)
		}
		nets, vats := share(net, netW), share(vat, vatW)
		for k, b := range buckets {
			if nets[k] == 0 && vats[k] == 0 {
				continue
			}
			l := order.Line{Kind: order.Fee, ID: fmt.Sprintf("discount-%d-%s", i+1, b.rate.Percent()), Name: name,
				Quantity: 1, Net: nets[k], VAT: vats[k], Rate: b.rate}
			if l.Rate > 0 {
				l.Category = order.Standard
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// share splits total by weights, in proportion, the rounding left over
// on the last part with a weight.
func share(total order.Money, weights []order.Money) []order.Money {
	out := make([]order.Money, len(weights))
	var sum order.Money
	last := -1
	for k, w := range weights {
		sum += w
		if w != 0 {
			last = k
		}
	}
	if last < 0 || sum == 0 {
		if len(out) > 0 {
			out[0] = total
		}
		return out
	}
	left := total
	for k, w := range weights {
		if k == last {
			out[k] = left
			break
		}
		out[k] = order.Money(math.Round(float64(total) * float64(w) / float64(sum)))
		left -= out[k]
	}
	return out
}

// methodTitle is a payment method as people know it.
func methodTitle(m string) string {
	titles := map[string]string{
		"applepay": "Apple Pay", "bancontact": "Bancontact", "banktransfer": "Overboeking", "belfius": "Belfius",
		"creditcard": "Creditcard", "directdebit": "SEPA-incasso", "eps": "EPS", "giftcard": "Cadeaukaart",
		"giropay": "Giropay", "iban": "IBAN", "ideal": "iDEAL", "in3": "in3", "kbc": "KBC/CBC",
		"klarnapaylater": "Klarna Achteraf betalen", "klarnapaynow": "Klarna Direct betalen", "klarnasliceit": "Klarna Gespreid betalen",
		"paypal": "PayPal", "paysafecard": "paysafecard", "przelewy24": "Przelewy24", "sofort": "SOFORT",
	}
	if t, ok := titles[strings.ToLower(m)]; ok {
		return t
	}
	return m
}

// creditRefund maps credit invoice c to the refund it is on its original:
// its id, its lines and amounts turned round, dated by its creation. The
// signs flip uniformly (never Abs per line): a discount line, negative on
// the original and positive on the credit invoice, stays negative on the
// refund, so the refund's lines add to its amount.
func (c *wire) creditRefund() (order.Refund, error) {
	o, err := c.toOrder()
	if err != nil {
		return order.Refund{}, err
	}
	r := order.Refund{ID: c.id, Amount: o.Total.Abs(), Created: o.Created,
		Reason: "Creditfactuur " + o.Number}
	flip := o.Total < 0
	for _, l := range o.Lines {
		if flip {
			l.Net, l.VAT = -l.Net, -l.VAT
		}
		if l.Quantity < 0 {
			l.Quantity = -l.Quantity
		}
		r.Lines = append(r.Lines, l)
	}
	if r.Amount == 0 {
		return order.Refund{}, c.fail("credit invoice of zero")
	}
	return r, nil
}
