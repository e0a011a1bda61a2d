package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func dumpRows(t *testing.T, db *sql.DB, q string) [][]any {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigration0005RebuildsOrdersKeepingEverything: a database at schema 4
// with orders in every state, every column set, is migrated; the table is
// rebuilt for the new CHECK with the same columns (names, types, defaults,
// order), the same indexes and the same rows, and 'unbookable' is now
// accepted while an unknown state is still refused.
func TestMigration0005RebuildsOrdersKeepingEverything(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, FileName)
	// Schema 4, as Orderbrug before this migration left it: a fresh file
	// with every migration before 0005 applied as Open applies them.
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
	for v, name := range []string{"0001_initial.sql", "0002_shops.sql", "0003_orders.sql", "0004_intake.sql"} {
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
	if _, err := db.Exec(`INSERT INTO shops(id, name, source, base_url, created_at, slug) VALUES (7, 'w', 'woocommerce', 'https://w.example', 1, 'w')`); err != nil {
		t.Fatal(err)
	}
	for i, st := range []string{"parked", "queued", "booked", "failed", "ignored"} {
		var raw any = []byte(fmt.Sprintf(`{"raw":%d}`, i))
		if i == 2 {
			raw = nil
		}
		if _, err := db.Exec(`INSERT INTO orders VALUES (7,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			fmt.Sprint(100+i), fmt.Sprint(i), "status-"+st, 1000+i, 2000+i, "Klant "+st, 1234*i, "EUR", st,
			"reason-"+st, "arg", "detail "+st, []byte(`{"id":"`+fmt.Sprint(100+i)+`"}`), raw, 3000+i, 4000+i, 5000+i,
			"INV-"+st, 6000+i, "ref-"+st, i%2, "note "+st, "0.9", []byte(`{"booked":true}`)); err != nil {
			t.Fatalf("insert %s: %v", st, err)
		}
	}
	if _, err := db.Exec(`INSERT INTO outbox(key, shop_id, ext_id, kind, state, next_at, created_at) VALUES ('k', 7, '102', 'invoice', 'done', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	const (
		qRows    = `SELECT * FROM orders ORDER BY shop_id, ext_id`
		qCols    = `SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info('orders') ORDER BY cid`
		qIndexes = `SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='orders' AND sql IS NOT NULL ORDER BY name`
	)
	rows, cols, idx := dumpRows(t, db, qRows), dumpRows(t, db, qCols), dumpRows(t, db, qIndexes)
	if len(rows) != 5 || len(cols) != 25 || len(idx) != 3 {
		t.Fatalf("before: %d rows, %d columns, %d indexes", len(rows), len(cols), len(idx))
	}
	if _, err := db.Exec(`INSERT INTO orders(shop_id, ext_id, number, status, created, modified, total, state, snapshot,
		first_seen, last_checked, state_at) VALUES (7,'x','x','cancelled',0,0,0,'unbookable',X'7B7D',0,0,0)`); err == nil ||
		!strings.Contains(err.Error(), "CHECK") {
		t.Fatalf("schema 4 and state unbookable: %v, want the CHECK constraint's refusal", err)
	}
	db.Close()

	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(ctx); v < 5 {
		t.Fatalf("schema %d after migrating", v)
	}
	if got := dumpRows(t, s.db, qRows); !reflect.DeepEqual(got, rows) {
		t.Errorf("rows changed:\n got %v\nwant %v", got, rows)
	}
	if got := dumpRows(t, s.db, qCols); !reflect.DeepEqual(got, cols) {
		t.Errorf("columns changed:\n got %v\nwant %v", got, cols)
	}
	// Migrations after 0005 may add indexes of their own (0007:
	// orders_waits, 0009: orders_uncounted); 0005 keeps every index there was.
	var got [][]any
	for _, r := range dumpRows(t, s.db, qIndexes) {
		if r[0] != any("orders_waits") && r[0] != any("orders_uncounted") {
			got = append(got, r)
		}
	}
	if !reflect.DeepEqual(got, idx) {
		t.Errorf("indexes changed:\n got %v\nwant %v", got, idx)
	}
	var tableSQL string
	if err := s.db.QueryRow(`SELECT sql FROM sqlite_master WHERE name='orders'`).Scan(&tableSQL); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tableSQL, "STRICT") || !strings.Contains(tableSQL, "WITHOUT ROWID") || strings.Contains(tableSQL, "orders_new") {
		t.Errorf("table: %s", tableSQL)
	}
	if _, err := s.db.Exec(`INSERT INTO orders(shop_id, ext_id, number, status, created, modified, total, state, snapshot,
		first_seen, last_checked, state_at) VALUES (7,'x','x','cancelled',0,0,0,'unbookable',X'7B7D',0,0,0)`); err != nil {
		t.Fatalf("unbookable refused after migrating: %v", err)
	}
	if _, err := s.db.Exec(`INSERT INTO orders(shop_id, ext_id, number, status, created, modified, total, state, snapshot,
		first_seen, last_checked, state_at) VALUES (7,'y','y','x',0,0,0,'bogus',X'7B7D',0,0,0)`); err == nil ||
		!strings.Contains(err.Error(), "CHECK") {
		t.Fatalf("an unknown state: %v, want the CHECK constraint's refusal", err)
	}
	// The foreign key still holds and nothing dangles.
	if _, err := s.db.Exec(`INSERT INTO orders(shop_id, ext_id, number, status, created, modified, total, state, snapshot,
		first_seen, last_checked, state_at) VALUES (99,'z','z','x',0,0,0,'parked',X'7B7D',0,0,0)`); err == nil {
		t.Fatal("an order of no shop was taken")
	}
	if fk := dumpRows(t, s.db, `PRAGMA foreign_key_check`); len(fk) != 0 {
		t.Fatalf("foreign key check: %v", fk)
	}
	var ok string
	if err := s.db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity: %s %v", ok, err)
	}
	// Removing the shop still removes its orders (ON DELETE CASCADE kept).
	if _, err := s.db.Exec(`DELETE FROM outbox; DELETE FROM shops WHERE id=7`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM orders`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d orders left after removing their shop (%v)", n, err)
	}
}
