package moneybird

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

const (
	adminID = "300000000000000001"
	tok     = "mb-personal-token-7f3a9c0e51"
)

// clock is a fake clock shared by the emulator and the ledger.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is an emulated Moneybird on 127.0.0.1, a real SQLite journal and a
// ledger on both.
type env struct {
	t       testing.TB
	mb      *mbemu.Moneybird
	srv     *httptest.Server
	st      *store.Store
	clock   *clock
	mapping ledger.Mapping
	l       *Ledger
	ctx     context.Context
}

func newEnv(t testing.TB) *env { return newEnvWith(t, nil) }

// newEnvWith is newEnv with the emulator's handler wrapped by wrap (nil:
// as it is).
func newEnvWith(t testing.TB, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	ctx := context.Background()
	mb := mbemu.New(adminID, tok)
	var h http.Handler = mb
	if wrap != nil {
		h = wrap(mb)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	// Limiters are shared per API root and token, and a closed test
	// server's port comes again (often on Windows: a test under Wine met
	// an earlier test's spent window at its own URL): each test starts
	// with none. The package's tests do not run in parallel.
	limiters.Lock()
	clear(limiters.m)
	limiters.Unlock()
	mb.SetURL(srv.URL)
	clk := &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	mb.SetClock(clk.Now)
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, mb: mb, srv: srv, st: st, clock: clk, ctx: ctx}
	e.mapping = ledger.Mapping{
		ledger.Case21:            {TaxRate: mb.TaxRateID("21% btw"), Account: mb.LedgerAccountID("8000")},
		ledger.Case9:             {TaxRate: mb.TaxRateID("9% btw"), Account: mb.LedgerAccountID("8000")},
		ledger.Case0:             {TaxRate: mb.TaxRateID("0% btw"), Account: mb.LedgerAccountID("8000")},
		ledger.CaseReverseCharge: {TaxRate: mb.TaxRateID("Binnen EU"), Account: mb.LedgerAccountID("8000")},
		ledger.CaseIntraEUGoods:  {TaxRate: mb.TaxRateID("Binnen EU"), Account: mb.LedgerAccountID("8000")},
		ledger.CaseExport:        {TaxRate: mb.TaxRateID("Buiten EU"), Account: mb.LedgerAccountID("8000")},
		ledger.CaseShipping:      {Account: mb.LedgerAccountID("8200")},
		ledger.CaseFees:          {Account: mb.LedgerAccountID("8000")},
	}
	e.l = e.ledger("moneybird/" + adminID)
	return e
}

// config is the ledger's config on e, its journal namespace ns.
func (e *env) config(ns string) ledger.Config {
	return ledger.Config{
		APIURL:         e.srv.URL + "/api/v2",
		Token:          tok,
		Administration: adminID,
		HTTP:           &http.Client{Timeout: 5 * time.Second},
		Now:            e.clock.Now,
		Journal:        e.st.Journal(ns),
		Mapping:        func(context.Context) (ledger.Mapping, error) { return e.mapping, nil },
	}
}

func (e *env) ledger(ns string) *Ledger {
	e.t.Helper()
	l, err := New(e.config(ns))
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// book books inv and fails the test on an error.
func (e *env) book(inv order.Invoice) ledger.Booked {
	e.t.Helper()
	b, err := e.l.BookReport(e.ctx, inv)
	if err != nil {
		e.t.Fatalf("book %s: %v", inv.Key, err)
	}
	return b
}

// noToken fails when err's text holds the token.
func noToken(t testing.TB, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), tok) {
		t.Fatalf("the token is in the error: %v", err)
	}
}

func isPermanent(err error) bool { return errors.Is(err, ledger.ErrPermanent) }

func reasonOf(err error) string {
	var re *ledger.ReasonError
	if errors.As(err, &re) {
		return re.Reason
	}
	return ""
}

var (
	orderPaid = time.Date(2026, 11, 22, 19, 48, 57, 0, time.UTC)
)

