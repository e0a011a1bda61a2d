package app

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
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
	if fi, err := os.Stat(filepath.Join(dir, instanceAddr)); err != nil {
		t.Errorf("instance.addr: %v", err)
	} else if runtime.GOOS == "windows" {
		t.Log("instance.addr mode not checked: Windows has no Unix modes (0600 is ignored)")
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("instance.addr: mode %v, want 0600", fi.Mode())
	}
}

// TestWindowWaitsForACommand: a command holds the directory only while it
// runs; a window started meanwhile waits for it and then starts, instead of
// asking it to show a window it does not have. A command started next to a
// command is told at once (it hands its work over).
func TestWindowWaitsForACommand(t *testing.T) {
	dir := t.TempDir()
	cmd, err := ClaimForCommand(dir)
	if err != nil {
		t.Fatal(err)
	}
	if other, err := ClaimForCommand(dir); !errors.Is(err, ErrAlreadyRunning) {
		if other != nil {
			other.Close()
		}
		t.Fatalf("a second command's claim: %v, want ErrAlreadyRunning", err)
	}
	got := make(chan error, 1)
	var win *Instance
	go func() {
		var err error
		win, err = ClaimInstance(dir)
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("the window did not wait for the command: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	cmd.Close()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("the window after the command: %v", err)
		}
		win.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the window did not start after the command ended")
	}
}
