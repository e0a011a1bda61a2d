// Package ui is Orderbrug's desktop interface in Fyne: the window with its
// tabs (Overzicht, Open, Verwerkt, Configuratie, Logboek), the first-start
// wizard and the tray. It only calls the service API of package app, never
// the database; every call runs off the UI goroutine and its result comes
// back through fyne.Do.
//
// Entry point, called by main after the service has started:
//
//	a := fyneapp.NewWithID("nl.orderbrug.app")
//	err := ui.Run(a, svc, ui.Options{DataDir: dir, StartHidden: hidden})
//
// Run returns when the person quits (tray menu Afsluiten, or closing the
// window when there is no tray).
package ui

import (
	"context"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/assets"
)

// Options configure Run.
type Options struct {
	// DataDir is the service's data directory (shown, and the default for
	// the invoice folder).
	DataDir string
	// StartHidden starts in the tray without showing the window (used by
	// autostart). Without a tray the window is shown anyway.
	StartHidden bool
	// Language is "nl", "en" or "" for the choice saved in the preferences,
	// else the system's language.
	Language string
	// Instance, if set, is the single-instance guard: a second start asks
	// this one to show its window.
	Instance *app.Instance
	// AutostartArgs are the arguments the login start passes; nil means
	// "--hidden" (plus "--data-dir DataDir" when that is not the default).
	// The "Start bij inloggen" option writes them.
	AutostartArgs []string
	// queued makes callbacks of background work wait in a queue that
	// tests run on their own goroutine (see pending.wait), as the real
	// driver runs them on the main goroutine.
	queued bool
	// kinds replaces the service's kinds (tests: two kinds).
	kinds kindAPI
	// Tab selects the tab shown first by its name ("overzicht", "open",
	// "verwerkt", "configuratie", "logboek"; a part of Configuratie as
	// "configuratie/algemeen"); Run takes
	// $ORDERBRUG_SCREENSHOT_TAB when empty, for .ci/gui-smoke.sh.
	Tab string
}

// UI is the running interface of one service.
type UI struct {
	app fyne.App
	svc *app.Service
	// kinds is the service's knowledge of kinds of shop (see kindAPI).
	kinds kindAPI
	opt   Options
	win   fyne.Window

	ctx    context.Context
	cancel context.CancelFunc
	bg     pending

	// post runs a function on the UI goroutine: fyne.Do, or the test queue.
	post func(func())
	// openURL opens a web address or a file; tests replace it.
	openURL func(*url.URL) error
	// now is the clock of ages shown; tests replace it.
	now func() time.Time
	// debounce is how long refreshes wait for more changes.
	debounce time.Duration

	unsubscribe func()
	refreshMu   sync.Mutex
	refreshing  bool

	tabs       *container.AppTabs
	overview   *overviewTab
	open       *openTab
	done       *doneTab
	config     *configTab
	logbook    *logTab
	wizard     *wizard
	tray       *tray
	health     string
	lastFailed int
	// lastWaiting is how many orders waited on the owner at the last overview.
	lastWaiting int
	lastTunnel  string
}

// Run builds the interface, shows it (unless StartHidden with a tray) and
// runs the Fyne event loop until the person quits.
func Run(a fyne.App, svc *app.Service, opt Options) error {
	if opt.Tab == "" {
		opt.Tab = os.Getenv("ORDERBRUG_SCREENSHOT_TAB")
	}
	u := New(a, svc, opt)
	refreshAutostart(opt)
	u.setupTray()
	if !opt.StartHidden || u.tray == nil {
		u.win.Show()
	}
	a.Run()
	u.Close()
	return nil
}

// refreshAutostart brings an enabled "Start bij inloggen" up to date when
// it starts another command than this run's (the program was moved, or
// unzipped elsewhere); one that is off, or turned off in the Task Manager,
// stays off. Run only: tests call New and never touch the real Run key or
// autostart folder.
//
// Only a run on the default data folder does it: a window opened once on
// another folder (--data-dir, a trial) must not repoint the login start.
func refreshAutostart(opt Options) {
	args := autostartArgs(opt)
	if slices.Contains(args, "--data-dir") {
		return
	}
	as, err := app.NewAutostart(args...)
	if err != nil {
		return // not supported here
	}
	if changed, err := as.Refresh(); err != nil {
		slog.Warn("start at login: not brought up to date", "err", err)
	} else if changed {
		slog.Info("start at login: now starts this program", "exec", as.Exec)
	}
}

