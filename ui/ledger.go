package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// --- Boekhouding -----------------------------------------------------------

// booksPanel sets where invoices go: the ledger (the UBL folder, or an
// online ledger: Moneybird, e-Boekhouden) with its token, administration,
// connection test and VAT mapping; the UBL folder (beside an online ledger
// the folder of its copy, which can be turned off); the bookings waiting
// for the ledger's rate limit; and the seller details.
type booksPanel struct {
	u       *UI
	content fyne.CanvasObject
	// kinds are the online ledgers; kindSel picks one of them or the
	// folder (kindNames: the options, in that order).
	kinds     []app.LedgerKind
	kindNames []string
	kindSel   *widget.Select
	status    *widget.Label
	waiting   *widget.Label
	// The online ledger's connection: token, administration (for a kind
	// that has several per token), connect and test.
	onlineCard *widget.Card
	token      *widget.Entry
	apiURL     *widget.Entry // advanced: another API root (support, tests)
	admin      *widget.Select
	adminRow   *fyne.Container
	accounts   []ledger.Account
	fetchBtn   *widget.Button
	connectBtn *widget.Button
	testBtn    *widget.Button
	onlineMsg  *widget.Label
	useUBL     *widget.Button
	// The UBL folder, and beside an online ledger its copy.
	dirCard  *widget.Card
	dir      *widget.Entry
	dirMsg   *widget.Label
	copyOn   *widget.Check
	vat      *vatMapping
	vatCard  *widget.Card
	seller   *sellerForm
	msg      *widget.Label
	st       app.LedgerStatus
	quiet    bool // set while the panel sets its own widgets
	selected string
}

func newBooksPanel(u *UI) *booksPanel {
	p := &booksPanel{u: u, seller: newSellerForm(), kinds: u.svc.LedgerKinds()}
	p.kindNames = []string{lang.L("books.kind.ubl")}
	for _, k := range p.kinds {
		p.kindNames = append(p.kindNames, k.Name)
	}
	p.kindSel = widget.NewSelect(p.kindNames, func(string) { p.kindChanged() })
	p.status, p.waiting, p.onlineMsg, p.dirMsg, p.msg = message(), message(), message(), message(), message()
	p.waiting.Importance = widget.WarningImportance
	p.waiting.Hide()

	p.token = newPassword()
	p.admin = widget.NewSelect(nil, nil)
	p.admin.PlaceHolder = lang.L("books.administration.placeholder")
	p.fetchBtn = widget.NewButtonWithIcon(lang.L("books.administration.fetch"), theme.DownloadIcon(), p.fetchAdministrations)
	p.adminRow = container.NewBorder(nil, nil, nil, p.fetchBtn, p.admin)
	p.connectBtn = widget.NewButtonWithIcon(lang.L("books.connect"), theme.ConfirmIcon(), p.connect)
	p.connectBtn.Importance = widget.HighImportance
	p.testBtn = widget.NewButtonWithIcon(lang.L("books.test"), theme.ViewRefreshIcon(), p.test)
	form := widget.NewForm(
		widget.NewFormItem(lang.L("books.token"), p.token),
		widget.NewFormItem(lang.L("books.administration"), p.adminRow),
	)
	hint := widget.NewLabel(lang.L("books.token.hint"))
	hint.Wrapping = fyne.TextWrapWord
	p.apiURL = widget.NewEntry()
	advanced := widget.NewAccordion(widget.NewAccordionItem(lang.L("books.advanced"),
		widget.NewForm(widget.NewFormItem(lang.L("books.api_url"), p.apiURL))))
	p.onlineCard = widget.NewCard("", "", container.NewVBox(form, hint, advanced, container.NewHBox(p.connectBtn, p.testBtn), p.onlineMsg))
	p.useUBL = widget.NewButtonWithIcon(lang.L("books.use_ubl"), theme.DocumentSaveIcon(), p.saveUseUBL)
	p.useUBL.Hide()

	p.dir = widget.NewEntry()
	browse := widget.NewButtonWithIcon(lang.L("action.browse"), theme.FolderOpenIcon(), func() { u.pickFolder(p.dir) })
	saveDir := widget.NewButtonWithIcon(lang.L("action.save"), theme.DocumentSaveIcon(), p.saveDir)
	p.copyOn = widget.NewCheck(lang.L("books.copy"), func(on bool) {
		if !p.quiet {
			p.setCopy(on)
		}
	})
	p.copyOn.Hide()
	p.dirCard = widget.NewCard(lang.L("books.ubl"), lang.L("books.ubl.hint"),
		container.NewVBox(p.copyOn, container.NewBorder(nil, nil, nil, container.NewHBox(browse, saveDir), p.dir), p.dirMsg))

	p.vat = newVATMapping(p)
	vatHint := widget.NewLabel(lang.L("books.vat.hint"))
	vatHint.Wrapping = fyne.TextWrapWord
	p.vatCard = widget.NewCard(lang.L("books.vat"), "", container.NewVBox(vatHint, p.vat.content))
	p.vatCard.Hide()

	saveSeller := widget.NewButtonWithIcon(lang.L("action.save"), theme.DocumentSaveIcon(), p.saveSeller)
	saveSeller.Importance = widget.HighImportance
	ledgerCard := widget.NewCard(lang.L("books.ledger"), lang.L("books.ledger.hint"),
		container.NewVBox(widget.NewForm(widget.NewFormItem(lang.L("books.kind"), p.kindSel)), p.status, p.waiting, p.useUBL))
	seller := widget.NewCard(lang.L("books.seller"), lang.L("books.seller.hint"),
		container.NewVBox(p.seller.form, saveSeller, p.msg))
	p.content = container.NewVScroll(container.NewVBox(ledgerCard, p.onlineCard, p.dirCard, p.vatCard, seller))
	p.showKind(ledger.KindUBL)
	return p
}

