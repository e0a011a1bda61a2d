package app_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

const (
	testKey    = "ck_0123456789abcdef0123456789abcdef01234567"
	testSecret = "cs_fedcba9876543210fedcba9876543210fedcba98"
)

// world is a shop emulator on 127.0.0.1 and a service on a temporary data
// directory, connected as a shop owner would connect them.
type world struct {
	t    *testing.T
	emu  *wcemu.Shop
	srv  *httptest.Server
	svc  *app.Service
	dir  string
	ubl  string
	shop string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, emu: wcemu.New(testKey, testSecret), dir: t.TempDir(), shop: "Koffiebar"}
	// Plain HTTP: the client must sign every request with OAuth 1.0a.
	w.srv = httptest.NewServer(w.emu)
	t.Cleanup(w.srv.Close)
	w.emu.SetURL(w.srv.URL)
	w.open()
	w.ubl = filepath.Join(w.dir, "facturen")
	ctx := context.Background()
	if _, err := w.svc.AddShop(ctx, app.ShopInput{Name: w.shop, URL: w.srv.URL, Key: testKey, Secret: testSecret,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.SetSeller(ctx, testSeller()); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.SetUBLDir(ctx, w.ubl); err != nil {
		t.Fatal(err)
	}
	return w
}

// slug is the shop's slug: its webhook path and invoice file names.
func (w *world) slug() string { return store.MakeSlug(w.shop) }

func (w *world) open() {
	w.t.Helper()
	svc, err := app.Open(context.Background(), app.Options{DataDir: filepath.Join(w.dir, "data")})
	if err != nil {
		w.t.Fatal(err)
	}
	w.svc = svc
	w.t.Cleanup(func() { svc.Close() })
}

func testSeller() order.Seller {
	return order.Seller{Party: order.Party{Company: "Koffiebar De Boon B.V.", KvK: "12345678", VATID: "NL123456789B01",
		Email:   "boekhouding@deboon.example",
		Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}},
		IBAN: "NL91ABNA0417164300"}
}

func (w *world) sync() app.SyncResult {
	w.t.Helper()
	res, err := w.svc.Sync(context.Background(), "", nil)
	if err != nil {
		w.t.Fatalf("sync: %v", err)
	}
	return res
}

func (w *world) orders(states ...app.State) map[string]app.OrderView {
	w.t.Helper()
	list, err := w.svc.Orders(context.Background(), app.OrderQuery{States: states})
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]app.OrderView{}
	for _, o := range list {
		out[o.ID] = o
	}
	return out
}

func forwarded(status string) bool { return status == "processing" || status == "completed" }

// TestSyncBooksForwardedParksTheRest is the spine end to end: Dutch orders in
// a WooCommerce shop, one sync, every order booked or parked with a reason,
// and every invoice a valid Peppol UBL file.
func TestSyncBooksForwardedParksTheRest(t *testing.T) {
	w := newWorld(t)
	ids := w.emu.AddDutch(120, 7)
	res := w.sync()
	if got := res.Polls[0].Seen; got < len(ids) {
		t.Fatalf("sync saw %d orders, the shop has %d", got, len(ids))
	}
	all := w.orders()
	if len(all) != len(ids) {
		t.Fatalf("%d orders kept, the shop has %d", len(all), len(ids))
	}
	var booked, parked int
	for _, id := range ids {
		o, _ := w.emu.Order(id)
		v := all[strconv.FormatInt(id, 10)]
		switch {
		case forwarded(o.Status):
			if v.State != app.Booked {
				t.Errorf("order %d (%s) is %s (%s: %s), want booked", id, o.Status, v.State, v.Reason, v.Detail)
				continue
			}
			if _, err := os.Stat(v.BookingRef); err != nil {
				t.Errorf("order %d: invoice file: %v", id, err)
			}
			booked++
		case o.Status == "checkout-draft":
			if v.State != app.Parked || v.Reason != engine.ReasonCheckoutDraft {
				t.Errorf("draft order %d is %s/%s", id, v.State, v.Reason)
			}
			parked++
		default:
			if v.State != app.Parked || v.Reason != engine.ReasonNotForwarded || v.ReasonArg != o.Status {
				t.Errorf("order %d (%s) is %s/%s(%s), want parked for its status", id, o.Status, v.State, v.Reason, v.ReasonArg)
			}
			parked++
		}
	}
	if booked == 0 || parked == 0 {
		t.Fatalf("booked %d parked %d: the generated shop should have both", booked, parked)
	}
	files := ubltest.XMLFiles(t, w.ubl)
	if len(files) < booked {
		t.Fatalf("%d UBL files for %d booked orders", len(files), booked)
	}

	// A second sync books nothing new and rewrites nothing.
	before := modTimes(t, files)
	res = w.sync()
	if res.Booked.Booked != 0 || res.Polls[0].New != 0 || res.Polls[0].Changed != 0 {
		t.Fatalf("second sync changed things: %+v", res)
	}
	if after := modTimes(t, ubltest.XMLFiles(t, w.ubl)); len(after) != len(before) {
		t.Fatalf("second sync wrote files: %d → %d", len(before), len(after))
	}
	ubltest.Validate(t, files...)
}

