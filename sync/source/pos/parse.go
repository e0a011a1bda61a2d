package pos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orderbrug/orderbrug/sync/order"
)

// ErrNotACheck is wrapped by ParseCheck for a body that is not a check in
// any shape Orderbrug reads; its text says what was expected.
var ErrNotACheck = errors.New("expected a Linga check: an object with checkID and data, or an online order with uniqueOrderID")

// ReconcileError is a closed check whose lines do not add up to its own
// totals within a cent per line (at least a cent per tax line): a shape Orderbrug misreads (modifiers
// priced apart, say) rather than rounding. Nothing is booked from it.
type ReconcileError struct {
	Check string
	// What is "total" (incl. VAT) or "VAT"; Lines is what the lines add up
	// to, Want the check's figure and How where that figure comes from.
	What        string
	Lines, Want order.Money
	How         string
	Allowed     order.Money
}

func (e *ReconcileError) Error() string {
	return fmt.Sprintf("check %s: its lines add up to %s %s, the check says %s (%s): %s apart, more than the %s of rounding allowed",
		clip(e.Check), e.What, e.Lines, e.Want, e.How, (e.Lines - e.Want).Abs(), e.Allowed)
}

// Shape is the form a body came in.
type Shape int

// Shapes of a delivery.
const (
	// ShapeEnvelope is the POS's envelope {node, ..., checkID, data}, data
	// an object or a JSON string holding one.
	ShapeEnvelope Shape = iota + 1
	// ShapeCheck is a check object without the envelope, with its checkID.
	ShapeCheck
	// ShapeOnline is an online (OLO) order {id, uniqueOrderID, ...}.
	ShapeOnline
)

// parsed is what the parser makes of one body.
type parsed struct {
	shape  Shape
	online bool   // the check is an online order (uniqueOrderID), in any shape
	id     string // the check's id, "" when the body names none
	o      order.Order
}

// ParseCheck reads a delivery body (any of the shapes above) into the
// check as an order: Source pos, ID the checkID (uniqueOrderID for an
// online order), Status open or closed, its lines excluding voids and the
// tip. Modified is left zero: the engine sets it to the time the delivery
// arrived. Errors wrap ErrNotACheck, or are a *MismatchError (twin figures
// that disagree) or a *ReconcileError (a closed check whose lines do not
// add up), or name the field that could not be read.
func ParseCheck(body []byte) (order.Order, error) {
	p, err := parse(body)
	return p.o, err
}

func parse(body []byte) (parsed, error) {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	body, err := unwrapString(body)
	if err != nil {
		return parsed{}, err
	}
	if len(body) == 0 {
		return parsed{}, notACheck("an empty body")
	}
	if body[0] != '{' {
		return parsed{}, notACheck(describe(body))
	}
	// One pass over the body: the envelope's fields, or the whole check
	// (a bare one or an online order). A field of the wrong type does not
	// stop the decoder, so the shape is known either way.
	var top check
	topErr := json.Unmarshal(body, &top)
	var se *json.SyntaxError
	if errors.As(topErr, &se) {
		return parsed{}, notACheck(jsonCause(topErr))
	}
	p := parsed{}
	c := &top
	switch data := bytes.TrimSpace(top.Data); {
	case len(data) > 0 && string(data) != "null":
		p.shape = ShapeEnvelope
		d, err := unwrapString(data)
		if err != nil || len(d) == 0 || d[0] != '{' {
			return parsed{}, notACheck("data is not a check object")
		}
		c = &check{}
		err = json.Unmarshal(d, c)
		p.id = firstOf(top.CheckID.String(), c.CheckID.String(), c.UniqueOrderID.String())
		switch {
		case errors.As(err, &se):
			return parsed{}, notACheck("data: " + jsonCause(err))
		case p.id == "":
			return parsed{}, notACheck("an envelope without checkID")
		case err != nil:
			return p, fmt.Errorf("check %s: data: %s", clip(p.id), jsonCause(err))
		}
	case top.UniqueOrderID != "":
		p.shape, p.id = ShapeOnline, top.UniqueOrderID.String()
	case top.CheckID != "":
		p.shape, p.id = ShapeCheck, top.CheckID.String()
	default:
		return parsed{}, notACheck("an object without checkID, data or uniqueOrderID")
	}
	if topErr != nil && p.shape != ShapeEnvelope {
		return p, fmt.Errorf("check %s: %s", clip(p.id), jsonCause(topErr))
	}
	p.online = c.UniqueOrderID != ""
	o, err := build(p.id, c)
	if err != nil {
		var me *MismatchError
		if errors.As(err, &me) {
			me.Check = p.id
			return p, me
		}
		var re *ReconcileError
		if errors.As(err, &re) {
			return p, re
		}
		return p, fmt.Errorf("check %s: %w", clip(p.id), err)
	}
	p.o = o
	return p, nil
}

func notACheck(got string) error { return fmt.Errorf("%w; got %s", ErrNotACheck, got) }

// unwrapString reads JSON that came as a JSON string holding it (data
// as Linga's Sync example sends it), at most three levels deep.
func unwrapString(b []byte) ([]byte, error) {
	for i := 0; i < 3 && len(b) > 0 && b[0] == '"'; i++ {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, notACheck("a broken JSON string")
		}
		b = bytes.TrimSpace([]byte(s))
	}
	return b, nil
}

// describe names what a body that is no object is, without its content.
func describe(b []byte) string {
	if !json.Valid(b) {
		var v any
		return jsonCause(json.Unmarshal(b, &v))
	}
	switch b[0] {
	case '[':
		return "a JSON list"
	case '"':
		return "a JSON string"
	case 't', 'f':
		return "a JSON bool"
	case 'n':
		return "null"
	}
	return "a JSON number"
}

// jsonCause is a short reason of a JSON error, without values.
func jsonCause(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "invalid JSON at byte " + strconv.FormatInt(se.Offset, 10)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		f := te.Field
		if f == "" {
			f = "the body"
		}
		return fmt.Sprintf("%s is a JSON %s, not the %s expected", f, te.Value, kindOf(te.Type.Kind().String()))
	}
	return "invalid JSON"
}