// kindOf is the ledger kind of a kindSel option.
func (p *booksPanel) kindOf(name string) string {
	for i, n := range p.kindNames {
		if n == name && i > 0 {
			return p.kinds[i-1].Kind
		}
	}
	return ledger.KindUBL
}

// kindInfo is the online ledger kind k (ok false for the folder).
func (p *booksPanel) kindInfo(k string) (app.LedgerKind, bool) {
	for _, x := range p.kinds {
		if x.Kind == k {
			return x, true
		}
	}
	return app.LedgerKind{}, false
}

func (p *booksPanel) load() {
	type data struct {
		st app.LedgerStatus
		s  order.Seller
	}
	run(p.u, func(ctx context.Context) (data, error) {
		st, err := p.u.svc.LedgerStatus(ctx)
		if err != nil {
			return data{}, err
		}
		s, err := p.u.svc.Seller(ctx)
		return data{st, s}, err
	}, func(d data, err error) {
		if err != nil {
			setMessage(p.msg, err, "")
			return
		}
		p.st = d.st
		p.dir.SetText(d.st.Dir)
		if d.st.Dir == "" {
			p.dir.SetText(defaultInvoiceDir())
		}
		p.seller.set(d.s)
		p.showKind(d.st.Kind)
		p.showStatus()
		if _, online := p.kindInfo(d.st.Kind); online {
			p.vat.load()
		}
	})
}

// loadStatus reloads what changes on its own: the status line and the
// bookings waiting for the rate limit.
func (p *booksPanel) loadStatus() {
	run(p.u, func(ctx context.Context) (app.LedgerStatus, error) { return p.u.svc.LedgerStatus(ctx) },
		func(st app.LedgerStatus, err error) {
			if err != nil {
				return
			}
			p.st = st
			p.showStatus()
		})
}

// showKind shows the panel for ledger kind k, selected in kindSel.
func (p *booksPanel) showKind(k string) {
	p.quiet = true
	defer func() { p.quiet = false }()
	name := p.kindNames[0]
	if info, ok := p.kindInfo(k); ok {
		name = info.Name
	}
	p.kindSel.SetSelected(name)
	p.selected = k
	p.layout()
}

func (p *booksPanel) kindChanged() {
	if p.quiet {
		return
	}
	p.selected = p.kindOf(p.kindSel.Selected)
	p.onlineMsg.SetText("")
	p.token.SetText("")
	p.layout()
	p.showStatus()
}

