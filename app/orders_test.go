package app_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]string{"0.9213": "0.9213", "0,9213": "0.9213", " 1.08 ": "1.08", "2": "2", ".5": "0.5"} {
		if got, err := app.ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "0.000", "-1", "abc", "1.2.3", "1,2.3", "1.", "1e3", "0.12345678901"} {
		if got, err := app.ParseRate(in); !errors.Is(err, app.ErrRate) {
			t.Errorf("ParseRate(%q) = %q, %v; want ErrRate", in, got, err)
		}
	}
}

// TestCLIChangedAfterBookingAndRates: a booked order cancelled in the shop
// is listed by orders --changed, flagged in the JSON, and order credit makes
// its credit note; an order in USD parks until order book --rate books it.
func TestCLIChangedAfterBookingAndRates(t *testing.T) {
	emu := wcemu.New(testKey, testSecret)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.SetURL(srv.URL)
	ids := emu.AddDutch(25, 3)
	var usd int64
	for _, id := range ids {
		if o, _ := emu.Order(id); o.Status == "processing" {
			usd = id
			emu.Update(id, func(o *wcemu.Order) { o.Currency = "USD" })
			break
		}
	}
	if usd == 0 {
		t.Fatal("no processing order in the emulator")
	}
	dir := filepath.Join(t.TempDir(), "data")
	ok := func(args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, dir, args...)
		if code != 0 {
			t.Fatalf("orderbrug %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	ok("shop", "add", "woocommerce", "--name", "Koffiebar", "--url", srv.URL, "--key", testKey, "--secret", testSecret,
		"--forward", "processing,completed", "--since", "2020-01-01")
	ok("seller", "set", "--name", "Koffiebar De Boon B.V.", "--kvk", "12345678", "--vat", "NL123456789B01",
		"--street", "Oudegracht 1", "--postcode", "3511 AA", "--city", "Utrecht", "--country", "nl", "--iban", "NL91 ABNA 0417 1643 00")
	ok("ledger", "ubl", "--dir", filepath.Join(t.TempDir(), "facturen"))
	// sync exits 3 while a booking waits on a person: the USD order's rate.
	sync := func(want int) {
		t.Helper()
		if code, out, errOut := cli(t, dir, "sync"); code != want {
			t.Fatalf("sync: exit %d, want %d\n%s%s", code, want, out, errOut)
		}
	}
	sync(3)

	// The USD order is parked with its currency.
	n := strconv.FormatInt(usd, 10)
	var d app.OrderDetail
	if err := json.Unmarshal([]byte(ok("order", "show", "Koffiebar", n, "--json")), &d); err != nil {
		t.Fatal(err)
	}
	if d.State != app.Parked || d.Reason != engine.ReasonCurrency || d.ReasonArg != "USD" {
		t.Fatalf("USD order %s/%s(%s)", d.State, d.Reason, d.ReasonArg)
	}
	if code, _, errOut := cli(t, dir, "order", "book", "Koffiebar", n); code == 0 || !strings.Contains(errOut, "rate") {
		t.Fatalf("book without a rate: exit %d, %q", code, errOut)
	}
	if code, _, errOut := cli(t, dir, "order", "book", "Koffiebar", n, "--rate", "-0.5"); code == 0 || !strings.Contains(errOut, "positive decimal") {
		t.Fatalf("book with a bad rate: exit %d, %q", code, errOut)
	}
	ok("order", "book", "Koffiebar", n, "--rate", "0,9213")
	if err := json.Unmarshal([]byte(ok("order", "show", "Koffiebar", n, "--json")), &d); err != nil {
		t.Fatal(err)
	}
	if d.EURRate != "0.9213" || d.State != app.Booked {
		t.Fatalf("after book --rate: %s (%s %s), rate %q", d.State, d.Reason, d.Detail, d.EURRate)
	}

	// A booked order is cancelled in the shop.
	var booked []app.OrderView
	if err := json.Unmarshal([]byte(ok("orders", "--state", "booked", "--json")), &booked); err != nil || len(booked) < 2 {
		t.Fatalf("booked: %d, %v", len(booked), err)
	}
	b := booked[0]
	if b.Number == n {
		b = booked[1]
	}
	id, _ := strconv.ParseInt(b.ID, 10, 64)
	emu.SetStatus(id, "cancelled")
	sync(3) // the change after booking waits on a person
	out := ok("orders", "--changed", "--json")
	var changed []app.OrderView
	if err := json.Unmarshal([]byte(out), &changed); err != nil || len(changed) != 1 || changed[0].Number != b.Number {
		t.Fatalf("orders --changed: %s (%v)", out, err)
	}
	if !strings.Contains(out, `"changed_after_booking": true`) || changed[0].State != app.Booked || changed[0].ChangeNote != "status cancelled" {
		t.Fatalf("orders --changed JSON: %s", out)
	}
	if show := ok("order", "show", "Koffiebar", b.Number, "--json"); !strings.Contains(show, `"changed_after_booking": true`) {
		t.Fatalf("order show JSON lacks the mark: %s", show)
	}
	if out := ok("orders", "--changed"); !strings.Contains(out, "changed after booking: status cancelled") {
		t.Fatalf("orders --changed table: %s", out)
	}
	ok("order", "credit", "Koffiebar", b.Number)
	if err := json.Unmarshal([]byte(ok("order", "show", "Koffiebar", b.Number, "--json")), &d); err != nil {
		t.Fatal(err)
	}
	rest := d.Total // the whole invoice, less what its refunds credited already
	for _, r := range d.Order.Refunds {
		rest -= r.Amount
	}
	credits := 0
	for _, bk := range d.Bookings {
		if strings.Contains(bk.Key, "/credit/change-") && bk.State == "done" && bk.Amount == rest {
			credits++
		}
	}
	if d.ChangedAfterBooking || d.State != app.Booked || credits != 1 {
		t.Fatalf("after order credit: %s changed=%v bookings %+v", d.State, d.ChangedAfterBooking, d.Bookings)
	}
	if out := ok("orders", "--changed", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("still changed: %s", out)
	}
	if code, _, _ := cli(t, dir, "order", "credit", "Koffiebar", b.Number); code == 0 {
		t.Fatal("a second order credit was allowed")
	}
}
