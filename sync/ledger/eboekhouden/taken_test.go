package eboekhouden

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/order"
)

// TestNumberTakenByAnother: an invoice number e-Boekhouden has for
// another invoice (one typed by hand, another booking's after a
// reinstall or an order-number plugin restarted) is not this booking: it
// books under its alternate number, on the create and on a retry's
// look-up alike, and fails for good when that is taken too.
func TestNumberTakenByAnother(t *testing.T) {
	t.Run("by hand", func(t *testing.T) {
		f := start(t)
		inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
		other, err := f.emu.AddRelation(ebemu.Relation{Type: "P", Code: "K9", Name: "Iemand anders"})
		if err != nil {
			t.Fatal(err)
		}
		deb, _ := f.emu.LedgerByCode("1300")
		omzet, _ := f.emu.LedgerByCode("8000")
		hand, err := f.emu.Book(ebemu.Mutation{Type: ebemu.InvoiceSent, Date: "2026-02-27", Description: "Kassa", LedgerID: deb.ID,
			RelationID: other.ID, InExVat: "IN", InvoiceNumber: "webwinkel-1042",
			Rows: []ebemu.MutationRow{{LedgerID: omzet.ID, VATCode: "HOOG_VERK_21", Amount: 12.10}}})
		if err != nil {
			t.Fatal(err)
		}
		// (Its warning that the number changed: TestNumberChangedWarns.)
		b, err := f.l.BookReport(f.ctx, inv)
		if err != nil {
			t.Fatal(err)
		}
		m := f.mutation(b.Ref)
		if m.ID == hand || m.InvoiceNumber != altNumber(inv) || !strings.Contains(m.Description, marker(inv.Key)) {
			t.Fatalf("booked as %d %q %q (the other invoice is %d)", m.ID, m.InvoiceNumber, m.Description, hand)
		}
		if f.emu.MutationCount() != 2 || len(m.InvoiceNumber) > maxInvoiceNumber {
			t.Errorf("%d mutations, number %q", f.emu.MutationCount(), m.InvoiceNumber)
		}
		// Again with another journal: found under the alternate number.
		f.journal = f.st.Journal("eboekhouden/fresh")
		if ref, err := f.newLedger(apiToken).Book(f.ctx, inv); err != nil || ref != itoa(m.ID) || f.emu.MutationCount() != 2 {
			t.Errorf("again: %s %v, %d mutations", ref, err, f.emu.MutationCount())
		}
	})
	t.Run("another booking", func(t *testing.T) {
		// The order-number plugin restarted: two orders numbered 1042,
		// each its own key, the same buyer, other amounts.
		f := start(t)
		first := f.book(f.invoice("webwinkel", mixedOrder("1042", consumer())))
		o := shopOrder("1042", consumer(), true, ln(order.Product, "1", "Theedoek", 1, 826, 174, order.RateHigh, order.Standard))
		o.ID = "2077"
		inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "webwinkel", Seller: seller(), Key: "woocommerce/webwinkel/2077/invoice"})
		if err != nil {
			t.Fatal(err)
		}
		if ledger.Reference(inv) != first.InvoiceNumber {
			t.Fatalf("reference %s", ledger.Reference(inv))
		}
		// A 500 first, so the retry looks the booking up: the number's
		// mutation is the first order's, not this one; the alternate's
		// answer is lost, and the next look-up finds it there.
		f.emu.Inject(ebemu.Fault{Method: "POST", Path: "/v1/mutation", Count: 1})
		if _, err := f.l.Book(f.ctx, inv); err == nil {
			t.Fatal("500 booked")
		}
		f.emu.LoseNext("POST", "/v1/mutation", 2)
		if _, err := f.l.Book(f.ctx, inv); err == nil {
			t.Fatal("lost answer booked")
		}
		ref, err := f.newLedger(apiToken).Book(f.ctx, inv)
		if err != nil {
			t.Fatal(err)
		}
		m := f.mutation(ref)
		if m.ID == first.ID || m.InvoiceNumber != altNumber(inv) || f.emu.MutationCount() != 2 || ebemu.Gross(m) != 1000 {
			t.Errorf("booked as %+v (the first order's is %d), %d mutations", m, first.ID, f.emu.MutationCount())
		}
	})
	t.Run("every number taken", func(t *testing.T) {
		f := start(t)
		inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
		// e-Boekhouden says the numbers exist, and lists none of them.
		f.emu.Inject(ebemu.Fault{Method: "POST", Path: "/v1/mutation", Count: 2,
			Err: &ebemu.Error{Type: "validation", Code: "MUT_019", Title: "Invoice number already exists", Status: 400}})
		_, err := f.l.Book(f.ctx, inv)
		if !errors.Is(err, ledger.ErrPermanent) || !strings.Contains(err.Error(), altNumber(inv)) || f.emu.MutationCount() != 0 {
			t.Fatalf("taken: %v (%d mutations)", err, f.emu.MutationCount())
		}
	})
	t.Run("booked before the marker", func(t *testing.T) {
		// A mutation the ledger booked before it wrote markers: the same
		// description, relation and amount: that booking, not a second.
		f := start(t)
		inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
		rel, err := f.l.relation(f.ctx, inv.Buyer, false)
		if err != nil {
			t.Fatal(err)
		}
		deb, _ := f.emu.LedgerByCode("1300")
		groups, err := groupLines(inv, f.mapping)
		if err != nil {
			t.Fatal(err)
		}
		mut := newMutation(inv, choose(groups, true, 1), 1, deb.ID, rel, invoiceNumber(inv))
		mut.Description = plainDescription(inv)
		var old ebemu.Mutation
		raw, _ := json.Marshal(mut)
		if err := json.Unmarshal(raw, &old); err != nil {
			t.Fatal(err)
		}
		id, err := f.emu.Book(old)
		if err != nil {
			t.Fatal(err)
		}
		if ref, err := f.l.Book(f.ctx, inv); err != nil || ref != itoa(id) || f.emu.MutationCount() != 1 {
			t.Errorf("booked before: %s %v, want %d; %d mutations", ref, err, id, f.emu.MutationCount())
		}
	})
}

