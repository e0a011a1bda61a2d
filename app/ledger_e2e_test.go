package app_test

import (
	"context"
	"math"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// The end-to-end tests of issue 11: WooCommerce's Dutch orders (21, 9 and
// 0 %, coupons, shipping, negative fees, EU companies, exports, refunds)
// booked into Moneybird and e-Boekhouden by the service's own sync, and
// reconciled with what the shop says, per VAT rate, to the cent.

// split is net, VAT and gross in cents.
type split struct{ net, vat, gross int64 }

func (s *split) add(o split) { s.net, s.vat, s.gross = s.net+o.net, s.vat+o.vat, s.gross+o.gross }

// shopTruth is what the shop says of the orders Orderbrug booked: net and
// VAT per rate (basis points) of their invoices, from the lines' totals
// and the taxes each line names; and what their refunds paid back (incl.
// VAT). A refund without lines is spread over the rates by Orderbrug, so
// only its total is the shop's.
type shopTruth struct {
	invoices map[int64]split
	gross    int64
	refunded int64
}

func cents(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	m, err := order.ParseMoney(s)
	if err != nil {
		t.Fatalf("shop amount %q: %v", s, err)
	}
	return int64(m)
}

// truthOf reads the booked orders' figures from the shops. rates maps
// WooCommerce tax rate ids to basis points.
func truthOf(t *testing.T, booked []app.OrderView, shops map[string]*wcemu.Shop) shopTruth {
	t.Helper()
	tr := shopTruth{invoices: map[int64]split{}}
	rateOf := map[int64]int64{}
	for _, v := range booked {
		id, err := strconv.ParseInt(v.ID, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		o, ok := shops[v.Shop].Order(id)
		if !ok {
			t.Fatalf("order %s of %s is not in the shop", v.ID, v.Shop)
		}
		for _, tl := range o.TaxLines {
			rateOf[tl.RateID] = int64(math.Round(tl.RatePercent * 100))
		}
		perLine := func(total, tax string, taxes []wcemu.Tax) {
			rate := int64(0)
			for _, tx := range taxes {
				if cents(t, tx.Total) != 0 || len(taxes) == 1 {
					rate = rateOf[tx.ID]
				}
			}
			s := tr.invoices[rate]
			s.add(split{net: cents(t, total), vat: cents(t, tax), gross: cents(t, total) + cents(t, tax)})
			tr.invoices[rate] = s
		}
		for _, l := range o.LineItems {
			perLine(l.Total, l.TotalTax, l.Taxes)
		}
		for _, l := range o.ShippingLines {
			perLine(l.Total, l.TotalTax, l.Taxes)
		}
		for _, l := range o.FeeLines {
			perLine(l.Total, l.TotalTax, l.Taxes)
		}
		tr.gross += cents(t, o.Total)
		for _, r := range o.Refunds {
			tr.refunded += -cents(t, r.Total)
		}
	}
	var sum int64
	for _, s := range tr.invoices {
		sum += s.gross
	}
	if sum != tr.gross {
		t.Fatalf("the shop's lines add up to %d cents, its totals to %d: the truth itself is off", sum, tr.gross)
	}
	return tr
}

// ledgerWorld is a world with a second WooCommerce shop whose order
// numbers are the first one's (1000, 1001, ...), so a ledger's references
// must tell the shops apart.
type ledgerWorld struct {
	*world
	emu2  *wcemu.Shop
	shops map[string]*wcemu.Shop
}

func newLedgerWorld(t *testing.T, n int) *ledgerWorld {
	t.Helper()
	w := newWorld(t)
	w.emu.AddDutch(n, 11)
	lw := &ledgerWorld{world: w, emu2: wcemu.New(testKey, testSecret)}
	srv := httptest.NewServer(lw.emu2)
	t.Cleanup(srv.Close)
	lw.emu2.SetURL(srv.URL)
	lw.emu2.AddDutch(n/3, 11)
	if _, err := w.svc.AddShop(context.Background(), app.ShopInput{Name: "Theehuis", URL: srv.URL, Key: testKey, Secret: testSecret,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	lw.shops = map[string]*wcemu.Shop{w.shop: w.emu, "Theehuis": lw.emu2}
	return lw
}

// syncBooked syncs and returns the booked orders, failing on any order
// that failed or still waits for the ledger.
func (lw *ledgerWorld) syncBooked() []app.OrderView {
	t := lw.t
	t.Helper()
	lw.sync()
	list := func(states ...app.State) []app.OrderView {
		// Not world.orders: the two shops' order ids are the same.
		l, err := lw.svc.Orders(context.Background(), app.OrderQuery{States: states})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	for _, o := range list(app.Failed, app.Queued) {
		t.Errorf("order %s of %s is %s: %s %s", o.Number, o.Shop, o.State, o.Reason, o.Detail)
	}
	out := list(app.Booked)
	if len(out) == 0 {
		t.Fatal("nothing booked")
	}
	return out
}

// TestWooToMoneybirdReconciles: two shops' Dutch orders into Moneybird;
// per VAT rate the invoices' taxable amounts and VAT are the shop's to the
// cent, the credit invoices pay back what the shop refunded, every paid
// invoice is paid, each buyer is one contact whichever shop it bought in,
// and a second sync books nothing new.
func TestWooToMoneybirdReconciles(t *testing.T) {
	lw := newLedgerWorld(t, 90)
	ctx := context.Background()
	mb := mbemu.New(mbAdmin, mbToken)
	srv := httptest.NewServer(mb)
	t.Cleanup(srv.Close)
	mb.SetURL(srv.URL)
	// The limit is the backlog benchmark's subject; here every booking
	// goes in one sync.
	mb.SetRateLimit(100000, mbemu.RateWindow)
	if _, err := lw.svc.ConnectLedger(ctx, app.LedgerConnect{Kind: "moneybird", Token: mbToken, APIURL: srv.URL + "/api/v2"}); err != nil {
		t.Fatal(err)
	}
	booked := lw.syncBooked()
	truth := truthOf(t, booked, lw.shops)

	rates := map[string]int64{}
	for _, r := range mb.TaxRates() {
		pct, err := strconv.ParseFloat(r.Percentage, 64)
		if err != nil {
			t.Fatal(err)
		}
		rates[r.ID] = int64(math.Round(pct * 100))
	}
	got := map[int64]split{}
	var credited, unpaid int64
	invoices := 0
	for _, inv := range mb.Invoices() {
		if strings.Contains(inv.Reference, "-C") {
			credited += -cents(t, inv.TotalPriceInclTax)
			continue
		}
		invoices++
		for _, tt := range inv.TaxTotals {
			s := got[rates[tt.TaxRateID]]
			s.add(split{net: cents(t, tt.TaxableAmount), vat: cents(t, tt.TaxAmount)})
			got[rates[tt.TaxRateID]] = s
		}
		unpaid += cents(t, inv.TotalUnpaid)
		if n := len(mb.InvoicesByReference(inv.Reference)); n != 1 {
			t.Errorf("%s is in Moneybird %d times", inv.Reference, n)
		}
	}
	if invoices != len(booked) {
		t.Errorf("%d invoices in Moneybird for %d booked orders", invoices, len(booked))
	}
	// Where Moneybird's VAT still differs from the shop's after the price
	// mode was chosen, each cent is on a booking's warning.
	warned := warnedVAT(t, lw.svc)
	for rate, want := range truth.invoices {
		g, w := got[rate], warned[order.Rate(rate).Percent()]
		if g.vat != want.vat+w || abs(g.net-want.net) > abs(w) {
			t.Errorf("%s %%: Moneybird has %d net and %d VAT, the shop %d and %d, warned %d (cents)",
				order.Rate(rate).Percent(), g.net, g.vat, want.net, want.vat, w)
		}
	}
	if credited != truth.refunded || truth.refunded == 0 {
		t.Errorf("credit invoices pay back %d cents, the shop refunded %d", credited, truth.refunded)
	}
	if unpaid != 0 {
		t.Errorf("%d cents left unpaid in Moneybird on orders the shop has paid", unpaid)
	}
	seen := map[string]string{}
	for _, c := range mb.Contacts() {
		if other, ok := seen[c.CustomerID]; ok {
			t.Errorf("customer %s is two contacts: %s and %s", c.CustomerID, other, c.ID)
		}
		seen[c.CustomerID] = c.ID
	}
	if len(seen) >= invoices {
		t.Errorf("%d contacts for %d invoices: the second shop's buyers should be the first's", len(seen), invoices)
	}

	before, contacts := mb.InvoiceCount(), len(mb.Contacts())
	mb.ResetRequests()
	lw.sync()
	if mb.InvoiceCount() != before || len(mb.Contacts()) != contacts {
		t.Errorf("a second sync made %d invoices and %d contacts more", mb.InvoiceCount()-before, len(mb.Contacts())-contacts)
	}
	if n := mb.Requests(); n != 0 {
		t.Errorf("a second sync with nothing new sent %d requests to Moneybird", n)
	}
}

// TestWooToEBoekhoudenReconciles: the same into e-Boekhouden: per VAT code
// the invoices' rows are the shop's net and VAT of that rate to the cent,
// the credit notes book back what was refunded, one relation per buyer,
// and a second sync books nothing new.
func TestWooToEBoekhoudenReconciles(t *testing.T) {
	lw := newLedgerWorld(t, 90)
	ctx := context.Background()
	eb := ebemu.New(ebToken)
	srv := httptest.NewServer(eb)
	t.Cleanup(srv.Close)
	if _, err := lw.svc.ConnectLedger(ctx, app.LedgerConnect{Kind: "eboekhouden", Token: ebToken, APIURL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	booked := lw.syncBooked()
	truth := truthOf(t, booked, lw.shops)

	rateOf := map[string]int64{"HOOG_VERK_21": 2100, "LAAG_VERK_9": 900, "GEEN": 0, "BI_EU_VERK": 0, "BI_EU_VERK_D": 0, "BU_EU_VERK": 0}
	got := map[int64]split{}
	var credited int64
	invoices := 0
	for _, m := range eb.Mutations() {
		if m.Type != 2 {
			t.Errorf("mutation %d of type %d", m.ID, m.Type)
			continue
		}
		if n := len(eb.MutationsByInvoice(m.InvoiceNumber)); n != 1 {
			t.Errorf("%s is in e-Boekhouden %d times", m.InvoiceNumber, n)
		}
		if strings.Contains(m.InvoiceNumber, "-C") {
			credited += -ebemu.Gross(m)
			continue
		}
		invoices++
		for code, s := range ebemu.RowSplits(m) {
			rate, ok := rateOf[code]
			if !ok {
				t.Errorf("mutation %s books on VAT code %s", m.InvoiceNumber, code)
			}
			g := got[rate]
			g.add(split{net: s.Net, vat: s.VAT, gross: s.Gross})
			got[rate] = g
		}
	}
	if invoices != len(booked) {
		t.Errorf("%d invoices in e-Boekhouden for %d booked orders", invoices, len(booked))
	}
	for rate, want := range truth.invoices {
		if g := got[rate]; g.net != want.net || g.vat != want.vat {
			t.Errorf("%s %%: e-Boekhouden has %d net and %d VAT, the shop %d and %d (cents)", order.Rate(rate).Percent(), g.net, g.vat, want.net, want.vat)
		}
	}
	if credited != truth.refunded || truth.refunded == 0 {
		t.Errorf("credit notes book back %d cents, the shop refunded %d", credited, truth.refunded)
	}
	codes := map[string]bool{}
	for _, r := range eb.Relations() {
		if codes[r.Code] {
			t.Errorf("relation code %s twice", r.Code)
		}
		codes[r.Code] = true
	}
	if len(codes) >= invoices {
		t.Errorf("%d relations for %d invoices: the second shop's buyers should be the first's", len(codes), invoices)
	}

	before, relations := eb.MutationCount(), eb.RelationCount()
	lw.sync()
	if eb.MutationCount() != before || eb.RelationCount() != relations {
		t.Errorf("a second sync made %d mutations and %d relations more", eb.MutationCount()-before, eb.RelationCount()-relations)
	}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// warnedVAT sums the VAT differences the ledger warned of on invoices, per rate
// (percent text): the ledger's VAT minus the shop's, in cents.
func warnedVAT(t *testing.T, svc *app.Service) map[string]int64 {
	t.Helper()
	evs, err := svc.Events(context.Background(), app.EventQuery{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range evs {
		if e.Code == ledger.WarnVATDiffers && !strings.Contains(e.Args["invoice"], "-C") { // invoices, not credit notes
			out[e.Args["rate"]] += cents(t, e.Args["diff"])
		}
	}
	return out
}
