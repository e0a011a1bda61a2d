package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/store"
)

// logLimit is how many log lines the Logboek shows, newest first.
const logLimit = 1000

// logTab is Logboek: the event log as sentences, newest first, filtered by
// shop and level.
type logTab struct {
	u       *UI
	content fyne.CanvasObject
	shop    *widget.Select
	level   *widget.Select
	list    *widget.List
	events  []store.Event
	texts   []string
}

var logLevels = []store.Level{store.Info, store.Warn, store.Error}

func newLogTab(u *UI) *logTab {
	t := &logTab{u: u}
	t.shop = widget.NewSelect([]string{lang.L("filter.all_shops")}, func(string) { t.load() })
	t.shop.Selected = lang.L("filter.all_shops")
	levels := []string{lang.L("filter.all_levels")}
	for _, l := range logLevels {
		levels = append(levels, levelText(l))
	}
	t.level = widget.NewSelect(levels, func(string) { t.load() })
	t.level.Selected = levels[0]
	t.list = widget.NewList(func() int { return len(t.texts) },
		func() fyne.CanvasObject {
			at := widget.NewLabel("")
			lv := widget.NewLabel("")
			msg := widget.NewLabel("")
			msg.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, container.NewHBox(
				container.NewGridWrap(fyne.NewSize(150, 36), at), container.NewGridWrap(fyne.NewSize(90, 36), lv)), nil, msg)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(t.events) {
				return
			}
			e := t.events[i]
			c := o.(*fyne.Container)
			msg := c.Objects[0].(*widget.Label)
			left := c.Objects[1].(*fyne.Container)
			left.Objects[0].(*fyne.Container).Objects[0].(*widget.Label).SetText(formatDateTime(e.At))
			lv := left.Objects[1].(*fyne.Container).Objects[0].(*widget.Label)
			lv.SetText(levelText(e.Level))
			switch e.Level {
			case store.Error:
				lv.Importance = widget.DangerImportance
			case store.Warn:
				lv.Importance = widget.WarningImportance
			default:
				lv.Importance = widget.MediumImportance
			}
			lv.Refresh()
			msg.SetText(t.texts[i])
		})
	t.list.OnSelected = func(i widget.ListItemID) {
		// The full sentence and detail, for lines too long for the list.
		if i < len(t.events) {
			e := t.events[i]
			d := t.texts[i]
			if e.Detail != "" {
				d += "\n\n" + e.Detail
			}
			l := widget.NewLabel(d)
			l.Wrapping = fyne.TextWrapWord
			showInfo(u, formatDateTime(e.At), l)
		}
		t.list.UnselectAll()
	}
	t.content = container.NewBorder(container.NewHBox(wide(t.shop, 200), wide(t.level, 190)), nil, nil, nil, t.list)
	t.loadShops()
	return t
}

func (t *logTab) loadShops() {
	run(t.u, func(ctx context.Context) ([]app.ShopInfo, error) { return t.u.svc.Shops(ctx) },
		func(shops []app.ShopInfo, err error) {
			if err != nil {
				return
			}
			opts := []string{lang.L("filter.all_shops")}
			for _, s := range shops {
				opts = append(opts, s.Name)
			}
			t.shop.Options = opts
			t.shop.Refresh()
		})
}

// load reads the log with the chosen filters.
func (t *logTab) load() {
	q := app.EventQuery{Limit: logLimit}
	if t.shop.SelectedIndex() > 0 {
		q.Shop = t.shop.Selected
	}
	if i := t.level.SelectedIndex(); i > 0 {
		q.Levels = []store.Level{logLevels[i-1]}
	}
	type result struct {
		events []store.Event
		texts  []string
	}
	run(t.u, func(ctx context.Context) (result, error) {
		evs, err := t.u.svc.Events(ctx, q)
		texts := make([]string, len(evs))
		for i, e := range evs {
			texts[i] = eventText(e)
			if e.Shop != "" && q.Shop == "" {
				texts[i] = e.Shop + ": " + texts[i]
			}
		}
		return result{evs, texts}, err
	}, func(r result, err error) {
		if err != nil {
			return
		}
		t.events, t.texts = r.events, r.texts
		t.list.Refresh()
	})
}
