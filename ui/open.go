package ui

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
)

// Columns of the Open table.
const (
	colSelect = iota
	colNumber
	colDate
	colCustomer
	colAmount
	colStatus
	colReason
	colAge
	colShop
	openColumns
)

// openRow is a parked order with what filtering needs precomputed, so a
// filter over 10,000 rows is a loop over strings already in memory.
type openRow struct {
	app.OrderView
	key    string // shop + "/" + number
	search string // lower-case number, customer and reason
	reason string
	amount string
	date   string
}

// openTab is Open: parked orders with the reason they are not booked, and
// the actions check now, book anyway, ignore, open in the shop. Its second
// view, "na boeking gewijzigd", lists booked orders that need a person: the
// shop changed them after booking (action: make the credit note), or one of
// their credit notes failed (action: retry). They stay booked, so neither
// ignore nor book anyway is offered there.
type openTab struct {
	// loads counts the loads started (on the UI goroutine).
	loads   int
	u       *UI
	content fyne.CanvasObject
	view    *widget.Select

	rows     []openRow // every parked order, loaded once per change
	visible  []int     // indexes into rows that pass the filter
	selected map[string]bool
	slugs    map[string]string // status filter label → slug
	current  int               // row of the table's cursor, -1 when none

	search   *widget.Entry
	shop     *widget.Select
	status   *widget.Select
	table    *widget.Table
	count    *widget.Label
	result   *widget.Label // the outcome of the last action
	detail   *widget.Label
	all      *widget.Check
	actions  []*widget.Button
	checkBtn *widget.Button
	bookBtn  *widget.Button
	ignBtn   *widget.Button
	openBtn  *widget.Button
	// The changed-after-booking view's actions.
	creditBtn *widget.Button
	retryBtn  *widget.Button
}

// The tab's views.
const (
	viewParked = iota
	viewChanged
	// viewUnbookable: "Niet te boeken", orders that can never be booked as
	// they are (cancelled, failed, trashed, abandoned checkout drafts), out
	// of the parked list after the grace period. Book anyway, ignore and
	// check now work there as in the parked view.
	viewUnbookable
)

// viewIndex is the view shown.
func (t *openTab) viewIndex() int {
	if t.view == nil {
		return viewParked
	}
	return t.view.SelectedIndex()
}

// changedView reports whether the tab shows the booked orders changed after
// booking instead of the parked ones.
func (t *openTab) changedView() bool { return t.viewIndex() == viewChanged }

func newOpenTab(u *UI) *openTab {
	t := &openTab{u: u, selected: map[string]bool{}, current: -1}
	t.view = widget.NewSelect([]string{lang.L("open.view.parked"), lang.L("open.view.changed"),
		lang.L("open.view.unbookable")}, func(string) {
		t.selected = map[string]bool{}
		t.showViewActions()
		t.load()
	})
	t.view.SetSelectedIndex(0)
	t.search = widget.NewEntry()
	t.search.SetPlaceHolder(lang.L("open.search"))
	t.search.OnChanged = func(string) { t.filter() }
	t.shop = widget.NewSelect(nil, func(string) { t.filter() })
	t.status = widget.NewSelect(nil, func(string) { t.filter() })
	t.setFilterOptions()
	t.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(t.visible), t.columns() },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewStack(widget.NewCheck("", nil), l)
		},
		t.updateCell)
	t.table.ShowHeaderColumn = false
	t.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	t.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		o.(*widget.Label).SetText(openHeader(id.Col))
	}
	for col, w := range []float32{36, 70, 100, 190, 95, 130, 300, 100, 130} {
		t.table.SetColumnWidth(col, w)
	}
	t.table.OnSelected = func(id widget.TableCellID) {
		t.current = id.Row
		t.showDetail()
		t.updateActions()
	}
	t.count = widget.NewLabel("")
	t.result = widget.NewLabel("")
	t.detail = widget.NewLabel("")
	t.detail.Wrapping = fyne.TextWrapWord
	t.all = widget.NewCheck(lang.L("open.select_all"), func(on bool) { t.selectAll(on) })
	t.checkBtn = widget.NewButtonWithIcon(lang.L("action.check"), theme.ViewRefreshIcon(), t.checkSelected)
	t.bookBtn = widget.NewButtonWithIcon(lang.L("action.book_anyway"), theme.ConfirmIcon(), t.bookSelected)
	t.ignBtn = widget.NewButtonWithIcon(lang.L("action.ignore"), theme.CancelIcon(), t.ignoreSelected)
	t.openBtn = widget.NewButtonWithIcon(lang.L("action.open_in_shop"), theme.ComputerIcon(), t.openInShop)
	t.creditBtn = widget.NewButtonWithIcon(lang.L("action.credit_change"), theme.DocumentCreateIcon(), t.creditSelected)
	t.retryBtn = widget.NewButtonWithIcon(lang.L("action.retry"), theme.ViewRefreshIcon(), t.retrySelected)
	t.actions = []*widget.Button{t.checkBtn, t.bookBtn, t.ignBtn, t.openBtn, t.creditBtn, t.retryBtn}
	filters := container.NewBorder(nil, nil, wide(t.view, 220),
		container.NewHBox(wide(t.shop, 170), wide(t.status, 190)), t.search)
	bar := container.NewHBox(t.all, t.checkBtn, t.bookBtn, t.ignBtn, t.creditBtn, t.retryBtn, t.openBtn)
	bottom := container.NewVBox(widget.NewSeparator(), t.detail, container.NewBorder(nil, nil, bar, t.count, t.result))
	t.content = container.NewBorder(filters, bottom, nil, nil, t.table)
	t.showViewActions()
	t.updateActions()
	return t
}

