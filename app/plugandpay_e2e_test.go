package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// This file proves Plug&Pay end to end through the real service: its
// emulator (ppemu) on 127.0.0.1, polls, webhooks through the real webhook
// server behind the owner's own public URL, the command line, and every
// invoice a valid UBL file.

const ppKey = "pp_test_0123456789abcdefghijklmnopqrstuvwxyzABCDEF"

// ppWorld is a Plug&Pay tenant emulated on 127.0.0.1 and a service on a
// temporary data directory with the tenant connected as a shop. With own
// (newPPOwnWorld) the same server also proxies /pp1/ and /pp2/ to the
// webhook server's fixed local address, as the owner's reverse proxy.
type ppWorld struct {
	t      *testing.T
	emu    *ppemu.Shop
	srv    *httptest.Server
	svc    *app.Service
	dir    string
	ubl    string
	shop   string
	listen string
}

func newPPWorld(t *testing.T) *ppWorld {
	t.Helper()
	w := &ppWorld{t: t, emu: ppemu.New(ppKey), dir: t.TempDir(), shop: "Cursusplein"}
	w.srv = httptest.NewServer(w.emu)
	t.Cleanup(w.srv.Close)
	w.emu.SetURL(w.srv.URL)
	w.setUp()
	return w
}

// newPPOwnWorld is newPPWorld with the owner's own reverse proxy: /pp1/
// and /pp2/ on the emulator's host forward to the webhook server.
func newPPOwnWorld(t *testing.T) *ppWorld {
	t.Helper()
	w := &ppWorld{t: t, emu: ppemu.New(ppKey), dir: t.TempDir(), shop: "Cursusplein"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.listen = ln.Addr().String()
	ln.Close()
	target, _ := url.Parse("http://" + w.listen)
	proxy := httputil.NewSingleHostReverseProxy(target)
	mux := http.NewServeMux()
	for _, prefix := range []string{"/pp1", "/pp2"} {
		mux.Handle(prefix+"/", http.StripPrefix(prefix, proxy))
	}
	mux.Handle("/", w.emu)
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	w.emu.SetURL(w.srv.URL)
	w.setUp()
	return w
}

func (w *ppWorld) setUp() {
	w.t.Helper()
	ctx := context.Background()
	svc, err := app.Open(ctx, app.Options{DataDir: filepath.Join(w.dir, "data")})
	if err != nil {
		w.t.Fatal(err)
	}
	w.svc = svc
	w.t.Cleanup(func() { svc.Close() })
	w.ubl = filepath.Join(w.dir, "facturen")
	// A Plug&Pay shop sells courses and coaching: services, so an EU
	// business buyer is reverse charge (AE).
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: w.shop, Source: order.PlugAndPay, URL: w.srv.URL, Key: ppKey,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Sells: order.SellsServices}); err != nil {
		w.t.Fatal(err)
	}
	if err := svc.SetSeller(ctx, testSeller()); err != nil {
		w.t.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, w.ubl); err != nil {
		w.t.Fatal(err)
	}
}

func (w *ppWorld) slug() string { return store.MakeSlug(w.shop) }

func (w *ppWorld) sync() app.SyncResult {
	w.t.Helper()
	res, err := w.svc.Sync(context.Background(), "", nil)
	if err != nil {
		w.t.Fatalf("sync: %v", err)
	}
	return res
}

// orders are the shop's orders by Plug&Pay id.
func (w *ppWorld) orders() map[string]app.OrderView {
	w.t.Helper()
	list, err := w.svc.Orders(context.Background(), app.OrderQuery{})
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]app.OrderView{}
	for _, o := range list {
		out[o.ID] = o
	}
	return out
}

func (w *ppWorld) order(id int64) app.OrderView {
	w.t.Helper()
	return w.orders()[strconv.FormatInt(id, 10)]
}

