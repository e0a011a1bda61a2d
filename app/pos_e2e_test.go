package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
)

// This file proves the till end to end through the real service: Linga's
// Integration Hub posting checks to the real webhook server on 127.0.0.1
// with the header Orderbrug made, the service's own schedule on a fake
// clock closing the day at its cut-off, and every file valid UBL.

var amsTZ, _ = time.LoadLocation("Europe/Amsterdam")

// tillWorld is a service with two tills: one booking per day, one per
// check, and the webhook server on a fixed local address behind the
// owner's own public URL.
type tillWorld struct {
	t      *testing.T
	svc    *app.Service
	clock  *clockwork.FakeClock
	ubl    string
	listen string
	hc     *http.Client
}

func newTillWorld(t *testing.T, start time.Time) *tillWorld {
	t.Helper()
	ctx := context.Background()
	w := &tillWorld{t: t, clock: clockwork.NewFakeClockAt(start), hc: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(w.hc.CloseIdleConnections)
	dir := t.TempDir()
	svc, err := app.Open(ctx, app.Options{DataDir: filepath.Join(dir, "data"), Clock: w.clock})
	if err != nil {
		t.Fatal(err)
	}
	w.svc = svc
	t.Cleanup(func() { svc.Close() })
	w.ubl = filepath.Join(dir, "facturen")
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Eetcafé De Brug", Source: order.POS, Since: since}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Terras", Source: order.POS, Since: since,
		Options: map[string]string{"booking": "per-check"}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSeller(ctx, testSeller()); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, w.ubl); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.listen = ln.Addr().String()
	ln.Close()
	if err := svc.SetOwnURL(ctx, "https://kassa.example.nl", w.listen); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.StartWebhooks(ctx, ""); err != nil {
		t.Fatal(err)
	}
	return w
}

// header is the shop's header as Back Office is given it.
func (w *tillWorld) header(shop string) (string, string) {
	w.t.Helper()
	name, value, err := w.svc.WebhookCredential(context.Background(), shop)
	if err != nil || name != "X-Orderbrug-Key" || len(value) < 40 {
		w.t.Fatalf("header of %s: %q (%d characters) %v", shop, name, len(value), err)
	}
	return name, value
}

