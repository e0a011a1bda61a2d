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

// TestRenameRetrying: a rename that fails for a moment (on Windows: the
// target open in another process) is tried again until it succeeds; one
// that keeps failing returns its error once the time is up.
func TestRenameRetrying(t *testing.T) {
	busy := errors.New("sharing violation")
	tries := 0
	flaky := func(string, string) error {
		if tries++; tries < 4 {
			return busy
		}
		return nil
	}
	if err := renameRetrying("a", "b", time.Second, flaky); err != nil || tries != 4 {
		t.Errorf("a rename that fails three times: %v after %d tries, want success after 4", err, tries)
	}
	start := time.Now()
	tries = 0
	never := func(string, string) error { tries++; return busy }
	if err := renameRetrying("a", "b", 100*time.Millisecond, never); !errors.Is(err, busy) {
		t.Errorf("a rename that keeps failing: %v", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > time.Second || tries < 2 {
		t.Errorf("a rename that keeps failing: gave up after %v and %d tries, want about 100 ms", d, tries)
	}
}

// TestWriteFileAtomicOverAnOpenFile: instance.addr is replaced while
// another process (here: this one) has it open for reading, as a second
// start does; on Windows the rename waits for the reader to close it.
func TestWriteFileAtomicOverAnOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), instanceAddr)
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	direct := os.WriteFile(path+".probe", []byte("x"), 0o600)
	if direct == nil {
		direct = os.Rename(path+".probe", path)
	}
	t.Logf("a plain rename over the open file: %v", direct)
	go func() {
		time.Sleep(150 * time.Millisecond)
		f.Close()
	}()
	if err := writeFileAtomic(path, []byte("new\n")); err != nil {
		t.Fatalf("writeFileAtomic over a file open for 150 ms: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "new\n" {
		t.Errorf("content %q (%v), want new", b, err)
	}
	if runtime.GOOS == "windows" && direct == nil {
		t.Log("this Windows (Wine?) lets a file open for reading be renamed over: the retry was not needed")
	}
}
