package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	gosync "sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// BenchmarkServeIntake is intake as it really runs: `orderbrug serve` (its
// engine, scheduler, outbox and UBL ledger all running) in a child process,
// and this process as the shop, sending real-sized signed WooCommerce
// order bodies (wcemu's Dutch orders, about 2.3–2.8 kB) over keep-alive
// connections at a steady rate in all (default 1,000/s from 10
// connections, staggered). b.N is the number of deliveries: run it with
// -benchtime=10000x (10 s at 1,000/s).
//
// Cases:
//   - orders: every delivery a different new order with a forwarded
//     status, so the engine applies and books each one (a UBL invoice);
//   - repeats: one unchanged order over and over, as a resending shop does
//     (the 40,000-repeat case).
//
// Figures: deliveries/s (sent and answered 200), p50-ms / p99-ms / max-ms
// (the time from the request to the end of its answer, as the sender sees
// it), db-kB (growth of the database with its WAL, after serve drained
// and stopped), running-db+wal-kB (the same growth while serve still runs,
// its WAL included), B/delivery (the stopped growth per delivery), body-B
// (mean body size), booked (UBL invoices on disk at the end: all orders),
// disk-fsync-p50-ms / -p99-ms (an 8 KiB write + fsync beside it every 5 ms
// in the same directory: the floor under any durable answer's latency).
func BenchmarkServeIntake(b *testing.B) {
	rate, conns := 1000, 10
	if v, _ := strconv.Atoi(os.Getenv("ORDERBRUG_BENCH_RATE")); v > 0 {
		rate = v
	}
	if v, _ := strconv.Atoi(os.Getenv("ORDERBRUG_BENCH_CONNS")); v > 0 {
		conns = v
	}
	for _, kind := range []string{"orders", "repeats"} {
		b.Run(fmt.Sprintf("%s/rate=%d/conns=%d", kind, rate, conns), func(b *testing.B) {
			benchServe(b, kind == "repeats", rate, conns)
		})
	}
}

type signedOrder struct {
	number string
	body   []byte
	sig    string
}

