package ui

import (
	"context"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
)

// configTab is Configuratie with its sub-tabs Winkelsysteem, Boekhouding,
// Webhooks, Tunnel and Algemeen.
type configTab struct {
	u       *UI
	content fyne.CanvasObject
	tabs    *container.AppTabs
	shops   *shopPanel
	books   *booksPanel
	hooks   *webhookPanel
	tunnel  *tunnelPanel
	general *generalPanel
}

func newConfigTab(u *UI) *configTab {
	t := &configTab{u: u}
	t.shops = newShopPanel(u)
	t.books = newBooksPanel(u)
	t.hooks = newWebhookPanel(u)
	t.tunnel = newTunnelPanel(u)
	t.general = newGeneralPanel(u)
	t.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("config.shop"), t.shops.content),
		container.NewTabItem(lang.L("config.books"), t.books.content),
		container.NewTabItem(lang.L("config.webhooks"), t.hooks.content),
		container.NewTabItem(lang.L("config.tunnel"), t.tunnel.content),
		container.NewTabItem(lang.L("config.general"), t.general.content),
	)
	t.tabs.SetTabLocation(container.TabLocationLeading)
	t.content = t.tabs
	t.shops.load("")
	t.books.load()
	t.hooks.load()
	t.tunnel.load()
	return t
}

// refreshStatus reloads what changes on its own: shops' webhook state and
// the tunnel's status.
func (t *configTab) refreshStatus() {
	t.hooks.load()
	t.books.loadStatus()
	t.tunnel.loadStatus()
}

// message is a label for the result of an action: red for an error.
func message() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	return l
}

func setMessage(l *widget.Label, err error, ok string) { kindMessage(l, err, ok, "") }

// kindMessage is setMessage in a form of one kind of shop.
func kindMessage(l *widget.Label, err error, ok string, kind order.Source) {
	if err != nil {
		l.Importance = widget.DangerImportance
		l.SetText(kindErrorText(err, kind))
		return
	}
	l.Importance = widget.SuccessImportance
	l.SetText(ok)
}

// --- Winkelsysteem ---------------------------------------------------------

// shopPanel connects and edits shops of every kind: the kind's own
// connection fields, test connection, the forward set from the shop's real
// statuses, poll interval and lookback.
type shopPanel struct {
	u       *UI
	content fyne.CanvasObject
	pick    *widget.Select
	editing string // name of the shop being edited, "" for a new one
	name    *widget.Entry
	// kind is the shop system: chosen for a new shop, fixed afterwards;
	// fields its connection settings; formBox holds the one form of
	// head, the kind's fields and tail, made again for another kind.
	kinds      []app.KindInfo
	kindSel    *widget.Select
	kind       app.KindInfo
	fields     *kindFields
	options    *kindOptions // its shop-form settings (a till's booking)
	formBox    *fyne.Container
	head, tail []*widget.FormItem
	// url, key and secret are the kind's fields of those keys, nil when it
	// has none.
	url, key, secret *widget.Entry
	interval         *widget.Entry
	lookback         *widget.Entry
	// sells: goods or services (intra-community supply or reverse charge).
	sells *widget.Select
	// since is "Boeken vanaf"; sinceShown what it showed for the shop, so
	// only a changed date is a new start (a backfill when earlier).
	since      *widget.Entry
	sinceShown string
	slug       *widget.Label
	statuses   *statusChecks
	msg        *widget.Label
	testBtn    *widget.Button
	saveBtn    *widget.Button
	delBtn     *widget.Button
	connect    *wcConnect
	// notice is shown once the next edit has cleared the message line.
	notice string
	shops  []app.ShopInfo
}

func newShopPanel(u *UI) *shopPanel {
	p := &shopPanel{u: u}
	p.pick = widget.NewSelect(nil, func(s string) {
		if s == lang.L("shop.new") {
			p.edit(app.ShopInfo{})
			return
		}
		for _, sh := range p.shops {
			if sh.Name == s {
				p.edit(sh)
			}
		}
	})
	p.name = widget.NewEntry()
	p.kinds = u.kinds.Kinds()
	p.kindSel = widget.NewSelect(kindNames(p.kinds), func(s string) {
		if k, ok := kindByName(p.kinds, s); ok {
			p.setKind(k)
		}
	})
	p.formBox = container.NewStack()
	p.interval, p.lookback = widget.NewEntry(), widget.NewEntry()
	p.sells = widget.NewSelect([]string{lang.L("shop.sells.goods"), lang.L("shop.sells.services")}, nil)
	p.since = widget.NewEntry()
	p.since.SetPlaceHolder(lang.L("date.placeholder"))
	p.slug = widget.NewLabel("")
	p.slug.Wrapping = fyne.TextWrapWord
	p.slug.Importance = widget.LowImportance
	sinceHint := widget.NewLabel(lang.L("shop.since.hint"))
	sinceHint.Wrapping = fyne.TextWrapWord
	sinceHint.Importance = widget.LowImportance
	p.statuses = newStatusChecks()
	p.msg = message()
	p.testBtn = widget.NewButtonWithIcon(lang.L("action.test"), theme.SearchIcon(), p.test)
	p.saveBtn = widget.NewButtonWithIcon(lang.L("action.save"), theme.DocumentSaveIcon(), p.save)
	p.saveBtn.Importance = widget.HighImportance
	p.delBtn = widget.NewButtonWithIcon(lang.L("action.remove_shop"), theme.DeleteIcon(), p.remove)
	p.head = []*widget.FormItem{
		widget.NewFormItem(lang.L("shop.name"), p.name),
		widget.NewFormItem(lang.L("shop.kind"), p.kindSel)}
	p.tail = []*widget.FormItem{
		widget.NewFormItem(lang.L("shop.interval"), p.interval),
		widget.NewFormItem(lang.L("shop.lookback"), p.lookback),
		widget.NewFormItem(lang.L("shop.sells"), p.sells),
		widget.NewFormItem(lang.L("shop.since"), container.NewVBox(p.since, sinceHint)),
	}
	p.connect = newWCConnect(u, p.msg, wcConnectHost{
		input: p.connectInput,
		busy: func(on bool) {
			for _, b := range []*widget.Button{p.testBtn, p.saveBtn} {
				if on {
					b.Disable()
				} else {
					b.Enable()
				}
			}
		},
		done: func(name string) {
			p.notice = lang.L("connect.done")
			p.load(name)
			u.config.hooks.load()
		},
		alive: func() bool { return u.config != nil && u.config.shops == p },
	})
	p.connect.content.Hide() // only for a new shop
	fwd := widget.NewCard(lang.L("shop.forward"), lang.L("shop.forward.hint"), p.statuses.content)
	if len(p.kinds) > 0 {
		p.setKind(p.kinds[0])
	}
	p.content = container.NewVScroll(container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("shop.pick")), nil, p.pick),
		p.formBox, p.slug, p.connect.content, container.NewHBox(p.testBtn, p.saveBtn, p.delBtn), p.msg, fwd))
	return p
}

