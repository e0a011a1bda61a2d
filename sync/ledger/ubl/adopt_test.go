package ubl

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
)

// countSyncs counts the folder syncs of the test.
func countSyncs(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	orig := syncDir
	syncDir = func(dir string) error { n.Add(1); return orig(dir) }
	t.Cleanup(func() { syncDir = orig })
	return &n
}

// TestAdoptSyncsFolder: a file found under an invoice's name with its key
// (left by a process killed after the link, perhaps before its folder sync)
// is made durable, one folder sync, before Book or BookBatch reports it
// booked.
func TestAdoptSyncsFolder(t *testing.T) {
	ctx := context.Background()
	inv := cases(t)[0].inv
	dir := t.TempDir()
	data, err := Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileNames(inv)[0])
	if err := os.WriteFile(path, data, 0o600); err != nil { // linked, folder never synced
		t.Fatal(err)
	}
	syncs := countSyncs(t)
	if p, err := New(dir).Book(ctx, inv); err != nil || p != path {
		t.Fatalf("Book = %s, %v; want %s", p, err, path)
	}
	if syncs.Load() != 1 {
		t.Errorf("Book adopted the file with %d folder syncs, want 1", syncs.Load())
	}
	syncs.Store(0)
	other := numbered(inv, 2)
	refs, errs := New(dir).BookBatch(ctx, []order.Invoice{inv, other, inv})
	if errs[0] != nil || refs[0] != path || errs[1] != nil || errs[2] != nil || refs[2] != path {
		t.Fatalf("BookBatch = %q, %v", refs, errs)
	}
	if syncs.Load() != 1 {
		t.Errorf("BookBatch made one new file and adopted one with %d folder syncs, want 1", syncs.Load())
	}
	syncs.Store(0)
	if refs, errs := New(dir).BookBatch(ctx, []order.Invoice{inv}); errs[0] != nil || refs[0] != path || syncs.Load() != 1 {
		t.Errorf("BookBatch adopting only = %q, %v with %d folder syncs, want 1", refs, errs, syncs.Load())
	}
}

// TestAdoptLegacyKey: a booking written under the key of before the shop
// id (woocommerce/<shop name>/<order>/invoice) but not recorded before the
// upgrade is found by the invoice's LegacyKey: booked before, not written a
// second time under a hashed name. Also when the old booking took the
// hashed name, and in a batch.
func TestAdoptLegacyKey(t *testing.T) {
	ctx := context.Background()
	for _, batch := range []bool{false, true} {
		book := func(l *Ledger, inv order.Invoice) (string, error) {
			if batch {
				refs, errs := l.BookBatch(ctx, []order.Invoice{inv})
				return refs[0], errs[0]
			}
			return l.Book(ctx, inv)
		}
		for _, taken := range []bool{false, true} {
			dir := t.TempDir()
			l := New(dir)
			now := cases(t)[0].inv
			now.Key = "woocommerce/7/13/invoice"
			now.LegacyKey = "woocommerce/webwinkel/13/invoice"
			old := now
			old.Key, old.LegacyKey = now.LegacyKey, ""
			if taken {
				// Before the upgrade another invoice held the readable name.
				if err := os.WriteFile(filepath.Join(dir, FileNames(now)[0]), []byte("mine\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			was, err := book(l, old)
			if err != nil {
				t.Fatal(err)
			}
			p, err := book(New(dir), now)
			if err != nil || p != was {
				t.Errorf("batch %v, name taken %v: booked as %s, %v; want the file booked before the upgrade, %s", batch, taken, p, err, was)
			}
			entries, _ := os.ReadDir(dir)
			if want := map[bool]int{false: 1, true: 2}[taken]; len(entries) != want {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("batch %v, name taken %v: files %v", batch, taken, names)
			}
		}
	}
}