func (w *ppWorld) detail(id int64) app.OrderDetail {
	w.t.Helper()
	v := w.order(id)
	if v.ID == "" {
		w.t.Fatalf("order %d is not known", id)
	}
	d, err := w.svc.Order(context.Background(), w.shop, v.Number)
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

// bookings counts the order's done bookings by kind.
func bookings(d app.OrderDetail) map[order.InvoiceKind][]app.OutboxItem {
	out := map[order.InvoiceKind][]app.OutboxItem{}
	for _, b := range d.Bookings {
		if b.State == "done" {
			out[b.Kind] = append(out[b.Kind], b)
		}
	}
	return out
}

// wantBooked checks that order id is booked with exactly one invoice (and
// credits credit notes) and returns its detail.
func (w *ppWorld) wantBooked(id int64, credits int) app.OrderDetail {
	w.t.Helper()
	d := w.detail(id)
	bs := bookings(d)
	if d.State != app.Booked || len(bs[order.KindInvoice]) != 1 || len(bs[order.KindCreditNote]) != credits {
		w.t.Fatalf("order %d is %s (%s %s %s) with %d invoices and %d credit notes, want booked with 1 and %d",
			id, d.State, d.Reason, d.ReasonArg, d.Detail, len(bs[order.KindInvoice]), len(bs[order.KindCreditNote]), credits)
	}
	if len(d.Bookings) != 1+credits {
		w.t.Fatalf("order %d has bookings %+v", id, d.Bookings)
	}
	return d
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func percentRE(p string) *regexp.Regexp {
	return regexp.MustCompile(`<cbc:Percent>` + p + `(\.0+)?</cbc:Percent>`)
}

// TestPlugAndPayPollBooksAndParks: the Dutch orders in a Plug&Pay
// tenant, polled through the service: paid booked, open parked, credited
// booked with its credit invoice as a credit note referring to the
// invoice, each recurring term its own invoice, upsells, 21 and 9 %, a
// Dutch business with its VAT id, an EU business reverse charge. A
// payment later books at the next sync or recheck, a booked order
// credited afterwards gets one credit note and is not "changed after
// booking", nothing is booked twice, and every file is valid UBL.
func TestPlugAndPayPollBooksAndParks(t *testing.T) {
	w := newPPWorld(t)
	ctx := context.Background()
	sc := w.emu.AddScenario()
	res := w.sync()
	if len(res.Polls) != 1 || res.Polls[0].Unreadable != 0 {
		t.Fatalf("sync: %+v", res)
	}
	// Every order but the credit invoice, which is the credited order's
	// credit note.
	if got, want := len(w.orders()), w.emu.Len()-1; got != want {
		t.Fatalf("%d orders kept, the tenant has %d besides the credit invoice", got, want)
	}
	if v := w.order(sc.CreditInvoice); v.ID != "" {
		t.Errorf("the credit invoice is an order of its own: %+v", v)
	}

	open := w.order(sc.Open)
	if open.State != app.Parked || open.Reason != engine.ReasonNotForwarded || open.ReasonArg != "open" {
		t.Errorf("open order is %s/%s(%s), want parked for its status", open.State, open.Reason, open.ReasonArg)
	}
	paid := w.wantBooked(sc.Paid, 0)
	for _, id := range []int64{sc.RecurringFirst, sc.Upsell, sc.OneClickUpsell} {
		w.wantBooked(id, 0)
	}
	refs := map[string]bool{paid.BookingRef: true}
	for _, id := range sc.RecurringTerms {
		d := w.wantBooked(id, 0)
		if !d.Order.Recurring {
			t.Errorf("recurring term %d is not marked recurring", id)
		}
		if refs[d.BookingRef] {
			t.Errorf("recurring term %d shares invoice %s", id, d.BookingRef)
		}
		refs[d.BookingRef] = true
	}

	// Credited with its credit invoice: the invoice and a credit note
	// referring to it, both from the first sync.
	cred := w.wantBooked(sc.Credited, 1)
	if cred.ChangedAfterBooking {
		t.Errorf("credited order marked changed after booking: %s", cred.ChangeNote)
	}
	credit := bookings(cred)[order.KindCreditNote][0]
	if credit.RefundID != strconv.FormatInt(sc.CreditInvoice, 10) {
		t.Errorf("credit note of refund %q, want the credit invoice %d", credit.RefundID, sc.CreditInvoice)
	}
	body := readFile(t, credit.Ref)
	if !strings.Contains(body, "<CreditNote") || !strings.Contains(body, "<cac:BillingReference>") || !strings.Contains(body, cred.InvoiceID) {
		t.Errorf("credit note %s does not refer to invoice %s", credit.Ref, cred.InvoiceID)
	}
	if inv := readFile(t, cred.BookingRef); !strings.Contains(inv, "<Invoice") {
		t.Errorf("%s is not an invoice", cred.BookingRef)
	}

	multi := readFile(t, w.wantBooked(sc.MultiRate, 0).BookingRef)
	if !percentRE("21").MatchString(multi) || !percentRE("9").MatchString(multi) {
		t.Errorf("multi-rate invoice lacks 21 %% or 9 %%:\n%s", multi)
	}
	b2b := readFile(t, w.wantBooked(sc.B2BNL, 0).BookingRef)
	if !strings.Contains(b2b, ppemu.BuyerB2BNL.VATID) || !strings.Contains(b2b, ppemu.BuyerB2BNL.Company) {
		t.Errorf("B2B invoice lacks the buyer's company or VAT id:\n%s", b2b)
	}
	eu := readFile(t, w.wantBooked(sc.EUB2B, 0).BookingRef)
	if !strings.Contains(eu, "<cbc:ID>AE</cbc:ID>") || !strings.Contains(eu, ppemu.BuyerReverseEU.VATID) || !percentRE("0").MatchString(eu) {
		t.Errorf("EU business invoice is not reverse charge (AE, 0 %%) with the buyer's VAT id:\n%s", eu)
	}

	// Paid later: the next sync books it.
	if err := w.emu.Pay(sc.Open); err != nil {
		t.Fatal(err)
	}
	res = w.sync()
	if res.Booked.Booked != 1 {
		t.Errorf("sync after the payment booked %d, want 1 (%+v)", res.Booked.Booked, res)
	}
	w.wantBooked(sc.Open, 0)

	// Paid later, and nothing tells: the recheck of parked orders books it.
	late := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Webinar terugkijken", ProductID: 15, UnitPrice: 4999, Rate: 2100}},
		Buyer: ppemu.Consumer(2), Open: true})
	w.sync()
	if v := w.order(late); v.State != app.Parked {
		t.Fatalf("new open order is %s", v.State)
	}
	if err := w.emu.Pay(late); err != nil {
		t.Fatal(err)
	}
	rr, _, err := w.svc.Recheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rr) != 1 || rr[0].Changed != 1 {
		t.Errorf("recheck: %+v", rr)
	}
	if _, err := w.svc.Engine().BookDue(ctx); err != nil {
		t.Fatal(err)
	}
	w.wantBooked(late, 0)

	// A booked order credited afterwards: one credit note, no "changed
	// after booking", no status change event.
	creditID, err := w.emu.Credit(sc.Paid)
	if err != nil {
		t.Fatal(err)
	}
	res = w.sync()
	if res.Booked.Booked != 1 {
		t.Errorf("sync after the credit booked %d, want 1 credit note (%+v)", res.Booked.Booked, res)
	}
	d := w.wantBooked(sc.Paid, 1)
	if d.ChangedAfterBooking {
		t.Errorf("credited after booking marked changed after booking: %s", d.ChangeNote)
	}
	if cn := bookings(d)[order.KindCreditNote][0]; cn.RefundID != strconv.FormatInt(creditID, 10) ||
		!strings.Contains(readFile(t, cn.Ref), d.InvoiceID) {
		t.Errorf("credit note %+v does not credit %d with a reference to %s", cn, creditID, d.InvoiceID)
	}
	for _, e := range d.Events {
		if e.Code == "changed_after_booking" || e.Code == "status_after_booking" {
			t.Errorf("event %s %v on the credited order", e.Code, e.Args)
		}
	}
	if v := w.order(creditID); v.ID != "" {
		t.Errorf("the new credit invoice became an order: %+v", v)
	}

	// Nothing changed: a sync and a recheck book nothing more.
	if res = w.sync(); res.Booked.Booked != 0 || res.Polls[0].New != 0 || res.Polls[0].Changed != 0 {
		t.Errorf("a sync with nothing changed: %+v", res)
	}
	if _, booked, err := w.svc.Recheck(ctx); err != nil || booked.Booked != 0 {
		t.Errorf("a recheck with nothing changed booked %+v (%v)", booked, err)
	}

	// Every order booked once: one invoice per order, one credit note per
	// credit invoice, and as many files.
	var invoices, credits int
	for _, v := range w.orders() {
		if v.State != app.Booked {
			t.Errorf("order %s is %s/%s", v.ID, v.State, v.Reason)
			continue
		}
		bs := bookings(w.detail(mustInt(t, v.ID)))
		if len(bs[order.KindInvoice]) != 1 {
			t.Errorf("order %s has %d invoices", v.ID, len(bs[order.KindInvoice]))
		}
		invoices += len(bs[order.KindInvoice])
		credits += len(bs[order.KindCreditNote])
	}
	if credits != 2 {
		t.Errorf("%d credit notes, want 2", credits)
	}
	files := ubltest.XMLFiles(t, w.ubl)
	if len(files) != invoices+credits {
		t.Errorf("%d UBL files for %d invoices and %d credit notes", len(files), invoices, credits)
	}
	ubltest.Validate(t, files...)
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPlugAndPayOptions: the shop's options through SetShopOptions:
// recurring off ignores the terms of a subscription (recurring_off), a
// products list ignores orders without one of them (product_filter), and
// switching back books what the option held back. Every file is valid UBL.
func TestPlugAndPayOptions(t *testing.T) {
	w := newPPWorld(t)
	ctx := context.Background()
	if err := w.svc.SetShopOptions(ctx, w.shop, map[string]string{"recurring": "off"}); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.SetShopOptions(ctx, w.shop, map[string]string{"recurring": "sometimes"}); app.CodeOf(err) != app.CodeInvalid || app.FieldOf(err) != "recurring" {
		t.Errorf("recurring sometimes: %v", err)
	}
	if err := w.svc.SetShopOptions(ctx, w.shop, map[string]string{"colour": "blue"}); app.CodeOf(err) != app.CodeInvalid || app.FieldOf(err) != "colour" {
		t.Errorf("unknown option: %v", err)
	}
	sc := w.emu.AddScenario()
	w.sync()
	for _, id := range sc.RecurringTerms {
		if v := w.order(id); v.State != app.Ignored || v.Reason != engine.ReasonRecurringOff {
			t.Errorf("recurring term %d is %s/%s, want ignored recurring_off", id, v.State, v.Reason)
		}
	}
	// The first order of the subscription is a checkout: booked.
	w.wantBooked(sc.RecurringFirst, 0)
	w.wantBooked(sc.Paid, 0)

	// Only the one-click upsell's product.
	upsell := strconv.FormatInt(sc.UpsellProduct, 10)
	if err := w.svc.SetShopOptions(ctx, w.shop, map[string]string{"products": " " + upsell + " , 99"}); err != nil {
		t.Fatal(err)
	}
	if info, _ := w.svc.Shop(ctx, w.shop); info.Options["products"] != upsell+",99" || info.Options["recurring"] != "off" || info.Options["per_line"] != "off" {
		t.Errorf("options %v", info.Options)
	}
	// The open order, parked, is decided again: not one of the products.
	if v := w.order(sc.Open); v.State != app.Ignored || v.Reason != engine.ReasonProductFilter {
		t.Errorf("open order after the products filter is %s/%s", v.State, v.Reason)
	}
	more := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "E-book Ondernemen", ProductID: 12, UnitPrice: 1995, Rate: 900}},
		Buyer: ppemu.Consumer(0)})
	withUpsell := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "E-book Ondernemen", ProductID: 12, UnitPrice: 1995, Rate: 900},
		{Label: "Masterclass Belastingaangifte", ProductID: sc.UpsellProduct, UnitPrice: 9700, Rate: 2100}}, Buyer: ppemu.Consumer(1)})
	w.sync()
	if v := w.order(more); v.State != app.Ignored || v.Reason != engine.ReasonProductFilter {
		t.Errorf("order without the product is %s/%s, want ignored product_filter", v.State, v.Reason)
	}
	w.wantBooked(withUpsell, 0)
	// Booked before the filter: stays booked.
	w.wantBooked(sc.Paid, 0)

	// Back to every product and recurring on: what the options held back
	// is booked.
	if err := w.svc.SetShopOptions(ctx, w.shop, map[string]string{"products": "", "recurring": "on"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Engine().BookDue(ctx); err != nil {
		t.Fatal(err)
	}
	w.wantBooked(more, 0)
	for _, id := range sc.RecurringTerms {
		w.wantBooked(id, 0)
	}
	if v := w.order(sc.Open); v.State != app.Parked || v.Reason != engine.ReasonNotForwarded {
		t.Errorf("open order after the filter is off: %s/%s", v.State, v.Reason)
	}
	var logged bool
	evs, _ := w.svc.Events(ctx, app.EventQuery{Shop: w.shop, Limit: 500})
	for _, e := range evs {
		logged = logged || e.Code == "shop_options"
	}
	if !logged {
		t.Error("no shop_options event")
	}
	ubltest.Validate(t, ubltest.XMLFiles(t, w.ubl)...)
}

// ppHook is the webhook server's address of the world's shop through the
// own URL prefix.
func (w *ppWorld) info() app.WebhookInfo {
	w.t.Helper()
	si, err := w.svc.Shop(context.Background(), w.shop)
	if err != nil {
		w.t.Fatal(err)
	}
	return si.Webhook
}

// cliStatus runs `orderbrug webhook status --json` on the world's data
// directory, as a second process would, and returns the shop's entry.
func (w *ppWorld) cliStatus() map[string]any {
	w.t.Helper()
	var out, errOut bytes.Buffer
	cli := &app.CLI{Stdout: &out, Stderr: &errOut}
	if code := cli.Run(context.Background(), []string{"--data-dir", filepath.Join(w.dir, "data"), "webhook", "status", "--json"}); code != 0 || errOut.Len() > 0 {
		w.t.Fatalf("webhook status: %d %s", code, errOut.String())
	}
	var status map[string]map[string]any
	if err := json.Unmarshal(out.Bytes(), &status); err != nil {
		w.t.Fatalf("%v: %s", err, out.String())
	}
	if strings.Contains(out.String(), ppKey) {
		w.t.Fatalf("webhook status prints the API key")
	}
	return status[w.shop]
}

// rulesAt reports whether the tenant has exactly Orderbrug's three rules,
// one per trigger, each calling u.
func (w *ppWorld) rulesAt(u string) bool {
	rules := w.emu.Rules()
	if len(rules) != 3 {
		return false
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if r.ActionData["hook_url"] != u || r.Driver != "webhook" || r.ActionType != "call_webhook" {
			return false
		}
		seen[r.TriggerType] = true
	}
	return seen["order_paid"] && seen["order_invoice_created"] && seen["subscription_ended"]
}

func (w *ppWorld) inboxRows() int {
	w.t.Helper()
	var n int
	if err := w.svc.Store().DB().QueryRow(`SELECT COUNT(*) FROM inbox`).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *ppWorld) events(code string) []app.Event {
	w.t.Helper()
	evs, err := w.svc.Events(context.Background(), app.EventQuery{Limit: 1000})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []app.Event
	for _, e := range evs {
		if e.Code == code {
			out = append(out, e)
		}
	}
	return out
}

// waitDrained waits until every stored delivery is processed and nothing
// is due.
func (w *ppWorld) waitDrained() {
	w.t.Helper()
	waitFor(w.t, 10*time.Second, "the inbox drained", func() bool { return drained(w.t, w.svc.Store()) })
}

// TestPlugAndPayWebhooksOwnURL: Plug&Pay's webhooks through the real
// webhook server behind the owner's own public URL. Orderbrug registers
// its rules through /v2/rules (url and hook_url) and moves them when the
// URL changes; deliveries are hints: a delivered paid order is booked
// once however often or per line it comes, a forged hint (an order that
// does not exist or is unpaid) books nothing, a wrong signature is a 401
// and stores nothing while a missing one is a hint, the legacy form polls,
// and an ended subscription is logged, on its orders too, and books
// nothing. A key without rule rights leaves the set-up manual, and
// `webhook status --json` says so with the URL to paste.
func TestPlugAndPayWebhooksOwnURL(t *testing.T) {
	w := newPPOwnWorld(t)
	ctx := context.Background()
	public := w.srv.URL + "/pp1"
	if err := w.svc.SetOwnURL(ctx, public, w.listen); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the catch-up poll", func() bool {
		info, err := w.svc.Shop(ctx, w.shop)
		return err == nil && !info.LastPollOK.IsZero()
	})
	if err := w.svc.StartWebhooks(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if st := w.svc.TunnelStatus(); st.Local != w.listen {
		t.Fatalf("webhook server on %s, the proxy forwards to %s", st.Local, w.listen)
	}
	waitFor(t, 5*time.Second, "the own URL online", func() bool {
		st := w.svc.TunnelStatus()
		return st.State == "online" && st.URL == public
	})
	if err := w.svc.SetWebhook(ctx, w.shop, true); err != nil {
		t.Fatal(err)
	}
	// The emulator refuses a rule without both action_data.url and
	// hook_url (422): three rules made prove both were sent.
	path := "/hooks/plugandpay/" + w.slug()
	if !w.rulesAt(public + path) {
		t.Fatalf("rules after webhook on: %+v", w.emu.Rules())
	}

	// Opzeggingen switched off: its rule goes at once; on: it is back.
	if err := w.svc.SetShopOptions(ctx, w.shop, map[string]string{"cancellations": "off"}); err != nil {
		t.Fatal(err)
	}
	if rules := w.emu.Rules(); len(rules) != 2 {
		t.Fatalf("cancellations off: %d rules, want 2", len(rules))
	}
	for _, r := range w.emu.Rules() {
		if r.TriggerType == "subscription_ended" {
			t.Fatal("cancellations off: the subscription_ended rule is still there")
		}
	}
	if err := w.svc.SetShopOptions(ctx, w.shop, map[string]string{"cancellations": "on"}); err != nil {
		t.Fatal(err)
	}
	if !w.rulesAt(public + path) {
		t.Fatalf("cancellations on again: rules %+v", w.emu.Rules())
	}
	info := w.info()
	if info.Registration != app.Registered || info.Manual || info.URL != public+path || info.Path != path || info.Paths["orders"] != path {
		t.Errorf("after registration: %+v", info)
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	hook := public + path

	// A paid order delivered (order_paid, signed by nobody: no key yet) is
	// booked; the same again and an invoice_created for it book nothing more.
	paid := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Online cursus Boekhouden voor starters", ProductID: 11, UnitPrice: 19700, Rate: 2100}},
		Buyer: ppemu.Consumer(0)})
	deliver := func(trigger string, id int64, perLine bool, want int) {
		t.Helper()
		codes, err := w.emu.Deliver(ctx, hc, trigger, id, perLine)
		if err != nil || len(codes) != want {
			t.Fatalf("deliver %s %d: %v %v, want %d calls", trigger, id, codes, err, want)
		}
		for _, c := range codes {
			if c != http.StatusOK {
				t.Fatalf("deliver %s %d: %v", trigger, id, codes)
			}
		}
	}
	deliver("order_paid", paid, false, 1)
	waitFor(t, 10*time.Second, "the delivered order booked", func() bool { return w.order(paid).State == app.Booked })
	deliver("order_paid", paid, false, 1)
	deliver("order_invoice_created", paid, false, 1)
	w.waitDrained()
	w.wantBooked(paid, 0)
	if info := w.info(); info.LastDelivery == nil {
		t.Errorf("no last delivery: %+v", info)
	}

	// Per line (the shop's rule calls once per order line, and the shop
	// says so): an order of three lines delivered three times, twice.
	if err := w.svc.SetShopOptions(ctx, w.shop, map[string]string{"per_line": "on"}); err != nil {
		t.Fatal(err)
	}
	multi := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{
		{Label: "Coachingsessie 1 uur", ProductID: 14, UnitPrice: 12100, Rate: 2100},
		{Label: "Werkboek (gedrukt)", ProductID: 13, UnitPrice: 2450, Rate: 900, Quantity: 2},
		{Label: "E-book Ondernemen", ProductID: 12, UnitPrice: 1995, Rate: 900}}, Buyer: ppemu.Consumer(1)})
	deliver("order_paid", multi, true, 3)
	deliver("order_paid", multi, true, 3)
	waitFor(t, 10*time.Second, "the per-line order booked", func() bool { return w.order(multi).State == app.Booked })
	w.waitDrained()
	w.wantBooked(multi, 0)

	// Forged hints: an order that does not exist, an unpaid one.
	if code, err := ppemu.SendEvent(ctx, hc, hook, ppemu.Event{Trigger: "order_paid", ID: 987654}, ""); err != nil || code != http.StatusOK {
		t.Fatalf("hint for a non-existent order: %d %v", code, err)
	}
	unpaid := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Webinar terugkijken", ProductID: 15, UnitPrice: 4999, Rate: 2100}},
		Buyer: ppemu.Consumer(2), Open: true})
	if code, err := ppemu.SendEvent(ctx, hc, hook, ppemu.Event{Trigger: "order_paid", ID: unpaid, StringID: true}, ""); err != nil || code != http.StatusOK {
		t.Fatalf("hint for an unpaid order: %d %v", code, err)
	}
	w.waitDrained()
	if v := w.order(987654); v.ID != "" {
		t.Errorf("a hint for an order that does not exist made %+v", v)
	}
	if v := w.order(unpaid); v.State != app.Parked || v.Reason != engine.ReasonNotForwarded || v.ReasonArg != "open" {
		t.Errorf("hinted unpaid order is %s/%s(%s)", v.State, v.Reason, v.ReasonArg)
	}

	// The unpaid order is paid: its order_paid books it under its new
	// invoice number.
	if err := w.emu.Pay(unpaid); err != nil {
		t.Fatal(err)
	}
	deliver("order_paid", unpaid, false, 1)
	waitFor(t, 10*time.Second, "the order paid later booked", func() bool { return w.order(unpaid).State == app.Booked })
	if o, _ := w.emu.Order(unpaid); o.InvoiceNumber == nil || w.order(unpaid).Number != *o.InvoiceNumber ||
		!strings.Contains(filepath.Base(w.order(unpaid).BookingRef), *o.InvoiceNumber) {
		t.Errorf("order paid later: %+v, invoice number %v", w.order(unpaid), o.InvoiceNumber)
	}

	// With the webhook key set: a wrong signature is refused and stores
	// nothing; a correct one and a missing one are taken.
	const hookKey = "whk_3f9a1c0e5b7d2468"
	if err := w.svc.SetWebhookKey(ctx, w.shop, hookKey); err != nil {
		t.Fatal(err)
	}
	w.emu.SetWebhookKey(hookKey)
	signedLater := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Donatie", ProductID: 16, UnitPrice: 1000, Rate: 0}}, Buyer: ppemu.Consumer(0)})
	rows := w.inboxRows()
	if code, err := ppemu.SendEvent(ctx, hc, hook, ppemu.Event{Trigger: "order_paid", ID: signedLater, Nested: true}, "not-the-key"); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("wrong signature: %d %v, want 401", code, err)
	}
	if n := w.inboxRows(); n != rows {
		t.Fatalf("a wrongly signed delivery was stored (%d → %d)", rows, n)
	}
	time.Sleep(50 * time.Millisecond)
	if v := w.order(signedLater); v.ID != "" {
		t.Fatalf("a wrongly signed delivery made %+v", v)
	}
	if code, err := ppemu.SendEvent(ctx, hc, hook, ppemu.Event{Trigger: "order_paid", ID: signedLater}, ""); err != nil || code != http.StatusOK {
		t.Fatalf("unsigned delivery with a key set: %d %v, want 200 (a hint)", code, err)
	}
	waitFor(t, 10*time.Second, "the unsigned hint's order booked", func() bool { return w.order(signedLater).State == app.Booked })
	signed := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "E-book Ondernemen", ProductID: 12, UnitPrice: 1995, Rate: 900}}, Buyer: ppemu.Consumer(1)})
	deliver("order_paid", signed, false, 1)
	waitFor(t, 10*time.Second, "the signed delivery's order booked", func() bool { return w.order(signed).State == app.Booked })
	// A credit of a booked order, delivered twice as the credit invoice's
	// order_invoice_created: one credit note on the order, no change
	// after booking.
	creditID, err := w.emu.Credit(paid)
	if err != nil {
		t.Fatal(err)
	}
	deliver("order_invoice_created", creditID, false, 1)
	deliver("order_invoice_created", creditID, false, 1)
	waitFor(t, 10*time.Second, "the credit note booked", func() bool {
		return len(bookings(w.detail(paid))[order.KindCreditNote]) == 1
	})
	w.waitDrained()
	if d := w.wantBooked(paid, 1); d.ChangedAfterBooking || d.Status != "credited" {
		t.Errorf("credited order: %s, changed after booking %v %s", d.Status, d.ChangedAfterBooking, d.ChangeNote)
	}
	if v := w.order(creditID); v.ID != "" {
		t.Errorf("the credit invoice became an order: %+v", v)
	}
	rejected := w.events("webhook_rejected")
	waitFor(t, 5*time.Second, "the rejection logged", func() bool {
		rejected = w.events("webhook_rejected")
		return len(rejected) > 0
	})
	for _, e := range rejected {
		if strings.Contains(e.Detail, hookKey) || e.Args["status"] != "401" {
			t.Errorf("rejection event %+v", e)
		}
	}

	// The legacy general webhook names no order: it makes Orderbrug poll,
	// which finds an order nothing delivered.
	polled := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Werkboek (gedrukt)", ProductID: 13, UnitPrice: 2450, Rate: 900}}, Buyer: ppemu.Consumer(2)})
	if code, err := w.emu.SendLegacy(ctx, hc, hook, polled, ""); err != nil || code != http.StatusOK {
		t.Fatalf("legacy webhook: %d %v", code, err)
	}
	waitFor(t, 10*time.Second, "the polled order booked", func() bool { return w.order(polled).State == app.Booked })

	// A subscription with its first order and a term, delivered and
	// booked; then it ends: logged for the shop and on both orders, and
	// nothing is booked.
	sub := w.emu.AddSubscription(ppemu.Consumer(1), 21, "Lidmaatschap Ondernemersclub")
	item := ppemu.ItemSpec{Label: "Lidmaatschap Ondernemersclub (maand)", ProductID: 21, UnitPrice: 2900, Rate: 2100, SubscriptionID: sub}
	first := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{item}, Buyer: ppemu.Consumer(1), IsFirst: true})
	term := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{item}, Buyer: ppemu.Consumer(1), Source: "recurring", Method: "directdebit"})
	deliver("order_paid", first, false, 1)
	deliver("order_paid", term, false, 1)
	waitFor(t, 10*time.Second, "the subscription's orders booked", func() bool {
		return w.order(first).State == app.Booked && w.order(term).State == app.Booked
	})
	w.waitDrained()
	files := len(ubltest.XMLFiles(t, w.ubl))
	if err := w.emu.EndSubscription(sub); err != nil {
		t.Fatal(err)
	}
	deliver("subscription_ended", sub, false, 1)
	subID := strconv.FormatInt(sub, 10)
	waitFor(t, 10*time.Second, "the subscription_ended event", func() bool {
		for _, e := range w.events("subscription_ended") {
			if e.OrderNo == "" && e.Args["subscription"] == subID {
				return true
			}
		}
		return false
	})
	w.waitDrained()
	for _, e := range w.events("subscription_ended") {
		if e.OrderNo == "" && (e.Args["product"] != "Lidmaatschap Ondernemersclub" || e.Args["customer"] == "") {
			t.Errorf("subscription_ended event %+v", e)
		}
	}
	for _, id := range []int64{first, term} {
		d := w.wantBooked(id, 0)
		var shown bool
		for _, e := range d.Events {
			shown = shown || e.Code == "subscription_ended" && e.Args["subscription"] == subID
		}
		if !shown {
			t.Errorf("order %d's detail does not show the ended subscription: %+v", id, d.Events)
		}
	}
	if n := len(ubltest.XMLFiles(t, w.ubl)); n != files {
		t.Errorf("the ended subscription wrote %d files", n-files)
	}

	// webhook status --json: the Plug&Pay shop's path and paths.
	s := w.cliStatus()
	if s["registration"] != "registered" || s["path"] != path || s["url"] != public+path || s["manual"] != false {
		t.Errorf("webhook status --json: %v", s)
	}
	if paths, _ := s["paths"].(map[string]any); paths["orders"] != path {
		t.Errorf("paths: %v", s["paths"])
	}
	if out, _ := json.Marshal(s); strings.Contains(string(out), hookKey) {
		t.Errorf("webhook status --json prints the webhook key: %s", out)
	}

	// The owner moves the proxy: the rules follow.
	public = w.srv.URL + "/pp2"
	if err := w.svc.SetOwnURL(ctx, public, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the rules moved", func() bool { return w.rulesAt(public + path) })
	moved := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Coachingsessie 1 uur", ProductID: 14, UnitPrice: 12100, Rate: 2100}}, Buyer: ppemu.Consumer(0)})
	deliver("order_paid", moved, false, 1)
	waitFor(t, 10*time.Second, "the order delivered at the new URL booked", func() bool { return w.order(moved).State == app.Booked })

	// Webhooks off: Orderbrug's rules are deleted and the path answers no
	// more; on again: registered anew.
	if err := w.svc.SetWebhook(ctx, w.shop, false); err != nil {
		t.Fatal(err)
	}
	if rules := w.emu.Rules(); len(rules) != 0 {
		t.Errorf("rules after webhook off: %+v", rules)
	}
	if code, err := ppemu.SendEvent(ctx, hc, public+path, ppemu.Event{Trigger: "order_paid", ID: moved}, ""); err != nil || code != http.StatusNotFound {
		t.Errorf("delivery with webhooks off: %d %v, want 404", code, err)
	}
	if err := w.svc.SetWebhook(ctx, w.shop, true); err != nil {
		t.Fatal(err)
	}
	if !w.rulesAt(public + path) {
		t.Errorf("rules after webhook on again: %+v", w.emu.Rules())
	}

	// A key without the right to manage rules: the set-up is manual, and
	// webhook status says so with the URL to paste.
	w.emu.SetRuleRights(false)
	if err := w.svc.SetWebhook(ctx, w.shop, true); err != nil {
		t.Fatalf("webhook on with a key that may not manage rules: %v", err)
	}
	if info := w.info(); !info.Manual || info.URL != public+path {
		t.Errorf("without rule rights: %+v", info)
	}
	s = w.cliStatus()
	if s["manual"] != true || s["url"] != public+path || s["path"] != path {
		t.Errorf("webhook status --json without rule rights: %v", s)
	}

	w.waitDrained()
	// Every order booked exactly once.
	w.wantBooked(paid, 1)
	for _, id := range []int64{unpaid, multi, signedLater, signed, polled, first, term, moved} {
		w.wantBooked(id, 0)
	}
	ubltest.Validate(t, ubltest.XMLFiles(t, w.ubl)...)
}

