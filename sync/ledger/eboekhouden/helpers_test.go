package eboekhouden

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

const apiToken = "EB-API-TOKEN-3f9a7c1d"

// clock is a settable fake clock shared by the ledger and the emulator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tokenSpy remembers every Authorization header sent (the session tokens),
// so a test can check that none shows in an error.
type tokenSpy struct {
	mu   sync.Mutex
	seen map[string]bool
	next http.RoundTripper
}

func (s *tokenSpy) RoundTrip(r *http.Request) (*http.Response, error) {
	if a := r.Header.Get("Authorization"); a != "" {
		s.mu.Lock()
		s.seen[a] = true
		s.mu.Unlock()
	}
	return s.next.RoundTrip(r)
}

func (s *tokenSpy) tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{apiToken}
	for t := range s.seen {
		out = append(out, t)
	}
	return out
}

type fixture struct {
	t       *testing.T
	ctx     context.Context
	emu     *ebemu.Emu
	srv     *httptest.Server
	clk     *clock
	st      *store.Store
	journal ledger.Journal
	spy     *tokenSpy
	mapping ledger.Mapping
	l       *Ledger
}

// start serves a fresh ebemu on 127.0.0.1 and makes a ledger on it with a
// real SQLite journal and the default mapping (read from the emulator).
func start(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	e := ebemu.New(apiToken)
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e.SetClock(clk.Now)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("server at %s", srv.URL)
	}
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, ctx: ctx, emu: e, srv: srv, clk: clk, st: st, journal: st.Journal("eboekhouden"),
		spy: &tokenSpy{seen: map[string]bool{}, next: &http.Transport{}}}
	f.l = f.newLedger(apiToken)
	m, err := f.l.Defaults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.mapping = m
	return f
}

// newLedger makes another ledger on the same emulator and journal (a
// restart of the app).
func (f *fixture) newLedger(tok string) *Ledger {
	f.t.Helper()
	l, err := New(ledger.Config{APIURL: f.srv.URL, Token: tok, Now: f.clk.Now, Journal: f.journal,
		HTTP:    &http.Client{Timeout: 5 * time.Second, Transport: f.spy},
		Mapping: func(context.Context) (ledger.Mapping, error) { return f.mapping, nil }})
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

// noToken fails the test when an API or session token shows in err.
func (f *fixture) noToken(err error) {
	f.t.Helper()
	if err == nil {
		return
	}
	for _, tok := range f.spy.tokens() {
		tok = strings.TrimPrefix(tok, "Bearer ")
		if strings.Contains(err.Error(), tok) {
			f.t.Fatalf("a token in the error %q", err)
		}
	}
}

// ledgerID is the emulator's id of the ledger with code, as a mapping
// account.
func (f *fixture) ledgerID(code string) string {
	f.t.Helper()
	l, ok := f.emu.LedgerByCode(code)
	if !ok {
		f.t.Fatalf("no ledger %s", code)
	}
	return itoa(l.ID)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var paidAt = time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)

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

func consumer() order.Party {
	return order.Party{Name: "Jan Jansen", Email: "jan@example.nl", Phone: "0612345678",
		Address: order.Address{Street: "Kerkstraat 2", Postcode: "1012 AB", City: "Amsterdam", Country: "NL"}}
}

func ln(kind order.LineKind, id, name string, qty int64, net, vat order.Money, rate order.Rate, cat order.Category) order.Line {
	return order.Line{Kind: kind, ID: id, Name: name, Quantity: qty, Net: net, VAT: vat, Rate: rate, Category: cat}
}

// shopOrder is an order of a Dutch web shop: paid, dated 2 March 2026.
func shopOrder(number string, buyer order.Party, inclTax bool, lines ...order.Line) order.Order {
	o := order.Order{Source: order.WooCommerce, ID: number, Number: number, Status: "completed", Currency: "EUR",
		Created: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), CreatedLocal: "2026-03-02T10:30:00",
		Paid: paidAt, PricesIncludeTax: inclTax, Buyer: buyer, Lines: lines,
		ShopURL: "https://shop.example/wp-admin/post.php?post=" + number}
	for _, l := range lines {
		o.Total += l.Net + l.VAT
		o.TotalTax += l.VAT
	}
	return o
}

// invoice makes the real invoice of o in shop.
func (f *fixture) invoice(shop string, o order.Order) order.Invoice {
	f.t.Helper()
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: shop, Seller: seller(),
		Key: "woocommerce/" + shop + "/" + o.ID + "/invoice"})
	if err != nil {
		f.t.Fatal(err)
	}
	return inv
}

// mixedOrder has products at 21 % and 9 %, shipping and a fee.
func mixedOrder(number string, buyer order.Party) order.Order {
	return shopOrder(number, buyer, true,
		ln(order.Product, "1", "Koffiemok", 2, 1800, 378, order.RateHigh, order.Standard),
		ln(order.Product, "2", "Koffiebonen 1 kg", 1, 1835, 165, order.RateLow, order.Standard),
		ln(order.Shipping, "3", "Verzending", 1, 496, 104, order.RateHigh, order.Standard),
		ln(order.Fee, "4", "Verpakkingskosten", 1, 100, 21, order.RateHigh, order.Standard),
	)
}

// slowTransport holds every request back by delay (a slow e-Boekhouden).
type slowTransport struct {
	next  http.RoundTripper
	delay time.Duration
}

func (s *slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-time.After(s.delay):
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return s.next.RoundTrip(r)
}

// lateAnswer passes the requests to path on at once and holds their
// answers back by delay: e-Boekhouden commits, the client times out.
type lateAnswer struct {
	next  http.RoundTripper
	path  string
	delay time.Duration
}

func (s *lateAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(r)
	if err != nil || r.URL.Path != s.path {
		return resp, err
	}
	select {
	case <-time.After(s.delay):
		return resp, nil
	case <-r.Context().Done():
		resp.Body.Close()
		return nil, r.Context().Err()
	}
}

func newClient(rt http.RoundTripper, timeout time.Duration) *http.Client {
	return &http.Client{Transport: rt, Timeout: timeout}
}