// layout shows the cards of the selected kind: the connection and the VAT
// mapping for an online ledger (the mapping once it is the one connected),
// the folder's copy check beside one.
func (p *booksPanel) layout() {
	info, online := p.kindInfo(p.selected)
	connected := online && p.st.Kind == p.selected
	if !online {
		p.onlineCard.Hide()
		p.vatCard.Hide()
		p.copyOn.Hide()
		p.dirCard.SetTitle(lang.L("books.ubl"))
		p.dirCard.SetSubTitle(lang.L("books.ubl.hint"))
		p.dir.SetText(p.ledgerDir())
		if _, cur := p.kindInfo(p.st.Kind); cur {
			p.useUBL.Show()
		} else {
			p.useUBL.Hide()
		}
		return
	}
	p.useUBL.Hide()
	p.onlineCard.SetTitle(info.Name)
	p.onlineCard.Show()
	if info.NeedsAdministration {
		p.adminRow.Show()
	} else {
		p.adminRow.Hide()
	}
	p.token.SetPlaceHolder("")
	p.apiURL.SetPlaceHolder(info.DefaultURL)
	p.apiURL.SetText("")
	if connected && p.st.APIURL != info.DefaultURL {
		p.apiURL.SetText(p.st.APIURL)
	}
	p.admin.Options, p.accounts = nil, nil
	p.admin.ClearSelected()
	if connected {
		if p.st.TokenSet {
			p.token.SetPlaceHolder(lang.L("books.token.stored"))
		}
		if p.st.Account.ID != "" {
			p.accounts = []ledger.Account{p.st.Account}
			p.admin.Options = []string{accountText(p.st.Account)}
			p.admin.SetSelected(p.admin.Options[0])
		}
	}
	p.admin.Refresh()
	p.testBtn.Disable()
	if connected && p.st.TokenSet {
		p.testBtn.Enable()
	}
	p.dirCard.SetTitle(lang.L("books.copy.title"))
	p.dirCard.SetSubTitle(lang.L("books.copy.hint"))
	p.dir.SetText(p.copyDir())
	p.copyOn.Show()
	p.quiet = true
	if connected {
		p.copyOn.SetChecked(p.st.UBLCopy)
	} else {
		// What the connect will do: the setting, on unless turned off
		// before (ledger ubl --off); the check changes it at connect.
		p.copyOn.SetChecked(p.st.CopyOn)
	}
	p.quiet = false
	if connected {
		p.vatCard.Show()
	} else {
		p.vatCard.Hide()
	}
}

// ledgerDir is the folder the UBL card shows: the UBL folder, else the
// copy's folder the owner chose (`ledger use ubl` goes there), else the
// one proposed.
func (p *booksPanel) ledgerDir() string {
	switch {
	case p.st.Dir != "":
		return p.st.Dir
	case p.st.CopyDir != "" && !p.st.CopyDefault:
		return p.st.CopyDir
	}
	return defaultInvoiceDir()
}

// copyDir is the folder the UBL copy's card shows: the copy's own, by
// default the subfolder "kopie" of the UBL folder (never the UBL folder
// itself: a folder the package imports would get every booking twice).
func (p *booksPanel) copyDir() string {
	switch {
	case p.st.CopyDir != "":
		return p.st.CopyDir
	case p.st.Dir != "":
		return filepath.Join(p.st.Dir, "kopie")
	}
	return defaultInvoiceDir()
}

// copyText says where the UBL copy goes ("" without one).
func copyText(st app.LedgerStatus) string {
	switch {
	case !st.UBLCopy:
		return ""
	case st.CopyDefault && st.Dir != "":
		return lang.L("books.status.copy.default", map[string]any{"Dir": st.CopyDir, "UBL": st.Dir})
	}
	return lang.L("books.status.copy", map[string]any{"Dir": st.CopyDir})
}

// showStatus writes where invoices go now, and what waits for the rate
// limit.
func (p *booksPanel) showStatus() {
	st := p.st
	p.status.Importance = widget.MediumImportance
	var text string
	_, online := p.kindInfo(st.Kind)
	switch {
	case online:
		text = lang.L("books.status.online", map[string]any{"Name": st.Name, "Account": accountText(st.Account)})
		if st.UBLCopy {
			text += " " + copyText(st)
		} else {
			text += " " + lang.L("books.status.no_copy")
		}
		if !st.TokenSet {
			text += " " + lang.L("books.status.token_missing", map[string]any{"Name": st.Name})
			p.status.Importance = widget.DangerImportance
		}
	case st.Dir != "":
		text = lang.L("books.status.ubl", map[string]any{"Dir": st.Dir})
	default:
		text = lang.L("books.status.no_ledger")
		p.status.Importance = widget.WarningImportance
	}
	if info, sel := p.kindInfo(p.selected); sel && p.selected != st.Kind {
		text += "\n" + lang.L("books.status.not_connected", map[string]any{"Name": info.Name})
	}
	p.status.SetText(text)
	if w := rateWaitText(st, p.u.now()); w != "" {
		p.waiting.SetText(w)
		p.waiting.Show()
	} else {
		p.waiting.Hide()
	}
}