// ppCLI runs one command line against dataDir with stdin and returns its
// exit code and what it wrote.
func ppCLI(t *testing.T, dataDir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &app.CLI{Stdout: &out, Stderr: &errOut, Stdin: strings.NewReader(stdin)}
	code := c.Run(context.Background(), append([]string{"--data-dir", dataDir}, args...))
	return code, out.String(), errOut.String()
}

// TestPlugAndPayCLI: a Plug&Pay shop set up from a terminal against the
// emulator: shop add with the API key from stdin, shop set with the
// options and the webhook key from stdin, shop show --json with the
// options; no key is ever printed.
func TestPlugAndPayCLI(t *testing.T) {
	emu := ppemu.New(ppKey)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.SetURL(srv.URL)
	sc := emu.AddScenario()
	dir := filepath.Join(t.TempDir(), "data")
	const hookKey = "whk_cli_7e2d9b41c3a0"
	ok := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errOut := ppCLI(t, dir, stdin, args...)
		if code != 0 {
			t.Fatalf("orderbrug %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		for _, secret := range []string{ppKey, hookKey} {
			if strings.Contains(out+errOut, secret) {
				t.Fatalf("orderbrug %s printed a key:\n%s%s", strings.Join(args, " "), out, errOut)
			}
		}
		return out
	}
	// A wrong key is refused, with the auth code and without the key.
	if code, out, errOut := ppCLI(t, dir, "", "shop", "add", "plugandpay", "--name", "Cursusplein", "--api-key", "pp_wrong_key_value",
		"--api-url", srv.URL, "--since", "2020-01-01"); code == 0 || strings.Contains(out+errOut, "pp_wrong_key_value") {
		t.Fatalf("wrong key: exit %d\n%s%s", code, out, errOut)
	}
	out := ok("", "shop", "add", "plugandpay", "--name", "Cursusplein", "--api-key", ppKey, "--api-url", srv.URL, "--since", "2020-01-01")
	if !strings.Contains(out, "shop Cursusplein added") || !strings.Contains(out, "paid") {
		t.Errorf("shop add said %q", out)
	}
	// The same with the key from stdin.
	ok(ppKey+"\n", "shop", "add", "plugandpay", "--name", "Cursusplein 2", "--api-key", "-", "--api-url", srv.URL, "--since", "2020-01-01")

	out = ok(hookKey+"\n", "shop", "set", "Cursusplein", "--recurring", "off", "--per-line", "on", "--products", "1,2", "--webhook-key", "-")
	if !strings.Contains(out, "Cursusplein") {
		t.Errorf("shop set said %q", out)
	}
	var si map[string]any
	if err := json.Unmarshal([]byte(ok("", "shop", "show", "Cursusplein", "--json")), &si); err != nil {
		t.Fatal(err)
	}
	opts, _ := si["options"].(map[string]any)
	if si["source"] != "plugandpay" || si["kind_name"] != "Plug&Pay" || opts["recurring"] != "off" || opts["per_line"] != "on" || opts["products"] != "1,2" {
		t.Errorf("shop show --json: %v", si)
	}
	if fwd, _ := si["forward"].([]any); len(fwd) != 1 || fwd[0] != "paid" {
		t.Errorf("forward %v, want [paid]", si["forward"])
	}
	var other map[string]any
	if err := json.Unmarshal([]byte(ok("", "shop", "show", "Cursusplein 2", "--json")), &other); err != nil {
		t.Fatal(err)
	}
	if o2, _ := other["options"].(map[string]any); o2["recurring"] != "on" || o2["per_line"] != "off" || o2["products"] != "" {
		t.Errorf("defaults of the second shop: %v", other["options"])
	}
	// A bad value is refused.
	if code, _, _ := ppCLI(t, dir, "", "shop", "set", "Cursusplein", "--recurring", "maybe"); code == 0 {
		t.Errorf("--recurring maybe accepted")
	}

	// The keys are kept as given: the webhook key is the shop's secret,
	// and a sync with the products filter ignores the scenario's orders.
	svc, err := app.Open(context.Background(), app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if got, _ := svc.WebhookSecret(context.Background(), "Cursusplein"); got != hookKey {
		t.Errorf("webhook key not kept as given")
	}
	if _, err := svc.Sync(context.Background(), "Cursusplein", nil); err != nil {
		t.Fatal(err)
	}
	list, err := svc.Orders(context.Background(), app.OrderQuery{Shop: "Cursusplein"})
	if err != nil || len(list) == 0 {
		t.Fatalf("orders %v %v", list, err)
	}
	for _, v := range list {
		if v.State != app.Ignored || v.Reason != engine.ReasonProductFilter && v.Reason != engine.ReasonRecurringOff {
			t.Errorf("order %s is %s/%s with products 1,2 and recurring off", v.ID, v.State, v.Reason)
		}
		if id := strconv.FormatInt(sc.RecurringTerms[0], 10); v.ID == id && v.Reason != engine.ReasonRecurringOff {
			t.Errorf("recurring term %s ignored for %s", id, v.Reason)
		}
	}
}

// TestPlugAndPayReversedWeeksLater: a booked order whose payment is
// reversed weeks later (a chargeback, a direct debit storned) is seen by
// the next sync: still booked, its invoice never booked again, marked
// changed after booking for a person to credit. Paid long before the
// cursor, invoiced long before: only its status and updated_at move.
func TestPlugAndPayReversedWeeksLater(t *testing.T) {
	w := newPPWorld(t)
	now := time.Now().UTC().Add(-40 * 24 * time.Hour)
	w.emu.SetClock(func() time.Time { return now })
	id := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Online cursus Boekhouden voor starters", ProductID: 11, UnitPrice: 19700, Rate: 2100}},
		Buyer: ppemu.Consumer(0), Method: "directdebit"})
	w.sync()
	w.wantBooked(id, 0)
	now = time.Now().UTC()
	// Something else happens meanwhile, so the cursor moves on.
	w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "E-book Ondernemen", ProductID: 12, UnitPrice: 1995, Rate: 900}}, Buyer: ppemu.Consumer(1)})
	w.sync()
	now = now.Add(2 * time.Hour)
	if err := w.emu.SetStatus(id, "reversed"); err != nil {
		t.Fatal(err)
	}
	w.sync()
	d := w.wantBooked(id, 0)
	if d.Status != "reversed" || !d.ChangedAfterBooking {
		t.Errorf("reversed weeks after booking: status %s, changed after booking %v (%s)", d.Status, d.ChangedAfterBooking, d.ChangeNote)
	}
	ubltest.Validate(t, ubltest.XMLFiles(t, w.ubl)...)
}

