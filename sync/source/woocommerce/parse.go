package woocommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// ErrIDOnly is returned (wrapped) by ParseOrder for a body that carries
// only an order id, such as an order.deleted webhook delivery ({"id":13}).
// Use ParseDeleted for those.
var ErrIDOnly = errors.New("payload has only an order id")

// wcMoney is an amount as WooCommerce writes it: a decimal string, or from
// some plugins a JSON number. It keeps the text, so no float ever touches
// the cents.
type wcMoney string

func (m *wcMoney) UnmarshalJSON(b []byte) error {
	s, err := source.DecimalText(b)
	*m = wcMoney(s)
	return err
}

// wcID is a numeric id that some plugins send as a string.
type wcID int64

func (id *wcID) UnmarshalJSON(b []byte) error {
	v, err := source.IntegerID(b)
	*id = wcID(v)
	return err
}

type wcTax struct {
	ID    wcID    `json:"id"`
	Total wcMoney `json:"total"`
}

type wcLine struct {
	ID          wcID            `json:"id"`
	Name        string          `json:"name"`
	MethodTitle string          `json:"method_title"`
	SKU         string          `json:"sku"`
	Quantity    json.Number     `json:"quantity"`
	Price       *json.Number    `json:"price"`
	Total       wcMoney         `json:"total"`
	TotalTax    wcMoney         `json:"total_tax"`
	Taxes       []wcTax         `json:"taxes"`
	Meta        json.RawMessage `json:"meta_data"`
}

type wcOrder struct {
	ID               *wcID   `json:"id"`
	Number           string  `json:"number"`
	Status           *string `json:"status"`
	Currency         string  `json:"currency"`
	PricesIncludeTax bool    `json:"prices_include_tax"`
	DateCreated      *string `json:"date_created"`
	DateCreatedGMT   *string `json:"date_created_gmt"`
	DateModifiedGMT  *string `json:"date_modified_gmt"`
	DatePaidGMT      *string `json:"date_paid_gmt"`
	Total            wcMoney `json:"total"`
	TotalTax         wcMoney `json:"total_tax"`
	Billing          struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Company   string `json:"company"`
		Address1  string `json:"address_1"`
		Address2  string `json:"address_2"`
		City      string `json:"city"`
		State     string `json:"state"`
		Postcode  string `json:"postcode"`
		Country   string `json:"country"`
		Email     string `json:"email"`
		Phone     string `json:"phone"`
	} `json:"billing"`
	Shipping struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Company   string `json:"company"`
		Address1  string `json:"address_1"`
		Address2  string `json:"address_2"`
		City      string `json:"city"`
		State     string `json:"state"`
		Postcode  string `json:"postcode"`
		Country   string `json:"country"`
	} `json:"shipping"`
	PaymentMethod      string `json:"payment_method"`
	PaymentMethodTitle string `json:"payment_method_title"`
	TransactionID      string `json:"transaction_id"`
	MetaData           []struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
	} `json:"meta_data"`
	LineItems     []wcLine `json:"line_items"`
	ShippingLines []wcLine `json:"shipping_lines"`
	FeeLines      []wcLine `json:"fee_lines"`
	TaxLines      []struct {
		RateID           wcID         `json:"rate_id"`
		RatePercent      *json.Number `json:"rate_percent"`
		TaxTotal         wcMoney      `json:"tax_total"`
		ShippingTaxTotal wcMoney      `json:"shipping_tax_total"`
	} `json:"tax_lines"`
	Refunds []struct {
		ID     wcID    `json:"id"`
		Reason string  `json:"reason"`
		Total  wcMoney `json:"total"`
	} `json:"refunds"`
}

// vatIDKeys are the order meta keys under which the common EU VAT plugins
// store the buyer's VAT number.
var vatIDKeys = []string{"_billing_vat_number", "_vat_number", "vat_number", "_billing_eu_vat_number", "billing_vat", "_billing_vat", "billing_vat_number", "_billing_vat_id"}

// kvkKeys are the order meta keys under which the common Dutch checkout
// plugins (and shops' own checkout fields) store the buyer's KvK number.
var kvkKeys = []string{"_billing_kvk", "billing_kvk", "_billing_kvk_nummer", "billing_kvk_nummer", "kvk_nummer", "_kvk_nummer",
	"_billing_coc", "billing_coc", "_billing_coc_number", "coc_number", "_kvk", "kvk"}

