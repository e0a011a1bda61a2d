package app

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSecondStartShowsTheFirstAndExits(t *testing.T) {
	dir := t.TempDir()
	first, err := ClaimInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	shown := make(chan struct{}, 1)
	first.OnShow(func() { shown <- struct{}{} })

	second, err := ClaimInstance(dir)
	if !errors.Is(err, ErrAlreadyRunning) || second != nil {
		t.Fatalf("second claim: %v, %v", second, err)
	}
	select {
	case <-shown:
	case <-time.After(3 * time.Second):
		t.Fatal("the first instance was not asked to show its window")
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// Once the first has gone, a new start claims the directory.
	third, err := ClaimInstance(dir)
	if err != nil {
		t.Fatalf("claim after close: %v", err)
	}
	third.Close()
}

func TestInstanceIgnoresAWrongToken(t *testing.T) {
	dir := t.TempDir()
	in, err := ClaimInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	called := make(chan struct{}, 1)
	in.OnShow(func() { called <- struct{}{} })
	b, err := os.ReadFile(filepath.Join(dir, instanceAddr))
	if err != nil {
		t.Fatal(err)
	}
	forged := filepath.Join(t.TempDir(), "forged")
	addr := string(b[:len(b)-1])
	for i := len(addr) - 1; i >= 0; i-- { // keep the address, change the token
		if addr[i] == ' ' {
			addr = addr[:i] + " 00"
			break
		}
	}
	if err := os.WriteFile(forged, []byte(addr+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := signalShow(forged); err == nil {
		t.Fatal("a wrong token was answered")
	}
	select {
	case <-called:
		t.Fatal("a wrong token showed the window")
	case <-time.After(100 * time.Millisecond):
	}
	if fi, err := os.Stat(filepath.Join(dir, instanceAddr)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("instance.addr: %v %v", fi.Mode(), err)
	}
}
