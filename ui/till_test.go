package ui

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// The till (Linga POS) in the window: its Webhooks tab, its settings in
// Winkelsysteem and the wizard, and the sentences of its day summaries.

// addTill adds a till called Bar to svc and returns its webhook secret.
func addTill(t *testing.T, svc *app.Service) string {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Bar", Source: order.POS}); err != nil {
		t.Fatal(err)
	}
	secret, err := svc.WebhookSecret(ctx, "Bar")
	if err != nil || len(secret) < 43 {
		t.Fatalf("secret of %d characters (%v)", len(secret), err)
	}
	return secret
}

// TestTillWebhooksTab: the header's name and its value masked, each with a
// copy button that copies it whole; a URL per route with its own copy
// button (off until there is a public URL); the four topics; no
// registration state, no options.
func TestTillWebhooksTab(t *testing.T) {
	svc := newService(t)
	secret := addTill(t, svc)
	u := newTestUI(t, svc, "nl")
	p := u.config.hooks
	if p.shop != "Bar" || p.routes == nil || p.copyHeader == nil || p.copyValue == nil {
		t.Fatalf("shop %q, till form %v", p.shop, p.routes != nil)
	}
	if p.header.Text != "X-Orderbrug-Key" {
		t.Errorf("header %q", p.header.Text)
	}
	if strings.Contains(p.secret.Text, secret[:len(secret)-4]) || !strings.HasPrefix(p.secret.Text, "••••") {
		t.Errorf("value shown as %q", p.secret.Text)
	}
	if hasText(u.win.Content(), secret) {
		t.Error("the secret is shown in full")
	}
	if !strings.Contains(p.hint.Text, "Back Office") || !strings.Contains(p.hint.Text, "Request Header") {
		t.Errorf("hint %q", p.hint.Text)
	}
	wantTopics := []string{"Open Order (online bestellingen, OLO)", "Update Order (elke wijziging van een bon)",
		"Close Order (afgerekende bon: de verkoop)", "3rd Order (in de kassa geplaatst)"}
	// Close is required once the till's descriptor says so: a ticked toggle
	// that is off, outside the group (TestTillCloseToggleIsRequired).
	shown, ticked := append([]string(nil), p.topics.Options...), len(p.topics.Selected)
	if c := p.required["close"]; c != nil {
		shown = append(shown[:2:2], append([]string{c.Text}, shown[2:]...)...)
		ticked++
	}
	if !reflect.DeepEqual(shown, wantTopics) || ticked != 4 {
		t.Errorf("topics %v, ticked %v", p.topics.Options, p.topics.Selected)
	}
	if !p.enabled.Checked || p.enabled.Text != "Aanroepen van de kassa aannemen" {
		t.Errorf("enabled %v %q", p.enabled.Checked, p.enabled.Text)
	}
	if len(p.checks)+len(p.lists) != 0 || strings.Contains(p.state.Text, "geregistreerd") {
		t.Errorf("%d option widgets, state %q", len(p.checks)+len(p.lists), p.state.Text)
	}
	// No public URL yet: the routes say so, their copy buttons are off.
	for _, name := range []string{"open", "update", "close"} {
		if p.routeCopy[name] == nil || !p.routeCopy[name].Disabled() ||
			!strings.Contains(p.routes[name].Text, "/hooks/pos/bar/"+name) {
			t.Errorf("route %s before a public URL: %q", name, p.routes[name].Text)
		}
	}
	if !strings.Contains(p.state.Text, "Nog geen openbaar adres") {
		t.Errorf("state %q", p.state.Text)
	}

	test.Tap(p.copyValue)
	if got := u.app.Clipboard().Content(); got != secret {
		t.Errorf("copy value put %q on the clipboard", got)
	}
	test.Tap(p.copyHeader)
	if got := u.app.Clipboard().Content(); got != "X-Orderbrug-Key" {
		t.Errorf("copy header put %q on the clipboard", got)
	}

	// With the owner's public URL: the full addresses, copied each.
	if err := svc.SetOwnURL(context.Background(), "https://orderbrug.example.nl", "127.0.0.1:18791"); err != nil {
		t.Fatal(err)
	}
	p.load()
	u.bg.wait()
	for _, name := range []string{"open", "update", "close"} {
		want := "https://orderbrug.example.nl/hooks/pos/bar/" + name
		if p.routes[name].Text != want || p.routeCopy[name].Disabled() {
			t.Errorf("route %s: %q (copy off %v)", name, p.routes[name].Text, p.routeCopy[name].Disabled())
			continue
		}
		test.Tap(p.routeCopy[name])
		if got := u.app.Clipboard().Content(); got != want {
			t.Errorf("copy %s put %q on the clipboard", name, got)
		}
	}
	if !strings.Contains(p.state.Text, "Orderbrug neemt de aanroepen van de kassa aan.") || !strings.Contains(p.state.Text, "Nog geen levering") {
		t.Errorf("state %q", p.state.Text)
	}
	// Off: said so.
	test.Tap(p.enabled)
	u.bg.wait()
	if !strings.Contains(p.state.Text, "Uit: Orderbrug weigert") {
		t.Errorf("off: state %q", p.state.Text)
	}
}

