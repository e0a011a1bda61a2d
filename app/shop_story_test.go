package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// ublCount counts the invoice files of one order number under a slug.
func ublCount(t testing.TB, dir, slug, number string) int {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, slug+"_"+number+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	return len(matches)
}

// TestRenameBooksNothingTwice: an order booked, the shop renamed, then the
// same order again by webhook (to the URL the shop was given before the
// rename) and by poll: nothing is booked twice, the old webhook URL still
// delivers, and a new order's file is named by the slug, not the new name.
func TestRenameBooksNothingTwice(t *testing.T) {
	w := newWorldWith(t, app.Options{})
	ctx := context.Background()
	id, number := w.placeForwarded(7)
	w.sync()
	if n := ublCount(t, w.ubl, "koffiebar", number); n != 1 {
		t.Fatalf("%d invoice files for order %s before the rename", n, number)
	}
	if err := w.svc.SetWebhook(ctx, w.shop, true); err != nil {
		t.Fatal(err)
	}
	before, err := w.svc.Shop(ctx, w.shop)
	if err != nil {
		t.Fatal(err)
	}

	const renamed = "Koffiebar De Boon"
	if err := w.svc.RenameShop(ctx, w.shop, renamed); err != nil {
		t.Fatal(err)
	}
	after, err := w.svc.Shop(ctx, renamed)
	if err != nil {
		t.Fatal(err)
	}
	if after.Slug != "koffiebar" || after.Webhook.Path != before.Webhook.Path || after.Webhook.Path != "/hooks/woocommerce/koffiebar" {
		t.Fatalf("after the rename: slug %q, webhook path %q (was %q)", after.Slug, after.Webhook.Path, before.Webhook.Path)
	}
	if _, err := w.svc.Shop(ctx, w.shop); app.CodeOf(err) != app.CodeNoSuchShop {
		t.Fatalf("the old name still finds the shop: %v", err)
	}

	// The same order, changed in the shop, by webhook to the old URL.
	w.emu.SetStatus(id, "completed")
	if err := w.svc.StartWebhooks(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	body, _ := w.emu.OrderJSON(id)
	req, _ := http.NewRequest(http.MethodPost, "http://"+w.svc.TunnelStatus().Local+before.Webhook.Path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-WC-Webhook-Topic", "order.updated")
	req.Header.Set("X-WC-Webhook-Resource", "order")
	req.Header.Set("X-WC-Webhook-ID", "1")
	req.Header.Set("X-WC-Webhook-Signature", wcemu.Sign(body, before.Webhook.Secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delivery to the old webhook URL: %d", resp.StatusCode)
	}
	// And by poll (Sync also processes the inbox), with a second order.
	id2, number2 := w.placeForwarded(8)
	res := w.sync()
	if res.Booked.Booked != 1 {
		t.Fatalf("after the rename %d booked, want only the new order: %+v", res.Booked.Booked, res.Booked)
	}
	ds, err := w.svc.Store().Deliveries(ctx, 10)
	if err != nil || len(ds) != 1 || ds[0].Result == "unknown shop" || strings.HasPrefix(ds[0].Result, "error") {
		t.Fatalf("the delivery after the rename: %+v, %v", ds, err)
	}
	if n := ublCount(t, w.ubl, "koffiebar", number); n != 1 {
		t.Errorf("%d invoice files for order %s after the rename, want 1", n, number)
	}
	if n := ublCount(t, w.ubl, "koffiebar", number2); n != 1 {
		t.Errorf("order %s booked after the rename: %d files named by the slug", number2, n)
	}
	if m, _ := filepath.Glob(filepath.Join(w.ubl, "*De*Boon*")); len(m) != 0 {
		t.Errorf("files named by the new name: %v", m)
	}
	sh, _ := w.svc.Store().ShopByName(ctx, renamed)
	for _, ext := range []string{strconv.FormatInt(id, 10), strconv.FormatInt(id2, 10)} {
		rec, err := w.svc.Store().Record(ctx, sh.ID, ext)
		if err != nil || rec.State != store.Booked {
			t.Errorf("order %s: %+v, %v", ext, rec.State, err)
		}
	}
}

// redirectingShop is the emulator behind a WordPress that redirects every
// request for another host than its home (127.0.0.1:PORT) there.
func redirectingShop(t *testing.T, emu *wcemu.Shop) *httptest.Server {
	t.Helper()
	var home string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if "http://"+r.Host != home {
			http.Redirect(w, r, home+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	home = srv.URL
	emu.SetURL(srv.URL)
	return srv
}

// TestCLIShopSetUp: a support person sets a shop up as a new user would:
// a wrong address and wrong keys are refused before anything is saved, a
// new shop books from now, a backfill books the older orders, a sync whose
// bookings wait for a seller field says which and exits 3, rename, sells,
// and removal that keeps the books.
func TestCLIShopSetUp(t *testing.T) {
	emu := wcemu.New(testKey, testSecret)
	srv := redirectingShop(t, emu)
	emu.AddDutch(25, 3)
	dir := filepath.Join(t.TempDir(), "data")
	ubl := filepath.Join(t.TempDir(), "facturen")
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		code, out, errOut := cli(t, dir, args...)
		if code != want {
			t.Fatalf("orderbrug %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errOut)
		}
		for _, secret := range []string{testSecret, testKey} {
			if strings.Contains(out+errOut, secret) {
				t.Fatalf("orderbrug %s printed a key", strings.Join(args, " "))
			}
		}
		return out, errOut
	}
	shops := func() []app.ShopInfo {
		t.Helper()
		out, _ := run(0, "shop", "list", "--json")
		var s []app.ShopInfo
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	add := []string{"shop", "add", "woocommerce", "--name", "Koffiebar", "--key", testKey, "--secret", testSecret}

	_, errOut := run(1, append(add, "--url", "http://localhost"+port)...)
	if !strings.Contains(errOut, "lives at "+srv.URL) || strings.Contains(errOut, "refused the API keys") {
		t.Fatalf("localhost for a shop at 127.0.0.1: %q", errOut)
	}
	_, errOut = run(1, "shop", "add", "woocommerce", "--name", "Koffiebar", "--url", srv.URL, "--key", testKey, "--secret", "cs_wrong")
	if !strings.Contains(errOut, "refused the API keys") {
		t.Fatalf("wrong secret: %q", errOut)
	}
	if s := shops(); len(s) != 0 {
		t.Fatalf("a failed shop add saved %+v", s)
	}

	out, _ := run(0, append(add, "--url", srv.URL)...)
	if !strings.Contains(out, "connection tested") {
		t.Fatalf("shop add said %q", out)
	}
	run(0, "ledger", "ubl", "--dir", ubl)
	// Everything but the VAT number.
	run(0, "seller", "set", "--name", "Koffiebar De Boon B.V.", "--kvk", "12345678",
		"--street", "Oudegracht 1", "--postcode", "3511 AA", "--city", "Utrecht", "--country", "NL", "--iban", "NL91 ABNA 0417 1643 00")
	// From now: the shop's 25 older orders are in the books already.
	out, _ = run(0, "sync")
	if !strings.Contains(out, "booked 0,") || strings.Contains(out, "waiting on you") {
		t.Fatalf("first sync of a shop connected now: %q", out)
	}

	// Backfill: the older orders are fetched and decided; their bookings
	// wait for the VAT number, and sync says so with exit code 3.
	run(0, "shop", "set", "Koffiebar", "--since", "2020-01-01")
	out, errOut = run(3, "sync")
	t.Logf("sync waiting for the VAT number:\n%s%s", out, errOut)
	if !strings.Contains(out, "Koffiebar: 25 orders seen") || !strings.Contains(out, "missing: vat_id") ||
		!strings.Contains(out, "--vat") || !strings.Contains(errOut, "wait on you") {
		t.Fatalf("sync waiting for the VAT number: stdout %q stderr %q", out, errOut)
	}
	var res app.SyncResult
	code, jout, _ := cli(t, dir, "sync", "--json")
	if err := json.Unmarshal([]byte(jout), &res); err != nil || code != 3 || len(res.Attention) == 0 ||
		res.Attention[0].Reason != "seller_incomplete" || !strings.Contains(res.Attention[0].Args["missing"], order.SellerVATID) {
		t.Fatalf("sync --json: exit %d, %+v, %v", code, res.Attention, err)
	}
	run(0, "seller", "set", "--vat", "NL123456789B01")
	out, _ = run(0, "sync")
	if strings.Contains(out, "booked 0,") || strings.Contains(out, "waiting on you") {
		t.Fatalf("sync with the seller complete: %q", out)
	}

	// Rename and sells.
	run(0, "shop", "rename", "Koffiebar", "Koffiebar De Boon")
	run(0, "shop", "set", "Koffiebar De Boon", "--sells", "services")
	run(1, "shop", "set", "Koffiebar De Boon", "--sells", "diensten")
	out, _ = run(0, "shop", "show", "Koffiebar De Boon", "--json")
	var si app.ShopInfo
	if err := json.Unmarshal([]byte(out), &si); err != nil || si.Slug != "koffiebar" || si.Sells != order.SellsServices {
		t.Fatalf("shop show: %+v %v", si, err)
	}
	if !strings.Contains(out, `"sells": "services"`) {
		t.Fatalf("no sells in %s", out)
	}
	if s := shops(); len(s) != 1 || s[0].Sells != order.SellsServices || s[0].Name != "Koffiebar De Boon" {
		t.Fatalf("shop list: %+v", s)
	}

	// Removal keeps what was booked.
	run(0, "shop", "remove", "Koffiebar De Boon")
	if s := shops(); len(s) != 0 {
		t.Fatalf("removed shop still listed: %+v", s)
	}
	svc, err := app.Open(context.Background(), app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	c, err := svc.Store().Count(context.Background(), 0, time.Time{})
	if err != nil || c.ByState[store.Booked] == 0 {
		t.Fatalf("booked records after removal: %+v, %v", c, err)
	}
	files, _ := filepath.Glob(filepath.Join(ubl, "koffiebar_*.xml"))
	invoices := 0
	for _, f := range files {
		if !strings.Contains(f, "creditnota") {
			invoices++
		}
	}
	if invoices != c.ByState[store.Booked] {
		t.Errorf("%d invoice files, %d booked orders", invoices, c.ByState[store.Booked])
	}
}

// TestUpdateShopTestsNewKeys: new keys (or a new address) are tested
// before they replace the ones that work.
func TestUpdateShopTestsNewKeys(t *testing.T) {
	w := newWorldWith(t, app.Options{})
	ctx := context.Background()
	err := w.svc.UpdateShop(ctx, w.shop, app.ShopInput{Name: w.shop, URL: w.srv.URL, Key: testKey, Secret: "cs_wrong"})
	if app.CodeOf(err) != app.CodeAuth || app.FieldOf(err) != "key" {
		t.Fatalf("wrong secret: %v (code %s, field %s)", err, app.CodeOf(err), app.FieldOf(err))
	}
	sh, err := w.svc.Store().ShopByName(ctx, w.shop)
	if err != nil || sh.Secret != testSecret {
		t.Fatalf("the working secret was replaced: %v", err)
	}
	if err := w.svc.UpdateShop(ctx, w.shop, app.ShopInput{Name: w.shop, URL: w.srv.URL, Key: testKey, Secret: testSecret}); err != nil {
		t.Fatalf("the right keys again: %v", err)
	}
}
