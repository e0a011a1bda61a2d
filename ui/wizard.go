package ui

import (
	"context"
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

// Wizard steps.
const (
	stepShop = iota
	stepStatuses
	stepSeller
	stepFolder
	stepTunnel
	stepFinish
	wizardSteps
)

// wizard is the first start: shop address and keys → test → statuses to
// forward → seller details → invoice folder → optional ngrok → a first
// sync, whose result it shows.
type wizard struct {
	u       *UI
	content fyne.CanvasObject
	step    int
	title   *widget.Label
	body    *fyne.Container
	msg     *widget.Label
	back    *widget.Button
	next    *widget.Button

	name, url, key *widget.Entry
	secret         *widget.Entry
	statuses       *statusChecks
	tested         bool
	seller         *sellerForm
	dir            *widget.Entry
	token, domain  *widget.Entry
	progress       *widget.ProgressBarInfinite
	result         *widget.Label
	finished       bool

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

	w.name, w.url, w.key, w.secret = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), newPassword()
	w.name.SetPlaceHolder(lang.L("wizard.name.hint"))
	w.url.SetPlaceHolder("https://jouwwinkel.nl")
	w.key.SetPlaceHolder("ck_…")
	w.secret.SetPlaceHolder("cs_…")
	for _, e := range []*widget.Entry{w.url, w.key, w.secret} {
		e.OnChanged = func(string) { w.tested = false }
	}
	intro := widget.NewLabel(lang.L("wizard.shop.intro"))
	intro.Wrapping = fyne.TextWrapWord
	w.pages[stepShop] = container.NewVBox(intro, widget.NewForm(
		widget.NewFormItem(lang.L("shop.name"), w.name),
		widget.NewFormItem(lang.L("shop.url"), w.url),
		widget.NewFormItem(lang.L("shop.key"), w.key),
		widget.NewFormItem(lang.L("shop.secret"), w.secret)))

	w.statuses = newStatusChecks()
	w.statuses.setForward(app.DefaultForward)
	w.pages[stepStatuses] = container.NewVBox(wrapLabel(lang.L("shop.forward.hint")), w.statuses.content)

	w.seller = newSellerForm()
	w.pages[stepSeller] = container.NewVBox(wrapLabel(lang.L("books.seller.hint")), w.seller.form)

	w.dir = widget.NewEntry()
	w.dir.SetText(defaultInvoiceDir())
	browse := widget.NewButtonWithIcon(lang.L("action.browse"), theme.FolderOpenIcon(), func() {
		dialog.ShowFolderOpen(func(l fyne.ListableURI, err error) {
			if err == nil && l != nil {
				w.dir.SetText(l.Path())
			}
		}, u.win)
	})
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
	w.show(stepShop)
	return w
}

func wrapLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// show moves to a step.
func (w *wizard) show(step int) {
	w.step = step
	w.title.SetText(lang.L("wizard.step", map[string]any{"N": step + 1, "Of": wizardSteps}) + " — " +
		lang.L([...]string{"wizard.shop", "wizard.statuses", "wizard.seller", "wizard.folder", "wizard.tunnel",
			"wizard.finish"}[step]))
	w.body.Objects = []fyne.CanvasObject{w.pages[step]}
	w.body.Refresh()
	w.msg.SetText("")
	w.back.Enable()
	if step == stepShop || step == stepFinish {
		w.back.Disable()
	}
	switch step {
	case stepShop:
		w.next.SetText(lang.L("wizard.test_next"))
	case stepTunnel:
		w.next.SetText(lang.L("wizard.start"))
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
	return app.ShopInput{Name: name, URL: w.url.Text, Key: strings.TrimSpace(w.key.Text),
		Secret: strings.TrimSpace(w.secret.Text), Forward: w.statuses.forward()}
}

// forward checks the step and moves on; each check runs off the UI
// goroutine.
func (w *wizard) forward() {
	switch w.step {
	case stepShop:
		w.testShop()
	case stepStatuses, stepTunnel:
		if w.step == stepTunnel {
			w.finish()
			return
		}
		w.show(w.step + 1)
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
	w.next.Disable()
	w.msg.Importance = widget.MediumImportance
	w.msg.SetText(lang.L("shop.testing"))
	run(w.u, func(ctx context.Context) ([]order.StatusInfo, error) { return w.u.svc.TestConnection(ctx, in) },
		func(st []order.StatusInfo, err error) {
			w.next.Enable()
			if err != nil {
				setMessage(w.msg, err, "")
				return
			}
			w.tested = true
			w.statuses.setOptions(st)
			w.show(stepStatuses)
			setMessage(w.msg, nil, lang.N("shop.test_ok", len(st), map[string]any{"N": len(st)}))
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
	w.show(stepFolder)
}

// finish saves everything, then runs the first sync and shows its result.
func (w *wizard) finish() {
	in, seller, dir := w.input(), w.seller.get(), strings.TrimSpace(w.dir.Text)
	token, domain := strings.TrimSpace(w.token.Text), strings.TrimSpace(w.domain.Text)
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
		if _, err := w.u.svc.AddShop(ctx, in); err != nil {
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
			setMessage(w.msg, err, "")
			return
		}
		w.finished = true
		w.next.Enable()
		w.result.SetText(lang.L("wizard.done") + "\n\n" + syncSummary(o.res, err))
	})
}