// TestTillSettingsInWinkelsysteem: the booking as a Select in Dutch, the
// end of day as an entry checked as a time of day; saved with the shop.
func TestTillSettingsInWinkelsysteem(t *testing.T) {
	svc := newService(t)
	addTill(t, svc)
	u := newTestUI(t, svc, "nl")
	p := u.config.shops
	if p.editing != "Bar" || p.url != nil || p.key != nil || p.secret != nil {
		t.Fatalf("editing %q, fields %v %v %v", p.editing, p.url, p.key, p.secret)
	}
	// Nothing is fetched from a till: no poll interval, no recheck window.
	if hasText(p.formBox, "Ophalen elke") || hasText(p.formBox, "Nacontrole") || !hasText(p.formBox, "Boeken vanaf") {
		t.Error("the till's form asks for a poll interval or a recheck window")
	}
	booking, cutoff := p.options.selects["booking"], p.options.clocks["cutoff"]
	if booking == nil || cutoff == nil {
		t.Fatalf("settings %+v", p.options)
	}
	if !reflect.DeepEqual(booking.Options, []string{"Per dag (dagomzet)", "Per bon"}) || booking.Selected != "Per dag (dagomzet)" ||
		cutoff.Text != "04:00" {
		t.Errorf("booking %v %q, cutoff %q", booking.Options, booking.Selected, cutoff.Text)
	}
	booking.SetSelected("Per bon")
	cutoff.SetText("25:00")
	if err := cutoff.Validate(); err == nil || err.Error() != "Vul een tijd in als 04:00: uren 00 tot en met 23, minuten 00 tot en met 59." {
		t.Errorf("25:00: %v", err)
	}
	test.Tap(p.saveBtn)
	u.bg.wait()
	if p.msg.Text != "Vul een tijd in als 04:00: uren 00 tot en met 23, minuten 00 tot en met 59." {
		t.Errorf("saving 25:00 said %q", p.msg.Text)
	}
	if si, _ := svc.Shop(context.Background(), "Bar"); si.Options["cutoff"] != "04:00" || si.Options["booking"] != "daily" {
		t.Errorf("a refused save changed %v", si.Options)
	}
	cutoff.SetText("5:30")
	test.Tap(p.saveBtn)
	u.bg.wait()
	si, _ := svc.Shop(context.Background(), "Bar")
	if !reflect.DeepEqual(si.Options, map[string]string{"booking": "per-check", "cutoff": "05:30"}) {
		t.Errorf("saved %v (message %q)", si.Options, p.msg.Text)
	}
	// Shown again as saved.
	if b, c := p.options.selects["booking"], p.options.clocks["cutoff"]; b.Selected != "Per bon" || c.Text != "05:30" {
		t.Errorf("after the save: %q %q", b.Selected, c.Text)
	}
	// Nothing to test: no test button; the forward set offers only the
	// status that is a sale.
	if p.testBtn.Visible() {
		t.Error("the till's form has a test button")
	}
	if o := p.statuses.group.Options; len(o) != 1 || !strings.HasPrefix(o[0], "Afgerekend (closed") {
		t.Errorf("forward choices %v", p.statuses.group.Options)
	}
}

