package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestMigration0006AddsOptions: a database at schema 5 with shops (one with
// webhooks registered, ids as numbers as they were kept) is migrated; every
// shop gets options '{}' (its kind's defaults), everything else of it is
// as it was, the webhook ids are read, and options are saved and read back.
func TestMigration0006AddsOptions(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, FileName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
		applied_at INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for v, name := range []string{"0001_initial.sql", "0002_shops.sql", "0003_orders.sql", "0004_intake.sql", "0005_unbookable.sql"} {
		body, err := migrations.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?,?,0)`, v+1, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO shops(id, name, source, base_url, api_key, api_secret, forward, created_at, slug, webhook)
		VALUES (7, 'Theehuis', 'woocommerce', 'https://w.example', 'ck_1', 'cs_1', '["processing"]', 1, 'theehuis',
		'{"enabled":true,"secret":"s","topics":["order.created"],"remote_ids":{"order.created":41},"status":"active"}'),
		(8, 'Koffie', 'woocommerce', 'https://k.example', 'ck_2', 'cs_2', '[]', 2, 'koffie', '{}')`); err != nil {
		t.Fatal(err)
	}
	const qShops = `SELECT * FROM shops ORDER BY id`
	before := dumpRows(t, db, qShops)
	db.Close()

	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(ctx); v < 6 {
		t.Fatalf("schema %d after migrating", v)
	}
	after := dumpRows(t, s.db, qShops)
	if len(after) != 2 {
		t.Fatalf("%d shops", len(after))
	}
	for i := range after {
		row, n := after[i], len(before[i])
		if !reflect.DeepEqual(row[:n], before[i]) {
			t.Errorf("shop %d changed:\n got %v\nwant %v", i, row[:n], before[i])
		}
		if got := row[n]; got != "{}" {
			t.Errorf("shop %d options %v, want {}", i, got)
		}
		// 0008: a shop from before is identified by its address.
		if got := row[n+1]; got != row[3] {
			t.Errorf("shop %d identity %v, want its address %v", i, got, row[3])
		}
	}
	sh, err := s.ShopByID(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Options) != 0 || sh.Webhook.RemoteIDs["order.created"] != "41" || !sh.Webhook.Enabled {
		t.Fatalf("shop after migrating: options %v webhook %+v", sh.Options, sh.Webhook)
	}
	if err := s.SaveOptions(ctx, 7, map[string]string{"recurring": "off", "products": "3,4"}); err != nil {
		t.Fatal(err)
	}
	sh.Name = "Theehuis De Linde"
	sh.Options = map[string]string{"recurring": "off", "products": "3,4"}
	if err := s.UpdateShop(ctx, sh); err != nil {
		t.Fatal(err)
	}
	got, err := s.ShopByName(ctx, "Theehuis De Linde")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Options, map[string]string{"recurring": "off", "products": "3,4"}) {
		t.Errorf("options read back %v", got.Options)
	}
	// The ids are written as strings now and read back the same.
	if err := s.SaveWebhook(ctx, 7, got.Webhook); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.ShopByID(ctx, 7); again.Webhook.RemoteIDs["order.created"] != "41" {
		t.Errorf("webhook ids %v", again.Webhook.RemoteIDs)
	}
	if err := s.SaveOptions(ctx, 99, nil); err == nil {
		t.Error("options of no shop saved")
	}
	if _, err := s.db.Exec(`INSERT INTO shops(name, source, base_url, created_at, slug) VALUES ('n', 'woocommerce', 'https://n', 3, 'n')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ShopByName(ctx, "n"); err != nil {
		t.Fatalf("a shop inserted without options: %v", err)
	}
}
