package moneybird

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // the payment date on any machine

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// pay registers the payment of a paid invoice (POST .../payments; a credit
// note's is negative). got is the invoice as answered in this call, nil
// when it was created in an earlier one: then, if an earlier attempt sent
// the payment, the invoice is read first, and a payment already there (a
// lost answer) is not registered again. An invoice a person deleted in
// Moneybird is forgotten: the booking fails, and a retry books it anew.
func (l *Ledger) pay(ctx context.Context, inv order.Invoice, id string, got *salesInvoice, d *invData) error {
	key := invKey(inv)
	created := ledger.Entry{State: ledger.StateCreated, Ref: id}
	gone := func(err error) error {
		d.PaySent = false
		if perr := l.put(ctx, key, ledger.Entry{State: stateNew}, *d); perr != nil {
			return perr
		}
		return ledger.Permanent(fmt.Errorf("invoice %s: Moneybird invoice %s no longer exists (deleted?); a retry books it again: %w",
			ledger.Reference(inv), id, err))
	}
	var ae *APIError
	if got == nil && d.PaySent {
		var si salesInvoice
		_, err := l.c.do(ctx, http.MethodGet, l.path("external_sales_invoices/"+url.PathEscape(id)), nil, nil, &si)
		if isNotFound(err) {
			return gone(err)
		}
		if err != nil {
			return err
		}
		got = &si
	}
	if got != nil && len(got.Payments) > 0 {
		return nil
	}
	date := inv.PaidAt
	if date.IsZero() {
		date = inv.IssueDate
	} else {
		date = paidDate(date)
	}
	price := payAmount(inv, d)
	pm := map[string]any{
		"payment_date": date.Format("2006-01-02"),
		"price":        price.String(),
	}
	if inv.Currency != "" && inv.Currency != "EUR" {
		if base, ok := eurAmount(price, inv.EURRate); ok {
			pm["price_base"] = base.String()
		}
	}
	d.PaySent = true
	if err := l.put(ctx, key, created, *d); err != nil {
		return err
	}
	_, err := l.c.do(ctx, http.MethodPost, l.path("external_sales_invoices/"+url.PathEscape(id)+"/payments"), nil,
		map[string]any{"payment": pm}, nil)
	if err != nil && notSent(err) {
		d.PaySent = false
		if perr := l.put(ctx, key, created, *d); perr != nil {
			return perr
		}
	}
	switch {
	case isNotFound(err):
		return gone(err)
	case errors.As(err, &ae) && (ae.Status == http.StatusBadRequest || ae.Status == http.StatusUnprocessableEntity):
		return ledger.Permanent(fmt.Errorf("payment of invoice %s: %w", ledger.Reference(inv), err))
	}
	return err
}

// payAmount is the payment to register, signed: what the buyer paid; but
// when Moneybird's VAT differs from the shop's (warned) and the buyer paid
// the whole invoice, Moneybird's total when it is off from the shop's by
// no more than the warned cents, so that the invoice is paid and not left
// open by the difference. Every VAT warning then says what was paid
// ("paid").
func payAmount(inv order.Invoice, d *invData) order.Money {
	paid := sign(inv) * inv.Prepaid
	var warned order.Money
	var vat []int
	for i, w := range d.Warnings {
		if w.Code != ledger.WarnVATDiffers {
			continue
		}
		vat = append(vat, i)
		if diff, err := order.ParseMoney(w.Args["diff"]); err == nil {
			warned += diff.Abs()
		}
	}
	if len(vat) == 0 {
		return paid
	}
	if total, err := order.ParseMoney(d.Total); err == nil && inv.Prepaid == inv.Total && total != paid && (total-paid).Abs() <= warned {
		paid = total
	}
	for _, i := range vat {
		args := make(map[string]string, len(d.Warnings[i].Args)+1)
		for k, v := range d.Warnings[i].Args {
			args[k] = v
		}
		args["paid"] = paid.String()
		d.Warnings[i].Args = args
	}
	return paid
}

// isNotFound says err is Moneybird's 404 of a record (not of the
// administration, which is a ReasonUnauthorized).
func isNotFound(err error) bool {
	var ae *APIError
	var re *ledger.ReasonError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound && !errors.As(err, &re)
}

// eurAmount is m at rate (EUR per unit, as a person gave it), rounded
// half away from zero.
func eurAmount(m order.Money, rate string) (order.Money, bool) {
	r, ok := new(big.Rat).SetString(strings.ReplaceAll(strings.TrimSpace(rate), ",", "."))
	if !ok || r.Sign() <= 0 {
		return 0, false
	}
	v := new(big.Rat).Mul(big.NewRat(int64(m), 1), r)
	num, den := new(big.Int).Abs(v.Num()), v.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(rem, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, false
	}
	if v.Sign() < 0 {
		return order.Money(-q.Int64()), true
	}
	return order.Money(q.Int64()), true
}

// amsterdam is the zone a payment is dated in (the shop's wall clock).
var amsterdam = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
}()

// paidDate is the calendar day of t in Europe/Amsterdam when t is in UTC,
// else in t's own zone.
func paidDate(t time.Time) time.Time {
	if t.Location() == time.UTC {
		t = t.In(amsterdam)
	}
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}