// TestNumberChangedWarns: a booking booked under its alternate number
// (another invoice has its own) says so: a ledger_number_changed warning
// naming the number it has and the one taken, kept for a booking done
// before, and on a retry that finds it under the alternate number. A
// booking under its own number has no such warning.
func TestNumberChangedWarns(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	other, err := f.emu.AddRelation(ebemu.Relation{Type: "P", Code: "K9", Name: "Iemand anders"})
	if err != nil {
		t.Fatal(err)
	}
	deb, _ := f.emu.LedgerByCode("1300")
	omzet, _ := f.emu.LedgerByCode("8000")
	if _, err := f.emu.Book(ebemu.Mutation{Type: ebemu.InvoiceSent, Date: "2026-02-27", Description: "Kassa", LedgerID: deb.ID,
		RelationID: other.ID, InExVat: "IN", InvoiceNumber: "webwinkel-1042",
		Rows: []ebemu.MutationRow{{LedgerID: omzet.ID, VATCode: "HOOG_VERK_21", Amount: 12.10}}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"number": altNumber(inv), "taken": "webwinkel-1042"}
	changed := func(what string, ws []ledger.Warning) {
		t.Helper()
		n := 0
		for _, w := range ws {
			if w.Code == WarnNumberChanged {
				n++
				if w.Args["number"] != want["number"] || w.Args["taken"] != want["taken"] {
					t.Errorf("%s: warning args %v, want %v", what, w.Args, want)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %d %s warnings in %+v, want 1", what, n, WarnNumberChanged, ws)
		}
	}
	b, err := f.l.BookReport(f.ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	changed("booked", b.Warnings)
	again, err := f.l.BookReport(f.ctx, inv)
	if err != nil || again.Ref != b.Ref {
		t.Fatalf("again: %+v %v", again, err)
	}
	changed("done before", again.Warnings)
	// Another journal: the retry finds it under the alternate number.
	f.journal = f.st.Journal("eboekhouden/fresh")
	found, err := f.newLedger(apiToken).BookReport(f.ctx, inv)
	if err != nil || found.Ref != b.Ref {
		t.Fatalf("found: %+v %v", found, err)
	}
	changed("found", found.Warnings)

	own, err := f.l.BookReport(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range own.Warnings {
		if w.Code == WarnNumberChanged {
			t.Errorf("a booking under its own number warns: %+v", w)
		}
	}
}
