package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger"
)

// overviewTab is Overzicht: per shop the last and next sync and today's
// counts, the tunnel and webhooks, recent activity, and "Nu synchroniseren".
type overviewTab struct {
	u       *UI
	content fyne.CanvasObject
	health  *widget.Label
	// attention says what waits on the owner, and why (hidden when
	// nothing does).
	attention *widget.Label
	shops     *fyne.Container
	tunnel    *widget.Label
	recent    *widget.List
	events    []app.Event
	syncBtn   *widget.Button
	pauseBtn  *widget.Button
	progress  *widget.ProgressBarInfinite
	progText  *widget.Label
	last      app.Overview
}

func newOverviewTab(u *UI) *overviewTab {
	t := &overviewTab{u: u}
	t.health = widget.NewLabel("")
	t.health.TextStyle = fyne.TextStyle{Bold: true}
	t.attention = widget.NewLabel("")
	t.attention.Wrapping = fyne.TextWrapWord
	t.attention.Importance = widget.WarningImportance
	t.attention.Hide()
	t.shops = container.NewVBox()
	t.tunnel = widget.NewLabel("")
	t.tunnel.Wrapping = fyne.TextWrapWord
	t.syncBtn = widget.NewButtonWithIcon(lang.L("action.sync_now"), theme.ViewRefreshIcon(), t.syncNow)
	t.syncBtn.Importance = widget.HighImportance
	t.pauseBtn = widget.NewButtonWithIcon(lang.L("action.pause"), theme.MediaPauseIcon(), t.togglePause)
	t.progress = widget.NewProgressBarInfinite()
	t.progress.Stop()
	t.progress.Hide()
	t.progText = widget.NewLabel("")
	t.recent = widget.NewList(func() int { return len(t.events) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(t.events) {
				e := t.events[i]
				o.(*widget.Label).SetText(formatDateTime(e.At) + "  " + eventText(e))
			}
		})
	top := container.NewBorder(nil, nil, t.health, container.NewHBox(t.pauseBtn, t.syncBtn))
	prog := container.NewBorder(nil, nil, nil, t.progText, t.progress)
	head := container.NewVBox(top, t.attention, prog, widget.NewSeparator(), t.shops, t.tunnel, widget.NewSeparator(),
		widget.NewLabelWithStyle(lang.L("overview.recent"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	t.content = container.NewBorder(head, nil, nil, nil, t.recent)
	return t
}

// load fetches the overview off the UI goroutine.
func (t *overviewTab) load() {
	run(t.u, func(ctx context.Context) (app.Overview, error) { return t.u.svc.Overview(ctx) },
		func(ov app.Overview, err error) {
			if err != nil {
				t.health.SetText(errorText(err))
				return
			}
			t.show(ov)
			t.u.overviewLoaded(ov)
		})
}

func (t *overviewTab) show(ov app.Overview) {
	t.last = ov
	h := healthText(ov.Health)
	if len(ov.Attention) > 0 && ov.Health != "error" {
		h = lang.L("health.waiting")
	}
	t.attention.SetText(attentionLines(ov.Attention))
	if len(ov.Attention) > 0 {
		t.attention.Show()
	} else {
		t.attention.Hide()
	}
	if ov.Paused {
		h += " · " + lang.L("overview.paused")
		t.pauseBtn.SetText(lang.L("action.resume"))
		t.pauseBtn.SetIcon(theme.MediaPlayIcon())
	} else {
		t.pauseBtn.SetText(lang.L("action.pause"))
		t.pauseBtn.SetIcon(theme.MediaPauseIcon())
	}
	t.health.SetText(h)
	t.shops.RemoveAll()
	for _, s := range ov.Shops {
		t.shops.Add(t.shopCard(s))
	}
	tun := lang.L("overview.tunnel", map[string]any{"State": tunnelText(ov.Tunnel)})
	if ov.Tunnel.URL != "" {
		tun += " — " + ov.Tunnel.URL
	}
	switch {
	case ov.Ledger.Kind != ledger.KindUBL && ov.Ledger.Kind != "":
		tun += "\n" + lang.L("overview.ledger.online", map[string]any{"Name": ov.Ledger.Name, "Account": accountText(ov.Ledger.Account)})
	case ov.Ledger.Dir != "":
		tun += "\n" + lang.L("overview.ledger", map[string]any{"Dir": ov.Ledger.Dir})
	default:
		tun += "\n" + lang.L("overview.no_ledger")
	}
	// Bookings waiting for the online ledger's rate limit: how many, and
	// until when.
	if w := rateWaitText(ov.Ledger, t.u.now()); w != "" {
		tun += "\n" + w
	}
	t.tunnel.SetText(tun)
	t.events = ov.Recent
	t.recent.Refresh()
}

func (t *overviewTab) shopCard(s app.ShopOverview) fyne.CanvasObject {
	next := formatDateTime(s.NextPoll)
	if s.Paused {
		next = lang.L("overview.paused")
	}
	counts := lang.L("overview.counts", map[string]any{
		"Booked": formatNumber(s.BookedToday), "Parked": formatNumber(s.Parked),
		"Queued": formatNumber(s.Queued), "Failed": formatNumber(s.Failed)})
	syncs := lang.L("overview.syncs", map[string]any{"Last": formatDateTime(s.LastPollOK), "Next": next})
	hook := lang.L("overview.webhook.off")
	if s.Webhook.Enabled || s.Webhook.Status != "" {
		st := s.Webhook.Status
		if st == "" {
			st = "-"
		}
		hook = lang.L("overview.webhook.state", map[string]any{"State": tr("webhook.status."+st, st)})
	}
	lines := container.NewVBox(widget.NewLabel(counts), widget.NewLabel(syncs), widget.NewLabel(hook))
	sub := s.URL
	if !s.Webhook.Root && s.Webhook.Header != "" {
		// A till: nothing is polled; it calls Orderbrug.
		lines = container.NewVBox(widget.NewLabel(counts), widget.NewLabel(tillStateText(s.Webhook)))
		sub = s.KindName
	}
	if s.Unbookable > 0 {
		// Told, not a reason for attention: nothing waits on the owner.
		lines.Add(widget.NewLabel(lang.N("overview.unbookable", s.Unbookable, map[string]any{"N": formatNumber(s.Unbookable)})))
	}
	if s.LastError != "" {
		msg := widget.NewLabel(lang.L("overview.shop_error", map[string]any{
			"Error": tr("pollkind."+s.LastErrorCode, s.LastErrorCode)}))
		msg.Importance = widget.DangerImportance
		msg.Wrapping = fyne.TextWrapWord
		lines.Add(msg)
	}
	return widget.NewCard(s.Name, sub, lines)
}

// syncNow polls every shop with a running count of orders.
func (t *overviewTab) syncNow() {
	t.syncBtn.Disable()
	t.progress.Show()
	t.progress.Start()
	t.progText.SetText(lang.L("sync.running"))
	run(t.u, func(ctx context.Context) (app.SyncResult, error) {
		return t.u.svc.Sync(ctx, "", func(done int) {
			t.u.post(func() { t.progText.SetText(lang.L("sync.progress", map[string]any{"N": formatNumber(done)})) })
		})
	}, func(res app.SyncResult, err error) {
		t.progress.Stop()
		t.progress.Hide()
		t.syncBtn.Enable()
		t.progText.SetText(syncSummary(res, err))
		t.load()
	})
}

// attentionLines is one line per group of orders that wait on the owner.
func attentionLines(att []app.Attention) string {
	lines := make([]string, len(att))
	for i, a := range att {
		lines[i] = "• " + attentionText(a)
	}
	return strings.Join(lines, "\n")
}

// syncSummary is one sentence about a sync.
func syncSummary(res app.SyncResult, err error) string {
	var seen, changed int
	for _, p := range res.Polls {
		seen += p.Seen
		changed += p.New + p.Changed
	}
	s := lang.L("sync.done", map[string]any{"Seen": formatNumber(seen), "Changed": formatNumber(changed),
		"Booked": formatNumber(res.Booked.Booked), "Failed": formatNumber(res.Booked.Failed)})
	waiting := 0
	for _, a := range res.Attention {
		waiting += a.Count
	}
	if waiting > 0 {
		s += " " + lang.N("sync.waiting", waiting, map[string]any{"N": formatNumber(waiting)})
	}
	if err != nil {
		s += " " + errorText(err)
	}
	return s
}

func (t *overviewTab) togglePause() {
	paused := t.last.Paused
	run(t.u, func(context.Context) (struct{}, error) {
		if paused {
			t.u.svc.Resume()
		} else {
			t.u.svc.Pause()
		}
		return struct{}{}, nil
	}, func(struct{}, error) { t.load() })
}

// overviewLoaded updates the tray and sends notifications for new failures
// and a tunnel that went down.
func (u *UI) overviewLoaded(ov app.Overview) {
	failed := 0
	for _, s := range ov.Shops {
		failed += s.Failed
	}
	if failed > u.lastFailed {
		u.notify(lang.L("notify.failed.title"), lang.N("notify.failed.body", failed-u.lastFailed,
			map[string]any{"N": failed - u.lastFailed}))
	}
	u.lastFailed = failed
	// Orders that wait on the owner for another reason than a failure
	// (which has its own notification): seller details, a ledger, a rate.
	waiting, first := 0, -1
	for i, a := range ov.Attention {
		if a.State != app.Failed {
			waiting += a.Count
			if first < 0 {
				first = i
			}
		}
	}
	if waiting > u.lastWaiting && first >= 0 {
		u.notify(lang.L("notify.waiting.title"), attentionText(ov.Attention[first]))
	}
	u.lastWaiting = waiting
	if u.lastTunnel == "online" && ov.Tunnel.State != "online" {
		u.notify(lang.L("notify.tunnel.title"), lang.L("notify.tunnel.body", map[string]any{"State": tunnelText(ov.Tunnel)}))
	}
	u.lastTunnel = ov.Tunnel.State
	u.health = ov.Health
	if u.tray != nil {
		u.tray.update(ov)
	}
}

// loadHealth refreshes the tray while the wizard is shown.
func (u *UI) loadHealth() {
	run(u, func(ctx context.Context) (app.Overview, error) { return u.svc.Overview(ctx) },
		func(ov app.Overview, err error) {
			if err == nil {
				u.overviewLoaded(ov)
			}
		})
}