// setKind shows the fields of kind k (a new shop's choice, or the edited
// shop's kind); the same kind again keeps what was typed.
func (p *shopPanel) setKind(k app.KindInfo) {
	if p.fields != nil && p.kind.Kind == k.Kind {
		return
	}
	p.kind = k
	p.fields = newKindFields(k, nil)
	p.options = newKindOptions(k)
	p.url, p.key, p.secret = p.fields.entry("url"), p.fields.entry("key"), p.fields.entry("secret")
	var tail []*widget.FormItem
	for _, it := range p.tail {
		if len(k.Fields) == 0 && (it.Widget == p.interval || it.Widget == p.lookback) {
			// Nothing to fetch from (a till calls Orderbrug): no poll
			// interval, no recheck window.
			continue
		}
		tail = append(tail, it)
	}
	items := append(append(append(append([]*widget.FormItem{}, p.head...), p.fields.items...), p.options.items...), tail...)
	p.formBox.Objects = []fyne.CanvasObject{widget.NewForm(items...)}
	if pushOnly(k) {
		// Nothing to connect to: no test.
		p.testBtn.Hide()
	} else {
		p.testBtn.Show()
	}
	p.formBox.Refresh()
	if p.kindSel.Selected != k.Name {
		p.kindSel.SetSelected(k.Name)
	}
	if p.editing == "" && p.connect != nil {
		if canConnect(k) {
			p.connect.content.Show()
		} else {
			p.connect.stopWaiting()
			p.connect.content.Hide()
		}
		p.statuses.setForward(defaultForward(k))
	}
}

// connectInput is the new shop "Koppel met WooCommerce" is for: name and
// address first, and the form's numbers checked now, since the shop is
// added only when WooCommerce sends the keys, after the owner approved.
func (p *shopPanel) connectInput() (app.ShopInput, error) {
	in := p.input()
	in.Key, in.Secret = "", ""
	switch {
	case in.Name == "":
		return in, &app.Error{Code: app.CodeRequired, Field: "name"}
	case strings.TrimSpace(in.URL) == "":
		return in, &app.Error{Code: app.CodeRequired, Field: "url"}
	case in.Interval < 0:
		return in, &app.Error{Code: app.CodeInvalid, Field: "interval"}
	case *in.LookbackDays < 0:
		return in, &app.Error{Code: app.CodeInvalid, Field: "lookback"}
	}
	return in, nil
}

// load lists the shops and edits the one named (or the first).
func (p *shopPanel) load(name string) {
	run(p.u, func(ctx context.Context) ([]app.ShopInfo, error) { return p.u.svc.Shops(ctx) },
		func(shops []app.ShopInfo, err error) {
			if err != nil {
				setMessage(p.msg, err, "")
				return
			}
			p.shops = shops
			opts := []string{}
			for _, s := range shops {
				opts = append(opts, s.Name)
			}
			p.pick.Options = append(opts, lang.L("shop.new"))
			if name == "" && len(shops) > 0 {
				name = shops[0].Name
			}
			if name == "" {
				name = lang.L("shop.new")
			}
			p.pick.SetSelected(name)
		})
}

