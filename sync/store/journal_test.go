package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/store"
)

// TestJournal: an online ledger's journal is kept per namespace (one
// administration does not see another's), a Put replaces, and it is on
// disk: a reopened database has it.
func TestJournal(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	a, b := st.Journal("moneybird/1"), st.Journal("moneybird/2")
	if _, ok, err := a.Get(ctx, "inv/k"); ok || err != nil {
		t.Fatalf("empty journal: ok %v err %v", ok, err)
	}
	if err := a.Put(ctx, "inv/k", ledger.Entry{State: ledger.StateSending}); err != nil {
		t.Fatal(err)
	}
	if err := a.Put(ctx, "inv/k", ledger.Entry{State: ledger.StateCreated, Ref: "4711", Data: `{"vat":"0.01"}`}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.Get(ctx, "inv/k"); ok {
		t.Fatal("another administration's journal sees the entry")
	}
	st.Close()
	st, err = store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, ok, err := st.Journal("moneybird/1").Get(ctx, "inv/k")
	if err != nil || !ok || e != (ledger.Entry{State: ledger.StateCreated, Ref: "4711", Data: `{"vat":"0.01"}`}) {
		t.Fatalf("after reopen: %+v %v %v", e, ok, err)
	}
}
