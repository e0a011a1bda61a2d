package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// TestBackupWhileWritesGoOn takes backups while another goroutine applies
// orders in transactions of ten (an order and its booking each): every copy
// opens, passes SQLite's integrity check, and holds whole transactions only
// (orders a multiple of ten, a booking for every order), and the last copy
// has what was written before it began.
func TestBackupWhileWritesGoOn(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	sh := addShop(t, s)
	var written atomic.Int64
	stop := make(chan struct{})
	var wg gosync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for batch := 0; ; batch++ {
			select {
			case <-stop:
				return
			default:
			}
			obs := make([]store.Observation, 10)
			for i := range obs {
				id := fmt.Sprintf("%d-%d", batch, i)
				obs[i] = store.Observation{ShopID: sh.ID, Order: testOrder(id, "processing", base.Add(time.Duration(batch)*time.Second)),
					Raw: make([]byte, 2300)}
			}
			if _, err := s.Apply(ctx, obs, forwardDecide); err != nil {
				t.Error(err)
				return
			}
			written.Add(10)
		}
	}()
	dir := t.TempDir()
	var last string
	var before int64
	for i := 0; i < 5; i++ {
		for written.Load() < int64(50*(i+1)) {
			time.Sleep(time.Millisecond)
		}
		last = filepath.Join(dir, fmt.Sprintf("copy-%d.db", i))
		before = written.Load()
		if err := s.Backup(ctx, last); err != nil {
			t.Fatal(err)
		}
		checkCopy(t, last, sh.ID, before)
	}
	close(stop)
	wg.Wait()
	if fi, err := os.Stat(last); err != nil {
		t.Fatalf("backup file: %v", err)
	} else if runtime.GOOS == "windows" {
		t.Log("backup file mode not checked: Windows has no Unix modes (0600 is ignored)")
	} else if fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode %v, want 0600", fi.Mode().Perm())
	}
	if n := written.Load(); n <= before {
		t.Fatalf("the writer stopped during the backups (%d written): nothing went on", n)
	}
	// The copy is a database Orderbrug opens as its own.
	restored := filepath.Join(t.TempDir(), "restored")
	if err := os.MkdirAll(restored, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, store.FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	rs, err := store.Open(ctx, restored)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer rs.Close()
	recs, err := rs.Records(ctx, store.Filter{ShopID: sh.ID})
	if err != nil || int64(len(recs)) < before {
		t.Fatalf("copy has %d orders, want at least %d (%v)", len(recs), before, err)
	}
	if _, err := rs.Shops(ctx); err != nil {
		t.Fatal(err)
	}
}

