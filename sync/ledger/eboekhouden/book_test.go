package eboekhouden

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/order"
)

// book books inv and fails the test on an error or a warning.
func (f *fixture) book(inv order.Invoice) ebemu.Mutation {
	f.t.Helper()
	b, err := f.l.BookReport(f.ctx, inv)
	if err != nil {
		f.t.Fatalf("book %s: %v", inv.Key, err)
	}
	if len(b.Warnings) != 0 {
		f.t.Fatalf("book %s: warnings %v", inv.Key, b.Warnings)
	}
	return f.mutation(b.Ref)
}

// mutation returns the booked mutation of ref.
func (f *fixture) mutation(ref string) ebemu.Mutation {
	f.t.Helper()
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		f.t.Fatalf("ref %q: %v", ref, err)
	}
	m, ok := f.emu.Mutation(id)
	if !ok {
		f.t.Fatalf("no mutation %s", ref)
	}
	return m
}

// reconciles checks that the rows booked per VAT code add up to the
// invoices' taxable amounts and VAT (credit notes negative), to the cent,
// and that every invoice's mutation is its total incl. VAT.
func (f *fixture) reconciles(invs ...order.Invoice) {
	f.t.Helper()
	want := map[string]ebemu.Split{}
	for _, inv := range invs {
		sign := order.Money(1)
		if inv.Kind == order.KindCreditNote {
			sign = -1
		}
		for _, s := range inv.TaxSubtotals {
			c, ok := ledger.VATCase(order.InvoiceLine{Category: s.Category, Rate: s.Rate})
			if !ok {
				f.t.Fatalf("subtotal %+v has no case", s)
			}
			code := f.mapping[c].VATCode
			w := want[code]
			w.Net += int64(sign * s.Taxable)
			w.VAT += int64(sign * s.Tax)
			w.Gross += int64(sign * (s.Taxable + s.Tax))
			want[code] = w
		}
		ms := f.emu.MutationsByInvoice(ledger.Reference(inv))
		if len(ms) != 1 {
			f.t.Fatalf("%d mutations numbered %s", len(ms), ledger.Reference(inv))
		}
		if g := ebemu.Gross(ms[0]); g != int64(sign*inv.Total) {
			f.t.Errorf("mutation %s: gross %d, want %d", ms[0].InvoiceNumber, g, sign*inv.Total)
		}
	}
	got := f.emu.Totals(ebemu.InvoiceSent)
	for code, w := range want {
		if got[code] != w {
			f.t.Errorf("VAT code %s: booked %+v, the shop's %+v", code, got[code], w)
		}
	}
	for code, g := range got {
		if _, ok := want[code]; !ok && g != (ebemu.Split{}) {
			f.t.Errorf("VAT code %s booked %+v, not in the shop's figures", code, g)
		}
	}
}

func TestBookInvoice(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	b, err := f.l.BookReport(f.ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings) != 0 {
		t.Fatalf("warnings %v", b.Warnings)
	}
	m := f.mutation(b.Ref)
	if m.Type != ebemu.InvoiceSent || m.InvoiceNumber != "webwinkel-1042" || m.Date != "2026-03-02" || m.InExVat != "IN" {
		t.Errorf("mutation %+v", m)
	}
	if deb, _ := f.emu.LedgerByCode("1300"); m.LedgerID != deb.ID {
		t.Errorf("ledger %d, want the debtors' %d", m.LedgerID, deb.ID)
	}
	if !strings.Contains(m.Description, "1042") || m.TermOfPayment == nil || *m.TermOfPayment != 0 {
		t.Errorf("description %q term %v", m.Description, m.TermOfPayment)
	}
	// A row per VAT code and revenue ledger: 21 % products and the fee on
	// 8000, 9 % on 8010, shipping on 8200.
	type key struct {
		code   string
		ledger string
	}
	rows := map[key]int64{}
	for _, r := range m.Rows {
		rows[key{r.VATCode, itoa(r.LedgerID)}] += int64(r.Amount*100 + 0.5)
		if !strings.HasPrefix(r.Description, "1042: ") {
			t.Errorf("row description %q", r.Description)
		}
	}
	wantRows := map[key]int64{
		{"HOOG_VERK_21", f.ledgerID("8000")}: 1800 + 378 + 100 + 21,
		{"LAAG_VERK_9", f.ledgerID("8010")}:  1835 + 165,
		{"HOOG_VERK_21", f.ledgerID("8200")}: 496 + 104,
	}
	if len(rows) != len(wantRows) {
		t.Errorf("rows %v, want %v", rows, wantRows)
	}
	for k, w := range wantRows {
		if rows[k] != w {
			t.Errorf("row %v: %d, want %d", k, rows[k], w)
		}
	}
	f.reconciles(inv)

	rel, ok := f.emu.Relation(m.RelationID)
	if !ok || rel.Type != "P" || rel.Code != ledger.CustomerID(inv.Buyer) || rel.Name != "Jan Jansen" ||
		rel.EmailAddress != "jan@example.nl" || rel.Address != "Kerkstraat 2" || rel.PostalCode != "1012 AB" ||
		rel.City != "Amsterdam" || rel.Country != "NL" || rel.VATNumber != "" {
		t.Errorf("relation %+v", rel)
	}

	// Booked once: again returns the same id and sends nothing.
	n := f.emu.Requests()
	again, err := f.l.Book(f.ctx, inv)
	if err != nil || again != b.Ref || f.emu.Requests() != n {
		t.Errorf("again: %q %v, %d requests", again, err, f.emu.Requests()-n)
	}
	// So does a restarted app (a new ledger on the same journal).
	if again, err := f.newLedger(apiToken).Book(f.ctx, inv); err != nil || again != b.Ref || f.emu.Requests() != n {
		t.Errorf("after a restart: %q %v", again, err)
	}
	if f.emu.MutationCount() != 1 || f.emu.RelationCount() != 1 {
		t.Errorf("%d mutations, %d relations", f.emu.MutationCount(), f.emu.RelationCount())
	}
}

