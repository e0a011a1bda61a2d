package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/store"
)

// The VAT mapping of the online ledger: per VAT case the package's tax
// rate or VAT code and revenue account, kept per kind (and Moneybird
// administration) with the cases a person set; the package's choices are
// kept for a few minutes so that mapping costs no requests against
// Moneybird's limit.

// storedMapping is a kind's VAT mapping, for the administration it was
// made for (another administration's tax rates and accounts are not this
// one's), with the cases a person set: a new connect fills in the
// package's defaults for the others only.
type storedMapping struct {
	Administration string         `json:"administration"`
	Mapping        ledger.Mapping `json:"mapping"`
	Manual         []ledger.Case  `json:"manual,omitempty"`
}

func (s *Service) storedMapping(ctx context.Context, kind string) (storedMapping, error) {
	var m storedMapping
	if err := s.store.GetSetting(ctx, keyLedgerMapping+kind, &m); err != nil && !errors.Is(err, store.ErrNotFound) {
		return m, err
	}
	if m.Mapping == nil {
		m.Mapping = ledger.Mapping{}
	}
	return m, nil
}

// mapping is kind's mapping for administration: empty when it was made
// for another one (bookings then wait with vat_unmapped).
func (s *Service) mapping(ctx context.Context, kind, administration string) (ledger.Mapping, error) {
	m, err := s.storedMapping(ctx, kind)
	if err != nil {
		return nil, err
	}
	if m.Administration != administration {
		return ledger.Mapping{}, nil
	}
	return m.Mapping, nil
}

// mappingAdmin is the administration a kind's mapping belongs to: the
// chosen one where the kind has several per token; "" where it has one
// (a renewed token keeps the mapping).
func mappingAdmin(d ledger.Descriptor, o OnlineSettings) string {
	if d.NeedsAdministration {
		return o.Administration
	}
	return ""
}

// choicesTTL is how long the package's Choices are kept: the mapping
// screen and every change of it read them, and each asking costs
// requests (Moneybird: two of its 150 per 5 minutes, shared with the
// bookings of a backlog). A tax rate or account made in the package since
// is found all the same: an id not among the kept ones asks again.
const choicesTTL = 5 * time.Minute

// choicesCache is the Choices of the online ledger of key, asked at at.
type choicesCache struct {
	key string
	at  time.Time
	ch  ledger.Choices
}

// ledgerChoices are l's Choices: the kept ones when they are of key and
// younger than choicesTTL (fresh: never), else asked now and kept.
func (s *Service) ledgerChoices(ctx context.Context, l ledger.Online, key string, fresh bool) (ledger.Choices, error) {
	now := s.clock.Now()
	s.choicesMu.Lock()
	c := s.choices
	s.choicesMu.Unlock()
	if !fresh && c.key == key && now.Sub(c.at) < choicesTTL {
		return c.ch, nil
	}
	ch, err := l.Choices(ctx)
	if err != nil {
		return ch, err
	}
	s.choicesMu.Lock()
	s.choices = choicesCache{key: key, at: now, ch: ch}
	s.choicesMu.Unlock()
	return ch, nil
}

// forgetChoices drops the kept Choices (another ledger, token or
// administration; "Vernieuwen").
func (s *Service) forgetChoices() {
	s.choicesMu.Lock()
	s.choices = choicesCache{}
	s.choicesMu.Unlock()
}

// RefreshVATMapping is VATMapping with the package asked again (not the
// choices kept for a few minutes): the mapping screen's "Vernieuwen".
func (s *Service) RefreshVATMapping(ctx context.Context) (vm VATMap, choicesErr error, err error) {
	s.forgetChoices()
	return s.VATMapping(ctx)
}

// LedgerAccountName is the name of the online ledger's revenue account id
// as the choices kept show it ("8000 Omzet"), "" when they are not kept
// or lack it. It asks nothing.
func (s *Service) LedgerAccountName(id string) string {
	s.choicesMu.Lock()
	defer s.choicesMu.Unlock()
	for _, a := range s.choices.ch.Accounts {
		if a.ID == id {
			return a.Name
		}
	}
	return ""
}

// VATRow is one case of the VAT mapping as the screen and the CLI show it.
type VATRow struct {
	Case ledger.Case `json:"case"`
	// AccountOnly: shipping and fees map an account only.
	AccountOnly bool `json:"account_only"`
	// TaxRate (Moneybird) or VATCode (e-Boekhouden), and Account: the
	// package's ids; the names when the package could be asked.
	TaxRate     string `json:"tax_rate,omitempty"`
	VATCode     string `json:"vat_code,omitempty"`
	Account     string `json:"account"`
	VATName     string `json:"vat_name"`
	AccountName string `json:"account_name"`
	// Manual: a person set it (a connect keeps it).
	Manual bool `json:"manual"`
	// Missing: a booking of this case waits (the VAT or the account is
	// not mapped).
	Missing bool `json:"missing"`
}

// VATMap is the online ledger's VAT mapping with what the package offers.
type VATMap struct {
	Kind         string         `json:"kind"`
	Name         string         `json:"name"`
	UsesTaxRates bool           `json:"uses_tax_rates"`
	Rows         []VATRow       `json:"rows"`
	Choices      ledger.Choices `json:"choices"`
}