// TestPlugAndPayUpdateShop: changing a Plug&Pay shop's settings without
// naming its kind (as UpdateShop's callers did for WooCommerce) keeps it
// a Plug&Pay shop with its own forward set, key and options; naming
// another kind is refused.
func TestPlugAndPayUpdateShop(t *testing.T) {
	w := newPPWorld(t)
	ctx := context.Background()
	if err := w.svc.SetShopOptions(ctx, w.shop, map[string]string{"recurring": "off"}); err != nil {
		t.Fatal(err)
	}
	noLimit := 0
	if err := w.svc.UpdateShop(ctx, w.shop, app.ShopInput{Name: w.shop, URL: w.srv.URL, LookbackDays: &noLimit}); err != nil {
		t.Fatal(err)
	}
	info, err := w.svc.Shop(ctx, w.shop)
	if err != nil {
		t.Fatal(err)
	}
	if info.Source != order.PlugAndPay || len(info.Forward) != 1 || info.Forward[0] != "paid" || info.LookbackDays != 0 ||
		info.Options["recurring"] != "off" || !info.HasKeys {
		t.Fatalf("after UpdateShop without a kind: %+v", info)
	}
	if err := w.svc.UpdateShop(ctx, w.shop, app.ShopInput{Name: w.shop, Source: order.WooCommerce, URL: w.srv.URL}); err == nil {
		t.Error("UpdateShop turned a Plug&Pay shop into a WooCommerce one")
	}
	if info, _ := w.svc.Shop(ctx, w.shop); info.Source != order.PlugAndPay {
		t.Fatalf("kind after the refused change: %s", info.Source)
	}
	sc := w.emu.AddScenario()
	w.sync()
	w.wantBooked(sc.Paid, 0)
	if v := w.order(sc.RecurringTerms[0]); v.State != app.Ignored || v.Reason != engine.ReasonRecurringOff {
		t.Errorf("recurring term %s/%s", v.State, v.Reason)
	}
}

