package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	_ "modernc.org/sqlite"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

const (
	mbAdmin = "123456789"
	mbToken = "mb-personal-token-0123456789abcdef"
	ebToken = "eb-api-token-fedcba9876543210"
)

// cliIn is cli with stdin (a token given as "-").
func cliIn(t *testing.T, dataDir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	return cliOpts(t, app.Options{}, dataDir, stdin, args...)
}

// cliOpts is cliIn with the service's options (a clock, a logger).
func cliOpts(t *testing.T, opt app.Options, dataDir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &app.CLI{Stdout: &out, Stderr: &errOut, Stdin: strings.NewReader(stdin), Options: opt}
	code := c.Run(context.Background(), append([]string{"--data-dir", dataDir}, args...))
	return code, out.String(), errOut.String()
}

// ledgerRun runs commands on one data directory and fails on a token in
// any output or in what the service logged.
type ledgerRun struct {
	t      *testing.T
	dir    string
	tokens []string
	// clock, when set, is the service's clock (a fake one: a booking
	// retried later is due after Advance).
	clock clockwork.Clock
}

func (r ledgerRun) run(stdin string, args ...string) (int, string, string) {
	r.t.Helper()
	var logs bytes.Buffer
	opt := app.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if r.clock != nil {
		opt.Clock = r.clock
	}
	code, out, errOut := cliOpts(r.t, opt, r.dir, stdin, args...)
	for _, tok := range r.tokens {
		if strings.Contains(out+errOut, tok) {
			r.t.Fatalf("orderbrug %s printed the token:\n%s%s", strings.Join(args, " "), out, errOut)
		}
		if strings.Contains(logs.String(), tok) {
			r.t.Fatalf("orderbrug %s logged the token:\n%s", strings.Join(args, " "), logs.String())
		}
	}
	return code, out, errOut
}

// noTokenStored fails on a token anywhere in the database but its own
// setting: other settings, the outbox, the orders, the events and the
// ledger journal.
func (r ledgerRun) noTokenStored() {
	r.t.Helper()
	for k, v := range settingsText(r.t, r.dir) {
		for _, tok := range r.tokens {
			if strings.Contains(v, tok) && !strings.HasPrefix(k, "ledger_token/") {
				r.t.Errorf("setting %s holds a token: %s", k, v)
			}
		}
	}
	db, err := sql.Open("sqlite", filepath.Join(r.dir, store.FileName))
	if err != nil {
		r.t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`SELECT key || ' ' || last_error || ' ' || ref || ' ' || note FROM outbox`,
		`SELECT ext_id || ' ' || reason || ' ' || reason_arg || ' ' || detail FROM orders`,
		`SELECT code || ' ' || args || ' ' || detail FROM events`,
		`SELECT ns || ' ' || key || ' ' || ref || ' ' || data FROM ledger_journal`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			r.t.Fatalf("%s: %v", q, err)
		}
		n := 0
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				r.t.Fatal(err)
			}
			n++
			for _, tok := range r.tokens {
				if strings.Contains(v, tok) {
					r.t.Errorf("%s: a row holds a token: %s", q, v)
				}
			}
		}
		rows.Close()
		if n == 0 && strings.Contains(q, "ledger_journal") {
			r.t.Errorf("the journal is empty: the scan saw nothing")
		}
	}
}

