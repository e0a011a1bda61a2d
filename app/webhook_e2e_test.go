package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// This file proves the real-time path end to end: WooCommerce's own
// captured requests replayed byte for byte against the running service.

// fixturesDir finds shared/fixtures/woocommerce beside the repository,
// upwards from the working directory, as ubltest.ValidatorPath finds the
// UBL kit ($ORDERBRUG_FIXTURES overrides).
func fixturesDir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("ORDERBRUG_FIXTURES"); d != "" {
		return filepath.Join(d, "woocommerce")
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "fixtures", "woocommerce")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("shared/fixtures/woocommerce not found beside the repository; set ORDERBRUG_FIXTURES")
		}
		dir = parent
	}
}

// newWorldWith is newWorld with Options (a tunnel, a logger); DataDir is set
// here.
func newWorldWith(t *testing.T, opt app.Options) *world {
	t.Helper()
	w := &world{t: t, emu: wcemu.New(testKey, testSecret), dir: t.TempDir(), shop: "Koffiebar"}
	w.srv = httptest.NewServer(w.emu)
	t.Cleanup(w.srv.Close)
	w.emu.SetURL(w.srv.URL)
	opt.DataDir = filepath.Join(w.dir, "data")
	svc, err := app.Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	t.Cleanup(func() { svc.Close() })
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

// startEmpty starts the service's schedules while the shop is still empty
// and waits for the catch-up poll, so that anything booked afterwards (the
// next poll is 15 minutes away) came through a webhook.
func (w *world) startEmpty() {
	w.t.Helper()
	if w.emu.Len() != 0 {
		w.t.Fatal("startEmpty: the shop has orders")
	}
	if err := w.svc.Start(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	waitFor(w.t, 5*time.Second, "the catch-up poll", func() bool {
		info, err := w.svc.Shop(context.Background(), w.shop)
		return err == nil && !info.LastPollOK.IsZero()
	})
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// drained reports whether every stored delivery is processed and no booking
// is pending.
func drained(t testing.TB, st *store.Store) bool {
	t.Helper()
	ctx := context.Background()
	ds, err := st.PendingDeliveries(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := st.DueBookings(ctx, time.Now().Add(24*time.Hour), 1)
	if err != nil {
		t.Fatal(err)
	}
	return len(ds) == 0 && len(bs) == 0
}

// capture is one request a real WooCommerce 8.9.1 sent.
type capture struct {
	name    string
	at      float64
	method  string
	headers [][2]string
	body    []byte
}

func (c capture) header(name string) string {
	for _, h := range c.headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// loadCaptures reads real-8.9.1's requests in the order they were sent.
func loadCaptures(t testing.TB, dir string) []capture {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.headers.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no captures in %s (%v)", dir, err)
	}
	var out []capture
	for _, n := range names {
		var h struct {
			ReceivedAt float64     `json:"received_at"`
			Method     string      `json:"method"`
			Headers    [][2]string `json:"headers"`
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &h); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		base := strings.TrimSuffix(filepath.Base(n), ".headers.json")
		body, err := os.ReadFile(filepath.Join(dir, base+".body.raw"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, capture{name: base, at: h.ReceivedAt, method: h.Method, headers: h.Headers, body: body})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

// replay sends c to url with its exact headers and body bytes.
func replay(t testing.TB, url string, c capture) int {
	t.Helper()
	req, err := http.NewRequest(c.method, url, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range c.headers {
		switch strings.ToLower(h[0]) {
		case "host", "content-length":
			// Host is the test server's; the length is the body's (the
			// same bytes, so the same number).
		case "connection":
			req.Close = strings.EqualFold(h[1], "close")
		default:
			req.Header.Add(h[0], h[1])
		}
	}
	if cl := c.header("Content-Length"); cl != strconv.Itoa(len(c.body)) {
		t.Fatalf("%s: captured Content-Length %s, body %d bytes", c.name, cl, len(c.body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// ubsFor lists the UBL files of one order number (invoice and credit notes).
func ublFor(t testing.TB, dir, shop, number string) []string {
	t.Helper()
	var out []string
	for _, f := range ubltest.XMLFiles(t, dir) {
		base := filepath.Base(f)
		if base == shop+"_"+number+".xml" || strings.HasPrefix(base, shop+"_"+number+"_") {
			out = append(out, f)
		}
	}
	return out
}

// TestReplayRealWooCommerceDeliveries replays every request a real
// WooCommerce 8.9.1 sent (three creation pings, created/updated/deleted
// deliveries of orders 13 and 15, a refund) byte for byte, in capture order,
// to the service's real webhook server. Pings get exactly 200, deliveries
// 200; order 13 is booked once with its refund as a credit note, the
// deletion is handled, and old or repeated deliveries change nothing.
func TestReplayRealWooCommerceDeliveries(t *testing.T) {
	w := newWorldWith(t, app.Options{})
	ctx := context.Background()
	fix := fixturesDir(t)
	real := filepath.Join(fix, "real-8.9.1")

	w.startEmpty()
	if err := w.svc.SetWebhook(ctx, w.shop, true); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.SetWebhookTopics(ctx, w.shop, []string{"order.created", "order.updated", "order.deleted"}); err != nil {
		t.Fatal(err)
	}
	// The captured webhooks were made by hand, one secret each.
	var secrets map[string]string
	b, err := os.ReadFile(filepath.Join(real, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &secrets); err != nil {
		t.Fatal(err)
	}
	sh, err := w.svc.Store().ShopByName(ctx, w.shop)
	if err != nil {
		t.Fatal(err)
	}
	sh.Webhook.Secrets = map[string]string{"1": secrets["1"], "2": secrets["2"], "3": secrets["3"]}
	if err := w.svc.Store().SaveWebhook(ctx, sh.ID, sh.Webhook); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.StartWebhooks(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	url := "http://" + w.svc.TunnelStatus().Local + "/hooks/woocommerce/" + w.slug()
	// The shop's API answers the fetches a refund and a deletion need.
	if _, err := w.emu.SeedFixtures(fix); err != nil {
		t.Fatal(err)
	}

	caps := loadCaptures(t, real)
	if len(caps) != 12 {
		t.Fatalf("%d captures, want 12", len(caps))
	}
	byName := map[string]capture{}
	pings, deliveries := 0, 0
	for _, c := range caps {
		byName[c.name] = c
		if c.name == "delivery_order.deleted_13_trashed" {
			// WooCommerce trashed the order before it sent this: the
			// shop's API must say so when the engine fetches it.
			waitFor(t, 5*time.Second, "the deliveries before the deletion", func() bool { return drained(t, w.svc.Store()) })
			if !w.emu.Trash(13) {
				t.Fatal("no order 13 in the shop")
			}
		}
		code := replay(t, url, c)
		if strings.HasPrefix(c.name, "ping_") {
			pings++
			if code != http.StatusOK {
				t.Fatalf("%s answered %d, WooCommerce needs exactly 200", c.name, code)
			}
			continue
		}
		deliveries++
		if code != http.StatusOK {
			t.Fatalf("%s answered %d, want 200", c.name, code)
		}
	}
	waitFor(t, 10*time.Second, "the inbox and outbox to drain", func() bool { return drained(t, w.svc.Store()) })

	stored, err := w.svc.Deliveries(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if pings != 3 || deliveries != 9 || len(stored)+repeatsOf(stored) != deliveries { // a repeat of the same bytes is one row (intake_test.go)
		t.Fatalf("%d pings, %d deliveries sent, %d stored", pings, deliveries, len(stored))
	}
	for _, d := range stored {
		if strings.HasPrefix(d.Result, "error") || d.Result == "unknown shop" {
			t.Errorf("delivery %d (%s, order %s) processed as %q", d.ID, d.Topic, d.OrderID, d.Result)
		}
		if _, ok := d.Headers["X-Wc-Webhook-Signature"]; ok {
			t.Errorf("delivery %d keeps the signature header", d.ID)
		}
	}
	// The raw bodies are kept as signed, byte for byte (the inbox is the
	// inspector with replay). Deliveries list newest first.
	if !bytes.Equal(stored[len(stored)-1].Body, byName["delivery_order.created_13_pending"].body) ||
		!bytes.Equal(stored[0].Body, byName[lastDelivery(caps)].body) {
		t.Fatal("stored bodies are not the bytes sent")
	}

	check13 := func() (app.OrderDetail, []string) {
		t.Helper()
		d, err := w.svc.Order(ctx, w.shop, "13")
		if err != nil {
			t.Fatal(err)
		}
		return d, ublFor(t, w.ubl, w.slug(), "13")
	}
	d13, files13 := check13()
	if d13.State != app.Booked {
		t.Fatalf("order 13 is %s (%s %s)", d13.State, d13.Reason, d13.Detail)
	}
	var invoices, credits int
	for _, bk := range d13.Bookings {
		if bk.State != "done" {
			t.Errorf("order 13 booking %s is %s: %s", bk.Key, bk.State, bk.LastError)
		}
		switch bk.Kind {
		case order.KindInvoice:
			invoices++
		case order.KindCreditNote:
			credits++
			if bk.RefundID != "14" {
				t.Errorf("credit note for refund %q, want 14", bk.RefundID)
			}
		}
	}
	if invoices != 1 || credits != 1 {
		t.Fatalf("order 13 has %d invoices and %d credit notes, want 1 and 1", invoices, credits)
	}
	wantFiles := []string{filepath.Join(w.ubl, w.slug()+"_13.xml"), filepath.Join(w.ubl, w.slug()+"_13_creditnota_14.xml")}
	if strings.Join(files13, ",") != strings.Join(wantFiles, ",") {
		t.Fatalf("UBL files of order 13: %v, want %v", files13, wantFiles)
	}
	// The deletion was fetched and seen: still booked (a booked invoice is
	// never taken back silently), marked as changed after booking, with a
	// warning for a person.
	if d13.Status != "trash" {
		t.Errorf("order 13 has status %q after its deletion, want trash", d13.Status)
	}
	if !hasEvent(d13.Events, "changed_after_booking") {
		t.Errorf("no changed_after_booking event for order 13: %v", eventCodes(d13.Events))
	}
	d15, err := w.svc.Order(ctx, w.shop, "15")
	if err != nil {
		t.Fatal(err)
	}
	if d15.State != app.Booked || len(d15.Bookings) != 1 || len(ublFor(t, w.ubl, w.slug(), "15")) != 1 {
		t.Fatalf("order 15 is %s with %d bookings", d15.State, len(d15.Bookings))
	}
	evs, err := w.svc.Events(ctx, app.EventQuery{Shop: w.shop, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if n := countEvents(evs, "webhook_ping"); n != 3 {
		t.Errorf("%d ping events, want 3", n)
	}
	if n := countEvents(evs, "booked"); n != 3 {
		t.Errorf("%d booked events, want 3 (invoices 13 and 15, credit note 13)", n)
	}

	// Duplicates and out-of-order deliveries change nothing: an older
	// delivery after a newer one, and an exact repeat. A re-post of bytes
	// already stored is folded into their row (counted in repeats, not
	// processed again); any other is a new row processed as stale/repeat.
	before := modTimes(t, ubltest.XMLFiles(t, w.ubl))
	rows0, _ := w.svc.Deliveries(ctx, 100)
	for _, name := range []string{"delivery_order.created_13_pending", "delivery_order.updated_13_completed",
		"delivery_order.updated_15_processing", "delivery_order.updated_15_answered_500"} {
		if code := replay(t, url, byName[name]); code != http.StatusOK {
			t.Fatalf("re-post of %s answered %d", name, code)
		}
	}
	waitFor(t, 5*time.Second, "the re-posts to be processed", func() bool { return drained(t, w.svc.Store()) })
	rows1, err := w.svc.Deliveries(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	again := rows1[:len(rows1)-len(rows0)]
	if len(again)+repeatsOf(rows1)-repeatsOf(rows0) != 4 {
		t.Errorf("4 re-posts: %d new rows, %d more repeats", len(again), repeatsOf(rows1)-repeatsOf(rows0))
	}
	for _, d := range again {
		if d.Result != "stale" && d.Result != "repeat" {
			t.Errorf("re-posted delivery of order %s (%s) processed as %q, want stale or repeat", d.OrderID, d.Topic, d.Result)
		}
	}
	after := modTimes(t, ubltest.XMLFiles(t, w.ubl))
	if len(after) != len(before) {
		t.Fatalf("re-posts changed the UBL files: %d → %d", len(before), len(after))
	}
	for f, m := range before {
		if !after[f].Equal(m) {
			t.Errorf("%s was rewritten", f)
		}
	}
	d13b, _ := check13()
	if d13b.Status != "trash" || d13b.State != app.Booked || len(d13b.Bookings) != 2 {
		t.Fatalf("after old deliveries order 13 is %s/%s with %d bookings", d13b.Status, d13b.State, len(d13b.Bookings))
	}
	ubltest.Validate(t, append(wantFiles, ublFor(t, w.ubl, w.slug(), "15")...)...)
}

func lastDelivery(caps []capture) string {
	for i := len(caps) - 1; i >= 0; i-- {
		if strings.HasPrefix(caps[i].name, "delivery_") {
			return caps[i].name
		}
	}
	return ""
}

func hasEvent(evs []app.Event, code string) bool { return countEvents(evs, code) > 0 }

func countEvents(evs []app.Event, code string) int {
	n := 0
	for _, e := range evs {
		if e.Code == code {
			n++
		}
	}
	return n
}

func eventCodes(evs []app.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Code
	}
	return out
}
