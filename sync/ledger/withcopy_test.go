package ledger_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl"
	"github.com/orderbrug/orderbrug/sync/order"
)

// heldLedger is an online ledger that refuses or delays what err says,
// else books (by Key, once).
type heldLedger struct {
	err    error
	booked map[string]bool
}

func (h *heldLedger) Book(ctx context.Context, inv order.Invoice) (string, error) {
	if h.err != nil {
		return "", h.err
	}
	h.booked[inv.Key] = true
	return "mb-" + inv.ID, nil
}
func (h *heldLedger) Check(context.Context) (ledger.Account, error)    { return ledger.Account{}, nil }
func (h *heldLedger) Choices(context.Context) (ledger.Choices, error)  { return ledger.Choices{}, nil }
func (h *heldLedger) Defaults(context.Context) (ledger.Mapping, error) { return nil, nil }

// TestWithCopyWritesTheCopyOnceBooked: the UBL copy of a booking the
// online ledger refused or delayed is not written (a file for a sale that
// is not in the books could be imported by hand); once the ledger has it,
// the copy is there and the reference is the ledger's.
func TestWithCopyWritesTheCopyOnceBooked(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	main := &heldLedger{booked: map[string]bool{}}
	l := ledger.WithCopy(main, ubl.New(dir))
	inv := copyInvoice(t)
	files := func() int {
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	for _, held := range []error{
		&ledger.RateLimitedError{Until: time.Now().Add(time.Minute)},
		ledger.WithReason(ledger.ReasonVATUnmapped, map[string]string{"case": "21"}, errors.New("21 is not mapped")),
		ledger.Permanent(errors.New("422 refused")),
	} {
		main.err = held
		if _, err := l.Book(ctx, inv); !errors.Is(err, held) {
			t.Fatalf("Book = %v, want %v", err, held)
		}
		if n := files(); n != 0 {
			t.Fatalf("after %v: %d files in the copy folder, want none", held, n)
		}
	}
	main.err = nil
	ref, err := l.Book(ctx, inv)
	if err != nil || ref != "mb-1042" || !main.booked[inv.Key] {
		t.Fatalf("Book = %q, %v", ref, err)
	}
	if n := files(); n != 1 {
		t.Fatalf("%d files in the copy folder, want the booking's", n)
	}
}

// TestWithCopyChecksTheCopyFirst: an invoice the UBL copy would refuse
// (a country that is no ISO code) is refused before the online ledger
// books it, permanently; a copy that cannot be written after the online
// ledger has the booking is a transient error, never a permanent one (the
// booking is in the books: the retry writes the copy).
func TestWithCopyChecksTheCopyFirst(t *testing.T) {
	ctx := context.Background()
	main := &heldLedger{booked: map[string]bool{}}
	inv := copyInvoice(t)
	bad := inv
	bad.Buyer.Address.Country = "Nederland"
	l := ledger.WithCopy(main, ubl.New(t.TempDir()))
	if _, err := l.Book(ctx, bad); !errors.Is(err, ledger.ErrPermanent) || main.booked[bad.Key] {
		t.Fatalf("Book of an invalid copy = %v, online booked %v; want refused before", err, main.booked[bad.Key])
	}
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l = ledger.WithCopy(main, ubl.New(filepath.Join(file, "kopie"))) // a folder that cannot be made
	_, err := l.Book(ctx, inv)
	if err == nil || errors.Is(err, ledger.ErrPermanent) || !main.booked[inv.Key] {
		t.Fatalf("Book with an unwritable copy = %v (online booked %v); want a transient error after the booking", err, main.booked[inv.Key])
	}
}

// copyInvoice is a valid Dutch consumer invoice.
func copyInvoice(t *testing.T) order.Invoice {
	t.Helper()
	o := order.Order{Source: order.WooCommerce, ID: "1042", Number: "1042", Status: "processing", Currency: "EUR",
		Created: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), Paid: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		Buyer: order.Party{Name: "Jan Jansen", Email: "jan@example.nl", Address: order.Address{Street: "Kerkstraat 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}},
		Lines: []order.Line{{Kind: order.Product, ID: "1", Name: "Koffiemok", Quantity: 1, Net: 1000, VAT: 210, Rate: 2100}},
		Total: 1210, TotalTax: 210}
	seller := order.Seller{Party: order.Party{Company: "De Boon B.V.", KvK: "12345678", VATID: "NL123456789B01",
		Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}}, IBAN: "NL91ABNA0417164300"}
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "koffiebar", Seller: seller})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}