func checkCopy(t *testing.T, path string, shopID int64, atLeast int64) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("%s: integrity %q %v", path, ok, err)
	}
	var orders, bookings int64
	if err := db.QueryRow(`SELECT COUNT(*) FROM orders WHERE shop_id=?`, shopID).Scan(&orders); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE shop_id=?`, shopID).Scan(&bookings); err != nil {
		t.Fatal(err)
	}
	if orders%10 != 0 || orders != bookings || orders < atLeast {
		t.Fatalf("%s: %d orders, %d bookings (want a multiple of 10, equal, at least %d)", path, orders, bookings, atLeast)
	}
}

// TestAutoBackupKeepsTheNewest: one backup per period, the newest kept.
func TestAutoBackupKeepsTheNewest(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	dir := filepath.Join(t.TempDir(), "backups")
	// Not ours: never removed.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mine.db"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		made, err := s.AutoBackup(ctx, dir, 24*time.Hour, 3)
		if err != nil || made == "" {
			t.Fatalf("day %d: %q %v", i, made, err)
		}
		again, err := s.AutoBackup(ctx, dir, 24*time.Hour, 3)
		if err != nil || again != "" {
			t.Fatalf("day %d: a second backup the same day: %q %v", i, again, err)
		}
		now = now.Add(24 * time.Hour)
	}
	bs, err := store.AutoBackups(dir)
	if err != nil || len(bs) != 3 {
		t.Fatalf("%d backups kept (%v), want 3", len(bs), err)
	}
	if want := time.Date(2026, 12, 10, 3, 0, 0, 0, time.UTC); !bs[0].At.Equal(want) {
		t.Fatalf("newest %v, want %v", bs[0].At, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "mine.db")); err != nil {
		t.Fatal("a file that is not an automatic backup was removed")
	}
}

// TestPruneKeepsWhatIsNotProcessed: processed deliveries and events older
// than the cut-off go; unprocessed deliveries stay, however old.
func TestPruneKeepsWhatIsNotProcessed(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	var old, pending int64
	var err error
	for i := 0; i < 1200; i++ { // more than one delete batch
		id, err := s.AddDelivery(ctx, store.Delivery{Source: "woocommerce", Shop: "w", Body: []byte(`{"id":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeliveryProcessed(ctx, id, "applied"); err != nil {
			t.Fatal(err)
		}
		old = id
		if err := s.AddEvent(ctx, store.Event{Code: "old"}); err != nil {
			t.Fatal(err)
		}
	}
	if pending, err = s.AddDelivery(ctx, store.Delivery{Source: "woocommerce", Shop: "w", Body: []byte(`{"id":2}`)}); err != nil {
		t.Fatal(err)
	}
	now = now.AddDate(0, 0, 100)
	recent, err := s.AddDelivery(ctx, store.Delivery{Source: "woocommerce", Shop: "w", Body: []byte(`{"id":3}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeliveryProcessed(ctx, recent, "applied"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddEvent(ctx, store.Event{Code: "new"}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Prune(ctx, now.AddDate(0, 0, -90), now.AddDate(0, 0, -90))
	if err != nil {
		t.Fatal(err)
	}
	if p.Deliveries != 1200 || p.Events != 1200 {
		t.Fatalf("pruned %+v, want 1200 deliveries and 1200 events", p)
	}
	if _, err := s.Delivery(ctx, old); err == nil {
		t.Fatal("an old processed delivery is kept")
	}
	for _, id := range []int64{pending, recent} {
		if _, err := s.Delivery(ctx, id); err != nil {
			t.Fatalf("delivery %d: %v", id, err)
		}
	}
	evs, err := s.Events(ctx, store.EventFilter{})
	if err != nil || len(evs) != 1 || evs[0].Code != "new" {
		t.Fatalf("events left: %v %v", evs, err)
	}
	// Zero cut-offs keep everything.
	if p, err := s.Prune(ctx, time.Time{}, time.Time{}); err != nil || p != (store.Pruned{}) {
		t.Fatalf("zero cut-offs pruned %+v %v", p, err)
	}
}

// TestMarkUnbookable moves only orders parked for a never-bookable reason,
// and only after the grace period.
func TestMarkUnbookable(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	sh := addShop(t, s)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	var obs []store.Observation
	for i, st := range []order.Status{"cancelled", "on-hold", "failed", "processing"} {
		obs = append(obs, store.Observation{ShopID: sh.ID, Order: testOrder(fmt.Sprint(i), st, now)})
	}
	if _, err := s.Apply(ctx, obs, forwardDecide); err != nil {
		t.Fatal(err)
	}
	rule := store.UnbookableRule{NotForwarded: "status_not_forwarded", Statuses: []order.Status{"cancelled", "failed"}}
	if n, err := s.MarkUnbookable(ctx, now.Add(-time.Hour), rule, "orders_unbookable"); err != nil || n != 0 {
		t.Fatalf("within the grace period: %d moved, %v", n, err)
	}
	now = now.Add(48 * time.Hour)
	if n, err := s.MarkUnbookable(ctx, now.Add(-24*time.Hour), rule, "orders_unbookable"); err != nil || n != 2 {
		t.Fatalf("after the grace period: %d moved, %v (want 2)", n, err)
	}
	for id, want := range map[string]store.State{"0": store.Unbookable, "1": store.Parked, "2": store.Unbookable, "3": store.Queued} {
		r, err := s.Record(ctx, sh.ID, id)
		if err != nil || r.State != want {
			t.Fatalf("order %s: %s %v, want %s", id, r.State, err, want)
		}
		if want == store.Unbookable && (r.Reason != "status_not_forwarded" || r.ReasonArg == "" || !r.StateAt.Equal(now)) {
			t.Fatalf("order %s: reason %q %q since %v", id, r.Reason, r.ReasonArg, r.StateAt)
		}
	}
	c, err := s.Count(ctx, sh.ID, time.Time{})
	if err != nil || c.ByState[store.Unbookable] != 2 || c.ByState[store.Parked] != 1 {
		t.Fatalf("counts %v %v", c.ByState, err)
	}
}