// ParseOrder maps a WooCommerce order (the REST v3 JSON, which is also the
// body of order.created/order.updated webhooks) to an order.Order. baseURL
// is the shop's address, for the admin link. Amounts are read as decimal
// text into exact cents; a malformed amount, date or document is an error.
// A body with only an id (order.deleted) gives an error wrapping ErrIDOnly:
// read those with ParseDeleted.
func ParseOrder(raw []byte, baseURL string) (order.Order, error) {
	var w wcOrder
	if err := json.Unmarshal(raw, &w); err != nil {
		return order.Order{}, fmt.Errorf("parse woocommerce order: %w", err)
	}
	if w.ID == nil || *w.ID <= 0 {
		return order.Order{}, errors.New("parse woocommerce order: no positive id")
	}
	id := strconv.FormatInt(int64(*w.ID), 10)
	if w.Status == nil && w.DateModifiedGMT == nil {
		return order.Order{}, fmt.Errorf("parse woocommerce order %s: %w", id, ErrIDOnly)
	}
	fail := func(format string, a ...any) (order.Order, error) {
		return order.Order{}, fmt.Errorf("parse woocommerce order "+id+": "+format, a...)
	}
	if w.Status == nil || *w.Status == "" {
		return fail("no status")
	}
	o := order.Order{
		Source: order.WooCommerce, ID: id, Number: w.Number,
		Status:           order.Status(strings.TrimPrefix(*w.Status, "wc-")),
		Currency:         strings.ToUpper(w.Currency),
		PricesIncludeTax: w.PricesIncludeTax,
		PaymentMethod:    w.PaymentMethod, PaymentMethodTitle: w.PaymentMethodTitle,
		TransactionID: w.TransactionID,
		ShopURL:       adminURL(baseURL, id),
		Deleted:       *w.Status == "trash",
	}
	if o.Number == "" {
		o.Number = id
	}
	var err error
	if o.Modified, err = gmtTime(w.DateModifiedGMT); err != nil || o.Modified.IsZero() {
		return fail("date_modified_gmt: missing or invalid")
	}
	if o.Created, err = gmtTime(w.DateCreatedGMT); err != nil {
		return fail("date_created_gmt: %v", err)
	}
	if w.DateCreated != nil && *w.DateCreated != "" {
		// The shop's own wall clock: the invoice date.
		local, err := gmtTime(w.DateCreated)
		if err != nil {
			return fail("date_created: %v", err)
		}
		o.CreatedLocal = local.Format(order.LocalLayout)
	}
	if o.Paid, err = gmtTime(w.DatePaidGMT); err != nil {
		return fail("date_paid_gmt: %v", err)
	}
	if o.Total, err = money(w.Total); err != nil {
		return fail("total: %v", err)
	}
	if o.TotalTax, err = money(w.TotalTax); err != nil {
		return fail("total_tax: %v", err)
	}
	b := w.Billing
	o.Buyer = order.Party{
		Name:    strings.TrimSpace(b.FirstName + " " + b.LastName),
		Company: strings.TrimSpace(b.Company), Email: strings.TrimSpace(b.Email), Phone: strings.TrimSpace(b.Phone),
		Address: order.Address{Street: b.Address1, Street2: b.Address2, Postcode: b.Postcode, City: b.City,
			Region: b.State, Country: strings.ToUpper(strings.TrimSpace(b.Country))},
	}
	if sh := w.Shipping; strings.TrimSpace(sh.Country) != "" {
		// Where the goods go; an order without shipping (a download) has
		// an empty shipping address.
		name := strings.TrimSpace(sh.Company)
		if name == "" {
			name = strings.TrimSpace(sh.FirstName + " " + sh.LastName)
		}
		o.Delivery = &order.Delivery{Name: name, Address: order.Address{Street: sh.Address1, Street2: sh.Address2,
			Postcode: sh.Postcode, City: sh.City, Region: sh.State, Country: strings.ToUpper(strings.TrimSpace(sh.Country))}}
	}
	meta := func(keys []string) string {
		for _, key := range keys {
			for _, m := range w.MetaData {
				var v string
				if m.Key == key && json.Unmarshal(m.Value, &v) == nil && strings.TrimSpace(v) != "" {
					return strings.TrimSpace(v)
				}
			}
		}
		return ""
	}
	if v := meta(vatIDKeys); v != "" {
		o.Buyer.VATID = order.NormalizeVATID(v)
	}
	if v := meta(kvkKeys); v != "" {
		o.Buyer.KvK = strings.Map(func(r rune) rune {
			if r == ' ' || r == '.' || r == '-' {
				return -1
			}
			return r
		}, v)
	}

	rates := map[wcID]order.Rate{}
	for _, tl := range w.TaxLines {
		if tl.RatePercent == nil {
			continue // before WooCommerce 5.7: the rate comes from the amounts
		}
		p, err := tl.RatePercent.Float64()
		if err != nil {
			return fail("tax_lines rate_percent %q: %v", tl.RatePercent.String(), err)
		}
		r, err := order.RateFromPercent(p)
		if err != nil {
			return fail("tax_lines: %v", err)
		}
		rates[tl.RateID] = r
		tax, err := money(tl.TaxTotal)
		if err != nil {
			return fail("tax_lines tax_total: %v", err)
		}
		ship, err := money(tl.ShippingTaxTotal)
		if err != nil {
			return fail("tax_lines shipping_tax_total: %v", err)
		}
		o.Taxes = append(o.Taxes, order.RateTax{Rate: r, Tax: tax + ship})
	}
	if len(o.Taxes) != len(w.TaxLines) {
		o.Taxes = nil // some rates unknown: the lines decide
	}
	groups := []struct {
		kind  order.LineKind
		lines []wcLine
	}{{order.Product, w.LineItems}, {order.Shipping, w.ShippingLines}, {order.Fee, w.FeeLines}}
	for _, g := range groups {
		for _, l := range g.lines {
			line, err := readLine(g.kind, l, rates)
			if err != nil {
				return fail("%v", err)
			}
			o.Lines = append(o.Lines, splitRates(line, l, rates)...)
		}
	}
	// WooCommerce lists refunds newest first; Order.Refunds is oldest first.
	for i := len(w.Refunds) - 1; i >= 0; i-- {
		r := w.Refunds[i]
		amt, err := money(r.Total)
		if err != nil {
			return fail("refund %d total: %v", r.ID, err)
		}
		o.Refunds = append(o.Refunds, order.Refund{ID: strconv.FormatInt(int64(r.ID), 10), Reason: r.Reason, Amount: amt.Abs()})
	}
	return o, nil
}

