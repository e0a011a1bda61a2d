package app

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird/mbemu"
)

// The online ledger is kept as the folder's is (its client keeps the rate
// limit it has seen), and made again when a setting it is made of changes:
// the copy, its folder, the token. A mapping change needs no new one (the
// ledger reads the mapping per booking).
func TestOnlineLedgerKeptUntilItsSettingsChange(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(base, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	mb := mbemu.New("42", "tok-1")
	srv := httptest.NewServer(mb)
	defer srv.Close()
	mb.SetURL(srv.URL)
	if _, err := svc.ConnectLedger(ctx, LedgerConnect{Kind: "moneybird", Token: "tok-1", APIURL: srv.URL + "/api/v2"}); err != nil {
		t.Fatal(err)
	}
	first, err := svc.ledger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := first.(ledger.Reporter); !ok {
		t.Fatalf("the online ledger %T is no Reporter: its warnings would be lost", first)
	}
	if again, _ := svc.ledger(ctx); again != first {
		t.Error("the online ledger was made again without a change")
	}
	if err := svc.SetVATCase(ctx, ledger.CaseExport, ledger.Target{Account: mb.LedgerAccountID("8100")}); err != nil {
		t.Fatal(err)
	}
	if again, _ := svc.ledger(ctx); again != first {
		t.Error("a mapping change made the ledger again")
	}
	if err := svc.SetUBLDir(ctx, filepath.Join(base, "kopie")); err != nil {
		t.Fatal(err)
	}
	withCopy, _ := svc.ledger(ctx)
	if withCopy == first {
		t.Error("the copy's folder did not make the ledger again")
	}
	if err := svc.SetUBLCopy(ctx, false); err != nil {
		t.Fatal(err)
	}
	if l, _ := svc.ledger(ctx); l == withCopy {
		t.Error("the copy off did not make the ledger again")
	}
	// Without a token (removed by hand): no ledger, the bookings wait for one.
	if err := svc.store.SetSetting(ctx, keyLedgerToken+"moneybird", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ledger(ctx); !errors.Is(err, engine.ErrNoLedger) {
		t.Errorf("no token: %v, want ErrNoLedger", err)
	}
}
