package eboekhouden

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

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
			code := strings.TrimSpace(f.mapping[c].VATCode)
			w := want[code]
			w.Net += int64(sign * s.Taxable)
			w.VAT += int64(sign * s.Tax)
			w.Gross += int64(sign * (s.Taxable + s.Tax))
			want[code] = w
		}
		ms := f.emu.MutationsByInvoice(invoiceNumber(inv))
		if len(ms) != 1 {
			f.t.Fatalf("%d mutations numbered %s", len(ms), invoiceNumber(inv))
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
		rows[key{r.VATCode, itoa(r.LedgerID)}] += int64(math.Round(r.Amount * 100))
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

// TestRequestsPerBooking: a new customer's first booking costs six
// requests (the debtor ledger once, the relation by code and by e-mail,
// its create, the mutation, the mutation read back for its VAT); every
// later booking of a known customer two.
func TestRequestsPerBooking(t *testing.T) {
	f := start(t)
	n := f.emu.Requests()
	f.book(f.invoice("webwinkel", mixedOrder("1042", consumer())))
	if d := f.emu.Requests() - n; d != 6 {
		t.Errorf("first booking: %d requests, want 6: %+v", d, f.emu.Log()[n:])
	}
	for i := 0; i < 10; i++ {
		n = f.emu.Requests()
		f.book(f.invoice("webwinkel", mixedOrder("20"+strconv.Itoa(i), consumer())))
		if d := f.emu.Requests() - n; d != 2 {
			t.Fatalf("booking %d: %d requests, want 2", i, d)
		}
	}
}
