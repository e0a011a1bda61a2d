package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/assets"
)

// tray is the system tray icon (its colour is Overview.Health) and menu.
type tray struct {
	u      *UI
	desk   desktop.App
	health string
	paused bool
	pause  *fyne.MenuItem
	// waiting is the first reason orders wait on the owner, shown at the
	// top of the menu ("" when nothing waits).
	waiting string
}

// setupTray adds the tray when the desktop has one. On Linux that needs a
// DBus session bus and a StatusNotifier host: without a bus Fyne's tray
// panics on quit, and without a host the icon never shows, so the window
// must then quit when closed.
func (u *UI) setupTray() {
	desk, ok := u.app.(desktop.App)
	if !ok || !trayAvailable() {
		return
	}
	u.tray = newTray(u, desk)
}

func newTray(u *UI, desk desktop.App) *tray {
	t := &tray{u: u, desk: desk, health: "ok"}
	desk.SetSystemTrayIcon(assets.TrayIcon(t.health))
	t.menu()
	if u.health != "" {
		t.setHealth(u.health)
	}
	u.loadHealth()
	return t
}

// menu (re)builds the menu, in the current language.
func (t *tray) menu() {
	t.pause = fyne.NewMenuItem(lang.L("action.pause"), t.togglePause)
	if t.paused {
		t.pause.Label = lang.L("action.resume")
	}
	quit := fyne.NewMenuItem(lang.L("tray.quit"), func() { t.u.app.Quit() })
	quit.IsQuit = true
	var items []*fyne.MenuItem
	if t.waiting != "" {
		// Opens the window, where Overzicht says the rest.
		items = append(items, fyne.NewMenuItem(lang.L("tray.attention", map[string]any{"Text": t.waiting}), t.u.showWindow),
			fyne.NewMenuItemSeparator())
	}
	t.desk.SetSystemTrayMenu(fyne.NewMenu(lang.L("app.title"), append(items,
		fyne.NewMenuItem(lang.L("tray.open"), t.u.showWindow),
		fyne.NewMenuItem(lang.L("action.sync_now"), t.syncNow),
		t.pause,
		fyne.NewMenuItemSeparator(),
		quit,
	)...))
}

// update follows the overview: icon colour, what waits on the owner and
// the pause item's label.
func (t *tray) update(ov app.Overview) {
	t.setHealth(ov.Health)
	waiting := ""
	if len(ov.Attention) > 0 {
		waiting = attentionText(ov.Attention[0])
		if n := len(ov.Attention) - 1; n > 0 {
			waiting += " " + lang.N("tray.attention.more", n, map[string]any{"N": n})
		}
	}
	if ov.Paused != t.paused || waiting != t.waiting {
		t.paused, t.waiting = ov.Paused, waiting
		t.menu()
	}
}

func (t *tray) setHealth(h string) {
	if h == t.health {
		return
	}
	t.health = h
	t.desk.SetSystemTrayIcon(assets.TrayIcon(h))
}

func (t *tray) syncNow() {
	if t.u.overview != nil {
		t.u.overview.syncNow()
		return
	}
	run(t.u, func(ctx context.Context) (app.SyncResult, error) { return t.u.svc.Sync(ctx, "", nil) },
		func(res app.SyncResult, err error) { t.u.notify(lang.L("app.title"), syncSummary(res, err)) })
}

func (t *tray) togglePause() {
	paused := t.paused
	run(t.u, func(context.Context) (bool, error) {
		if paused {
			t.u.svc.Resume()
		} else {
			t.u.svc.Pause()
		}
		return t.u.svc.Paused(), nil
	}, func(p bool, _ error) {
		t.paused = p
		t.menu()
		t.u.refreshAll()
	})
}