// edit fills the form with a shop (empty for a new one) and loads its
// statuses from the shop.
func (p *shopPanel) edit(sh app.ShopInfo) {
	p.editing = sh.Name
	p.name.SetText(sh.Name)
	if sh.Name == "" {
		p.kindSel.Enable()
		k := p.kind
		p.fields = nil // a new shop starts with empty fields
		p.setKind(k)
	} else {
		p.kindSel.Disable()
		p.setKind(kindOf(p.kinds, sh.Source))
		p.fields.show(sh)
		p.options.show(sh.Options)
	}
	iv, lb := app.DefaultPollInterval, app.DefaultLookbackDays
	if sh.Name != "" {
		iv, lb = sh.Interval, sh.LookbackDays
	}
	p.interval.SetText(strconv.Itoa(int(iv / time.Minute)))
	p.lookback.SetText(strconv.Itoa(lb))
	fwd := sh.Forward
	if sh.Name == "" {
		fwd = defaultForward(p.kind)
	}
	p.statuses.setForward(fwd)
	p.sells.SetSelected(lang.L("shop.sells.goods"))
	if sh.Sells == order.SellsServices {
		p.sells.SetSelected(lang.L("shop.sells.services"))
	}
	p.sinceShown = ""
	p.slug.SetText("")
	p.slug.Hide()
	if sh.Name != "" {
		p.sinceShown = sh.Since.Local().Format("02-01-2006")
		p.slug.SetText(lang.L("shop.slug", map[string]any{"Slug": sh.Slug}))
		p.slug.Show()
	}
	p.since.SetText(p.sinceShown)
	p.msg.SetText("")
	if p.notice != "" {
		setMessage(p.msg, nil, p.notice)
		p.notice = ""
	}
	if sh.Name == "" {
		p.delBtn.Disable()
		if canConnect(p.kind) {
			p.connect.content.Show()
		}
		return
	}
	p.connect.stopWaiting()
	p.connect.content.Hide()
	p.delBtn.Enable()
	name := sh.Name
	run(p.u, func(ctx context.Context) ([]order.StatusInfo, error) { return p.u.svc.Statuses(ctx, name) },
		func(st []order.StatusInfo, err error) {
			if p.editing != name {
				return
			}
			if err != nil {
				setMessage(p.msg, err, "")
				return
			}
			p.statuses.setOptions(forwardChoices(p.kind, st))
		})
}

// input reads the form. Bad numbers are left to the service as 0/-1 so
// its sentence comes back.
func (p *shopPanel) input() app.ShopInput {
	in := app.ShopInput{Name: strings.TrimSpace(p.name.Text), Forward: p.statuses.forward()}
	if p.fields != nil {
		p.fields.apply(&in)
	}
	if p.options != nil {
		in.Options, _ = p.options.values()
	}
	if m, err := strconv.Atoi(strings.TrimSpace(p.interval.Text)); err == nil {
		in.Interval = time.Duration(m) * time.Minute
	} else {
		in.Interval = -1
	}
	if d, err := strconv.Atoi(strings.TrimSpace(p.lookback.Text)); err == nil {
		in.LookbackDays = &d
	} else {
		bad := -1
		in.LookbackDays = &bad
	}
	in.Sells = order.SellsGoods
	if p.sells.Selected == lang.L("shop.sells.services") {
		in.Sells = order.SellsServices
	}
	return in
}

// sinceInput is the "Boeken vanaf" date when it was changed (zero when
// not: a new shop then books from now, an existing one keeps its start).
func (p *shopPanel) sinceInput() (time.Time, error) {
	text := strings.TrimSpace(p.since.Text)
	if text == "" || text == p.sinceShown {
		return time.Time{}, nil
	}
	return parseDay(text)
}

// test connects with the entered (or stored) keys and offers the shop's
// statuses as checkboxes.
func (p *shopPanel) test() {
	in := p.input()
	if in.Name == "" {
		in.Name = p.editing
	}
	p.testBtn.Disable()
	p.msg.Importance = widget.MediumImportance
	p.msg.SetText(lang.L("shop.testing"))
	run(p.u, func(ctx context.Context) ([]order.StatusInfo, error) { return p.u.svc.TestConnection(ctx, in) },
		func(st []order.StatusInfo, err error) {
			p.testBtn.Enable()
			if err == nil {
				p.statuses.setOptions(forwardChoices(p.kind, st))
			}
			kindMessage(p.msg, err, lang.N("shop.test_ok", len(st), map[string]any{"N": len(st)}), in.Source)
		})
}

// save adds the shop or saves the changes.
func (p *shopPanel) save() {
	in, editing := p.input(), p.editing
	since, err := p.sinceInput()
	if err != nil {
		p.msg.Importance = widget.DangerImportance
		p.msg.SetText(lang.L("shop.since.bad"))
		return
	}
	if _, err := p.options.values(); err != nil {
		p.msg.Importance = widget.DangerImportance
		p.msg.SetText(err.Error())
		return
	}
	in.Since = since
	run(p.u, func(ctx context.Context) (string, error) {
		if editing == "" {
			sh, err := p.u.svc.AddShop(ctx, in)
			return sh.Name, err
		}
		return in.Name, p.u.svc.UpdateShop(ctx, editing, in)
	}, func(name string, err error) {
		kindMessage(p.msg, err, lang.L("saved"), in.Source)
		if err == nil {
			p.load(name)
			p.u.config.hooks.load()
		}
	})
}

func (p *shopPanel) remove() {
	name := p.editing
	if name == "" {
		return
	}
	dialog.ShowConfirm(lang.L("action.remove_shop"), lang.L("shop.remove_confirm", map[string]any{"Name": name}),
		func(yes bool) {
			if !yes {
				return
			}
			run(p.u, func(ctx context.Context) (struct{}, error) { return struct{}{}, p.u.svc.RemoveShop(ctx, name) },
				func(_ struct{}, err error) {
					setMessage(p.msg, err, lang.L("saved"))
					p.load("")
				})
		}, p.u.win)
}

// statusChecks is "Status doorzetten verkopen": a checkbox per status the
// shop really has, custom ones included.
type statusChecks struct {
	content *fyne.Container
	group   *widget.CheckGroup
	slugs   map[string]order.Status // label → slug
	labels  map[order.Status]string
	chosen  []order.Status
}

func newStatusChecks() *statusChecks {
	s := &statusChecks{slugs: map[string]order.Status{}, labels: map[order.Status]string{}}
	s.group = widget.NewCheckGroup(nil, nil)
	s.content = container.NewVBox(s.group)
	return s
}