// TestBusinessRelation: a company with a VAT number and a KvK number is a
// relation of type B with both; a KvK that is not numeric is left out.
func TestBusinessRelation(t *testing.T) {
	f := start(t)
	buyer := order.Party{Name: "Piet de Vries", Company: "De Vries Horeca B.V.", Email: "inkoop@devries.example",
		VATID: "nl 987654321 b01", KvK: "87654321",
		Address: order.Address{Street: "Markt 3", Street2: "2e verdieping", Postcode: "2611 GP", City: "Delft", Country: "nl"}}
	m := f.book(f.invoice("webwinkel", mixedOrder("1043", buyer)))
	rel, _ := f.emu.Relation(m.RelationID)
	if rel.Type != "B" || rel.Name != "De Vries Horeca B.V." || rel.Contact != "Piet de Vries" || rel.VATNumber != "NL987654321B01" ||
		rel.CompanyRegistrationNumber != "87654321" || rel.Address != "Markt 3 2e verdieping" || rel.Country != "NL" {
		t.Errorf("relation %+v", rel)
	}
	buyer.KvK, buyer.Email = "KvK 8765", "other@devries.example"
	r := newRelation(buyer)
	if r.CompanyRegistrationNumber != "" {
		t.Errorf("a KvK that is not numeric sent: %+v", r)
	}
}

// TestRelationOnce: one relation per customer across two shops, a lost
// answer on its create, and a relation that was there before by e-mail.
func TestRelationOnce(t *testing.T) {
	f := start(t)
	f.emu.LoseNext("POST", "/v1/relation", 1)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	_, err := f.l.Book(f.ctx, inv)
	if err == nil || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("lost answer: %v, want a transient error", err)
	}
	f.noToken(err)
	if f.emu.RelationCount() != 1 || f.emu.MutationCount() != 0 {
		t.Fatalf("%d relations, %d mutations after the lost answer", f.emu.RelationCount(), f.emu.MutationCount())
	}
	m1 := f.book(inv)
	// The second shop's order of the same customer: the same relation.
	m2 := f.book(f.invoice("tweedewinkel", mixedOrder("1042", consumer())))
	if m1.RelationID != m2.RelationID || f.emu.RelationCount() != 1 || len(f.emu.RelationsByEmail("jan@example.nl")) != 1 {
		t.Errorf("relations %d and %d, %d in all", m1.RelationID, m2.RelationID, f.emu.RelationCount())
	}
	if m1.InvoiceNumber == m2.InvoiceNumber {
		t.Errorf("two shops' order 1042 collide: %s", m1.InvoiceNumber)
	}
	// Another journal (another machine) finds it by its code.
	other := f.st.Journal("eboekhouden/other")
	l, _ := New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Now: f.clk.Now, Journal: other,
		Mapping: f.l.mapping})
	id, err := l.relation(f.ctx, consumer(), false)
	if err != nil || id != m1.RelationID {
		t.Errorf("by code: %d %v", id, err)
	}
	// A relation the owner made by hand is found by its e-mail address
	// (case-insensitively where e-Boekhouden's filter is: SQL Server's
	// usual collation).
	for i, stored := range []string{"marie@example.nl", "Kim@Example.NL"} {
		f.emu.SetFoldCase(i == 1)
		made, err := f.emu.AddRelation(ebemu.Relation{Type: "P", Code: "K000" + strconv.Itoa(i), Name: "M. Pietersen", EmailAddress: stored})
		if err != nil {
			t.Fatal(err)
		}
		marie := consumer()
		marie.Name, marie.Email = "Marie Pietersen "+strconv.Itoa(i), strings.ToLower(stored)
		before := f.emu.RelationCount()
		m3 := f.book(f.invoice("webwinkel", mixedOrder("104"+strconv.Itoa(4+i), marie)))
		if m3.RelationID != made.ID || f.emu.RelationCount() != before {
			t.Errorf("%s: relation %d, want the one by e-mail %d", stored, m3.RelationID, made.ID)
		}
		if i == 0 {
			// Found once: the next time its journal entry, by the code it has.
			if e, _, _ := f.journal.Get(f.ctx, "contact/"+ledger.CustomerID(marie)); e.Ref != itoa(made.ID) {
				t.Errorf("journal %+v", e)
			}
		}
		f.emu.SetFoldCase(false)
	}
}