// post sends body to the shop's route with the given header value ("" none)
// and returns the status and the answer.
func (w *tillWorld) post(shop, route, key string, body []byte) (int, string) {
	w.t.Helper()
	si, err := w.svc.Shop(context.Background(), shop)
	if err != nil {
		w.t.Fatal(err)
	}
	path := si.Webhook.Paths[route]
	if path == "" {
		w.t.Fatalf("%s has no route %s: %v", shop, route, si.Webhook.Paths)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+w.listen+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-Orderbrug-Key", key)
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	defer w.clock.Advance(time.Second) // the next delivery comes a moment later
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// settled waits for the service to process every delivery and booking.
func (w *tillWorld) settled() {
	w.t.Helper()
	waitFor(w.t, 10*time.Second, "the inbox and outbox to drain", func() bool {
		ds, err := w.svc.Deliveries(context.Background(), 200)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, d := range ds {
			if d.ProcessedAt.IsZero() && d.Status == http.StatusOK {
				return false
			}
		}
		os, err := w.svc.Orders(context.Background(), app.OrderQuery{States: []app.State{app.Queued}})
		return err == nil && len(os) == 0
	})
}

func (w *tillWorld) order(shop, number string) app.OrderDetail {
	w.t.Helper()
	d, err := w.svc.Order(context.Background(), shop, number)
	if err != nil {
		w.t.Fatalf("order %s of %s: %v", number, shop, err)
	}
	return d
}

func (w *tillWorld) countEvents(code string) int {
	w.t.Helper()
	evs, err := w.svc.Events(context.Background(), app.EventQuery{Limit: 1000})
	if err != nil {
		w.t.Fatal(err)
	}
	return countCode(evs, code)
}

// fixture reads a till payload: the shared sample, or one of the pos
// package's test payloads.
func tillFixture(t *testing.T, name string) []byte {
	t.Helper()
	path := filepath.Join("..", "sync", "source", "pos", "testdata", name)
	if name == "linga-close-check.example.json" {
		path = filepath.Join(filepath.Dir(fixturesDir(t)), "pos", name)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withData rewrites the check inside an envelope whose data is a JSON
// string, as Linga sends it.
func withData(t *testing.T, envelope []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(envelope, &env); err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(env["data"].(string)), &data); err != nil {
		t.Fatal(err)
	}
	edit(data)
	inner, _ := json.Marshal(data)
	env["data"] = string(inner)
	out, _ := json.Marshal(env)
	return out
}

// TestTillEndToEnd: the Integration Hub's deliveries through the real
// server: a wrong or missing header is 401 and stores nothing; a body that
// is not a check is 400, kept in the inbox; a check opened, updated (on the
// Open URL, as Back Office may) and closed is parked, then counted in the
// day; the same close again and an update after it book nothing more; an
// online order opened and closed; at 04:00 the service's own schedule (on
// a fake clock) closes the day and books one summary with a line per VAT
// rate and the number of checks; the till booking per check books each
// closed check; every file is valid UBL.
func TestTillEndToEnd(t *testing.T) {
	w := newTillWorld(t, time.Date(2026, 12, 1, 20, 0, 0, 0, amsTZ))
	ctx := context.Background()
	const shop = "Eetcafé De Brug"
	_, key := w.header(shop)
	_, otherKey := w.header("Terras")
	closeCheck := tillFixture(t, "linga-close-check.example.json")

	// Wrong, missing, or another till's header: 401, nothing stored.
	for _, k := range []string{"", "wrong", otherKey, key[:len(key)-1]} {
		if code, _ := w.post(shop, "close", k, closeCheck); code != http.StatusUnauthorized {
			t.Fatalf("header %q: %d, want 401", k, code)
		}
	}
	if ds, _ := w.svc.Deliveries(ctx, 10); len(ds) != 0 {
		t.Fatalf("a refused delivery was stored: %+v", ds)
	}
	if os, _ := w.svc.Orders(ctx, app.OrderQuery{}); len(os) != 0 {
		t.Fatalf("a refused delivery made orders: %+v", os)
	}

	// Not a check: 400 saying what was expected, kept for replay.
	code, answer := w.post(shop, "close", key, []byte(`{"event":"ping","storeId":"5d1"}`))
	if code != http.StatusBadRequest || !strings.Contains(answer, "check") {
		t.Fatalf("not a check: %d %q", code, answer)
	}
	ds, err := w.svc.Deliveries(ctx, 10)
	if err != nil || len(ds) != 1 || ds[0].Status != http.StatusBadRequest || ds[0].BodyBytes == 0 {
		t.Fatalf("not a check kept: %+v %v", ds, err)
	}

	// Opened (3rd order, on the Open URL), updated on the Open URL, closed.
	open := withData(t, closeCheck, func(d map[string]any) {
		d["checkStatus"], d["isClosed"] = "Open", false
		delete(d, "dateClosed")
	})
	update := withData(t, closeCheck, func(d map[string]any) {
		d["checkStatus"], d["isClosed"], d["guestCount"] = "Open", false, 3
		delete(d, "dateClosed")
	})
	for i, b := range [][]byte{open, update} {
		if code, answer := w.post(shop, "open", key, b); code != http.StatusOK {
			t.Fatalf("open %d: %d %s", i, code, answer)
		}
		w.settled()
		if d := w.order(shop, "3-201"); d.State != app.Parked {
			t.Fatalf("open check: %s %s", d.State, d.Reason)
		}
	}
	if code, answer := w.post(shop, "close", key, closeCheck); code != http.StatusOK {
		t.Fatalf("close: %d %s", code, answer)
	}
	w.settled()
	d := w.order(shop, "3-201")
	if d.State != app.Ignored || d.Reason != app.ReasonInDaySummary || d.ReasonArg != "2026-12-01" {
		t.Fatalf("closed check: %s %s %q", d.State, d.Reason, d.ReasonArg)
	}
	// The same close again, byte for byte and with other bytes; an update
	// after the close: nothing more counted, each recorded.
	if code, _ := w.post(shop, "close", key, closeCheck); code != http.StatusOK {
		t.Fatal("repeat close refused")
	}
	again := withData(t, closeCheck, func(d map[string]any) { d["guestCount"] = 2.0; d["sentAt"] = "again" })
	if code, _ := w.post(shop, "update", key, again); code != http.StatusOK {
		t.Fatal("close on the update URL refused")
	}
	late := withData(t, closeCheck, func(d map[string]any) {
		d["checkStatus"], d["isClosed"], d["guestCount"] = "Open", false, 4
		delete(d, "dateClosed")
	})
	if code, _ := w.post(shop, "update", key, late); code != http.StatusOK {
		t.Fatal("update after close refused")
	}
	w.settled()
	if n := w.countEvents("check_repeat"); n != 1 {
		t.Fatalf("%d check_repeat events, want 1", n)
	}
	if n := w.countEvents("check_after_close"); n != 1 {
		t.Fatalf("%d check_after_close events, want 1", n)
	}
	if d := w.order(shop, "3-201"); d.Status != "closed" {
		t.Fatalf("update after the close applied: %s", d.Status)
	}

	// More of the evening: a group dinner, an online order opened and closed.
	for _, f := range []struct{ route, file string }{
		{"close", "close-group-dinner.envelope.json"},
		{"open", "open-online-order.olo.json"},
		{"close", "close-online-order.olo.json"},
	} {
		if code, answer := w.post(shop, f.route, key, tillFixture(t, f.file)); code != http.StatusOK {
			t.Fatalf("%s: %d %s", f.file, code, answer)
		}
		w.settled()
	}
	day, err := w.svc.Orders(ctx, app.OrderQuery{Shop: shop, Reason: app.ReasonDayCollecting})
	if err != nil || len(day) != 1 {
		t.Fatalf("collecting day: %+v %v", day, err)
	}
	var arg map[string]string
	if err := json.Unmarshal([]byte(day[0].ReasonArg), &arg); err != nil || arg["checks"] != "3" || arg["day"] != "2026-12-01" {
		t.Fatalf("collecting day arg %q %v", day[0].ReasonArg, err)
	}
	collected := day[0].Total

	// The per-check till books its closed check at once.
	if code, answer := w.post("Terras", "close", otherKey, tillFixture(t, "close-lunch-exclusive.envelope-object.json")); code != http.StatusOK {
		t.Fatalf("terras: %d %s", code, answer)
	}
	w.settled()
	if d := w.order("Terras", "2-045"); d.State != app.Booked {
		t.Fatalf("per-check till: %s %s %s", d.State, d.Reason, d.Detail)
	}

	// 03:59: nothing yet. 04:00: the schedule closes the day and books it.
	w.clock.Advance(time.Date(2026, 12, 2, 3, 59, 0, 0, amsTZ).Sub(w.clock.Now()))
	time.Sleep(200 * time.Millisecond)
	if d := w.order(shop, day[0].Number); d.State != app.Parked {
		t.Fatalf("before the cut-off the day is %s", d.State)
	}
	w.clock.Advance(90 * time.Second)
	waitFor(t, 10*time.Second, "the day summary booked at the cut-off", func() bool {
		d, err := w.svc.Order(ctx, shop, day[0].Number)
		return err == nil && d.State == app.Booked
	})
	ds2 := w.order(shop, day[0].Number)
	files := ubltest.XMLFiles(t, w.ubl)
	if len(files) != 2 {
		t.Fatalf("%d files, want the day summary and the per-check invoice: %v", len(files), files)
	}
	var summary string
	for _, f := range files {
		if b := readFile(t, f); strings.Contains(b, day[0].Number) {
			summary = b
		}
	}
	for _, want := range []string{"Aantal bonnen: 3", "Dagomzet 2026-12-01, 21% btw", "Dagomzet 2026-12-01, 9% btw",
		"<cbc:IssueDate>2026-12-01</cbc:IssueDate>", fmt.Sprintf(`<cbc:TaxInclusiveAmount currencyID="EUR">%s</cbc:TaxInclusiveAmount>`, collected)} {
		if !strings.Contains(summary, want) {
			t.Errorf("the day summary lacks %q", want)
		}
	}
	if ds2.Total != collected {
		t.Errorf("booked %s, collected %s", ds2.Total, collected)
	}
	ubltest.Validate(t, files...)

	// What the tip was is in no file: 1,50 left the shared sample's total.
	if strings.Contains(summary, "Fooi") {
		t.Error("the tip is on the invoice")
	}
	if n := w.countEvents("day_closed"); n != 1 {
		t.Errorf("%d day_closed events", n)
	}
}
