package app_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
)

// ppBench is a Plug&Pay tenant emulated on 127.0.0.1 and a service with a
// quiet logger on a temporary directory, the tenant connected as a shop
// booking from 2020 (a backfill of everything), a seller and a UBL folder
// set. Nothing runs.
type ppBench struct {
	emu  *ppemu.Shop
	svc  *app.Service
	shop string
	ubl  string
}

func newPPBench(b *testing.B, emu *ppemu.Shop) *ppBench {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	hs := httptest.NewServer(emu)
	b.Cleanup(hs.Close)
	srv := hs.URL
	emu.SetURL(srv)
	svc, err := app.Open(ctx, app.Options{DataDir: filepath.Join(dir, "data"), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	pb := &ppBench{emu: emu, svc: svc, shop: "Cursusplein", ubl: filepath.Join(dir, "facturen")}
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: pb.shop, Source: order.PlugAndPay, URL: srv, Key: ppKey,
		Since: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Sells: order.SellsServices}); err != nil {
		b.Fatal(err)
	}
	if err := svc.SetSeller(ctx, testSeller()); err != nil {
		b.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, pb.ubl); err != nil {
		b.Fatal(err)
	}
	return pb
}

// BenchmarkPlugAndPayFirstImport10k is the first sync of a Plug&Pay shop
// with 10,000 paid Dutch orders (one a minute over the last week; every
// tenth credited, its credit invoice a credit note on it) through the
// service, as `orderbrug sync` right after `shop add --since` an earlier
// date: every page polled over loopback, parsed, applied and decided,
// then every invoice and credit note booked into a real UBL folder, each
// recorded only after its file is durable. As the engine's
// BenchmarkInitialImport10kBooked for WooCommerce, through app.Service.Sync.
//
// Figures: sync-s/op (the whole sync), poll-s/op (until the last polled
// batch was applied), orders/s (10,000 over the whole sync), bookings/op
// (invoices and credit notes booked: 11,000), files/op (UBL files on
// disk), requests/op (API requests to the tenant).
func BenchmarkPlugAndPayFirstImport10k(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		emu := ppemu.New(ppKey)
		ids := emu.AddDutch(10000, 42)
		for j := 0; j < len(ids); j += 10 {
			if _, err := emu.Credit(ids[j]); err != nil {
				b.Fatal(err)
			}
		}
		pb := newPPBench(b, emu)
		emu.ResetRequests()
		var polled time.Time
		progress := func(int) { polled = time.Now() }
		b.StartTimer()
		start := time.Now()
		res, err := pb.svc.Sync(ctx, pb.shop, progress)
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		if len(res.Polls) != 1 || res.Polls[0].Seen != 10000 || res.Polls[0].Unreadable != 0 {
			b.Fatalf("polled %+v, want 10000 orders", res.Polls)
		}
		if res.Booked.Booked != 11000 || res.Booked.Failed != 0 {
			b.Fatalf("booked %+v, want 10000 invoices and 1000 credit notes", res.Booked)
		}
		files := len(ubltest.XMLFiles(b, pb.ubl))
		if files != 11000 {
			b.Fatalf("%d UBL files, want 11000", files)
		}
		b.ReportMetric(took.Seconds(), "sync-s/op")
		b.ReportMetric(polled.Sub(start).Seconds(), "poll-s/op")
		b.ReportMetric(10000/took.Seconds(), "orders/s")
		b.ReportMetric(float64(res.Booked.Booked), "bookings/op")
		b.ReportMetric(float64(files), "files/op")
		b.ReportMetric(float64(emu.Requests()), "requests/op")
		b.StartTimer()
	}
}

// BenchmarkPlugAndPaySyncNoChange10k is the sync every 15 minutes of a
// Plug&Pay shop with 10,000 orders (one a minute over the last week),
// all imported and booked, where nothing changed since: the payment
// window re-reads the last hour's orders (the overlap), the invoice and
// unpaid lists find nothing new, and nothing is booked.
//
// Figures: ns/op (one sync), requests/op (API requests per sync),
// reread/op (orders the sync saw again, all unchanged).
func BenchmarkPlugAndPaySyncNoChange10k(b *testing.B) {
	ctx := context.Background()
	emu := ppemu.New(ppKey)
	emu.AddDutch(10000, 7)
	pb := newPPBench(b, emu)
	res, err := pb.svc.Sync(ctx, pb.shop, nil)
	if err != nil {
		b.Fatal(err)
	}
	if res.Polls[0].Seen != 10000 || res.Booked.Booked != 10000 {
		b.Fatalf("first sync: %+v", res)
	}
	emu.ResetRequests()
	var reread int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := pb.svc.Sync(ctx, pb.shop, nil)
		if err != nil {
			b.Fatal(err)
		}
		p := res.Polls[0]
		if p.New+p.Changed != 0 || res.Booked.Booked != 0 {
			b.Fatalf("a sync with nothing changed: %+v", res)
		}
		reread += p.Seen
	}
	b.StopTimer()
	b.ReportMetric(float64(emu.Requests())/float64(b.N), "requests/op")
	b.ReportMetric(float64(reread)/float64(b.N), "reread/op")
}
