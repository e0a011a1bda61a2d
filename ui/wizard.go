package ui

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
)

// Wizard steps.
const (
	stepKind = iota
	stepShop
	stepStatuses
	stepSeller
	stepFolder
	stepTunnel
	stepFinish
	wizardSteps
)

// wizard is the first start: which shop system → its address and keys →
// test → statuses to forward → seller details → invoice folder → optional
// ngrok → a first sync, whose result it shows.
type wizard struct {
	u       *UI
	content fyne.CanvasObject
	step    int
	title   *widget.Label
	body    *fyne.Container
	msg     *widget.Label
	back    *widget.Button
	next    *widget.Button

	// kinds are the shop systems to choose from; kind the chosen one,
	// fields its connection settings.
	kinds    []app.KindInfo
	kindPick *widget.RadioGroup
	kind     app.KindInfo
	fields   *kindFields
	// options are the kind's shop-form settings (a till's booking and
	// end of day), asked with the fields.
	options  *kindOptions
	shopPage *fyne.Container
	intro    *widget.Label
	name     *widget.Entry
	// url, key and secret are the chosen kind's fields of those keys, nil
	// when it has none.
	url, key, secret *widget.Entry
	connect          *wcConnect
	// connected is the shop "Koppel met WooCommerce" added: it exists
	// with its keys, so finishing sets its forward set instead of adding it.
	connected string
	statuses  *statusChecks
	tested    bool
	since     *sinceChoice
	seller    *sellerForm
	// sellerWarned: the owner was told which seller details are missing;
	// the next "Toch verder" goes on without them.
	sellerWarned  bool
	dir           *widget.Entry
	token, domain *widget.Entry
	progress      *widget.ProgressBarInfinite
	result        *widget.Label
	finished      bool

	pages [wizardSteps]fyne.CanvasObject
}

