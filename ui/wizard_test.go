package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/store"
)

// TestWizardFirstStart walks the wizard as a person does: wrong keys are
// refused with a Dutch sentence, the shop's statuses are offered, a bad
// KvK number is caught at its field, and the first sync books orders.
func TestWizardFirstStart(t *testing.T) {
	_, url := newShop(t, 25)
	svc := newService(t)
	u := newTestUI(t, svc, "nl")
	w := u.wizard
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
	booked, err := svc.Orders(context.Background(), app.OrderQuery{States: []store.State{store.Booked}})
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
