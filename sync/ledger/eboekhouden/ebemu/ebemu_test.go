package ebemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t   *testing.T
	e   *Emu
	srv *httptest.Server
	hc  *http.Client
	clk *clock
}

// start serves a fresh emulator on 127.0.0.1 with a fake clock.
func start(t *testing.T) *fixture {
	t.Helper()
	e := New("API-TOKEN-1")
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e.SetClock(clk.Now)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("server at %s", srv.URL)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return &fixture{t: t, e: e, srv: srv, hc: hc, clk: clk}
}

type answer struct {
	status int
	body   []byte
	err    error
}

func (a answer) error() Error {
	var e Error
	_ = json.Unmarshal(a.body, &e)
	return e
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
}

// do sends a request; auth is the Authorization header ("" none); body is
// marshalled unless it is a string (sent as is).
func (f *fixture) do(method, path, auth string, body any) answer {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				f.t.Fatal(err)
			}
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: b}
}

// session starts a session and returns its token.
func (f *fixture) session() string {
	f.t.Helper()
	a := f.do("POST", "/v1/session", "", SessionRequest{AccessToken: "API-TOKEN-1", Source: "Orderbrug"})
	if a.status != 200 {
		f.t.Fatalf("session: %d %s %v", a.status, a.body, a.err)
	}
	var s Session
	a.decode(f.t, &s)
	if s.Token == "" || s.ExpiresIn <= 0 {
		f.t.Fatalf("session %+v", s)
	}
	return s.Token
}

func wantError(t *testing.T, a answer, status int, code string) {
	t.Helper()
	if a.err != nil {
		t.Fatalf("want %d %s, got %v", status, code, a.err)
	}
	e := a.error()
	if a.status != status || e.Code != code || e.Status != status || e.Title == "" || e.TraceID == "" {
		t.Fatalf("want %d %s, got %d %s", status, code, a.status, a.body)
	}
}

func TestSessionErrors(t *testing.T) {
	f := start(t)
	for _, tc := range []struct {
		body   any
		status int
		code   string
	}{
		{SessionRequest{AccessToken: "API-TOKEN-1"}, 400, "API_SESSION_001"},
		{SessionRequest{AccessToken: "API-TOKEN-1", Source: "OrderbrugDesktop"}, 400, "API_SESSION_002"},
		{SessionRequest{Source: "Orderbrug"}, 400, "API_SESSION_003"},
		{SessionRequest{AccessToken: "wrong", Source: "Orderbrug"}, 403, ""},
		{"", 400, "DATA_01"},
	} {
		a := f.do("POST", "/v1/session", "", tc.body)
		wantError(t, a, tc.status, tc.code)
		if e := a.error(); tc.status == 403 && (e.Type != "security" || e.SecurityType == nil || e.Title != "Login failed") {
			t.Errorf("unknown token: %s", a.body)
		}
	}
	f.e.SetSourceMaxLen(0)
	a := f.do("POST", "/v1/session", "", SessionRequest{AccessToken: "API-TOKEN-1", Source: "OrderbrugDesktop"})
	if a.status != 200 {
		t.Errorf("long source without the limit: %d %s", a.status, a.body)
	}
	// An API token with an end date: refused from then on.
	f.e.SetAPITokenEnd(f.clk.Now().Add(time.Minute))
	f.session()
	f.clk.Add(time.Minute)
	wantError(t, f.do("POST", "/v1/session", "", SessionRequest{AccessToken: "API-TOKEN-1", Source: "Orderbrug"}), 403, "API_SESSION_004")
	if n := f.e.SessionsCreated(); n != 2 {
		t.Errorf("sessions created %d", n)
	}
}