// rateWaitText is "12 boekingen wachten op Moneybird tot 14:35: ...", ""
// when nothing waits for the ledger's rate limit.
func rateWaitText(st app.LedgerStatus, now time.Time) string {
	if st.Waiting.Count == 0 {
		return ""
	}
	until := "–"
	if !st.Waiting.Next.IsZero() {
		until = untilText(now, st.Waiting.Next)
	}
	return lang.N("books.waiting", st.Waiting.Count, map[string]any{"N": formatNumber(st.Waiting.Count), "Name": st.Name, "Until": until})
}

// accountText is an administration as a person picks it: "Koffiebar B.V.
// (123)".
func accountText(a ledger.Account) string {
	switch {
	case a.Name == "":
		return a.ID
	case a.ID == "" || a.ID == a.Name:
		return a.Name
	}
	return a.Name + " (" + a.ID + ")"
}

// ledgerMessage is setMessage for an error of online ledger kind k (its
// own sentence, "error.ledger_auth.moneybird", where it has one).
func ledgerMessage(l *widget.Label, err error, ok string, k string) {
	kindMessage(l, err, ok, order.Source(k))
}

// connectInput is what the connection form says.
func (p *booksPanel) connectInput() app.LedgerConnect {
	c := app.LedgerConnect{Kind: p.selected, Token: strings.TrimSpace(p.token.Text), APIURL: strings.TrimSpace(p.apiURL.Text)}
	if info, ok := p.kindInfo(p.selected); ok && c.APIURL == "" {
		// The entry shows the address in use: empty is the usual one.
		c.APIURL = info.DefaultURL
	}
	for i, o := range p.admin.Options {
		if o == p.admin.Selected && i < len(p.accounts) {
			c.Administration = p.accounts[i].ID
		}
	}
	return c
}

// fetchAdministrations lists what the token reaches, for the select; one
// is selected at once.
func (p *booksPanel) fetchAdministrations() {
	c := p.connectInput()
	c.Administration = ""
	run(p.u, func(ctx context.Context) ([]ledger.Account, error) { return p.u.svc.LedgerAdministrations(ctx, c) },
		func(accs []ledger.Account, err error) {
			if err != nil {
				ledgerMessage(p.onlineMsg, err, "", c.Kind)
				return
			}
			p.setAccounts(accs)
			switch len(accs) {
			case 0:
				ledgerMessage(p.onlineMsg, &app.Error{Code: app.CodeLedgerNoAdministration}, "", c.Kind)
			case 1:
				ledgerMessage(p.onlineMsg, nil, lang.L("books.administration.one", map[string]any{"Account": accountText(accs[0])}), c.Kind)
			default:
				p.onlineMsg.Importance = widget.WarningImportance
				p.onlineMsg.SetText(lang.L("books.administration.choose"))
			}
		})
}

func (p *booksPanel) setAccounts(accs []ledger.Account) {
	p.accounts = accs
	p.admin.Options = nil
	for _, a := range accs {
		p.admin.Options = append(p.admin.Options, accountText(a))
	}
	p.admin.ClearSelected()
	if len(accs) == 1 {
		p.admin.SetSelected(p.admin.Options[0])
	}
	p.admin.Refresh()
}

// connect tests the token and makes the online ledger the ledger.
func (p *booksPanel) connect() {
	c := p.connectInput()
	// The UBL copy as the check shows it: on or off with the connect; on
	// with another folder than the copy's now, the one shown becomes it.
	on := p.copyOn.Checked
	c.Copy = &on
	copyDir := ""
	if dir := strings.TrimSpace(p.dir.Text); on && dir != p.st.CopyDir {
		copyDir = dir
	}
	p.connectBtn.Disable()
	run(p.u, func(ctx context.Context) (app.LedgerStatus, error) {
		st, err := p.u.svc.ConnectLedger(ctx, c)
		if err != nil || copyDir == "" {
			return st, err
		}
		if err := p.u.svc.SetCopyDir(ctx, copyDir); err != nil {
			// Connected all the same: the copy's folder is said below.
			p.u.post(func() { setMessage(p.dirMsg, err, "") })
			return st, nil
		}
		return p.u.svc.LedgerStatus(ctx)
	},
		func(st app.LedgerStatus, err error) {
			p.connectBtn.Enable()
			var ae *app.AdministrationsError
			if errors.As(err, &ae) {
				p.setAccounts(ae.Accounts)
				p.onlineMsg.Importance = widget.WarningImportance
				p.onlineMsg.SetText(lang.L("books.administration.choose"))
				return
			}
			if err != nil {
				ledgerMessage(p.onlineMsg, err, "", c.Kind)
				return
			}
			p.st = st
			p.token.SetText("")
			p.layout()
			p.showStatus()
			msg := lang.L("books.connected", map[string]any{"Name": st.Name, "Account": accountText(st.Account)})
			if ct := copyText(st); ct != "" {
				msg += " " + ct
			}
			ledgerMessage(p.onlineMsg, nil, msg, c.Kind)
			p.vat.load()
		})
}

