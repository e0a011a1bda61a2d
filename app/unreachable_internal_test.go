package app

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

// TestUnreachableForAnHourAsksAPerson: an API URL nothing answers at (a
// mistyped --api-url: here a port nothing listens on) makes the bookings
// wait as ledger_unreachable, on time, for the first hour (no attention,
// sync exits 0); past the hour they are on the attention list, with a
// line that says the package has been unreachable for that long, and sync
// exits 3 (CodeWaiting).
func TestUnreachableForAnHourAsksAPerson(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(start)
	svc, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "data"), Clock: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	_, addShop := moneybirdShop(t, svc, 4)
	// The API URL mistyped afterwards (the settings as a person could
	// leave them): nothing listens there.
	ls, err := svc.LedgerSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o := ls.Online["moneybird"]
	o.APIURL = "http://localhost:1/api/v2"
	ls.Online["moneybird"] = o
	if err := svc.store.SetSetting(ctx, keyLedger, ls); err != nil {
		t.Fatal(err)
	}
	if err := svc.ledgerChanged(ctx); err != nil {
		t.Fatal(err)
	}
	addShop()
	asked := time.Time{}
	var last []Attention
	for clock.Since(start) <= 2*time.Hour {
		res, err := svc.Sync(ctx, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		// What `sync` exits with: 3 (CodeWaiting) or 0.
		if err := waitingError(res.Attention); len(res.Attention) > 0 || err != nil {
			if CodeOf(err) != CodeWaiting {
				t.Fatalf("at +%s: sync exits with %v (attention %+v)", clock.Since(start), err, res.Attention)
			}
			asked, last = clock.Now(), res.Attention
			break
		}
		clock.Advance(5 * time.Minute)
	}
	waiting, err := svc.Orders(ctx, OrderQuery{States: []State{Queued}})
	if err != nil || len(waiting) == 0 {
		t.Fatalf("nothing waits: %v", err)
	}
	for _, w := range waiting {
		if w.Reason != ledger.ReasonUnreachable {
			t.Errorf("order %s waits with %q, want %s", w.Number, w.Reason, ledger.ReasonUnreachable)
		}
	}
	if asked.IsZero() {
		t.Fatal("two hours unreachable and no one is asked")
	}
	if d := asked.Sub(start); d <= time.Hour {
		t.Errorf("a person is asked after %s already: the package may be back within the hour", d)
	}
	if len(last) != 1 || last[0].Reason != ledger.ReasonUnreachable || last[0].Count != len(waiting) || !last[0].BookingWaits() {
		t.Fatalf("attention %+v, want the %d bookings as ledger_unreachable", last, len(waiting))
	}
	if l := AttentionLines(last); !strings.Contains(l[0], "unreachable for over an hour") {
		t.Errorf("the line does not say it has lasted: %q", l[0])
	}
	if att, err := svc.Attention(ctx); err != nil || len(att) != 1 || att[0].Args["long"] == "" {
		t.Errorf("Attention: %+v, %v", att, err)
	}
}