func TestSessionExpiresAndRenews(t *testing.T) {
	f := start(t)
	a := f.do("POST", "/v1/session", "", SessionRequest{AccessToken: "API-TOKEN-1", Source: "Postman"})
	var s Session
	a.decode(t, &s)
	if s.ExpiresIn != 3600 {
		t.Errorf("expiresIn %d", s.ExpiresIn)
	}
	// Both the raw token and Bearer are taken.
	for _, auth := range []string{s.Token, "Bearer " + s.Token} {
		if a := f.do("GET", "/v1/ledger", auth, nil); a.status != 200 {
			t.Fatalf("%q: %d %s", auth, a.status, a.body)
		}
	}
	wantError(t, f.do("GET", "/v1/ledger", "", nil), 403, "SECURITY_010")
	wantError(t, f.do("GET", "/v1/ledger", "nonsense", nil), 403, "SECURITY_010")
	if e := f.do("GET", "/v1/ledger", "", nil).error(); e.Type != "security" || e.SecurityType == nil {
		t.Errorf("not a SecurityError: %+v", e)
	}
	f.clk.Add(time.Hour - time.Second)
	if a := f.do("GET", "/v1/ledger", s.Token, nil); a.status != 200 {
		t.Fatalf("a second before expiry: %d", a.status)
	}
	f.clk.Add(time.Second)
	wantError(t, f.do("GET", "/v1/ledger", s.Token, nil), 403, "SECURITY_010")
	// Renewing gives a new token that works; the old one stays refused.
	tok := f.session()
	if tok == s.Token {
		t.Fatal("the same token again")
	}
	if a := f.do("GET", "/v1/relation", tok, nil); a.status != 200 {
		t.Fatalf("renewed: %d %s", a.status, a.body)
	}
	wantError(t, f.do("GET", "/v1/relation", s.Token, nil), 403, "SECURITY_010")
	// DELETE /v1/session revokes the token.
	if a := f.do("DELETE", "/v1/session", tok, nil); a.status != 200 {
		t.Fatalf("delete session: %d", a.status)
	}
	wantError(t, f.do("GET", "/v1/relation", tok, nil), 403, "SECURITY_010")
	// A shorter lifetime is what expiresIn says.
	f.e.SetLifetime(30 * time.Minute)
	a = f.do("POST", "/v1/session", "", SessionRequest{AccessToken: "API-TOKEN-1", Source: "Postman"})
	a.decode(t, &s)
	if s.ExpiresIn != 1800 {
		t.Errorf("expiresIn %d", s.ExpiresIn)
	}
	// The other reading of an expired session: 401, API_SESSION_004.
	f.e.SetUnauthenticated(401, "API_SESSION_004")
	f.clk.Add(30 * time.Minute)
	wantError(t, f.do("GET", "/v1/ledger", s.Token, nil), 401, "API_SESSION_004")
	// A revoked API token ends the open sessions and starts none.
	f.e.SetUnauthenticated(403, "SECURITY_010")
	tok = f.session()
	f.e.RevokeAPIToken()
	wantError(t, f.do("GET", "/v1/ledger", tok, nil), 403, "SECURITY_010")
	wantError(t, f.do("POST", "/v1/session", "", SessionRequest{AccessToken: "API-TOKEN-1", Source: "Postman"}), 403, "")
}

func TestLedgers(t *testing.T) {
	f := start(t)
	tok := f.session()
	var l List[Ledger]
	f.do("GET", "/v1/ledger", tok, nil).decode(t, &l)
	if l.Count != len(DefaultLedgers) || len(l.Items) != l.Count {
		t.Fatalf("ledgers %+v", l)
	}
	f.do("GET", "/v1/ledger?category=DEB", tok, nil).decode(t, &l)
	if l.Count != 1 || l.Items[0].Code != "1300" {
		t.Errorf("debtors %+v", l)
	}
	f.do("GET", "/v1/ledger?code[like]=80%25&category=VW", tok, nil).decode(t, &l)
	if l.Count != 3 {
		t.Errorf("8 0xx revenue %+v", l)
	}
	if n := len(f.e.RevenueLedgers()); n != 6 {
		t.Errorf("revenue ledgers %d", n)
	}
	f.do("GET", "/v1/ledger?code[range]=8000,8100", tok, nil).decode(t, &l)
	if l.Count != 4 {
		t.Errorf("range %+v", l)
	}
}