// TestRelationGone: a relation the journal has but e-Boekhouden no longer
// knows (MUT_013) is forgotten and made again, once.
func TestRelationGone(t *testing.T) {
	f := start(t)
	f.book(f.invoice("webwinkel", mixedOrder("1042", consumer())))
	// The same journal against an administration that lacks the relation.
	f2 := start(t)
	f2.journal = f.journal
	f2.l = f2.newLedger(apiToken)
	before := f2.emu.RelationCount()
	m := f2.book(f2.invoice("webwinkel", mixedOrder("1043", consumer())))
	rel, ok := f2.emu.Relation(m.RelationID)
	if !ok || rel.Code != ledger.CustomerID(consumer()) || f2.emu.RelationCount() != before+1 {
		t.Errorf("relation %+v %v", rel, ok)
	}
	var mut013 int
	for _, r := range f2.emu.Log() {
		if r.Method == "POST" && r.Path == "/v1/mutation" && r.Status == 400 {
			mut013++
		}
	}
	if mut013 != 1 {
		t.Errorf("%d refused mutations, want the one MUT_013", mut013)
	}
	e, _, _ := f.journal.Get(f.ctx, "contact/"+ledger.CustomerID(consumer()))
	if e.Ref != itoa(m.RelationID) {
		t.Errorf("journal relation %q, want %d", e.Ref, m.RelationID)
	}
}

// TestLostMutationAnswer: the mutation is committed and its answer lost;
// the retry finds it by invoice number: one mutation.
func TestLostMutationAnswer(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	f.emu.LoseNext("POST", "/v1/mutation", 1)
	_, err := f.l.Book(f.ctx, inv)
	if err == nil || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("lost answer: %v", err)
	}
	f.noToken(err)
	if e, _, _ := f.journal.Get(f.ctx, "inv/"+inv.Key); e.State != ledger.StateSending {
		t.Fatalf("journal %+v, want sending", e)
	}
	posts := func() (n int) {
		for _, r := range f.emu.Log() {
			if r.Method == "POST" && r.Path == "/v1/mutation" {
				n++
			}
		}
		return n
	}
	ref, err := f.newLedger(apiToken).Book(f.ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	ms := f.emu.MutationsByInvoice("webwinkel-1042")
	if len(ms) != 1 || itoa(ms[0].ID) != ref || f.emu.MutationCount() != 1 || posts() != 1 {
		t.Errorf("ref %s, mutations %+v, %d posts", ref, ms, posts())
	}
	if e, _, _ := f.journal.Get(f.ctx, "inv/"+inv.Key); e.State != ledger.StateDone || e.Ref != ref {
		t.Errorf("journal %+v", e)
	}
	f.reconciles(inv)
}

// TestAlreadyBooked: a journal that does not know the booking (lost, or
// another machine) and an invoice number e-Boekhouden has: MUT_020 for the
// same relation, MUT_019 (forced) otherwise: the booking is that mutation.
func TestAlreadyBooked(t *testing.T) {
	for _, code := range []string{"", "MUT_019"} {
		t.Run("code"+code, func(t *testing.T) {
			f := start(t)
			inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
			first := f.book(inv)
			f.emu.SetDuplicateCode(code)
			f.journal = f.st.Journal("eboekhouden/fresh")
			ref, err := f.newLedger(apiToken).Book(f.ctx, inv)
			if err != nil {
				t.Fatal(err)
			}
			if ref != itoa(first.ID) || f.emu.MutationCount() != 1 {
				t.Errorf("ref %s, want %d; %d mutations", ref, first.ID, f.emu.MutationCount())
			}
			want := "MUT_020"
			if code != "" {
				want = code
			}
			found := false
			for _, r := range f.emu.Log() {
				found = found || r.Path == "/v1/mutation" && r.Method == "POST" && r.Status == 400
			}
			if !found {
				t.Errorf("no refused create (%s) in the log", want)
			}
		})
	}
}

