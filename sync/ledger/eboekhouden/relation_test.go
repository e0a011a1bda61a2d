package eboekhouden

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/order"
)

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

// TestRelationCodeTaken: a create whose code exists (REL_049: another
// shop's booking made it between the look-up and the create) reads the
// relation of that code instead of failing or making a second.
func TestRelationCodeTaken(t *testing.T) {
	f := start(t)
	made, err := f.emu.AddRelation(ebemu.Relation{Type: "P", Code: ledger.CustomerID(consumer()), Name: "Jan Jansen"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := f.l.createRelation(f.ctx, newRelation(consumer()))
	if err != nil || id != made.ID || f.emu.RelationCount() != 1 {
		t.Fatalf("REL_049: %d %v, want %d (%d relations)", id, err, made.ID, f.emu.RelationCount())
	}
	// A relation e-Boekhouden refuses is permanent.
	bad := consumer()
	bad.Company, bad.VATID, bad.Email = "Foo BV", "XX1", "foo@example.nl"
	_, err = f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1042", bad)))
	if !errors.Is(err, ledger.ErrPermanent) || !strings.Contains(err.Error(), "REL_035") {
		t.Errorf("a VAT number e-Boekhouden refuses: %v", err)
	}
}

// bareList is an e-Boekhouden whose relation list ignores the e-mail
// filter and leaves the addresses out (another reading of APIS.md's list).
type bareList struct{ next http.RoundTripper }

func (b bareList) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet || r.URL.Path != "/v1/relation" {
		return b.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	q := r.URL.Query()
	q.Del("email")
	r.URL.RawQuery = q.Encode()
	resp, err := b.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	var page map[string]any
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Unmarshal(data, &page) == nil {
		items, _ := page["items"].([]any)
		for _, it := range items {
			delete(it.(map[string]any), "emailAddress")
		}
		data, _ = json.Marshal(page)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// TestRelationByEmailRead: where the list gives no addresses, the
// relations it gives are read in full: never another customer's.
func TestRelationByEmailRead(t *testing.T) {
	f := start(t)
	other, _ := f.emu.AddRelation(ebemu.Relation{Type: "P", Code: "K1", Name: "Ander", EmailAddress: "ander@example.nl"})
	jan, _ := f.emu.AddRelation(ebemu.Relation{Type: "P", Code: "K2", Name: "J. Jansen", EmailAddress: "jan@example.nl"})
	l, _ := New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Now: f.clk.Now, Journal: f.journal,
		HTTP: &http.Client{Transport: bareList{next: f.spy}}, Mapping: f.l.mapping})
	ref, err := l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1042", consumer())))
	if err != nil {
		t.Fatal(err)
	}
	if m := f.mutation(ref); m.RelationID != jan.ID || m.RelationID == other.ID || f.emu.RelationCount() != 2 {
		t.Errorf("relation %d, want %d (%d relations)", m.RelationID, jan.ID, f.emu.RelationCount())
	}
	// Nobody with the address: a new relation, not the first listed.
	kim := consumer()
	kim.Name, kim.Email = "Kim", "kim@example.nl"
	ref, err = l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", kim)))
	if err != nil {
		t.Fatal(err)
	}
	if m := f.mutation(ref); m.RelationID == other.ID || m.RelationID == jan.ID || f.emu.RelationCount() != 3 {
		t.Errorf("relation %d for a new customer (%d relations)", m.RelationID, f.emu.RelationCount())
	}
}

// TestRelationByEmailVAT: a business buyer with a VAT number is never put
// on a relation found by its e-mail address that lacks that VAT number (a
// consumer's relation, the ICP listing would miss it), nor a company
// without one on a consumer's; a relation with the same VAT number, in
// another notation, is the buyer's.
func TestRelationByEmailVAT(t *testing.T) {
	f := start(t)
	private, _ := f.emu.AddRelation(ebemu.Relation{Type: "P", Code: "K1", Name: "P. de Vries", EmailAddress: "piet@devries.example"})
	business := order.Party{Name: "Piet de Vries", Company: "De Vries Horeca B.V.", Email: "piet@devries.example",
		VATID: "NL987654321B01", Address: order.Address{Street: "Markt 3", Postcode: "2611 GP", City: "Delft", Country: "NL"}}
	m := f.book(f.invoice("webwinkel", mixedOrder("1042", business)))
	rel, _ := f.emu.Relation(m.RelationID)
	if m.RelationID == private.ID || rel.VATNumber != "NL987654321B01" || rel.Code != ledger.CustomerID(business) || rel.Type != "B" {
		t.Errorf("business buyer on %+v (the consumer's is %d)", rel, private.ID)
	}
	company := business
	company.VATID, company.Company, company.Email = "", "Horeca De Vries", "inkoop@devries.example"
	f.emu.AddRelation(ebemu.Relation{Type: "P", Code: "K2", Name: "Inkoop", EmailAddress: "inkoop@devries.example"})
	m = f.book(f.invoice("webwinkel", mixedOrder("1043", company)))
	if rel, _ := f.emu.Relation(m.RelationID); rel.Code != ledger.CustomerID(company) {
		t.Errorf("a company without a VAT number on %+v", rel)
	}
	same, _ := f.emu.AddRelation(ebemu.Relation{Type: "B", Code: "K3", Name: "Bos B.V.", EmailAddress: "bos@example.nl", VATNumber: "NL123456782B01"})
	bos := order.Party{Name: "Bos", Company: "Bos B.V.", Email: "bos@example.nl", VATID: "nl 1234.56782.b01"}
	if m = f.book(f.invoice("webwinkel", mixedOrder("1044", bos))); m.RelationID != same.ID {
		t.Errorf("the same VAT number: relation %d, want %d", m.RelationID, same.ID)
	}
	// A consumer takes the relation of its address.
	jan := consumer()
	jan.Email = "piet@devries.example"
	if m = f.book(f.invoice("webwinkel", mixedOrder("1045", jan))); m.RelationID != private.ID {
		t.Errorf("consumer: relation %d, want %d", m.RelationID, private.ID)
	}
}