// showViewActions shows the actions that fit the view: a booked order is
// never ignored or booked again.
func (t *openTab) showViewActions() {
	if t.creditBtn == nil {
		return
	}
	changed := t.changedView()
	for _, b := range []*widget.Button{t.bookBtn, t.ignBtn} {
		if changed {
			b.Hide()
		} else {
			b.Show()
		}
	}
	for _, b := range []*widget.Button{t.creditBtn, t.retryBtn} {
		if changed {
			b.Show()
		} else {
			b.Hide()
		}
	}
}

// columns leaves out the shop column while there is only one shop.
func (t *openTab) columns() int {
	if len(t.shop.Options) > 2 {
		return openColumns
	}
	return openColumns - 1
}

// wide gives a select a width that fits its longest choice.
func wide(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
}

func openHeader(col int) string {
	switch col {
	case colSelect:
		return ""
	case colNumber:
		return lang.L("col.number")
	case colDate:
		return lang.L("col.date")
	case colCustomer:
		return lang.L("col.customer")
	case colAmount:
		return lang.L("col.amount")
	case colStatus:
		return lang.L("col.status")
	case colReason:
		return lang.L("col.reason")
	case colAge:
		return lang.L("col.age")
	case colShop:
		return lang.L("col.shop")
	}
	return ""
}

func (t *openTab) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	stack := o.(*fyne.Container)
	check, label := stack.Objects[0].(*widget.Check), stack.Objects[1].(*widget.Label)
	if id.Row >= len(t.visible) {
		return
	}
	r := &t.rows[t.visible[id.Row]]
	if id.Col == colSelect {
		label.Hide()
		check.Show()
		check.OnChanged = nil
		check.SetChecked(t.selected[r.key])
		row := id.Row
		check.OnChanged = func(on bool) { t.setSelected(row, on) }
		return
	}
	check.Hide()
	label.Show()
	label.Alignment = fyne.TextAlignLeading
	var s string
	switch id.Col {
	case colNumber:
		s = r.Number
	case colDate:
		s = r.date
	case colCustomer:
		s = r.Customer
	case colAmount:
		s = r.amount
		label.Alignment = fyne.TextAlignTrailing
	case colStatus:
		s = statusText(r.Status)
	case colReason:
		s = r.reason
	case colAge:
		s = formatAge(t.u.now(), r.Created)
	case colShop:
		s = r.Shop
	}
	label.SetText(s)
}