// TestServerError: a 500 is transient; the retry books once.
func TestServerError(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	f.emu.Inject(ebemu.Fault{Method: "POST", Path: "/v1/mutation"})
	_, err := f.l.Book(f.ctx, inv)
	var re *ledger.ReasonError
	if err == nil || errors.Is(err, ledger.ErrPermanent) || errors.As(err, &re) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("500: %v", err)
	}
	f.noToken(err)
	f.book(inv)
	if f.emu.MutationCount() != 1 {
		t.Errorf("%d mutations", f.emu.MutationCount())
	}
	// Down for a while: every request fails, then it books.
	inv2 := f.invoice("webwinkel", mixedOrder("1043", consumer()))
	f.emu.FailNext(3)
	for i := 0; i < 3; i++ {
		if _, err := f.l.Book(f.ctx, inv2); err == nil || errors.Is(err, ledger.ErrPermanent) {
			t.Fatalf("down, attempt %d: %v", i, err)
		}
	}
	f.book(inv2)
	f.reconciles(inv, inv2)
}

// TestTimeout: an answer slower than the client's timeout is transient.
func TestTimeout(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	if _, err := f.l.Check(f.ctx); err != nil {
		t.Fatal(err)
	}
	slow := &slowTransport{next: f.spy, delay: 300 * time.Millisecond}
	l, _ := New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Now: f.clk.Now, Journal: f.journal,
		HTTP: newClient(slow, 100*time.Millisecond), Mapping: f.l.mapping})
	_, err := l.Book(f.ctx, inv)
	if err == nil || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("timeout: %v", err)
	}
	f.noToken(err)
}

// TestRevokedToken: a revoked API token waits with ReasonUnauthorized
// (the session it had ends too); a new one books.
func TestRevokedToken(t *testing.T) {
	f := start(t)
	f.book(f.invoice("webwinkel", mixedOrder("1042", consumer())))
	f.emu.RevokeAPIToken()
	inv := f.invoice("webwinkel", mixedOrder("1043", consumer()))
	_, err := f.l.Book(f.ctx, inv)
	if !isReason(err, ledger.ReasonUnauthorized) || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("revoked: %v", err)
	}
	f.noToken(err)
	f.emu.SetAPIToken("NEW-TOKEN")
	if _, err := f.l.Book(f.ctx, inv); !isReason(err, ledger.ReasonUnauthorized) {
		t.Fatalf("old token, new one made: %v", err)
	}
	f.l = f.newLedger("NEW-TOKEN")
	f.book(inv)
	// A wrong token from the start.
	_, err = f.newLedger("WRONG-TOKEN").Book(f.ctx, f.invoice("webwinkel", mixedOrder("1044", consumer())))
	if !isReason(err, ledger.ReasonUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
	f.noToken(err)
}

// TestSessionRenewal: a session is renewed before it expires, and once
// when e-Boekhouden says it ended (SECURITY_010, or 401 /
// API_SESSION_004 in the other reading).
func TestSessionRenewal(t *testing.T) {
	f := start(t)
	f.emu.SetLifetime(10 * time.Minute)
	f.l = f.newLedger(apiToken)
	f.book(f.invoice("webwinkel", mixedOrder("1001", consumer())))
	sessions := f.emu.SessionsCreated()
	// Before the renewal margin (a tenth: one minute): the same session.
	f.clk.Add(8 * time.Minute)
	f.book(f.invoice("webwinkel", mixedOrder("1002", consumer())))
	if n := f.emu.SessionsCreated(); n != sessions {
		t.Errorf("renewed at 8 of 10 minutes: %d sessions", n)
	}
	// Within the margin: renewed before e-Boekhouden refuses it.
	f.clk.Add(90 * time.Second)
	f.book(f.invoice("webwinkel", mixedOrder("1003", consumer())))
	if n := f.emu.SessionsCreated(); n != sessions+1 {
		t.Errorf("sessions %d, want %d", n, sessions+1)
	}
	refused := func() (n int) {
		for _, r := range f.emu.Log() {
			if r.Status == 401 || r.Status == 403 {
				n++
			}
		}
		return n
	}
	if refused() != 0 {
		t.Errorf("%d refused requests while renewing ahead", refused())
	}
	// Ended early (e-Boekhouden's side): refused once, renewed, booked.
	for i, tc := range []struct {
		status int
		code   string
	}{{403, "SECURITY_010"}, {401, "API_SESSION_004"}, {403, "API_SESSION_004"}} {
		f.emu.SetUnauthenticated(tc.status, tc.code)
		f.emu.ExpireSessions()
		before := refused()
		f.book(f.invoice("webwinkel", mixedOrder("20"+strconv.Itoa(i), consumer())))
		if refused() != before+1 {
			t.Errorf("%d %s: %d refused, want 1", tc.status, tc.code, refused()-before)
		}
	}
	if n := f.emu.SessionsCreated(); n != sessions+4 {
		t.Errorf("sessions %d, want %d", n, sessions+4)
	}
}

