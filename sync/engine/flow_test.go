package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce"
	"github.com/orderbrug/orderbrug/sync/store"
)

// TestSameSecondSnapshotsAskTheShop: checkout and payment callback in one
// second give two snapshots with one modified time. Neither the poll nor a
// late webhook with the older body may decide: the order is fetched and the
// shop's answer applied.
func TestSameSecondSnapshotsAskTheShop(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	ctx := context.Background()
	second := time.Now().UTC().Truncate(time.Second) // the emulator checks OAuth timestamps against its clock
	r.emu.SetClock(func() time.Time { return second })
	id := r.emu.PlaceDutch(1, 5)[0]
	ext := strconv.FormatInt(id, 10)
	r.emu.SetStatus(id, "pending")
	if _, err := r.e.Poll(ctx, r.shop, nil); err != nil {
		t.Fatal(err)
	}
	if rec, _ := r.st.Record(ctx, r.shop.ID, ext); rec.State != store.Parked {
		t.Fatalf("pending order is %s", rec.State)
	}
	pendingSnap, _ := r.st.Record(ctx, r.shop.ID, ext)
	stale, err := pendingSnap.Order()
	if err != nil {
		t.Fatal(err)
	}

	// Paid in the same second: the modified time does not move.
	r.emu.SetStatus(id, "processing")
	sh, _ := r.st.ShopByID(ctx, r.shop.ID)
	res, err := r.e.Poll(ctx, sh, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := r.st.Record(ctx, r.shop.ID, ext)
	if res.Conflicts != 1 || rec.State != store.Queued || !rec.Modified.Equal(second) {
		t.Fatalf("conflicts %d, order %s modified %v", res.Conflicts, rec.State, rec.Modified)
	}

	// The checkout's webhook arrives late, with the same time and the old
	// body: the shop is asked, and it still says processing.
	out, err := r.e.ApplyOrder(ctx, sh, stale, []byte(`{"late":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if rec, _ := r.st.Record(ctx, r.shop.ID, ext); out != store.Repeat || rec.State != store.Queued || rec.Status != "processing" {
		t.Fatalf("late webhook: outcome %v, order %s status %s: the last applied won", out, rec.State, rec.Status)
	}
}

// TestPollKeepsAnUnparseableOrder: one order the shop returns broken among
// good ones: the good ones are applied, the broken one is kept as failed
// with its raw payload and reason, the cursor moves past it, and once the
// shop returns it readable a recheck decides it.
func TestPollKeepsAnUnparseableOrder(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := newRig(t, start)
	ctx := context.Background()
	ids := r.emu.AddDutch(250, 8)
	broken := strconv.FormatInt(ids[120], 10)
	var breaking atomic.Bool
	breaking.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := httptest.NewRecorder()
		r.emu.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if breaking.Load() && strings.HasSuffix(req.URL.Path, "/orders") && rec.Code == http.StatusOK {
			var list []map[string]json.RawMessage
			if err := json.Unmarshal(body, &list); err != nil {
				t.Errorf("emulator list: %v", err)
			}
			for _, o := range list {
				if string(o["id"]) == broken {
					o["total"] = json.RawMessage(`"twelve"`)
				}
			}
			body, _ = json.Marshal(list)
		}
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	r.emu.SetURL(srv.URL)
	r.e.Source = func(sh store.Shop) (source.Source, error) {
		return woocommerce.New(woocommerce.Config{BaseURL: srv.URL, Key: key, Secret: secret})
	}

	res, err := r.e.Poll(ctx, r.shop, nil)
	if err != nil {
		t.Fatalf("poll stopped: %v", err)
	}
	if res.Unreadable != 1 || res.New != len(ids)-1 {
		t.Fatalf("%+v", res)
	}
	rec, err := r.st.Record(ctx, r.shop.ID, broken)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != store.Failed || rec.Reason != engine.ReasonUnparseable || !strings.Contains(rec.Detail, "total") {
		t.Fatalf("broken order %s/%s: %s", rec.State, rec.Reason, rec.Detail)
	}
	raw, err := r.st.Raw(ctx, r.shop.ID, broken)
	if err != nil || !bytes.Contains(raw, []byte(`"twelve"`)) {
		t.Fatalf("raw payload not kept (%d bytes, %v)", len(raw), err)
	}
	sh, _ := r.st.ShopByID(ctx, r.shop.ID)
	var newest time.Time
	for _, id := range ids {
		o, _ := r.emu.Order(id)
		m, _ := time.Parse("2006-01-02T15:04:05", o.DateModifiedGMT)
		if m.After(newest) {
			newest = m
		}
	}
	if !sh.Cursor.Equal(newest) {
		t.Fatalf("cursor %v, want the newest order %v", sh.Cursor, newest)
	}
	if _, err := r.e.BookDue(ctx); err != nil {
		t.Fatal(err)
	}
	if rec, _ := r.st.Record(ctx, r.shop.ID, broken); rec.State != store.Failed || rec.Reason != engine.ReasonUnparseable {
		t.Fatalf("after booking: %s/%s", rec.State, rec.Reason)
	}

	// A payload that named no order is kept too, but never asked for again.
	if err := r.st.KeepUnreadable(ctx, []store.Unreadable{{ShopID: sh.ID, ExtID: "unreadable-0a1b2c", Raw: []byte(`[`),
		Detail: "truncated"}}, engine.ReasonUnparseable, "woocommerce", store.Event{Code: "order_unreadable"}); err != nil {
		t.Fatal(err)
	}

	// The shop's plugin is fixed: the nightly recheck reads it and decides.
	breaking.Store(false)
	if _, err := r.e.Recheck(ctx, sh); err != nil {
		t.Fatal(err)
	}
	rec, _ = r.st.Record(ctx, r.shop.ID, broken)
	if rec.Reason == engine.ReasonUnparseable || rec.Total == 0 {
		t.Fatalf("after recheck: %s/%s total %s", rec.State, rec.Reason, rec.Total)
	}
}