// TestTillWizard: "Welk winkelsysteem?" offers Linga POS; a kind without
// fields asks only the name and its settings, checks the end of day, and
// goes on with the till's statuses, closed forwarded.
func TestTillWizard(t *testing.T) {
	svc := newService(t)
	u := newTestUI(t, svc, "nl")
	w := u.wizard
	w.kindPick.SetSelected("Linga POS")
	test.Tap(w.next)
	if w.step != stepShop || len(w.fields.items) != 0 || len(w.options.items) != 2 || !strings.Contains(w.intro.Text, "Linga") {
		t.Fatalf("step %d, %d fields, %d settings, intro %q", w.step, len(w.fields.items), len(w.options.items), w.intro.Text)
	}
	if !strings.HasSuffix(w.title.Text, "— Kassa") || w.name.PlaceHolder != "Mijn kassa" {
		t.Errorf("title %q, name placeholder %q", w.title.Text, w.name.PlaceHolder)
	}
	if w.url != nil || w.key != nil || w.secret != nil || findButton(u.win.Content(), "Koppel met WooCommerce") != nil {
		t.Error("the till is asked for an address, keys or a connect")
	}
	test.Type(w.name, "Eetcafé")
	w.options.clocks["cutoff"].SetText("99")
	test.Tap(w.next)
	u.bg.wait()
	if w.step != stepShop || !strings.HasPrefix(w.msg.Text, "Vul een tijd in als 04:00") {
		t.Fatalf("a bad end of day: step %d, %q", w.step, w.msg.Text)
	}
	w.options.clocks["cutoff"].SetText("03:30")
	w.options.selects["booking"].SetSelected("Per bon")
	test.Tap(w.next)
	u.bg.wait()
	if o := w.statuses.group.Options; w.step != stepStatuses || len(o) != 1 || !strings.HasPrefix(o[0], "Afgerekend (closed") ||
		w.msg.Text != "Er is niets om mee te verbinden: de kassa stuurt elke bon zelf. Alleen afgerekende bonnen worden geboekt." {
		t.Fatalf("step %d, statuses %v (%q)", w.step, w.statuses.group.Options, w.msg.Text)
	}
	in := w.input()
	if in.Source != order.POS || in.Name != "Eetcafé" || !reflect.DeepEqual(in.Forward, []order.Status{"closed"}) ||
		!reflect.DeepEqual(in.Options, map[string]string{"booking": "per-check", "cutoff": "03:30"}) {
		t.Errorf("input %+v", in)
	}
	// On to the end: the till is added with its settings, and the first
	// sync has nothing to fetch from it.
	test.Tap(w.next)
	if w.step != stepSeller {
		t.Fatalf("step %d (%q)", w.step, w.msg.Text)
	}
	w.seller.set(goodSeller())
	test.Tap(w.next)
	w.dir.SetText(t.TempDir())
	test.Tap(w.next)
	test.Tap(w.next) // no ngrok
	u.bg.wait()
	if w.step != stepFinish || !w.finished {
		t.Fatalf("finish: step %d, message %q, result %q", w.step, w.msg.Text, w.result.Text)
	}
	si, err := svc.Shop(context.Background(), "Eetcafé")
	if err != nil || si.Source != order.POS || !reflect.DeepEqual(si.Options, map[string]string{"booking": "per-check", "cutoff": "03:30"}) ||
		!si.Webhook.Enabled {
		t.Errorf("the wizard's till: %v %v, webhooks on %v", si.Options, err, si.Webhook.Enabled)
	}
}

