package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// The crash test runs `orderbrug serve` as a child process: the test binary
// itself, re-executed to run only TestCrashChild, which calls the CLI in
// process. No GUI build is needed.
const (
	envCrashDir    = "ORDERBRUG_CRASH_CHILD_DIR"
	envCrashListen = "ORDERBRUG_CRASH_CHILD_LISTEN"
	// envCrashKills sets how many times the child is killed (default 20).
	envCrashKills = "ORDERBRUG_CRASH_KILLS"
)

// TestCrashChild is the child of TestKill9LosesNothing, not a test of its
// own: without the environment the parent sets it has nothing to do. It
// serves until it is killed (SIGKILL) or stopped (SIGTERM) and then exits
// with the CLI's code, never returning to the test framework.
func TestCrashChild(t *testing.T) {
	dir, listen := os.Getenv(envCrashDir), os.Getenv(envCrashListen)
	if dir == "" || listen == "" {
		t.Skip("runs only as the child process of TestKill9LosesNothing")
	}
	cli := &app.CLI{Stdout: os.Stdout, Stderr: os.Stderr,
		Options: app.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}}
	os.Exit(cli.Run(context.Background(), []string{"--data-dir", dir, "serve", "--listen", listen}))
}

// crashOrder is one order the shop sends, with its signed body.
type crashOrder struct {
	id, number string
	body       []byte
	sig        string
}