func modTimes(t *testing.T, files []string) map[string]time.Time {
	t.Helper()
	m := map[string]time.Time{}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		m[f] = fi.ModTime()
	}
	return m
}

// TestStatusChangeRecheckBooks: a parked order whose status changes in the
// shop, with no poll or webhook telling us, is booked by the recheck.
func TestStatusChangeRecheckBooks(t *testing.T) {
	w := newWorld(t)
	ids := w.emu.AddDutch(40, 11)
	w.sync()
	parked := w.orders(app.Parked)
	var target string
	for id, v := range parked {
		if v.Reason == engine.ReasonNotForwarded {
			target = id
			break
		}
	}
	if target == "" {
		t.Fatalf("no parked order among %d", len(ids))
	}
	// The generated orders are from 2024: recheck without a lookback limit.
	noLimit := 0
	if err := w.svc.UpdateShop(context.Background(), w.shop, app.ShopInput{Name: w.shop, URL: w.srv.URL,
		Forward: app.DefaultForward, LookbackDays: &noLimit}); err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.ParseInt(target, 10, 64)
	w.emu.SetStatus(n, "completed")
	// Recheck only: it fetches the parked orders by id.
	if _, _, err := w.svc.Recheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := w.orders()[target]
	if v.State != app.Booked {
		t.Fatalf("after recheck order %s is %s (%s %s)", target, v.State, v.Reason, v.Detail)
	}
}

// TestShopDownLosesNothing: while the shop is unreachable the sync says so
// clearly, and the next sync catches up on what changed meanwhile.
func TestShopDownLosesNothing(t *testing.T) {
	w := newWorld(t)
	w.emu.AddDutch(30, 3)
	w.sync()
	w.emu.SetDown(true)
	_, err := w.svc.Sync(context.Background(), "", nil)
	if err == nil {
		t.Fatal("sync against a shop that is down succeeded")
	}
	if code := app.CodeOf(err); code != app.CodeNetwork {
		t.Fatalf("error code %q (%v), want %q", code, err, app.CodeNetwork)
	}
	if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), testKey) {
		t.Fatalf("error leaks a key: %v", err)
	}
	info, _ := w.svc.Shop(context.Background(), w.shop)
	if info.LastErrorCode != "network" || info.LastError == "" {
		t.Fatalf("shop does not show the error: %+v", info)
	}
	// Orders placed while we could not see the shop.
	more := w.emu.PlaceDutch(10, 99)
	w.emu.SetDown(false)
	w.sync()
	all := w.orders()
	for _, id := range more {
		if _, ok := all[strconv.FormatInt(id, 10)]; !ok {
			t.Errorf("order %d placed during the outage was not caught up", id)
		}
	}
}

// TestRefundBecomesCreditNote: a refund on a booked order is booked as a
// credit note referring to the invoice; both are valid UBL.
func TestRefundBecomesCreditNote(t *testing.T) {
	w := newWorld(t)
	ids := w.emu.AddDutch(20, 5)
	w.sync()
	var id int64
	for _, x := range ids {
		o, _ := w.emu.Order(x)
		if o.Status == "processing" && len(o.Refunds) == 0 {
			id = x
			break
		}
	}
	if id == 0 {
		t.Fatal("no processing order without refunds")
	}
	if _, err := w.emu.AddRefund(id, "Beschadigd aangekomen", 500); err != nil {
		t.Fatal(err)
	}
	res := w.sync()
	if res.Booked.Booked != 1 {
		t.Fatalf("booked %d after the refund, want 1 credit note (%+v)", res.Booked.Booked, res)
	}
	d, err := w.svc.Order(context.Background(), w.shop, strconv.FormatInt(id, 10))
	if err != nil {
		t.Fatal(err)
	}
	var credit string
	for _, b := range d.Bookings {
		if b.Kind == order.KindCreditNote && b.State == "done" {
			credit = b.Ref
		}
	}
	if credit == "" {
		t.Fatalf("no credit note booked: %+v", d.Bookings)
	}
	body, err := os.ReadFile(credit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "<cac:BillingReference>") || !strings.Contains(string(body), d.InvoiceID) {
		t.Fatalf("credit note does not refer to invoice %s", d.InvoiceID)
	}
	ubltest.Validate(t, d.BookingRef, credit)
}