// TestPlugAndPayConnection: the connection test lists Plug&Pay's payment
// statuses with their counts; a wrong key is the auth code without the
// key in the message; a saved shop's key is used when none is entered;
// "open in shop" is Plug&Pay's admin page of the order.
func TestPlugAndPayConnection(t *testing.T) {
	w := newPPWorld(t)
	ctx := context.Background()
	sc := w.emu.AddScenario()
	sts, err := w.svc.TestConnection(ctx, app.ShopInput{Name: "x", Source: order.PlugAndPay, URL: w.srv.URL, Key: ppKey})
	if err != nil || len(sts) != 6 {
		t.Fatalf("statuses %v %v", sts, err)
	}
	counts := map[order.Status]int{}
	for _, s := range sts {
		counts[s.Slug] = s.Count
	}
	if counts["paid"] != 9 || counts["open"] != 1 || counts["credited"] != 1 || counts["credit_invoice"] != 1 {
		t.Errorf("status counts %v", counts)
	}
	const wrong = "pp_wrong_key_0123456789"
	_, err = w.svc.TestConnection(ctx, app.ShopInput{Name: "x", Source: order.PlugAndPay, URL: w.srv.URL, Key: wrong})
	if app.CodeOf(err) != app.CodeAuth || strings.Contains(err.Error(), wrong) {
		t.Errorf("wrong key: %v (code %q)", err, app.CodeOf(err))
	}
	if _, err := w.svc.AddShop(ctx, app.ShopInput{Name: "Tweede", Source: order.PlugAndPay, URL: w.srv.URL, Key: wrong}); app.CodeOf(err) != app.CodeAuth || app.FieldOf(err) != "key" {
		t.Errorf("add with a wrong key: %v", err)
	}
	if _, err := w.svc.TestConnection(ctx, app.ShopInput{Name: w.shop, Source: order.PlugAndPay, URL: w.srv.URL}); err != nil {
		t.Errorf("test with the stored key: %v", err)
	}
	w.sync()
	id := strconv.FormatInt(sc.Paid, 10)
	want := "https://admin.plugandpay.com/orders/" + id
	if got := w.svc.OrderURL(ctx, w.shop, id); got != want {
		t.Errorf("OrderURL %q, want %q", got, want)
	}
	if d := w.detail(sc.Paid); d.ShopURL != want {
		t.Errorf("detail's shop URL %q", d.ShopURL)
	}
}

