package ui

import (
	"context"
	"strings"
	"testing"
	"time"

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