func kindOf(k string) string {
	switch k {
	case "slice":
		return "list"
	case "struct", "map":
		return "object"
	}
	return k
}

func firstOf(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// maxAmount bounds what a figure of a check can be (10 thousand billion
// euros): beyond it arithmetic could overflow, and no till sells that.
const maxAmount = 1_000_000_000_000_000

// maxLines bounds the items, service charges, discounts and tax lines of
// one check: no till rings up more, and it bounds the work and the sums.
const maxLines = 5000

// lineBounded refuses a line whose amount as entered, VAT, net or gross
// is beyond any check.
func lineBounded(what string, entered, vat int64) error {
	if _, err := addAmount(entered, vat, what); err != nil {
		return err
	}
	_, err := addAmount(entered, -vat, what)
	return err
}

// addAmount is sum + v, refused once either or the sum is beyond
// maxAmount: no sum of a check's figures can wrap around.
func addAmount(sum, v int64, what string) (int64, error) {
	if abs(v) > maxAmount || abs(sum) > maxAmount || abs(sum+v) > maxAmount {
		return 0, fmt.Errorf("%s add up to more than any check (%s)", what, order.Money(maxAmount))
	}
	return sum + v, nil
}

// builder turns a check into an order.
type builder struct {
	id     string
	c      *check
	taxes  []taxLine          // the check's tax lines (taxes[] and inclusiveTaxes[])
	incl   []bool             // taxes[i] is inclusive
	byID   map[string]int     // tax line by id
	rates  []order.Rate       // the check's distinct rates, in order
	rateIn map[order.Rate]int // index into rates
	// basis is what the check's items at each rate add up to as entered
	// (incl. VAT for an inclusive tax): the weights a check-level amount
	// without its own tax (a discount, delivery) is spread by.
	basis    []int64
	inclRate []bool
	lines    []order.Line
	// estimated[i]: lines[i]'s VAT was computed here, not the check's
	// (a discount, delivery or charge spread over the rates).
	estimated []bool
	tw        twins
}

func build(id string, c *check) (order.Order, error) {
	b := &builder{id: id, c: c, byID: map[string]int{}, rateIn: map[order.Rate]int{}}
	o := order.Order{Source: order.POS, ID: id}
	o.Number = firstOf(c.CheckNumber.String(), c.OrderNumber.String(), id)
	st := strings.ToLower(c.CheckStatus.String())
	void := st == "void" || st == "voided" || st == "deleted"
	closed := !void && (st == "closed" || c.IsClosed.set && c.IsClosed.v)
	if !void && c.IsClosed.set && (st == "closed" && !c.IsClosed.v || st == "open" && c.IsClosed.v) {
		return o, &MismatchError{Field: "checkStatus", Value: clip(c.CheckStatus.String()), Twin: "isClosed", TwinValue: strconv.FormatBool(c.IsClosed.v)}
	}
	o.Status = StatusOpen
	switch {
	case void:
		o.Status = StatusVoid
	case closed:
		o.Status = StatusClosed
	}

	// Bounded work and sums: a check of more lines than any till rings up
	// is refused before it is read.
	for _, n := range []struct {
		what string
		n    int
	}{{"items", len(c.Items) + len(c.OrderDetails)}, {"serviceCharges", len(c.ServiceCharges)},
		{"discounts", len(c.Discounts)}, {"taxes", len(c.Taxes) + len(c.InclusiveTaxes)}, {"payments", len(c.Payments)}} {
		if n.n > maxLines {
			return o, fmt.Errorf("%d %s, more than the %d of any check", n.n, n.what, maxLines)
		}
	}

	// The check's tax lines: taxes[] say themselves whether they are
	// inclusive (default not), inclusiveTaxes[] are.
	for _, t := range c.Taxes {
		b.addTax(t, t.Inclusive.set && t.Inclusive.v)
	}
	for _, t := range c.InclusiveTaxes {
		b.addTax(t, !t.Inclusive.set || t.Inclusive.v)
	}
	for i, t := range b.taxes {
		r, ok, err := b.taxRate(t, fmt.Sprintf("taxes[%d].taxRate", i))
		if err != nil {
			return o, err
		}
		if !ok {
			return o, fmt.Errorf("tax %q has no taxRate", clip(firstOf(t.Name.String(), t.ID.String())))
		}
		if t.ID != "" {
			b.byID[t.ID.String()] = i
		}
		b.addRate(r, b.incl[i])
	}
	perLine := max(1, int64(len(b.taxes)))
	b.twinsOfCheck(perLine)
	if b.tw.err != nil {
		return o, b.tw.err
	}

	// Lines: items, service charges, delivery, discounts.
	items := append(append([]item(nil), c.Items...), c.OrderDetails...)
	for i, it := range items {
		if it.IsVoid.v {
			continue
		}
		if err := b.item(order.Product, it, i); err != nil {
			return o, err
		}
		if len(b.lines) > maxLines {
			return o, fmt.Errorf("more than %d lines, more than any check", maxLines)
		}
	}
	for i, sc := range c.ServiceCharges {
		if sc.IsVoid.v {
			continue
		}
		if err := isGratuity(c, sc, i); err != nil {
			return o, err
		}
		if err := b.item(order.Fee, sc, i); err != nil {
			return o, err
		}
		if len(b.lines) > 2*maxLines {
			return o, fmt.Errorf("more than %d lines, more than any check", 2*maxLines)
		}
	}
	if b.tw.err != nil {
		return o, b.tw.err
	}
	delivery, _, err := c.DeliveryCharge.minor("deliveryCharge", cents)
	if err != nil {
		return o, err
	}
	if delivery != 0 {
		if err := b.spread(order.Shipping, "delivery", "", delivery); err != nil {
			return o, err
		}
	}
	for i, d := range c.Discounts {
		if d.IsVoid.v {
			continue
		}
		if err := b.discount(d, i); err != nil {
			return o, err
		}
		if len(b.lines) > 3*maxLines {
			return o, fmt.Errorf("more than %d lines, more than any check", 3*maxLines)
		}
	}
	if b.tw.err != nil {
		return o, b.tw.err
	}
	o.Lines = b.lines

	// Totals: the check's total less the tip, its VAT, per rate.
	total, ok, err := c.TotalAmount.minor("totalAmount", cents)
	if err != nil {
		return o, err
	}
	if !ok {
		return o, errors.New("no totalAmount")
	}
	tip, tipFrom, err := b.tip()
	if err != nil {
		return o, err
	}
	vat, vatFrom, err := b.totalTax()
	if err != nil {
		return o, err
	}
	var perRate map[order.Rate]int64
	if len(b.taxes) > 0 {
		perRate = map[order.Rate]int64{}
		var sum int64
		for i, t := range b.taxes {
			v, _, err := taxOfLine(t, i)
			if err != nil {
				return o, err
			}
			r, _, _ := b.taxRate(t, "")
			if perRate[r], err = addAmount(perRate[r], v, "the tax lines"); err != nil {
				return o, err
			}
			if sum, err = addAmount(sum, v, "the tax lines"); err != nil {
				return o, err
			}
		}
		b.tw.sum(vatFrom, vat, "taxes[]", sum, perLine)
		if b.tw.err != nil {
			return o, b.tw.err
		}
		if err := b.settle(perRate); err != nil {
			return o, err
		}
		if closed {
			if err := b.ratesAgree(perRate); err != nil {
				return o, err
			}
		}
		for _, r := range b.rates {
			if v, ok := perRate[r]; ok {
				o.Taxes = append(o.Taxes, order.RateTax{Rate: r, Tax: order.Money(v)})
			}
		}
	}
	var gross, lineVAT int64
	for _, l := range b.lines {
		if gross, err = addAmount(gross, int64(l.Net+l.VAT), "the lines"); err != nil {
			return o, err
		}
		if lineVAT, err = addAmount(lineVAT, int64(l.VAT), "the lines' VAT"); err != nil {
			return o, err
		}
	}
	// The lines may miss the check's totals by the shop's rounding: a cent
	// per line (DESIGN "Money and VAT"), at least a cent per tax line.
	slack := max(perLine, int64(len(b.lines)))
	how := "totalAmount"
	o.Total = order.Money(total)
	sale, saleOK, err := c.TotalSaleAmount.minor("totalSaleAmount", cents)
	if err != nil {
		return o, err
	}
	switch {
	case saleOK:
		// totalSaleAmount is the sale without the tip (the fixture: 29,50
		// = 31,00 − 1,50): it says whether the tip is in totalAmount.
		switch {
		case sale == total-tip:
			o.Total, how = order.Money(sale), "totalSaleAmount"
			if tip != 0 {
				how += " (totalAmount " + order.Money(total).String() + " less the tip " + order.Money(tip).String() + ", " + tipFrom + ")"
			}
		case sale == total:
			o.Total, how = order.Money(sale), "totalSaleAmount; the tip "+order.Money(tip).String()+" is not in totalAmount"
		default:
			return o, &MismatchError{Field: "totalSaleAmount", Value: order.Money(sale).String(),
				Twin: "totalAmount less the tip (" + tipFrom + ")", TwinValue: order.Money(total).String() + " − " + order.Money(tip).String(),
				Diff: order.Money(abs(sale - (total - tip))).String(), Allowed: order.Money(0).String()}
		}
	case tip != 0:
		// The tip is part of totalAmount (the fixture: 31,00 = 29,50 +
		// 1,50 fooi, paid as one card payment of 31,00 with tipAmount
		// 1,50), unless the lines add up to totalAmount itself.
		o.Total = order.Money(total - tip)
		how = "totalAmount " + order.Money(total).String() + " less the tip " + order.Money(tip).String() + " (" + tipFrom + ")"
		if abs(gross-total) <= slack && abs(gross-(total-tip)) > slack {
			o.Total, how = order.Money(total), "totalAmount; the tip "+order.Money(tip).String()+" is not in it"
		}
	}
	o.TotalTax = order.Money(vat)
	if abs(int64(o.Total)) > maxAmount {
		return o, fmt.Errorf("total %s (%s) is beyond any check", o.Total, how)
	}
	if closed {
		if d := abs(gross - int64(o.Total)); d > slack {
			return o, &ReconcileError{Check: id, What: "total", Lines: order.Money(gross), Want: o.Total, How: how, Allowed: order.Money(slack)}
		}
		if d := abs(lineVAT - int64(o.TotalTax)); d > slack {
			return o, &ReconcileError{Check: id, What: "VAT", Lines: order.Money(lineVAT), Want: o.TotalTax, How: vatFrom, Allowed: order.Money(slack)}
		}
	}

	o.PricesIncludeTax = len(b.taxes) > 0
	for _, in := range b.incl {
		o.PricesIncludeTax = o.PricesIncludeTax && in
	}
	if err := b.dates(&o, closed); err != nil {
		return o, err
	}
	o.Currency = currencyOf(firstOf(c.Currency.String(), c.CurrencyCode.String()))
	o.Buyer = buyer(c)
	o.PaymentMethod, o.PaymentMethodTitle = payments(c)
	return o, nil
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func (b *builder) addTax(t taxLine, inclusive bool) {
	b.taxes = append(b.taxes, t)
	b.incl = append(b.incl, inclusive)
}

func (b *builder) addRate(r order.Rate, inclusive bool) int {
	if k, ok := b.rateIn[r]; ok {
		return k
	}
	b.rateIn[r] = len(b.rates)
	b.rates = append(b.rates, r)
	b.basis = append(b.basis, 0)
	b.inclRate = append(b.inclRate, inclusive)
	return len(b.rates) - 1
}

// taxRate is a tax line's rate: taxRate, else taxRateStr, cross-checked.
func (b *builder) taxRate(t taxLine, field string) (order.Rate, bool, error) {
	r, ok, err := rateOf(field, t.TaxRate)
	if err != nil {
		return 0, false, err
	}
	rs, oks, err := rateOf(field+"Str", t.TaxRateStr)
	if err != nil {
		return 0, false, err
	}
	if ok && oks && r != rs && field != "" {
		return 0, false, &MismatchError{Field: field, Value: t.TaxRate.shown() + " %", Twin: field + "Str",
			TwinValue: t.TaxRateStr.shown() + " %", Diff: order.Rate(abs(int64(r-rs))).Percent() + " %", Allowed: "0 %"}
	}
	if !ok {
		r, ok = rs, oks
	}
	return r, ok, nil
}

// taxOfLine is a check tax line's VAT in cents: totalTaxAmount, else
// taxAmount, else the actual (thousandths) figure rounded.
func taxOfLine(t taxLine, i int) (int64, bool, error) {
	f := fmt.Sprintf("taxes[%d].", i)
	if v, ok, err := t.TotalTaxAmount.minor(f+"totalTaxAmount", cents); err != nil || ok {
		return v, ok, err
	}
	if v, ok, err := t.TaxAmount.minor(f+"taxAmount", cents); err != nil || ok {
		return v, ok, err
	}
	for _, a := range []amount{t.ActualTaxAmount, t.ActualTax} {
		if v, ok, err := a.minor(f+"actualTaxAmount", thousandths); err != nil || ok {
			return roundDiv(v, 10), ok, err
		}
	}
	return 0, false, nil
}

// roundDiv is v/d rounded half away from zero.
func roundDiv(v, d int64) int64 {
	q, r := v/d, v%d
	if 2*abs(r) >= d {
		if v < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// twinsOfCheck cross-checks the check's own figures and its tax lines'.
func (b *builder) twinsOfCheck(perLine int64) {
	c, t := b.c, &b.tw
	t.cmp("totalAmount", c.TotalAmount, cents, "totalAmountStr", c.TotalAmountStr, false, cents, perLine)
	t.cmp("totalSaleAmount", c.TotalSaleAmount, cents, "totalSaleAmountStr", c.TotalSaleAmountStr, false, cents, perLine)
	t.cmp("totalTaxAmount", c.TotalTaxAmount, cents, "totalTaxAmountStr", c.TotalTaxAmountStr, false, cents, perLine)
	t.cmp("totalTaxAmount", c.TotalTaxAmount, cents, "actualTax", c.ActualTax, true, thousandths, perLine)
	t.cmp("actualTax", c.ActualTax, thousandths, "actualTaxStr", c.ActualTaxStr, false, thousandths, perLine)
	t.cmp("inclusiveTaxAmount", c.InclusiveTaxAmount, cents, "inclusiveTaxAmountStr", c.InclusiveTaxAmountStr, false, cents, perLine)
	t.cmp("subTotal", c.SubTotal, cents, "subTotalStr", c.SubTotalStr, false, cents, perLine)
	t.cmp("taxAmount", c.TaxAmount, cents, "taxAmountStr", c.TaxAmountStr, false, cents, perLine)
	t.cmp("totalTax", c.TotalTax, cents, "totalTaxStr", c.TotalTaxStr, false, cents, perLine)
	t.cmp("tipAmount", c.TipAmount, cents, "tipAmountStr", c.TipAmountStr, false, cents, 1)
	t.cmp("driverTipAmount", c.DriverTipAmount, cents, "driverTipAmountStr", c.DriverTipAmountStr, false, cents, 1)
	t.cmp("deliveryCharge", c.DeliveryCharge, cents, "deliveryChargeStr", c.DeliveryChargeStr, false, cents, 1)
	for i, x := range b.taxes {
		f := fmt.Sprintf("taxes[%d].", i)
		if i >= len(c.Taxes) {
			f = fmt.Sprintf("inclusiveTaxes[%d].", i-len(c.Taxes))
		}
		t.cmp(f+"totalTaxAmount", x.TotalTaxAmount, cents, f+"totalTaxAmountStr", x.TotalTaxAmountStr, false, cents, 1)
		t.cmp(f+"taxAmount", x.TaxAmount, cents, f+"taxAmountStr", x.TaxAmountStr, false, cents, 1)
		main, mainName := x.TotalTaxAmount, "totalTaxAmount"
		if !main.set() {
			main, mainName = x.TaxAmount, "taxAmount"
		}
		t.cmp(f+mainName, main, cents, f+"actualTaxAmount", x.ActualTaxAmount, true, thousandths, 1)
		t.cmp(f+mainName, main, cents, f+"actualTax", x.ActualTax, true, thousandths, 1)
		t.cmp(f+"actualTax", x.ActualTax, thousandths, f+"actualTaxStr", x.ActualTaxStr, false, thousandths, 1)
	}
	for i, p := range c.Payments {
		f := fmt.Sprintf("payments[%d].", i)
		t.cmp(f+"amount", p.Amount, cents, f+"amountStr", p.AmountStr, false, cents, 1)
		t.cmp(f+"tipAmount", p.TipAmount, cents, f+"tipAmountStr", p.TipAmountStr, false, cents, 1)
	}
	for i, g := range c.gratuities() {
		f := fmt.Sprintf("gratuity[%d].", i)
		t.cmp(f+"amount", g.Amount, cents, f+"amountStr", g.AmountStr, false, cents, 1)
	}
	for i, d := range c.Discounts {
		f := fmt.Sprintf("discounts[%d].", i)
		t.cmp(f+"amount", d.Amount, cents, f+"amountStr", d.AmountStr, false, cents, 1)
		t.cmp(f+"discountAmount", d.DiscountAmount, cents, f+"discountAmountStr", d.DiscountAmountStr, false, cents, 1)
	}
}

// itemTax is the one VAT rate of an item and its VAT.
type itemTax struct {
	rate      order.Rate
	inclusive bool
	vat       int64
	vatSet    bool
	found     bool
}

// taxOf resolves an item's (or a discount's) taxes[]: each entry's rate
// (its own taxRate, else that of the check's tax line with its id), whether
// it is inclusive, its taxAmount. An item carries one VAT rate; entries of
// one rate add up.
func (b *builder) taxOf(what string, refs []taxLine) (itemTax, error) {
	var out itemTax
	for j, t := range refs {
		f := fmt.Sprintf("%s.taxes[%d]", what, j)
		r, ok, err := b.taxRate(t, f+".taxRate")
		if err != nil {
			return out, err
		}
		k, known := b.byID[t.ID.String()]
		if !ok && known {
			r, ok, _ = b.taxRate(b.taxes[k], "")
		}
		if !ok {
			if !t.TaxAmount.set() && t.ID == "" && t.Name == "" {
				continue // an empty entry
			}
			return out, fmt.Errorf("%s names no taxRate and no tax line of the check", f)
		}
		incl := b.inclRate0(r)
		switch {
		case t.Inclusive.set:
			incl = t.Inclusive.v
		case known:
			incl = b.incl[k]
		}
		if out.found && r != out.rate {
			return out, fmt.Errorf("%s has taxes at %s%% and %s%%: one VAT rate per item expected", what, out.rate.Percent(), r.Percent())
		}
		v, vok, err := t.TaxAmount.minor(f+".taxAmount", cents)
		if err != nil {
			return out, err
		}
		b.tw.cmp(f+".taxAmount", t.TaxAmount, cents, f+".taxAmountStr", t.TaxAmountStr, false, cents, 1)
		out.rate, out.inclusive, out.found = r, incl, true
		if vok {
			if out.vat, err = addAmount(out.vat, v, f+".taxAmount"); err != nil {
				return out, err
			}
			out.vatSet = true
		}
	}
	return out, nil
}

// inclRate0 is whether the check's tax line at rate r is inclusive
// (false when the check has none at r).
func (b *builder) inclRate0(r order.Rate) bool {
	if k, ok := b.rateIn[r]; ok {
		return b.inclRate[k]
	}
	return false
}

// vatOf is the VAT in an amount as entered at rate r: inclusive, the part
// of the gross (gross × r / (1 + r)); exclusive, on top (net × r).
func vatOf(v int64, r order.Rate, inclusive bool) int64 {
	if !inclusive {
		return int64(r.Of(order.Money(v)))
	}
	return roundDivBig(v, int64(r), 10000+int64(r))
}

// roundDivBig is v × n / d rounded half away from zero, without overflow
// for any amount (n, d > 0).
func roundDivBig(v, n, d int64) int64 {
	neg := v < 0
	u := uint64(abs(v))
	hi, lo := bits.Mul64(u, uint64(n))
	if hi >= uint64(d) {
		return v // beyond any till: left as is, the totals then disagree
	}
	q, r := bits.Div64(hi, lo, uint64(d))
	if 2*r >= uint64(d) {
		q++
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// line adds a line of an amount as entered at one rate.
func (b *builder) line(kind order.LineKind, id, productID, name string, qty int64, entered int64, t itemTax) int {
	vat := t.vat
	if !t.vatSet {
		vat = vatOf(entered, t.rate, t.inclusive)
	}
	net := entered
	if t.inclusive {
		net = entered - vat
	}
	b.lines = append(b.lines, order.Line{Kind: kind, ID: id, ProductID: productID, Name: name, Quantity: qty,
		Net: order.Money(net), VAT: order.Money(vat), Rate: t.rate})
	b.estimated = append(b.estimated, !t.vatSet)
	return b.addRate(t.rate, t.inclusive)
}

// item adds an item (or a service charge) as its line: its totalAmount as
// entered, its VAT from its taxes[]. An item without taxes has the check's
// one rate, or 0 % on a check without taxes; a service charge without
// taxes on a check of several rates is spread over them like a discount.
func (b *builder) item(kind order.LineKind, it item, i int) error {
	what := fmt.Sprintf("items[%d]", i)
	prefix := ""
	if kind == order.Fee {
		what, prefix = fmt.Sprintf("serviceCharges[%d]", i), "service-"
	}
	b.tw.cmp(what+".totalAmount", it.TotalAmount, cents, what+".totalAmountStr", it.TotalAmountStr, false, cents, 1)
	b.tw.cmp(what+".price", it.Price, cents, what+".priceStr", it.PriceStr, false, cents, 1)
	b.tw.cmp(what+".amount", it.Amount, cents, what+".amountStr", it.AmountStr, false, cents, 1)
	name := firstOf(it.Name.String(), it.ItemName.String(), it.MenuItemName.String())
	qty, frac, err := quantity(what, it.Quantity)
	if err != nil {
		return err
	}
	if frac != "" {
		name = frac + " × " + name
	}
	entered, ok, err := it.TotalAmount.minor(what+".totalAmount", cents)
	if err == nil && !ok {
		entered, ok, err = it.Amount.minor(what+".amount", cents)
	}
	if err == nil && !ok && frac == "" {
		var price int64
		if price, ok, err = it.Price.minor(what+".price", cents); ok {
			if qty != 0 && abs(price) > maxAmount/abs(qty) {
				return fmt.Errorf("%s (%s): %d × %s is beyond any check", what, clip(name), qty, order.Money(price))
			}
			entered = price * qty
		}
	}
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s (%s) has no totalAmount", what, clip(name))
	}
	if it.Quantity.set() {
		switch {
		case qty == 0 && entered != 0:
			return fmt.Errorf("%s (%s): quantity 0 with an amount of %s", what, clip(name), order.Money(entered))
		case qty < 0 && entered > 0 || qty > 0 && entered < 0:
			return fmt.Errorf("%s (%s): quantity %s and amount %s disagree in sign", what, clip(name), it.Quantity.shown(), order.Money(entered))
		}
	}
	t, err := b.taxOf(what, it.Taxes)
	if err != nil {
		return err
	}
	if entered == 0 && (!t.vatSet || t.vat == 0) {
		return nil // a free item or a modifier without a price: no revenue
	}
	id := prefix + firstOf(it.ID.String(), strconv.Itoa(i+1))
	if !t.found {
		switch {
		case len(b.taxes) == 0:
			t = itemTax{found: true}
		case len(b.rates) == 1:
			t = itemTax{rate: b.rates[0], inclusive: b.inclRate[0], found: true}
		case kind == order.Fee:
			return b.spread(kind, id, name, entered)
		default:
			return fmt.Errorf("%s (%s) names no tax, and the check has taxes at %s", what, clip(name), b.ratesText())
		}
	}
	if err := lineBounded(what, entered, t.vat); err != nil {
		return err
	}
	k := b.line(kind, id, it.MenuItemID.String(), name, qty, entered, t)
	if kind == order.Product {
		if b.basis[k], err = addAmount(b.basis[k], entered, "the items"); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) ratesText() string {
	var s []string
	for _, r := range b.rates {
		s = append(s, r.Percent()+"%")
	}
	return strings.Join(s, ", ")
}

// quantity reads an item's quantity: a whole number; a fractional one (0.5
// kg) is returned as 1 (-1 when negative) with its text for the line's
// name. Absent is 1.
func quantity(what string, a amount) (int64, string, error) {
	if !a.set() {
		return 1, "", nil
	}
	vs, err := a.text(what+".quantity", thousandths)
	if err != nil {
		return 0, "", err
	}
	v := vs[0]
	if v%1000 == 0 {
		return v / 1000, "", nil
	}
	one := int64(1)
	if v < 0 {
		one = -1 // a weighed item returned
	}
	return one, strings.TrimRight(strings.TrimRight(fmtScaled(v, thousandths), "0"), "."), nil
}

// discount adds a check-level discount as negative lines: at its own tax
// rate when its taxes[] name one, else spread over the check's rates in
// proportion to the items at each.
func (b *builder) discount(d discount, i int) error {
	what := fmt.Sprintf("discounts[%d]", i)
	v, ok, err := d.Amount.minor(what+".amount", cents)
	if err == nil && !ok {
		v, ok, err = d.DiscountAmount.minor(what+".discountAmount", cents)
	}
	if err != nil {
		return err
	}
	if !ok || v == 0 {
		return nil
	}
	v = abs(v)
	name := firstOf(d.Name.String(), "Korting")
	id := "discount-" + firstOf(d.ID.String(), strconv.Itoa(i+1))
	t, err := b.taxOf(what, d.Taxes)
	if err != nil {
		return err
	}
	if t.found {
		if t.vatSet {
			t.vat = -abs(t.vat)
		}
		if err := lineBounded(what, -v, t.vat); err != nil {
			return err
		}
		b.line(order.Product, id, "", name, 1, -v, t)
		return nil
	}
	return b.spread(order.Product, id, name, -v)
}

// spread adds an amount as entered (a discount, negative; delivery or a
// service charge without a tax of its own) as one line per rate of the
// check, in proportion to what the items at each rate add up to, by
// largest remainder (so the parts add up to the amount exactly).
func (b *builder) spread(kind order.LineKind, id, name string, v int64) error {
	var weights []uint64
	var total uint64
	for _, w := range b.basis {
		if w < 0 {
			w = 0
		}
		if w > maxAmount || total+uint64(w) > maxAmount {
			return fmt.Errorf("%s: the items add up to more than any check", clip(id))
		}
		weights = append(weights, uint64(w))
		total += uint64(w)
	}
	if total == 0 {
		switch len(b.rates) {
		case 0:
			b.line(kind, id, "", name, 1, v, itemTax{found: true})
			return nil
		case 1:
			weights, total = []uint64{1}, 1
		default:
			return fmt.Errorf("%s (%s) of %s cannot be spread over the rates %s: the check has no items", clip(id), clip(name), order.Money(v), b.ratesText())
		}
	}
	u := uint64(abs(v))
	parts := make([]uint64, len(weights))
	rems := make([]uint64, len(weights))
	var given uint64
	for k, w := range weights {
		hi, lo := bits.Mul64(u, w)
		if hi >= total {
			return fmt.Errorf("%s: amount %s too large", clip(id), order.Money(v))
		}
		parts[k], rems[k] = bits.Div64(hi, lo, total)
		given += parts[k]
	}
	for left := u - given; left > 0 && left <= uint64(len(weights)); left-- {
		best := -1
		for k := range rems {
			if weights[k] > 0 && (best < 0 || rems[k] > rems[best]) {
				best = k
			}
		}
		parts[best]++
		rems[best] = 0
	}
	n := 0
	for _, p := range parts {
		if p > 0 {
			n++
		}
	}
	for k, p := range parts {
		if p == 0 {
			continue
		}
		part := int64(p)
		if v < 0 {
			part = -part
		}
		lid, lname := id, name
		if n > 1 {
			lid = id + "-" + b.rates[k].Percent()
			if lname != "" {
				lname += " (" + b.rates[k].Percent() + "%)"
			}
		}
		b.line(kind, lid, "", lname, 1, part, itemTax{rate: b.rates[k], inclusive: b.inclRate[k], found: true})
	}
	return nil
}

// settle makes the VAT the lines carry at each rate the check's own (its
// tax line's), where the difference is the rounding of VAT this parser
// computed, at most a cent per line at the rate: the difference moves
// from net to VAT on those lines (the largest first), so an inclusive line
// keeps its amount as entered. A till that rounds VAT per item adds up to
// more or less than its tax line rounded once over the rate, so a
// discount's VAT is what the tax line says the discount took off, not the
// discount's own share rounded. Lines with the check's own taxAmount are
// never changed.
func (b *builder) settle(perRate map[order.Rate]int64) error {
	for r, want := range perRate {
		var got, n int64
		var est []int
		for i, l := range b.lines {
			if l.Rate != r {
				continue
			}
			var err error
			if got, err = addAmount(got, int64(l.VAT), "the lines' VAT at "+r.Percent()+"%"); err != nil {
				return err
			}
			n++
			if b.estimated[i] {
				est = append(est, i)
			}
		}
		d := want - got
		if d == 0 || len(est) == 0 || abs(d) > n {
			continue
		}
		// Largest amounts first: a cent weighs least there.
		for a := 0; a < len(est); a++ {
			for z := a + 1; z < len(est); z++ {
				if abs(int64(b.lines[est[z]].Net+b.lines[est[z]].VAT)) > abs(int64(b.lines[est[a]].Net+b.lines[est[a]].VAT)) {
					est[a], est[z] = est[z], est[a]
				}
			}
		}
		step := order.Money(1)
		if d < 0 {
			step = -1
		}
		for k := 0; k < int(abs(d)); k++ {
			l := &b.lines[est[k%len(est)]]
			l.VAT += step
			if b.inclRate0(r) {
				l.Net -= step
			}
		}
	}
	return nil
}

// isGratuity refuses a service charge that is the check's gratuity (its
// id, or a name like the gratuity's and the same amount): a tip is no
// revenue, and booking it as a charge would put it on the invoice.
func isGratuity(c *check, sc item, i int) error {
	amt, ok, _ := sc.TotalAmount.minor("", cents)
	if !ok {
		amt, ok, _ = sc.Amount.minor("", cents)
	}
	name := strings.ToLower(firstOf(sc.Name.String(), sc.ItemName.String()))
	for j, g := range c.gratuities() {
		gname := strings.ToLower(g.Name.String())
		gamt, gok, _ := g.Amount.minor("", cents)
		sameID := g.ID != "" && sc.ID == g.ID
		like := name != "" && gname != "" && (strings.Contains(name, gname) || strings.Contains(gname, name))
		if sameID || like && ok && gok && amt == gamt && amt != 0 {
			return fmt.Errorf("serviceCharges[%d] (%s) is the gratuity (gratuity[%d] %s): a tip goes to the staff, it is not revenue",
				i, clip(firstOf(sc.Name.String(), sc.ID.String())), j, clip(firstOf(g.Name.String(), g.ID.String())))
		}
	}
	return nil
}

// ratesAgree compares, after settling, the VAT the lines carry at each
// rate with the check's tax line(s) at that rate: they may differ by the
// shop's rounding, a cent per line at the rate (at least a cent per tax
// line at it); more is a *MismatchError naming the tax line and both
// figures. A rate the lines carry VAT at without a tax line is one of 0.
func (b *builder) ratesAgree(perRate map[order.Rate]int64) error {
	first := map[order.Rate]string{}
	taxLines := map[order.Rate]int64{}
	for i, t := range b.taxes {
		r, _, _ := b.taxRate(t, "")
		if _, ok := first[r]; !ok {
			first[r] = fmt.Sprintf("taxes[%d]", i)
			if i >= len(b.c.Taxes) {
				first[r] = fmt.Sprintf("inclusiveTaxes[%d]", i-len(b.c.Taxes))
			}
		}
		taxLines[r]++
	}
	for _, r := range b.rates {
		var got, n int64
		for _, l := range b.lines {
			if l.Rate == r {
				var err error
				if got, err = addAmount(got, int64(l.VAT), "the lines' VAT at "+r.Percent()+"%"); err != nil {
					return err
				}
				n++
			}
		}
		want, field := perRate[r], first[r]
		if field == "" {
			field = "taxes[] (none at " + r.Percent() + "%)"
		} else {
			field += " (" + r.Percent() + "%)"
		}
		allowed := max(taxLines[r], n)
		if d := abs(got - want); d > allowed {
			return &MismatchError{Field: field, Value: order.Money(want).String(), Twin: "the lines at " + r.Percent() + "%",
				TwinValue: order.Money(got).String(), Diff: order.Money(d).String(), Allowed: order.Money(allowed).String()}
		}
	}
	return nil
}

// tip is what the guest gave the staff: tipAmount, else the gratuity, else
// the payments' tipAmount, else an online order's driverTipAmount (each
// reports the same tip, so they are not added up).
func (b *builder) tip() (int64, string, error) {
	c := b.c
	if v, ok, err := c.TipAmount.minor("tipAmount", cents); err != nil || ok && v != 0 {
		return v, "tipAmount", err
	}
	var g int64
	for i, gr := range c.gratuities() {
		v, _, err := gr.Amount.minor(fmt.Sprintf("gratuity[%d].amount", i), cents)
		if err != nil {
			return 0, "", err
		}
		if g, err = addAmount(g, v, "the gratuities"); err != nil {
			return 0, "", err
		}
	}
	if g != 0 {
		return g, "gratuity", nil
	}
	var p int64
	for i, pm := range c.Payments {
		v, _, err := pm.TipAmount.minor(fmt.Sprintf("payments[%d].tipAmount", i), cents)
		if err != nil {
			return 0, "", err
		}
		p += v
	}
	if p != 0 {
		return p, "payments' tipAmount", nil
	}
	v, _, err := c.DriverTipAmount.minor("driverTipAmount", cents)
	return v, "driverTipAmount", err
}

// totalTax is the check's VAT: totalTaxAmount, else an online order's
// totalTax, else its taxAmount + inclusiveTaxAmount, else what the tax
// lines, else the lines, add up to.
func (b *builder) totalTax() (int64, string, error) {
	c := b.c
	for _, f := range []struct {
		name string
		a    amount
	}{{"totalTaxAmount", c.TotalTaxAmount}, {"totalTax", c.TotalTax}} {
		if v, ok, err := f.a.minor(f.name, cents); err != nil || ok {
			return v, f.name, err
		}
	}
	ex, okEx, err := c.TaxAmount.minor("taxAmount", cents)
	if err != nil {
		return 0, "", err
	}
	in, okIn, err := c.InclusiveTaxAmount.minor("inclusiveTaxAmount", cents)
	if err != nil {
		return 0, "", err
	}
	if okEx || okIn {
		return ex + in, "taxAmount + inclusiveTaxAmount", nil
	}
	var sum int64
	if len(b.taxes) > 0 {
		for i, t := range b.taxes {
			v, _, err := taxOfLine(t, i)
			if err != nil {
				return 0, "", err
			}
			if sum, err = addAmount(sum, v, "the tax lines"); err != nil {
				return 0, "", err
			}
		}
		return sum, "taxes[]", nil
	}
	for _, l := range b.lines {
		var err error
		if sum, err = addAmount(sum, int64(l.VAT), "the lines' VAT"); err != nil {
			return 0, "", err
		}
	}
	return sum, "the items' taxes", nil
}

// dates sets Created (dateCreated, an online order's orderedDateStr),
// Paid (dateClosed of a closed check, else its creation) and BusinessDay.
func (b *builder) dates(o *order.Order, closed bool) error {
	c := b.c
	for _, f := range []struct {
		name string
		v    flexString
	}{{"dateCreated", c.DateCreated}, {"orderedDateStr", c.OrderedDateStr}} {
		if f.v == "" {
			continue
		}
		t, local, err := parseTime(f.v.String())
		if err != nil {
			return fmt.Errorf("%s %q is not a time", f.name, clip(f.v.String()))
		}
		o.Created, o.CreatedLocal = t, local
		break
	}
	if closed {
		if c.DateClosed != "" {
			t, _, err := parseTime(c.DateClosed.String())
			if err != nil {
				return fmt.Errorf("dateClosed %q is not a time", clip(c.DateClosed.String()))
			}
			o.Paid = t
		} else {
			o.Paid = o.Created
		}
		if o.Created.IsZero() {
			o.Created = o.Paid
		}
		if o.Paid.IsZero() {
			return errors.New("a closed check without dateClosed or dateCreated")
		}
	}
	if c.BusinessDate != "" {
		d, err := parseDay(c.BusinessDate.String())
		if err != nil {
			return fmt.Errorf("businessDate %q is not a date", clip(c.BusinessDate.String()))
		}
		o.BusinessDay = d
	}
	return nil
}

// clip shortens a value from the body for an error text: at most 40
// bytes, cut at a character's start, "…" when it was longer.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	n := 40
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

var amsterdam = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return l
	}
	return time.UTC
}()

// zoned and local are the layouts a time may come in: with a zone
// (dateCreated "2026-12-01T18:18:04.000Z"), or without one, read as the
// shop's wall clock in Europe/Amsterdam.
var (
	zoned = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00"}
	local = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04",
		"02-Jan-2006 15:04:05", "02-Jan-2006 15:04", "02-Jan-2006 03:04 PM", "01/02/2006 15:04:05", "01/02/2006 15:04",
		"01/02/2006 03:04 PM", "01/02/2006 03:04:05 PM"}
)

// parseTime reads a time in UTC, and for a time without zone its text as
// the local wall clock (order.LocalLayout). A number is milliseconds since
// 1970 (seconds when it is small).
func parseTime(s string) (time.Time, string, error) {
	s = strings.TrimSpace(s)
	if digits(s) && len(s) >= 9 && len(s) <= 13 {
		n, _ := strconv.ParseInt(s, 10, 64)
		if len(s) <= 10 {
			return time.Unix(n, 0).UTC(), "", nil
		}
		return time.UnixMilli(n).UTC(), "", nil
	}
	for _, l := range zoned {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), "", nil
		}
	}
	for _, l := range local {
		if t, err := time.ParseInLocation(l, s, amsterdam); err == nil {
			return t.UTC(), t.Format(order.LocalLayout), nil
		}
	}
	return time.Time{}, "", errors.New("not a time")
}

// parseDay reads a business date: "2026-12-01", "01-Dec-2026" (Linga's
// report dates), "12/01/2026" (US), or a time: one with a zone
// ("2026-11-30T23:00:00.000Z") is the date in Europe/Amsterdam (1
// December), one without is the shop's wall clock and its date.
func parseDay(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"2006-01-02", "02-Jan-2006", "01/02/2006"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	if digits(s) {
		return "", errors.New("not a date")
	}
	if t, _, err := parseTime(s); err == nil {
		return t.In(amsterdam).Format("2006-01-02"), nil
	}
	return "", errors.New("not a date")
}

// currencyOf is an ISO 4217 code, "EUR" when the check names none.
func currencyOf(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch s {
	case "", "€", "EURO", "EUROS":
		return "EUR"
	}
	return s
}

// buyer is the customer the check names, else "Kassaverkoop" (a walk-in
// consumer); a named company makes it a business buyer.
func buyer(c *check) order.Party {
	cu := c.customer()
	name := firstOf(cu.Name.String(), strings.TrimSpace(cu.FirstName.String()+" "+cu.LastName.String()), c.CustomerName.String())
	p := order.Party{
		Name:    name,
		Company: firstOf(cu.Company.String(), cu.CompanyName.String(), c.CompanyName.String()),
		Email:   firstOf(cu.Email.String(), c.CustomerEmail.String()),
		Phone:   firstOf(cu.Phone.String(), c.CustomerPhone.String()),
		VATID:   cu.VATNumber.String(),
	}
	if p.Name == "" && p.Company == "" {
		p.Name = "Kassaverkoop"
	}
	return p
}

// payments are the payment type and the names of the check's payments
// ("PIN", "Contant"); an online order's paymentType 1 is online, 2 cash on
// delivery.
func payments(c *check) (method, title string) {
	var names []string
	seen := map[string]bool{}
	for _, p := range c.Payments {
		if n := p.Name.String(); n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
		if method == "" {
			method = p.PaymentType.String()
		}
	}
	switch c.PaymentType {
	case "1":
		method = firstOf(method, "online")
	case "2":
		method = firstOf(method, "cash on delivery")
	}
	return method, strings.Join(names, ", ")
}
