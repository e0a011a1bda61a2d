package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/store"
)

// TestInboxDedupe: the same bytes again are one row with a repeat count;
// other bytes of the same order are a row of their own; a delivery without
// a key is never folded.
func TestInboxDedupe(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	body := []byte(`{"id":13,"date_modified_gmt":"2026-11-22T19:48:26"}`)
	d := store.Delivery{Source: "woocommerce", Shop: "x", Topic: "order.created", OrderID: "13", Body: body,
		Dedupe: store.DedupeKey(body), ReceivedAt: time.Unix(100, 0)}
	id1, err := s.AddDelivery(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	d.Topic, d.ReceivedAt = "order.updated", time.Unix(200, 0)
	ids, err := s.AddDeliveries(ctx, []store.Delivery{d, d})
	if err != nil || ids[0] != id1 || ids[1] != id1 {
		t.Fatalf("repeats got ids %v (%v), want %d", ids, err, id1)
	}
	other := []byte(`{"id":13, "date_modified_gmt":"2026-11-22T19:48:26"}`)
	d2 := d
	d2.Body, d2.Dedupe = other, store.DedupeKey(other)
	id2, _ := s.AddDelivery(ctx, d2)
	del := store.Delivery{Source: "woocommerce", Shop: "x", Topic: "order.deleted", OrderID: "13", Body: []byte(`{"id":13}`)}
	id3, _ := s.AddDelivery(ctx, del)
	id4, _ := s.AddDelivery(ctx, del)
	if id2 == id1 || id3 == id4 {
		t.Fatalf("ids %d %d %d %d", id1, id2, id3, id4)
	}
	got, err := s.Delivery(ctx, id1)
	if err != nil || got.Repeats != 2 || got.Topic != "order.created" || !got.LastReceivedAt.Equal(time.Unix(200, 0)) ||
		got.Status != 200 || got.BodyBytes != len(body) {
		t.Fatalf("folded row %+v %v", got, err)
	}
}

// TestRepeatLetsGoOfItsBody and replay: a delivery processed as a repeat
// or stale keeps its row and result but not its body, and cannot be
// replayed; any other can, and is pending again.
func TestRepeatLetsGoOfItsBody(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	add := func(b string) int64 {
		id, err := s.AddDelivery(ctx, store.Delivery{Source: "woocommerce", Shop: "x", Topic: "order.updated", Body: []byte(b),
			Dedupe: store.DedupeKey([]byte(b))})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	rep, stale, changed := add(`{"a":1}`), add(`{"a":2}`), add(`{"a":3}`)
	for id, res := range map[int64]string{rep: "repeat", stale: "stale", changed: "changed"} {
		if err := s.DeliveryProcessed(ctx, id, res); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int64{rep, stale} {
		d, _ := s.Delivery(ctx, id)
		if d.BodyBytes != 0 || d.ProcessedAt.IsZero() {
			t.Fatalf("%s kept %d bytes", d.Result, d.BodyBytes)
		}
		if err := s.ReplayDelivery(ctx, id); !errors.Is(err, store.ErrBodyNotKept) {
			t.Fatalf("replay of %s: %v", d.Result, err)
		}
	}
	if err := s.ReplayDelivery(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("replay of no delivery: %v", err)
	}
	if err := s.ReplayDelivery(ctx, changed); err != nil {
		t.Fatal(err)
	}
	p, _ := s.PendingDeliveries(ctx, 10)
	if len(p) != 1 || p[0].ID != changed || p[0].Result != "" || string(p[0].Body) != `{"a":3}` {
		t.Fatalf("pending after replay %+v", p)
	}
}

// TestRejectionCounts: counts add up per shop, code and hour; the first
// count of an hour is reported as such (the caller logs it once).
func TestRejectionCounts(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	h := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	r := store.Rejection{Source: "woocommerce", Shop: "x", Code: "signature", Status: 401, Reason: "bad", Count: 10,
		FirstAt: h.Add(time.Minute), ReceivedAt: h.Add(2 * time.Minute)}
	first, err := s.AddRejections(ctx, []store.Rejection{r, {Source: "woocommerce", Shop: "x", Code: "method", Status: 405,
		ReceivedAt: h.Add(3 * time.Minute)}})
	if err != nil || !first[0] || !first[1] {
		t.Fatalf("first %v %v", first, err)
	}
	r.Count, r.FirstAt, r.ReceivedAt = 5, h.Add(10*time.Minute), h.Add(20*time.Minute)
	if first, _ := s.AddRejections(ctx, []store.Rejection{r}); first[0] {
		t.Fatal("a later count in the same hour reported as the first")
	}
	r.Count, r.FirstAt, r.ReceivedAt = 1, h.Add(time.Hour), h.Add(time.Hour)
	if first, _ := s.AddRejections(ctx, []store.Rejection{r}); !first[0] {
		t.Fatal("the next hour's first count not reported")
	}
	rs, _ := s.Rejections(ctx, 10)
	if len(rs) != 3 || rs[0].Count != 1 || !rs[0].Hour.Equal(h.Add(time.Hour)) {
		t.Fatalf("rows %+v", rs)
	}
	var sig store.Rejection
	for _, x := range rs[1:] {
		if x.Code == "signature" {
			sig = x
		}
	}
	if sig.Count != 15 || !sig.FirstAt.Equal(h.Add(time.Minute)) || !sig.ReceivedAt.Equal(h.Add(20*time.Minute)) {
		t.Fatalf("signature hour %+v", sig)
	}
	if n, _ := s.CountRejections(ctx, "x", h.Add(30*time.Minute)); n != 17 {
		t.Fatalf("count since the hour of 20:30: %d, want 17", n)
	}
	if n, _ := s.CountRejections(ctx, "y", h); n != 0 {
		t.Fatalf("another shop: %d", n)
	}
}

// TestInboxWriterWaitsForTheLock: while another connection holds the write
// lock the writer neither fails nor gives up: it commits once the lock is
// free; with a deadline that ends first it says so.
func TestInboxWriterWaitsForTheLock(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	w, err := s.NewInboxWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tx, err := s.DB().BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	d := store.Delivery{Source: "woocommerce", Shop: "x", Topic: "order.updated", Body: []byte(`{}`)}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = w.AddDeliveries(short, []store.Delivery{d})
	cancel()
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("with the lock held past the deadline: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := w.AddDeliveries(ctx, []store.Delivery{d})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("committed while the lock was held: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("after the lock was released: %v", err)
	}
	if ds, _ := s.Deliveries(ctx, 10); len(ds) != 1 {
		t.Fatalf("%d rows, want 1", len(ds))
	}
}

// TestInboxWriterRepeats: through the writer, a repeat of stored bytes is
// counted on that row (the commit without an fsync), and a batch with a
// new delivery in it is stored in full.
func TestInboxWriterRepeats(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	w, err := s.NewInboxWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	mk := func(b string) store.Delivery {
		return store.Delivery{Source: "woocommerce", Shop: "x", Topic: "order.updated", Body: []byte(b), Dedupe: store.DedupeKey([]byte(b))}
	}
	first, err := w.AddDeliveries(ctx, []store.Delivery{mk("a")})
	if err != nil {
		t.Fatal(err)
	}
	again, err := w.AddDeliveries(ctx, []store.Delivery{mk("a"), mk("a")})
	if err != nil || again[0] != first[0] || again[1] != first[0] {
		t.Fatalf("repeats: %v %v", again, err)
	}
	mixed, err := w.AddDeliveries(ctx, []store.Delivery{mk("a"), mk("b")})
	if err != nil || mixed[0] != first[0] || mixed[1] == first[0] {
		t.Fatalf("mixed: %v %v", mixed, err)
	}
	d, _ := s.Delivery(ctx, first[0])
	if d.Repeats != 3 || d.LastReceivedAt.IsZero() {
		t.Fatalf("row %+v", d)
	}
	if ds, _ := s.Deliveries(ctx, 10); len(ds) != 2 {
		t.Fatalf("%d rows", len(ds))
	}
}
