package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
)

// TestWizardFirstStart walks the wizard as a person does: wrong keys are
// refused with a Dutch sentence, the shop's statuses are offered, a bad
// KvK number is caught at its field, and the first sync books orders.
func TestWizardFirstStart(t *testing.T) {
	_, url := newShop(t, 25)
	svc := newService(t)
	u := newTestUI(t, svc, "nl")
	w := passKind(t, u)
	if w == nil || u.open != nil {
		t.Fatal("no wizard on a first start")
	}
	test.Type(w.name, "Theehuis")
	test.Type(w.url, url)
	test.Type(w.key, testKey)
	test.Type(w.secret, "cs_wrong")
	test.Tap(w.next)
	u.bg.wait()
	if w.step != stepShop || !strings.Contains(w.msg.Text, "weigert de sleutels") {
		t.Fatalf("wrong secret: step %d, message %q", w.step, w.msg.Text)
	}
	w.secret.SetText("")
	test.Type(w.secret, testSecret)
	test.Tap(w.next)
	u.bg.wait()
	if w.step != stepStatuses {
		t.Fatalf("after a good test: step %d, message %q", w.step, w.msg.Text)
	}
	opts := strings.Join(w.statuses.group.Options, "|")
	for _, want := range []string{"processing", "completed", "verzonden"} {
		if !strings.Contains(opts, want) {
			t.Errorf("status %q (the shop's own, custom too) not offered: %s", want, opts)
		}
	}
	if got := w.statuses.forward(); len(got) != 2 {
		t.Errorf("default forward set %v", got)
	}
	// "Vanaf wanneer boeken?": from now unless a date is chosen; the shop's
	// orders are older, so book them from a date (a backfill).
	if since, err := w.since.value(); err != nil || !since.IsZero() {
		t.Fatalf("default start %v, %v: want from now", since, err)
	}
	w.since.fromDate(time.Date(2020, 1, 1, 0, 0, 0, 0, time.Local))
	test.Tap(w.next)
	if w.step != stepSeller {
		t.Fatalf("step %d", w.step)
	}
	s := w.seller
	test.Type(s.company, "Theehuis De Linde B.V.")
	test.Type(s.kvk, "1234")
	test.Type(s.vat, "NL123456789B01")
	test.Type(s.street, "Kerkstraat 1")
	test.Type(s.postcode, "3511 AA")
	test.Type(s.city, "Utrecht")
	test.Type(s.iban, "NL91ABNA0417164300")
	test.Tap(w.next)
	if w.step != stepSeller {
		t.Fatal("a bad KvK number let the wizard go on")
	}
	if l := s.errs["kvk"]; !l.Visible() || l.Text != "Een KvK-nummer bestaat uit precies 8 cijfers." {
		t.Fatalf("KvK message %q (visible %v)", l.Text, l.Visible())
	}
	test.Type(s.kvk, "5678")
	if s.errs["kvk"].Visible() {
		t.Error("the KvK message stays after fixing it")
	}
	test.Tap(w.next)
	if w.step != stepFolder {
		t.Fatalf("step %d, message %q", w.step, w.msg.Text)
	}
	dir := filepath.Join(t.TempDir(), "facturen")
	w.dir.SetText(dir)
	test.Tap(w.next)
	if w.step != stepTunnel {
		t.Fatalf("step %d", w.step)
	}
	test.Tap(w.next) // no ngrok: skip
	u.bg.wait()
	if w.step != stepFinish || !w.finished {
		t.Fatalf("finish: step %d, message %q, result %q", w.step, w.msg.Text, w.result.Text)
	}
	if !strings.Contains(w.result.Text, "geboekt") {
		t.Errorf("result %q", w.result.Text)
	}
	booked, err := svc.Orders(context.Background(), app.OrderQuery{States: []app.State{app.Booked}})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(dir)
	if len(booked) == 0 || len(files) < len(booked) { // refunds add credit notes
		t.Fatalf("%d booked, %d files in %s", len(booked), len(files), dir)
	}
	test.Tap(w.next)
	u.bg.wait()
	if u.open == nil || u.tabs == nil {
		t.Fatal("no tabs after the wizard")
	}
}