func benchServe(b *testing.B, repeats bool, rate, conns int) {
	ctx := context.Background()
	base := b.TempDir()
	dataDir, ublDir := filepath.Join(base, "data"), filepath.Join(base, "facturen")
	emu := wcemu.New(testKey, testSecret)
	srv := newEmuServer(b, emu)
	svc, err := app.Open(ctx, app.Options{DataDir: dataDir, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	const shop = "Koffiebar"
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: shop, URL: srv, Key: testKey, Secret: testSecret,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	if err := svc.SetSeller(ctx, testSeller()); err != nil {
		b.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, ublDir); err != nil {
		b.Fatal(err)
	}
	if err := svc.SetWebhook(ctx, shop, true); err != nil {
		b.Fatal(err)
	}
	sh, err := svc.Store().ShopByName(ctx, shop)
	if err != nil {
		b.Fatal(err)
	}
	secret, slug := sh.Webhook.Secret, sh.Slug
	svc.Close()

	// The orders come from another shop: the served one stays empty, so
	// whatever is booked came in through the webhook.
	gen := wcemu.New(testKey, testSecret)
	n := b.N
	if repeats {
		n = 1
	}
	// Real-sized: orders of 2.0–2.6 kB as JSON, as the 2.3 kB
	// order (wcemu's Dutch orders run from about 2 to 4 kB).
	orders := make([]signedOrder, 0, n)
	bodyBytes := 0
	for seed := uint64(20261201); len(orders) < n; seed++ {
		for _, id := range gen.PlaceDutch(max(64, n-len(orders)), seed) {
			gen.SetStatus(id, "processing")
			body, _ := gen.OrderJSON(id)
			if len(body) < 2000 || len(body) > 2600 || len(orders) == n {
				continue
			}
			o, _ := gen.Order(id)
			orders = append(orders, signedOrder{number: o.Number, body: body, sig: wcemu.Sign(body, secret)})
			bodyBytes += len(body)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logPath := filepath.Join(base, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.bench=^$")
	cmd.Env = append(os.Environ(), envCrashDir+"="+dataDir, envCrashListen+"="+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("serve does not listen on %s; its log:\n%s", addr, tail(logPath))
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Let the start-up catch-up poll finish before measuring.
	time.Sleep(300 * time.Millisecond)
	dbSize := func() int64 {
		var total int64
		for _, suffix := range []string{"", "-wal"} {
			if st, err := os.Stat(filepath.Join(dataDir, store.FileName+suffix)); err == nil {
				total += st.Size()
			}
		}
		return total
	}
	before := dbSize()

	url := "http://" + addr + "/hooks/woocommerce/" + slug
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	var (
		mu   gosync.Mutex
		lat  = make([]time.Duration, 0, b.N)
		next atomic.Int64
		wg   gosync.WaitGroup
	)
	period := time.Duration(conns) * time.Second / time.Duration(rate)
	// The disk's own fsync latency meanwhile, in the same directory: a
	// commit waits for at least one fsync, so no p99 can be below the
	// disk's.
	probeDone := make(chan []time.Duration, 1)
	probeStop := make(chan struct{})
	go func() { probeDone <- fsyncProbe(base, probeStop) }()
	b.ResetTimer()
	start := time.Now()
	for g := 0; g < conns; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, b.N/conns+1)
			time.Sleep(period * time.Duration(g) / time.Duration(conns))
			tick := time.NewTicker(period)
			defer tick.Stop()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					break
				}
				<-tick.C
				o := orders[int(i)%len(orders)]
				topic := "order.created"
				if repeats && i%2 == 1 {
					topic = "order.updated"
				}
				d, err := postDelivery(client, url, topic, "1", o.sig, o.body, "User-Agent", "WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)",
					"X-WC-Webhook-Resource", "order")
				if err != nil {
					b.Error(err)
					return
				}
				local = append(local, d)
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(probeStop)
	fsyncs := <-probeDone

	// Wait for serve to process and book everything, then stop it
	// (SIGTERM: a clean stop checkpoints nothing by itself; the WAL counts).
	wantFiles := len(orders)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if files, _ := filepath.Glob(filepath.Join(ublDir, "*.xml")); len(files) >= wantFiles {
			break
		}
		if time.Now().After(deadline) {
			files, _ := filepath.Glob(filepath.Join(ublDir, "*.xml"))
			b.Fatalf("%d of %d invoices after 60 s; serve's log:\n%s", len(files), wantFiles, tail(logPath))
		}
		time.Sleep(20 * time.Millisecond)
	}
	running := dbSize() - before
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	growth := dbSize() - before
	files, _ := filepath.Glob(filepath.Join(ublDir, "*.xml"))

	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[min(len(lat)-1, len(lat)*99/100)]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(float64(growth)/1000, "db-kB")
	b.ReportMetric(float64(running)/1000, "running-db+wal-kB")
	b.ReportMetric(float64(growth)/float64(len(lat)), "B/delivery")
	b.ReportMetric(float64(bodyBytes)/float64(len(orders)), "body-B")
	b.ReportMetric(float64(len(files)), "booked")
	if len(fsyncs) > 0 {
		slices.Sort(fsyncs)
		b.ReportMetric(ms(fsyncs[len(fsyncs)/2]), "disk-fsync-p50-ms")
		b.ReportMetric(ms(fsyncs[min(len(fsyncs)-1, len(fsyncs)*99/100)]), "disk-fsync-p99-ms")
	}
}

// fsyncProbe writes 8 KiB and fsyncs it every 5 ms in dir until stop, and
// returns how long each took.
func fsyncProbe(dir string, stop <-chan struct{}) []time.Duration {
	f, err := os.CreateTemp(dir, "fsync-probe")
	if err != nil {
		return nil
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 8<<10)
	var out []time.Duration
	for {
		select {
		case <-stop:
			return out
		case <-time.After(5 * time.Millisecond):
		}
		t0 := time.Now()
		if _, err := f.WriteAt(buf, int64(len(out)%64)*int64(len(buf))); err != nil {
			return out
		}
		if err := f.Sync(); err != nil {
			return out
		}
		out = append(out, time.Since(t0))
	}
}

// newEmuServer serves emu on 127.0.0.1 for the benchmark's lifetime.
func newEmuServer(b *testing.B, emu *wcemu.Shop) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: emu}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	u := "http://" + ln.Addr().String()
	emu.SetURL(u)
	return u
}
