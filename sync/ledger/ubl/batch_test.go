package ubl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

// numbered is inv as the invoice of order n: its own key, number and file.
func numbered(inv order.Invoice, n int) order.Invoice {
	inv.Key = fmt.Sprintf("woocommerce/1/%d/invoice", n)
	inv.LegacyKey = fmt.Sprintf("woocommerce/%s/%d/invoice", inv.Shop, n)
	inv.ID = fmt.Sprint(n)
	inv.OrderID, inv.OrderNumber = inv.ID, inv.ID
	return inv
}

func TestBookBatch(t *testing.T) {
	ctx := context.Background()
	base := cases(t)[0].inv
	dir := t.TempDir()
	l := New(dir)
	before, err := l.Book(ctx, numbered(base, 1))
	if err != nil {
		t.Fatal(err)
	}
	bad := numbered(base, 4)
	bad.Total++
	invs := []order.Invoice{numbered(base, 1), numbered(base, 2), numbered(base, 3), bad, numbered(base, 2), numbered(base, 5)}
	refs, errs := l.BookBatch(ctx, invs)
	if len(refs) != len(invs) || len(errs) != len(invs) {
		t.Fatalf("%d refs, %d errs for %d invoices", len(refs), len(errs), len(invs))
	}
	if refs[0] != before || errs[0] != nil {
		t.Errorf("booked before: ref %q err %v, want %q", refs[0], errs[0], before)
	}
	if !errors.Is(errs[3], ErrInvalid) || !errors.Is(errs[3], ledger.ErrPermanent) || refs[3] != "" {
		t.Errorf("invalid invoice: ref %q err %v", refs[3], errs[3])
	}
	if refs[4] != refs[1] || errs[4] != nil {
		t.Errorf("same key twice in a batch: refs %q and %q", refs[1], refs[4])
	}
	for _, i := range []int{1, 2, 5} {
		if errs[i] != nil || filepath.Base(refs[i]) != fmt.Sprintf("webwinkel_%d.xml", []int{0, 2, 3, 0, 0, 5}[i]) {
			t.Errorf("invoice %d: ref %q err %v", i, refs[i], errs[i])
			continue
		}
		data, err := os.ReadFile(refs[i])
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Marshal(invs[i])
		if string(data) != string(want) {
			t.Errorf("%s does not hold the invoice", refs[i])
		}
		// Book after BookBatch: idempotent on the key.
		if ref, err := l.Book(ctx, invs[i]); ref != refs[i] || err != nil {
			t.Errorf("Book after BookBatch: %q %v, want %q", ref, err, refs[i])
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left", e.Name())
		}
	}
	if len(entries) != 4 {
		t.Errorf("%d files, want 4", len(entries))
	}
	// A second Ledger on the same folder (another process) books nothing twice.
	refs2, errs2 := New(dir).BookBatch(ctx, invs)
	for i := range invs {
		if refs2[i] != refs[i] || (errs2[i] == nil) != (errs[i] == nil) {
			t.Errorf("again %d: %q %v, first %q %v", i, refs2[i], errs2[i], refs[i], errs[i])
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, errs := l.BookBatch(cctx, []order.Invoice{numbered(base, 9)}); !errors.Is(errs[0], context.Canceled) {
		t.Errorf("canceled: %v", errs[0])
	}
}

// TestBookDoesNotRescan: a Ledger looks for a crash's temporary files once,
// not on every booking, so booking costs the same in a full folder.
func TestBookDoesNotRescan(t *testing.T) {
	ctx := context.Background()
	base := cases(t)[0].inv
	dir := t.TempDir()
	stale := func(name string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("half"), 0o600)
		old := time.Now().Add(-time.Hour)
		os.Chtimes(p, old, old)
		return p
	}
	first := stale(".webwinkel_1.xml.123.tmp")
	l := New(dir)
	if _, err := l.Book(ctx, numbered(base, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(first); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("first booking left the crash's temporary file: %v", err)
	}
	second := stale(".webwinkel_2.xml.456.tmp")
	if _, err := l.Book(ctx, numbered(base, 2)); err != nil {
		t.Fatal(err)
	}
	if _, errs := l.BookBatch(ctx, []order.Invoice{numbered(base, 3)}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	if _, err := os.Stat(second); err != nil {
		t.Errorf("a later booking scanned the folder again: %v", err)
	}
}

// fillFolder puts n booked invoices into dir.
func fillFolder(b *testing.B, dir string, n int) {
	b.Helper()
	base := cases(b)[0].inv
	l := New(dir)
	for start := 0; start < n; start += 500 {
		var invs []order.Invoice
		for i := start; i < min(n, start+500); i++ {
			invs = append(invs, numbered(base, 1_000_000+i))
		}
		if _, errs := l.BookBatch(context.Background(), invs); errs[0] != nil {
			b.Fatal(errs[0])
		}
	}
}

// BenchmarkBook books one invoice at a time (file and folder synced each
// time) into an empty folder and into one that holds 5,000 files, with one
// Ledger as the app keeps it: the cost must not grow with the folder.
func BenchmarkBook(b *testing.B) {
	for _, files := range []int{0, 5000} {
		b.Run(fmt.Sprintf("files=%d", files), func(b *testing.B) {
			dir := b.TempDir()
			fillFolder(b, dir, files)
			base := cases(b)[0].inv
			l := New(dir)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := l.Book(context.Background(), numbered(base, i)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(files), "files_before")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/booking")
		})
	}
}

// BenchmarkBookBatch books batches of 100 invoices (synced as a group), into
// an empty folder and one with 5,000 files.
func BenchmarkBookBatch(b *testing.B) {
	const batch = 100
	for _, files := range []int{0, 5000} {
		b.Run(fmt.Sprintf("files=%d", files), func(b *testing.B) {
			dir := b.TempDir()
			fillFolder(b, dir, files)
			base := cases(b)[0].inv
			l := New(dir)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				invs := make([]order.Invoice, batch)
				for k := range invs {
					invs[k] = numbered(base, i*batch+k)
				}
				if _, errs := l.BookBatch(context.Background(), invs); errs[0] != nil {
					b.Fatal(errs[0])
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(files), "files_before")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/booking")
		})
	}
}

// BenchmarkBookNewLedgerEach is what booking cost while a new Ledger was made
// per booking (each one rescans the folder once for a crash's temporary
// files): it grows with the folder. The app must keep one Ledger.
func BenchmarkBookNewLedgerEach(b *testing.B) {
	for _, files := range []int{0, 5000} {
		b.Run(fmt.Sprintf("files=%d", files), func(b *testing.B) {
			dir := b.TempDir()
			fillFolder(b, dir, files)
			base := cases(b)[0].inv
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := New(dir).Book(context.Background(), numbered(base, i)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(files), "files_before")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/booking")
		})
	}
}

// TestBuyerVATIDOnlyWhenValid: a buyer's VAT id that is not an EU VAT id
// would break BR-CO-09; it stays off a domestic invoice.
func TestBuyerVATIDOnlyWhenValid(t *testing.T) {
	inv := cases(t)[0].inv
	for _, tt := range []struct {
		vat  string
		want bool
	}{{"NL987654321B01", true}, {"123456789", false}, {"XX123", false}} {
		inv.Buyer.VATID = tt.vat
		data, err := Marshal(inv)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(data), "<cbc:CompanyID>"+tt.vat+"</cbc:CompanyID>"); got != tt.want {
			t.Errorf("buyer VAT id %q written: %v, want %v", tt.vat, got, tt.want)
		}
	}
}