// TestPlugAndPayCreditWithoutOriginal: a credit invoice whose original
// cannot be found (related_orders names none) is not guessed at: it is
// kept, with its payload, as unreadable for a person, and nothing is
// booked for it; the poll goes on with the other orders.
func TestPlugAndPayCreditWithoutOriginal(t *testing.T) {
	w := newPPWorld(t)
	ctx := context.Background()
	paid := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Coachingsessie 1 uur", ProductID: 14, UnitPrice: 12100, Rate: 2100}}, Buyer: ppemu.Consumer(0)})
	other := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "E-book Ondernemen", ProductID: 12, UnitPrice: 1995, Rate: 900}}, Buyer: ppemu.Consumer(1)})
	credit, err := w.emu.Credit(paid)
	if err != nil {
		t.Fatal(err)
	}
	w.emu.Unlink(credit)
	w.emu.Unlink(paid)
	res, err := w.svc.Sync(ctx, "", nil)
	if err != nil && app.CodeOf(err) == app.CodeNetwork {
		t.Fatal(err)
	}
	if len(res.Polls) != 1 || res.Polls[0].Unreadable != 1 {
		t.Fatalf("sync: %+v (%v)", res, err)
	}
	w.wantBooked(other, 0)
	// The original, credited, is booked with its invoice and no credit
	// note: the credit cannot be tied to it.
	w.wantBooked(paid, 0)
	v := w.order(credit)
	if v.ID == "" || v.State != app.Failed || v.Reason != engine.ReasonUnparseable || !strings.Contains(v.Detail, "cannot be found") {
		t.Errorf("the credit invoice without its original: %+v", v)
	}
	ubltest.Validate(t, ubltest.XMLFiles(t, w.ubl)...)
}

