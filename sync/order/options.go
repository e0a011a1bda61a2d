package order

import (
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Sells says what a shop sells, which decides the VAT category of a sale
// without VAT to a business abroad: goods to an EU business are an
// intra-community supply (K), services reverse charge (AE); outside the EU
// goods are an export (G), services not subject to Dutch VAT (O).
type Sells string

// What a shop sells. The empty value means goods.
const (
	SellsGoods    Sells = "goods"
	SellsServices Sells = "services"
)

// InvoiceOptions are what NewInvoice needs besides the order: the booking's
// identity, the seller and the shop's settings.
type InvoiceOptions struct {
	// Key is the idempotency key (the outbox key, engine.InvoiceKey); it
	// becomes Invoice.Key.
	Key string
	// Shop is the shop's immutable slug (file names); never its display name.
	Shop   string
	Seller Seller
	Sells  Sells
	// EURRate is EUR per one unit of the order's currency, as a person typed
	// it ("0.9213"); required (else *CurrencyError) when the order's
	// currency is not EUR; ignored for EUR.
	EURRate string
	// Location is the shop's time zone for the invoice date when the order
	// has no local date; nil means Europe/Amsterdam.
	Location *time.Location
}

// LocalLayout is the layout of Order.CreatedLocal: a wall clock without zone.
const LocalLayout = "2006-01-02T15:04:05"

// issueDate is the order's date in the shop's own time zone, as a calendar
// date: midnight UTC of that day, so that converting it to UTC (as a store
// does) never moves it to another day.
func issueDate(o Order, loc *time.Location) (time.Time, error) {
	if s := strings.TrimSpace(o.CreatedLocal); s != "" {
		if len(s) >= 10 {
			if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("order %s: local order date %q is not %s", orderNumber(o), s, LocalLayout)
	}
	if loc == nil {
		loc = amsterdam()
	}
	y, m, d := o.Created.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// calendarDate is t's date on the shop's wall clock (UTC read as
// Europe/Amsterdam), as midnight UTC of that day.
func calendarDate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	if t.Location() == time.UTC {
		t = t.In(amsterdam())
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// amsterdam is Europe/Amsterdam, or a fixed CET (UTC+1) when the system has
// no time zone database (the binary embeds none).
func amsterdam() *time.Location {
	if l, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return l
	}
	return time.FixedZone("CET", 3600)
}

// eurAmount converts m (cents of another currency) to EUR cents at rate, as
// a person typed it ("0.9213", "0,9213"): rounded half away from zero.
func eurAmount(m Money, rate string) (Money, bool) {
	r, ok := parseRate(rate)
	if !ok {
		return 0, false
	}
	v := new(big.Rat).Mul(new(big.Rat).SetInt64(int64(m)), r)
	num, den := v.Num(), v.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, false
	}
	return Money(q.Int64()), true
}

// parseRate reads a positive decimal exchange rate.
func parseRate(s string) (*big.Rat, bool) {
	t := strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if t == "" || strings.Trim(t, "0123456789.") != "" || strings.Count(t, ".") > 1 || len(t) > 30 {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(t)
	if !ok || r.Sign() <= 0 {
		return nil, false
	}
	return r, true
}