// setOptions offers the shop's statuses, keeping the current choice.
func (s *statusChecks) setOptions(st []order.StatusInfo) {
	chosen := s.forward()
	s.slugs, s.labels = map[string]order.Status{}, map[order.Status]string{}
	var opts []string
	for _, x := range st {
		// WooCommerce's own statuses in the interface's language; a
		// custom one as the shop names it.
		name := x.Name
		if known["status."+string(x.Slug)] || name == "" {
			name = statusText(x.Slug)
		}
		label := lang.L("shop.status_option", map[string]any{"Name": name, "Slug": string(x.Slug),
			"Count": formatNumber(x.Count)})
		s.slugs[label], s.labels[x.Slug] = x.Slug, label
		opts = append(opts, label)
	}
	s.group.Options = opts
	s.setForward(chosen)
}

// setForward ticks the given statuses.
func (s *statusChecks) setForward(fwd []order.Status) {
	s.chosen = append([]order.Status(nil), fwd...)
	var sel []string
	for _, f := range fwd {
		if l, ok := s.labels[f]; ok {
			sel = append(sel, l)
		}
	}
	s.group.OnChanged = nil
	s.group.SetSelected(sel)
	s.group.OnChanged = func(sel []string) {
		s.chosen = s.chosen[:0]
		for _, l := range sel {
			s.chosen = append(s.chosen, s.slugs[l])
		}
	}
	s.group.Refresh()
}

// forward is the ticked statuses (what was set before options came, if
// they have not come yet).
func (s *statusChecks) forward() []order.Status {
	return append([]order.Status{}, s.chosen...)
}

// --- Boekhouding: see ledger.go -----------------------------------------

func (p *booksPanel) saveSeller() {
	s := p.seller.get()
	p.seller.clearErrors()
	run(p.u, func(ctx context.Context) (struct{}, error) { return struct{}{}, p.u.svc.SetSeller(ctx, s) },
		func(_ struct{}, err error) {
			if err != nil && p.seller.showError(err) {
				setMessage(p.msg, err, "")
				return
			}
			setMessage(p.msg, err, lang.L("saved"))
		})
}

// --- Webhooks --------------------------------------------------------------

// webhookPanel shows per shop the address to paste into the shop (with a
// copy button), and what its kind has: the secret Orderbrug made or the
// webhook key the owner enters, the topic toggles, the kind's options, and
// the registration state.
type webhookPanel struct {
	u       *UI
	content fyne.CanvasObject
	pick    *widget.Select
	enabled *widget.Check
	topics  *widget.CheckGroup
	url     *widget.Label
	// manual says to paste the URL by hand (the key may not register).
	manual *widget.Label
	hint   *widget.Label
	secret *widget.Label
	state  *widget.Label
	msg    *widget.Label
	// hookItems are the URL, on/off and registration: left out for a kind
	// without webhooks.
	hookItems []*widget.FormItem
	// kindBox holds the form: hookItems and what the shop's kind has: secret or webhook key,
	// topics, options; built again when the shop shown changes.
	kindBox *fyne.Container
	// hookKey is the webhook key entry of an OwnerHookKey kind, with its
	// save button.
	hookKey  *widget.Entry
	saveKey  *widget.Button
	clearKey *widget.Button
	listSave map[string]*widget.Button
	// checks and lists are the option widgets by OptionInfo.Key.
	checks map[string]*widget.Check
	lists  map[string]*widget.Entry
	kind   app.KindInfo
	opts   map[string]string
	shops  []app.ShopInfo
	info   app.WebhookInfo
	shop   string
	built  string // the shop kindBox was built for
	// A till's (a kind with a HookHeader): the header's name and the
	// copy buttons of name and value, and per route its URL and copy
	// button; nil for other kinds.
	header                *widget.Label
	copyHeader, copyValue *widget.Button
	routes                map[string]*widget.Label
	routeCopy             map[string]*widget.Button
	// required are the topics that cannot be switched off (the till's
	// close), by key: ticked and off, beside the others' group.
	required map[string]*widget.Check
}

func newWebhookPanel(u *UI) *webhookPanel {
	p := &webhookPanel{u: u}
	p.pick = widget.NewSelect(nil, func(s string) { p.show(s) })
	p.topics = widget.NewCheckGroup(nil, nil)
	p.enabled = widget.NewCheck(lang.L("webhook.enabled"), nil)
	p.url, p.secret, p.state = widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
	p.url.Wrapping, p.state.Wrapping = fyne.TextWrapBreak, fyne.TextWrapWord
	p.manual = wrapLabel(lang.L("webhook.manual"))
	p.manual.Importance = widget.WarningImportance
	p.manual.Hide()
	p.hint = wrapLabel("")
	p.msg = message()
	copyURL := widget.NewButtonWithIcon(lang.L("action.copy"), theme.ContentCopyIcon(), func() {
		u.app.Clipboard().SetContent(p.info.URL)
		p.msg.SetText(lang.L("copied"))
	})
	p.kindBox = container.NewVBox()
	p.hookItems = []*widget.FormItem{
		widget.NewFormItem(lang.L("webhook.url"), container.NewVBox(container.NewBorder(nil, nil, nil, copyURL, p.url), p.manual)),
		widget.NewFormItem("", p.enabled),
		widget.NewFormItem(lang.L("webhook.state"), p.state),
	}
	p.content = container.NewVScroll(container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("shop.pick")), nil, p.pick),
		p.hint, p.kindBox, p.msg))
	return p
}