// load fetches every order of the view once (parked, or booked and changed
// after booking or with a failed credit note); filtering happens in memory.
func (t *openTab) load() {
	view := t.viewIndex()
	// Loads run in the background and may finish out of order: only the
	// newest one's rows are shown (an older one would bring back an order
	// a person just ignored).
	t.loads++
	gen := t.loads
	run(t.u, func(ctx context.Context) ([]openRow, error) {
		if view != viewChanged {
			state := app.Parked
			if view == viewUnbookable {
				state = app.Unbookable
			}
			vs, err := t.u.svc.Orders(ctx, app.OrderQuery{States: []app.State{state}})
			if err != nil {
				return nil, err
			}
			return makeOpenRows(vs), nil
		}
		vs, err := t.u.svc.Orders(ctx, app.OrderQuery{Changed: true})
		if err != nil {
			return nil, err
		}
		failed, err := t.u.svc.Orders(ctx, app.OrderQuery{States: []app.State{app.Booked}, Reason: app.ReasonCreditFailed})
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, v := range vs {
			seen[v.Shop+"/"+v.ID] = true
		}
		for _, v := range failed {
			if !seen[v.Shop+"/"+v.ID] {
				vs = append(vs, v)
			}
		}
		return makeOpenRows(vs), nil
	}, func(rows []openRow, err error) {
		if view != t.viewIndex() || gen != t.loads {
			return // the view changed meanwhile, or a newer load follows
		}
		if err != nil {
			t.count.SetText(errorText(err))
			return
		}
		t.setRows(rows)
		// One line in the log, for support and for the Xvfb smoke test
		// that checks the window shows the parked orders.
		slog.Info("open tab loaded", "parked", len(rows))
	})
}

// makeOpenRows precomputes the texts of each row (off the UI goroutine).
func makeOpenRows(vs []app.OrderView) []openRow {
	rows := make([]openRow, len(vs))
	for i, v := range vs {
		reason := orderReasonText(v)
		if v.ChangedAfterBooking {
			reason = strings.TrimSpace(changeText(v.ChangeNote) + " " + reason)
		}
		if v.State == app.Unbookable {
			reason = lang.L("open.unbookable.reason", map[string]any{"Reason": reason})
		}
		rows[i] = openRow{OrderView: v, key: v.Shop + "/" + v.Number, reason: reason,
			amount: formatMoney(v.Total, v.Currency), date: orderDate(v),
			search: strings.ToLower(v.Number + " " + v.Customer + " " + reason + " " + string(v.Status))}
	}
	return rows
}

func (t *openTab) setRows(rows []openRow) {
	t.rows = rows
	keep := map[string]bool{}
	for _, r := range rows {
		if t.selected[r.key] {
			keep[r.key] = true
		}
	}
	t.selected = keep
	t.setFilterOptions()
	t.filter()
}

