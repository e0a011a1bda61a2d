package ui

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// What a review of the till found in the window.

// putTillOrder puts an order of the till Bar in a state as the engine would.
func putTillOrder(t *testing.T, svc *app.Service, o order.Order, state store.State, reason, arg string) {
	t.Helper()
	ctx := context.Background()
	sh, err := svc.Store().ShopByName(ctx, "Bar")
	if err != nil {
		t.Fatal(err)
	}
	o.Source, o.Currency, o.Created, o.Modified = order.POS, "EUR", testNow.Add(-time.Hour), testNow.Add(-time.Hour)
	if o.Buyer.Name == "" {
		o.Buyer.Name = "Kassaverkoop"
	}
	decide := func(*store.Record, order.Order) store.Decision {
		return store.Decision{State: state, Reason: reason, ReasonArg: arg}
	}
	if _, err := svc.Store().Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: o}}, decide); err != nil {
		t.Fatal(err)
	}
}

// TestTillCheckNowIsOff: a till cannot be asked for a check, so "Nu
// controleren" and "Openen in de webwinkel" are off for its rows, and the
// service's refusal has a sentence of its own.
func TestTillCheckNowIsOff(t *testing.T) {
	svc := newService(t)
	addTill(t, svc)
	putTillOrder(t, svc, order.Order{ID: "77", Number: "77", Status: "open", Total: 1250}, store.Parked, app.ReasonNotForwarded, "open")
	u := newTestUI(t, svc, "nl")
	o := u.open
	if len(o.rows) != 1 {
		t.Fatalf("%d rows", len(o.rows))
	}
	o.table.Select(tableCell(0, colNumber))
	if o.bookBtn.Disabled() || o.ignBtn.Disabled() {
		t.Error("book anyway or ignore is off")
	}
	if !o.checkBtn.Disabled() || !o.openBtn.Disabled() {
		t.Errorf("check now off %v, open in the shop off %v", o.checkBtn.Disabled(), o.openBtn.Disabled())
	}
	_, err := svc.Check(context.Background(), "Bar", "77")
	if got, want := errorText(err), "Een kassa kan niet om een bon gevraagd worden: de kassa stuurt elke bon zelf."; got != want {
		t.Errorf("check: %q, want %q", got, want)
	}
}

// TestTillCountedChecksInVerwerkt: Genegeerd lists what a person ignored,
// not the checks counted in a day summary; those have a choice of their
// own, without "Niet meer negeren"; a refusal of the service about one has
// its own sentence.
func TestTillCountedChecksInVerwerkt(t *testing.T) {
	svc := newService(t)
	addTill(t, svc)
	putTillOrder(t, svc, order.Order{ID: "88", Number: "88", Status: "closed", Total: 1250}, store.Ignored, app.ReasonInDaySummary, "2024-01-10")
	putTillOrder(t, svc, order.Order{ID: "89", Number: "89", Status: "open", Total: 500}, store.Ignored, app.ReasonIgnoredByUser, "")
	u := newTestUI(t, svc, "nl")
	d := u.done
	if len(d.mode.Options) != 4 || d.mode.Options[3] != "Geteld in dagomzet" {
		t.Fatalf("choices %v", d.mode.Options)
	}
	d.mode.SetSelected("Genegeerd")
	u.bg.wait()
	if len(d.rows) != 1 || d.rows[0].Number != "89" {
		t.Fatalf("ignored rows %+v", d.rows)
	}
	d.mode.SetSelected("Geteld in dagomzet")
	u.bg.wait()
	if len(d.rows) != 1 || d.rows[0].Number != "88" {
		t.Fatalf("counted rows %+v", d.rows)
	}
	row := d.newRow()
	d.updateRow(0, row)
	if b := findButton(row, "Niet meer negeren"); b != nil && b.Visible() {
		t.Error("a counted check offers Niet meer negeren")
	}
	if !hasText(row, "Geteld in de dagomzet van 10 jan 2024.") {
		t.Error("the counted row lacks its sentence")
	}
	err := svc.Unignore(context.Background(), "Bar", "88")
	if got := errorText(err); !strings.HasPrefix(got, "Deze bon is geteld in de dagomzet") {
		t.Errorf("unignore a counted check: %q", got)
	}
}

