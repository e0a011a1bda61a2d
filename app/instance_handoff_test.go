package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/store"
)

const envServeChild = "ORDERBRUG_SERVE_CHILD_DIR"

// TestServeChild is the child process of TestBookingCommandsRunInServe: it
// runs `orderbrug serve` on the directory the parent gives, until SIGTERM.
func TestServeChild(t *testing.T) {
	dir := os.Getenv(envServeChild)
	if dir == "" {
		t.Skip("runs only as the child process of TestBookingCommandsRunInServe")
	}
	cli := &app.CLI{Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(cli.Run(context.Background(), []string{"--data-dir", dir, "serve", "--listen", "127.0.0.1:0"}))
}

// countingClient counts the requests a process's own engine makes.
type countingTransport struct{ n *atomic.Int64 }

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestBookingCommandsRunInServe: `orderbrug serve` runs in another process
// (as the window would); `sync --json`, `recheck` and `order book` started
// next to it do not open an engine of their own: they hand their command
// line to serve, which polls and books, and print what it printed, with
// its exit code. The commands' own HTTP client makes no request.
func TestBookingCommandsRunInServe(t *testing.T) {
	w := newWorld(t)
	w.emu.AddDutch(20, 5)
	w.svc.Close() // the test's service is not the running one
	dir := filepath.Join(w.dir, "data")

	child := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.v")
	child.Env = append(os.Environ(), envServeChild+"="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var childErr bytes.Buffer
	child.Stderr = &childErr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if runtime.GOOS == "windows" {
			child.Process.Kill() // Windows cannot send os.Interrupt to a process
		} else {
			child.Process.Signal(os.Interrupt)
		}
		child.Wait()
		if t.Failed() {
			t.Logf("serve's stderr:\n%s", childErr.String())
		}
	}()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "orderbrug: serving") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}

	var own atomic.Int64
	run := func(args ...string) (int, string, string) {
		t.Helper()
		var o, e bytes.Buffer
		c := &app.CLI{Stdout: &o, Stderr: &e, Options: app.Options{HTTPClient: &http.Client{Transport: countingTransport{&own}}}}
		code := c.Run(context.Background(), append([]string{"--data-dir", dir}, args...))
		return code, o.String(), e.String()
	}

	// New orders in the shop: the sync that serve runs for the command
	// sees them.
	placed := w.emu.PlaceDutch(4, 99)
	code, stdout, stderr := run("sync", "--json")
	if code != 0 && code != 3 {
		t.Fatalf("sync: exit %d\n%s%s", code, stdout, stderr)
	}
	var res app.SyncResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("sync --json printed %q: %v", stdout, err)
	}
	if len(res.Polls) != 1 || res.Polls[0].Seen < len(placed) {
		t.Fatalf("sync result %+v, want the %d new orders seen", res, len(placed))
	}

	// A parked order booked anyway: serve books it; the file is there.
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	parked, err := st.Records(context.Background(), store.Filter{States: []store.State{store.Parked}})
	st.Close()
	if err != nil || len(parked) == 0 {
		t.Fatalf("no parked order to book (%v)", err)
	}
	number := parked[0].Number
	code, stdout, stderr = run("order", "book", w.shop, number)
	if code != 0 || !strings.Contains(stdout, "order "+number+" of "+w.shop+": booked") {
		t.Fatalf("order book: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := ublCount(t, w.ubl, w.slug(), number); n != 1 {
		t.Fatalf("%d invoice files for order %s, want 1", n, number)
	}

	code, stdout, stderr = run("recheck")
	if code != 0 && code != 3 || !strings.Contains(stdout, w.shop+": ") {
		t.Fatalf("recheck: exit %d\n%s%s", code, stdout, stderr)
	}
	// A backup while serve runs and writes (a sync it runs for another
	// command): the copy opens as Orderbrug's database, whole.
	emu := w.emu
	emu.PlaceDutch(30, 123)
	syncDone := make(chan int, 1)
	go func() {
		code, _, _ := run("sync")
		syncDone <- code
	}()
	copyFile := filepath.Join(t.TempDir(), "copy", store.FileName)
	if err := os.MkdirAll(filepath.Dir(copyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run("backup", copyFile)
	if code != 0 || !strings.Contains(stdout, "backup written to "+copyFile) {
		t.Fatalf("backup: exit %d\n%s%s", code, stdout, stderr)
	}
	if c := <-syncDone; c != 0 && c != 3 {
		t.Fatalf("the sync beside the backup: exit %d", c)
	}
	cp, err := store.Open(context.Background(), filepath.Dir(copyFile))
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	var integrity string
	if err := cp.DB().QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("backup integrity %q %v", integrity, err)
	}
	if recs, err := cp.Records(context.Background(), store.Filter{}); err != nil || len(recs) < 24 {
		t.Fatalf("backup has %d orders (%v), want at least the 24 synced before it", len(recs), err)
	}
	cp.Close()

	// serve's errors and exit codes come back as they are.
	code, _, stderr = run("order", "book", w.shop, "no-such-order")
	if code != 1 || !strings.Contains(stderr, "orderbrug order:") {
		t.Fatalf("order book of no order: exit %d, stderr %q", code, stderr)
	}
	if n := own.Load(); n != 0 {
		t.Fatalf("the commands made %d requests of their own: they polled or booked beside serve", n)
	}
}

// TestBookingCommandClaimsTheInstance: with nothing running, a sync claims
// the data directory for its duration: a window started meanwhile finds it
// taken, and a second booking command is run by the first process; after
// it the directory is free again.
func TestBookingCommandClaimsTheInstance(t *testing.T) {
	w := newWorld(t)
	w.emu.AddDutch(10, 6)
	w.svc.Close()
	dir := filepath.Join(w.dir, "data")
	entered := make(chan struct{})
	release := make(chan struct{})
	var once atomic.Bool
	w.emu.OnRequest(func(n int64, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/orders") && once.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	})
	type result struct {
		code        int
		out, errOut string
	}
	first := make(chan result, 1)
	go func() {
		code, out, errOut := cli(t, dir, "sync")
		first <- result{code, out, errOut}
	}()
	select {
	case <-entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the sync never reached the shop")
	}
	// The sync holds the directory: nothing else claims it beside it, and a
	// window started now waits for the command to end.
	if in, err := app.ClaimForCommand(dir); !errors.Is(err, app.ErrAlreadyRunning) {
		if in != nil {
			in.Close()
		}
		t.Fatalf("claim during the sync: %v, want ErrAlreadyRunning", err)
	}
	window := make(chan *app.Instance, 1)
	go func() {
		in, err := app.ClaimInstance(dir)
		if err != nil {
			t.Errorf("the window after the commands: %v", err)
		}
		window <- in
	}()
	// A second command is run by the first process, after its poll.
	second := make(chan result, 1)
	go func() {
		code, out, errOut := cli(t, dir, "recheck")
		second <- result{code, out, errOut}
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case <-window:
		t.Fatal("a window started beside the sync")
	default:
	}
	close(release)
	for name, ch := range map[string]chan result{"sync": first, "recheck": second} {
		select {
		case r := <-ch:
			if r.code != 0 && r.code != 3 {
				t.Fatalf("%s: exit %d\n%s%s", name, r.code, r.out, r.errOut)
			}
			if !strings.Contains(r.out, w.shop+": ") {
				t.Fatalf("%s printed %q", name, r.out)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not end", name)
		}
	}
	select {
	case in := <-window:
		if in != nil {
			in.Close()
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the window did not start after the commands ended")
	}
}