func newWizard(u *UI) *wizard {
	w := &wizard{u: u}
	w.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.msg = message()
	w.back = widget.NewButtonWithIcon(lang.L("wizard.back"), theme.NavigateBackIcon(), w.prev)
	w.next = widget.NewButtonWithIcon(lang.L("wizard.next"), theme.NavigateNextIcon(), w.forward)
	w.next.Importance = widget.HighImportance
	w.next.IconPlacement = widget.ButtonIconTrailingText

	w.kinds = u.kinds.Kinds()
	w.kindPick = widget.NewRadioGroup(kindNames(w.kinds), func(s string) {
		if k, ok := kindByName(w.kinds, s); ok {
			w.pickKind(k)
		}
	})
	w.kindPick.Required = true // once chosen, another may be chosen, not none
	w.pages[stepKind] = container.NewVBox(wrapLabel(lang.L("wizard.kind.intro")), w.kindPick)

	w.name = widget.NewEntry()
	w.name.SetPlaceHolder(lang.L("wizard.name.hint"))
	w.intro = wrapLabel("")
	w.connect = newWCConnect(u, w.msg, wcConnectHost{
		input: w.connectInput,
		busy: func(on bool) {
			if on {
				w.next.Disable()
			} else {
				w.next.Enable()
			}
		},
		done:  w.connectDone,
		alive: func() bool { return u.wizard == w },
	})
	w.shopPage = container.NewVBox()
	w.pages[stepShop] = w.shopPage

	w.statuses = newStatusChecks()
	w.since = newSinceChoice()
	w.pages[stepStatuses] = container.NewVBox(wrapLabel(lang.L("shop.forward.hint")), w.statuses.content,
		widget.NewSeparator(), widget.NewLabelWithStyle(lang.L("wizard.since"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		wrapLabel(lang.L("wizard.since.intro")), w.since.content)

	w.seller = newSellerForm()
	w.pages[stepSeller] = container.NewVBox(wrapLabel(lang.L("books.seller.hint")), w.seller.form)

	w.dir = widget.NewEntry()
	w.dir.SetText(defaultInvoiceDir())
	browse := widget.NewButtonWithIcon(lang.L("action.browse"), theme.FolderOpenIcon(), func() { u.pickFolder(w.dir) })
	w.pages[stepFolder] = container.NewVBox(wrapLabel(lang.L("books.ubl.hint")),
		container.NewBorder(nil, nil, nil, browse, w.dir))

	w.token, w.domain = newPassword(), widget.NewEntry()
	w.domain.SetPlaceHolder("voorbeeld.ngrok-free.app")
	w.pages[stepTunnel] = container.NewVBox(wrapLabel(lang.L("wizard.tunnel.intro")), widget.NewForm(
		widget.NewFormItem(lang.L("tunnel.token"), w.token),
		widget.NewFormItem(lang.L("tunnel.domain"), w.domain)))

	w.progress = widget.NewProgressBarInfinite()
	w.progress.Stop()
	w.result = wrapLabel("")
	w.pages[stepFinish] = container.NewVBox(w.progress, w.result)

	w.body = container.NewStack()
	nav := container.NewBorder(nil, nil, w.back, w.next, w.msg)
	header := container.NewVBox(widget.NewLabelWithStyle(lang.L("wizard.welcome"), fyne.TextAlignLeading,
		fyne.TextStyle{Bold: true}), w.title, widget.NewSeparator())
	w.content = container.NewBorder(header, nav, nil, nil, container.NewVScroll(w.body))
	if len(w.kinds) == 1 {
		w.kindPick.SetSelected(w.kinds[0].Name)
	}
	w.show(stepKind)
	return w
}

// pickKind makes k the shop system: the shop step asks for its fields
// only. Choosing the same one again keeps what was typed.
func (w *wizard) pickKind(k app.KindInfo) {
	if w.fields != nil && w.kind.Kind == k.Kind {
		return
	}
	w.connect.stopWaiting()
	w.kind, w.tested = k, false
	w.fields = newKindFields(k, func() { w.tested = false })
	w.options = newKindOptions(k)
	w.url, w.key, w.secret = w.fields.entry("url"), w.fields.entry("key"), w.fields.entry("secret")
	w.intro.SetText(tr("wizard.shop.intro."+string(k.Kind), lang.L("wizard.shop.intro", map[string]any{"Kind": k.Name})))
	w.name.SetPlaceHolder(tr("wizard.name.hint."+string(k.Kind), lang.L("wizard.name.hint")))
	w.statuses.setForward(defaultForward(k))
	// A kind without fields (the till, which calls Orderbrug) asks only
	// the name and its settings.
	items := append(append([]*widget.FormItem{widget.NewFormItem(lang.L("shop.name"), w.name)}, w.fields.items...), w.options.items...)
	objs := []fyne.CanvasObject{w.intro, widget.NewForm(items...)}
	if canConnect(k) {
		objs = append(objs, w.connect.content)
	}
	w.shopPage.Objects = objs
	w.shopPage.Refresh()
}

func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// show moves to a step.
func (w *wizard) show(step int) {
	w.step = step
	title := lang.L([...]string{"wizard.kind", "wizard.shop", "wizard.statuses", "wizard.seller", "wizard.folder", "wizard.tunnel",
		"wizard.finish"}[step])
	if step == stepShop && w.kind.Kind != "" {
		title = tr("wizard.shop."+string(w.kind.Kind), title) // a till is no webwinkel
	}
	w.title.SetText(lang.L("wizard.step", map[string]any{"N": step + 1, "Of": wizardSteps}) + " — " + title)
	w.body.Objects = []fyne.CanvasObject{w.pages[step]}
	w.body.Refresh()
	w.msg.SetText("")
	w.back.Enable()
	if step == stepKind || step == stepFinish || step == stepShop && w.connected != "" {
		w.back.Disable()
	}
	switch step {
	case stepKind:
		w.next.SetText(lang.L("wizard.next"))
	case stepShop:
		w.next.SetText(lang.L("wizard.test_next"))
	case stepTunnel:
		w.next.SetText(lang.L("wizard.start"))
	case stepSeller:
		w.sellerWarned = false
		w.next.SetText(lang.L("wizard.next"))
	case stepFinish:
		w.next.SetText(lang.L("wizard.to_dashboard"))
	default:
		w.next.SetText(lang.L("wizard.next"))
	}
}

func (w *wizard) prev() {
	if w.step > 0 {
		w.show(w.step - 1)
	}
}

func (w *wizard) input() app.ShopInput {
	name := strings.TrimSpace(w.name.Text)
	if name == "" {
		name = lang.L("wizard.default_name")
	}
	since, _ := w.since.value()
	in := app.ShopInput{Name: name, Forward: w.statuses.forward(), Since: since}
	if w.fields != nil {
		w.fields.apply(&in)
	}
	if w.options != nil {
		in.Options, _ = w.options.values()
	}
	return in
}

// forward checks the step and moves on; each check runs off the UI
// goroutine.
func (w *wizard) forward() {
	switch w.step {
	case stepKind:
		if w.fields == nil {
			w.msg.Importance = widget.DangerImportance
			w.msg.SetText(lang.L("wizard.kind.required"))
			return
		}
		w.show(stepShop)
	case stepShop:
		if w.connected != "" {
			w.loadConnected()
			return
		}
		if _, err := w.options.values(); err != nil {
			w.msg.Importance = widget.DangerImportance
			w.msg.SetText(err.Error())
			return
		}
		w.testShop()
	case stepStatuses:
		if _, err := w.since.value(); err != nil {
			w.msg.Importance = widget.DangerImportance
			w.msg.SetText(lang.L("shop.since.bad"))
			return
		}
		w.show(stepSeller)
	case stepTunnel:
		w.finish()
	case stepSeller:
		w.checkSeller()
	case stepFolder:
		if strings.TrimSpace(w.dir.Text) == "" {
			setMessage(w.msg, &app.Error{Code: app.CodeRequired, Field: "dir"}, "")
			return
		}
		w.show(stepTunnel)
	case stepFinish:
		if w.finished {
			w.u.showTabs()
		}
	}
}

// testShop connects to the shop; only a shop that answers lets one on, with
// its statuses as the checkboxes of the next step.
func (w *wizard) testShop() {
	in := w.input()
	w.loadStatuses(func(ctx context.Context) ([]order.StatusInfo, error) { return w.u.svc.TestConnection(ctx, in) }, "")
}

// loadStatuses runs load off the UI goroutine and, when it works, offers
// the statuses as the next step's checkboxes; prefix goes before the
// success sentence.
func (w *wizard) loadStatuses(load func(context.Context) ([]order.StatusInfo, error), prefix string) {
	w.next.Disable()
	w.msg.Importance = widget.MediumImportance
	w.msg.SetText(lang.L("shop.testing"))
	run(w.u, load, func(st []order.StatusInfo, err error) {
		w.next.Enable()
		if err != nil {
			kindMessage(w.msg, err, "", w.kind.Kind)
			return
		}
		w.tested = true
		w.statuses.setOptions(forwardChoices(w.kind, st))
		w.show(stepStatuses)
		if pushOnly(w.kind) {
			// Nothing was connected to: the till sends its checks itself.
			setMessage(w.msg, nil, prefix+lang.L("wizard.push_only"))
			return
		}
		setMessage(w.msg, nil, prefix+lang.N("shop.test_ok", len(st), map[string]any{"N": len(st)}))
	})
}

// checkSeller validates the details locally (KvK, VAT id, IBAN as the
// service does) before moving on; missing ones may be filled in later.
func (w *wizard) checkSeller() {
	s := w.seller.get()
	w.seller.clearErrors()
	bad := false
	for _, c := range []struct {
		field string
		value string
		check func(string) error
	}{{order.SellerKvK, s.KvK, order.ValidKvK}, {order.SellerVATID, s.VATID, order.ValidVATID},
		{order.SellerIBAN, s.IBAN, order.ValidIBAN}} {
		if c.value == "" {
			continue
		}
		if err := c.check(c.value); err != nil {
			w.seller.setError(c.field, identifierText(err))
			bad = true
		}
	}
	if bad {
		w.msg.Importance = widget.DangerImportance
		w.msg.SetText(lang.L("wizard.fix_fields"))
		return
	}
	// Missing details may be filled in later, but the owner is told first
	// which ones, and that every booking waits for them.
	if missing := s.Missing(); len(missing) > 0 && !w.sellerWarned {
		w.sellerWarned = true
		w.msg.Importance = widget.WarningImportance
		w.msg.SetText(lang.L("wizard.seller_missing", map[string]any{"Fields": sellerFieldNames(missing)}))
		w.next.SetText(lang.L("wizard.finish_anyway"))
		return
	}
	w.show(stepFolder)
}

// sellerFieldNames names seller fields in the interface language.
func sellerFieldNames(fields []string) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = tr("sellerfield."+f, f)
	}
	return strings.Join(names, ", ")
}