// TestWizardSaysWhatWaitsOnTheOwner: the VAT number left empty, as a new
// user did on the real shop. The seller step says which detail is missing
// and that bookings wait for it before it lets the owner go on; the last
// step lists what waits and why, and Overzicht does not say "Alles in
// orde" while it does.
func TestWizardSaysWhatWaitsOnTheOwner(t *testing.T) {
	_, url := newShop(t, 25)
	svc := newService(t)
	u := newTestUI(t, svc, "nl")
	w := passKind(t, u)
	test.Type(w.name, "Theehuis")
	test.Type(w.url, url)
	test.Type(w.key, testKey)
	test.Type(w.secret, testSecret)
	test.Tap(w.next)
	u.bg.wait()
	if w.step != stepStatuses {
		t.Fatalf("step %d, message %q", w.step, w.msg.Text)
	}
	w.since.choice.SetSelected(lang.L("wizard.since.date"))
	w.since.date.SetText("31-02-2020x")
	test.Tap(w.next)
	if w.step != stepStatuses || !strings.Contains(w.msg.Text, "dd-mm-jjjj") {
		t.Fatalf("a bad date: step %d, message %q", w.step, w.msg.Text)
	}
	w.since.date.SetText("01-01-2020")
	test.Tap(w.next)
	sel := goodSeller()
	s := w.seller
	test.Type(s.company, sel.Company)
	test.Type(s.kvk, sel.KvK)
	test.Type(s.street, sel.Address.Street)
	test.Type(s.postcode, sel.Address.Postcode)
	test.Type(s.city, sel.Address.City)
	test.Type(s.iban, sel.IBAN)
	test.Tap(w.next)
	if w.step != stepSeller || !strings.Contains(w.msg.Text, "het btw-nummer") || !strings.Contains(w.msg.Text, "wachten") {
		t.Fatalf("VAT number empty: step %d, message %q", w.step, w.msg.Text)
	}
	test.Tap(w.next) // Toch verder
	if w.step != stepFolder {
		t.Fatalf("finishing anyway: step %d", w.step)
	}
	w.dir.SetText(filepath.Join(t.TempDir(), "facturen"))
	test.Tap(w.next)
	test.Tap(w.next)
	u.bg.wait()
	if w.step != stepFinish || !w.finished {
		t.Fatalf("finish: step %d, message %q", w.step, w.msg.Text)
	}
	for _, want := range []string{"wachten op jou", "het btw-nummer ontbreekt", "Theehuis"} {
		if !strings.Contains(w.result.Text, want) {
			t.Errorf("the last step does not say %q: %q", want, w.result.Text)
		}
	}
	test.Tap(w.next)
	u.bg.wait()
	u.overview.load()
	u.bg.wait()
	if h := u.overview.health.Text; strings.Contains(h, "Alles in orde") || !strings.Contains(h, "wachten op jou") {
		t.Errorf("Overzicht health %q while bookings wait for the VAT number", h)
	}
	if !strings.Contains(u.overview.attention.Text, "het btw-nummer ontbreekt") {
		t.Errorf("Overzicht does not say why: %q", u.overview.attention.Text)
	}
	if u.health != "attention" {
		t.Errorf("tray health %q", u.health)
	}
}

// passKind answers "Welk winkelsysteem?" with WooCommerce and goes on to
// the shop step. With one kind it is chosen already; with more none is,
// and the person picks WooCommerce.
func passKind(t *testing.T, u *UI) *wizard {
	t.Helper()
	w := u.wizard
	if w == nil {
		t.Fatal("no wizard on a first start")
	}
	want := ""
	if len(w.kindPick.Options) == 1 {
		want = "WooCommerce"
	}
	if w.step != stepKind || w.kindPick.Selected != want {
		t.Fatalf("the wizard starts at step %d with %q chosen (kinds %v), want %q", w.step, w.kindPick.Selected, w.kindPick.Options, want)
	}
	offered := false
	for _, o := range w.kindPick.Options {
		offered = offered || o == "WooCommerce"
	}
	if !offered {
		t.Fatalf("WooCommerce not offered: %v", w.kindPick.Options)
	}
	w.kindPick.SetSelected("WooCommerce")
	test.Tap(w.next)
	if w.step != stepShop || w.kind.Kind != order.WooCommerce {
		t.Fatalf("after the kind: step %d (kind %q), message %q", w.step, w.kind.Kind, w.msg.Text)
	}
	return w
}
