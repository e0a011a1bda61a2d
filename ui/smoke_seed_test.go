package ui

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// TestSmokeSeed is a tool for .ci/gui-smoke.sh, not a check: with
// ORDERBRUG_SMOKE_SEED=<data dir> it serves an emulated shop on
// ORDERBRUG_SMOKE_SHOP (default: a free port on 127.0.0.1), connects it to a new data
// directory, syncs, and keeps serving for ORDERBRUG_SMOKE_SERVE seconds so
// the GUI under test polls a live shop.
func TestSmokeSeed(t *testing.T) {
	dir := os.Getenv("ORDERBRUG_SMOKE_SEED")
	if dir == "" {
		t.Skip("set ORDERBRUG_SMOKE_SEED to seed a data directory for .ci/gui-smoke.sh")
	}
	addr := os.Getenv("ORDERBRUG_SMOKE_SHOP")
	if addr == "" {
		addr = "127.0.0.1:0" // any free port: the data directory keeps the shop's URL
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	shop := wcemu.New(testKey, testSecret)
	shop.AddDutch(400, 11)
	shop.SetURL("http://" + addr)
	srv := &http.Server{Handler: shop}
	go srv.Serve(ln)
	defer srv.Close()

	// A Plug&Pay account beside it, as a course seller would have: paid,
	// open and credited orders, subscription terms, upsells, business buyers.
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const ppKey = "pp_smoke_0123456789abcdef0123456789abcdef"
	pp := ppemu.New(ppKey)
	pp.SetURL("http://" + pln.Addr().String())
	pp.AddScenario()
	pp.AddDutch(40, 12)
	psrv := &http.Server{Handler: pp}
	go psrv.Serve(pln)
	defer psrv.Close()

	ctx := context.Background()
	svc, err := app.Open(ctx, app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSeller(ctx, goodSeller()); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, filepath.Join(dir, "facturen")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Theehuis De Linde", URL: "http://" + addr, Key: testKey,
		Secret: testSecret, Forward: []order.Status{"processing", "completed"},
		Since: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Cursusplatform Groei", Source: order.PlugAndPay,
		URL: "http://" + pln.Addr().String(), Key: ppKey, Since: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	secs, _ := strconv.Atoi(os.Getenv("ORDERBRUG_SMOKE_SERVE"))
	if secs > 0 {
		if f := os.Getenv("ORDERBRUG_SMOKE_READY"); f != "" {
			_ = os.WriteFile(f, []byte("ready\n"), 0o600)
		}
		time.Sleep(time.Duration(secs) * time.Second)
	}
}