// finish saves everything, then runs the first sync and shows its result.
func (w *wizard) finish() {
	in, seller, dir := w.input(), w.seller.get(), strings.TrimSpace(w.dir.Text)
	token, domain := strings.TrimSpace(w.token.Text), strings.TrimSpace(w.domain.Text)
	connected := w.connected
	w.show(stepFinish)
	w.next.Disable()
	w.progress.Start()
	w.result.SetText(lang.L("sync.running"))
	type outcome struct {
		step int
		res  app.SyncResult
	}
	run(w.u, func(ctx context.Context) (outcome, error) {
		if err := w.u.svc.SetSeller(ctx, seller); err != nil {
			return outcome{step: stepSeller}, err
		}
		if err := w.u.svc.SetUBLDir(ctx, dir); err != nil {
			return outcome{step: stepFolder}, err
		}
		if token != "" {
			if err := w.u.svc.SetTunnel(ctx, token, domain); err != nil {
				return outcome{step: stepTunnel}, err
			}
		}
		if connected != "" {
			// The shop exists since WooCommerce sent its keys; only the
			// statuses chosen since are left to save.
			in.Name = connected
			if _, err := w.u.svc.SetForward(ctx, connected, in.Forward); err != nil {
				return outcome{step: stepStatuses}, err
			}
			if !in.Since.IsZero() {
				if _, err := w.u.svc.SetSince(ctx, connected, in.Since); err != nil {
					return outcome{step: stepStatuses}, err
				}
			}
		} else if _, err := w.u.svc.AddShop(ctx, in); err != nil {
			return outcome{step: stepShop}, err
		}
		res, err := w.u.svc.Sync(ctx, in.Name, func(done int) {
			w.u.post(func() { w.result.SetText(lang.L("sync.progress", map[string]any{"N": formatNumber(done)})) })
		})
		return outcome{step: stepFinish, res: res}, err
	}, func(o outcome, err error) {
		w.progress.Stop()
		w.progress.Hide()
		if err != nil && o.step != stepFinish {
			// Back to the step whose input was refused, with its sentence.
			w.show(o.step)
			if o.step == stepSeller {
				w.seller.showError(err)
			}
			kindMessage(w.msg, err, "", w.kind.Kind)
			return
		}
		w.finished = true
		w.next.Enable()
		text := lang.L("wizard.done") + "\n\n" + syncSummary(o.res, err)
		if len(o.res.Attention) > 0 {
			// What the first sync could not book, and why: not hidden in
			// the activity list.
			text += "\n\n" + lang.L("wizard.waiting")
			for _, a := range o.res.Attention {
				text += "\n• " + attentionText(a)
			}
			w.result.Importance = widget.WarningImportance
		}
		w.result.SetText(text)
	})
}