func TestPaging(t *testing.T) {
	f := start(t)
	tok := f.session()
	for i := 0; i < 5; i++ {
		if _, err := f.e.AddRelation(Relation{Name: fmt.Sprintf("Klant %d", i), EmailAddress: fmt.Sprintf("k%d@example.nl", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var l List[Relation]
	f.do("GET", "/v1/relation?limit=2&offset=3", tok, nil).decode(t, &l)
	if l.Count != 5 || len(l.Items) != 2 || l.Items[0].Name != "Klant 3" {
		t.Errorf("page %+v", l)
	}
	f.do("GET", "/v1/relation?offset=9", tok, nil).decode(t, &l)
	if l.Count != 5 || l.Items == nil || len(l.Items) != 0 {
		t.Errorf("past the end %+v", l)
	}
	for q, code := range map[string]string{"limit=0": "PAGE_001", "limit=2001": "PAGE_001", "limit=x": "PAGE_001", "offset=-1": "PAGE_002"} {
		wantError(t, f.do("GET", "/v1/relation?"+q, tok, nil), 400, code)
	}
	if a := f.do("GET", "/v1/relation?limit=2000", tok, nil); a.status != 200 {
		t.Errorf("limit 2000: %d", a.status)
	}
	// One filter per parameter.
	a := f.do("GET", "/v1/relation?name=Klant%201&name[like]=K%25", tok, nil)
	if a.status != 400 || a.error().PropertyName != "name" {
		t.Errorf("two filters on name: %d %s", a.status, a.body)
	}
	f.do("GET", "/v1/relation?name[not_like]=Klant%20?&limit=10", tok, nil).decode(t, &l)
	if l.Count != 0 {
		t.Errorf("not_like %+v", l)
	}
	f.do("GET", "/v1/relation?id[gte]=502", tok, nil).decode(t, &l)
	if l.Count != 3 {
		t.Errorf("id gte %+v", l)
	}
	// A literal %, escaped, matches nothing here.
	f.do("GET", "/v1/relation?name[like]="+url.QueryEscape(`Klant \%`), tok, nil).decode(t, &l)
	if l.Count != 0 {
		t.Errorf("escaped like %+v", l)
	}
}

func TestRelations(t *testing.T) {
	f := start(t)
	tok := f.session()
	a := f.do("POST", "/v1/relation", tok, Relation{Name: "Sanne de Vries", EmailAddress: "sanne@example.nl", City: "Amsterdam"})
	var c Created
	a.decode(t, &c)
	if a.status != 200 || c.ID == 0 || c.Code == "" {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	var l List[Relation]
	f.do("GET", "/v1/relation?email=sanne@example.nl", tok, nil).decode(t, &l)
	if l.Count != 1 || l.Items[0].ID != c.ID || l.Items[0].Type != "B" {
		t.Errorf("by e-mail %+v", l)
	}
	// eq is exact unless the administration folds case.
	f.do("GET", "/v1/relation?email=Sanne@Example.nl", tok, nil).decode(t, &l)
	if l.Count != 0 {
		t.Errorf("case-sensitive eq found %+v", l)
	}
	f.e.SetFoldCase(true)
	f.do("GET", "/v1/relation?email=Sanne@Example.nl", tok, nil).decode(t, &l)
	if l.Count != 1 {
		t.Errorf("folded eq %+v", l)
	}
	f.do("GET", "/v1/relation?code="+c.Code, tok, nil).decode(t, &l)
	if l.Count != 1 {
		t.Errorf("by code %+v", l)
	}
	var r Relation
	f.do("GET", fmt.Sprintf("/v1/relation/%d", c.ID), tok, nil).decode(t, &r)
	if r.Name != "Sanne de Vries" || r.City != "Amsterdam" {
		t.Errorf("show %+v", r)
	}
	wantError(t, f.do("GET", "/v1/relation/99999", tok, nil), 404, "")
	a = f.do("PATCH", fmt.Sprintf("/v1/relation/%d", c.ID), tok, map[string]any{"city": "Utrecht"})
	if got, _ := f.e.Relation(c.ID); a.status != 200 || got.City != "Utrecht" || got.Name != "Sanne de Vries" {
		t.Errorf("patch %d %+v", a.status, got)
	}
	wantError(t, f.do("PATCH", fmt.Sprintf("/v1/relation/%d", c.ID), tok, map[string]any{"iban": "NL00BANK0123456789"}), 400, "REL_007")
	f.e.SetCreatedStatus(201)
	a = f.do("POST", "/v1/relation", tok, Relation{Code: "PEETERS", Name: "Peeters BV", VATNumber: "BE0123456749", IBAN: "NL91ABNA0417164300",
		CompanyRegistrationNumber: "12345678"})
	if a.status != 201 {
		t.Errorf("create 201: %d %s", a.status, a.body)
	}
	for _, tc := range []struct {
		rel  Relation
		code string
	}{
		{Relation{}, "REL_002"},
		{Relation{Name: "  "}, "REL_002"},
		{Relation{Name: "X", Code: "PEETERS"}, "REL_049"},
		{Relation{Name: "X", VATNumber: "NL12345"}, "REL_035"},
		{Relation{Name: "X", VATNumber: "nonsense"}, "REL_035"},
		{Relation{Name: "X", IBAN: "NL91ABNA0417164301"}, "REL_007"},
		{Relation{Name: "X", CompanyRegistrationNumber: "KvK 1234"}, "REL_008"},
	} {
		wantError(t, f.do("POST", "/v1/relation", tok, tc.rel), 400, tc.code)
	}
	if a := f.do("POST", "/v1/relation", tok, Relation{Name: "X", Type: "Q"}); a.status != 400 || a.error().PropertyName != "type" {
		t.Errorf("type Q: %d %s", a.status, a.body)
	}
	if n := f.e.RelationCount(); n != 2 {
		t.Errorf("relations %d", n)
	}
}

// sale is a valid type 2 mutation for relation rel.
func sale(e *Emu, rel int64, number string) Mutation {
	deb, _ := e.LedgerByCode("1300")
	hoog, _ := e.LedgerByCode("8000")
	laag, _ := e.LedgerByCode("8010")
	nul, _ := e.LedgerByCode("8020")
	return Mutation{Type: InvoiceSent, Date: "2026-03-01", LedgerID: deb.ID, RelationID: rel, InvoiceNumber: number,
		InExVat: "IN", Description: "Bestelling 1042",
		Rows: []MutationRow{
			{LedgerID: hoog.ID, VATCode: "HOOG_VERK_21", Amount: 121.00, Description: "Cursus"},
			{LedgerID: laag.ID, VATCode: "LAAG_VERK_9", Amount: 19.95},
			{LedgerID: nul.ID, VATCode: "GEEN", Amount: 10},
		}}
}

func TestInvoiceSent(t *testing.T) {
	f := start(t)
	tok := f.session()
	rel, _ := f.e.AddRelation(Relation{Name: "Sanne de Vries", EmailAddress: "sanne@example.nl"})
	m := sale(f.e, rel.ID, "WC-1042")
	a := f.do("POST", "/v1/mutation", tok, m)
	var c Created
	a.decode(t, &c)
	if a.status != 200 || c.ID == 0 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	var got Mutation
	f.do("GET", fmt.Sprintf("/v1/mutation/%d", c.ID), tok, nil).decode(t, &got)
	if got.InvoiceNumber != "WC-1042" || got.RelationID != rel.ID || len(got.Rows) != 3 || got.InExVat != "IN" {
		t.Fatalf("show %+v", got)
	}
	// 121.00 incl. 21 % holds 21.00; 19.95 incl. 9 % holds 1.65.
	if len(got.VAT) != 3 || got.VAT[0] != (VATLine{"HOOG_VERK_21", 21}) || got.VAT[1] != (VATLine{"LAAG_VERK_9", 1.65}) || got.VAT[2].Amount != 0 {
		t.Errorf("vat %+v", got.VAT)
	}
	tot := f.e.Totals(InvoiceSent)
	if tot["HOOG_VERK_21"] != (Split{Net: 10000, VAT: 2100, Gross: 12100}) || tot["LAAG_VERK_9"] != (Split{Net: 1830, VAT: 165, Gross: 1995}) {
		t.Errorf("totals %+v", tot)
	}
	// The same amounts excl. VAT.
	ex := sale(f.e, rel.ID, "WC-1043")
	ex.InExVat = "EX"
	ex.Rows[0].Amount = 100
	id, err := f.e.Book(ex)
	if err != nil {
		t.Fatal(err)
	}
	mx, _ := f.e.Mutation(id)
	if mx.VAT[0].Amount != 21 || Gross(mx) != 12100+1995+180+1000 {
		t.Errorf("EX %+v gross %d", mx.VAT, Gross(mx))
	}
	// Listing finds it by invoice number: the idempotency pre-check.
	var l List[MutationItem]
	f.do("GET", "/v1/mutation?invoiceNumber=WC-1042", tok, nil).decode(t, &l)
	if l.Count != 1 || l.Items[0].ID != c.ID || l.Items[0].Amount != 150.95 || l.Items[0].Type != 2 || l.Items[0].Date != "2026-03-01" {
		t.Errorf("list %+v", l)
	}
	f.do("GET", "/v1/mutation?type=2&date[range]=2026-03-01,2026-03-31", tok, nil).decode(t, &l)
	if l.Count != 2 {
		t.Errorf("type and date %+v", l)
	}
	f.do("GET", "/v1/mutation?description[like]=%25order%25", tok, nil).decode(t, &l)
	if l.Count != 0 {
		t.Errorf("description like %+v", l)
	}
	wantError(t, f.do("GET", "/v1/mutation/123", tok, nil), 404, "")
	// No PATCH or DELETE for a mutation.
	for _, meth := range []string{"PATCH", "DELETE"} {
		if a := f.do(meth, fmt.Sprintf("/v1/mutation/%d", c.ID), tok, map[string]any{}); a.status != 405 {
			t.Errorf("%s: %d", meth, a.status)
		}
	}
	// A payment of the invoice (type 3) needs the invoice.
	bank, _ := f.e.LedgerByCode("1100")
	pay := Mutation{Type: InvoicePaymentReceived, Date: "2026-03-02", LedgerID: bank.ID, RelationID: rel.ID,
		Rows: []MutationRow{{InvoiceNumber: "WC-1042", Amount: 150.95}}}
	if _, err := f.e.Book(pay); err != nil {
		t.Errorf("payment: %v", err)
	}
	pay.Rows[0].InvoiceNumber = "WC-9999"
	if _, err := f.e.Book(pay); code(err) != "MUT_115" {
		t.Errorf("payment of no invoice: %v", err)
	}
	pay.Rows[0].InvoiceNumber = ""
	if _, err := f.e.Book(pay); code(err) != "MUT_120" {
		t.Errorf("payment without invoice: %v", err)
	}
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestDuplicateInvoiceNumber(t *testing.T) {
	f := start(t)
	tok := f.session()
	a, _ := f.e.AddRelation(Relation{Name: "A"})
	b, _ := f.e.AddRelation(Relation{Name: "B"})
	if r := f.do("POST", "/v1/mutation", tok, sale(f.e, a.ID, "WC-1")); r.status != 200 {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	r := f.do("POST", "/v1/mutation", tok, sale(f.e, a.ID, "WC-1"))
	wantError(t, r, 400, "MUT_020")
	if e := r.error(); e.Type != "validation" || e.PropertyName != "invoiceNumber" {
		t.Errorf("body %s", r.body)
	}
	wantError(t, f.do("POST", "/v1/mutation", tok, sale(f.e, b.ID, "WC-1")), 400, "MUT_019")
	f.e.SetDuplicateCode("MUT_019")
	wantError(t, f.do("POST", "/v1/mutation", tok, sale(f.e, a.ID, "WC-1")), 400, "MUT_019")
	f.e.SetDuplicateCode("MUT_020")
	wantError(t, f.do("POST", "/v1/mutation", tok, sale(f.e, b.ID, "WC-1")), 400, "MUT_020")
	if n := len(f.e.MutationsByInvoice("WC-1")); n != 1 || f.e.MutationCount() != 1 {
		t.Errorf("booked %d times", n)
	}
	// Another invoice type may carry the same number (a purchase invoice).
	cred, _ := f.e.LedgerByCode("1600")
	cost, _ := f.e.LedgerByCode("4000")
	if _, err := f.e.Book(Mutation{Type: InvoiceReceived, Date: "2026-03-01", LedgerID: cred.ID, RelationID: a.ID, InvoiceNumber: "WC-1",
		InExVat: "EX", Rows: []MutationRow{{LedgerID: cost.ID, VATCode: "HOOG_INK_21", Amount: 10}}}); err != nil {
		t.Errorf("purchase invoice with the number: %v", err)
	}
}

// Concurrent creates of one invoice number book it once.
func TestConcurrentDuplicate(t *testing.T) {
	f := start(t)
	tok := f.session()
	rel, _ := f.e.AddRelation(Relation{Name: "A"})
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = f.do("POST", "/v1/mutation", tok, sale(f.e, rel.ID, "WC-7")).status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == 200 {
			ok++
		}
	}
	if ok != 1 || f.e.MutationCount() != 1 {
		t.Errorf("statuses %v, %d mutations", statuses, f.e.MutationCount())
	}
}

func TestMutationValidation(t *testing.T) {
	f := start(t)
	tok := f.session()
	rel, _ := f.e.AddRelation(Relation{Name: "A"})
	bank, _ := f.e.LedgerByCode("1100")
	deb, _ := f.e.LedgerByCode("1300")
	f.e.ClosePeriod("2025-12-31", false)
	f.e.AddCostCenter(3)
	fl := func(v float64) *float64 { return &v }
	neg := -1
	ref := sale(f.e, rel.ID, "REF")
	ref.PaymentReference = "REF-1"
	if _, err := f.e.Book(ref); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(m *Mutation)
		status int
		code   string
	}{
		{"no type", func(m *Mutation) { m.Type = 0 }, 400, "MUT_001"},
		{"type 8", func(m *Mutation) { m.Type = 8 }, 400, "MUT_001"},
		{"no date", func(m *Mutation) { m.Date = "" }, 400, "MUT_003"},
		{"bad date", func(m *Mutation) { m.Date = "01-03-2026" }, 400, "MUT_004"},
		{"closed period", func(m *Mutation) { m.Date = "2025-12-31" }, 400, "MUT_005"},
		{"no ledger", func(m *Mutation) { m.LedgerID = 0 }, 400, "MUTA_001"},
		{"unknown ledger", func(m *Mutation) { m.LedgerID = 1 }, 400, "MUT_007"},
		{"not a debtor ledger", func(m *Mutation) { m.LedgerID = bank.ID }, 400, "MUT_011"},
		{"no invoice number", func(m *Mutation) { m.InvoiceNumber = "" }, 400, "MUT_002"},
		{"long invoice number", func(m *Mutation) { m.InvoiceNumber = strings.Repeat("9", 51) }, 400, "MUT_018"},
		{"no relation", func(m *Mutation) { m.RelationID = 0 }, 400, "MUT_012"},
		{"unknown relation", func(m *Mutation) { m.RelationID = 1 }, 400, "MUT_013"},
		{"no inExVat", func(m *Mutation) { m.InExVat = "" }, 400, "MUTA_005"},
		{"bad inExVat", func(m *Mutation) { m.InExVat = "INCL" }, 400, "MUT_017"},
		{"negative term", func(m *Mutation) { m.TermOfPayment = &neg }, 400, "MUT_015"},
		{"no rows", func(m *Mutation) { m.Rows = nil }, 400, "MUT_100"},
		{"too many rows", func(m *Mutation) {
			for len(m.Rows) <= DefaultMaxRows {
				m.Rows = append(m.Rows, m.Rows[0])
			}
		}, 400, "MUT_101"},
		{"row without ledger", func(m *Mutation) { m.Rows[1].LedgerID = 0 }, 400, "MUTA_004"},
		{"row on unknown ledger", func(m *Mutation) { m.Rows[1].LedgerID = 2 }, 400, "MUT_104"},
		{"row on a debtor ledger", func(m *Mutation) { m.Rows[1].LedgerID = deb.ID }, 400, "MUT_106"},
		{"row on a bank ledger", func(m *Mutation) { m.Rows[1].LedgerID = bank.ID }, 400, "MUT_106"},
		{"unknown VAT code", func(m *Mutation) { m.Rows[0].VATCode = "HOOG_VERK" }, 400, "MUT_109"},
		{"no VAT code", func(m *Mutation) { m.Rows[0].VATCode = "" }, 400, "MUT_109"},
		{"BE VAT code", func(m *Mutation) { m.Rows[0].VATCode = "BE_21_VERK" }, 400, "MUT_109"},
		{"6 % after 2019", func(m *Mutation) { m.Rows[0].VATCode = "LAAG_VERK" }, 400, "MUT_109"},
		{"purchase code on a sale", func(m *Mutation) { m.Rows[0].VATCode = "HOOG_INK_21" }, 400, "MUT_111"},
		{"vatAmount without AFW_VERK", func(m *Mutation) { m.Rows[0].VATAmount = fl(1) }, 400, "MUTA_003"},
		{"unknown cost centre", func(m *Mutation) { m.Rows[0].CostCenterID = 4 }, 400, "MUT_117"},
		{"unknown row relation", func(m *Mutation) { m.Rows[0].RelationID = 4 }, 400, "MUT_113"},
		{"payment reference taken", func(m *Mutation) { m.PaymentReference, m.CheckPaymentReference = "REF-1", true }, 400, "MUTA_008"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := sale(f.e, rel.ID, "V-"+tc.name)
			tc.change(&m)
			wantError(t, f.do("POST", "/v1/mutation", tok, m), tc.status, tc.code)
		})
	}
	if n := f.e.MutationCount(); n != 1 {
		t.Fatalf("%d mutations booked by invalid requests", n-1)
	}
	// The valid variants the table's codes border on.
	for name, change := range map[string]func(m *Mutation){
		"payment reference":   func(m *Mutation) { m.PaymentReference, m.CheckPaymentReference = "REF-2", true },
		"unchecked reference": func(m *Mutation) { m.PaymentReference = "REF-1" },
		"AFW_VERK with vatAmount": func(m *Mutation) {
			m.Rows[0].VATCode, m.Rows[0].VATAmount = "AFW_VERK", fl(20.99)
		},
		"intra-EU and export": func(m *Mutation) {
			m.Rows[0].VATCode, m.Rows[1].VATCode = "BI_EU_VERK", "BI_EU_VERK_D"
			m.Rows[2].VATCode = "BU_EU_VERK"
		},
		"reverse charge":  func(m *Mutation) { m.Rows[0].VATCode = "VERL_VERK"; m.Rows = m.Rows[:1] },
		"date-time date":  func(m *Mutation) { m.Date = "2026-03-01T00:00:00" },
		"cost centre":     func(m *Mutation) { m.Rows[0].CostCenterID = 3 },
		"6 % before 2019": func(m *Mutation) { f.e.ClosePeriod("", false); m.Date = "2018-12-31"; m.Rows[0].VATCode = "LAAG_VERK" },
		"50 characters":   func(m *Mutation) { m.InvoiceNumber = strings.Repeat("8", 50) },
	} {
		m := sale(f.e, rel.ID, "OK-"+name)
		change(&m)
		if a := f.do("POST", "/v1/mutation", tok, m); a.status != 200 {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
	// The accountant's close is a SecurityError.
	f.e.ClosePeriod("2026-03-31", true)
	a := f.do("POST", "/v1/mutation", tok, sale(f.e, rel.ID, "X-1"))
	wantError(t, a, 403, "SECURITY_007")
	if a.error().Type != "security" {
		t.Errorf("SECURITY_007 %s", a.body)
	}
}

func TestBadBodies(t *testing.T) {
	f := start(t)
	tok := f.session()
	wantError(t, f.do("POST", "/v1/mutation", tok, ""), 400, "DATA_01")
	a := f.do("POST", "/v1/mutation", tok, `{"type":2,"rows":[{"amount":"12.10"}]}`)
	if a.status != 400 || a.error().Type != "validation" {
		t.Errorf("amount as a string: %d %s", a.status, a.body)
	}
	if a := f.do("POST", "/v1/mutation", tok, `{"type":`); a.status != 400 {
		t.Errorf("broken JSON: %d", a.status)
	}
	req, _ := http.NewRequest("POST", f.srv.URL+"/v1/mutation", strings.NewReader(`{"type":2}`))
	req.Header.Set("Authorization", tok)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := f.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Errorf("text/plain: %d", resp.StatusCode)
	}
	if a := f.do("GET", "/v1/nothing", tok, nil); a.status != 404 {
		t.Errorf("unknown route %d", a.status)
	}
	if f.e.MutationCount() != 0 {
		t.Error("booked")
	}
}

// A lost answer: the mutation is committed, the client sees no answer; its
// retry meets MUT_020, and nothing is booked twice.
func TestLostAnswer(t *testing.T) {
	f := start(t)
	tok := f.session()
	rel, _ := f.e.AddRelation(Relation{Name: "A"})
	f.e.LoseNext("POST", "/v1/mutation", 1)
	a := f.do("POST", "/v1/mutation", tok, sale(f.e, rel.ID, "WC-5"))
	if a.err == nil {
		t.Fatalf("an answer came: %d %s", a.status, a.body)
	}
	if f.e.MutationCount() != 1 {
		t.Fatalf("not committed: %d", f.e.MutationCount())
	}
	wantError(t, f.do("POST", "/v1/mutation", tok, sale(f.e, rel.ID, "WC-5")), 400, "MUT_020")
	var l List[MutationItem]
	f.do("GET", "/v1/mutation?invoiceNumber=WC-5", tok, nil).decode(t, &l)
	if l.Count != 1 || f.e.MutationCount() != 1 {
		t.Errorf("booked %d", f.e.MutationCount())
	}
	log := f.e.Log()
	if !log[1].Lost || log[1].Status != 0 || log[2].Status != 400 {
		t.Errorf("log %+v", log)
	}
	// A lost relation create: the relation exists.
	f.e.LoseNext("POST", "/v1/relation", 1)
	if a := f.do("POST", "/v1/relation", tok, Relation{Name: "B", EmailAddress: "b@example.nl"}); a.err == nil {
		t.Fatal("an answer came")
	}
	if n := len(f.e.RelationsByEmail("b@example.nl")); n != 1 {
		t.Errorf("relations %d", n)
	}
}

func TestFailNext(t *testing.T) {
	f := start(t)
	tok := f.session()
	rel, _ := f.e.AddRelation(Relation{Name: "A"})
	f.e.FailNext(2)
	for i := 0; i < 2; i++ {
		a := f.do("POST", "/v1/mutation", tok, sale(f.e, rel.ID, "WC-9"))
		if a.status != 500 || a.error().Status != 500 {
			t.Fatalf("try %d: %d %s", i, a.status, a.body)
		}
	}
	if f.e.MutationCount() != 0 {
		t.Fatal("a 500 booked")
	}
	if a := f.do("POST", "/v1/mutation", tok, sale(f.e, rel.ID, "WC-9")); a.status != 200 {
		t.Fatalf("after the faults: %d", a.status)
	}
	// A fault on a path leaves the others alone; a fault with a body gives
	// that documented error.
	f.e.Inject(Fault{Path: "/v1/relation*", Count: 1})
	f.e.Inject(Fault{Method: "GET", Path: "/v1/ledger", Err: security(403, "SECURITY_002", "No administration opened")})
	if a := f.do("GET", "/v1/mutation", tok, nil); a.status != 200 {
		t.Errorf("other path: %d", a.status)
	}
	if a := f.do("GET", "/v1/relation/1", tok, nil); a.status != 500 {
		t.Errorf("relation path: %d", a.status)
	}
	wantError(t, f.do("GET", "/v1/ledger", tok, nil), 403, "SECURITY_002")
	if a := f.do("GET", "/v1/ledger", tok, nil); a.status != 200 {
		t.Errorf("after: %d", a.status)
	}
	// A session request can fail too.
	f.e.FailNext(1)
	if a := f.do("POST", "/v1/session", "", SessionRequest{AccessToken: "API-TOKEN-1", Source: "Orderbrug"}); a.status != 500 {
		t.Errorf("session: %d", a.status)
	}
	f.e.Inject(Fault{Count: 3})
	f.e.ClearFaults()
	if a := f.do("GET", "/v1/ledger", tok, nil); a.status != 200 {
		t.Errorf("cleared: %d", a.status)
	}
}

// With keep-alive connections (the default client), a lost POST answer is
// an error too: Go's transport does not resend a POST.
func TestLostAnswerKeepAlive(t *testing.T) {
	f := start(t)
	f.hc = f.srv.Client()
	tok := f.session()
	rel, _ := f.e.AddRelation(Relation{Name: "A"})
	if a := f.do("GET", "/v1/ledger", tok, nil); a.status != 200 {
		t.Fatal(a.status)
	}
	f.e.LoseNext("POST", "/v1/mutation", 1)
	if a := f.do("POST", "/v1/mutation", tok, sale(f.e, rel.ID, "WC-6")); a.err == nil {
		t.Fatalf("an answer came: %d", a.status)
	}
	if a := f.do("POST", "/v1/mutation", tok, sale(f.e, rel.ID, "WC-6")); a.status != 400 || a.error().Code != "MUT_020" {
		t.Fatalf("retry: %d %s", a.status, a.body)
	}
	if n := f.e.MutationCount(); n != 1 || f.e.Requests() != 4 {
		t.Errorf("%d mutations, %d requests", n, f.e.Requests())
	}
}