func seller() order.Seller {
	return order.Seller{
		Party: order.Party{
			Name: "Bakker Koffie", Company: "Bakker Koffie B.V.", Email: "info@bakker.example",
			VATID: "NL123456789B01", KvK: "12345678",
			Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"},
		},
		IBAN: "NL91ABNA0417164300",
	}
}

func buyer() order.Party {
	return order.Party{
		Name: "Test Klant", Company: "Testbedrijf B.V.", Email: "klant@example.com", Phone: "0300000000",
		KvK:     "87654321",
		Address: order.Address{Street: "Teststraat 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"},
	}
}

// order13 is WooCommerce's real order 13 (prices incl. 21 % VAT, a coupon
// in the product lines, shipping, a fee, a refund of 5.00), as the order
// package's tests write it out.
func order13() order.Order {
	return order.Order{
		Source: order.WooCommerce, ID: "13", Number: "13", Status: "completed",
		Created:          time.Date(2026, 11, 22, 19, 48, 26, 0, time.UTC),
		Modified:         time.Date(2026, 11, 22, 19, 49, 5, 0, time.UTC),
		Paid:             orderPaid,
		Currency:         "EUR",
		PricesIncludeTax: true,
		Buyer:            buyer(),
		Lines: []order.Line{
			{Kind: order.Product, ID: "1", SKU: "MOK-01", Name: "Koffiemok", Quantity: 2, Net: 1800, VAT: 378, Rate: order.RateHigh, Category: order.Standard},
			{Kind: order.Product, ID: "2", SKU: "THEE/EG", Name: "Thee – Earl Grey", Quantity: 3, Net: 1080, VAT: 227, Rate: order.RateHigh, Category: order.Standard},
			{Kind: order.Shipping, ID: "3", Name: "Verzending", Quantity: 0, Net: 496, VAT: 104, Rate: order.RateHigh, Category: order.Standard},
			{Kind: order.Fee, ID: "4", Name: "Verpakkingskosten", Quantity: 0, Net: 100, VAT: 21, Rate: order.RateHigh, Category: order.Standard},
		},
		Refunds:            []order.Refund{{ID: "14", Reason: "Beschadigd", Amount: 500, Created: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}},
		Total:              4206,
		TotalTax:           730,
		PaymentMethod:      "bacs",
		PaymentMethodTitle: "Bankoverschrijving",
		ShopURL:            "https://winkel.example/wp-admin/post.php?post=13&action=edit",
	}
}

// simpleOrder is order number n of buyer b: one line of 10.00 + 21 %
// VAT and one of 5.00 + 9 %, paid.
func simpleOrder(n string, b order.Party) order.Order {
	return order.Order{
		Source: order.WooCommerce, ID: n, Number: n, Status: "processing",
		Created:  time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Modified: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Paid:     time.Date(2026, 11, 23, 9, 1, 0, 0, time.UTC),
		Currency: "EUR", Buyer: b,
		Lines: []order.Line{
			{Kind: order.Product, ID: "1", Name: "Koffiebonen 1 kg", Quantity: 1, Net: 1000, VAT: 210, Rate: order.RateHigh, Category: order.Standard},
			{Kind: order.Product, ID: "2", Name: "Boek", Quantity: 1, Net: 500, VAT: 45, Rate: order.RateLow, Category: order.Standard},
		},
		Total: 1755, TotalTax: 255,
	}
}

// invoice is NewInvoice of o for shop.
func invoice(t testing.TB, shop string, o order.Order) order.Invoice {
	t.Helper()
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Key: "woocommerce/" + shop + "/" + o.ID + "/invoice", Shop: shop, Seller: seller()})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// mbContact is a contact as a person makes it in Moneybird.
func mbContact(last, first, email string) mbemu.Contact {
	return mbemu.Contact{Lastname: last, Firstname: first, SendInvoicesToEmail: email, Country: "NL"}
}
