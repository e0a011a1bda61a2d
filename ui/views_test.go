package ui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/assets"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

func TestSellerValidationShowsTheSentenceAtTheField(t *testing.T) {
	svc := newService(t)
	_, url := newShop(t, 1)
	connect(t, svc, url)
	for _, c := range []struct {
		language, iban, want string
	}{
		{"nl", "NL91ABNA0417164301", "Dit IBAN klopt niet: waarschijnlijk een tikfout."},
		{"en", "NL91ABNA041716430", "This IBAN has the wrong length for its country (NL: 18 characters)."},
	} {
		u := newTestUI(t, svc, c.language)
		p := u.config.books
		p.seller.iban.SetText("")
		test.Type(p.seller.iban, c.iban)
		if l := p.seller.errs["iban"]; !l.Visible() || l.Text != c.want {
			t.Errorf("%s: typed IBAN message %q", c.language, l.Text)
		}
		// Saving anyway: the service refuses, and its error lands at the field.
		p.seller.clearErrors()
		p.saveSeller()
		u.bg.wait()
		if l := p.seller.errs["iban"]; !l.Visible() || l.Text != c.want {
			t.Errorf("%s: saved IBAN message %q", c.language, l.Text)
		}
		got, _ := svc.Seller(context.Background())
		if got.IBAN != goodSeller().IBAN {
			t.Errorf("a bad IBAN was saved: %q", got.IBAN)
		}
		p.seller.kvk.SetText("")
		test.Type(p.seller.kvk, "KvK 123")
		if l := p.seller.errs["kvk"]; !l.Visible() || !strings.Contains(l.Text, "8") {
			t.Errorf("%s: KvK message %q", c.language, l.Text)
		}
	}
	applyLanguage("nl")
}

func TestLanguageSwitchRebuildsAndIsRemembered(t *testing.T) {
	svc := newService(t)
	_, url := newShop(t, 3)
	connect(t, svc, url)
	u := newTestUI(t, svc, "en")
	if got := u.tabs.Items[0].Text; got != "Overview" {
		t.Fatalf("English tab %q", got)
	}
	u.config.general.language.SetSelected("Nederlands")
	u.bg.wait()
	if got := u.tabs.Items[0].Text; got != "Overzicht" {
		t.Fatalf("after switching: tab %q", got)
	}
	if u.app.Preferences().String(prefLanguage) != "nl" {
		t.Error("choice not saved")
	}
	// Fyne's own dialog buttons speak Dutch too.
	u.closeWindow()
	top := u.win.Canvas().Overlays().Top()
	if top == nil || findButton(top, "Ja") == nil || findButton(top, "Nee") == nil {
		t.Fatal("confirm dialog without Dutch buttons")
	}
	tapDialogButton(t, u, "Nee")
	// A new window with no explicit language takes the saved choice.
	u2 := New(u.app, svc, Options{queued: true})
	u2.bg.wait()
	defer u2.Close()
	if language() != "nl" {
		t.Errorf("language %q after restart", language())
	}
}

func TestOverviewSyncNowShowsTheResult(t *testing.T) {
	shop, url := newShop(t, 10)
	svc := newService(t)
	connect(t, svc, url, "processing", "completed")
	u := newTestUI(t, svc, "nl")
	ov := u.overview
	if !hasText(ov.content, "Theehuis") || !hasText(ov.content, "Vandaag geboekt") {
		t.Fatal("no shop card")
	}
	shop.AddDutch(5, 99)
	test.Tap(ov.syncBtn)
	u.bg.wait()
	if !strings.HasPrefix(ov.progText.Text, "Klaar:") || ov.syncBtn.Disabled() || ov.progress.Visible() {
		t.Fatalf("after sync: %q, button disabled %v", ov.progText.Text, ov.syncBtn.Disabled())
	}
	if len(ov.events) == 0 || !strings.Contains(eventText(ov.events[0]), "") {
		t.Fatal("no recent activity")
	}
	if !hasText(ov.content, "Bestellingen opgehaald") && !hasText(ov.content, "geboekt als factuur") {
		t.Error("recent activity not in sentences")
	}
}

// failedOrder seeds a forwarded order whose totals do not reconcile: its
// booking fails permanently with a reason.
func failedOrder(t *testing.T, svc *app.Service) string {
	t.Helper()
	ctx := context.Background()
	sh, err := svc.Store().ShopByName(ctx, "Theehuis")
	if err != nil {
		t.Fatal(err)
	}
	o := order.Order{Source: order.WooCommerce, ID: "999999", Number: "999999", Status: "processing",
		Created: testNow.Add(-time.Hour), Modified: testNow.Add(-time.Hour), Currency: "EUR",
		Buyer: order.Party{Name: "Jan Jansen", Address: order.Address{Street: "Dorpsweg 1", Postcode: "1234 AB", City: "Ede", Country: "NL"}},
		Lines: []order.Line{{Kind: order.Product, ID: "1", Name: "Mok", Quantity: 1, Net: 1000, VAT: 210, Rate: 2100, Category: "S"}},
		Total: 1300, TotalTax: 210}
	if _, err := svc.Store().Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: o}}, svc.Engine().Decide(sh)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	return o.Number
}

