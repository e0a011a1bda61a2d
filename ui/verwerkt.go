package ui

import (
	"context"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
)

// doneLimit caps the Verwerkt list: the newest first, the rest is in the
// invoice folder.
const doneLimit = 2000

// doneTab is Verwerkt: booked orders with their invoice file, and failed
// ones with the reason and a retry button.
type doneTab struct {
	// loads counts the loads started (on the UI goroutine).
	loads   int
	u       *UI
	content fyne.CanvasObject
	mode    *widget.RadioGroup
	list    *widget.List
	count   *widget.Label
	rows    []app.OrderView
	state   app.State
	// counted: the till's checks counted in a day summary (ignored with
	// app.ReasonInDaySummary), a choice of their own, shown once there are
	// any; Genegeerd lists what was ignored without them.
	counted bool
}

func newDoneTab(u *UI) *doneTab {
	t := &doneTab{u: u, state: app.Booked}
	modes := map[string]app.State{lang.L("done.booked"): app.Booked, lang.L("done.failed"): app.Failed,
		lang.L("done.ignored"): app.Ignored, lang.L("done.counted"): app.Ignored}
	booked := lang.L("done.booked")
	t.mode = widget.NewRadioGroup([]string{booked, lang.L("done.failed"), lang.L("done.ignored")}, func(s string) {
		t.state = modes[s]
		t.counted = s == lang.L("done.counted")
		t.load()
	})
	t.mode.Horizontal = true
	t.mode.Selected = booked
	t.count = widget.NewLabel("")
	t.list = widget.NewList(func() int { return len(t.rows) }, t.newRow, t.updateRow)
	t.content = container.NewBorder(container.NewBorder(nil, nil, t.mode, t.count), nil, nil, nil, t.list)
	return t
}

// newRow: number, date, customer, amount, invoice or reason, and buttons.
func (t *doneTab) newRow() fyne.CanvasObject {
	lbl := func(w float32) fyne.CanvasObject {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		return container.NewGridWrap(fyne.NewSize(w, 36), l)
	}
	info := widget.NewLabel("")
	info.Truncation = fyne.TextTruncateEllipsis
	b1 := widget.NewButtonWithIcon("", theme.FileIcon(), nil)
	b2 := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), nil)
	left := container.NewHBox(lbl(80), lbl(110), lbl(200), lbl(100))
	return container.NewBorder(nil, nil, left, container.NewHBox(b1, b2), info)
}

func (t *doneTab) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(t.rows) {
		return
	}
	v := t.rows[i]
	// NewBorder keeps the centre first, then left and right.
	c := o.(*fyne.Container)
	info := c.Objects[0].(*widget.Label)
	left, right := c.Objects[1].(*fyne.Container), c.Objects[2].(*fyne.Container)
	set := func(j int, s string) {
		left.Objects[j].(*fyne.Container).Objects[0].(*widget.Label).SetText(s)
	}
	set(0, v.Number)
	set(1, orderDate(v))
	set(2, v.Customer)
	set(3, formatMoney(v.Total, v.Currency))
	b1, b2 := right.Objects[0].(*widget.Button), right.Objects[1].(*widget.Button)
	b1.Enable()
	b1.Show()
	if v.State == app.Ignored {
		info.Importance = widget.MediumImportance
		info.SetText(orderReasonText(v))
		if v.Reason == app.ReasonInDaySummary {
			// Counted in its day's summary: nobody ignored it, nothing to undo.
			b1.Hide()
			b2.Hide()
			return
		}
		b1.SetText(lang.L("action.unignore"))
		b1.SetIcon(theme.ContentUndoIcon())
		b1.OnTapped = func() { t.unignore(v) }
		b2.Hide()
		return
	}
	if v.State == app.Failed {
		s := orderReasonText(v)
		if v.Detail != "" {
			s += " (" + v.Detail + ")"
		}
		info.SetText(s)
		info.Importance = widget.DangerImportance
		b1.SetText(lang.L("action.retry"))
		b1.SetIcon(theme.ViewRefreshIcon())
		b1.OnTapped = func() { t.retry(v) }
		b2.Hide()
		return
	}
	info.Importance = widget.MediumImportance
	info.SetText(lang.L("done.invoice", map[string]any{"ID": v.InvoiceID, "File": filepath.Base(v.BookingRef)}))
	b1.SetText(lang.L("action.open_file"))
	b1.SetIcon(theme.FileIcon())
	b1.OnTapped = func() { t.openPath(v.BookingRef) }
	b2.Show()
	b2.SetText(lang.L("action.open_folder"))
	b2.OnTapped = func() { t.openPath(filepath.Dir(v.BookingRef)) }
	if v.BookingRef == "" {
		b1.Disable()
		b2.Disable()
	} else {
		b1.Enable()
		b2.Enable()
	}
}

// doneLoad is what load found: the rows, and whether there are checks
// counted in a day summary (their choice is then shown).
type doneLoad struct {
	rows    []app.OrderView
	counted bool
}

// load fetches the booked, the failed, the ignored orders or the counted
// checks.
func (t *doneTab) load() {
	st, counted := t.state, t.counted
	t.loads++ // as openTab's: only the newest load's rows are shown
	gen := t.loads
	run(t.u, func(ctx context.Context) (doneLoad, error) {
		q := app.OrderQuery{States: []app.State{st}, Limit: doneLimit}
		if st == app.Ignored && counted {
			q.Reason = app.ReasonInDaySummary
		} else if st == app.Ignored {
			q.NotReason = app.ReasonInDaySummary
		}
		rows, err := t.u.svc.Orders(ctx, q)
		if err != nil {
			return doneLoad{}, err
		}
		some, err := t.u.svc.Orders(ctx, app.OrderQuery{States: []app.State{app.Ignored}, Reason: app.ReasonInDaySummary, Limit: 1})
		return doneLoad{rows: rows, counted: len(some) > 0}, err
	}, func(l doneLoad, err error) {
		if err != nil {
			t.count.SetText(errorText(err))
			return
		}
		if l.counted && len(t.mode.Options) == 3 {
			t.mode.Options = append(t.mode.Options, lang.L("done.counted"))
			t.mode.Refresh()
		}
		if st != t.state || counted != t.counted || gen != t.loads {
			return // the choice changed while loading, or a newer load follows
		}
		rows := l.rows
		t.rows = rows
		t.count.SetText(lang.N("done.count", len(rows), map[string]any{"N": formatNumber(len(rows))}))
		t.list.Refresh()
	})
}

func (t *doneTab) retry(v app.OrderView) {
	run(t.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, t.u.svc.Retry(ctx, v.Shop, v.Number)
	}, func(_ struct{}, err error) {
		if err != nil {
			t.u.showError(err)
		}
		t.load()
	})
}

// unignore puts an ignored order back in the Open tab.
func (t *doneTab) unignore(v app.OrderView) {
	run(t.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, t.u.svc.Unignore(ctx, v.Shop, v.Number)
	}, func(_ struct{}, err error) {
		if err != nil {
			t.u.showError(err)
		}
		t.load()
	})
}

// openPath opens an invoice file or its folder with the system's program.
func (t *doneTab) openPath(p string) {
	if p == "" {
		return
	}
	if err := t.u.openURL(fileURL(p)); err != nil {
		t.u.showError(err)
	}
}