// connectInput is the shop "Koppel met WooCommerce" is for. Unlike the
// test with pasted keys, the name is not defaulted: WooCommerce is asked
// for keys of exactly this shop, so the person names it first.
func (w *wizard) connectInput() (app.ShopInput, error) {
	in := w.input()
	in.Key, in.Secret = "", ""
	if strings.TrimSpace(w.name.Text) == "" {
		return in, &app.Error{Code: app.CodeRequired, Field: "name"}
	}
	if strings.TrimSpace(in.URL) == "" {
		return in, &app.Error{Code: app.CodeRequired, Field: "url"}
	}
	return in, nil
}

// connectDone: WooCommerce sent the keys and the shop was added. The shop
// step's fields no longer apply (the keys are stored, not typed), so they
// are locked and the wizard goes on as after a good test.
func (w *wizard) connectDone(name string) {
	w.connected = name
	w.name.Disable()
	w.fields.disable()
	w.connect.lock()
	w.loadConnected()
}

// loadConnected loads the connected shop's statuses for the next step.
func (w *wizard) loadConnected() {
	name := w.connected
	w.loadStatuses(func(ctx context.Context) ([]order.StatusInfo, error) { return w.u.svc.Statuses(ctx, name) },
		lang.L("connect.done")+" ")
}