func (p *webhookPanel) load() {
	run(p.u, func(ctx context.Context) ([]app.ShopInfo, error) { return p.u.svc.Shops(ctx) },
		func(shops []app.ShopInfo, err error) {
			if err != nil {
				setMessage(p.msg, err, "")
				return
			}
			p.shops = shops
			var opts []string
			for _, s := range shops {
				opts = append(opts, s.Name)
			}
			p.pick.Options = opts
			sel := p.shop
			if !contains(opts, sel) && len(opts) > 0 {
				sel = opts[0]
			}
			if sel != "" {
				p.pick.SetSelected(sel)
				p.show(sel)
			}
		})
}

func (p *webhookPanel) show(name string) {
	for _, s := range p.shops {
		if s.Name != name {
			continue
		}
		p.shop, p.info = name, s.Webhook
		if s.Webhook.URL != "" {
			p.url.SetText(s.Webhook.URL)
		} else {
			p.url.SetText(lang.L("webhook.no_tunnel", map[string]any{"Path": s.Webhook.Path}))
		}
		if s.Webhook.Manual {
			p.manual.Show()
		} else {
			p.manual.Hide()
		}
		p.state.SetText(registrationText(s.Webhook))
		if p.built != name {
			// Built once per shop shown: the periodic reload must not
			// undo what is being typed.
			p.build(s)
		}
		if p.routes != nil {
			p.showTill(s.Webhook)
		}
		p.secret.SetText(maskSecret(s.Webhook.Secret))
		if p.hookKey != nil {
			p.hookKey.SetPlaceHolder(lang.L("webhook.key.none"))
			p.clearKey.Disable()
			if s.Webhook.Secret != "" {
				p.hookKey.SetPlaceHolder(lang.L("webhook.key.kept"))
				p.clearKey.Enable()
			}
		}
		var sel []string
		for _, t := range p.kind.Topics {
			if !t.Required && contains(s.Webhook.Topics, t.Key) {
				sel = append(sel, kindText(t.Label, t.Key))
			}
		}
		p.topics.OnChanged = nil
		p.topics.SetSelected(sel)
		p.topics.OnChanged = p.topicsChanged
		p.enabled.OnChanged = nil
		p.enabled.SetChecked(s.Webhook.Enabled)
		p.enabled.OnChanged = p.enabledChanged
	}
}

// build makes the part of the tab that depends on the shop's kind.
func (p *webhookPanel) build(s app.ShopInfo) {
	p.built = s.Name
	p.kind = kindOf(p.u.kinds.Kinds(), s.Source)
	p.opts = optionValues(p.kind, s.Options)
	p.hint.SetText(tr("webhook.hint."+string(p.kind.Kind), lang.L("webhook.hint", map[string]any{"Kind": p.kind.Name})))
	items := append([]*widget.FormItem{}, p.hookItems...)
	p.hookKey, p.saveKey, p.clearKey = nil, nil, nil
	p.header, p.copyHeader, p.copyValue, p.routes, p.routeCopy = nil, nil, nil, nil, nil
	p.enabled.Text = tr("webhook.enabled."+string(p.kind.Kind), lang.L("webhook.enabled"))
	p.enabled.Refresh()
	switch {
	case !p.kind.Webhooks:
		// Polled only: what is left here are its options.
		p.hint.SetText(lang.L("webhook.none", map[string]any{"Kind": p.kind.Name}))
		items = nil
	case p.kind.HookHeader != "":
		// A till: the owner pastes its routes and the header into the
		// till's back office; nothing is registered.
		items = p.tillItems(s.Webhook)
	case p.kind.OwnerHookKey:
		// The shop signs with a key the owner copies from its dashboard.
		p.hookKey = newPassword()
		p.saveKey = widget.NewButtonWithIcon(lang.L("action.save"), theme.DocumentSaveIcon(), func() { p.saveHookKey(false) })
		p.clearKey = widget.NewButtonWithIcon(lang.L("action.clear"), theme.ContentClearIcon(), func() { p.saveHookKey(true) })
		help := wrapLabel(tr("webhook.key.hint."+string(p.kind.Kind), lang.L("webhook.key.hint")))
		help.Importance = widget.LowImportance
		items = append(items, widget.NewFormItem(lang.L("webhook.key"), container.NewVBox(
			container.NewBorder(nil, nil, nil, container.NewHBox(p.saveKey, p.clearKey), p.hookKey), help)))
	default:
		copySecret := widget.NewButtonWithIcon(lang.L("action.copy"), theme.ContentCopyIcon(), func() {
			p.u.app.Clipboard().SetContent(p.info.Secret)
			p.msg.SetText(lang.L("copied"))
		})
		items = append(items, widget.NewFormItem(lang.L("webhook.secret"), container.NewBorder(nil, nil, nil, copySecret, p.secret)))
	}
	var topics []string
	box := container.NewVBox(p.topics)
	p.required = map[string]*widget.Check{}
	for _, t := range p.kind.Topics {
		if t.Required {
			// Always on: without it nothing is booked (the till's close).
			c := widget.NewCheck(kindText(t.Label, t.Key), nil)
			c.SetChecked(true)
			c.Disable()
			hint := wrapLabel(tr(t.Label+".required", lang.L("webhook.topic_required")))
			hint.Importance = widget.LowImportance
			p.required[t.Key] = c
			box.Add(c)
			box.Add(hint)
			continue
		}
		topics = append(topics, kindText(t.Label, t.Key))
	}
	p.topics.Options = topics
	if len(p.kind.Topics) > 0 && p.kind.Webhooks {
		items = append(items, widget.NewFormItem(lang.L("webhook.topics"), box))
	}
	p.checks, p.lists, p.listSave = map[string]*widget.Check{}, map[string]*widget.Entry{}, map[string]*widget.Button{}
	for _, o := range p.kind.Options {
		if shopOption(o) {
			continue // Winkelsysteem's (a till's booking and end of day)
		}
		var obj fyne.CanvasObject
		switch o.Kind {
		case "bool":
			c := widget.NewCheck(kindText(o.Label, o.Key), nil)
			c.SetChecked(p.opts[o.Key] == "on")
			c.OnChanged = func(on bool) {
				v := "off"
				if on {
					v = "on"
				}
				p.saveOption(o.Key, v)
			}
			p.checks[o.Key] = c
			obj = c
		default: // "list": ids, comma-separated
			e := widget.NewEntry()
			e.SetText(p.opts[o.Key])
			e.SetPlaceHolder(lang.L("option.list.placeholder"))
			save := widget.NewButtonWithIcon(lang.L("action.save"), theme.DocumentSaveIcon(), func() {
				p.saveOption(o.Key, listValue(e.Text))
			})
			p.lists[o.Key], p.listSave[o.Key] = e, save
			obj = container.NewVBox(widget.NewLabel(kindText(o.Label, o.Key)),
				container.NewBorder(nil, nil, nil, save, e))
		}
		if o.Hint != "" {
			h := wrapLabel(kindText(o.Hint, ""))
			h.Importance = widget.LowImportance
			obj = container.NewVBox(obj, h)
		}
		items = append(items, widget.NewFormItem("", obj))
	}
	p.kindBox.Objects = []fyne.CanvasObject{widget.NewForm(items...)}
	p.kindBox.Refresh()
}

