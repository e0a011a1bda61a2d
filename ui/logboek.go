package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
)

// logLimit is how many log lines the Logboek shows, newest first.
const logLimit = 1000

// logTab is Logboek: the event log as sentences, newest first, filtered by
// shop and level; and, as the second view, the webhook inbox (Orderbrug's
// own inspector): every stored delivery with its result and a button that
// processes it again from its raw bytes.
type logTab struct {
	u       *UI
	content fyne.CanvasObject
	view    *widget.Select
	shop    *widget.Select
	level   *widget.Select
	list    *widget.List
	events  []app.Event
	texts   []string
	// deliveries is what the list shows in the webhook view (then events
	// is empty and texts are the deliveries' lines).
	deliveries []app.Delivery
	// replayButton is the Replay button of the delivery shown last (tests).
	replayButton *widget.Button
}

// deliveryLimit is how many deliveries the webhook view shows.
const deliveryLimit = 500

// showsDeliveries reports whether the webhook view is chosen.
func (t *logTab) showsDeliveries() bool { return t.view != nil && t.view.SelectedIndex() == 1 }

var logLevels = []app.Level{app.LevelInfo, app.LevelWarn, app.LevelError}

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
	t.view = widget.NewSelect([]string{lang.L("log.view.events"), lang.L("log.view.deliveries")}, func(string) {
		if t.showsDeliveries() {
			t.level.Disable()
		} else {
			t.level.Enable()
		}
		t.load()
	})
	t.view.Selected = lang.L("log.view.events")
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
			if i < len(t.deliveries) && i < len(t.texts) {
				t.updateDelivery(i, o)
				return
			}
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
			case app.LevelError:
				lv.Importance = widget.DangerImportance
			case app.LevelWarn:
				lv.Importance = widget.WarningImportance
			default:
				lv.Importance = widget.MediumImportance
			}
			lv.Refresh()
			msg.SetText(t.texts[i])
		})
	t.list.OnSelected = func(i widget.ListItemID) {
		if i < len(t.deliveries) {
			t.showDelivery(t.deliveries[i])
			t.list.UnselectAll()
			return
		}
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
	t.content = container.NewBorder(container.NewHBox(wide(t.view, 170), wide(t.shop, 200), wide(t.level, 190)), nil, nil, nil, t.list)
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

// load reads the log (or the inbox) with the chosen filters.
func (t *logTab) load() {
	if t.showsDeliveries() {
		t.loadDeliveries()
		return
	}
	q := app.EventQuery{Limit: logLimit}
	if t.shop.SelectedIndex() > 0 {
		q.Shop = t.shop.Selected
	}
	if i := t.level.SelectedIndex(); i > 0 {
		q.Levels = []app.Level{logLevels[i-1]}
	}
	type result struct {
		events []app.Event
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
		if t.showsDeliveries() {
			return // the view changed while this was read
		}
		t.events, t.texts, t.deliveries = r.events, r.texts, nil
		t.list.Refresh()
	})
}

// loadDeliveries reads the newest deliveries of the chosen shop.
func (t *logTab) loadDeliveries() {
	shop := ""
	if t.shop.SelectedIndex() > 0 {
		shop = t.shop.Selected
	}
	type result struct {
		ds    []app.Delivery
		texts []string
	}
	run(t.u, func(ctx context.Context) (result, error) {
		var slug string
		if shop != "" {
			if si, err := t.u.svc.Shop(ctx, shop); err == nil {
				slug = si.Slug
			}
		}
		all, err := t.u.svc.Deliveries(ctx, deliveryLimit)
		var r result
		for _, d := range all {
			if slug != "" && d.Shop != slug {
				continue
			}
			r.ds = append(r.ds, d)
			r.texts = append(r.texts, deliveryLine(d, shop == ""))
		}
		return r, err
	}, func(r result, err error) {
		if err != nil || !t.showsDeliveries() {
			return
		}
		t.events, t.texts, t.deliveries = nil, r.texts, r.ds
		t.list.Refresh()
	})
}

// updateDelivery fills list row o with delivery i.
func (t *logTab) updateDelivery(i int, o fyne.CanvasObject) {
	d := t.deliveries[i]
	c := o.(*fyne.Container)
	msg := c.Objects[0].(*widget.Label)
	left := c.Objects[1].(*fyne.Container)
	left.Objects[0].(*fyne.Container).Objects[0].(*widget.Label).SetText(formatDateTime(d.ReceivedAt))
	lv := left.Objects[1].(*fyne.Container).Objects[0].(*widget.Label)
	lv.SetText(fmt.Sprintf("HTTP %d", d.Status))
	switch {
	case strings.HasPrefix(d.Result, "error") || d.Status >= 400:
		lv.Importance = widget.WarningImportance
	default:
		lv.Importance = widget.MediumImportance
	}
	lv.Refresh()
	msg.SetText(t.texts[i])
}

// deliveryResult is a delivery's result as words.
func deliveryResult(d app.Delivery) string {
	switch {
	case d.ProcessedAt.IsZero():
		return lang.L("log.delivery.pending")
	case strings.HasPrefix(d.Result, "error"):
		return lang.L("log.delivery.error")
	}
	for _, r := range []string{"new", "changed", "repeat", "stale", "conflict"} {
		if d.Result == r {
			return lang.L("log.delivery.result." + r)
		}
	}
	return d.Result
}

// deliveryLine is a delivery's line in the list.
func deliveryLine(d app.Delivery, withShop bool) string {
	line := lang.L("log.delivery.line", map[string]any{"Topic": d.Topic, "Order": orDash(d.OrderID), "Result": deliveryResult(d)})
	if d.Repeats > 0 {
		line += " " + lang.L("log.delivery.repeats", map[string]any{"N": d.Repeats})
	}
	if withShop {
		line = d.Shop + ": " + line
	}
	return line
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// deliveryDetail is the dialog text of a delivery.
func deliveryDetail(d app.Delivery) string {
	text := lang.L("log.delivery.detail", map[string]any{"At": formatDateTime(d.ReceivedAt), "Topic": d.Topic,
		"Order": orDash(d.OrderID), "Status": d.Status, "Repeats": d.Repeats, "Result": deliveryResult(d),
		"Bytes": d.BodyBytes})
	if strings.HasPrefix(d.Result, "error") {
		text += "\n\n" + d.Result
	}
	if d.BodyBytes == 0 {
		text += "\n\n" + lang.L("log.delivery.no_body")
	}
	return text
}

// showDelivery shows one delivery with the button that processes it again.
func (t *logTab) showDelivery(d app.Delivery) {
	detail := widget.NewLabel(deliveryDetail(d))
	detail.Wrapping = fyne.TextWrapWord
	var replay *widget.Button
	replay = widget.NewButton(lang.L("log.replay"), func() {
		replay.Disable()
		run(t.u, func(ctx context.Context) (app.Delivery, error) { return t.u.svc.ReplayDelivery(ctx, d.ID) },
			func(nd app.Delivery, err error) {
				if err != nil {
					detail.SetText(deliveryDetail(d) + "\n\n" + errorText(err))
					replay.Enable()
					return
				}
				detail.SetText(deliveryDetail(nd) + "\n\n" + lang.L("log.replay.done", map[string]any{"Result": deliveryResult(nd)}))
				replay.Enable()
				t.load()
			})
	})
	if d.BodyBytes == 0 {
		replay.Disable()
	}
	t.replayButton = replay
	showInfo(t.u, lang.L("log.delivery.title", map[string]any{"ID": d.ID}), container.NewBorder(nil, replay, nil, nil, detail))
}