// connectTimeout bounds the wait for the owner's approval in the shop:
// long enough to log in to WordPress first. A variable for tests.
var connectTimeout = 10 * time.Minute

// wcConnectHost is what a shop form gives "Koppel met WooCommerce".
type wcConnectHost struct {
	// input reads the form: the shop to connect, or a field error.
	input func() (app.ShopInput, error)
	// busy is told when the wait starts and ends, so the form can keep
	// its own buttons from adding the same shop meanwhile.
	busy func(bool)
	// done is told the name of the shop added with the keys.
	done func(name string)
	// alive tells whether the form is still shown; when not, the button
	// stops following the tunnel.
	alive func() bool
}

// wcConnect is "Koppel met WooCommerce" beside a shop form's key fields:
// the owner approves in the shop and WooCommerce posts the keys to the
// tunnel, so nothing is copied. WooCommerce accepts only a callback it can
// reach, so the button works only while the tunnel is online; otherwise a
// sentence says the keys can be pasted by hand. The wizard and
// Winkelsysteem's new-shop form share it.
type wcConnect struct {
	u       *UI
	host    wcConnectHost
	msg     *widget.Label // the form's message line, for errors
	content *fyne.Container
	button  *widget.Button
	note    *widget.Label
	waiting *fyne.Container
	wait    *widget.ProgressBarInfinite
	stop    *widget.Button

	online  bool
	active  bool
	locked  bool
	attempt int // a result of an earlier attempt (cancelled) is dropped
	cancel  context.CancelFunc
	// id is the service's connect in progress, withdrawn on cancel so keys
	// approved later are refused.
	id string

	state       atomic.Value // last tunnel state seen by the subscription
	unsubscribe func()
}

func newWCConnect(u *UI, msg *widget.Label, host wcConnectHost) *wcConnect {
	c := &wcConnect{u: u, host: host, msg: msg}
	c.button = widget.NewButtonWithIcon(lang.L("connect.button"), theme.LoginIcon(), c.start)
	c.button.Disable()
	c.note = wrapLabel(lang.L("connect.needs_tunnel"))
	c.wait = widget.NewProgressBarInfinite()
	c.wait.Stop()
	c.stop = widget.NewButtonWithIcon(lang.L("action.cancel"), theme.CancelIcon(), c.abort)
	c.waiting = container.NewVBox(wrapLabel(lang.L("connect.waiting")),
		container.NewBorder(nil, nil, nil, c.stop, c.wait))
	c.waiting.Hide()
	c.content = container.NewVBox(container.NewBorder(nil, nil, c.button, nil, c.note), c.waiting)
	c.state.Store("")
	// The tunnel comes and goes on its own; the service tells of every
	// change, but only a change of the tunnel's state concerns the button.
	c.unsubscribe = u.svc.Subscribe(func() {
		if st := u.svc.TunnelStatus().State; c.state.Swap(st) != st {
			u.post(c.refresh)
		}
	})
	c.load()
	return c
}

// refresh follows a change of the tunnel while the form is shown; on the
// UI goroutine.
func (c *wcConnect) refresh() {
	if c.u.ctx.Err() != nil || !c.host.alive() {
		c.unsubscribe()
		return
	}
	c.load()
}

// load reads the tunnel's state.
func (c *wcConnect) load() {
	run(c.u, func(context.Context) (app.TunnelStatus, error) { return c.u.svc.TunnelStatus(), nil },
		func(st app.TunnelStatus, _ error) {
			c.online = st.State == "online"
			c.update()
		})
}