// TestKill9LosesNothing: WooCommerce-like senders stream signed deliveries
// (every order as order.created and order.updated, as WooCommerce fires
// both, and again when an answer was lost) at `orderbrug serve` while the
// process is killed with SIGKILL at random moments and restarted, at least
// 20 times. After a last clean run has drained the inbox and the outbox,
// every order that was answered 2xx is booked exactly once: one UBL invoice
// per order number, one done invoice in the outbox, nothing failed.
func TestKill9LosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: about 20 s")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL's wait status and a SIGTERM stop: Windows has neither (os.Process.Signal only kills there)")
	}
	kills := 20
	if v := os.Getenv(envCrashKills); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", envCrashKills, v)
		}
		kills = n
	}
	ctx := context.Background()
	base := t.TempDir()
	dataDir, ublDir := filepath.Join(base, "data"), filepath.Join(base, "facturen")

	// The shop's API, for the start-up catch-up poll of every run. It has
	// no orders: whatever gets booked came through the webhook inbox, so a
	// delivery lost after its 2xx cannot be hidden by a poll.
	emu := wcemu.New(testKey, testSecret)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	emu.SetURL(srv.URL)

	// The data directory as a shop owner leaves it after set-up.
	const shop = "Koffiebar"
	svc, err := app.Open(ctx, app.Options{DataDir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: shop, URL: srv.URL, Key: testKey, Secret: testSecret,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSeller(ctx, testSeller()); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, ublDir); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetWebhook(ctx, shop, true); err != nil {
		t.Fatal(err)
	}
	sh, err := svc.Store().ShopByName(ctx, shop)
	if err != nil {
		t.Fatal(err)
	}
	secret := sh.Webhook.Secret
	svc.Close()

	// The orders, as another shop would send them: new, with forwarded
	// statuses, signed with the webhook's secret.
	gen := wcemu.New(testKey, testSecret)
	ids := gen.PlaceDutch(3000, 20261123)
	orders := make([]crashOrder, len(ids))
	for i, id := range ids {
		gen.SetStatus(id, []string{"processing", "completed"}[i%2])
		o, _ := gen.Order(id)
		body, _ := gen.OrderJSON(id)
		orders[i] = crashOrder{id: strconv.FormatInt(id, 10), number: o.Number, body: body, sig: wcemu.Sign(body, secret)}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	url := "http://" + addr + "/hooks/woocommerce/" + sh.Slug
	logPath := filepath.Join(base, "child.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	start := func() *exec.Cmd {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envCrashDir+"="+dataDir, envCrashListen+"="+addr)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
			if err == nil {
				c.Close()
				return cmd
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the child does not listen on %s; its log:\n%s", addr, tail(logPath))
			}
			time.Sleep(2 * time.Millisecond)
		}
	}

	// Senders: each takes the next order and delivers it as order.created
	// and order.updated, each until it is answered 2xx (a refused
	// connection while the child is down, a reset when it is killed).
	var (
		sent, acked, failed atomic.Int64
		next                atomic.Int64
		stop                atomic.Bool
		mu                  gosync.Mutex
		ackedOrders         = map[string]int{}
		wg                  gosync.WaitGroup
	)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	deliver := func(o crashOrder, topic string) {
		for {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(o.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-WC-Webhook-Topic", topic)
			req.Header.Set("X-WC-Webhook-Resource", "order")
			req.Header.Set("X-WC-Webhook-ID", "1")
			req.Header.Set("X-WC-Webhook-Signature", o.sig)
			sent.Add(1)
			resp, err := client.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 200 && resp.StatusCode < 300 {
					acked.Add(1)
					mu.Lock()
					ackedOrders[o.id]++
					mu.Unlock()
					return
				}
			}
			failed.Add(1)
			time.Sleep(5 * time.Millisecond)
		}
	}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				i := next.Add(1) - 1
				if i >= int64(len(orders)) {
					return
				}
				deliver(orders[i], "order.created")
				deliver(orders[i], "order.updated")
				time.Sleep(2 * time.Millisecond) // a busy shop, not a flood
			}
		}()
	}

	began := time.Now()
	rng := rand.New(rand.NewPCG(uint64(began.UnixNano()), 9))
	for k := 0; k < kills; k++ {
		cmd := start()
		time.Sleep(time.Duration(20+rng.IntN(300)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("kill %d: the child did not die of SIGKILL (%v); its log:\n%s", k+1, err, tail(logPath))
		}
	}
	// The last run is clean: the senders finish the orders they hold, the
	// inbox and the outbox drain, and SIGTERM stops the child gracefully.
	stop.Store(true)
	cmd := start()
	wg.Wait()
	probe, err := store.Open(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(40 * time.Second)
	for !drained(t, probe) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the inbox and outbox did not drain; the child's log:\n%s", tail(logPath))
		}
		time.Sleep(20 * time.Millisecond)
	}
	probe.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the clean run ended with %v; its log:\n%s", err, tail(logPath))
	}

	// Every order answered 2xx is booked exactly once.
	st, err := store.Open(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sh, err = st.ShopByName(ctx, shop)
	if err != nil {
		t.Fatal(err)
	}
	files := ubltest.XMLFiles(t, ublDir)
	perNumber := map[string]int{}
	ref := regexp.MustCompile(`<cac:OrderReference>\s*<cbc:ID>([^<]+)</cbc:ID>`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := ref.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s has no OrderReference", f)
		}
		perNumber[string(m[1])]++
	}
	booked, duplicates := 0, 0
	for _, o := range orders {
		n := perNumber[o.number]
		if n > 1 {
			duplicates += n - 1
			t.Errorf("order %s has %d UBL invoices", o.number, n)
		}
		if ackedOrders[o.id] == 0 {
			if n > 0 {
				// Stored, but its answer was lost in a kill: fine, once.
				booked++
			}
			continue
		}
		if n != 1 {
			t.Errorf("order %s was answered 2xx %d times and has %d UBL invoices", o.id, ackedOrders[o.id], n)
			continue
		}
		bs, err := st.Bookings(ctx, sh.ID, o.id)
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != 1 || bs[0].Kind != order.KindInvoice || bs[0].State != "done" {
			t.Errorf("order %s outbox: %+v, want one done invoice", o.id, bs)
			continue
		}
		booked++
	}
	var pending, failedBookings, errored int
	if err := st.DB().QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM outbox WHERE state='pending'),
		(SELECT COUNT(*) FROM outbox WHERE state='failed'),
		(SELECT COUNT(*) FROM inbox WHERE processed_at = 0 OR result LIKE 'error%')`).Scan(&pending, &failedBookings, &errored); err != nil {
		t.Fatal(err)
	}
	if pending != 0 || failedBookings != 0 || errored != 0 {
		t.Errorf("outbox: %d pending, %d failed; inbox: %d unprocessed or unusable", pending, failedBookings, errored)
	}
	if len(files) != booked {
		t.Errorf("%d UBL files for %d booked orders", len(files), booked)
	}
	t.Logf("kills=%d orders sent=%d deliveries sent=%d 2xx=%d not answered=%d acked orders=%d booked=%d UBL files=%d duplicates=%d wall=%s",
		kills, min(next.Load(), int64(len(orders))), sent.Load(), acked.Load(), failed.Load(), len(ackedOrders), booked, len(files), duplicates,
		time.Since(began).Round(time.Millisecond))
	if len(ackedOrders) < kills {
		t.Errorf("only %d orders acknowledged over %d runs: the test did not exercise the crash path", len(ackedOrders), kills)
	}
	// A sample of the files is valid Peppol UBL (the kit runs a JVM).
	ubltest.Validate(t, files[:min(len(files), 20)]...)
}

// tail returns the end of a log file, for failure messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
