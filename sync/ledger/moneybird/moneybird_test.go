package moneybird

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

func TestDescriptor(t *testing.T) {
	d := Descriptor()
	if d.Kind != "moneybird" || d.Name != "Moneybird" || d.DefaultURL != DefaultURL || !d.NeedsAdministration || !d.UsesTaxRates {
		t.Fatalf("descriptor %+v", d)
	}
	if d.Administrations == nil || d.New == nil {
		t.Fatal("descriptor without Administrations or New")
	}
	e := newEnv(t)
	before := e.mb.Requests()
	on, err := d.New(e.config("moneybird/x"))
	if err != nil || on == nil {
		t.Fatalf("New: %v, %v", on, err)
	}
	if _, ok := on.(ledger.Reporter); !ok {
		t.Fatal("the ledger is no ledger.Reporter")
	}
	if e.mb.Requests() != before {
		t.Fatal("New sent a request")
	}
	// Registering it must work beside UBL.
	ledger.NewRegistry(d)
}

func TestNewRefusesMissingConfig(t *testing.T) {
	e := newEnv(t)
	for name, change := range map[string]func(*ledger.Config){
		"token":          func(c *ledger.Config) { c.Token = " " },
		"administration": func(c *ledger.Config) { c.Administration = "" },
		"journal":        func(c *ledger.Config) { c.Journal = nil },
	} {
		cfg := e.config("moneybird/x")
		change(&cfg)
		if l, err := New(cfg); err == nil || l != nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v, %v", name, l, err)
		}
		if on, err := Descriptor().New(cfg); err == nil || on != nil {
			t.Errorf("descriptor without %s: %v, %v (a typed nil is not nil)", name, on, err)
		}
	}
}

func TestAdministrations(t *testing.T) {
	e := newEnv(t)
	got, err := Administrations(e.ctx, e.config(""))
	if err != nil {
		t.Fatal(err)
	}
	want := []ledger.Account{{ID: adminID, Name: "Webwinkel De Proef"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	cfg := e.config("")
	cfg.Token = "wrong-token-123456"
	_, err = Administrations(e.ctx, cfg)
	if reasonOf(err) != ledger.ReasonUnauthorized {
		t.Fatalf("a wrong token: %v", err)
	}
	if strings.Contains(err.Error(), cfg.Token) {
		t.Fatalf("the token is in the error: %v", err)
	}
	cfg.Token = ""
	if _, err := Administrations(e.ctx, cfg); err == nil {
		t.Fatal("no token: no error")
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t)
	acc, err := e.l.Check(e.ctx)
	if err != nil || acc != (ledger.Account{ID: adminID, Name: "Webwinkel De Proef"}) {
		t.Fatalf("Check: %+v, %v", acc, err)
	}

	other := e.config("moneybird/2")
	other.Administration = "999"
	l2, _ := New(other)
	_, err = l2.Check(e.ctx)
	if reasonOf(err) != ledger.ReasonUnauthorized || !errors.Is(err, ErrNoAdministration) || !strings.Contains(err.Error(), adminID) {
		t.Fatalf("another administration: %v", err)
	}

	// A token without the sales_invoices scope reaches the
	// administration but cannot book.
	e.mb.AddToken("time-only-token-000", "time_entries")
	c := e.config("moneybird/3")
	c.Token = "time-only-token-000"
	l3, _ := New(c)
	if _, err := l3.Check(e.ctx); reasonOf(err) != ledger.ReasonUnauthorized || !strings.Contains(err.Error(), "sales_invoices") {
		t.Fatalf("no scope: %v", err)
	}

	e.mb.SetSuspended(true)
	if _, err := e.l.Check(e.ctx); reasonOf(err) != ledger.ReasonUnauthorized || !strings.Contains(err.Error(), "suspended") {
		t.Fatalf("suspended: %v", err)
	}
	e.mb.SetSuspended(false)

	e.mb.RevokeToken(tok)
	_, err = e.l.Check(e.ctx)
	if reasonOf(err) != ledger.ReasonUnauthorized {
		t.Fatalf("revoked: %v", err)
	}
	noToken(t, err)
}

func TestChoices(t *testing.T) {
	e := newEnv(t)
	ch, err := e.l.Choices(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rates []string
	for _, r := range ch.TaxRates {
		rates = append(rates, r.Name)
		if r.ID == "" {
			t.Errorf("rate %q without id", r.Name)
		}
	}
	// Active sales rates only: not the old 6 %, not the purchase rates.
	want := []string{"21% btw", "9% btw", "0% btw", "Btw verlegd", "Binnen EU", "Buiten EU", "BE 21% btw (OSS)"}
	if !reflect.DeepEqual(rates, want) {
		t.Errorf("tax rates %q, want %q", rates, want)
	}
	if ch.TaxRates[0].ID != e.mb.TaxRateID("21% btw") {
		t.Errorf("21%% btw has id %s", ch.TaxRates[0].ID)
	}
	var accounts []string
	for _, a := range ch.Accounts {
		accounts = append(accounts, a.Name)
	}
	// Revenue accounts with a code, by code: not "Omzet zonder code",
	// not Debiteuren or Kas.
	wantAcc := []string{"8000 Omzet", "8010 Omzet laag tarief", "8100 Omzet buitenland", "8200 Verzendkosten"}
	if !reflect.DeepEqual(accounts, wantAcc) {
		t.Errorf("accounts %q, want %q", accounts, wantAcc)
	}
	if ch.VATCodes != nil {
		t.Errorf("Moneybird has no VAT codes: %v", ch.VATCodes)
	}
	if ch.Accounts[3].ID != e.mb.LedgerAccountID("8200") {
		t.Errorf("8200 has id %s", ch.Accounts[3].ID)
	}
}

func TestDefaults(t *testing.T) {
	e := newEnv(t)
	m, err := e.l.Defaults(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := e.mapping // the mapping the tests book with is the default one
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("defaults\n got %v\nwant %v", m, want)
	}
	// Every case the default maps resolves.
	for _, c := range ledger.Cases {
		if _, ok := m[c]; !ok {
			t.Errorf("case %s left out", c)
		}
	}
}

func TestDefaultsWithoutShippingAccountOrRates(t *testing.T) {
	rates := []taxRate{
		{ID: "1", Name: "21% btw", Percentage: "21.0", TaxRateType: "sales_invoice", Active: true},
		{ID: "2", Name: "21% btw BE", Percentage: "21.0", TaxRateType: "sales_invoice", Active: true, Country: ptr("BE")},
	}
	code := func(s string) *string { return &s }
	accounts := []ledgerAccount{{ID: "10", Name: "Omzet", AccountType: "revenue", AccountID: code("8001")}}
	m := defaults(rates, accounts)
	want := ledger.Mapping{
		ledger.Case21:       {TaxRate: "1", Account: "10"},
		ledger.CaseShipping: {Account: "10"},
		ledger.CaseFees:     {Account: "10"},
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %v, want %v", m, want)
	}
}

func ptr(s string) *string { return &s }