func TestVerwerktOpensInvoicesAndRetriesFailures(t *testing.T) {
	_, url := newShop(t, 8)
	svc := newService(t)
	connect(t, svc, url, "processing", "completed")
	n := failedOrder(t, svc)
	u := newTestUI(t, svc, "nl")
	var opened []string
	u.openURL = func(x *urlURL) error { opened = append(opened, x.String()); return nil }
	d := u.done
	if len(d.rows) == 0 {
		t.Fatal("no booked orders shown")
	}
	v := d.rows[0]
	if _, err := os.Stat(v.BookingRef); err != nil {
		t.Fatalf("booked row's file: %v", err)
	}
	row := d.newRow()
	d.updateRow(0, row)
	test.Tap(findButton(row, "Factuur openen"))
	test.Tap(findButton(row, "Map openen"))
	if len(opened) != 2 || !strings.HasPrefix(opened[0], "file://") || !strings.HasSuffix(opened[0], ".xml") {
		t.Fatalf("opened %v", opened)
	}
	d.mode.SetSelected("Mislukt")
	u.bg.wait()
	if len(d.rows) != 1 || d.rows[0].Number != n {
		t.Fatalf("failed rows %v", d.rows)
	}
	row = d.newRow()
	d.updateRow(0, row)
	// The reason with the figures: what the lines add up to, what the shop says.
	if !hasText(row, "De regels tellen op tot een totaal van € 12,10, de webwinkel zegt € 13,00: € 0,90 verschil, meer dan de afronding van één cent per regel. Controleer de bestelling in de webwinkel.") {
		t.Error("failed row without its reason and figures")
	}
	test.Tap(findButton(row, "Opnieuw proberen"))
	u.bg.wait()
	// Ignored orders can be put back in Open.
	d.mode.SetSelected("Genegeerd")
	u.bg.wait()
	if len(d.rows) != 0 {
		t.Fatalf("%d ignored before ignoring any", len(d.rows))
	}
	evs, _ := svc.Events(context.Background(), app.EventQuery{Order: n})
	found := false
	for _, e := range evs {
		found = found || e.Code == "retry_by_user"
	}
	if !found {
		t.Error("retry not done")
	}
}

func TestLogboekFiltersByLevel(t *testing.T) {
	_, url := newShop(t, 8)
	svc := newService(t)
	connect(t, svc, url, "processing", "completed")
	failedOrder(t, svc)
	u := newTestUI(t, svc, "nl")
	l := u.logbook
	all := len(l.events)
	if all == 0 {
		t.Fatal("empty log")
	}
	for i := 1; i < len(l.events); i++ {
		if l.events[i].ID > l.events[i-1].ID {
			t.Fatal("log not newest first")
		}
	}
	l.level.SetSelected("Fout")
	u.bg.wait()
	if len(l.events) == 0 || len(l.events) >= all {
		t.Fatalf("errors only: %d of %d", len(l.events), all)
	}
	for i, e := range l.events {
		if e.Level != app.LevelError {
			t.Errorf("level %s shown", e.Level)
		}
		if strings.HasPrefix(l.texts[i], e.Code) {
			t.Errorf("code %s shown without a sentence", e.Code)
		}
	}
}

// fakeTray records what the UI does with a desktop tray.
type fakeTray struct {
	fyne.App
	menu *fyne.Menu
	icon fyne.Resource
}

func (f *fakeTray) SetSystemTrayMenu(m *fyne.Menu)    { f.menu = m }
func (f *fakeTray) SetSystemTrayIcon(r fyne.Resource) { f.icon = r }
func (f *fakeTray) SetSystemTrayWindow(fyne.Window)   {}
func (f *fakeTray) menuLabels() (out []string) {
	for _, it := range f.menu.Items {
		out = append(out, it.Label)
	}
	return out
}

func TestTrayShowsHealthAndPauses(t *testing.T) {
	_, url := newShop(t, 10)
	svc := newService(t)
	connect(t, svc, url, "completed") // parks most: attention
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, svc, "nl")
	ft := &fakeTray{App: u.app}
	u.tray = newTray(u, ft)
	u.bg.wait()
	if got := strings.Join(ft.menuLabels(), "|"); got != "Dashboard openen|Nu synchroniseren|Pauzeren||Afsluiten" {
		t.Fatalf("menu %q", got)
	}
	if ft.icon != assets.TrayAttention {
		t.Fatalf("icon %v with parked orders", ft.icon.Name())
	}
	ft.menu.Items[2].Action()
	u.bg.wait()
	if !svc.Paused() || ft.menu.Items[2].Label != "Hervatten" {
		t.Fatalf("pause: paused %v, label %q", svc.Paused(), ft.menu.Items[2].Label)
	}
	ft.menu.Items[2].Action()
	u.bg.wait()
	if svc.Paused() {
		t.Fatal("resume did not resume")
	}
	// With a tray, closing the window hides it and asks nothing.
	u.win.Show()
	u.closeWindow()
	if u.win.Canvas().Overlays().Top() != nil {
		t.Error("closing with a tray asked a question")
	}
	_ = svc.Stop()
}

func TestCloseWithoutTrayAsksToQuit(t *testing.T) {
	svc := newService(t)
	u := newTestUI(t, svc, "nl")
	u.closeWindow()
	top := u.win.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "Er is geen systeemvak") {
		t.Fatal("no question before quitting")
	}
	tapDialogButton(t, u, "Nee")
	if u.win.Canvas().Overlays().Top() != nil {
		t.Error("dialog still open")
	}
}

func TestNotificationWhenAnOrderFails(t *testing.T) {
	_, url := newShop(t, 4)
	svc := newService(t)
	connect(t, svc, url, "processing", "completed")
	u := newTestUI(t, svc, "nl")
	test.AssertNotificationSent(t, fyne.NewNotification("Boeking mislukt",
		"Een bestelling kon niet worden geboekt. Zie Verwerkt › Mislukt."), func() {
		failedOrder(t, svc)
		u.bg.wait()
	})
}