// TestPeriodClosed: a closed period waits with ReasonPeriodLocked and the
// date, by the owner (MUT_005) or the accountant (SECURITY_007, a 403
// that is no session problem).
func TestPeriodClosed(t *testing.T) {
	for _, acct := range []bool{false, true} {
		f := start(t)
		inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
		f.emu.ClosePeriod("2026-03-31", acct)
		sessions := f.emu.SessionsCreated()
		_, err := f.l.Book(f.ctx, inv)
		var re *ledger.ReasonError
		if !errors.As(err, &re) || re.Reason != ledger.ReasonPeriodLocked || re.Args["date"] != "2026-03-02" || errors.Is(err, ledger.ErrPermanent) {
			t.Fatalf("accountant %v: %v", acct, err)
		}
		if f.emu.SessionsCreated() != sessions {
			t.Errorf("accountant %v: a closed period renewed the session", acct)
		}
		f.noToken(err)
		f.emu.ClosePeriod("", acct)
		f.book(inv)
	}
}

// TestRefused: a mutation e-Boekhouden refuses for its content is
// permanent, with the code and title; a ledger or VAT code of the mapping
// it refuses waits for the mapping, naming the case.
func TestRefused(t *testing.T) {
	f := start(t)
	f.emu.SetMaxInvoiceNumber(10)
	_, err := f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1042", consumer())))
	if !errors.Is(err, ledger.ErrPermanent) || !strings.Contains(err.Error(), "MUT_018") || !strings.Contains(err.Error(), "Invoice number is too long") {
		t.Fatalf("too long: %v", err)
	}
	f.noToken(err)
	f.emu.SetMaxInvoiceNumber(50)

	gone := f.emu.AddLedger(ebemu.Ledger{Code: "8300", Description: "Omzet kassa", Category: "FIN"})
	f.mapping[ledger.Case9] = ledger.Target{VATCode: "LAAG_VERK_9", Account: itoa(gone)}
	_, err = f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	var re *ledger.ReasonError
	if !errors.As(err, &re) || re.Reason != ledger.ReasonAccountUnmapped || re.Args["case"] != "9" {
		t.Fatalf("a FIN ledger: %v", err)
	}
	f.mapping[ledger.Case9] = ledger.Target{VATCode: "LAAG_VERK_9", Account: "999999"}
	_, err = f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	if !errors.As(err, &re) || re.Reason != ledger.ReasonAccountUnmapped || re.Args["case"] != "9" || !strings.Contains(err.Error(), "MUT_104") {
		t.Fatalf("an unknown ledger: %v", err)
	}
	f.mapping[ledger.CaseShipping] = ledger.Target{Account: "999999"}
	f.mapping[ledger.Case9] = ledger.Target{VATCode: "LAAG_VERK_9", Account: f.ledgerID("8010")}
	_, err = f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	if !errors.As(err, &re) || re.Reason != ledger.ReasonAccountUnmapped || re.Args["case"] != "shipping" {
		t.Fatalf("an unknown shipping ledger: %v", err)
	}
}