// copyButton copies what get gives (nothing when it is empty).
func (p *webhookPanel) copyButton(get func() string) *widget.Button {
	return widget.NewButtonWithIcon(lang.L("action.copy"), theme.ContentCopyIcon(), func() {
		if v := get(); v != "" {
			p.u.app.Clipboard().SetContent(v)
			p.msg.SetText(lang.L("copied"))
		}
	})
}

// tillItems are a till's form: the request header's name and (masked)
// value, each with a copy button, a URL with a copy button per route, on
// or off, and its state.
func (p *webhookPanel) tillItems(w app.WebhookInfo) []*widget.FormItem {
	p.header = widget.NewLabel("")
	p.copyHeader = p.copyButton(func() string { return p.info.Header })
	p.copyValue = p.copyButton(func() string { return p.info.Secret })
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("webhook.header.name"), container.NewBorder(nil, nil, nil, p.copyHeader, p.header)),
		widget.NewFormItem(lang.L("webhook.header.value"), container.NewBorder(nil, nil, nil, p.copyValue, p.secret)),
	}
	p.routes, p.routeCopy = map[string]*widget.Label{}, map[string]*widget.Button{}
	for _, name := range routeNames(w.Paths) {
		name := name
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapBreak
		b := p.copyButton(func() string { return p.info.URLs[name] })
		p.routes[name], p.routeCopy[name] = l, b
		items = append(items, widget.NewFormItem(tr("webhook.route."+name, name), container.NewBorder(nil, nil, nil, b, l)))
	}
	return append(items, widget.NewFormItem("", p.enabled), widget.NewFormItem(lang.L("webhook.till.state"), p.state))
}

// routeNames are a kind's route names as the till's back office lists
// them: open, update, close, then any other.
func routeNames(paths map[string]string) []string {
	var out, rest []string
	for _, n := range []string{"open", "update", "close"} {
		if _, ok := paths[n]; ok {
			out = append(out, n)
		}
	}
	for n := range paths {
		if !contains(out, n) {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// showTill shows a till's header, URLs and state as they are now.
func (p *webhookPanel) showTill(w app.WebhookInfo) {
	p.header.SetText(w.Header)
	for name, l := range p.routes {
		if u := w.URLs[name]; u != "" {
			l.SetText(u)
			p.routeCopy[name].Enable()
		} else {
			l.SetText(lang.L("webhook.no_tunnel", map[string]any{"Path": w.Paths[name]}))
			p.routeCopy[name].Disable()
		}
	}
	p.state.SetText(tillStateText(w))
}

// tillStateText is whether a till's calls are taken, and its last one.
func tillStateText(w app.WebhookInfo) string {
	var text string
	switch {
	case !w.Enabled:
		text = lang.L("webhook.till.off")
	case w.Reason != "" && w.Reason != "webhooks_off":
		text = lang.L("webhook.till.no_url", map[string]any{"Reason": lang.L("webhook.reason." + w.Reason)})
	default:
		text = lang.L("webhook.till.ready")
	}
	if w.LastDelivery != nil {
		return text + "\n" + lang.L("webhook.last_delivery", map[string]any{"Time": formatDateTime(*w.LastDelivery)})
	}
	return text + "\n" + lang.L("webhook.no_delivery")
}

// listValue tidies a typed list of ids: "12, 13 ,,14" → "12,13,14".
func listValue(s string) string {
	var ids []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		ids = append(ids, f)
	}
	return strings.Join(ids, ",")
}

// saveOption saves one option of the shop with the others as they are.
func (p *webhookPanel) saveOption(key, value string) {
	shop := p.shop
	opts := make(map[string]string, len(p.opts))
	for k, v := range p.opts {
		opts[k] = v
	}
	opts[key] = value
	run(p.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, p.u.kinds.SetShopOptions(ctx, shop, opts)
	}, func(_ struct{}, err error) {
		if shop != p.shop {
			return
		}
		setMessage(p.msg, err, lang.L("saved"))
		if err == nil {
			p.opts = opts
			if e := p.lists[key]; e != nil {
				e.SetText(value)
			}
			return
		}
		// Back to what is saved.
		if c := p.checks[key]; c != nil {
			f := c.OnChanged
			c.OnChanged = nil
			c.SetChecked(p.opts[key] == "on")
			c.OnChanged = f
		}
	})
}

// saveHookKey saves the typed webhook key, or clears it.
func (p *webhookPanel) saveHookKey(clear bool) {
	shop, key := p.shop, strings.TrimSpace(p.hookKey.Text)
	if clear {
		key = ""
	} else if key == "" {
		setMessage(p.msg, &app.Error{Code: app.CodeRequired, Field: "webhook_key"}, "")
		return
	}
	run(p.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, p.u.kinds.SetWebhookKey(ctx, shop, key)
	}, func(_ struct{}, err error) {
		setMessage(p.msg, err, lang.L("saved"))
		if err == nil {
			p.hookKey.SetText("")
			p.load()
		}
	})
}

