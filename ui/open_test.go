package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// parked returns the service's parked orders.
func parked(t *testing.T, svc *app.Service) []app.OrderView {
	t.Helper()
	vs, err := svc.Orders(context.Background(), app.OrderQuery{States: []app.State{app.Parked}})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func stateOf(t *testing.T, svc *app.Service, number string) app.State {
	t.Helper()
	d, err := svc.Order(context.Background(), "Theehuis", number)
	if err != nil {
		t.Fatal(err)
	}
	return d.State
}

// openSetup: a shop forwarding only "completed", so most orders park.
func openSetup(t *testing.T) (*UI, *app.Service, *openTab) {
	_, url := newShop(t, 40)
	svc := newService(t)
	connect(t, svc, url, "completed")
	u := newTestUI(t, svc, "nl")
	if u.open == nil {
		t.Fatal("tabs not shown although a shop exists")
	}
	return u, svc, u.open
}

func TestOpenListsParkedOrdersWithTheirReason(t *testing.T) {
	_, svc, o := openSetup(t)
	want := parked(t, svc)
	if len(want) == 0 {
		t.Fatal("the emulator's orders did not park")
	}
	if len(o.visible) != len(want) || len(o.rows) != len(want) {
		t.Fatalf("open shows %d of %d, service has %d parked", len(o.visible), len(o.rows), len(want))
	}
	r := o.rows[0]
	if !strings.Contains(r.reason, "wordt niet doorgezet") {
		t.Errorf("reason %q is not the Dutch sentence", r.reason)
	}
	if !strings.HasPrefix(r.amount, "€ ") || !strings.Contains(r.amount, ",") {
		t.Errorf("amount %q not in Dutch form", r.amount)
	}
	if !strings.Contains(o.count.Text, "van") {
		t.Errorf("count %q", o.count.Text)
	}
	// Every action needs a choice first.
	if !o.bookBtn.Disabled() || !o.ignBtn.Disabled() {
		t.Error("actions enabled with nothing selected")
	}
}

func TestOpenSearchAndFilter(t *testing.T) {
	_, _, o := openSetup(t)
	total := len(o.visible)
	first := o.rows[0]
	test.Type(o.search, first.Number)
	if len(o.visible) == 0 || len(o.visible) >= total {
		t.Fatalf("search %q shows %d of %d", first.Number, len(o.visible), total)
	}
	for _, i := range o.visible {
		if !strings.Contains(o.rows[i].search, strings.ToLower(first.Number)) {
			t.Errorf("row %s does not match", o.rows[i].Number)
		}
	}
	o.search.SetText("")
	if len(o.visible) != total {
		t.Fatalf("clearing the search shows %d of %d", len(o.visible), total)
	}
	// Filter on a status: only that status stays.
	st := string(first.Status)
	o.status.SetSelected(statusText(first.Status) + " (" + st + ")")
	for _, i := range o.visible {
		if string(o.rows[i].Status) != st {
			t.Errorf("status filter %s shows %s", st, o.rows[i].Status)
		}
	}
	if len(o.visible) == 0 {
		t.Fatal("status filter hides everything")
	}
	o.shop.SetSelected("Theehuis")
	o.status.SetSelectedIndex(0)
	if len(o.visible) != total {
		t.Errorf("all statuses of the one shop: %d of %d", len(o.visible), total)
	}
}

func TestOpenIgnoreSeveral(t *testing.T) {
	u, svc, o := openSetup(t)
	before := len(o.rows)
	a, b := o.rows[o.visible[0]].Number, o.rows[o.visible[1]].Number
	o.setSelected(0, true)
	o.setSelected(1, true)
	if got := len(o.targets()); got != 2 {
		t.Fatalf("%d targets", got)
	}
	test.Tap(o.ignBtn)
	u.bg.wait()
	for _, n := range []string{a, b} {
		if st := stateOf(t, svc, n); st != app.Ignored {
			t.Errorf("order %s is %s after Negeren", n, st)
		}
	}
	if len(o.rows) != before-2 {
		t.Errorf("open list has %d rows, want %d", len(o.rows), before-2)
	}
	if len(o.selected) != 0 {
		t.Error("selection kept after the action")
	}
	// Verwerkt › Genegeerd puts one back.
	d := u.done
	d.mode.SetSelected("Genegeerd")
	u.bg.wait()
	if len(d.rows) != 2 {
		t.Fatalf("%d ignored rows", len(d.rows))
	}
	row := d.newRow()
	d.updateRow(0, row)
	back := d.rows[0].Number
	test.Tap(findButton(row, "Niet meer negeren"))
	u.bg.wait()
	if st := stateOf(t, svc, back); st != app.Parked || len(o.rows) != before-1 {
		t.Errorf("after unignore: %s, open has %d", st, len(o.rows))
	}
}

func TestOpenBookAnywayAsksFirst(t *testing.T) {
	u, svc, o := openSetup(t)
	n := o.rows[o.visible[0]].Number
	o.table.Select(tableCell(0, colNumber))
	test.Tap(o.bookBtn)
	// Answering No books nothing.
	tapDialogButton(t, u, "Nee")
	if st := stateOf(t, svc, n); st != app.Parked {
		t.Fatalf("order %s is %s after declining", n, st)
	}
	o.table.Select(tableCell(0, colNumber))
	test.Tap(o.bookBtn)
	if top := u.win.Canvas().Overlays().Top(); top == nil || !hasText(top, "Bestelling "+n+" boeken") {
		t.Fatal("the confirm dialog does not name the order in Dutch")
	}
	tapDialogButton(t, u, "Ja")
	if st := stateOf(t, svc, n); st != app.Queued && st != app.Booked {
		t.Fatalf("order %s is %s after Toch doorzetten", n, st)
	}
	for _, r := range o.rows {
		if r.Number == n {
			t.Errorf("order %s still in Open", n)
		}
	}
}

func TestOpenCheckNowPicksUpAStatusChange(t *testing.T) {
	shop, url := newShop(t, 20)
	svc := newService(t)
	connect(t, svc, url, "completed")
	u := newTestUI(t, svc, "nl")
	o := u.open
	r := o.rows[o.visible[0]]
	id := r.ID
	var idNum int64
	for _, c := range id {
		idNum = idNum*10 + int64(c-'0')
	}
	if !shop.SetStatus(idNum, "completed") {
		t.Fatal("emulator has no order", id)
	}
	o.setSelected(0, true)
	test.Tap(o.checkBtn)
	u.bg.wait()
	if st := stateOf(t, svc, r.Number); st != app.Booked && st != app.Queued {
		t.Fatalf("order %s is %s after Nu controleren", r.Number, st)
	}
	if !strings.Contains(o.result.Text, "1 gecontroleerd, 1 gewijzigd") {
		t.Errorf("no result shown: %q", o.result.Text)
	}
}

func TestOpenInShopOpensTheAdminURL(t *testing.T) {
	u, svc, o := openSetup(t)
	var opened string
	u.openURL = func(x *urlURL) error { opened = x.String(); return nil }
	r := o.rows[o.visible[2]]
	o.table.Select(tableCell(2, colCustomer))
	test.Tap(o.openBtn)
	u.bg.wait()
	want := svc.OrderURL(context.Background(), r.Shop, r.ID)
	if opened != want || opened == "" || !strings.Contains(want, "post="+r.ID) {
		t.Fatalf("opened %q, want %q", opened, want)
	}
	// With two selected, opening is off: which one would it be?
	o.setSelected(0, true)
	o.setSelected(1, true)
	if !o.openBtn.Disabled() {
		t.Error("open in shop enabled for two orders")
	}
}

func TestOpenSelectAllSelectsVisibleOnly(t *testing.T) {
	_, _, o := openSetup(t)
	o.status.SetSelectedIndex(1)
	shown := len(o.visible)
	test.Tap(o.all)
	if len(o.selected) != shown {
		t.Fatalf("select all: %d selected, %d shown", len(o.selected), shown)
	}
	test.Tap(o.all)
	if len(o.selected) != 0 {
		t.Fatalf("unselect all left %d", len(o.selected))
	}
}

// TestOpenChangedAfterBookingView: an order cancelled in the shop after it
// was booked shows in Open › Na boeking gewijzigd with the change in Dutch;
// it stays booked, is neither ignored nor booked again there, and "Creditnota
// maken" books the credit note for the whole invoice.
func TestOpenChangedAfterBookingView(t *testing.T) {
	shop, url := newShop(t, 30)
	svc := newService(t)
	connect(t, svc, url, "completed", "processing")
	u := newTestUI(t, svc, "nl")
	o := u.open
	ctx := context.Background()
	booked, err := svc.Orders(ctx, app.OrderQuery{States: []app.State{app.Booked}})
	if err != nil || len(booked) == 0 {
		t.Fatalf("nothing booked: %v", err)
	}
	v := booked[0]
	var id int64
	for _, c := range v.ID {
		id = id*10 + int64(c-'0')
	}
	if !shop.SetStatus(id, "cancelled") {
		t.Fatal("emulator has no order", v.ID)
	}
	if _, err := svc.Sync(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	u.bg.wait()
	for _, r := range o.rows {
		if r.Number == v.Number {
			t.Fatalf("booked order %s listed as parked", v.Number)
		}
	}

	o.view.SetSelectedIndex(1)
	u.bg.wait()
	if len(o.rows) != 1 || o.rows[0].Number != v.Number {
		t.Fatalf("changed view shows %d rows", len(o.rows))
	}
	r := o.rows[0]
	if !strings.Contains(r.reason, "Na boeking gewijzigd") || !strings.Contains(r.reason, "Geannuleerd") {
		t.Errorf("reason %q does not say in Dutch what changed", r.reason)
	}
	if o.bookBtn.Visible() || o.ignBtn.Visible() || !o.creditBtn.Visible() {
		t.Error("book anyway or ignore offered for a booked order")
	}
	o.table.Select(tableCell(0, colNumber))
	if o.creditBtn.Disabled() || !o.retryBtn.Disabled() {
		t.Fatalf("credit %v retry %v", o.creditBtn.Disabled(), o.retryBtn.Disabled())
	}
	test.Tap(o.creditBtn)
	tapDialogButton(t, u, "Ja")
	d, err := svc.Order(ctx, "Theehuis", v.Number)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != app.Booked || d.ChangedAfterBooking {
		t.Fatalf("after the credit note: %s changed=%v", d.State, d.ChangedAfterBooking)
	}
	credits := 0
	for _, b := range d.Bookings {
		if b.Kind == order.KindCreditNote && b.State != "failed" && b.Amount == d.Total { // booked by the runner
			credits++
		}
	}
	if credits != 1 {
		t.Fatalf("bookings %+v: want one credit note of the whole invoice", d.Bookings)
	}
	if len(o.rows) != 0 {
		t.Errorf("still %d rows in the changed view", len(o.rows))
	}
	o.view.SetSelectedIndex(0)
	u.bg.wait()
	if !o.bookBtn.Visible() || o.creditBtn.Visible() {
		t.Error("parked view shows the wrong actions")
	}
}

func TestOpenChangeText(t *testing.T) {
	newTestUI(t, newService(t), "nl")
	got := changeText("status cancelled; total 40.00 -> 35.00")
	for _, want := range []string{"Na boeking gewijzigd", "Geannuleerd", "€ 40,00", "€ 35,00"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

// findEntry finds the first visible entry under o.
func findEntry(o fyne.CanvasObject) *widget.Entry {
	if e, ok := o.(*widget.Entry); ok && e.Visible() {
		return e
	}
	for _, c := range children(o) {
		if e := findEntry(c); e != nil {
			return e
		}
	}
	return nil
}

// TestOpenBookAnywayAsksTheRateOfANonEUROrder: a USD order parks for its
// currency; Toch doorzetten asks for the EUR rate (refusing one that is no
// positive decimal) and books at the rate given.
func TestOpenBookAnywayAsksTheRateOfANonEUROrder(t *testing.T) {
	shop, url := newShop(t, 20)
	var usd string
	for id := int64(1000); id < 1020; id++ {
		if o, ok := shop.Order(id); ok && o.Status == "completed" {
			shop.Update(id, func(o *wcemu.Order) { o.Currency = "USD" })
			usd = o.Number
			break
		}
	}
	if usd == "" {
		t.Fatal("no completed order in the emulator")
	}
	svc := newService(t)
	connect(t, svc, url, "completed")
	u := newTestUI(t, svc, "nl")
	o := u.open
	row := -1
	for i, idx := range o.visible {
		if o.rows[idx].Number == usd {
			row = i
		}
	}
	if row < 0 {
		t.Fatalf("USD order %s not in Open", usd)
	}
	if r := o.rows[o.visible[row]]; !strings.Contains(r.reason, "USD") || !strings.Contains(r.reason, "niet in euro") {
		t.Errorf("reason %q", r.reason)
	}
	o.table.Select(tableCell(row, colNumber))
	test.Tap(o.bookBtn)
	top := u.win.Canvas().Overlays().Top()
	if top == nil || !hasText(top, "EUR per 1 USD") {
		t.Fatal("no rate asked")
	}
	rate := findEntry(top)
	if rate == nil {
		t.Fatal("no rate field")
	}
	test.Type(rate, "nul")
	if rate.Validate() == nil {
		t.Error("a rate of letters is accepted")
	}
	rate.SetText("0,9213")
	tapDialogButton(t, u, "Toch doorzetten")
	d, err := svc.Order(context.Background(), "Theehuis", usd)
	if err != nil {
		t.Fatal(err)
	}
	if d.EURRate != "0.9213" || (d.State != app.Queued && d.State != app.Booked) {
		t.Fatalf("after booking at a rate: %s, rate %q (%s)", d.State, d.EURRate, d.Detail)
	}
}

// TestOpenUnbookableView: a cancelled order leaves the parked list after
// the grace period; the "Niet te boeken" view lists it with its reason and
// offers book anyway and ignore, not the credit actions.
func TestOpenUnbookableView(t *testing.T) {
	shop, url := newShop(t, 30)
	svc := newService(t)
	connect(t, svc, url, "completed", "processing")
	u := newTestUI(t, svc, "nl")
	o := u.open
	ctx := context.Background()
	p := parked(t, svc)
	if len(p) == 0 {
		t.Fatal("nothing parked")
	}
	v := p[0]
	var id int64
	for _, c := range v.ID {
		id = id*10 + int64(c-'0')
	}
	if !shop.SetStatus(id, "cancelled") {
		t.Fatal("emulator has no order", v.ID)
	}
	if _, err := svc.Sync(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	// The grace period over (as the hourly housekeeping finds it).
	n, err := svc.Store().MarkUnbookable(ctx, svc.Store().Now().Add(time.Minute), svc.Engine().UnbookableRule(), "orders_unbookable")
	if err != nil || n == 0 {
		t.Fatalf("%d orders moved: %v", n, err)
	}
	u.bg.wait()
	for _, r := range o.rows {
		if r.Number == v.Number {
			t.Fatalf("cancelled order %s still listed as parked", v.Number)
		}
	}
	o.view.SetSelectedIndex(viewUnbookable)
	u.bg.wait()
	found := false
	for _, r := range o.rows {
		if r.State != app.Unbookable {
			t.Fatalf("order %s in the unbookable view is %s", r.Number, r.State)
		}
		if r.Number == v.Number {
			found = true
			if !strings.Contains(r.reason, "Niet te boeken") || !strings.Contains(r.reason, "Geannuleerd") {
				t.Errorf("reason %q", r.reason)
			}
		}
	}
	if !found {
		t.Fatalf("cancelled order %s not in the unbookable view (%d rows)", v.Number, len(o.rows))
	}
	if !o.bookBtn.Visible() || !o.ignBtn.Visible() || o.creditBtn.Visible() {
		t.Error("the unbookable view shows the wrong actions")
	}
	// The Overzicht tells, without making it a reason for attention.
	u.overview.load()
	u.bg.wait()
	if !hasText(u.overview.content, "kan nooit geboekt worden") && !hasText(u.overview.content, "kunnen nooit geboekt worden") {
		t.Error("the Overzicht does not tell of the unbookable orders")
	}
	ov, err := svc.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range ov.Attention {
		if a.State == app.Unbookable {
			t.Errorf("attention for unbookable orders: %+v", a)
		}
	}
}
