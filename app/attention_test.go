package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/engine"
)

// TestUnwritableFolderWaitsOnYou: an invoice folder that cannot be written
// (a file in its place, as when a USB stick is gone and a file took the
// name) keeps every booking waiting. Within the hour that is a share or a
// stick coming back, retried: no one's matter, sync exits 0. Once it has
// lasted (seven attempts, over an hour) it is for a person to fix, so
// sync says so and exits non-zero, and Overzicht's attention names it.
func TestUnwritableFolderWaitsOnYou(t *testing.T) {
	clk := clockwork.NewFakeClockAt(time.Now())
	w := newWorldWith(t, app.Options{Clock: clk})
	w.emu.AddDutch(20, 7)
	// The folder chosen, then gone: a file took its name.
	if err := os.RemoveAll(w.ubl); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.ubl, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	names := func(att []app.Attention) bool {
		for _, a := range att {
			if a.Reason == engine.ReasonLedgerUnavailable && a.Count > 0 && a.BookingWaits() {
				return true
			}
		}
		return false
	}
	res, err := w.svc.Sync(context.Background(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if names(res.Attention) || res.Booked.Retrying == 0 {
		t.Fatalf("the first failure waits on you: %+v, %+v", res.Attention, res.Booked)
	}
	if code, out, _ := cli(t, filepath.Join(w.dir, "data"), "sync"); code != 0 || strings.Contains(out, "waiting on you") {
		t.Fatalf("orderbrug sync within the hour: exit %d\n%s", code, out)
	}
	// Retried for over an hour.
	for i := 0; i < 6; i++ {
		clk.Advance(61 * time.Minute)
		if res, err = w.svc.Sync(context.Background(), "", nil); err != nil && app.CodeOf(err) != app.CodeWaiting {
			t.Fatal(err)
		}
		if i < 5 && names(res.Attention) {
			t.Fatalf("after %d attempts it waits on you: %+v", i+2, res.Attention)
		}
	}
	if !names(res.Attention) {
		t.Fatalf("attention %+v does not name the folder after an hour", res.Attention)
	}
	// What the sync command exits with.
	if code, out, _ := cli(t, filepath.Join(w.dir, "data"), "sync"); code != 3 || !strings.Contains(out, "the invoice folder cannot be written") {
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