// VATMapping returns the mapping of the online ledger, with the package's
// choices and the names of what is mapped. choicesErr is set (and the rows
// have ids only) when the package could not be asked.
func (s *Service) VATMapping(ctx context.Context) (vm VATMap, choicesErr error, err error) {
	d, l, key, err := s.currentOnlineKey(ctx)
	if err != nil {
		return vm, nil, err
	}
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return vm, nil, err
	}
	m, err := s.storedMapping(ctx, d.Kind)
	if err != nil {
		return vm, nil, err
	}
	if m.Administration != mappingAdmin(d, ls.Online[d.Kind]) {
		m = storedMapping{Mapping: ledger.Mapping{}}
	}
	vm = VATMap{Kind: d.Kind, Name: d.Name, UsesTaxRates: d.UsesTaxRates, Choices: ledger.Choices{Accounts: []ledger.Choice{}}}
	ch, cerr := s.ledgerChoices(ctx, l, key, false)
	if cerr != nil {
		choicesErr = ledgerError(d, cerr)
	} else {
		vm.Choices = ch
		if vm.Choices.Accounts == nil {
			vm.Choices.Accounts = []ledger.Choice{}
		}
	}
	name := func(list []ledger.Choice, id string) string {
		for _, c := range list {
			if c.ID == id {
				return c.Name
			}
		}
		return ""
	}
	for _, c := range ledger.Cases {
		t := m.Mapping[c]
		row := VATRow{Case: c, AccountOnly: c.AccountOnly(), TaxRate: t.TaxRate, VATCode: t.VATCode, Account: t.Account,
			Manual: slices.Contains(m.Manual, c)}
		if d.UsesTaxRates {
			row.VATName = name(vm.Choices.TaxRates, t.TaxRate)
		} else {
			row.VATName = name(vm.Choices.VATCodes, t.VATCode)
		}
		row.AccountName = name(vm.Choices.Accounts, t.Account)
		code := t.VATCode
		if d.UsesTaxRates {
			code = t.TaxRate
		}
		row.Missing = !c.AccountOnly() && (code == "" || t.Account == "")
		vm.Rows = append(vm.Rows, row)
	}
	return vm, choicesErr, nil
}

// SetVATCase maps case c to t: for a VAT case its tax rate (Moneybird) or
// VAT code (e-Boekhouden) and optionally its account, for shipping and
// fees the account only. Every id must be one the package offers. An
// empty field keeps what was mapped. Bookings that waited for a mapping go
// at once.
func (s *Service) SetVATCase(ctx context.Context, c ledger.Case, t ledger.Target) error {
	d, l, key, err := s.currentOnlineKey(ctx)
	if err != nil {
		return err
	}
	switch {
	case c.AccountOnly() && (t.TaxRate != "" || t.VATCode != ""):
		return invalid("case", fmt.Errorf("%s maps a revenue account only: its VAT follows the line's own case", c))
	case d.UsesTaxRates && t.VATCode != "":
		return invalid("vat_code", fmt.Errorf("%s maps tax rates (--tax-rate), not VAT codes", d.Name))
	case !d.UsesTaxRates && t.TaxRate != "":
		return invalid("tax_rate", fmt.Errorf("%s maps VAT codes (--vat-code), not tax rates", d.Name))
	case t == ledger.Target{}:
		if c.AccountOnly() {
			return required("account")
		}
		if d.UsesTaxRates {
			return required("tax_rate")
		}
		return required("vat_code")
	}
	// The choices kept: a mapping change costs the package no requests
	// (during a backlog they are the bookings'). An id not among them may
	// be new in the package: asked again once before it is refused.
	ch, err := s.ledgerChoices(ctx, l, key, false)
	if err != nil {
		return ledgerError(d, err)
	}
	has := func(list []ledger.Choice, id string) bool {
		return id == "" || slices.ContainsFunc(list, func(x ledger.Choice) bool { return x.ID == id })
	}
	if !has(ch.TaxRates, t.TaxRate) || !has(ch.VATCodes, t.VATCode) || !has(ch.Accounts, t.Account) {
		if ch, err = s.ledgerChoices(ctx, l, key, true); err != nil {
			return ledgerError(d, err)
		}
	}
	offered := func(field string, list []ledger.Choice, id string) error {
		if id == "" {
			return nil
		}
		for _, x := range list {
			if x.ID == id {
				return nil
			}
		}
		ids := make([]string, 0, len(list))
		for _, x := range list {
			ids = append(ids, x.ID)
		}
		return invalid(field, fmt.Errorf("%s offers no %s %q (it has: %s)", d.Name, strings.ReplaceAll(field, "_", " "), id, strings.Join(ids, ", ")))
	}
	if err := errors.Join(offered("tax_rate", ch.TaxRates, t.TaxRate), offered("vat_code", ch.VATCodes, t.VATCode),
		offered("account", ch.Accounts, t.Account)); err != nil {
		return err
	}
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return err
	}
	m, err := s.storedMapping(ctx, d.Kind)
	if err != nil {
		return err
	}
	admin := mappingAdmin(d, ls.Online[d.Kind])
	if m.Administration != admin {
		m = storedMapping{Administration: admin, Mapping: ledger.Mapping{}}
	}
	cur := m.Mapping[c]
	if t.TaxRate != "" {
		cur.TaxRate = t.TaxRate
	}
	if t.VATCode != "" {
		cur.VATCode = t.VATCode
	}
	if t.Account != "" {
		cur.Account = t.Account
	}
	m.Mapping[c] = cur
	if !slices.Contains(m.Manual, c) {
		m.Manual = append(m.Manual, c)
	}
	if err := s.store.SetSetting(ctx, keyLedgerMapping+d.Kind, m); err != nil {
		return err
	}
	return s.settingsChanged(ctx, ledger.ReasonVATUnmapped, ledger.ReasonAccountUnmapped)
}