// TestUnmapped: a case without a VAT code or account waits before
// anything is sent.
func TestUnmapped(t *testing.T) {
	f := start(t)
	n := f.emu.Requests()
	for _, tc := range []struct {
		c      ledger.Case
		t      ledger.Target
		reason string
	}{
		{ledger.Case9, ledger.Target{}, ledger.ReasonVATUnmapped},
		{ledger.Case9, ledger.Target{VATCode: "LAAG_VERK_9"}, ledger.ReasonAccountUnmapped},
		{ledger.Case9, ledger.Target{VATCode: "LAAG_VERK_9", Account: "8010 Omzet laag"}, ledger.ReasonAccountUnmapped},
		{ledger.Case9, ledger.Target{VATCode: "LAAG_INK_9", Account: f.ledgerID("8010")}, ledger.ReasonVATUnmapped},
	} {
		saved := f.mapping[tc.c]
		f.mapping[tc.c] = tc.t
		_, err := f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1042", consumer())))
		var re *ledger.ReasonError
		if !errors.As(err, &re) || re.Reason != tc.reason || re.Args["case"] != string(tc.c) {
			t.Errorf("%+v: %v, want %s", tc.t, err, tc.reason)
		}
		f.mapping[tc.c] = saved
	}
	// A foreign OSS rate fits no case.
	o := shopOrder("1050", consumer(), true, ln(order.Product, "1", "Boek", 1, 1000, 70, 700, order.Standard))
	_, err := f.l.Book(f.ctx, f.invoice("webwinkel", o))
	if !isReason(err, ledger.ReasonVATUnmapped) {
		t.Errorf("7%%: %v", err)
	}
	if f.emu.Requests() != n {
		t.Errorf("%d requests for unmapped bookings", f.emu.Requests()-n)
	}
	// No mapping at all.
	l, _ := New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Journal: f.journal})
	if _, err := l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1042", consumer()))); !isReason(err, ledger.ReasonVATUnmapped) {
		t.Errorf("no mapping: %v", err)
	}
}