// test asks the package whether the stored token still works.
func (p *booksPanel) test() {
	kind := p.st.Kind
	run(p.u, func(ctx context.Context) (ledger.Account, error) { return p.u.svc.TestLedger(ctx) },
		func(acc ledger.Account, err error) {
			ledgerMessage(p.onlineMsg, err, lang.L("books.test_ok", map[string]any{"Name": p.st.Name, "Account": accountText(acc)}), kind)
		})
}

// saveUseUBL makes the folder the only ledger again.
func (p *booksPanel) saveUseUBL() {
	dir := strings.TrimSpace(p.dir.Text)
	run(p.u, func(ctx context.Context) (app.LedgerStatus, error) {
		if dir != "" && dir != p.st.Dir {
			if err := p.u.svc.SetLedgerDir(ctx, dir); err != nil {
				return app.LedgerStatus{}, err
			}
		}
		if err := p.u.svc.UseUBL(ctx); err != nil {
			return app.LedgerStatus{}, err
		}
		return p.u.svc.LedgerStatus(ctx)
	}, func(st app.LedgerStatus, err error) {
		if err != nil {
			setMessage(p.dirMsg, err, "")
			return
		}
		p.st = st
		p.showKind(st.Kind)
		p.showStatus()
		setMessage(p.dirMsg, nil, lang.L("books.use_ubl.done"))
	})
}

// defaultInvoiceDir proposes ~/Documents/Orderbrug/Facturen.
func defaultInvoiceDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, "Documents", "Orderbrug", "Facturen")
}

// saveDir saves the folder: the ledger's, or the online ledger's copy's
// (which it turns on). With the folder chosen while an online ledger is
// connected, the folder becomes the only ledger.
func (p *booksPanel) saveDir() {
	dir := strings.TrimSpace(p.dir.Text)
	_, onlineNow := p.kindInfo(p.st.Kind)
	_, copyCard := p.kindInfo(p.selected)
	toUBL := p.selected == ledger.KindUBL && onlineNow
	run(p.u, func(ctx context.Context) (app.LedgerStatus, error) {
		set := p.u.svc.SetLedgerDir
		if copyCard {
			set = p.u.svc.SetCopyDir
		}
		if err := set(ctx, dir); err != nil {
			return app.LedgerStatus{}, err
		}
		if toUBL {
			if err := p.u.svc.UseUBL(ctx); err != nil {
				return app.LedgerStatus{}, err
			}
		}
		return p.u.svc.LedgerStatus(ctx)
	}, func(st app.LedgerStatus, err error) {
		setMessage(p.dirMsg, err, lang.L("saved"))
		if err != nil {
			return
		}
		p.st = st
		p.showKind(p.selected)
		p.showStatus()
	})
}

// setCopy turns the UBL copy beside the online ledger on or off.
func (p *booksPanel) setCopy(on bool) {
	if p.st.Kind != p.selected {
		// Not connected yet: the connect takes the check as it is then.
		return
	}
	dir := strings.TrimSpace(p.dir.Text)
	run(p.u, func(ctx context.Context) (app.LedgerStatus, error) {
		var err error
		if on && dir != p.st.CopyDir {
			err = p.u.svc.SetCopyDir(ctx, dir)
		} else {
			err = p.u.svc.SetUBLCopy(ctx, on)
		}
		if err != nil {
			return app.LedgerStatus{}, err
		}
		return p.u.svc.LedgerStatus(ctx)
	}, func(st app.LedgerStatus, err error) {
		ok := lang.L("books.copy.off")
		if on {
			ok = lang.L("books.copy.on")
		}
		setMessage(p.dirMsg, err, ok)
		if err != nil {
			p.quiet = true
			p.copyOn.SetChecked(!on)
			p.quiet = false
			return
		}
		p.st = st
		p.showStatus()
	})
}