// New builds the window and its tabs (or the wizard when no shop is set up)
// without showing it.
func New(a fyne.App, svc *app.Service, opt Options) *UI {
	code := opt.Language
	if code == "" {
		code = a.Preferences().String(prefLanguage)
	}
	applyLanguage(code)
	a.SetIcon(assets.Icon)
	u := &UI{app: a, svc: svc, opt: opt, openURL: a.OpenURL, now: time.Now, debounce: 300 * time.Millisecond}
	textClock = func() time.Time { return u.now() }
	textAccountName = svc.LedgerAccountName
	u.kinds = opt.kinds
	if u.kinds == nil {
		u.kinds = svc
	}
	u.post = fyne.Do
	if opt.queued {
		u.post = u.bg.push
	}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.win = a.NewWindow(lang.L("app.title"))
	u.win.SetIcon(assets.Icon)
	u.win.Resize(fyne.NewSize(1100, 700))
	u.win.SetMaster()
	u.win.SetCloseIntercept(u.closeWindow)
	u.build()
	u.unsubscribe = svc.Subscribe(u.changed)
	if opt.Instance != nil {
		opt.Instance.OnShow(func() { u.post(u.showWindow) })
	}
	return u
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

// Close stops background work and the subscription.
func (u *UI) Close() {
	if u.unsubscribe != nil {
		u.unsubscribe()
	}
	u.cancel()
}

// build (re)creates the window's content: the wizard when there is no shop
// yet, else the tabs. It runs again when the language changes.
func (u *UI) build() {
	u.win.SetTitle(lang.L("app.title"))
	u.overview, u.open, u.done, u.config, u.logbook, u.wizard = nil, nil, nil, nil, nil, nil
	run(u, func(ctx context.Context) ([]app.ShopInfo, error) { return u.svc.Shops(ctx) },
		func(shops []app.ShopInfo, err error) {
			if err == nil && len(shops) == 0 {
				u.wizard = newWizard(u)
				u.win.SetContent(u.wizard.content)
				return
			}
			u.showTabs()
		})
}

// showTabs builds the tabs and loads them.
func (u *UI) showTabs() {
	u.wizard = nil
	u.overview = newOverviewTab(u)
	u.open = newOpenTab(u)
	u.done = newDoneTab(u)
	u.config = newConfigTab(u)
	u.logbook = newLogTab(u)
	u.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("tab.overview"), u.overview.content),
		container.NewTabItem(lang.L("tab.open"), u.open.content),
		container.NewTabItem(lang.L("tab.done"), u.done.content),
		container.NewTabItem(lang.L("tab.config"), u.config.content),
		container.NewTabItem(lang.L("tab.log"), u.logbook.content),
	)
	u.tabs.SetTabLocation(container.TabLocationTop)
	tab, sub, _ := strings.Cut(u.opt.Tab, "/")
	for i, name := range []string{"overzicht", "open", "verwerkt", "configuratie", "logboek"} {
		if name == tab {
			u.tabs.SelectIndex(i)
		}
	}
	for i, name := range []string{"winkelsysteem", "boekhouding", "webhooks", "tunnel", "algemeen"} {
		if tab == "configuratie" && name == sub {
			u.config.tabs.SelectIndex(i)
		}
	}
	u.addShortcuts()
	u.win.SetContent(u.tabs)
	u.refreshAll()
}

// addShortcuts: Alt+1…5 choose a tab, as in most tabbed programs.
func (u *UI) addShortcuts() {
	keys := []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5}
	for i, k := range keys {
		i := i
		u.win.Canvas().AddShortcut(&desktopShortcut{key: k}, func(fyne.Shortcut) {
			if u.tabs != nil {
				u.tabs.SelectIndex(i)
			}
		})
	}
}

// setLanguage switches the language, saves the choice and rebuilds.
func (u *UI) setLanguage(code string) {
	u.app.Preferences().SetString(prefLanguage, code)
	applyLanguage(code)
	sel := 0
	if u.tabs != nil {
		sel = u.tabs.SelectedIndex()
	}
	u.build()
	if u.tabs != nil {
		u.tabs.SelectIndex(sel)
	}
	if u.tray != nil {
		u.tray.menu()
	}
}