// setFilterOptions offers the shops and statuses present.
func (t *openTab) setFilterOptions() {
	allShops, allStatus := lang.L("filter.all_shops"), lang.L("filter.all_statuses")
	shops, statuses := map[string]bool{}, map[order.Status]bool{}
	for _, r := range t.rows {
		shops[r.Shop] = true
		statuses[r.Status] = true
	}
	so := []string{allShops}
	for s := range shops {
		so = append(so, s)
	}
	sort.Strings(so[1:])
	st := []string{allStatus}
	var ss []string
	t.slugs = map[string]string{}
	for s := range statuses {
		label := statusText(s)
		if label != string(s) {
			label += " (" + string(s) + ")"
		}
		t.slugs[label] = string(s)
		ss = append(ss, label)
	}
	sort.Strings(ss)
	st = append(st, ss...)
	t.shop.Options, t.status.Options = so, st
	if !contains(so, t.shop.Selected) {
		t.shop.Selected = allShops
	}
	if !contains(st, t.status.Selected) {
		t.status.Selected = allStatus
	}
	t.shop.Refresh()
	t.status.Refresh()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// filter applies the search text and the shop and status choices.
func (t *openTab) filter() {
	if t.table == nil {
		return
	}
	q := strings.ToLower(strings.TrimSpace(t.search.Text))
	shop, status := t.shop.Selected, t.slugs[t.status.Selected]
	if t.shop.SelectedIndex() <= 0 {
		shop = ""
	}
	if t.status.SelectedIndex() <= 0 {
		status = ""
	}
	t.visible = filterRows(t.rows, q, shop, status, t.visible[:0])
	t.current = -1
	t.table.UnselectAll()
	t.table.Refresh()
	t.showDetail()
	t.updateActions()
}

// filterRows returns the indexes of rows matching the lower-case query and
// the shop and status ("" for any), reusing buf.
func filterRows(rows []openRow, q, shop, status string, buf []int) []int {
	out := buf
	for i := range rows {
		r := &rows[i]
		if shop != "" && r.Shop != shop {
			continue
		}
		if status != "" && string(r.Status) != status {
			continue
		}
		if q != "" && !strings.Contains(r.search, q) {
			continue
		}
		out = append(out, i)
	}
	return out
}

func (t *openTab) setSelected(row int, on bool) {
	if row >= len(t.visible) {
		return
	}
	key := t.rows[t.visible[row]].key
	if on {
		t.selected[key] = true
	} else {
		delete(t.selected, key)
	}
	t.updateActions()
}

func (t *openTab) toggle(row int) {
	if row >= len(t.visible) {
		return
	}
	t.setSelected(row, !t.selected[t.rows[t.visible[row]].key])
	t.table.RefreshItem(widget.TableCellID{Row: row, Col: colSelect})
}

// selectAll selects (or clears) every visible row.
func (t *openTab) selectAll(on bool) {
	if !on {
		t.selected = map[string]bool{}
	} else {
		for _, i := range t.visible {
			t.selected[t.rows[i].key] = true
		}
	}
	t.table.Refresh()
	t.updateActions()
}

// targets are the selected orders, or the one under the cursor.
func (t *openTab) targets() []app.OrderView {
	var out []app.OrderView
	for _, i := range t.visible {
		if t.selected[t.rows[i].key] {
			out = append(out, t.rows[i].OrderView)
		}
	}
	if len(out) == 0 && t.current >= 0 && t.current < len(t.visible) {
		out = append(out, t.rows[t.visible[t.current]].OrderView)
	}
	return out
}

func (t *openTab) updateActions() {
	n := len(t.targets())
	for _, b := range t.actions {
		if n == 0 {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if n != 1 {
		t.openBtn.Disable()
	}
	if n > 0 && !t.anyFetchable() {
		// A till's checks: it sends every one itself; nothing to ask for,
		// no page of its own in an admin.
		t.checkBtn.Disable()
		t.openBtn.Disable()
	}
	var changed, creditFailed bool
	for _, v := range t.targets() {
		changed = changed || v.ChangedAfterBooking
		creditFailed = creditFailed || v.Reason == app.ReasonCreditFailed
	}
	if !changed {
		t.creditBtn.Disable()
	}
	if !creditFailed {
		t.retryBtn.Disable()
	}
	t.count.SetText(lang.L("open.count", map[string]any{"Shown": formatNumber(len(t.visible)),
		"Total": formatNumber(len(t.rows)), "Selected": formatNumber(len(t.selected))}))
}

// orderDate is an order's date as lists show it: a till's day summary is
// of its day (the till's business day, whatever the clock of this
// computer), any other order of when it was made.
func orderDate(v app.OrderView) string {
	if day := app.DayOf(v.ID); day != "" {
		return dayText(day)
	}
	return formatDate(v.Created)
}

// anyFetchable reports whether one of the targets is of a kind that can be
// asked for an order (KindInfo.Fetch).
func (t *openTab) anyFetchable() bool {
	kinds := t.u.kinds.Kinds()
	for _, v := range t.targets() {
		if v.Source == "" || kindOf(kinds, v.Source).Fetch {
			return true
		}
	}
	return false
}

func (t *openTab) showDetail() {
	if t.current < 0 || t.current >= len(t.visible) {
		t.detail.SetText(lang.L("open.hint"))
		return
	}
	r := t.rows[t.visible[t.current]]
	data := map[string]any{"Number": r.Number, "Customer": r.Customer, "Amount": r.amount,
		"Reason": r.reason, "Since": formatDateTime(r.Since)}
	d := lang.L("open.detail", data)
	if own := "open.detail." + string(r.Source); r.Source != "" && known[own] {
		// A till's check is a "bon", its day summary the day's takings.
		data["Noun"] = tillNoun(r.Number)
		d = lang.L(own, data)
	}
	if r.Detail != "" {
		d += "\n" + r.Detail
	}
	t.detail.SetText(d)
}

// each runs fn for every target off the UI goroutine and reports what
// failed; the list reloads through the service's change notice.
func (t *openTab) each(targets []app.OrderView, fn func(context.Context, app.OrderView) error, done func(ok int)) {
	for _, b := range t.actions {
		b.Disable()
	}
	run(t.u, func(ctx context.Context) (int, error) {
		ok := 0
		var errs []error
		for _, v := range targets {
			if err := fn(ctx, v); err != nil {
				errs = append(errs, err)
				continue
			}
			ok++
		}
		return ok, errors.Join(errs...)
	}, func(ok int, err error) {
		if err != nil {
			t.u.showError(firstError(err))
		}
		t.selected = map[string]bool{}
		t.all.SetChecked(false)
		if done != nil {
			done(ok)
		}
		t.load()
	})
}

// firstError takes the first of joined errors: one sentence is shown.
func firstError(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		return j.Unwrap()[0]
	}
	return err
}

// checkSelected fetches the selected orders from the shop now.
func (t *openTab) checkSelected() {
	changed := 0
	kinds := t.u.kinds.Kinds()
	var targets []app.OrderView
	for _, v := range t.targets() {
		if v.Source == "" || kindOf(kinds, v.Source).Fetch {
			targets = append(targets, v)
		}
	}
	t.each(targets, func(ctx context.Context, v app.OrderView) error {
		c, err := t.u.svc.Check(ctx, v.Shop, v.Number)
		if c {
			changed++
		}
		return err
	}, func(ok int) {
		t.result.SetText(lang.L("open.checked", map[string]any{"N": formatNumber(ok), "Changed": formatNumber(changed)}))
	})
}

// bookSelected books the selected orders whatever their status, after
// asking: it puts orders in the books that the forward set keeps out.
func (t *openTab) bookSelected() {
	targets := t.targets()
	if len(targets) == 0 {
		return
	}
	currency := ""
	for _, v := range targets {
		if !order.IsEUR(v.Currency) {
			if currency != "" && !strings.EqualFold(currency, v.Currency) {
				t.u.showError(errors.New(lang.L("open.rate_one_currency")))
				return
			}
			currency = v.Currency
		}
	}
	if currency != "" {
		t.bookAtRate(targets, strings.ToUpper(currency))
		return
	}
	msg := bookConfirmText(targets)
	dialog.ShowConfirm(lang.L("action.book_anyway"), msg, func(yes bool) {
		if !yes {
			return
		}
		t.each(targets, func(ctx context.Context, v app.OrderView) error {
			return t.u.svc.BookAnyway(ctx, v.Shop, v.Number)
		}, nil)
	}, t.u.win)
}

// bookConfirmText asks whether to book targets anyway; a collecting day
// summary says what becomes of its day's later checks.
func bookConfirmText(targets []app.OrderView) string {
	var others []app.OrderView
	var days []string
	for _, v := range targets {
		if v.Collecting() {
			days = append(days, lang.L("open.book_day_confirm", map[string]any{"day": dayText(app.DayOf(v.ID))}))
		} else {
			others = append(others, v)
		}
	}
	if len(others) > 0 {
		days = append([]string{lang.N("open.book_confirm", len(others), map[string]any{"N": len(others), "Number": others[0].Number})}, days...)
	}
	return strings.Join(days, "\n\n")
}

// ignoreConfirmText is what ignoring targets asks first: "" when nothing
// needs asking; a collecting day summary takes its day's later checks too.
func ignoreConfirmText(targets []app.OrderView) string {
	var days []string
	for _, v := range targets {
		if v.Collecting() {
			days = append(days, lang.L("open.ignore_day_confirm", map[string]any{"day": dayText(app.DayOf(v.ID))}))
		}
	}
	return strings.Join(days, "\n\n")
}

// bookAtRate asks for the EUR rate of orders in another currency and books
// them at it: the invoice states its VAT in EUR at that rate.
func (t *openTab) bookAtRate(targets []app.OrderView, currency string) {
	rate := widget.NewEntry()
	rate.SetPlaceHolder("0,9213")
	rate.Validator = func(s string) error {
		if _, err := app.ParseRate(s); err != nil {
			return errors.New(lang.L("open.rate_invalid"))
		}
		return nil
	}
	items := []*widget.FormItem{{Text: lang.L("open.rate_label", map[string]any{"Currency": currency}), Widget: rate,
		HintText: lang.L("open.rate_hint", map[string]any{"Currency": currency})}}
	title := lang.N("open.book_confirm", len(targets), map[string]any{"N": len(targets), "Number": targets[0].Number})
	dialog.ShowForm(title, lang.L("action.book_anyway"), lang.L("action.cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		r, err := app.ParseRate(rate.Text)
		if err != nil {
			t.u.showError(err)
			return
		}
		t.each(targets, func(ctx context.Context, v app.OrderView) error {
			if order.IsEUR(v.Currency) {
				return t.u.svc.BookAnyway(ctx, v.Shop, v.Number)
			}
			return t.u.svc.BookAnywayAt(ctx, v.Shop, v.Number, r)
		}, nil)
	}, t.u.win)
}

// creditSelected makes the credit notes for what the shop changed after
// booking, after asking: it books a credit note for each.
func (t *openTab) creditSelected() {
	var targets []app.OrderView
	for _, v := range t.targets() {
		if v.ChangedAfterBooking {
			targets = append(targets, v)
		}
	}
	if len(targets) == 0 {
		return
	}
	msg := lang.N("open.credit_confirm", len(targets), map[string]any{"N": len(targets), "Number": targets[0].Number,
		"Change": changeText(targets[0].ChangeNote)})
	dialog.ShowConfirm(lang.L("action.credit_change"), msg, func(yes bool) {
		if !yes {
			return
		}
		t.each(targets, func(ctx context.Context, v app.OrderView) error {
			return t.u.svc.CreditChange(ctx, v.Shop, v.Number)
		}, func(ok int) {
			t.result.SetText(lang.L("open.credited", map[string]any{"N": formatNumber(ok)}))
		})
	}, t.u.win)
}

// retrySelected books the failed credit notes of the selected orders again.
func (t *openTab) retrySelected() {
	var targets []app.OrderView
	for _, v := range t.targets() {
		if v.Reason == app.ReasonCreditFailed {
			targets = append(targets, v)
		}
	}
	t.each(targets, func(ctx context.Context, v app.OrderView) error {
		return t.u.svc.Retry(ctx, v.Shop, v.Number)
	}, nil)
}

// ignoreSelected marks the selected orders as not to be booked.
func (t *openTab) ignoreSelected() {
	targets := t.targets()
	ignore := func() {
		t.each(targets, func(ctx context.Context, v app.OrderView) error {
			return t.u.svc.Ignore(ctx, v.Shop, v.Number)
		}, nil)
	}
	msg := ignoreConfirmText(targets)
	if msg == "" {
		ignore()
		return
	}
	dialog.ShowConfirm(lang.L("action.ignore"), msg, func(yes bool) {
		if yes {
			ignore()
		}
	}, t.u.win)
}

// openInShop opens the order in the shop's admin in the browser.
func (t *openTab) openInShop() {
	ts := t.targets()
	if len(ts) != 1 {
		return
	}
	v := ts[0]
	run(t.u, func(ctx context.Context) (string, error) { return t.u.kinds.OrderURL(ctx, v.Shop, v.ID), nil },
		func(raw string, _ error) {
			if raw == "" {
				// A kind without an admin page per order.
				dialog.ShowInformation(lang.L("action.open_in_shop"), lang.L("open.no_shop_page"), t.u.win)
				return
			}
			u, err := url.Parse(raw)
			if err != nil {
				t.u.showError(err)
				return
			}
			if err := t.u.openURL(u); err != nil {
				t.u.showError(err)
			}
		})
}
