package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// vatMapping is the VAT mapping screen of the online ledger: a row per
// VAT case with a select of the package's tax rates (Moneybird) or VAT
// codes (e-Boekhouden) and one of its revenue accounts; shipping and fees
// have an account only (their VAT is the line's own). A choice is saved at
// once; bookings that waited for it go.
type vatMapping struct {
	p       *booksPanel
	content fyne.CanvasObject
	rows    *fyne.Container
	msg     *widget.Label
	vm      app.VATMap
	// vatSel and accSel are each row's selects, by case.
	vatSel, accSel map[ledger.Case]*widget.Select
	notes          map[ledger.Case]*widget.Label
	quiet          bool
}

func newVATMapping(p *booksPanel) *vatMapping {
	m := &vatMapping{p: p, msg: message(), rows: container.NewVBox()}
	refresh := widget.NewButtonWithIcon(lang.L("books.vat.refresh"), theme.ViewRefreshIcon(), func() { m.loadWith("", true) })
	m.content = container.NewVBox(m.rows, container.NewHBox(refresh), m.msg)
	return m
}

// load fetches the mapping and the package's choices (off the UI
// goroutine; the choices the service keeps for a few minutes) and builds
// the rows.
func (m *vatMapping) load() { m.loadWith("", false) }

// loadSaying is load, then ok on the message line (when the package's
// choices came).
func (m *vatMapping) loadSaying(ok string) { m.loadWith(ok, false) }

// loadWith is loadSaying; fresh asks the package again ("Vernieuwen").
func (m *vatMapping) loadWith(ok string, fresh bool) {
	type data struct {
		vm      app.VATMap
		choices error
	}
	run(m.p.u, func(ctx context.Context) (data, error) {
		get := m.p.u.svc.VATMapping
		if fresh {
			get = m.p.u.svc.RefreshVATMapping
		}
		vm, cerr, err := get(ctx)
		return data{vm, cerr}, err
	}, func(d data, err error) {
		if err != nil {
			ledgerMessage(m.msg, err, "", m.p.st.Kind)
			return
		}
		m.vm = d.vm
		m.build()
		if d.choices != nil {
			m.msg.Importance = widget.DangerImportance
			m.msg.SetText(lang.L("books.vat.offline", map[string]any{"Name": d.vm.Name,
				"Error": kindErrorText(d.choices, order.Source(d.vm.Kind))}))
		} else {
			ledgerMessage(m.msg, nil, ok, d.vm.Kind)
		}
	})
}

// options are a select's texts for choices, with the id of each text; a
// mapped id the package no longer offers is kept as its own text.
func options(list []ledger.Choice, cur string) (texts []string, ids map[string]string, selected string) {
	ids = map[string]string{}
	names := map[string]int{}
	for _, c := range list {
		names[c.Name]++
	}
	for _, c := range list {
		t := c.Name
		if t == "" || names[c.Name] > 1 {
			// Two of one name ("21% btw" for sales and for OSS): the
			// id tells them apart.
			t = choiceText(c)
		}
		texts = append(texts, t)
		ids[t] = c.ID
		if c.ID == cur {
			selected = t
		}
	}
	if cur != "" && selected == "" {
		texts = append(texts, cur)
		ids[cur] = cur
		selected = cur
	}
	return texts, ids, selected
}

// choiceText is a choice with its id: its name, with the id when the name
// does not hold it ("8000 Omzet" holds it).
func choiceText(c ledger.Choice) string {
	switch {
	case c.Name == "":
		return c.ID
	case c.ID == "" || containsWord(c.Name, c.ID):
		return c.Name
	}
	return c.Name + " (" + c.ID + ")"
}

func containsWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w && (i == 0 || s[i-1] == ' ') && (i+len(w) == len(s) || s[i+len(w)] == ' ') {
			return true
		}
	}
	return false
}

func (m *vatMapping) build() {
	m.quiet = true
	defer func() { m.quiet = false }()
	m.vatSel, m.accSel, m.notes = map[ledger.Case]*widget.Select{}, map[ledger.Case]*widget.Select{}, map[ledger.Case]*widget.Label{}
	vatHead := lang.L("books.vat.code")
	vatList := m.vm.Choices.VATCodes
	if m.vm.UsesTaxRates {
		vatHead = lang.L("books.vat.rate")
		vatList = m.vm.Choices.TaxRates
	}
	bold := func(s string) *widget.Label {
		l := widget.NewLabel(s)
		l.TextStyle.Bold = true
		return l
	}
	grid := container.NewGridWithColumns(4, bold(lang.L("books.vat.case")), bold(vatHead), bold(lang.L("books.vat.account")), widget.NewLabel(""))
	for _, row := range m.vm.Rows {
		row := row
		c := row.Case
		var vat fyne.CanvasObject
		if row.AccountOnly {
			own := widget.NewLabel(lang.L("books.vat.own"))
			own.Importance = widget.LowImportance
			vat = own
		} else {
			cur := row.VATCode
			if m.vm.UsesTaxRates {
				cur = row.TaxRate
			}
			texts, ids, selected := options(vatList, cur)
			sel := widget.NewSelect(texts, nil)
			sel.PlaceHolder = lang.L("books.vat.choose")
			if selected != "" {
				sel.SetSelected(selected)
			}
			sel.OnChanged = func(s string) { m.save(c, ids[s], "") }
			m.vatSel[c] = sel
			vat = sel
		}
		texts, ids, selected := options(m.vm.Choices.Accounts, row.Account)
		acc := widget.NewSelect(texts, nil)
		acc.PlaceHolder = lang.L("books.vat.choose")
		if row.AccountOnly {
			acc.PlaceHolder = lang.L("books.vat.same_account")
		}
		if selected != "" {
			acc.SetSelected(selected)
		}
		acc.OnChanged = func(s string) { m.save(c, "", ids[s]) }
		m.accSel[c] = acc
		note := widget.NewLabel(rowNote(row))
		note.Wrapping = fyne.TextWrapWord
		if row.Missing {
			note.Importance = widget.DangerImportance
		} else {
			note.Importance = widget.LowImportance
		}
		m.notes[c] = note
		name := widget.NewLabel(vatCaseText(c))
		name.Wrapping = fyne.TextWrapWord
		grid.Add(name)
		grid.Add(vat)
		grid.Add(acc)
		grid.Add(note)
	}
	m.rows.Objects = []fyne.CanvasObject{grid}
	m.rows.Refresh()
}

func rowNote(row app.VATRow) string {
	switch {
	case row.Missing:
		return lang.L("books.vat.missing")
	case row.Manual:
		return lang.L("books.vat.manual")
	}
	return ""
}

// save maps case c to the chosen VAT id or account id.
func (m *vatMapping) save(c ledger.Case, vatID, account string) {
	if m.quiet {
		return
	}
	t := ledger.Target{Account: account}
	if vatID != "" {
		if m.vm.UsesTaxRates {
			t.TaxRate = vatID
		} else {
			t.VATCode = vatID
		}
	}
	kind := m.vm.Kind
	run(m.p.u, func(ctx context.Context) (struct{}, error) { return struct{}{}, m.p.u.svc.SetVATCase(ctx, c, t) },
		func(_ struct{}, err error) {
			if err != nil {
				ledgerMessage(m.msg, err, "", kind)
				return
			}
			m.loadSaying(lang.L("books.vat.saved", map[string]any{"Case": vatCaseText(c)}))
		})
}