// registrationText is the shop's real registration state, why nothing is
// registered, and the last delivery.
func registrationText(w app.WebhookInfo) string {
	reg := w.Registration
	if reg == "" {
		reg = app.NotRegistered
	}
	text := lang.L("webhook.registration." + reg)
	if reg == app.NotRegistered && w.Reason != "" {
		text += ": " + lang.L("webhook.reason."+w.Reason)
	}
	if w.LastDelivery != nil {
		text += "\n" + lang.L("webhook.last_delivery", map[string]any{"Time": formatDateTime(*w.LastDelivery)})
	} else if reg != app.NotRegistered {
		text += "\n" + lang.L("webhook.no_delivery")
	}
	return text
}

// maskSecret shows only the end of a secret: the copy button copies it all.
func maskSecret(s string) string {
	if len(s) <= 4 {
		return strings.Repeat("•", len(s))
	}
	return strings.Repeat("•", 8) + s[len(s)-4:]
}

func (p *webhookPanel) topicsChanged(sel []string) {
	var topics []string
	for _, t := range p.kind.Topics {
		if t.Required || contains(sel, kindText(t.Label, t.Key)) {
			topics = append(topics, t.Key)
		}
	}
	shop := p.shop
	run(p.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, p.u.svc.SetWebhookTopics(ctx, shop, topics)
	}, func(_ struct{}, err error) { setMessage(p.msg, err, lang.L("saved")) })
}

// enabledChanged turns the shop's webhooks on (registering them in the
// shop when the tunnel is up) or off.
func (p *webhookPanel) enabledChanged(on bool) {
	shop := p.shop
	run(p.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, p.u.svc.SetWebhook(ctx, shop, on)
	}, func(_ struct{}, err error) {
		setMessage(p.msg, err, lang.L("saved"))
		p.load()
	})
}

// --- Tunnel ----------------------------------------------------------------

// tunnelPanel chooses how webhooks come in: ngrok (authtoken, optional
// static domain) or the owner's own public URL (a Cloudflare Tunnel,
// Tailscale Funnel or reverse proxy forwarding to a fixed local address),
// and shows the live state.
type tunnelPanel struct {
	u         *UI
	content   fyne.CanvasObject
	mode      *widget.RadioGroup
	token     *widget.Entry
	domain    *widget.Entry
	publicURL *widget.Entry
	listen    *widget.Entry
	ngrokForm *widget.Form
	ownForm   *widget.Form
	hint      *widget.Label
	status    *widget.Label
	msg       *widget.Label
}

func newTunnelPanel(u *UI) *tunnelPanel {
	p := &tunnelPanel{u: u}
	p.token = newPassword()
	p.domain = widget.NewEntry()
	p.domain.SetPlaceHolder("voorbeeld.ngrok-free.app")
	p.publicURL = widget.NewEntry()
	p.publicURL.SetPlaceHolder("https://orderbrug.voorbeeld.nl")
	p.listen = widget.NewEntry()
	p.listen.SetPlaceHolder("127.0.0.1:8787")
	p.status, p.msg = widget.NewLabel(""), message()
	p.status.Wrapping = fyne.TextWrapWord
	save := widget.NewButtonWithIcon(lang.L("action.save"), theme.DocumentSaveIcon(), p.save)
	save.Importance = widget.HighImportance
	p.ngrokForm = widget.NewForm(
		widget.NewFormItem(lang.L("tunnel.token"), p.token),
		widget.NewFormItem(lang.L("tunnel.domain"), p.domain),
	)
	p.ownForm = widget.NewForm(
		widget.NewFormItem(lang.L("tunnel.public_url"), p.publicURL),
		widget.NewFormItem(lang.L("tunnel.listen"), p.listen),
	)
	p.hint = widget.NewLabel(lang.L("tunnel.hint"))
	p.hint.Wrapping = fyne.TextWrapWord
	p.mode = widget.NewRadioGroup([]string{lang.L("tunnel.mode.ngrok"), lang.L("tunnel.mode.own")}, func(string) { p.modeChanged() })
	p.mode.Required = true
	p.mode.SetSelected(lang.L("tunnel.mode.ngrok"))
	status := widget.NewForm(widget.NewFormItem(lang.L("tunnel.status"), p.status))
	p.content = container.NewVScroll(container.NewVBox(
		widget.NewForm(widget.NewFormItem(lang.L("tunnel.mode"), p.mode)),
		p.hint, p.ngrokForm, p.ownForm, status, save, p.msg))
	p.modeChanged()
	return p
}

