package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/store"
)

// BenchmarkInitialImport10k: a shop with 10,000 orders, imported into a
// fresh database over loopback: every page fetched, parsed, applied and
// decided (target < 10 s).
func BenchmarkInitialImport10k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := newRigTB(b, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		r.emu.AddDutch(10000, 42)
		r.emu.ResetRequests()
		b.StartTimer()
		res, err := r.e.Poll(context.Background(), r.shop, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.Seen < 10000 {
			b.Fatalf("imported %d of 10000", res.Seen)
		}
		b.ReportMetric(float64(r.emu.Requests()), "requests/op")
	}
}

// BenchmarkPollNothingChanged100k: a 100,000-order shop, already imported:
// a poll with nothing changed is one request (target < 50 ms).
func BenchmarkPollNothingChanged100k(b *testing.B) {
	r := newRigTB(b, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	r.emu.AddDutch(100000, 42)
	ctx := context.Background()
	if _, err := r.e.Poll(ctx, r.shop, nil); err != nil {
		b.Fatal(err)
	}
	sh, err := r.st.ShopByID(ctx, r.shop.ID)
	if err != nil {
		b.Fatal(err)
	}
	if n, _ := r.st.Count(ctx, sh.ID, time.Time{}); n.ByState[store.Parked]+n.ByState[store.Queued] == 0 {
		b.Fatal("nothing imported")
	}
	r.emu.ResetRequests()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := r.e.Poll(ctx, sh, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.New+res.Changed != 0 {
			b.Fatalf("a poll with nothing changed changed %d orders", res.New+res.Changed)
		}
	}
	b.ReportMetric(float64(r.emu.Requests())/float64(b.N), "requests/op")
}

// BenchmarkInitialImport10kBooked: the first import of a 10,000-order shop
// from the emulator over loopback, booking included: every page fetched,
// parsed, applied and decided, then every forwarded order (and refund)
// booked into a real UBL folder, each booking recorded only after its file
// is durable (target < 10 s).
func BenchmarkInitialImport10kBooked(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := newRigTB(b, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		r.emu.AddDutch(10000, 42)
		b.StartTimer()
		t0 := time.Now()
		res, err := r.e.Poll(context.Background(), r.shop, nil)
		if err != nil {
			b.Fatal(err)
		}
		polled := time.Since(t0)
		booked, err := r.e.BookDue(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if res.Seen < 10000 || booked.Booked == 0 {
			b.Fatalf("imported %d of 10000, booked %+v", res.Seen, booked)
		}
		if left := r.count(b, store.Queued); left != 0 {
			b.Fatalf("%d orders still queued after booking (%+v)", left, booked)
		}
		b.ReportMetric(float64(booked.Booked), "bookings/op")
		b.ReportMetric(float64(booked.Failed), "failed/op")
		b.ReportMetric(polled.Seconds(), "poll-s/op")
		b.StartTimer()
	}
}