// TestCreditNote: a refund is a mutation of type 2 with negative amounts,
// its own invoice number, naming the invoice it corrects.
func TestCreditNote(t *testing.T) {
	f := start(t)
	o := mixedOrder("1042", consumer())
	o.Refunds = []order.Refund{{ID: "7", Reason: "Beschadigd", Amount: 1000}}
	inv := f.invoice("webwinkel", o)
	f.book(inv)
	cn, err := order.NewCreditNote(o, o.Refunds[0], inv, "woocommerce/webwinkel/1042/credit/7", paidAt.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	m := f.book(cn)
	if m.InvoiceNumber != "webwinkel-1042-C7" || m.Type != ebemu.InvoiceSent || m.Date != "2026-03-04" ||
		!strings.Contains(m.Description, "webwinkel-1042") || !strings.Contains(m.Description, "Beschadigd") {
		t.Errorf("credit note %+v", m)
	}
	for _, r := range m.Rows {
		if r.Amount >= 0 {
			t.Errorf("row %+v not negative", r)
		}
	}
	if g := ebemu.Gross(m); g != -1000 {
		t.Errorf("gross %d, want -1000", g)
	}
	f.reconciles(inv, cn)
	if f.emu.RelationCount() != 1 {
		t.Errorf("%d relations", f.emu.RelationCount())
	}
}

// TestInExChoice: e-Boekhouden's VAT per row equals the shop's: the
// shop's own price mode when it hits, the other when only that hits, a
// row per line where one row misses, and a warning where nothing hits.
func TestInExChoice(t *testing.T) {
	mug := func(id string) order.Line { // 2.93 incl. 21 %: 2.42 + 0.51
		return ln(order.Product, id, "Mok "+id, 1, 242, 51, order.RateHigh, order.Standard)
	}
	cheap := func(id string) order.Line { // 0.85 excl. 21 %: 0.18 VAT, rounded per line
		return ln(order.Product, id, "Sticker "+id, 1, 85, 18, order.RateHigh, order.Standard)
	}
	var stickers []order.Line
	for i := 0; i < 10; i++ {
		stickers = append(stickers, cheap(strconv.Itoa(i)))
	}
	for _, tc := range []struct {
		name    string
		incl    bool
		lines   []order.Line
		inEx    string
		rows    int
		warning map[string]string
	}{
		// 3 × 2.93: 8.79 holds 1.53 (IN hits); 7.26 × 21 % = 1.52 (EX misses).
		{"incl", true, []order.Line{mug("1"), mug("2"), mug("3")}, "IN", 1, nil},
		{"excl shop, incl hits", false, []order.Line{mug("1"), mug("2"), mug("3")}, "IN", 1, nil},
		{"excl", false, []order.Line{ln(order.Product, "1", "Thee", 4, 1000, 210, order.RateHigh, order.Standard)}, "EX", 1, nil},
		// 10 × 0.85: 8.50 × 21 % = 1.79 and 10.30 holds 1.79, the shop
		// charged 1.80: a row per line (0.18 each) hits.
		{"per line", false, stickers, "EX", 10, nil},
		// 21 % on two ledgers: 1.00 + 0.21 and 1.03 + 0.21 (the shop's
		// rounding). EX gives 0.43, IN with the VAT spread by net 0.21 +
		// 0.22; moving a cent between the rows (1.22 and 1.23) gives 0.42.
		{"two ledgers", true, []order.Line{
			ln(order.Product, "1", "Kaart", 1, 100, 21, order.RateHigh, order.Standard),
			ln(order.Shipping, "2", "Verzending", 1, 103, 21, order.RateHigh, order.Standard)}, "IN", 2, nil},
		// 0.49 with 0.11 VAT: nothing gives 0.11.
		{"differs", true, []order.Line{ln(order.Product, "1", "Zakje", 1, 49, 11, order.RateHigh, order.Standard)}, "IN", 1,
			map[string]string{"rate": "21", "vat_code": "HOOG_VERK_21", "shop": "0.11", "ledger": "0.10", "diff": "-0.01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := start(t)
			inv := f.invoice("webwinkel", shopOrder("1042", consumer(), tc.incl, tc.lines...))
			b, err := f.l.BookReport(f.ctx, inv)
			if err != nil {
				t.Fatal(err)
			}
			m := f.mutation(b.Ref)
			if m.InExVat != tc.inEx || len(m.Rows) != tc.rows {
				t.Errorf("inExVat %s with %d rows, want %s with %d", m.InExVat, len(m.Rows), tc.inEx, tc.rows)
			}
			if tc.warning == nil {
				if len(b.Warnings) != 0 {
					t.Errorf("warnings %v", b.Warnings)
				}
				f.reconciles(inv)
				return
			}
			if len(b.Warnings) != 1 || b.Warnings[0].Code != ledger.WarnVATDiffers {
				t.Fatalf("warnings %v", b.Warnings)
			}
			for k, v := range tc.warning {
				if b.Warnings[0].Args[k] != v {
					t.Errorf("warning %s = %q, want %q", k, b.Warnings[0].Args[k], v)
				}
			}
			if got := f.emu.Totals(ebemu.InvoiceSent)["HOOG_VERK_21"].VAT; got != 10 {
				t.Errorf("booked VAT %d", got)
			}
			// Kept in the journal: a repeat reports it again, sending nothing.
			n := f.emu.Requests()
			again, err := f.newLedger(apiToken).BookReport(f.ctx, inv)
			if err != nil || again.Ref != b.Ref || len(again.Warnings) != 1 || f.emu.Requests() != n {
				t.Errorf("again: %+v %v", again, err)
			}
		})
	}
}

// TestReconcileCases: orders of every VAT case book rows whose totals per
// VAT code are the shop's, to the cent.
func TestReconcileCases(t *testing.T) {
	f := start(t)
	de := order.Party{Name: "Hans Müller", Company: "Müller GmbH", Email: "hans@mueller.example", VATID: "DE123456789",
		Address: order.Address{Street: "Hauptstraße 5", Postcode: "10115", City: "Berlin", Country: "DE"}}
	us := order.Party{Name: "John Doe", Email: "john@example.com",
		Address: order.Address{Street: "1 Main St", Postcode: "10001", City: "New York", Country: "US"}}
	orders := []order.Order{
		mixedOrder("2001", consumer()),
		shopOrder("2002", consumer(), false,
			ln(order.Product, "1", "Boek", 3, 5997, 540, order.RateLow, order.Standard),
			ln(order.Product, "2", "Cadeaubon", 1, 2500, 0, order.RateZero, order.ZeroRated),
			ln(order.Shipping, "3", "Verzending", 1, 413, 87, order.RateHigh, order.Standard)),
		shopOrder("2003", de, false,
			ln(order.Product, "1", "Espressomachine", 1, 45000, 0, order.RateZero, order.IntraEU),
			ln(order.Shipping, "2", "Verzending", 1, 2000, 0, order.RateZero, order.IntraEU)),
		shopOrder("2004", de, false, ln(order.Product, "1", "Barista-cursus online", 1, 15000, 0, order.RateZero, order.ReverseCharge)),
		shopOrder("2005", us, false,
			ln(order.Product, "1", "Koffiebonen", 2, 3000, 0, order.RateZero, order.Export),
			ln(order.Fee, "2", "Exportdocumenten", 1, 1500, 0, order.RateZero, order.Export)),
	}
	var invs []order.Invoice
	for _, o := range orders {
		if o.Buyer.Address.Country == "DE" {
			o.Delivery = &order.Delivery{Name: o.Buyer.Company, Address: o.Buyer.Address}
		}
		inv := f.invoice("webwinkel", o)
		f.book(inv)
		invs = append(invs, inv)
	}
	f.reconciles(invs...)
	got := f.emu.Totals(ebemu.InvoiceSent)
	for _, code := range []string{"HOOG_VERK_21", "LAAG_VERK_9", "GEEN", "BI_EU_VERK", "BI_EU_VERK_D", "BU_EU_VERK"} {
		if got[code].Gross == 0 {
			t.Errorf("nothing booked with %s", code)
		}
	}
	if f.emu.RelationCount() != 3 {
		t.Errorf("%d relations, want 3", f.emu.RelationCount())
	}
}

// TestConcurrent: bookings of several customers at once make one relation
// each; the same invoice booked at once makes one mutation.
func TestConcurrent(t *testing.T) {
	f := start(t)
	buyers := []order.Party{consumer(), consumer(), consumer()}
	buyers[1].Name, buyers[1].Email = "Els Smit", "els@example.nl"
	buyers[2].Name, buyers[2].Email = "Kees Bos", "kees@example.nl"
	var invs []order.Invoice
	for i := 0; i < 12; i++ {
		invs = append(invs, f.invoice("webwinkel", mixedOrder(strconv.Itoa(3000+i), buyers[i%3])))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(invs)+4)
	refs := make([]string, 4)
	for i, inv := range invs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.l.Book(f.ctx, inv)
		}()
	}
	same := f.invoice("webwinkel", mixedOrder("3100", buyers[0]))
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refs[i], errs[len(invs)+i] = f.newLedger(apiToken).Book(f.ctx, same)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("booking %d: %v", i, err)
		}
	}
	for _, r := range refs {
		if r != refs[0] {
			t.Errorf("refs %v", refs)
		}
	}
	if f.emu.RelationCount() != 3 || f.emu.MutationCount() != len(invs)+1 {
		t.Errorf("%d relations, %d mutations", f.emu.RelationCount(), f.emu.MutationCount())
	}
	f.reconciles(append(invs, same)...)
}