// update shows the button's state: usable only with the tunnel online and
// no connect running.
func (c *wcConnect) update() {
	if c.online && !c.active && !c.locked {
		c.button.Enable()
	} else {
		c.button.Disable()
	}
	if c.online {
		c.note.SetText(lang.L("connect.hint"))
	} else {
		c.note.SetText(lang.L("connect.needs_tunnel"))
	}
	if c.active {
		c.waiting.Show()
		c.wait.Start()
	} else {
		c.wait.Stop()
		c.waiting.Hide()
	}
}

// lock keeps the button off once a shop is connected through it.
func (c *wcConnect) lock() {
	c.locked = true
	c.update()
}

// connectStart is ConnectURL's answer.
type connectStart struct{ page, id string }

// start asks the service for the shop's authorize page, opens it in the
// browser and waits in the background for WooCommerce to send the keys.
func (c *wcConnect) start() {
	in, err := c.host.input()
	if err != nil {
		setMessage(c.msg, err, "")
		return
	}
	c.attempt++
	n := c.attempt
	ctx, cancel := context.WithTimeout(c.u.ctx, connectTimeout)
	c.cancel = cancel
	c.setActive(true)
	c.msg.SetText("")
	run(c.u, func(context.Context) (connectStart, error) {
		page, id, err := c.u.svc.ConnectURL(ctx, in)
		return connectStart{page, id}, err
	}, func(s connectStart, err error) {
		if n != c.attempt {
			return
		}
		if err != nil {
			c.finish(in.Name, err)
			return
		}
		c.id = s.id
		if err := c.open(s.page); err != nil {
			c.finish(in.Name, err)
			return
		}
		run(c.u, func(context.Context) (struct{}, error) { return struct{}{}, c.u.svc.WaitConnect(ctx, s.id) },
			func(_ struct{}, err error) {
				if n == c.attempt {
					c.finish(in.Name, err)
				}
			})
	})
}

// errOpenBrowser is a browser that did not open the authorize page.
var errOpenBrowser = errors.New("open the authorize page")

func (c *wcConnect) open(page string) error {
	u, err := url.Parse(page)
	if err == nil {
		err = c.u.openURL(u)
	}
	if err != nil {
		return errors.Join(errOpenBrowser, err)
	}
	return nil
}

// abort stops waiting; the form's own fields were usable all along.
func (c *wcConnect) abort() {
	if !c.active {
		return
	}
	c.attempt++
	c.cancel()
	c.withdraw()
	c.setActive(false)
	c.msg.Importance = widget.MediumImportance
	c.msg.SetText(lang.L("connect.cancelled"))
}

// stopWaiting ends a running connect without a message (the form moved on).
func (c *wcConnect) stopWaiting() {
	if c.active {
		c.attempt++
		c.cancel()
		c.withdraw()
		c.setActive(false)
	}
}

// withdraw tells the service to refuse the keys of the abandoned connect.
func (c *wcConnect) withdraw() {
	if c.id != "" {
		c.u.svc.CancelConnect(c.id) // only takes a lock: fine on the UI goroutine
		c.id = ""
	}
}

func (c *wcConnect) setActive(on bool) {
	c.active = on
	c.update()
	if c.host.busy != nil {
		c.host.busy(on)
	}
}

// finish shows how the connect ended.
func (c *wcConnect) finish(name string, err error) {
	c.cancel()
	if err != nil {
		c.withdraw()
	}
	c.id = ""
	c.setActive(false)
	switch {
	case err == nil:
		c.host.done(name)
	case errors.Is(err, context.DeadlineExceeded):
		c.msg.Importance = widget.DangerImportance
		c.msg.SetText(lang.L("connect.timeout", map[string]any{"Minutes": int(connectTimeout / time.Minute)}))
	case errors.Is(err, errOpenBrowser):
		c.msg.Importance = widget.DangerImportance
		c.msg.SetText(lang.L("connect.open_failed"))
	default:
		setMessage(c.msg, err, "")
	}
}
