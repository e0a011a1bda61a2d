package app

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const envLockChild = "ORDERBRUG_LOCK_CHILD_DIR"

// TestInstanceLockChild is the child process of
// TestInstanceLockEndsWithItsProcess: it claims the directory, says so and
// waits to be killed.
func TestInstanceLockChild(t *testing.T) {
	dir := os.Getenv(envLockChild)
	if dir == "" {
		t.Skip("runs only as the child process of TestInstanceLockEndsWithItsProcess")
	}
	if _, err := ClaimInstance(dir); err != nil {
		fmt.Println("claim:", err)
		os.Exit(1)
	}
	fmt.Println("claimed")
	time.Sleep(2 * time.Minute) // killed long before
	os.Exit(3)
}

// TestInstanceLockEndsWithItsProcess: the claim of an Orderbrug in another
// process holds the lock on instance.lock (flock on Unix, LockFileEx on
// Windows), so nothing else claims the directory beside it; when that
// process is killed (it never closes its claim, as in a crash), the system
// lets go of the lock and the directory can be claimed again.
func TestInstanceLockEndsWithItsProcess(t *testing.T) {
	if !lockingSupported {
		t.Skip("no file lock on this platform: a running instance is one that answers")
	}
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^TestInstanceLockChild$", "-test.count=1")
	child.Env = append(os.Environ(), envLockChild+"="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			child.Process.Kill()
			child.Wait()
		}
	}()
	said := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); l == "claimed" || strings.HasPrefix(l, "claim:") {
				said <- l
			}
		}
		close(said)
	}()
	select {
	case l := <-said:
		if l != "claimed" {
			t.Fatalf("the other process: %q", l)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the other process did not claim the directory")
	}

	f, err := os.OpenFile(filepath.Join(dir, instanceLock), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if ok, err := tryLock(f); ok || err != nil {
		t.Fatalf("lock beside the other process: got it %v, error %v; want it held there", ok, err)
	}
	if in, err := ClaimForCommand(dir); !errors.Is(err, ErrAlreadyRunning) {
		if in != nil {
			in.Close()
		}
		t.Fatalf("claim beside the other process: %v, want ErrAlreadyRunning", err)
	}

	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	killed = true
	// Windows lets go of a dead process's locks "when resources allow":
	// give it a little time.
	start := time.Now()
	for {
		ok, err := tryLock(f)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("the lock is still held 5 s after its process was killed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("lock free %v after the kill", time.Since(start).Round(time.Millisecond))
	f.Close()
	in, err := ClaimInstance(dir)
	if err != nil {
		t.Fatalf("claim after the other process died: %v", err)
	}
	in.Close()
}
