package eboekhouden

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

func TestDescriptor(t *testing.T) {
	d := Descriptor()
	if d.Kind != "eboekhouden" || d.Name != "e-Boekhouden" || d.DefaultURL != DefaultURL ||
		d.NeedsAdministration || d.UsesTaxRates || d.Administrations != nil || d.New == nil {
		t.Fatalf("descriptor %+v", d)
	}
	if DefaultURL != "https://api.e-boekhouden.nl" {
		t.Errorf("DefaultURL %s", DefaultURL)
	}
	ledger.NewRegistry(d) // registers without a panic
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := d.New(ledger.Config{Token: "x", Journal: st.Journal("eb")}); err != nil {
		t.Errorf("New through the descriptor: %v", err)
	}
	if len(Source) > 10 {
		t.Errorf("source %q is longer than e-Boekhouden takes", Source)
	}
}

func TestNewRefusesMissingConfig(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := New(ledger.Config{Token: " ", Journal: st.Journal("eb")}); err == nil {
		t.Error("no token: no error")
	}
	if _, err := New(ledger.Config{Token: apiToken}); err == nil {
		t.Error("no journal: no error")
	}
	l, err := New(ledger.Config{Token: apiToken, Journal: st.Journal("eb")})
	if err != nil {
		t.Fatal(err)
	}
	if l.base != DefaultURL {
		t.Errorf("base %s", l.base)
	}
	// The token never prints, whatever verb formats the ledger.
	for _, s := range []string{fmt.Sprintf("%v", l), fmt.Sprintf("%+v", l), fmt.Sprintf("%#v", l), fmt.Sprint(l.token)} {
		if strings.Contains(s, apiToken) {
			t.Fatalf("token in %q", s)
		}
	}
}

func TestCheck(t *testing.T) {
	f := start(t)
	acct, err := f.l.Check(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Name != "e-Boekhouden" || acct.ID != "" {
		t.Errorf("account %+v", acct)
	}
	other, err := f.newLedger("another-token").Check(f.ctx)
	if err == nil {
		t.Fatalf("an unknown token checks: %+v", other)
	}
	if !isReason(err, ledger.ReasonUnauthorized) {
		t.Errorf("unknown token: %v, want %s", err, ledger.ReasonUnauthorized)
	}
	f.noToken(err)
	if n := f.emu.SessionsCreated(); n != 1 { // Defaults' session, reused by Check
		t.Errorf("sessions %d, want 1", n)
	}
}

func TestCheckRevokedAndExpiredToken(t *testing.T) {
	f := start(t)
	f.emu.RevokeAPIToken()
	_, err := f.l.Check(f.ctx)
	if !isReason(err, ledger.ReasonUnauthorized) {
		t.Fatalf("revoked: %v", err)
	}
	f.noToken(err)
	f.emu.SetAPIToken(apiToken)
	f.emu.SetAPITokenEnd(f.clk.Now().Add(-time.Second))
	_, err = f.newLedger(apiToken).Check(f.ctx)
	if !isReason(err, ledger.ReasonUnauthorized) || !strings.Contains(err.Error(), "API_SESSION_004") {
		t.Fatalf("expired API token: %v", err)
	}
	f.noToken(err)
}

func TestCheckDown(t *testing.T) {
	f := start(t)
	f.emu.ExpireSessions()
	f.emu.FailNext(1) // the next request, whatever it is
	_, err := f.l.Check(f.ctx)
	var re *ledger.ReasonError
	if err == nil || errors.As(err, &re) || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("500: %v, want a plain transient error", err)
	}
	if _, err := f.l.Check(f.ctx); err != nil {
		t.Fatalf("after the 500: %v", err)
	}
}

