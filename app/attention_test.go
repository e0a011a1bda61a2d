package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/engine"
)

// TestUnwritableFolderWaitsOnYou: an invoice folder that cannot be written
// (a file in its place, as when a USB stick is gone and a file took the
// name) keeps every booking waiting; that is for a person to fix, so sync
// says so and exits non-zero, and Overzicht's attention names it.
func TestUnwritableFolderWaitsOnYou(t *testing.T) {
	w := newWorld(t)
	w.emu.AddDutch(20, 7)
	if err := os.RemoveAll(w.ubl); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.ubl, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := w.svc.Sync(context.Background(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range res.Attention {
		if a.Reason == engine.ReasonLedgerUnavailable && a.Count > 0 && a.BookingWaits() {
			found = true
		}
	}
	if !found {
		t.Fatalf("attention %+v does not name the folder", res.Attention)
	}
	// What the sync command exits with.
	if code, out, _ := cli(t, filepath.Join(w.dir, "data"), "sync"); code != 3 || !strings.Contains(out, "waiting on you") {
		t.Fatalf("orderbrug sync: exit %d\n%s", code, out)
	}

	// Fixed: the folder is back, the bookings go through, nothing waits.
	if err := os.Remove(w.ubl); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.SetUBLDir(context.Background(), w.ubl); err != nil {
		t.Fatal(err)
	}
	if res, err := w.svc.Sync(context.Background(), "", nil); err != nil || len(res.Attention) != 0 {
		t.Fatalf("after the fix: %+v, %v", res.Attention, err)
	}
}