// TestMissingSellerWaitsThenBooks: without seller details nothing is booked,
// the orders say why, and saving the details books them at once.
func TestMissingSellerWaitsThenBooks(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if err := w.svc.SetSeller(ctx, order.Seller{}); err != nil {
		t.Fatal(err)
	}
	w.emu.AddDutch(15, 21)
	w.sync()
	queued := w.orders(app.Queued)
	if len(queued) == 0 {
		t.Fatal("no queued orders")
	}
	for _, v := range queued {
		if v.Reason != engine.ReasonSellerIncomplete {
			t.Fatalf("queued order %s waits for %q, want %q", v.ID, v.Reason, engine.ReasonSellerIncomplete)
		}
	}
	if len(w.orders(app.Booked)) != 0 {
		t.Fatal("booked without seller details")
	}
	// Malformed details are refused with the field.
	bad := testSeller()
	bad.IBAN = "NL91ABNA0417164301"
	if err := w.svc.SetSeller(ctx, bad); app.CodeOf(err) != app.CodeInvalid || app.FieldOf(err) != order.SellerIBAN {
		t.Fatalf("bad IBAN: %v", err)
	}
	if err := w.svc.SetSeller(ctx, testSeller()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Engine().BookDue(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(w.orders(app.Queued)); n != 0 {
		t.Fatalf("%d orders still queued after the seller was set", n)
	}
}

// TestActionsOfTheOpenTab: ignore and book anyway, as the Open tab's buttons.
func TestActionsOfTheOpenTab(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.emu.AddDutch(30, 8)
	w.sync()
	parked := w.orders(app.Parked)
	if len(parked) < 2 {
		t.Fatalf("%d parked", len(parked))
	}
	var a, b app.OrderView
	for _, v := range parked {
		if a.ID == "" {
			a = v
		} else if b.ID == "" {
			b = v
		}
	}
	if err := w.svc.Ignore(ctx, w.shop, a.Number); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.BookAnyway(ctx, w.shop, b.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Engine().BookDue(ctx); err != nil {
		t.Fatal(err)
	}
	all := w.orders()
	if all[a.ID].State != app.Ignored || all[a.ID].Reason != engine.ReasonIgnoredByUser {
		t.Fatalf("ignored order is %s/%s", all[a.ID].State, all[a.ID].Reason)
	}
	if all[b.ID].State != app.Booked && all[b.ID].State != app.Failed {
		t.Fatalf("booked-anyway order is %s", all[b.ID].State)
	}
	// A person's choice survives the next sync.
	na, _ := strconv.ParseInt(a.ID, 10, 64)
	w.emu.Update(na, func(o *wcemu.Order) { o.CustomerNote = "nog een wijziging" })
	w.sync()
	if st := w.orders()[a.ID].State; st != app.Ignored {
		t.Fatalf("ignored order became %s after a change in the shop", st)
	}
	if err := w.svc.BookAnyway(ctx, w.shop, "does-not-exist"); app.CodeOf(err) != app.CodeNoSuchOrder {
		t.Fatalf("unknown order: %v", err)
	}
	var e *app.Error
	if err := w.svc.Ignore(ctx, "Nope", a.Number); !errors.As(err, &e) || e.Code != app.CodeNoSuchShop {
		t.Fatalf("unknown shop: %v", err)
	}
}

// TestWrongKeysClearError: wrong keys give the auth code, and no secret in
// the message.
func TestWrongKeysClearError(t *testing.T) {
	w := newWorld(t)
	_, err := w.svc.TestConnection(context.Background(), app.ShopInput{Name: "x", URL: w.srv.URL, Key: testKey, Secret: "cs_wrong_secret_value"})
	if app.CodeOf(err) != app.CodeAuth {
		t.Fatalf("wrong secret: %v (code %q)", err, app.CodeOf(err))
	}
	if strings.Contains(err.Error(), "cs_wrong_secret_value") {
		t.Fatalf("secret in error: %v", err)
	}
	sts, err := w.svc.TestConnection(context.Background(), app.ShopInput{Name: "x", URL: w.srv.URL, Key: testKey, Secret: testSecret})
	if err != nil || len(sts) < 7 {
		t.Fatalf("statuses %v %v", sts, err)
	}
}

// TestOrderDeletedForGood: an order deleted permanently in the shop (not
// trashed) has no modified time to compare; a check still records it, as
// parked with the reason, so a person sees it and it is not booked.
func TestOrderDeletedForGood(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	ids := w.emu.AddDutch(20, 12)
	w.sync()
	parked := w.orders(app.Parked)
	var target app.OrderView
	for _, v := range parked {
		if v.Reason == engine.ReasonNotForwarded {
			target = v
			break
		}
	}
	if target.ID == "" {
		t.Fatalf("no parked order among %d", len(ids))
	}
	n, _ := strconv.ParseInt(target.ID, 10, 64)
	if !w.emu.Delete(n) {
		t.Fatal("emulator could not delete")
	}
	changed, err := w.svc.Check(ctx, w.shop, target.Number)
	if err != nil {
		t.Fatal(err)
	}
	v := w.orders()[target.ID]
	if !changed || v.State != app.Parked || v.Reason != engine.ReasonDeleted {
		t.Fatalf("after deletion: changed %v, %s/%s", changed, v.State, v.Reason)
	}
	if v.Customer == "" || v.Total == 0 {
		t.Fatalf("the deleted order lost what was known of it: %+v", v)
	}
}
