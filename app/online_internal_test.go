package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// The online ledger is kept as the folder's is (its client keeps the rate
// limit it has seen), and made again when a setting it is made of changes:
// the copy, its folder, the token (whose journal is the administration's:
// another token books nothing twice). A mapping change needs no new one (the
// ledger reads the mapping per booking).
func TestOnlineLedgerKeptUntilItsSettingsChange(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(base, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	mb := mbemu.New("42", "tok-1")
	srv := httptest.NewServer(mb)
	defer srv.Close()
	mb.SetURL(srv.URL)
	if _, err := svc.ConnectLedger(ctx, LedgerConnect{Kind: "moneybird", Token: "tok-1", APIURL: srv.URL + "/api/v2"}); err != nil {
		t.Fatal(err)
	}
	first, err := svc.ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := first.(ledger.Reporter); !ok {
		t.Fatalf("the online ledger %T is no Reporter: its warnings would be lost", first)
	}
	if again, _ := svc.ledger(ctx); again != first {
		t.Error("the online ledger was made again without a change")
	}
	if err := svc.SetVATCase(ctx, ledger.CaseExport, ledger.Target{Account: mb.LedgerAccountID("8100")}); err != nil {
		t.Fatal(err)
	}
	if again, _ := svc.ledger(ctx); again != first {
		t.Error("a mapping change made the ledger again")
	}
	if err := svc.SetUBLDir(ctx, filepath.Join(base, "kopie")); err != nil {
		t.Fatal(err)
	}
	withCopy, _ := svc.ledger(ctx)
	if withCopy == first {
		t.Error("the copy's folder did not make the ledger again")
	}
	if err := svc.SetUBLCopy(ctx, false); err != nil {
		t.Fatal(err)
	}
	noCopy, _ := svc.ledger(ctx)
	if noCopy == withCopy {
		t.Error("the copy off did not make the ledger again")
	}
	// A booking, then another token for the same administration: the
	// ledger is made again, its journal is the administration's still.
	inv := testInvoice(t, "1042")
	booked, err := noCopy.(ledger.Reporter).BookReport(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	mb.AddToken("tok-2")
	if _, err := svc.ConnectLedger(ctx, LedgerConnect{Kind: "moneybird", Token: "tok-2"}); err != nil {
		t.Fatal(err)
	}
	renewed, _ := svc.ledger(ctx)
	if renewed == noCopy {
		t.Error("another token did not make the ledger again")
	}
	again, err := renewed.(ledger.Reporter).BookReport(ctx, inv)
	if err != nil || again.Ref != booked.Ref || mb.InvoiceCount() != 1 {
		t.Errorf("the booking again with the other token: %+v %v, %d invoices", again, err, mb.InvoiceCount())
	}
	if _, err := renewed.(ledger.Reporter).BookReport(ctx, testInvoice(t, "1043")); err != nil {
		t.Fatal(err)
	}
	rows, err := svc.store.DB().QueryContext(ctx, `SELECT DISTINCT ns FROM ledger_journal`)
	if err != nil {
		t.Fatal(err)
	}
	var nss []string
	for rows.Next() {
		var ns string
		rows.Scan(&ns)
		nss = append(nss, ns)
	}
	rows.Close()
	if len(nss) != 1 || nss[0] != "moneybird/42" {
		t.Errorf("journal namespaces %v, want [moneybird/42] whatever the token", nss)
	}
	// Without a token (removed by hand): no ledger, the bookings wait for one.
	if err := svc.store.SetSetting(ctx, keyLedgerToken+"moneybird", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ledger(ctx); !errors.Is(err, engine.ErrNoLedger) {
		t.Errorf("no token: %v, want ErrNoLedger", err)
	}
}

// A VAT case the mapping lacks makes its bookings wait with vat_unmapped
// naming the case; mapping it lets them go at once, booked once.
func TestUnmappedCaseWaitsUntilMapped(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(base, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	mb, addShop := moneybirdShop(t, svc, 6)
	// The 21% case taken out of the mapping.
	m, err := svc.storedMapping(ctx, "moneybird")
	if err != nil {
		t.Fatal(err)
	}
	rate21, account21 := m.Mapping[ledger.Case21].TaxRate, m.Mapping[ledger.Case21].Account
	delete(m.Mapping, ledger.Case21)
	if err := svc.store.SetSetting(ctx, keyLedgerMapping+"moneybird", m); err != nil {
		t.Fatal(err)
	}
	addShop()
	if _, err := svc.Sync(ctx, "", nil); err != nil && CodeOf(err) != CodeWaiting {
		t.Fatal(err)
	}
	waiting, err := svc.Orders(ctx, OrderQuery{Reason: ledger.ReasonVATUnmapped})
	if err != nil || len(waiting) == 0 {
		t.Fatalf("no booking waits for the 21%% case: %v", err)
	}
	if got := ReasonArgs(waiting[0].ReasonArg)["case"]; got != "21" {
		t.Errorf("the reason names case %q (%q)", got, waiting[0].ReasonArg)
	}
	att, _ := svc.Attention(ctx)
	found := false
	for _, a := range att {
		found = found || a.Reason == ledger.ReasonVATUnmapped
	}
	if !found {
		t.Errorf("Attention lacks the unmapped case: %+v", att)
	}
	before := mb.InvoiceCount()
	// Its tax rate only: they wait for its account now.
	if err := svc.SetVATCase(ctx, ledger.Case21, ledger.Target{TaxRate: rate21}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx, "", nil); err != nil && CodeOf(err) != CodeWaiting {
		t.Fatal(err)
	}
	// (A line whose kind has its own account, shipping, needs none.)
	if left, _ := svc.Orders(ctx, OrderQuery{Reason: ledger.ReasonAccountUnmapped}); len(left) == 0 || len(left) > len(waiting) {
		t.Errorf("%d wait for the account, of %d", len(left), len(waiting))
	}
	if err := svc.SetVATCase(ctx, ledger.Case21, ledger.Target{Account: account21}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx, "", nil); err != nil && CodeOf(err) != CodeWaiting {
		t.Fatal(err)
	}
	for _, r := range []string{ledger.ReasonVATUnmapped, ledger.ReasonAccountUnmapped} {
		if left, _ := svc.Orders(ctx, OrderQuery{Reason: r}); len(left) != 0 {
			t.Errorf("%d still wait with %s after the case was mapped", len(left), r)
		}
	}
	if mb.InvoiceCount() < before+len(waiting) {
		t.Errorf("%d invoices, want at least %d more than %d", mb.InvoiceCount(), len(waiting), before)
	}
	for _, inv := range mb.Invoices() {
		if k := len(mb.InvoicesByReference(inv.Reference)); k != 1 {
			t.Errorf("%s booked %d times", inv.Reference, k)
		}
	}
}

// e-Boekhouden has one administration per token: a renewed token keeps
// the journal ("eboekhouden", not one per token) and the mapping, and the
// token's fingerprint is shown nowhere as the administration: not in the
// status, the test, nor the log.
func TestEBoekhoudenRenewedTokenKeepsItsJournal(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	svc, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "data"), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	eb := ebemu.New("eb-tok-1")
	srv := httptest.NewServer(eb)
	defer srv.Close()
	st, err := svc.ConnectLedger(ctx, LedgerConnect{Kind: "eboekhouden", Token: "eb-tok-1", APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if st.Account.ID != "" || st.Account.Name != "e-Boekhouden" {
		t.Errorf("connected: account %+v, want no id", st.Account)
	}
	_, l, err := svc.currentOnline(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Choices(ctx); err != nil {
		t.Fatal(err)
	}
	inv := testInvoice(t, "1042")
	first, err := l.Book(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	// The token renewed: the same administration.
	eb.SetAPIToken("eb-tok-2")
	if st, err = svc.ConnectLedger(ctx, LedgerConnect{Kind: "eboekhouden", Token: "eb-tok-2"}); err != nil {
		t.Fatal(err)
	}
	if st.Account.ID != "" {
		t.Errorf("renewed: account %+v, want no id", st.Account)
	}
	if acc, err := svc.TestLedger(ctx); err != nil || acc.ID != "" {
		t.Errorf("test: %+v %v", acc, err)
	}
	cfg := svc.onlineConfig(mustKind(t, "eboekhouden"), OnlineSettings{Administration: "old-hash"}, "eb-tok-2")
	if e, ok, err := cfg.Journal.Get(ctx, "inv/"+inv.Key); err != nil || !ok || e.Ref != first {
		t.Errorf("the renewed token's journal lacks the booking of the first: %+v %v %v", e, ok, err)
	}
	var nss []string
	rows, err := svc.store.DB().QueryContext(ctx, `SELECT DISTINCT ns FROM ledger_journal`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ns string
		rows.Scan(&ns)
		nss = append(nss, ns)
	}
	rows.Close()
	if len(nss) != 1 || nss[0] != "eboekhouden" {
		t.Errorf("journal namespaces %v, want [eboekhouden]", nss)
	}
	if strings.Contains(logs.String(), "administration=") {
		t.Errorf("the log names an administration for e-Boekhouden:\n%s", logs.String())
	}
}

func mustKind(t *testing.T, kind string) ledger.Descriptor {
	t.Helper()
	d, ok := ledgers.Lookup(kind)
	if !ok {
		t.Fatalf("no ledger kind %s", kind)
	}
	return d
}

// testInvoice is a paid Dutch order of one 21% product as an invoice of
// shop "koffiebar".
func testInvoice(t *testing.T, number string) order.Invoice {
	t.Helper()
	o := order.Order{Source: order.WooCommerce, ID: number, Number: number, Status: "completed", Currency: "EUR",
		Created: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), CreatedLocal: "2026-03-02T10:30:00",
		Paid: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), PricesIncludeTax: true,
		Buyer: order.Party{Name: "Jan Jansen", Email: "jan@example.nl",
			Address: order.Address{Street: "Kerkstraat 2", Postcode: "1012 AB", City: "Amsterdam", Country: "NL"}},
		Lines: []order.Line{{Kind: order.Product, ID: "1", Name: "Koffiemok", Quantity: 2, Net: 1800, VAT: 378,
			Rate: order.RateHigh, Category: order.Standard}},
		Total: 2178, TotalTax: 378}
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "koffiebar", Key: "woocommerce/koffiebar/" + number + "/invoice",
		Seller: order.Seller{Party: order.Party{Company: "Koffiebar B.V.", KvK: "12345678", VATID: "NL123456789B01",
			Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}}, IBAN: "NL91ABNA0417164300"}})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// An online ledger chosen without its token (removed by hand, a settings
// file from elsewhere): its bookings wait for a ledger, and the line says
// to connect it again, not to choose a folder.
func TestNoTokenAttentionSaysConnectAgain(t *testing.T) {
	ctx := context.Background()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	_, addShop := moneybirdShop(t, svc, 3)
	if err := svc.store.SetSetting(ctx, keyLedgerToken+"moneybird", ""); err != nil {
		t.Fatal(err)
	}
	addShop()
	if _, err := svc.Sync(ctx, "", nil); CodeOf(err) != CodeWaiting && err != nil {
		t.Fatal(err)
	}
	att, err := svc.Attention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Join(AttentionLines(att), "\n")
	if !strings.Contains(lines, "Moneybird has no token (connect again: orderbrug ledger moneybird --token -)") ||
		strings.Contains(lines, "ledger ubl --dir") {
		t.Errorf("attention without a token:\n%s", lines)
	}
}

// The package's choices are kept for a few minutes: the mapping screen
// and each change of it cost Moneybird no requests (its 150 per 5 minutes
// are the bookings'), an id not among them is asked for once more (an
// account made in Moneybird since), and a new connect asks again.
func TestChoicesAreKept(t *testing.T) {
	ctx := context.Background()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	mb := mbemu.New("42", "tok-1")
	srv := httptest.NewServer(mb)
	defer srv.Close()
	mb.SetURL(srv.URL)
	if _, err := svc.ConnectLedger(ctx, LedgerConnect{Kind: "moneybird", Token: "tok-1", APIURL: srv.URL + "/api/v2"}); err != nil {
		t.Fatal(err)
	}
	if _, cerr, err := svc.VATMapping(ctx); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	mb.ResetRequests()
	for _, code := range []string{"8100", "8000"} {
		if err := svc.SetVATCase(ctx, ledger.CaseExport, ledger.Target{Account: mb.LedgerAccountID(code)}); err != nil {
			t.Fatal(err)
		}
		if _, cerr, err := svc.VATMapping(ctx); err != nil || cerr != nil {
			t.Fatal(err, cerr)
		}
	}
	if n := mb.Requests(); n != 0 {
		t.Errorf("two mapping changes asked Moneybird %d times", n)
	}
	if name := svc.LedgerAccountName(mb.LedgerAccountID("8000")); !strings.Contains(name, "8000") {
		t.Errorf("account name %q", name)
	}
	// An account made in Moneybird since: found by asking again.
	code := "8300"
	id := mb.AddLedgerAccount(mbemu.LedgerAccount{Name: "Omzet workshops", AccountType: "revenue", AccountID: &code})
	if err := svc.SetVATCase(ctx, ledger.CaseFees, ledger.Target{Account: id}); err != nil {
		t.Errorf("a new account: %v", err)
	}
	if n := mb.Requests(); n == 0 {
		t.Error("a new account was not asked for")
	}
	// Past the few minutes, the package is asked again.
	svc.choicesMu.Lock()
	svc.choices.at = svc.choices.at.Add(-choicesTTL)
	svc.choicesMu.Unlock()
	mb.ResetRequests()
	if _, _, err := svc.VATMapping(ctx); err != nil || mb.Requests() == 0 {
		t.Errorf("old choices were used: %v, %d requests", err, mb.Requests())
	}
}

// Bookings waiting for two unmapped VAT cases are a line per case, each
// naming its case (not one line without it).
func TestUnmappedAttentionPerCase(t *testing.T) {
	ctx := context.Background()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	_, addShop := moneybirdShop(t, svc, 12)
	m, err := svc.storedMapping(ctx, "moneybird")
	if err != nil {
		t.Fatal(err)
	}
	delete(m.Mapping, ledger.Case21)
	delete(m.Mapping, ledger.Case9)
	if err := svc.store.SetSetting(ctx, keyLedgerMapping+"moneybird", m); err != nil {
		t.Fatal(err)
	}
	addShop()
	if _, err := svc.Sync(ctx, "", nil); err != nil && CodeOf(err) != CodeWaiting {
		t.Fatal(err)
	}
	waiting, err := svc.Orders(ctx, OrderQuery{Reason: ledger.ReasonVATUnmapped})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, o := range waiting {
		want[ReasonArgs(o.ReasonArg)["case"]]++
	}
	if want["21"] == 0 || want["9"] == 0 {
		t.Fatalf("no bookings wait for both cases: %v", want)
	}
	att, err := svc.Attention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range att {
		if a.Reason == ledger.ReasonVATUnmapped {
			if a.Args["case"] == "" {
				t.Errorf("a line without its case: %+v", a)
			}
			got[a.Args["case"]] += a.Count
		}
	}
	if len(got) != len(want) || got["21"] != want["21"] || got["9"] != want["9"] {
		t.Errorf("attention per case %v, want %v", got, want)
	}
	lines := strings.Join(AttentionLines(att), "\n")
	if !strings.Contains(lines, "for VAT case 21 (orderbrug ledger vat-map)") || !strings.Contains(lines, "for VAT case 9 (orderbrug ledger vat-map)") {
		t.Errorf("lines:\n%s", lines)
	}
}

// The e-Boekhouden refusals of their own: no debtors ledger (not a VAT
// case: no vat-map), the free trial's limit.
func TestAttentionLinesOfEBoekhouden(t *testing.T) {
	lines := AttentionLines([]Attention{
		{Shop: "Koffiebar", State: Queued, Reason: ledger.ReasonAccountUnmapped, Args: map[string]string{"case": "debtor"}, Count: 3},
		{Shop: "Koffiebar", State: Queued, Reason: ledger.ReasonUnauthorized, Args: map[string]string{"code": "MODULE_001"}, Count: 2},
	})
	if len(lines) != 2 || !strings.Contains(lines[0], "e-Boekhouden has no debtors ledger") || strings.Contains(lines[0], "vat-map") ||
		!strings.Contains(lines[1], "subscription allows no more bookings") {
		t.Errorf("lines:\n%s", strings.Join(lines, "\n"))
	}
}

// A ledger kind from newer settings is named as it is, not "UBL".
func TestLedgerStatusOfAnUnknownKind(t *testing.T) {
	ctx := context.Background()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := svc.store.SetSetting(ctx, keyLedger, LedgerSettings{Kind: "exactonline"}); err != nil {
		t.Fatal(err)
	}
	st, err := svc.LedgerStatus(ctx)
	if err != nil || st.Kind != "exactonline" || st.Name != "exactonline" {
		t.Errorf("status %+v %v", st, err)
	}
}

// moneybirdShop is a WooCommerce emulator with orders Dutch orders (not
// yet added: addShop adds it, so a test can change the ledger first), the
// seller's details, and svc connected to a Moneybird emulator
// (administration 42, token tok-1), on 127.0.0.1.
func moneybirdShop(t *testing.T, svc *Service, orders int) (mb *mbemu.Moneybird, addShop func()) {
	t.Helper()
	ctx := context.Background()
	shop := wcemu.New("ck_k", "cs_s")
	shopSrv := httptest.NewServer(shop)
	t.Cleanup(shopSrv.Close)
	shop.SetURL(shopSrv.URL)
	shop.AddDutch(orders, 3)
	mb = mbemu.New("42", "tok-1")
	srv := httptest.NewServer(mb)
	t.Cleanup(srv.Close)
	mb.SetURL(srv.URL)
	if err := svc.SetSeller(ctx, order.Seller{Party: order.Party{Company: "Koffiebar B.V.", KvK: "12345678", VATID: "NL123456789B01",
		Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}}, IBAN: "NL91ABNA0417164300"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ConnectLedger(ctx, LedgerConnect{Kind: "moneybird", Token: "tok-1", APIURL: srv.URL + "/api/v2"}); err != nil {
		t.Fatal(err)
	}
	return mb, func() {
		t.Helper()
		if _, err := svc.AddShop(ctx, ShopInput{Name: "Koffiebar", URL: shopSrv.URL, Key: "ck_k", Secret: "cs_s",
			Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
	}
}
