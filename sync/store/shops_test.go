package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

func TestMakeSlug(t *testing.T) {
	for name, want := range map[string]string{
		"Winkel":                 "winkel",
		"Café Één & Zonen":       "cafe-een-zonen",
		"  De Bakker's Shop!!  ": "de-bakker-s-shop",
		"Straße 12":              "strasse-12",
		"日本":                     "shop",
		"":                       "shop",
		"a--b__c":                "a-b-c",
		"Een hele lange winkelnaam die maar doorgaat en doorgaat": "een-hele-lange-winkelnaam-die-maar-doorg",
	} {
		if got := store.MakeSlug(name); got != want {
			t.Errorf("MakeSlug(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestAddShopSlugUniqueAndImmutable(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	a := addShop(t, s)
	if a.Slug != "winkel" || a.Sells != order.SellsGoods {
		t.Fatalf("first shop: slug %q sells %q", a.Slug, a.Sells)
	}
	b, err := s.AddShop(ctx, store.Shop{Name: "Winkel!", Source: order.WooCommerce, BaseURL: "https://b.example"})
	if err != nil {
		t.Fatal(err)
	}
	if b.Slug != "winkel-2" {
		t.Fatalf("second shop slug %q, want winkel-2", b.Slug)
	}
	if err := s.RenameShop(ctx, a.ID, "Mijn Nieuwe Naam"); err != nil {
		t.Fatal(err)
	}
	got, err := s.ShopByID(ctx, a.ID)
	if err != nil || got.Name != "Mijn Nieuwe Naam" || got.Slug != "winkel" {
		t.Fatalf("after rename: %+v, %v", got, err)
	}
	if _, err := s.ShopBySlug(ctx, "winkel"); err != nil {
		t.Fatalf("by slug after rename: %v", err)
	}
	// UpdateShop never writes the slug, whatever the caller passes.
	got.Slug = "other"
	got.Sells = order.SellsServices
	if err := s.UpdateShop(ctx, got); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ShopByID(ctx, a.ID)
	if got.Slug != "winkel" || got.Sells != order.SellsServices {
		t.Fatalf("after update: slug %q sells %q", got.Slug, got.Sells)
	}
	if err := s.RenameShop(ctx, a.ID, "Winkel!"); !errors.Is(err, store.ErrShopExists) {
		t.Fatalf("rename onto another shop's name: %v", err)
	}
	got.Sells = "diensten"
	if err := s.UpdateShop(ctx, got); !errors.Is(err, store.ErrSells) {
		t.Fatalf("bad sells: %v", err)
	}
}

func TestRemoveShopKeepsBooksAndSlug(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	sh := addShop(t, s)
	o := order.Order{ID: "13", Number: "13", Status: "processing", Created: time.Now().UTC(), Modified: time.Now().UTC()}
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO orders(shop_id, ext_id, number, status, created, modified, total, state,
		snapshot, first_seen, last_checked, state_at, booking_ref) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		sh.ID, o.ID, o.Number, o.Status, 1, 1, 1210, "booked", []byte("{}"), 1, 1, 1, "winkel-13.xml"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveShop(ctx, sh.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE shop_id=? AND state='booked'`, sh.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("booked records after removal: %d, %v", n, err)
	}
	shops, err := s.Shops(ctx)
	if err != nil || len(shops) != 0 {
		t.Fatalf("shops after removal: %v, %v", shops, err)
	}
	if _, err := s.ShopByName(ctx, "winkel"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("by name after removal: %v", err)
	}
	if _, err := s.ShopBySlug(ctx, "winkel"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("by slug after removal: %v", err)
	}
	old, err := s.ShopByID(ctx, sh.ID)
	if err != nil || old.RemovedAt.IsZero() || !old.Paused || old.Webhook.Enabled {
		t.Fatalf("removed shop by id: %+v, %v", old, err)
	}
	// Another shop under the freed name: its own id, and the removed shop's
	// slug stays taken, so its files keep their names.
	other, err := s.AddShop(ctx, store.Shop{Name: "winkel", Source: order.WooCommerce, BaseURL: "https://andere-winkel.example"})
	if err != nil {
		t.Fatal(err)
	}
	if other.Slug != "winkel-2" || other.ID == sh.ID {
		t.Fatalf("another shop under the name: slug %q id %d, want winkel-2 and a new id", other.Slug, other.ID)
	}
	if err := s.RemoveShop(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	// The same shop (source and address) connected again gets its id and
	// slug back: its idempotency keys and file names are the old ones, so a
	// backfill books nothing twice.
	again, err := s.AddShop(ctx, store.Shop{Name: "Winkel weer", Source: order.WooCommerce, BaseURL: "https://winkel.example",
		Key: "ck2", Secret: "cs2", Forward: []order.Status{"completed"}})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != sh.ID || again.Slug != sh.Slug || !again.RemovedAt.IsZero() || again.Name != "Winkel weer" ||
		again.Key != "ck2" || len(again.Forward) != 1 {
		t.Fatalf("the same shop again: %+v, want id %d slug %q, in use, with the new settings", again, sh.ID, sh.Slug)
	}
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE shop_id=? AND state='booked'`, again.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("booked records of the shop connected again: %d, %v", n, err)
	}
	if err := s.RemoveShop(ctx, sh.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveShop(ctx, sh.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removing twice: %v", err)
	}
}

// TestMigrationSlugFromName opens a database written before slugs: its
// shops get their name as slug (the name was in file names and webhook URLs
// until then) and sell goods.
func TestMigrationSlugFromName(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	schema1, err := os.ReadFile(filepath.Join("migrations", "0001_initial.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{string(schema1),
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`,
		`INSERT INTO schema_migrations VALUES (1, '0001_initial.sql', 1)`,
		`INSERT INTO shops(name, source, base_url, created_at) VALUES ('Bakker Één', 'woocommerce', 'https://b.example', 1)`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sh, err := s.ShopByName(ctx, "Bakker Één")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Slug != "Bakker Één" || sh.Sells != order.SellsGoods {
		t.Fatalf("migrated shop: slug %q sells %q", sh.Slug, sh.Sells)
	}
}

// insertOrder puts an order row straight into the table, in a state with a
// reason, for tests of the shop-level queries.
func insertOrder(t *testing.T, s *store.Store, shopID int64, id string, created time.Time, state, reason, arg string) {
	t.Helper()
	if _, err := s.DB().ExecContext(context.Background(), `INSERT INTO orders(shop_id, ext_id, number, status, created, modified, total, state,
		reason, reason_arg, snapshot, first_seen, last_checked, state_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		shopID, id, id, "processing", created.UnixMilli(), created.UnixMilli(), 1210, state, reason, arg, []byte("{}"), 1, 1, 1); err != nil {
		t.Fatal(err)
	}
}

func TestSetStartAtBackfill(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	sh := addShop(t, s)
	connected := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if err := s.SavePoll(ctx, sh.ID, connected.Add(time.Hour), nil, ""); err != nil {
		t.Fatal(err)
	}
	insertOrder(t, s, sh.ID, "1", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), "ignored", "before_start", "")
	insertOrder(t, s, sh.ID, "2", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), "ignored", "before_start", "")
	insertOrder(t, s, sh.ID, "3", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), "ignored", "ignored_by_user", "")
	n, err := s.SetStartAt(ctx, sh.ID, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 1 {
		t.Fatalf("backfill parked %d again, %v; want 1 (order 1 only)", n, err)
	}
	got, _ := s.ShopByID(ctx, sh.ID)
	if !got.StartAt.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || !got.Cursor.Equal(got.StartAt) {
		t.Fatalf("start %v cursor %v: the next poll must fetch from the new start", got.StartAt, got.Cursor)
	}
	for id, want := range map[string]store.State{"1": store.Parked, "2": store.Ignored, "3": store.Ignored} {
		if r, err := s.Record(ctx, sh.ID, id); err != nil || r.State != want {
			t.Errorf("order %s: %s, %v; want %s", id, r.State, err, want)
		}
	}
	// A later start moves the date only, never the cursor forward.
	if _, err := s.SetStartAt(ctx, sh.ID, time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.ShopByID(ctx, sh.ID); !again.Cursor.Equal(got.Cursor) {
		t.Fatalf("cursor moved to %v", again.Cursor)
	}
}

func TestOwnerWaits(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	sh := addShop(t, s)
	now := time.Now()
	insertOrder(t, s, sh.ID, "1", now, "queued", "seller_incomplete", `{"missing":"vat_id","kind":"invoice"}`)
	insertOrder(t, s, sh.ID, "2", now, "queued", "seller_incomplete", `{"missing":"vat_id","kind":"invoice"}`)
	insertOrder(t, s, sh.ID, "3", now, "queued", "", "")
	insertOrder(t, s, sh.ID, "4", now, "failed", "totals_mismatch", `{"got":"1.00"}`)
	insertOrder(t, s, sh.ID, "5", now, "parked", "status_not_forwarded", "on-hold")
	insertOrder(t, s, sh.ID, "6", now, "parked", "currency_not_eur", "USD")
	rcs, err := s.OwnerWaits(ctx, 0, map[store.State][]string{store.Queued: {"seller_incomplete"}, store.Parked: {"currency_not_eur"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, rc := range rcs {
		got[string(rc.State)+"/"+rc.Reason] = rc.Count
	}
	want := map[string]int{"queued/seller_incomplete": 2, "failed/totals_mismatch": 1, "parked/currency_not_eur": 1}
	if len(got) != len(want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}