// readLine reads one line of an order or a refund.
func readLine(kind order.LineKind, l wcLine, rates map[wcID]order.Rate) (order.Line, error) {
	line := order.Line{Kind: kind, ID: strconv.FormatInt(int64(l.ID), 10), SKU: l.SKU, Name: l.Name, Quantity: 1}
	if kind == order.Shipping {
		line.Name = l.MethodTitle
	}
	if kind == order.Product && l.Quantity != "" {
		q, err := l.Quantity.Float64()
		if err != nil || math.IsNaN(q) || math.Abs(q) > 1e12 {
			return line, fmt.Errorf("%s line %d: quantity %q", kind, l.ID, l.Quantity)
		}
		line.Quantity = int64(math.Round(q))
	}
	var err error
	if line.Net, err = money(l.Total); err != nil {
		return line, fmt.Errorf("%s line %d total: %v", kind, l.ID, err)
	}
	if line.VAT, err = money(l.TotalTax); err != nil {
		return line, fmt.Errorf("%s line %d total_tax: %v", kind, l.ID, err)
	}
	// The rate is the sum of the rates the line was taxed at (more than one
	// only with compound or stacked rates); a line without tax is 0 %.
	known := true
	var exactVAT int64
	for _, t := range l.Taxes {
		m, err := order.ParseMicros(string(t.Total))
		if err != nil {
			return line, fmt.Errorf("%s line %d tax %d: %v", kind, l.ID, t.ID, err)
		}
		exactVAT += m
		r, ok := rates[t.ID]
		if !ok {
			known = false
			continue
		}
		line.Rate += r
	}
	if !known || (line.Rate == 0 && line.VAT != 0) {
		line.Rate = inferRate(line.Net, line.VAT)
	}
	if line.Rate > 0 {
		line.Category = order.Standard
	} // at 0 % NewInvoice decides the category from the buyer and the shop
	line.Exact = exactLine(kind, l, line, exactVAT)
	return line, nil
}

