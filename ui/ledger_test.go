package ui

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
)

const (
	mbAdmin = "123456789"
	mbToken = "mb-personal-token-0123456789abcdef"
)

func newMoneybird(t *testing.T) (*mbemu.Moneybird, string) {
	t.Helper()
	mb := mbemu.New(mbAdmin, mbToken)
	srv := httptest.NewServer(mb)
	t.Cleanup(srv.Close)
	mb.SetURL(srv.URL)
	return mb, srv.URL + "/api/v2"
}

// withShop adds a shop (no sync): the window then shows its tabs, not the
// wizard.
func withShop(t *testing.T, svc *app.Service) {
	t.Helper()
	_, url := newShop(t, 1)
	if _, err := svc.AddShop(context.Background(), app.ShopInput{Name: "Theehuis", URL: url, Key: testKey, Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
}

// selectText is the option of s that contains part.
func selectText(t *testing.T, s *widget.Select, part string) string {
	t.Helper()
	for _, o := range s.Options {
		if strings.Contains(o, part) {
			return o
		}
	}
	t.Fatalf("no option with %q in %q", part, s.Options)
	return ""
}

// TestBooksPanelConnectsMoneybird: in Configuratie › Boekhouding a person
// picks Moneybird, gets a Dutch sentence for a wrong token, fetches the
// administration, connects, sees the status and the VAT mapping filled
// with Moneybird's defaults, maps a case by hand, tests the connection,
// and turns the UBL copy on and off; the token is never shown again.
func TestBooksPanelConnectsMoneybird(t *testing.T) {
	svc := newService(t)
	withShop(t, svc)
	mb, apiURL := newMoneybird(t)
	u := newTestUI(t, svc, "nl")
	u.tabs.SelectIndex(3)
	u.config.tabs.SelectIndex(1)
	p := u.config.books
	if p.onlineCard.Visible() || p.vatCard.Visible() || !hasText(p.content, "Er is nog geen boekhouding gekozen") {
		t.Fatalf("a new panel shows the folder only: online %v, vat %v, status %q", p.onlineCard.Visible(), p.vatCard.Visible(), p.status.Text)
	}
	if got := p.kindSel.Options; len(got) != 3 || got[0] != "UBL-map" || got[1] != "Moneybird" || got[2] != "e-Boekhouden" {
		t.Fatalf("ledger choice: %q", got)
	}
	p.kindSel.SetSelected("Moneybird")
	if !p.onlineCard.Visible() || p.vatCard.Visible() || !p.adminRow.Visible() || !p.copyOn.Visible() || !p.copyOn.Checked {
		t.Fatalf("Moneybird chosen: the connection card with an administration and the copy on")
	}
	if !hasText(p.content, "Nog niet verbonden met Moneybird") {
		t.Errorf("status does not say Moneybird is not connected yet: %q", p.status.Text)
	}

	// A wrong token: a Dutch sentence, nothing saved.
	p.apiURL.SetText(apiURL)
	p.token.SetText("wrong-token")
	test.Tap(p.connectBtn)
	u.bg.wait()
	if !strings.HasPrefix(p.onlineMsg.Text, "Moneybird weigert het token") || p.onlineMsg.Importance != widget.DangerImportance {
		t.Errorf("wrong token: %q", p.onlineMsg.Text)
	}
	if st, _ := svc.LedgerStatus(context.Background()); st.Kind != "ubl" {
		t.Fatalf("a refused token connected: %+v", st)
	}

	// The right one: the administration is fetched and picked.
	p.token.SetText(mbToken)
	test.Tap(p.fetchBtn)
	u.bg.wait()
	if len(p.admin.Options) != 1 || p.admin.Selected != "Webwinkel De Proef ("+mbAdmin+")" {
		t.Fatalf("administrations: %q selected %q (%q)", p.admin.Options, p.admin.Selected, p.onlineMsg.Text)
	}
	// The copy is on by default: the folder proposed becomes its folder.
	copyDir := t.TempDir()
	p.dir.SetText(copyDir)
	test.Tap(p.connectBtn)
	u.bg.wait()
	if !strings.HasPrefix(p.onlineMsg.Text, "Verbonden met Moneybird: Webwinkel De Proef") {
		t.Fatalf("connect: %q", p.onlineMsg.Text)
	}
	if st, _ := svc.LedgerStatus(context.Background()); !st.UBLCopy || st.CopyDir != copyDir || !p.copyOn.Checked {
		t.Errorf("the copy after connect: %+v", st)
	}
	if !strings.Contains(p.onlineMsg.Text, "Een UBL-kopie van elke boeking komt in "+copyDir) {
		t.Errorf("the connect does not say where the copy goes: %q", p.onlineMsg.Text)
	}
	if p.token.Text != "" || p.token.PlaceHolder != "Opgeslagen (leeg laten om het te houden)" {
		t.Errorf("the token stays in the entry: %q / %q", p.token.Text, p.token.PlaceHolder)
	}
	if !strings.Contains(p.status.Text, "Facturen gaan naar Moneybird, administratie Webwinkel De Proef ("+mbAdmin+")") {
		t.Errorf("status: %q", p.status.Text)
	}
	if hasText(p.content, mbToken) {
		t.Error("the panel shows the token")
	}

	// The VAT mapping: Moneybird's defaults, a row per case.
	if !p.vatCard.Visible() || len(p.vat.vatSel) != 6 || len(p.vat.accSel) != len(ledger.Cases) {
		t.Fatalf("VAT mapping: %d VAT selects, %d account selects", len(p.vat.vatSel), len(p.vat.accSel))
	}
	if got := p.vat.vatSel[ledger.Case21].Selected; got != "21% btw" {
		t.Errorf("21: %q", got)
	}
	if got := p.vat.accSel[ledger.CaseShipping].Selected; !strings.Contains(got, "Verzendkosten") {
		t.Errorf("shipping account: %q", got)
	}
	if _, ok := p.vat.vatSel[ledger.CaseShipping]; ok {
		t.Error("shipping has a VAT select: its VAT is the line's own")
	}
	// A person picks another account for export.
	sel := p.vat.accSel[ledger.CaseExport]
	sel.SetSelected(selectText(t, sel, "Omzet buitenland"))
	u.bg.wait()
	if !strings.Contains(p.vat.msg.Text, "opgeslagen") {
		t.Errorf("saving a case: %q", p.vat.msg.Text)
	}
	vm, _, err := svc.VATMapping(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range vm.Rows {
		if r.Case == ledger.CaseExport && (r.Account != mb.LedgerAccountID("8100") || !r.Manual) {
			t.Errorf("export after the select: %+v", r)
		}
	}
	if !hasText(p.vat.content, "door jou gekozen") {
		t.Error("the row does not say a person chose it")
	}

	// Test the connection.
	test.Tap(p.testBtn)
	u.bg.wait()
	if !strings.HasPrefix(p.onlineMsg.Text, "De verbinding met Moneybird werkt") {
		t.Errorf("test: %q", p.onlineMsg.Text)
	}
	mb.RevokeToken(mbToken)
	test.Tap(p.testBtn)
	u.bg.wait()
	if !strings.HasPrefix(p.onlineMsg.Text, "Moneybird weigert het token") {
		t.Errorf("test with a revoked token: %q", p.onlineMsg.Text)
	}
	mb.AddToken(mbToken)

	// The UBL copy: off, then on into another folder, then off.
	p.copyOn.SetChecked(false)
	u.bg.wait()
	if st, _ := svc.LedgerStatus(context.Background()); st.UBLCopy {
		t.Errorf("copy off: %+v", st)
	}
	dir := t.TempDir()
	p.dir.SetText(dir)
	p.copyOn.SetChecked(true)
	u.bg.wait()
	if st, _ := svc.LedgerStatus(context.Background()); !st.UBLCopy || st.CopyDir != dir {
		t.Errorf("copy on: %+v (%q)", st, p.dirMsg.Text)
	}
	if !strings.Contains(p.status.Text, "Een UBL-kopie van elke boeking komt in "+dir) {
		t.Errorf("status with a copy: %q", p.status.Text)
	}
	p.copyOn.SetChecked(false)
	u.bg.wait()
	if st, _ := svc.LedgerStatus(context.Background()); st.UBLCopy || st.Kind != "moneybird" {
		t.Errorf("copy off: %+v", st)
	}

	// Back to the folder only.
	p.kindSel.SetSelected("UBL-map")
	if !p.useUBL.Visible() || p.onlineCard.Visible() || p.vatCard.Visible() {
		t.Fatal("the folder chosen while Moneybird is connected: the button to use the folder only")
	}
	test.Tap(p.useUBL)
	u.bg.wait()
	if st, _ := svc.LedgerStatus(context.Background()); st.Kind != "ubl" || st.Dir != dir {
		t.Errorf("use the folder: %+v (%q)", st, p.dirMsg.Text)
	}
	if p.useUBL.Visible() || !strings.Contains(p.status.Text, "Facturen gaan als UBL-bestand naar "+dir) {
		t.Errorf("after: %q", p.status.Text)
	}
}

// TestBooksPanelCopyCheckBeforeConnecting: before Verbinden the UBL copy's
// check shows what the connect will do and does it: taken off, the
// connect has no copy; a copy turned off before (ledger ubl --off) shows
// unticked, and ticking it turns the copy on with the connect.
func TestBooksPanelCopyCheckBeforeConnecting(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	withShop(t, svc)
	_, apiURL := newMoneybird(t)
	u := newTestUI(t, svc, "nl")
	u.tabs.SelectIndex(3)
	u.config.tabs.SelectIndex(1)
	p := u.config.books
	// The folder is the ledger: it would become the copy's.
	if err := svc.SetUBLDir(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	p.load()
	u.bg.wait()
	p.kindSel.SetSelected("Moneybird")
	if !p.copyOn.Checked {
		t.Fatal("a new connect: the copy is not shown on")
	}
	p.copyOn.SetChecked(false)
	p.apiURL.SetText(apiURL)
	p.token.SetText(mbToken)
	test.Tap(p.connectBtn)
	u.bg.wait()
	if st, _ := svc.LedgerStatus(ctx); st.Kind != "moneybird" || st.UBLCopy || p.copyOn.Checked {
		t.Fatalf("unticked before connecting: %+v, check %v (%q)", st, p.copyOn.Checked, p.onlineMsg.Text)
	}

	// The copy off, the folder the only ledger again: choosing Moneybird
	// shows the copy off, as a connect would keep it.
	dir := t.TempDir()
	if err := svc.SetLedgerDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetUBLCopy(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := svc.UseUBL(ctx); err != nil {
		t.Fatal(err)
	}
	p.load()
	u.bg.wait()
	p.kindSel.SetSelected("Moneybird")
	if p.copyOn.Checked {
		t.Error("the copy turned off before shows on")
	}
	p.copyOn.SetChecked(true)
	p.apiURL.SetText(apiURL)
	test.Tap(p.connectBtn)
	u.bg.wait()
	if st, _ := svc.LedgerStatus(ctx); st.Kind != "moneybird" || !st.UBLCopy || st.Dir != dir ||
		st.CopyDir != filepath.Join(dir, "kopie") || !p.copyOn.Checked {
		t.Errorf("ticked before connecting: %+v, check %v (%q)", st, p.copyOn.Checked, p.onlineMsg.Text)
	}
}

// TestBooksPanelCopyHasItsOwnFolder: the UBL copy's card shows the
// copy's folder, by default the subfolder kopie of the invoice folder
// (never the invoice folder itself, which the package may import), and
// saves another one there; the UBL card shows the invoice folder still.
func TestBooksPanelCopyHasItsOwnFolder(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	withShop(t, svc)
	_, apiURL := newMoneybird(t)
	u := newTestUI(t, svc, "nl")
	u.tabs.SelectIndex(3)
	u.config.tabs.SelectIndex(1)
	p := u.config.books
	ublDir := t.TempDir()
	if err := svc.SetUBLDir(ctx, ublDir); err != nil {
		t.Fatal(err)
	}
	p.load()
	u.bg.wait()
	p.kindSel.SetSelected("Moneybird")
	if want := filepath.Join(ublDir, "kopie"); p.dir.Text != want {
		t.Fatalf("the copy card proposes %q, want %q", p.dir.Text, want)
	}
	p.apiURL.SetText(apiURL)
	p.token.SetText(mbToken)
	test.Tap(p.connectBtn)
	u.bg.wait()
	st, _ := svc.LedgerStatus(ctx)
	if st.Kind != "moneybird" || !st.UBLCopy || st.Dir != ublDir || st.CopyDir != filepath.Join(ublDir, "kopie") {
		t.Fatalf("after connect: %+v (%q)", st, p.onlineMsg.Text)
	}
	if want := "Een UBL-kopie van elke boeking komt in " + filepath.Join(ublDir, "kopie") + ", een submap van de factuurmap " + ublDir; !strings.Contains(p.onlineMsg.Text, want) ||
		!strings.Contains(p.status.Text, want) {
		t.Errorf("where the copy goes: message %q, status %q", p.onlineMsg.Text, p.status.Text)
	}
	// Another folder for the copy, saved on its card.
	own := t.TempDir()
	p.dir.SetText(own)
	p.saveDir()
	u.bg.wait()
	if st, _ := svc.LedgerStatus(ctx); st.Kind != "moneybird" || st.Dir != ublDir || st.CopyDir != own || st.CopyDefault {
		t.Errorf("the copy's folder saved: %+v (%q)", st, p.dirMsg.Text)
	}
	// The UBL card shows the invoice folder, not the copy's.
	p.kindSel.SetSelected("UBL-map")
	if p.dir.Text != ublDir {
		t.Errorf("the UBL card shows %q, want %q", p.dir.Text, ublDir)
	}
}

// TestBooksPanelRefusesPlainHTTP: an API address of plain http to
// another computer is refused with a Dutch sentence.
func TestBooksPanelRefusesPlainHTTP(t *testing.T) {
	svc := newService(t)
	withShop(t, svc)
	u := newTestUI(t, svc, "nl")
	u.tabs.SelectIndex(3)
	u.config.tabs.SelectIndex(1)
	p := u.config.books
	p.kindSel.SetSelected("Moneybird")
	p.apiURL.SetText("http://moneybird.example/api/v2")
	p.token.SetText(mbToken)
	test.Tap(p.connectBtn)
	u.bg.wait()
	if !strings.HasPrefix(p.onlineMsg.Text, "Het API-adres moet met https:// beginnen") {
		t.Errorf("plain http: %q", p.onlineMsg.Text)
	}
	if st, _ := svc.LedgerStatus(context.Background()); st.Kind != "ubl" {
		t.Errorf("connected over plain http: %+v", st)
	}
}

// TestBooksPanelEBoekhouden: e-Boekhouden has no administration to pick
// and maps VAT codes.
func TestBooksPanelEBoekhouden(t *testing.T) {
	svc := newService(t)
	const tok = "eb-api-token-fedcba9876543210"
	srv := httptest.NewServer(ebemu.New(tok))
	defer srv.Close()
	withShop(t, svc)
	u := newTestUI(t, svc, "nl")
	u.tabs.SelectIndex(3)
	u.config.tabs.SelectIndex(1)
	p := u.config.books
	p.kindSel.SetSelected("e-Boekhouden")
	if p.adminRow.Visible() {
		t.Error("e-Boekhouden shows an administration select")
	}
	p.apiURL.SetText(srv.URL)
	p.token.SetText(tok)
	p.dir.SetText(t.TempDir())
	test.Tap(p.connectBtn)
	u.bg.wait()
	if !strings.HasPrefix(p.onlineMsg.Text, "Verbonden met e-Boekhouden") {
		t.Fatalf("connect: %q", p.onlineMsg.Text)
	}
	if got := p.vat.vatSel[ledger.Case21].Selected; !strings.Contains(got, "HOOG_VERK_21") {
		t.Errorf("21: %q (options %q)", got, p.vat.vatSel[ledger.Case21].Options)
	}
	if !hasText(p.vat.content, "Btw-code") {
		t.Error("the mapping's column is not the VAT code")
	}
	// Reconnecting with the stored token: the address in use is shown.
	u.config.books.load()
	u.bg.wait()
	if p.apiURL.Text != srv.URL {
		t.Errorf("API address shown: %q", p.apiURL.Text)
	}
}

// TestRateLimitWaitingLine: bookings waiting for Moneybird's limit show on
// Boekhouding and Overzicht as "N boekingen wachten op Moneybird tot ...".
func TestRateLimitWaitingLine(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	_, shopURL := newShop(t, 12)
	mb, apiURL := newMoneybird(t)
	if _, err := svc.ConnectLedger(ctx, app.LedgerConnect{Kind: "moneybird", Token: mbToken, APIURL: apiURL}); err != nil {
		t.Fatal(err)
	}
	mb.SetRateLimit(12, time.Hour)
	if err := svc.SetSeller(ctx, goodSeller()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Theehuis", URL: shopURL, Key: testKey, Secret: testSecret,
		Since: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	svc.Sync(ctx, "", nil)
	w, err := svc.LedgerWait(ctx)
	if err != nil || w.Count == 0 {
		t.Fatalf("nothing waits: %+v %v", w, err)
	}
	u := newTestUI(t, svc, "nl")
	want := " wachten op Moneybird tot "
	if !strings.Contains(u.config.books.waiting.Text, want) || !u.config.books.waiting.Visible() {
		t.Errorf("Boekhouding: %q", u.config.books.waiting.Text)
	}
	if !hasText(u.overview.content, want) {
		t.Errorf("Overzicht lacks %q", want)
	}
	if !hasText(u.overview.content, "Facturen gaan naar Moneybird (Webwinkel De Proef") {
		t.Error("Overzicht does not say invoices go to Moneybird")
	}
}

// TestLedgerSentences: the online ledgers' reasons and events read as
// Dutch sentences with their figures.
func TestLedgerSentences(t *testing.T) {
	svc := newService(t)
	newTestUI(t, svc, "nl")
	until := time.Date(2024, 1, 10, 14, 35, 0, 0, time.Local)
	for _, c := range []struct{ got, want string }{
		{reasonSentence(ledger.ReasonVATUnmapped, map[string]string{"case": "export"}), "Voor Buiten de EU (export) is geen btw-tarief of btw-code gekoppeld."},
		{reasonSentence(ledger.ReasonAccountUnmapped, map[string]string{"case": "21"}), "Voor 21% btw is geen omzetrekening gekoppeld"},
		{reasonSentence(ledger.ReasonRateLimited, map[string]string{"until": until.Format(time.RFC3339)}), "vanzelf verder"},
		{reasonSentence(ledger.ReasonPeriodLocked, map[string]string{"date": "2024-01-05"}), "De periode van 5 jan 2024 is afgesloten"},
		{reasonSentence(ledger.ReasonUnauthorized, nil), "weigert het API-token"},
		{eventText(app.Event{Code: ledger.WarnVATDiffers, OrderNo: "1042", Shop: "Koffiebar",
			Args: map[string]string{"rate": "21", "shop": "8.68", "ledger": "8.69", "diff": "0.01", "ref": "4600001", "invoice": "1042"}}),
			"Bestelling 1042 is geboekt (4600001), maar het boekhoudpakket rekent over 21% € 8,69 btw en de winkel € 8,68 (verschil € 0,01)."},
		{eventText(app.Event{Code: ledger.ReasonRateLimited, Args: map[string]string{"count": "37", "until": until.Format(time.RFC3339)}}),
			"wachtende boekingen 37, tot "},
		{eventText(app.Event{Code: ledger.WarnVATDiffers, OrderNo: "1042",
			Args: map[string]string{"rate": "21", "shop": "8.68", "ledger": "8.69", "diff": "0.01", "ref": "4600001", "paid": "42.01"}}),
			"(verschil € 0,01). Als betaald geregistreerd: € 42,01. Controleer"},
		{eventText(app.Event{Code: "ledger_vat_unchecked", OrderNo: "1042", Args: map[string]string{"vat_codes": "HOOG_VERK_21,LAAG_VERK_9", "ref": "77"}}),
			"Bestelling 1042 is geboekt (77), maar de btw kon niet bij het boekhoudpakket worden nagekeken (btw-codes HOOG_VERK_21,LAAG_VERK_9)."},
		{eventText(app.Event{Code: "ledger_net_differs", OrderNo: "1042", Shop: "Koffiebar",
			Args: map[string]string{"account": "3300001", "shop": "100.00", "ledger": "95.00", "diff": "-5.00", "ref": "46"}}),
			"op omzetrekening 3300001 boekt het boekhoudpakket € 95,00 en de winkel € 100,00 (verschil € 5,00)"},
		{eventText(app.Event{Code: "ledger_vat_eur_differs", OrderNo: "1042", Shop: "Koffiebar",
			Args: map[string]string{"currency": "USD", "shop": "17.30", "ledger": "17.31", "diff": "0.01", "ref": "46"}}),
			"Bestelling 1042 in USD is geboekt (46), maar het boekhoudpakket rekent € 17,31 btw in euro en de winkel € 17,30 (verschil € 0,01)"},
		{eventText(app.Event{Code: "ledger_number_changed", OrderNo: "1042",
			Args: map[string]string{"number": "koffiebar-1042-4a1beab1eed4", "taken": "koffiebar-1042", "ref": "9"}}),
			"geboekt onder factuurnummer koffiebar-1042-4a1beab1eed4: het boekhoudpakket heeft koffiebar-1042 al voor een andere factuur"},
		{reasonSentence(ledger.ReasonAccountUnmapped, map[string]string{"case": "debtor"}), "e-Boekhouden heeft geen debiteurenrekening"},
		{reasonSentence(ledger.ReasonUnauthorized, map[string]string{"code": "MODULE_001"}), "Je e-Boekhouden-abonnement laat geen boekingen meer toe"},
		{reasonSentence(ledger.ReasonUnreachable, nil), "probeert het vanzelf opnieuw"},
		{attentionText(app.Attention{Shop: "Koffiebar", State: app.Queued, Reason: ledger.ReasonUnreachable, Count: 3,
			Args: map[string]string{"long": "1"}}), "Het boekhoudpakket is al meer dan een uur niet bereikbaar"},
		{errorText(&app.Error{Code: app.CodeLedgerNetwork}), "Het boekhoudpakket is niet bereikbaar"},
		{kindErrorText(&app.Error{Code: app.CodeLedgerAuth, Field: "token"}, "eboekhouden"), "e-Boekhouden weigert het API-token"},
		{errorText(&app.Error{Code: app.CodeInvalid, Field: "tax_rate"}), "Dit btw-tarief biedt het boekhoudpakket niet aan"},
		{rateWaitText(app.LedgerStatus{Name: "Moneybird", Waiting: app.LedgerWaiting{Count: 3, Next: until}}, until.Add(-time.Hour)),
			"3 boekingen wachten op Moneybird tot 14:35"},
		{rateWaitText(app.LedgerStatus{Name: "Moneybird", Waiting: app.LedgerWaiting{Count: 1, Next: until}}, until.Add(-48*time.Hour)),
			"1 boeking wacht op Moneybird tot 10 jan 2024 14:35"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%q, want it to hold %q", c.got, c.want)
		}
	}
	if got := rateWaitText(app.LedgerStatus{Name: "Moneybird"}, until); got != "" {
		t.Errorf("nothing waits: %q", got)
	}
	if got := reasonSentence(ledger.ReasonAccountUnmapped, map[string]string{"case": "debtor"}); strings.Contains(got, "debtor%") {
		t.Errorf("the debtors ledger as a VAT case: %q", got)
	}
	// The end of a rate limit is said on the interface's clock: today's
	// a time of day.
	u := newTestUI(t, svc, "nl")
	u.now = func() time.Time { return until.Add(-time.Hour) }
	if got := reasonSentence(ledger.ReasonRateLimited, map[string]string{"until": until.Format(time.RFC3339)}); !strings.Contains(got, "om 14:35 vanzelf") {
		t.Errorf("the limit's end on the UI clock: %q", got)
	}
}