// TestTillSentences: a day summary's and a check's reasons, and the
// till's events, in Dutch and English with dates and money as the
// language writes them.
func TestTillSentences(t *testing.T) {
	newTestUI(t, newService(t), "nl")
	closes := time.Date(2026, 12, 2, 4, 0, 0, 0, time.FixedZone("CET", 3600))
	arg := `{"day":"2026-12-01","checks":"12","closes":"` + closes.Format(time.RFC3339) + `"}`
	for _, c := range []struct{ got, want string }{
		{reasonText(app.ReasonDayCollecting, arg), "Dagomzet van 1 dec 2026: 12 bonnen, wordt geboekt na 2 dec 2026 04:00."},
		{reasonText(app.ReasonDayCollecting, `{"day":"2026-12-01","checks":"1","closes":"`+closes.Format(time.RFC3339)+`"}`),
			"Dagomzet van 1 dec 2026: 1 bon, wordt geboekt na 2 dec 2026 04:00."},
		{reasonText(app.ReasonInDaySummary, "2026-12-01"), "Geteld in de dagomzet van 1 dec 2026."},
		{reasonText(app.ReasonInDaySummary, ""), "Wordt geteld in de dagomzet."},
		{reasonText(app.ReasonDayEmpty, "2026-12-01"), "Dagomzet van 1 dec 2026: niets te boeken (alle bonnen vervallen of op nul)."},
		{eventText(app.Event{Code: "day_closed", Args: map[string]string{"day": "2026-12-01", "checks": "12", "total": "1234.56"}}),
			"Dagomzet van 1 dec 2026 afgesloten: 12 bonnen, totaal € 1.234,56."},
		{eventText(app.Event{Code: "check_counted", Args: map[string]string{"day": "2026-12-01", "check": "88"}}),
			"Bon 88 geteld in de dagomzet van 1 dec 2026."},
		{eventText(app.Event{Code: "check_repeat", Args: map[string]string{"check": "88"}}), "Bon 88 kwam nog een keer binnen; hij was al geteld."},
		{eventText(app.Event{Code: "check_after_close", Args: map[string]string{"check": "88", "status": "open"}}),
			"Bon 88 veranderde nog na het afsluiten; dat is vastgelegd, er is niets geboekt."},
		{eventText(app.Event{Code: "order_parked", OrderNo: "dag-2026-12-01", Args: map[string]string{"reason": app.ReasonDayCollecting,
			"day": "2026-12-01", "checks": "3", "closes": closes.Format(time.RFC3339)}}),
			"Bestelling dag-2026-12-01 staat open: Dagomzet van 1 dec 2026: 3 bonnen, wordt geboekt na 2 dec 2026 04:00."},
	} {
		if c.got != c.want {
			t.Errorf("%q\nwant %q", c.got, c.want)
		}
	}
	corr := eventText(app.Event{Code: "check_correction", Args: map[string]string{"check": "88", "day": "2026-11-30", "into": "2026-12-01", "amount": "-1.50"}})
	if !strings.Contains(corr, "Bon 88 van 30 nov 2026") || !strings.Contains(corr, "1,50") || !strings.Contains(corr, "dagomzet van 1 dec 2026") {
		t.Errorf("check_correction: %q", corr)
	}
	applyLanguage("en")
	defer applyLanguage("nl")
	if got := reasonText(app.ReasonInDaySummary, "2026-12-01"); got != "Counted in the day's takings of 1 Dec 2026." {
		t.Errorf("en: %q", got)
	}
	if got := statusText("closed"); got != "Closed" {
		t.Errorf("en status: %q", got)
	}
}

// TestTillDaySummaryInOpen: a day summary collecting its checks is in the
// Open tab as "Kassaverkopen" with its sentence.
func TestTillDaySummaryInOpen(t *testing.T) {
	svc := newService(t)
	addTill(t, svc)
	ctx := context.Background()
	sh, err := svc.Store().ShopByName(ctx, "Bar")
	if err != nil {
		t.Fatal(err)
	}
	closes := time.Date(2024, 1, 11, 4, 0, 0, 0, time.UTC)
	arg := `{"day":"2024-01-10","checks":"12","closes":"` + closes.Format(time.RFC3339) + `"}`
	day := order.Order{Source: order.POS, ID: "day/2024-01-10", Number: "dag-2024-01-10", Status: "open", BusinessDay: "2024-01-10",
		Created: testNow.Add(-time.Hour), Modified: testNow.Add(-time.Hour), Currency: "EUR",
		Buyer: order.Party{Name: "Kassaverkopen"}, Total: 12345, TotalTax: 1019}
	collecting := func(*store.Record, order.Order) store.Decision {
		return store.Decision{State: store.Parked, Reason: app.ReasonDayCollecting, ReasonArg: arg}
	}
	if _, err := svc.Store().Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: day}}, collecting); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, svc, "nl")
	if u.open == nil || len(u.open.rows) != 1 {
		t.Fatalf("open tab: %+v", u.open)
	}
	r := u.open.rows[0]
	if want := "Dagomzet van 10 jan 2024: 12 bonnen, wordt geboekt na 11 jan 2024 04:00."; r.reason != want ||
		r.Number != "dag-2024-01-10" || !strings.Contains(r.Customer, "Kassaverkopen") || r.amount != "€ 123,45" {
		t.Errorf("row %q %q %q %q, want reason %q", r.Number, r.Customer, r.amount, r.reason, want)
	}
}

// TestTillOverviewCard: Overzicht's card of a till says whether its calls
// are taken, not when it was polled.
func TestTillOverviewCard(t *testing.T) {
	svc := newService(t)
	addTill(t, svc)
	u := newTestUI(t, svc, "nl")
	ov, err := svc.Overview(context.Background())
	if err != nil || len(ov.Shops) != 1 {
		t.Fatalf("overview %v", err)
	}
	card := u.overview.shopCard(ov.Shops[0])
	if !hasText(card, "Nog geen openbaar adres") || !hasText(card, "Nog geen levering") || !hasText(card, "Linga POS") {
		t.Error("the till's card does not say its state")
	}
	if hasText(card, lang.L("overview.webhook.off")) || hasText(card, "Webhook: -") {
		t.Error("the till's card speaks of polls or registration")
	}
}