// changed is the service's notice that something changed; it comes from any
// goroutine and is debounced, since a sync sends many.
func (u *UI) changed() {
	u.refreshMu.Lock()
	defer u.refreshMu.Unlock()
	if u.refreshing {
		return
	}
	u.refreshing = true
	u.bg.add()
	time.AfterFunc(u.debounce, func() {
		defer u.bg.done()
		u.refreshMu.Lock()
		u.refreshing = false
		u.refreshMu.Unlock()
		u.post(u.refreshAll)
	})
}

// refreshAll reloads every view; runs on the UI goroutine.
func (u *UI) refreshAll() {
	if u.overview != nil {
		u.overview.load()
	}
	if u.open != nil {
		u.open.load()
	}
	if u.done != nil {
		u.done.load()
	}
	if u.logbook != nil {
		u.logbook.load()
	}
	if u.config != nil {
		u.config.refreshStatus()
	}
	if u.overview == nil && u.tray != nil {
		u.loadHealth()
	}
}

// showWindow brings the window back from the tray.
func (u *UI) showWindow() {
	u.win.Show()
	u.win.RequestFocus()
}

// closeWindow hides to the tray when there is one; without a tray closing
// quits, after asking, since the engine stops with it.
func (u *UI) closeWindow() {
	if u.tray != nil {
		u.win.Hide()
		return
	}
	dialog.ShowConfirm(lang.L("quit.title"), lang.L("quit.confirm"), func(ok bool) {
		if ok {
			u.app.Quit()
		}
	}, u.win)
}

// showError shows a service error as its sentence.
func (u *UI) showError(err error) {
	dialog.ShowError(&sentenceError{err}, u.win)
}

// sentenceError carries the user's sentence for an error into Fyne's
// error dialog, which shows Error().
type sentenceError struct{ err error }

func (e *sentenceError) Error() string { return errorText(e.err) }
func (e *sentenceError) Unwrap() error { return e.err }

// notify sends a desktop notification.
func (u *UI) notify(title, body string) {
	u.app.SendNotification(fyne.NewNotification(title, body))
}

// run calls work off the UI goroutine and done with its result on it.
func run[T any](u *UI, work func(context.Context) (T, error), done func(T, error)) {
	u.bg.add()
	go func() {
		defer u.bg.done()
		v, err := work(u.ctx)
		u.post(func() { done(v, err) })
	}()
}

// pending counts background work, so tests can wait until the UI is idle;
// in tests it also holds the callbacks that work posts, and wait runs them
// on the test's goroutine, one at a time, as the real driver does on its
// main goroutine.
type pending struct {
	mu    sync.Mutex
	cond  *sync.Cond
	n     int
	queue []func()
}

func (p *pending) init() {
	if p.cond == nil {
		p.cond = sync.NewCond(&p.mu)
	}
}

func (p *pending) add() {
	p.mu.Lock()
	p.init()
	p.n++
	p.mu.Unlock()
}

func (p *pending) done() {
	p.mu.Lock()
	p.init()
	p.n--
	p.cond.Broadcast()
	p.mu.Unlock()
}

// push queues a UI callback for wait to run.
func (p *pending) push(fn func()) {
	p.mu.Lock()
	p.init()
	p.queue = append(p.queue, fn)
	p.cond.Broadcast()
	p.mu.Unlock()
}

// wait runs queued callbacks until no background work is left.
func (p *pending) wait() {
	p.mu.Lock()
	p.init()
	for p.n > 0 || len(p.queue) > 0 {
		if len(p.queue) > 0 {
			fn := p.queue[0]
			p.queue = p.queue[1:]
			p.mu.Unlock()
			fn()
			p.mu.Lock()
			continue
		}
		p.cond.Wait()
	}
	p.mu.Unlock()
}

// desktopShortcut is Alt+key.
type desktopShortcut struct{ key fyne.KeyName }

func (s *desktopShortcut) Key() fyne.KeyName { return s.key }
func (s *desktopShortcut) Mod() fyne.KeyModifier {
	return fyne.KeyModifierAlt
}
func (s *desktopShortcut) ShortcutName() string { return "Alt+" + string(s.key) }

// showInfo shows content in a dialog with a close button.
func showInfo(u *UI, title string, content fyne.CanvasObject) {
	d := dialog.NewCustom(title, lang.L("action.close"), content, u.win)
	d.Resize(fyne.NewSize(600, 300))
	d.Show()
}
