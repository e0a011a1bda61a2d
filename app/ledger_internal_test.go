package app

import (
	"context"
	"path/filepath"
	gosync "sync"
	"testing"
)

// One ledger per folder: the engine asks for the ledger on every booking,
// and a new ubl.Ledger would learn the folder again each time.
func TestLedgerKeptPerFolder(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(base, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := svc.SetUBLDir(ctx, filepath.Join(base, "a")); err != nil {
		t.Fatal(err)
	}
	first, err := svc.ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg gosync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l, err := svc.ledger(ctx); err != nil || l != first {
				t.Errorf("concurrent ledger %p (%v), want the kept %p", l, err, first)
			}
		}()
	}
	wg.Wait()
	if err := svc.SetUBLDir(ctx, filepath.Join(base, "b")); err != nil {
		t.Fatal(err)
	}
	second, err := svc.ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second == first || svc.ublDir != filepath.Join(base, "b") {
		t.Fatalf("after the folder changed: %p (dir %s), first %p", second, svc.ublDir, first)
	}
}