// TestPlugAndPayAnotherAccountIsAnotherShop: every Plug&Pay account has the
// same API host, so a removed shop is recognised by its account (tenant),
// not its address: another account connected after it gets a shop of its
// own, with none of the removed shop's orders or its slug; the same account
// connected again gets its old shop back, and books nothing twice.
func TestPlugAndPayAnotherAccountIsAnotherShop(t *testing.T) {
	w := newPPWorld(t)
	ctx := context.Background()
	sc := w.emu.AddScenario()
	w.sync()
	first := w.orders()
	if len(first) == 0 || first[strconv.FormatInt(sc.Paid, 10)].State != app.Booked {
		t.Fatalf("first account: %d orders, paid order %v", len(first), first[strconv.FormatInt(sc.Paid, 10)].State)
	}
	before, _ := w.svc.Shop(ctx, w.shop)
	if err := w.svc.RemoveShop(ctx, w.shop); err != nil {
		t.Fatal(err)
	}

	// Another account on the same API host.
	w.emu.SetTenant(2)
	other, err := w.svc.AddShop(ctx, app.ShopInput{Name: "Ander account", Source: order.PlugAndPay, URL: w.srv.URL, Key: ppKey,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if other.Slug == before.Slug {
		t.Fatalf("another account took the removed shop's slug %q", other.Slug)
	}
	list, err := w.svc.Orders(ctx, app.OrderQuery{Shop: "Ander account"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Fatalf("another account's new shop has %d of the removed shop's orders", len(list))
	}
	if err := w.svc.RemoveShop(ctx, "Ander account"); err != nil {
		t.Fatal(err)
	}

	// The first account again: its old shop, its bookings, nothing twice.
	w.emu.SetTenant(1)
	again, err := w.svc.AddShop(ctx, app.ShopInput{Name: "Cursusplein weer", Source: order.PlugAndPay, URL: w.srv.URL, Key: ppKey,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if again.Slug != before.Slug {
		t.Fatalf("the same account came back as %q, was %q", again.Slug, before.Slug)
	}
	files, _ := os.ReadDir(w.ubl)
	w.sync()
	after, _ := os.ReadDir(w.ubl)
	if len(after) != len(files) {
		t.Fatalf("connecting the same account again wrote %d more files", len(after)-len(files))
	}
}

// TestPlugAndPayNewKeyOfAnotherAccountIsRefused: a shop's orders and
// bookings belong to the account they came from. A new API key of the same
// account is taken; one of another account is refused, and the shop keeps
// its key.
func TestPlugAndPayNewKeyOfAnotherAccountIsRefused(t *testing.T) {
	w := newPPWorld(t)
	ctx := context.Background()
	w.emu.AddScenario()
	w.sync()

	w.emu.SetKey("pp_nieuwe_sleutel_zelfde_account")
	if err := w.svc.UpdateShop(ctx, w.shop, app.ShopInput{Name: w.shop, URL: w.srv.URL, Key: "pp_nieuwe_sleutel_zelfde_account"}); err != nil {
		t.Fatalf("a new key of the same account: %v", err)
	}
	w.emu.SetTenant(2)
	w.emu.SetKey("pp_sleutel_ander_account")
	err := w.svc.UpdateShop(ctx, w.shop, app.ShopInput{Name: w.shop, URL: w.srv.URL, Key: "pp_sleutel_ander_account"})
	if app.CodeOf(err) != app.CodeInvalid || app.FieldOf(err) != "key" {
		t.Fatalf("a key of another account: %v (code %s, field %s)", err, app.CodeOf(err), app.FieldOf(err))
	}
	if strings.Contains(err.Error(), "pp_sleutel_ander_account") {
		t.Fatalf("the error shows the key: %v", err)
	}
	// The shop still polls with the key it had: the other account is not
	// asked (its answer would be a 401 for the old key).
	w.emu.SetTenant(1)
	w.emu.SetKey("pp_nieuwe_sleutel_zelfde_account")
	if _, err := w.svc.Sync(ctx, "", nil); err != nil {
		t.Fatalf("sync after the refused key: %v", err)
	}
}

// TestPlugAndPayOffline: Plug&Pay cannot be reached. Adding a shop says so
// about its address and saves nothing; a connected shop's sync fails with
// "network", says why on the shop, and takes no order.
func TestPlugAndPayOffline(t *testing.T) {
	ctx := context.Background()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	svc, err := app.Open(ctx, app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	_, err = svc.AddShop(ctx, app.ShopInput{Name: "Weg", Source: order.PlugAndPay, URL: deadURL, Key: ppKey})
	if app.CodeOf(err) != app.CodeNetwork || app.FieldOf(err) != "url" || strings.Contains(err.Error(), ppKey) {
		t.Fatalf("adding an unreachable Plug&Pay: %v (code %s, field %s)", err, app.CodeOf(err), app.FieldOf(err))
	}
	if shops, _ := svc.Shops(ctx); len(shops) != 0 {
		t.Fatalf("%d shops saved", len(shops))
	}

	w := newPPWorld(t)
	paid := w.emu.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}}, Buyer: ppemu.Consumer(0)})
	// Plug&Pay goes away: the listener is closed, the address stays.
	w.srv.Listener.Close()
	w.srv.CloseClientConnections()
	if _, err := w.svc.Sync(ctx, "", nil); err == nil {
		t.Fatal("a sync without Plug&Pay went through")
	}
	info, _ := w.svc.Shop(ctx, w.shop)
	if info.LastErrorCode != "network" || strings.Contains(info.LastError, ppKey) {
		t.Fatalf("after the failed sync: code %q, error %q", info.LastErrorCode, info.LastError)
	}
	if o, ok := w.orders()[strconv.FormatInt(paid, 10)]; ok {
		t.Fatalf("an order was taken while Plug&Pay was away: %+v", o)
	}
}
