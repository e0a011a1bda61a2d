package eboekhouden

import (
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// TestLongInvoiceNumbers: a reference longer than e-Boekhouden takes (a
// till's day summary of a shop with a long slug, its change credit, a
// credit note) books under a shortened number: the same on every attempt
// and look-up, at most 50 characters, another for every invoice.
func TestLongInvoiceNumbers(t *testing.T) {
	f := start(t)
	slug := "bakkerij-de-korenschoof-utrecht-centrum1" // 40
	if len(slug) != 40 {
		t.Fatalf("slug of %d", len(slug))
	}
	short := "bakkerij-de-korenschoof"
	day := func(shop, date string) order.Order {
		return mixedOrder("dag-"+date+"-"+shop, consumer())
	}
	var invs []order.Invoice
	add := func(shop string, o order.Order, refunds ...string) {
		inv := f.invoice(shop, o)
		invs = append(invs, inv)
		for _, r := range refunds {
			o.Refunds = append(o.Refunds, order.Refund{ID: r, Amount: 100})
			cn, err := order.NewCreditNote(o, o.Refunds[len(o.Refunds)-1], inv, inv.Key+"/credit/"+r, paidAt.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			invs = append(invs, cn)
		}
	}
	add(short, day(short, "2026-03-02"), "change-1")
	add(slug, day(slug, "2026-03-02"), "change-1", "change-2")
	add(slug, day(slug, "2026-03-03"), "change-1")
	add(slug, mixedOrder("1042", consumer()), "change-1", "7")
	add(slug, mixedOrder("1043", consumer()))
	if n := ledger.Reference(invs[0]); len(n) != 62 {
		t.Fatalf("reference %q of %d", n, len(n))
	}
	if n := invoiceNumber(invs[0]); n != "bakkerij-de-korenschoof-dag-2026-03-02" {
		t.Errorf("the repeated slug left out: %q", n)
	}
	seen := map[string]string{}
	f.emu.LoseNext("POST", "/v1/mutation", 1)
	for i, inv := range invs {
		n := invoiceNumber(inv)
		if len([]rune(n)) > maxInvoiceNumber || n != invoiceNumber(inv) {
			t.Errorf("%s: number %q (%d)", ledger.Reference(inv), n, len(n))
		}
		if other, ok := seen[n]; ok {
			t.Errorf("%s and %s share the number %q", other, ledger.Reference(inv), n)
		}
		seen[n] = ledger.Reference(inv)
		if !strings.Contains(n, dropSlug(inv.ID, inv.Shop)) {
			t.Errorf("%q lost the invoice's own part of %s", n, inv.ID)
		}
		if i == 0 {
			// The first one's answer is lost: the retry looks it up by the
			// same number.
			if _, err := f.l.Book(f.ctx, inv); err == nil {
				t.Fatal("lost answer booked")
			}
		}
		f.book(inv)
	}
	if f.emu.MutationCount() != len(invs) {
		t.Errorf("%d mutations for %d invoices", f.emu.MutationCount(), len(invs))
	}
	f.reconciles(invs...)
}

// TestDropSlug: only the slug as a part of its own is left out.
func TestDropSlug(t *testing.T) {
	for _, tc := range []struct{ id, slug, want string }{
		{"dag-2026-03-02-bakkerij", "bakkerij", "dag-2026-03-02"},
		{"dag-2026-03-02-bakkerij-Cchange-1", "bakkerij", "dag-2026-03-02-Cchange-1"},
		{"1042-bakkerijen-C3", "bakkerij", "1042-bakkerijen-C3"},
		{"debakkerij-7", "bakkerij", "debakkerij-7"},
		{"bakkerij", "bakkerij", "bakkerij"},
	} {
		if got := dropSlug(tc.id, tc.slug); got != tc.want {
			t.Errorf("dropSlug(%q, %q) = %q, want %q", tc.id, tc.slug, got, tc.want)
		}
	}
}