// own reports whether "eigen URL" is chosen.
func (p *tunnelPanel) own() bool { return p.mode.Selected == lang.L("tunnel.mode.own") }

func (p *tunnelPanel) modeChanged() {
	if p.own() {
		p.ngrokForm.Hide()
		p.ownForm.Show()
		p.hint.SetText(lang.L("tunnel.own_hint"))
	} else {
		p.ownForm.Hide()
		p.ngrokForm.Show()
		p.hint.SetText(lang.L("tunnel.hint"))
	}
}

func (p *tunnelPanel) load() {
	run(p.u, func(ctx context.Context) (app.TunnelSettings, error) {
		ts, has, err := p.u.svc.TunnelSettings(ctx)
		if has {
			ts.Authtoken = "set"
		}
		return ts, err
	}, func(ts app.TunnelSettings, err error) {
		if err != nil {
			setMessage(p.msg, err, "")
			return
		}
		p.domain.SetText(ts.Domain)
		if ts.Authtoken != "" {
			p.token.SetPlaceHolder(lang.L("tunnel.token_kept"))
		}
		p.publicURL.SetText(ts.PublicURL)
		p.listen.SetText(ts.OwnListen)
		if ts.Mode == app.TunnelOwn && ts.PublicURL != "" {
			p.mode.SetSelected(lang.L("tunnel.mode.own"))
		} else {
			p.mode.SetSelected(lang.L("tunnel.mode.ngrok"))
		}
	})
	p.loadStatus()
}

func (p *tunnelPanel) loadStatus() {
	run(p.u, func(context.Context) (app.TunnelStatus, error) { return p.u.svc.TunnelStatus(), nil },
		func(st app.TunnelStatus, _ error) {
			s := tunnelText(st)
			if st.URL != "" {
				s += " — " + st.URL
			}
			if !st.Since.IsZero() {
				s += " (" + lang.L("tunnel.since", map[string]any{"Time": formatDateTime(st.Since)}) + ")"
			}
			if st.Error != "" {
				s += "\n" + st.Error
			}
			p.status.SetText(s)
		})
}

func (p *tunnelPanel) save() {
	own := p.own()
	token, domain, public, listen := p.token.Text, p.domain.Text, p.publicURL.Text, p.listen.Text
	run(p.u, func(ctx context.Context) (struct{}, error) {
		if own {
			return struct{}{}, p.u.svc.SetOwnURL(ctx, public, listen)
		}
		return struct{}{}, p.u.svc.SetTunnel(ctx, token, domain)
	}, func(_ struct{}, err error) {
		setMessage(p.msg, err, lang.L("saved"))
		if err == nil && !own {
			p.token.SetText("")
			p.token.SetPlaceHolder(lang.L("tunnel.token_kept"))
		}
		if err == nil {
			p.load()
		}
	})
}

// --- Algemeen --------------------------------------------------------------

// generalPanel: language and "Start bij inloggen".
type generalPanel struct {
	u         *UI
	content   fyne.CanvasObject
	language  *widget.Select
	autostart *widget.Check
	msg       *widget.Label
}

func newGeneralPanel(u *UI) *generalPanel {
	p := &generalPanel{u: u, msg: message()}
	names := map[string]string{"nl": "Nederlands", "en": "English"}
	p.language = widget.NewSelect([]string{names["nl"], names["en"]}, nil)
	p.language.SetSelected(names[language()])
	p.language.OnChanged = func(s string) {
		for code, n := range names {
			if n == s && code != language() {
				u.setLanguage(code)
			}
		}
	}
	p.autostart = widget.NewCheck(lang.L("general.autostart"), nil)
	as, err := app.NewAutostart(autostartArgs(u.opt)...)
	if err != nil {
		p.autostart.Disable()
		p.msg.SetText(lang.L("general.autostart_unsupported"))
	} else {
		p.autostart.SetChecked(as.Enabled())
		p.autostart.OnChanged = func(on bool) {
			var err error
			if on {
				err = as.Enable()
			} else {
				err = as.Disable()
			}
			if err != nil {
				p.msg.Importance = widget.DangerImportance
				p.msg.SetText(lang.L("general.autostart_failed"))
				return
			}
			setMessage(p.msg, nil, lang.L("saved"))
		}
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("general.language"), p.language),
		widget.NewFormItem("", p.autostart),
		widget.NewFormItem(lang.L("general.datadir"), widget.NewLabel(u.svc.DataDir())),
	)
	p.content = container.NewVBox(form, p.msg)
	return p
}

// autostartArgs: the login start runs hidden in the tray, on the same data
// directory as this run, as an absolute path: the login start runs in
// another folder (C:\Windows\System32 on Windows, the home folder on
// Linux) than the one a relative --data-dir was typed in.
func autostartArgs(opt Options) []string {
	if opt.AutostartArgs != nil {
		return opt.AutostartArgs
	}
	args := []string{"--hidden"}
	dir := opt.DataDir
	if abs, err := filepath.Abs(dir); dir != "" && err == nil {
		dir = abs
	}
	if def, err := app.DefaultDataDir(); dir != "" && (err != nil || filepath.Clean(def) != dir) {
		args = append(args, "--data-dir", dir)
	}
	return args
}

// newPassword is an entry that hides what is typed (keys, secrets, tokens).
func newPassword() *widget.Entry { return widget.NewPasswordEntry() }