// TestRateLimited: a 429 (e-Boekhouden documents no limit, but answers
// one all the same) waits until Retry-After, not a failure.
func TestRateLimited(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	f.emu.Inject(ebemu.Fault{Method: "POST", Path: "/v1/mutation", Err: &ebemu.Error{Type: "validation", Title: "Too many requests", Status: 429}})
	_, err := f.l.Book(f.ctx, inv)
	until, ok := ledger.RetryAt(err)
	if !ok || !until.Equal(f.clk.Now().Add(time.Minute)) || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("429: %v (until %v)", err, until)
	}
	f.book(inv)
}

// TestTokensNeverShown: no API or session token in an error, the journal
// or what a ledger prints.
func TestTokensNeverShown(t *testing.T) {
	f := start(t)
	f.book(f.invoice("webwinkel", mixedOrder("1042", consumer())))
	var errs []error
	f.emu.ExpireSessions()
	f.emu.FailNext(2)
	_, err := f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	errs = append(errs, err)
	f.emu.RevokeAPIToken()
	_, err = f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1044", consumer())))
	errs = append(errs, err)
	_, err = f.l.Check(f.ctx)
	errs = append(errs, err)
	_, err = f.l.Choices(f.ctx)
	errs = append(errs, err)
	// An answer that repeats the token it was given.
	f.emu.SetAPIToken(apiToken)
	f.emu.Inject(ebemu.Fault{Path: "/v1/session", Err: &ebemu.Error{Type: "security", Title: "Login failed for " + apiToken,
		Message: "accessToken " + apiToken + " unknown", Status: 403}})
	_, err = f.l.Check(f.ctx)
	if !isReason(err, ledger.ReasonUnauthorized) || !strings.Contains(err.Error(), "Login failed for [redacted]") {
		t.Errorf("echoed token: %v", err)
	}
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("no error")
		}
		f.noToken(err)
	}
	if len(f.spy.tokens()) < 2 {
		t.Fatalf("no session token seen: %v", len(f.spy.tokens()))
	}
	for _, key := range []string{"inv/woocommerce/webwinkel/1042/invoice", "contact/" + ledger.CustomerID(consumer())} {
		e, ok, err := f.journal.Get(f.ctx, key)
		if !ok || err != nil {
			t.Fatalf("journal %s: %v %v", key, ok, err)
		}
		f.noToken(errors.New(e.State + e.Ref + e.Data))
	}
	f.noToken(errors.New(f.l.String() + f.l.GoString()))
}
