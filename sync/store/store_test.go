package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// openStore opens a fresh database in a temporary directory.
func openStore(tb testing.TB) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "data"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func addShop(tb testing.TB, s *store.Store) store.Shop {
	tb.Helper()
	sh, err := s.AddShop(context.Background(), store.Shop{Name: "winkel", Source: order.WooCommerce,
		BaseURL: "https://winkel.example", Key: "ck", Secret: "cs",
		Forward: []order.Status{"processing", "completed"}, PollInterval: 15 * time.Minute, LookbackDays: 21})
	if err != nil {
		tb.Fatal(err)
	}
	return sh
}

func TestOpenPermissionsAndReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	s, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, store.FileName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS == "windows" {
			t.Logf("%s: mode not checked: Windows has no Unix modes (%o is ignored)", path, want)
		} else if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	s, err = store.Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(context.Background()); err != nil || v < 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = store.Open(context.Background(), dir)
	if !errors.Is(err, store.ErrNewerSchema) {
		t.Fatalf("open of a newer database: %v, want ErrNewerSchema", err)
	}
}

func TestShopsRoundTripAndUniqueName(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	sh := addShop(t, s)
	got, err := s.ShopByName(ctx, "winkel")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != sh.ID || got.PollInterval != 15*time.Minute || len(got.Forward) != 2 || !got.Forwards("completed") {
		t.Fatalf("round trip: %+v", got)
	}
	_, err = s.AddShop(ctx, store.Shop{Name: "winkel", Source: order.WooCommerce, BaseURL: "x"})
	if !errors.Is(err, store.ErrShopExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := s.ShopByName(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing shop: %v", err)
	}
	cursor := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	if err := s.SavePoll(ctx, sh.ID, cursor, nil, ""); err != nil {
		t.Fatal(err)
	}
	// A cursor never goes back, even when a later poll reports an older one.
	if err := s.SavePoll(ctx, sh.ID, cursor.Add(-time.Hour), errors.New("shop down"), "network"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ShopByID(ctx, sh.ID)
	if !got.Cursor.Equal(cursor) || got.LastError != "shop down" || got.LastErrorCode != "network" {
		t.Fatalf("after polls: cursor %v error %q code %q", got.Cursor, got.LastError, got.LastErrorCode)
	}
}

func testOrder(id string, status order.Status, modified time.Time) order.Order {
	return order.Order{Source: order.WooCommerce, ID: id, Number: id, Status: status, Currency: "EUR",
		Created: modified.Add(-time.Hour), Modified: modified, Total: 1210, TotalTax: 210,
		Buyer: order.Party{Name: "Jan Jansen"},
		Lines: []order.Line{{Kind: order.Product, ID: "1", Name: "Mok", Quantity: 1, Net: 1000, VAT: 210, Rate: 2100, Category: order.Standard}}}
}

// forwardDecide books processing and parks the rest, like the engine.
func forwardDecide(prev *store.Record, o order.Order) store.Decision {
	if o.Status == "processing" {
		return store.Decision{State: store.Queued, Bookings: []store.Booking{{Key: "k/" + o.ID, Kind: order.KindInvoice}}}
	}
	return store.Decision{State: store.Parked, Reason: "status_not_forwarded", ReasonArg: string(o.Status)}
}

func TestApplyNewestWinsRepeatsChangeNothing(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	sh := addShop(t, s)
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	apply := func(o order.Order) store.Outcome {
		t.Helper()
		out, err := s.Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: o}}, forwardDecide)
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	if got := apply(testOrder("7", "pending", t0)); got != store.New {
		t.Fatalf("first: %v", got)
	}
	if got := apply(testOrder("7", "pending", t0)); got != store.Repeat {
		t.Fatalf("repeat: %v", got)
	}
	if got := apply(testOrder("7", "processing", t0.Add(time.Minute))); got != store.Changed {
		t.Fatalf("newer: %v", got)
	}
	// A late delivery of the older snapshot must not undo the newer one.
	if got := apply(testOrder("7", "pending", t0)); got != store.Stale {
		t.Fatalf("older: %v", got)
	}
	rec, err := s.Record(ctx, sh.ID, "7")
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != store.Queued || rec.Status != "processing" {
		t.Fatalf("state %s status %s, want queued processing", rec.State, rec.Status)
	}
	due, err := s.DueBookings(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due bookings %d, %v", len(due), err)
	}
	// The booking is in the outbox once, however often the order repeats.
	apply(testOrder("7", "processing", t0.Add(2*time.Minute)))
	due, _ = s.DueBookings(ctx, time.Now().Add(time.Hour), 10)
	if len(due) != 1 {
		t.Fatalf("bookings after a second forward: %d", len(due))
	}
}