func TestChoices(t *testing.T) {
	f := start(t)
	ch, err := f.l.Choices(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.TaxRates) != 0 {
		t.Errorf("tax rates %v", ch.TaxRates)
	}
	codes := map[string]string{}
	for _, c := range ch.VATCodes {
		codes[c.ID] = c.Name
		if !strings.HasPrefix(c.Name, c.ID+" ") {
			t.Errorf("VAT code %s named %q", c.ID, c.Name)
		}
		if ec, ok := ebemu.VATCodes[c.ID]; !ok || !ec.Sale || ec.Divergent || ec.Before != "" {
			t.Errorf("VAT code %s is not a current sale code", c.ID)
		}
	}
	for _, want := range []string{"HOOG_VERK_21", "LAAG_VERK_9", "GEEN", "BI_EU_VERK", "BI_EU_VERK_D", "BU_EU_VERK", "VERL_VERK"} {
		if codes[want] == "" {
			t.Errorf("no %s in %v", want, codes)
		}
	}
	var names []string
	for _, a := range ch.Accounts {
		names = append(names, a.Name)
	}
	want := "4000 Algemene kosten|8000 Omzet hoog tarief|8010 Omzet laag tarief|8020 Omzet vrijgesteld / 0%|8100 Omzet binnen de EU|8110 Omzet buiten de EU|8200 Verzendkosten"
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("accounts\n%s\nwant\n%s", got, want)
	}
	if ch.Accounts[1].ID != f.ledgerID("8000") {
		t.Errorf("account id %s, want the ledger's id %s", ch.Accounts[1].ID, f.ledgerID("8000"))
	}
}

// TestChoicesPages: a chart bigger than a page is read to its end.
func TestChoicesPages(t *testing.T) {
	f := start(t)
	for i := 0; i < 2100; i++ {
		f.emu.AddLedger(ebemu.Ledger{Code: fmt.Sprintf("9%04d", i), Description: "Extra", Category: "VW"})
	}
	ch, err := f.l.Choices(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Accounts) != 7+2100 {
		t.Errorf("%d accounts, want %d", len(ch.Accounts), 7+2100)
	}
}

func TestDefaults(t *testing.T) {
	f := start(t)
	m, err := f.l.Defaults(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := ledger.Mapping{
		ledger.Case21:            {VATCode: "HOOG_VERK_21", Account: f.ledgerID("8000")},
		ledger.Case9:             {VATCode: "LAAG_VERK_9", Account: f.ledgerID("8010")},
		ledger.Case0:             {VATCode: "GEEN", Account: f.ledgerID("8020")},
		ledger.CaseReverseCharge: {VATCode: "BI_EU_VERK_D", Account: f.ledgerID("8100")},
		ledger.CaseIntraEUGoods:  {VATCode: "BI_EU_VERK", Account: f.ledgerID("8100")},
		ledger.CaseExport:        {VATCode: "BU_EU_VERK", Account: f.ledgerID("8110")},
		ledger.CaseShipping:      {Account: f.ledgerID("8200")},
	}
	if len(m) != len(want) {
		t.Errorf("mapping %v, want %v", m, want)
	}
	for c, w := range want {
		if m[c] != w {
			t.Errorf("case %s: %+v, want %+v", c, m[c], w)
		}
	}
}

// TestDefaultsPlainChart: a chart whose ledgers name no VAT case puts
// every case on the lowest 8xxx ledger; without a "Verzend" ledger
// shipping follows its VAT case; without any revenue ledger the codes
// stay and the accounts are empty.
func TestDefaultsPlainChart(t *testing.T) {
	m := defaultMapping([]ledgerItem{
		{ID: 3, Code: "8050", Description: "Omzet webwinkel", Category: "VW"},
		{ID: 1, Code: "4000", Description: "Kosten", Category: "VW"},
		{ID: 2, Code: "8010", Description: "Omzet", Category: "VW"},
	})
	for _, c := range []ledger.Case{ledger.Case21, ledger.Case9, ledger.Case0, ledger.CaseReverseCharge, ledger.CaseIntraEUGoods, ledger.CaseExport} {
		if m[c].Account != "2" || m[c].VATCode != defaultCodes[c] {
			t.Errorf("case %s: %+v, want the lowest 8xxx ledger (id 2)", c, m[c])
		}
	}
	if _, ok := m[ledger.CaseShipping]; ok {
		t.Errorf("shipping mapped without a Verzend ledger: %+v", m[ledger.CaseShipping])
	}
	m = defaultMapping(nil)
	if m[ledger.Case21] != (ledger.Target{VATCode: "HOOG_VERK_21"}) || len(m) != 6 {
		t.Errorf("no revenue ledgers: %v", m)
	}
}

func isReason(err error, reason string) bool {
	var re *ledger.ReasonError
	return errors.As(err, &re) && re.Reason == reason
}