// splitRates splits a line that WooCommerce taxed at several rates into one
// line per rate. WooCommerce does this with a negative fee (a discount): its
// VAT is spread over the cart's rates in proportion to their cost, so the
// fee line carries taxes[] of each rate. Each part's net is its tax / rate
// (the rest at 0 %), the line's rounded net and VAT split in proportion to
// the unrounded parts. A line of one rate, or of rates stacked on one amount
// (compound taxes, whose parts do not make up the net), is returned as it is.
func splitRates(line order.Line, l wcLine, rates map[wcID]order.Rate) []order.Line {
	if len(l.Taxes) < 2 || line.Exact == nil {
		return []order.Line{line}
	}
	per := map[order.Rate]int64{}
	var seq []order.Rate
	for _, t := range l.Taxes {
		r, ok := rates[t.ID]
		if !ok {
			return []order.Line{line}
		}
		m, _ := order.ParseMicros(string(t.Total))
		if _, seen := per[r]; !seen {
			seq = append(seq, r)
		}
		per[r] += m
	}
	if len(per) < 2 {
		return []order.Line{line}
	}
	nets := make([]int64, len(seq))
	vats := make([]int64, len(seq))
	rest := line.Exact.Net
	zero := -1
	for i, r := range seq {
		vats[i] = per[r]
		if r == 0 {
			zero = i
			continue
		}
		nets[i] = int64(math.Round(float64(per[r]) * 10000 / float64(r)))
		rest -= nets[i]
	}
	if zero >= 0 {
		nets[zero] = rest
	} else {
		// No 0 % part: the parts must make up the net, else the rates
		// were stacked on one amount (compound taxes), not split.
		if rest < -order.MicroPerCent*int64(len(seq)) || rest > order.MicroPerCent*int64(len(seq)) {
			return []order.Line{line}
		}
		big := 0
		for i := range nets {
			if abs64(nets[i]) > abs64(nets[big]) {
				big = i
			}
		}
		nets[big] += rest
	}
	netCents := order.Apportion(line.Net, nets)
	vatCents := order.Apportion(line.VAT, vats)
	out := make([]order.Line, len(seq))
	for i, r := range seq {
		p := line
		p.ID = fmt.Sprintf("%s-%s", line.ID, r.Percent())
		p.Name = fmt.Sprintf("%s (%s%%)", line.Name, r.Percent())
		p.Rate, p.Net, p.VAT = r, netCents[i], vatCents[i]
		p.Category = ""
		if r > 0 {
			p.Category = order.Standard
		}
		p.Exact = &order.Exact{Net: nets[i], VAT: vats[i]}
		out[i] = p
	}
	return out
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// exactLine is the line as WooCommerce computed it before rounding: the
// taxes[] totals are unrounded, and a product's unrounded net is its price
// (total / quantity, unrounded) × quantity. Shipping and fee nets are
// entered amounts, exact already. Figures that stray more than a cent from
// the rounded ones are not trusted: the line then has no Exact.
func exactLine(kind order.LineKind, l wcLine, line order.Line, exactVAT int64) *order.Exact {
	e := &order.Exact{Net: int64(line.Net) * order.MicroPerCent, VAT: int64(line.VAT) * order.MicroPerCent}
	if len(l.Taxes) > 0 {
		e.VAT = exactVAT
	}
	if kind == order.Product && l.Price != nil && line.Quantity != 0 {
		if p, err := l.Price.Float64(); err == nil && !math.IsNaN(p) && !math.IsInf(p, 0) && math.Abs(p) < 1e12 {
			e.Net = int64(math.Round(p * float64(line.Quantity) * 1e6))
		}
	}
	near := func(exact int64, m order.Money) bool {
		d := exact - int64(m)*order.MicroPerCent
		return d >= -order.MicroPerCent && d <= order.MicroPerCent
	}
	if !near(e.Net, line.Net) || !near(e.VAT, line.VAT) {
		return nil
	}
	return e
}

// inferRate derives a rate from amounts when the shop does not report it
// (WooCommerce before 5.7). VAT is rounded to the cent, so VAT/Net is only
// near the rate: the roundest rate (whole, half, quarter percent) that
// gives the same VAT within a cent wins, else the ratio in basis points.
func inferRate(net, vat order.Money) order.Rate {
	if net == 0 || vat == 0 || (net < 0) != (vat < 0) {
		return 0
	}
	ratio := math.Round(float64(vat) / float64(net) * 10000)
	if ratio > 10000 {
		return 0
	}
	for _, step := range []float64{100, 50, 25} {
		cand := order.Rate(math.Round(ratio/step) * step)
		if d := cand.Of(net) - vat; d >= -1 && d <= 1 {
			return cand
		}
	}
	return order.Rate(ratio)
}

func money(m wcMoney) (order.Money, error) { return order.ParseMoney(string(m)) }

// gmtTime reads WooCommerce's *_gmt dates ("2026-11-22T19:48:26", no zone,
// UTC by definition); null or "" is the zero time.
func gmtTime(s *string) (time.Time, error) {
	if s == nil || *s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05", *s, time.UTC)
	if err != nil {
		if t2, err2 := time.Parse(time.RFC3339, *s); err2 == nil {
			return t2.UTC(), nil
		}
		return time.Time{}, fmt.Errorf("%q is not a date", *s)
	}
	return t, nil
}

// adminURL is the order's edit screen. WooCommerce redirects this classic
// link to the HPOS screen when a shop uses order tables.
func adminURL(baseURL, id string) string {
	if baseURL == "" {
		return ""
	}
	return strings.TrimRight(baseURL, "/") + "/wp-admin/post.php?" + url.Values{"post": {id}, "action": {"edit"}}.Encode()
}

// ParseDeleted reads the body of an order.deleted delivery, which is only
// {"id":N}, and returns the order id. It accepts any order body, so it can
// also read the id of a full order.
func ParseDeleted(raw []byte) (string, error) {
	var w struct {
		ID *wcID `json:"id"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return "", fmt.Errorf("parse woocommerce deletion: %w", err)
	}
	if w.ID == nil || *w.ID <= 0 {
		return "", errors.New("parse woocommerce deletion: no positive id")
	}
	return strconv.FormatInt(int64(*w.ID), 10), nil
}