func (r ledgerRun) ok(stdin string, args ...string) string {
	r.t.Helper()
	code, out, errOut := r.run(stdin, args...)
	if code != 0 {
		r.t.Fatalf("orderbrug %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (r ledgerRun) fails(code int, says string, stdin string, args ...string) {
	r.t.Helper()
	got, out, errOut := r.run(stdin, args...)
	if got != code || !strings.Contains(errOut, says) {
		r.t.Errorf("orderbrug %s: exit %d\n%s%s\nwant exit %d saying %q", strings.Join(args, " "), got, out, errOut, code, says)
	}
}

func (r ledgerRun) status() app.LedgerStatus {
	r.t.Helper()
	var st app.LedgerStatus
	out := r.ok("", "ledger", "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		r.t.Fatalf("ledger status --json: %v\n%s", err, out)
	}
	return st
}

func (r ledgerRun) vatMap() app.VATMap {
	r.t.Helper()
	var vm app.VATMap
	out := r.ok("", "ledger", "vat-map", "--json")
	if err := json.Unmarshal([]byte(out), &vm); err != nil {
		r.t.Fatalf("ledger vat-map --json: %v\n%s", err, out)
	}
	return vm
}

func row(t *testing.T, vm app.VATMap, c ledger.Case) app.VATRow {
	t.Helper()
	for _, r := range vm.Rows {
		if r.Case == c {
			return r
		}
	}
	t.Fatalf("vat-map has no case %s: %+v", c, vm.Rows)
	return app.VATRow{}
}

// settingsText is every setting in the database, as stored: a token may
// be in its own key only.
func settingsText(t *testing.T, dir string) map[string]string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT key, value FROM settings`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

func newMoneybird(t *testing.T) (*mbemu.Moneybird, string) {
	t.Helper()
	mb := mbemu.New(mbAdmin, mbToken)
	srv := httptest.NewServer(mb)
	t.Cleanup(srv.Close)
	mb.SetURL(srv.URL)
	return mb, srv.URL + "/api/v2"
}

// TestLedgerMoneybirdCLI: connecting Moneybird from the command line
// tests the token first (a wrong one is refused and not saved), takes the
// only administration, fills the VAT mapping with Moneybird's defaults,
// keeps what a person set when connecting again, and never prints the
// token; the UBL copy goes on with a folder and off on request, but not
// while the folder is the only ledger.
func TestLedgerMoneybirdCLI(t *testing.T) {
	mb, apiURL := newMoneybird(t)
	r := ledgerRun{t: t, dir: filepath.Join(t.TempDir(), "data"), tokens: []string{mbToken, "wrong-token-xyz"}}

	// Plain http to another computer: the token would cross the network
	// readable (a wrong command line); to this one (the emulator) it is fine.
	r.fails(2, "plain http", "", "ledger", "moneybird", "--token", "x", "--api-url", "http://moneybird.example/api/v2")
	r.fails(2, "plain http", "", "ledger", "moneybird", "--token", "x", "--api-url", "http://10.0.0.5:8080/api/v2")

	// Nothing connected: vat-map says so.
	r.fails(1, "no_online_ledger", "", "ledger", "vat-map")
	// A wrong token: refused, nothing saved.
	r.fails(1, "refuses the token", "wrong-token-xyz\n", "ledger", "moneybird", "--token", "-", "--api-url", apiURL)
	if st := r.status(); st.Kind != "ubl" || st.TokenSet {
		t.Fatalf("after a refused token: %+v", st)
	}
	// The right one from stdin, without --administration: the only one.
	out := r.ok(mbToken+"\n", "ledger", "moneybird", "--token", "-", "--api-url", apiURL)
	if !strings.Contains(out, "Moneybird") || !strings.Contains(out, "Webwinkel De Proef") || !strings.Contains(out, mbAdmin) {
		t.Errorf("connect said:\n%s", out)
	}
	st := r.status()
	if st.Kind != "moneybird" || st.Name != "Moneybird" || !st.TokenSet || st.Account.ID != mbAdmin ||
		st.Account.Name != "Webwinkel De Proef" || st.APIURL != apiURL || st.UBLCopy || st.Waiting.Count != 0 {
		t.Errorf("status: %+v", st)
	}
	for k, v := range settingsText(t, r.dir) {
		if strings.Contains(v, mbToken) && k != "ledger_token/moneybird" {
			t.Errorf("setting %s holds the token: %s", k, v)
		}
	}

	// The defaults: Moneybird's own rates and accounts.
	vm := r.vatMap()
	if vm.Kind != "moneybird" || !vm.UsesTaxRates || len(vm.Rows) != len(ledger.Cases) || len(vm.Choices.TaxRates) == 0 {
		t.Fatalf("vat-map: %+v", vm)
	}
	if got := row(t, vm, ledger.Case21); got.TaxRate != mb.TaxRateID("21% btw") || got.VATName != "21% btw" ||
		got.Account != mb.LedgerAccountID("8000") || got.Missing || got.Manual {
		t.Errorf("21: %+v", got)
	}
	if got := row(t, vm, ledger.CaseExport); got.TaxRate != mb.TaxRateID("Buiten EU") || got.Missing {
		t.Errorf("export: %+v", got)
	}
	if got := row(t, vm, ledger.CaseShipping); !got.AccountOnly || got.Account != mb.LedgerAccountID("8200") || got.TaxRate != "" {
		t.Errorf("shipping: %+v", got)
	}
	text := r.ok("", "ledger", "vat-map")
	if !strings.Contains(text, "TAX RATE") || !strings.Contains(text, "21% btw") || !strings.Contains(text, "intra_eu_goods") {
		t.Errorf("vat-map:\n%s", text)
	}

	// A person maps a case; wrong ids and wrong flags are refused.
	buitenland := mb.LedgerAccountID("8100")
	r.ok("", "ledger", "vat-map", "set", "export", "--account", buitenland)
	r.fails(1, "offers no tax rate", "", "ledger", "vat-map", "set", "21", "--tax-rate", "999")
	r.fails(2, "maps tax rates", "", "ledger", "vat-map", "set", "21", "--vat-code", "HOOG_VERK_21")
	r.fails(2, "--account only", "", "ledger", "vat-map", "set", "shipping", "--tax-rate", mb.TaxRateID("21% btw"))
	r.fails(2, "ledger ubl --dir DIR | ledger ubl --off", "", "ledger", "ubl")
	r.fails(1, "offers no account", "", "ledger", "vat-map", "set", "fees", "--account", mb.LedgerAccountID("1300"))
	r.fails(2, "ledger vat-map set CASE", "", "ledger", "vat-map", "set", "21")
	if got := row(t, r.vatMap(), ledger.CaseExport); got.Account != buitenland || !got.Manual {
		t.Errorf("export after set: %+v", got)
	}
	// Connecting again (the stored token, no flags) keeps it.
	r.ok("", "ledger", "moneybird")
	if got := row(t, r.vatMap(), ledger.CaseExport); got.Account != buitenland || !got.Manual {
		t.Errorf("export after a new connect: %+v", got)
	}
	if st := r.status(); st.APIURL != apiURL || st.Account.ID != mbAdmin {
		t.Errorf("a connect without flags lost the API URL or administration: %+v", st)
	}

	// The UBL copy: on with a folder, off on request.
	copyDir := filepath.Join(t.TempDir(), "kopie")
	out = r.ok("", "ledger", "ubl", "--dir", copyDir)
	if !strings.Contains(out, "UBL copy in "+copyDir) {
		t.Errorf("ledger ubl --dir beside Moneybird: %s", out)
	}
	if st := r.status(); st.Kind != "moneybird" || !st.UBLCopy || st.CopyDir != copyDir || st.Dir != "" {
		t.Errorf("with a copy: %+v", st)
	}
	r.ok("", "ledger", "ubl", "--off")
	if st := r.status(); st.Kind != "moneybird" || st.UBLCopy || st.CopyDir != copyDir {
		t.Errorf("copy off: %+v", st)
	}
	// Back to the folder: the copy cannot go off there.
	r.ok("", "ledger", "use", "ubl")
	if st := r.status(); st.Kind != "ubl" || st.Dir != copyDir || st.UBLCopy {
		t.Errorf("ledger use ubl: %+v", st)
	}
	r.fails(1, "not_allowed", "", "ledger", "ubl", "--off")
	r.fails(1, "no_online_ledger", "", "ledger", "vat-map")
	// And to Moneybird again, with what was kept: the copy off still
	// (ledger ubl --dir turns it on).
	r.ok("", "ledger", "use", "moneybird")
	if st := r.status(); st.Kind != "moneybird" || !st.TokenSet || st.Account.ID != mbAdmin || st.UBLCopy || st.Dir != copyDir {
		t.Errorf("ledger use moneybird: %+v", st)
	}
	r.ok("", "ledger", "ubl", "--dir", copyDir)
	if st := r.status(); st.Kind != "moneybird" || !st.UBLCopy {
		t.Errorf("ledger use moneybird: %+v", st)
	}

	// A revoked token: the test says so.
	mb.RevokeToken(mbToken)
	r.fails(1, "refuses the token", "", "ledger", "moneybird")
}

// TestLedgerMoneybirdSeveralAdministrations: a token that reaches several
// administrations is a wrong command line (exit 2) listing them until one
// is chosen.
func TestLedgerMoneybirdSeveralAdministrations(t *testing.T) {
	mb := mbemu.New(mbAdmin, mbToken)
	// The emulator has one administration; the listing of a token that
	// reaches two is answered here, the rest by the emulator.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/api/v2/administrations.json" && req.Header.Get("Authorization") == "Bearer "+mbToken {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`[{"id":"` + mbAdmin + `","name":"Webwinkel De Proef"},{"id":"987654321","name":"Theehuis B.V."}]`))
			return
		}
		mb.ServeHTTP(w, req)
	}))
	defer srv.Close()
	mb.SetURL(srv.URL)
	r := ledgerRun{t: t, dir: filepath.Join(t.TempDir(), "data"), tokens: []string{mbToken}}
	code, out, errOut := r.run(mbToken+"\n", "ledger", "moneybird", "--token", "-", "--api-url", srv.URL+"/api/v2")
	if code != 2 || out != "" || !strings.Contains(errOut, "2 administrations") || !strings.Contains(errOut, "987654321  Theehuis B.V.") ||
		!strings.Contains(errOut, mbAdmin+"  Webwinkel De Proef") {
		t.Fatalf("several administrations: exit %d\n%s%s", code, out, errOut)
	}
	if st := r.status(); st.Kind != "ubl" || st.TokenSet {
		t.Errorf("nothing is saved before one is chosen: %+v", st)
	}
	r.ok(mbToken+"\n", "ledger", "moneybird", "--token", "-", "--administration", mbAdmin, "--api-url", srv.URL+"/api/v2")
	if st := r.status(); st.Account.ID != mbAdmin || st.Account.Name != "Webwinkel De Proef" {
		t.Errorf("chosen: %+v", st)
	}
}

func newEBoekhouden(t *testing.T) (*ebemu.Emu, string) {
	t.Helper()
	eb := ebemu.New(ebToken)
	srv := httptest.NewServer(eb)
	t.Cleanup(srv.Close)
	return eb, srv.URL
}

// TestLedgerEBoekhoudenCLI: e-Boekhouden connects with its token alone
// (no administration to choose), maps VAT codes, not tax rates.
func TestLedgerEBoekhoudenCLI(t *testing.T) {
	_, apiURL := newEBoekhouden(t)
	r := ledgerRun{t: t, dir: filepath.Join(t.TempDir(), "data"), tokens: []string{ebToken, "nope-token"}}
	r.fails(1, "refuses the token", "nope-token\n", "ledger", "eboekhouden", "--token", "-", "--api-url", apiURL)
	r.fails(2, "unknown flag: --administration", "", "ledger", "eboekhouden", "--token", "x", "--administration", "1")
	r.ok(ebToken+"\n", "ledger", "eboekhouden", "--token", "-", "--api-url", apiURL)
	st := r.status()
	// One administration per token: no id (not the token's fingerprint).
	if st.Kind != "eboekhouden" || st.Name != "e-Boekhouden" || !st.TokenSet || st.APIURL != apiURL || st.Account.ID != "" ||
		st.Account.Name != "e-Boekhouden" {
		t.Errorf("status: %+v", st)
	}
	if text := r.ok("", "ledger", "status"); !strings.Contains(text, "administration e-Boekhouden, token set") {
		t.Errorf("ledger status:\n%s", text)
	}
	vm := r.vatMap()
	if vm.UsesTaxRates || len(vm.Choices.VATCodes) == 0 {
		t.Fatalf("vat-map: %+v", vm)
	}
	for c, code := range map[ledger.Case]string{ledger.Case21: "HOOG_VERK_21", ledger.Case9: "LAAG_VERK_9", ledger.Case0: "GEEN",
		ledger.CaseReverseCharge: "BI_EU_VERK_D", ledger.CaseIntraEUGoods: "BI_EU_VERK", ledger.CaseExport: "BU_EU_VERK"} {
		if got := row(t, vm, c); got.VATCode != code || got.Account == "" || got.Missing {
			t.Errorf("%s: %+v, want %s", c, got, code)
		}
	}
	r.fails(2, "maps VAT codes", "", "ledger", "vat-map", "set", "21", "--tax-rate", "1")
	r.fails(1, "offers no vat code", "", "ledger", "vat-map", "set", "21", "--vat-code", "HOOG_VERK_25")
	r.ok("", "ledger", "vat-map", "set", "reverse_charge", "--vat-code", "VERL_VERK")
	if got := row(t, r.vatMap(), ledger.CaseReverseCharge); got.VATCode != "VERL_VERK" || !got.Manual {
		t.Errorf("reverse charge after set: %+v", got)
	}
}

// bookingSetup is a WooCommerce shop with Dutch orders, seller details
// and a data directory, before a ledger is chosen.
func bookingSetup(t *testing.T, orders int) (ledgerRun, *wcemu.Shop) {
	t.Helper()
	emu := wcemu.New(testKey, testSecret)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	emu.SetURL(srv.URL)
	emu.AddDutch(orders, 3)
	r := ledgerRun{t: t, dir: filepath.Join(t.TempDir(), "data"), tokens: []string{mbToken, ebToken}}
	r.ok("", "shop", "add", "woocommerce", "--name", "Koffiebar", "--url", srv.URL, "--key", testKey, "--secret", testSecret,
		"--since", "2020-01-01")
	r.ok("", "seller", "set", "--name", "Koffiebar De Boon B.V.", "--kvk", "12345678", "--vat", "NL123456789B01",
		"--street", "Oudegracht 1", "--postcode", "3511 AA", "--city", "Utrecht", "--country", "NL", "--iban", "NL91ABNA0417164300")
	return r, emu
}

// booked counts the orders in state booked.
func booked(t *testing.T, r ledgerRun) int {
	t.Helper()
	var views []app.OrderView
	if err := json.Unmarshal([]byte(r.ok("", "orders", "--state", "booked", "--json")), &views); err != nil {
		t.Fatal(err)
	}
	return len(views)
}

// TestLedgerBooksIntoMoneybirdWithACopy: with Moneybird connected and the
// UBL copy on, a sync books every invoice into Moneybird once and writes
// its UBL file; a second sync books nothing new. The copy goes into a
// folder of its own, never the UBL folder the owner had (often imported
// into the package, which would get every booking twice): by default its
// subfolder "kopie", else the folder `ledger ubl --dir` gives while
// Moneybird is the ledger; `ledger use ubl` books into the UBL folder
// again.
func TestLedgerBooksIntoMoneybirdWithACopy(t *testing.T) {
	r, shop := bookingSetup(t, 8)
	mb, apiURL := newMoneybird(t)
	ublDir := filepath.Join(t.TempDir(), "facturen")
	copyDir := filepath.Join(ublDir, "kopie")
	xml := func(dir string) int {
		files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
		return len(files)
	}
	r.ok("", "ledger", "ubl", "--dir", ublDir)
	out := r.ok(mbToken+"\n", "ledger", "moneybird", "--token", "-", "--api-url", apiURL)
	if !strings.Contains(out, "UBL copy in "+copyDir+", a subfolder of the UBL folder "+ublDir) {
		t.Errorf("the connect does not say where the copy goes:\n%s", out)
	}
	if st := r.status(); !st.UBLCopy || st.Dir != ublDir || st.CopyDir != copyDir || !st.CopyDefault {
		t.Fatalf("the copy beside Moneybird is the UBL folder's subfolder: %+v", st)
	}
	if text := r.ok("", "ledger", "status"); !strings.Contains(text, "UBL copy in "+copyDir+", a subfolder") {
		t.Errorf("ledger status:\n%s", text)
	}
	code, out, errOut := r.run("", "sync")
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	n := booked(t, r)
	if want := wantBooked(t, r); n != want || want == 0 || mb.InvoiceCount() != bookingsDone(t, r) {
		t.Fatalf("%d orders booked, want %d; %d invoices for %d bookings\n%s%s", n, want, mb.InvoiceCount(), bookingsDone(t, r), out, errOut)
	}
	if n := xml(copyDir); n != mb.InvoiceCount() {
		t.Errorf("%d UBL copies for %d Moneybird invoices", n, mb.InvoiceCount())
	}
	if n := xml(ublDir); n != 0 {
		t.Errorf("%d copies in the UBL folder the package may import: each booked twice", n)
	}
	for _, inv := range mb.Invoices() {
		if len(mb.InvoicesByReference(inv.Reference)) != 1 || !strings.HasPrefix(inv.Reference, "koffiebar-") {
			t.Errorf("invoice %s: reference %q booked %d times", inv.ID, inv.Reference, len(mb.InvoicesByReference(inv.Reference)))
		}
	}
	before := mb.InvoiceCount()
	if code, out, errOut := r.run("", "sync"); code != 0 {
		t.Fatalf("second sync: exit %d\n%s%s", code, out, errOut)
	}
	if mb.InvoiceCount() != before {
		t.Errorf("a second sync booked %d more", mb.InvoiceCount()-before)
	}

	// A folder chosen for the copy while Moneybird is the ledger: the
	// copies go there; the UBL folder stays the one to go back to.
	own := filepath.Join(t.TempDir(), "archief")
	if out := r.ok("", "ledger", "ubl", "--dir", own); !strings.Contains(out, "with a UBL copy in "+own) {
		t.Errorf("ledger ubl --dir beside Moneybird: %s", out)
	}
	if st := r.status(); !st.UBLCopy || st.Dir != ublDir || st.CopyDir != own || st.CopyDefault {
		t.Fatalf("the copy's own folder: %+v", st)
	}
	shop.PlaceDutch(4, 9)
	if code, out, errOut := r.run("", "sync"); code != 0 {
		t.Fatalf("sync with the copy's own folder: exit %d\n%s%s", code, out, errOut)
	}
	if n, want := xml(own), mb.InvoiceCount()-before; n != want || want == 0 {
		t.Errorf("%d copies in the chosen folder for %d new invoices", n, want)
	}
	if n := xml(ublDir); n != 0 {
		t.Errorf("%d copies in the UBL folder", n)
	}

	// Back to the folder: bookings go into the UBL folder again.
	if out := r.ok("", "ledger", "use", "ubl"); !strings.Contains(out, "invoices go to "+ublDir) {
		t.Errorf("ledger use ubl: %s", out)
	}
	inMoneybird := mb.InvoiceCount()
	shop.PlaceDutch(3, 11)
	if code, out, errOut := r.run("", "sync"); code != 0 {
		t.Fatalf("sync into the folder: exit %d\n%s%s", code, out, errOut)
	}
	if n, want := xml(ublDir), bookingsDone(t, r)-inMoneybird; n != want || want == 0 || mb.InvoiceCount() != inMoneybird {
		t.Errorf("%d files in the UBL folder for %d bookings; Moneybird %d invoices, was %d", n, want, mb.InvoiceCount(), inMoneybird)
	}
	r.noTokenStored()
}

// wantBooked is how many orders a sync should book: every order not
// parked for its status.
func wantBooked(t *testing.T, r ledgerRun) int {
	t.Helper()
	var views []app.OrderView
	if err := json.Unmarshal([]byte(r.ok("", "orders", "--json")), &views); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range views {
		if v.State != app.Parked && v.State != app.Ignored {
			n++
		}
	}
	return n
}

// bookingsDone counts the bookings done (invoices and credit notes).
func bookingsDone(t *testing.T, r ledgerRun) int {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(r.dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'done'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLedgerMoneybird500WaitsOnTime: Moneybird answering 500 to some
// invoices is no one's matter: sync exits 0 (not 3), says the bookings wait
// for the ledger to be reachable, and keeps them queued with
// ledger_unreachable; the next sync, once they are due, books each once.
func TestLedgerMoneybird500WaitsOnTime(t *testing.T) {
	r, _ := bookingSetup(t, 8)
	r.clock = clockwork.NewFakeClockAt(time.Now())
	mb, apiURL := newMoneybird(t)
	r.ok(mbToken+"\n", "ledger", "moneybird", "--token", "-", "--api-url", apiURL)
	mb.FailNext(3, "POST /api/v2/"+mbAdmin+"/external_sales_invoices")
	code, out, errOut := r.run("", "sync")
	if code != 0 || strings.Contains(out, "waiting on you") || strings.Contains(out, "failed:") ||
		!strings.Contains(out, "wait for the ledger to be reachable; Orderbrug retries") {
		t.Fatalf("sync with Moneybird answering 500: exit %d\n%s%s", code, out, errOut)
	}
	var queued []app.OrderView
	json.Unmarshal([]byte(r.ok("", "orders", "--state", "queued", "--json")), &queued)
	// The first 500 ends the round: the rest of it waits for that
	// booking's retry instead of spending Moneybird's limit on a package
	// that fails.
	if len(queued) == 0 {
		t.Fatal("nothing queued after a failed create")
	}
	for _, q := range queued {
		if q.Reason != ledger.ReasonUnreachable {
			t.Errorf("order %s waits with %s, want %s", q.Number, q.Reason, ledger.ReasonUnreachable)
		}
	}
	if att := r.ok("", "orders", "--state", "failed", "--json"); strings.TrimSpace(att) != "[]" {
		t.Errorf("failed orders: %s", att)
	}
	// A sync every 5 minutes: the two other 500s cost a round each.
	for i := 0; i < 3; i++ {
		r.clock.(*clockwork.FakeClock).Advance(5 * time.Minute)
		if code, out, errOut := r.run("", "sync"); code != 0 {
			t.Fatalf("sync %d: exit %d\n%s%s", i+2, code, out, errOut)
		}
	}
	if n, want := booked(t, r), wantBooked(t, r); n != want || want == 0 || mb.InvoiceCount() != bookingsDone(t, r) {
		t.Errorf("%d of %d booked, %d invoices for %d bookings", n, want, mb.InvoiceCount(), bookingsDone(t, r))
	}
	for _, inv := range mb.Invoices() {
		if k := len(mb.InvoicesByReference(inv.Reference)); k != 1 {
			t.Errorf("%s booked %d times", inv.Reference, k)
		}
	}
	r.noTokenStored()
}

// TestLedgerWaitsForTheRateLimit: Moneybird's limit makes bookings wait
// (ledger status shows how many and until when, and none fails); going
// back to the folder books them there at once.
func TestLedgerWaitsForTheRateLimit(t *testing.T) {
	r, _ := bookingSetup(t, 12)
	mb, apiURL := newMoneybird(t)
	dir := filepath.Join(t.TempDir(), "facturen")
	r.ok("", "ledger", "ubl", "--dir", dir)
	r.ok(mbToken+"\n", "ledger", "moneybird", "--token", "-", "--api-url", apiURL)
	r.ok("", "ledger", "ubl", "--off")
	// Few requests per window: the sync's bookings soon wait.
	mb.SetRateLimit(12, time.Hour)
	code, out, errOut := r.run("", "sync")
	if code != 0 && code != 3 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	st := r.status()
	if st.Waiting.Count == 0 || st.Waiting.Next.Before(time.Now()) {
		t.Fatalf("nothing waits for the limit: %+v\n%s%s", st.Waiting, out, errOut)
	}
	if !strings.Contains(out, "bookings wait for Moneybird's rate limit until ") {
		t.Errorf("sync does not say bookings wait:\n%s", out)
	}
	// A sync that sends nothing (the backlog waits for the window) says
	// so all the same: the note counts what waits, not this run's sends.
	code, out, errOut = r.run("", "sync")
	if code != 0 && code != 3 {
		t.Fatalf("sync again: exit %d\n%s%s", code, out, errOut)
	}
	if want := fmt.Sprintf("%d bookings wait for Moneybird's rate limit until %s", st.Waiting.Count,
		st.Waiting.Next.Local().Format("15:04")); !strings.Contains(out, want) {
		t.Errorf("the second sync does not say %q:\n%s", want, out)
	}
	text := r.ok("", "ledger", "status")
	if !strings.Contains(text, "bookings wait for Moneybird's rate limit until") {
		t.Errorf("ledger status:\n%s", text)
	}
	var failed []app.OrderView
	json.Unmarshal([]byte(r.ok("", "orders", "--state", "failed", "--json")), &failed)
	if len(failed) != 0 {
		t.Errorf("%d bookings failed on the limit", len(failed))
	}
	inMoneybird, waiting := mb.InvoiceCount(), st.Waiting.Count
	// Back to the folder: what waited goes there now, nothing twice.
	r.ok("", "ledger", "use", "ubl")
	r.run("", "sync")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) != waiting || mb.InvoiceCount() != inMoneybird {
		t.Errorf("%d waited, %d files written; Moneybird %d invoices, was %d", waiting, len(files), mb.InvoiceCount(), inMoneybird)
	}
	if st := r.status(); st.Waiting.Count != 0 {
		t.Errorf("still waiting: %+v", st.Waiting)
	}
}

// TestLedgerNewTokenLiftsTheWait: bookings waiting for the rate limit
// wait on when the copy's folder changes, and go at once with another
// token (the limit was the old one's).
func TestLedgerNewTokenLiftsTheWait(t *testing.T) {
	r, _ := bookingSetup(t, 12)
	mb, apiURL := newMoneybird(t)
	r.ok(mbToken+"\n", "ledger", "moneybird", "--token", "-", "--api-url", apiURL)
	mb.SetRateLimit(12, time.Hour)
	r.run("", "sync")
	st := r.status()
	if st.Waiting.Count == 0 || !st.Waiting.Next.After(time.Now()) {
		t.Fatalf("nothing waits for the limit: %+v", st.Waiting)
	}
	// A setting that is not the package's: the wait stays.
	r.ok("", "ledger", "ubl", "--dir", filepath.Join(t.TempDir(), "kopie"))
	if w := r.status().Waiting; w.Count != st.Waiting.Count || !w.Next.Equal(st.Waiting.Next) {
		t.Errorf("the copy's folder moved the wait: %+v, was %+v", w, st.Waiting)
	}
	const newToken = "mb-other-token-11111111111111111111"
	mb.AddToken(newToken)
	r.tokens = append(r.tokens, newToken)
	r.ok(newToken+"\n", "ledger", "moneybird", "--token", "-")
	if w := r.status().Waiting; w.Count != st.Waiting.Count || w.Next.After(time.Now()) || !w.Next.Before(st.Waiting.Next) {
		t.Errorf("another token: the bookings still wait until %v (%d)", w.Next, w.Count)
	}
}

// TestLedgerRevokedTokenWaitsThenBooksOnce: a revoked token makes the
// bookings wait with that reason (sync exits 3 saying so); a new token
// lets them go, each booked once.
func TestLedgerRevokedTokenWaitsThenBooksOnce(t *testing.T) {
	r, _ := bookingSetup(t, 6)
	mb, apiURL := newMoneybird(t)
	r.ok(mbToken+"\n", "ledger", "moneybird", "--token", "-", "--api-url", apiURL)
	mb.RevokeToken(mbToken)
	code, out, errOut := r.run("", "sync")
	if code != 3 || !strings.Contains(out, "refuses the token") {
		t.Fatalf("sync with a revoked token: exit %d\n%s%s", code, out, errOut)
	}
	if mb.InvoiceCount() != 0 || booked(t, r) != 0 {
		t.Fatalf("booked with a revoked token: %d", mb.InvoiceCount())
	}
	var queued []app.OrderView
	json.Unmarshal([]byte(r.ok("", "orders", "--state", "queued", "--json")), &queued)
	if len(queued) == 0 || queued[0].Reason != ledger.ReasonUnauthorized {
		t.Fatalf("queued: %+v", queued)
	}
	const newToken = "mb-new-token-00000000000000000000"
	mb.AddToken(newToken)
	r.tokens = append(r.tokens, newToken)
	r.fails(1, "refuses the token", "", "ledger", "moneybird")
	r.ok(newToken+"\n", "ledger", "moneybird", "--token", "-")
	r.run("", "sync")
	if n := booked(t, r); n != len(queued) || mb.InvoiceCount() != n {
		t.Errorf("after the new token: %d of %d booked, %d invoices", n, len(queued), mb.InvoiceCount())
	}
	for _, inv := range mb.Invoices() {
		if k := len(mb.InvoicesByReference(inv.Reference)); k != 1 {
			t.Errorf("%s booked %d times", inv.Reference, k)
		}
	}
}

// TestLedgerEBoekhoudenBooks: a sync books into e-Boekhouden, one
// mutation per booking.
func TestLedgerEBoekhoudenBooks(t *testing.T) {
	r, _ := bookingSetup(t, 6)
	eb, apiURL := newEBoekhouden(t)
	r.ok(ebToken+"\n", "ledger", "eboekhouden", "--token", "-", "--api-url", apiURL)
	if st := r.status(); st.UBLCopy || st.Dir != "" {
		t.Errorf("no folder, no copy: %+v", st)
	}
	code, out, errOut := r.run("", "sync")
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	n := booked(t, r)
	if want := wantBooked(t, r); n != want || want == 0 || eb.MutationCount() != bookingsDone(t, r) {
		t.Fatalf("%d orders booked, want %d; %d mutations for %d bookings\n%s%s", n, want, eb.MutationCount(), bookingsDone(t, r), out, errOut)
	}
	defer r.noTokenStored()
	for _, m := range eb.Mutations() {
		if k := len(eb.MutationsByInvoice(m.InvoiceNumber)); k != 1 {
			t.Errorf("%s booked %d times", m.InvoiceNumber, k)
		}
	}
}

// TestLedgerStatusOfNothing: a new data directory has no ledger; its
// waiting is null-free and zero.
func TestLedgerStatusOfNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	code, out, _ := cli(t, dir, "ledger", "status", "--json")
	if code != 0 || !strings.Contains(out, `"next": null`) || !strings.Contains(out, `"kind": "ubl"`) {
		t.Errorf("ledger status --json on nothing: %d\n%s", code, out)
	}
	if code, out, _ = cli(t, dir, "ledger", "status"); code != 0 || !strings.Contains(out, "no ledger yet") {
		t.Errorf("ledger status on nothing: %d %s", code, out)
	}
}