// TestTillNewSentences: the engine's late and older closes, an empty
// check, and a collecting day that counts late checks of earlier days.
func TestTillNewSentences(t *testing.T) {
	newTestUI(t, newService(t), "nl")
	closes := time.Date(2026, 12, 2, 4, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, c := range []struct{ got, want string }{
		{eventText(app.Event{Code: "check_late", Args: map[string]string{"check": "88", "day": "2026-11-30", "into": "2026-12-01", "amount": "12.50"}}),
			"Bon 88 van 30 nov 2026 kwam binnen na het afsluiten van die dag: geteld op de dagomzet van 1 dec 2026 (€ 12,50)."},
		{eventText(app.Event{Code: "check_older_close", Args: map[string]string{"check": "88"}}),
			"Bon 88: een oudere afsluiting kwam na een nieuwere binnen; vastgelegd, niet geteld."},
		{reasonText(app.ReasonCheckEmpty, ""), "Bon zonder omzet: niets te boeken."},
		{reasonText(app.ReasonDayCollecting, `{"day":"2026-12-01","checks":"12","late":"2","closes":"`+closes.Format(time.RFC3339)+`"}`),
			"Dagomzet van 1 dec 2026: 12 bonnen en 2 bonnen van eerdere dagen, binnengekomen na het afsluiten daarvan, wordt geboekt na 2 dec 2026 04:00."},
		{reasonText(app.ReasonDayCollecting, `{"day":"2026-12-02","checks":"0","late":"1","closes":"`+closes.Format(time.RFC3339)+`"}`),
			"Dagomzet van 2 dec 2026: 0 bonnen en 1 bon van een eerdere dag, binnengekomen na het afsluiten daarvan, wordt geboekt na 2 dec 2026 04:00."},
		{reasonText(app.ReasonDayCollecting, `{"day":"2026-12-01","checks":"12","late":"0","closes":"`+closes.Format(time.RFC3339)+`"}`),
			"Dagomzet van 1 dec 2026: 12 bonnen, wordt geboekt na 2 dec 2026 04:00."},
	} {
		if c.got != c.want {
			t.Errorf("%q\nwant %q", c.got, c.want)
		}
	}
}

// TestTillDaySummaryConfirms: booking a collecting day summary anyway, or
// ignoring it, first says what becomes of the checks still to come; a
// check of its own is ignored without asking, as any order.
func TestTillDaySummaryConfirms(t *testing.T) {
	svc := newService(t)
	addTill(t, svc)
	arg := `{"day":"2024-01-10","checks":"3","closes":"2024-01-11T04:00:00+01:00"}`
	putTillOrder(t, svc, order.Order{ID: "day/2024-01-10", Number: "dag-2024-01-10", Status: "open", Total: 3000,
		Buyer: order.Party{Name: "Kassaverkopen"}}, store.Parked, app.ReasonDayCollecting, arg)
	u := newTestUI(t, svc, "nl")
	o := u.open
	if len(o.rows) != 1 {
		t.Fatalf("%d rows", len(o.rows))
	}
	o.table.Select(tableCell(0, colNumber))
	test.Tap(o.ignBtn)
	if top := u.win.Canvas().Overlays().Top(); top == nil ||
		!hasText(top, "Alle bonnen van 10 jan 2024, ook die nog komen, worden niet geboekt. Alleen doen als u deze dag zelf boekt.") {
		t.Fatal("ignoring a collecting day asks nothing, or not that")
	}
	tapDialogButton(t, u, "Nee")
	if vs, _ := svc.Orders(context.Background(), app.OrderQuery{States: []app.State{app.Ignored}}); len(vs) != 0 {
		t.Fatal("ignored after No")
	}
	test.Tap(o.bookBtn)
	if top := u.win.Canvas().Overlays().Top(); top == nil ||
		!hasText(top, "De dagomzet van 10 jan 2024 wordt nu geboekt; bonnen van die dag die nog komen, gaan naar de dagomzet van de volgende dag.") ||
		hasText(top, "status die niet wordt doorgezet") {
		t.Fatal("booking a collecting day anyway does not say what becomes of its later checks")
	}
	tapDialogButton(t, u, "Nee")

	// A check parked for its status: ignored at once.
	putTillOrder(t, svc, order.Order{ID: "77", Number: "77", Status: "open", Total: 500}, store.Parked, app.ReasonNotForwarded, "open")
	o.load()
	u.bg.wait()
	for i, r := range o.rows {
		if r.Number == "77" {
			o.table.Select(tableCell(i, colNumber))
		}
	}
	test.Tap(o.ignBtn)
	u.bg.wait()
	if vs, _ := svc.Orders(context.Background(), app.OrderQuery{States: []app.State{app.Ignored}}); len(vs) != 1 || vs[0].Number != "77" {
		t.Errorf("ignored %+v", vs)
	}
}

// requiredKinds are the service's kinds with the till's close required,
// as the pos package marks it.
type requiredKinds struct{ *app.Service }

func (r requiredKinds) Kinds() []app.KindInfo {
	ks := r.Service.Kinds()
	for i := range ks {
		if ks[i].Kind != order.POS {
			continue
		}
		ks[i].Topics = append([]app.TopicInfo(nil), ks[i].Topics...)
		for j := range ks[i].Topics {
			if ks[i].Topics[j].Key == "close" {
				ks[i].Topics[j].Required = true
			}
		}
	}
	return ks
}

// TestTillCloseToggleIsRequired: the till's Close order toggle is on and
// cannot be switched off, with a hint why; switching the others keeps it.
func TestTillCloseToggleIsRequired(t *testing.T) {
	svc := newService(t)
	addTill(t, svc)
	u := newTestUIWith(t, svc, Options{Language: "nl", kinds: requiredKinds{svc}})
	p := u.config.hooks
	c := p.required["close"]
	if c == nil || !c.Checked || !c.Disabled() || c.Text != "Close Order (afgerekende bon: de verkoop)" {
		t.Fatalf("close toggle %+v", c)
	}
	if contains(p.topics.Options, c.Text) || len(p.topics.Options) != 3 {
		t.Errorf("the group has %v", p.topics.Options)
	}
	if !hasText(p.kindBox, "Zonder Close order wordt niets geboekt: de afgerekende bonnen zijn de verkopen. Zet hem ook in Back Office aan.") {
		t.Error("no hint why Close order stays on")
	}
	p.topics.SetSelected([]string{"Open Order (online bestellingen, OLO)"})
	u.bg.wait()
	si, err := svc.Shop(context.Background(), "Bar")
	if err != nil || !reflect.DeepEqual(si.Webhook.Topics, []string{"open", "close"}) {
		t.Errorf("topics saved %v (%v)", si.Webhook.Topics, err)
	}
}

// TestTillOpenCheckSentence: a till's check parked open is a check not yet
// paid, in the Open tab; a WooCommerce order keeps its status sentence.
func TestTillOpenCheckSentence(t *testing.T) {
	svc := newService(t)
	addTill(t, svc)
	putTillOrder(t, svc, order.Order{ID: "77", Number: "77", Status: "open", Total: 500}, store.Parked, app.ReasonNotForwarded, "open")
	u := newTestUI(t, svc, "nl")
	if len(u.open.rows) != 1 || u.open.rows[0].reason != "Bon nog niet afgerekend: hij wordt geboekt zodra de kassa hem afsluit." {
		t.Fatalf("rows %+v", u.open.rows)
	}
	for _, c := range []struct {
		v    app.OrderView
		want string
	}{
		{app.OrderView{Source: order.POS, Reason: app.ReasonNotForwarded, ReasonArg: "void"}, "Bon met status ‘void’: die wordt niet geboekt."},
		{app.OrderView{Source: order.WooCommerce, Reason: app.ReasonNotForwarded, ReasonArg: "on-hold"}, reasonText(app.ReasonNotForwarded, "on-hold")},
	} {
		if got := orderReasonText(c.v); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
}

// TestTillWebhookNoPublicURLSentence: the till's own line for calls on
// without a public address.
func TestTillWebhookNoPublicURLSentence(t *testing.T) {
	newTestUI(t, newService(t), "nl")
	got := eventText(app.Event{Code: "webhook_no_public_url", Shop: "Bar", Args: map[string]string{"reason": "no_public_url"}})
	if want := "De aanroepen staan aan, maar er is nog geen openbaar adres (ngrok-tunnel of eigen URL): de kassa kan Orderbrug nog niet bereiken."; got != want {
		t.Errorf("%q", got)
	}
}

// TestTillSpeaksOfChecks: a till's lines and details speak of a check
// (bon) or the day's takings, not an order; a day summary's date is its
// day, whatever this computer's clock says.
func TestTillSpeaksOfChecks(t *testing.T) {
	svc := newService(t)
	addTill(t, svc)
	ctx := context.Background()
	if err := svc.SetWebhook(ctx, "Bar", true); err != nil {
		t.Fatal(err)
	}
	arg := `{"day":"2024-01-09","checks":"3","closes":"2024-01-10T04:00:00+01:00"}`
	putTillOrder(t, svc, order.Order{ID: "day/2024-01-09", Number: "dag-2024-01-09-bar", Status: "open", Total: 3000,
		Buyer: order.Party{Name: "Kassaverkopen"}}, store.Parked, app.ReasonDayCollecting, arg)
	if err := svc.Store().AddEvent(ctx, store.Event{Shop: "Bar", OrderNo: "77", Code: "ignored_by_user"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Store().AddEvent(ctx, store.Event{Shop: "Bar", OrderNo: "dag-2024-01-09-bar", Code: "booked_by_user"}); err != nil {
		t.Fatal(err)
	}
	evs, err := svc.Events(ctx, app.EventQuery{Shop: "Bar", Limit: 2})
	if err != nil || len(evs) != 2 || evs[0].Source != order.POS {
		t.Fatalf("events %+v %v", evs, err)
	}
	u := newTestUI(t, svc, "nl")
	if got := eventText(evs[0]); got != "Dagomzet dag-2024-01-09-bar toch doorgezet." {
		t.Errorf("%q", got)
	}
	if got := eventText(evs[1]); got != "Bon 77 genegeerd." {
		t.Errorf("%q", got)
	}
	if got := eventText(app.Event{Code: "ignored_by_user", OrderNo: "77"}); got != "Bestelling 77 genegeerd." {
		t.Errorf("another kind: %q", got)
	}
	o := u.open
	if len(o.rows) != 1 || o.rows[0].date != "9 jan 2024" {
		t.Fatalf("rows %+v", o.rows)
	}
	o.table.Select(tableCell(0, colNumber))
	if !strings.HasPrefix(o.detail.Text, "Dagomzet dag-2024-01-09-bar van Kassaverkopen") {
		t.Errorf("detail %q", o.detail.Text)
	}
}