func TestApplyBatchIsAtomic(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	sh := addShop(t, s)
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	bad := func(prev *store.Record, o order.Order) store.Decision {
		if o.ID == "3" {
			return store.Decision{} // no state: refused
		}
		return forwardDecide(prev, o)
	}
	obs := []store.Observation{{ShopID: sh.ID, Order: testOrder("1", "pending", t0)},
		{ShopID: sh.ID, Order: testOrder("2", "pending", t0)}, {ShopID: sh.ID, Order: testOrder("3", "pending", t0)}}
	if _, err := s.Apply(ctx, obs, bad); err == nil {
		t.Fatal("want an error for the bad decision")
	}
	recs, err := s.Records(ctx, store.Filter{})
	if err != nil || len(recs) != 0 {
		t.Fatalf("after a failed batch %d orders are kept (%v), want 0", len(recs), err)
	}
}

func TestBookingLifecycle(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	sh := addShop(t, s)
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	if _, err := s.Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: testOrder("9", "processing", t0)}}, forwardDecide); err != nil {
		t.Fatal(err)
	}
	due, _ := s.DueBookings(ctx, time.Now(), 10)
	if len(due) != 1 {
		t.Fatalf("due %d", len(due))
	}
	next := time.Now().Add(time.Hour)
	if err := s.BookingFailed(ctx, due[0], false, "ledger_unavailable", "", "disk full", next, store.Event{Code: "booking_retry"}); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.DueBookings(ctx, time.Now(), 10); len(d) != 0 {
		t.Fatalf("a retry is due before its time")
	}
	rec, _ := s.Record(ctx, sh.ID, "9")
	if rec.State != store.Queued || rec.Reason != "ledger_unavailable" || rec.Detail != "disk full" {
		t.Fatalf("after a transient failure: %+v", rec)
	}
	due, _ = s.DueBookings(ctx, next, 10)
	if len(due) != 1 || due[0].Attempts != 1 {
		t.Fatalf("due after backoff: %+v", due)
	}
	inv := order.Invoice{ID: "9", IssueDate: t0}
	if err := s.BookingDone(ctx, due[0], "/books/winkel_9.xml", inv, store.Event{Code: "booked"}); err != nil {
		t.Fatal(err)
	}
	rec, _ = s.Record(ctx, sh.ID, "9")
	if rec.State != store.Booked || rec.BookingRef != "/books/winkel_9.xml" || rec.InvoiceID != "9" || rec.Reason != "" {
		t.Fatalf("after booking: %+v", rec)
	}
	evs, err := s.Events(ctx, store.EventFilter{})
	if err != nil || len(evs) != 2 || evs[0].Code != "booked" {
		t.Fatalf("events %+v %v", evs, err)
	}
}

func TestRecordsFilterAndSearch(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	sh := addShop(t, s)
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var obs []store.Observation
	for i, st := range []order.Status{"pending", "processing", "on-hold", "pending"} {
		o := testOrder(string(rune('1'+i)), st, t0.Add(time.Duration(i)*time.Minute))
		if i == 2 {
			o.Buyer.Name = "Bakkerij 100%_Zoet"
		}
		obs = append(obs, store.Observation{ShopID: sh.ID, Order: o})
	}
	if _, err := s.Apply(ctx, obs, forwardDecide); err != nil {
		t.Fatal(err)
	}
	parked, _ := s.Records(ctx, store.Filter{States: []store.State{store.Parked}})
	if len(parked) != 3 || parked[0].Number != "4" {
		t.Fatalf("parked: %d, first %q", len(parked), parked[0].Number)
	}
	// % and _ are matched literally, not as wildcards.
	got, _ := s.Records(ctx, store.Filter{Search: "100%_z"})
	if len(got) != 1 || got[0].Number != "3" {
		t.Fatalf("search: %+v", got)
	}
	got, _ = s.Records(ctx, store.Filter{Search: "0%"})
	if len(got) != 1 {
		t.Fatalf("literal percent: %d", len(got))
	}
	c, err := s.Count(ctx, sh.ID, time.Time{})
	if err != nil || c.ByState[store.Parked] != 3 || c.ByState[store.Queued] != 1 {
		t.Fatalf("counts %+v %v", c, err)
	}
}

func TestInboxDurableAndProcessed(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":13,"status":"processing"}`)
	id, err := s.AddDelivery(ctx, store.Delivery{Source: "woocommerce", Shop: "winkel", Topic: "order.updated", OrderID: "13", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Reopened, as after a crash: the delivery is there, unprocessed.
	s, err = store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pending, err := s.PendingDeliveries(ctx, 10)
	if err != nil || len(pending) != 1 || string(pending[0].Body) != string(body) || pending[0].ID != id {
		t.Fatalf("pending %+v %v", pending, err)
	}
	if err := s.DeliveryProcessed(ctx, id, "new"); err != nil {
		t.Fatal(err)
	}
	if pending, _ := s.PendingDeliveries(ctx, 10); len(pending) != 0 {
		t.Fatalf("still pending after processing")
	}
	if err := s.AddRejection(ctx, store.Rejection{Source: "woocommerce", Shop: "x", Status: 401, Reason: "bad signature"}); err != nil {
		t.Fatal(err)
	}
	rs, _ := s.Rejections(ctx, 10)
	if len(rs) != 1 || rs[0].Status != 401 {
		t.Fatalf("rejections %+v", rs)
	}
}
