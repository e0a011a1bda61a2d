package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

// repeatsOf counts the repeats the inbox folded into the rows ds.
func repeatsOf(ds []app.Delivery) int {
	n := 0
	for _, d := range ds {
		n += d.Repeats
	}
	return n
}

// post sends body to url as a WooCommerce delivery of topic, signed with
// sig when it is not empty, and returns the status and the answer.
func post(t testing.TB, client *http.Client, method, url, topic string, body []byte, sig string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-WC-Webhook-Topic", topic)
	req.Header.Set("X-WC-Webhook-ID", "1")
	if sig != "" {
		req.Header.Set("X-WC-Webhook-Signature", sig)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

func countCode(evs []app.Event, code string) int {
	n := 0
	for _, e := range evs {
		if e.Code == code {
			n++
		}
	}
	return n
}

// TestRejectionsCountedPerShopAndHour: refused requests to a known shop are
// counted per shop, reason and hour (one row each, however many), with one
// Logboek line per shop and reason and hour; requests for an unknown shop
// are answered 404 and leave nothing anywhere; an authenticated delivery
// the parser cannot read is answered 400 and kept in the inbox (not a
// rejection) so it can be replayed. No answer, row or line holds the
// secret.
func TestRejectionsCountedPerShopAndHour(t *testing.T) {
	w := tunnelWorld(t)
	ctx := context.Background()
	info, _ := w.svc.Shop(ctx, w.shop)
	secret := info.Webhook.Secret
	base := w.svc.TunnelStatus().URL + "/hooks/woocommerce/"
	id, _ := w.placeForwarded(5)
	body, _ := w.emu.OrderJSON(id)
	forged := wcemu.Sign(body, "not-"+secret)
	malformed := []byte(`{"id":` + strconv.FormatInt(id, 10) + `,"date_modified_gmt":`)
	c := http.DefaultClient
	cases := []struct {
		method, shop string
		body         []byte
		sig          string
		want         int
	}{
		{"POST", w.slug(), body, forged, 401},
		{"POST", w.slug(), body, "", 401},
		{"POST", w.slug(), body, forged, 401},
		{"GET", w.slug(), nil, "", 405},
		{"POST", w.slug(), bytes.Repeat([]byte("x"), 5<<20+1), "", 413},
		{"POST", "nope", body, wcemu.Sign(body, secret), 404},
		{"GET", "nope-too", nil, "", 404},
		{"POST", w.slug(), malformed, wcemu.Sign(malformed, secret), 400},
	}
	for i, cs := range cases {
		status, msg := post(t, c, cs.method, base+cs.shop, "order.created", cs.body, cs.sig)
		if status != cs.want || strings.Contains(msg, secret) {
			t.Fatalf("case %d: %d %q, want %d", i, status, msg, cs.want)
		}
	}
	var rs []store.Rejection
	waitFor(t, 5*time.Second, "the counts to be written", func() bool {
		rs, _ = w.svc.Rejections(ctx, 50)
		return len(rs) == 3
	})
	got := map[string]int{}
	for _, r := range rs {
		if r.Shop != w.slug() || r.Hour.IsZero() || r.Hour.Minute() != 0 || r.FirstAt.Before(r.Hour) {
			t.Fatalf("rejection %+v", r)
		}
		got[fmt.Sprintf("%s/%d", r.Code, r.Status)] = r.Count
	}
	if fmt.Sprint(got) != "map[method/405:1 signature/401:3 too_large/413:1]" {
		t.Fatalf("counts %v", got)
	}
	if n, _ := w.svc.Shop(ctx, w.shop); n.Webhook.Rejected != 5 {
		t.Fatalf("webhook info counts %d rejections, want 5", n.Webhook.Rejected)
	}
	// The lines are written right after the counts.
	var evs []app.Event
	waitFor(t, 5*time.Second, "a Logboek line per reason", func() bool {
		evs, _ = w.svc.Events(ctx, app.EventQuery{Limit: 500})
		return countCode(evs, "webhook_rejected") >= 3
	})
	if n := countCode(evs, "webhook_rejected"); n != 3 {
		t.Fatalf("%d webhook_rejected lines, want one per reason (3)", n)
	}
	// Nothing of the unknown shops, anywhere.
	raw, _ := json.Marshal(evs)
	var n int
	_ = w.svc.Store().DB().QueryRow(`SELECT (SELECT COUNT(*) FROM rejection_counts WHERE shop LIKE 'nope%') +
		(SELECT COUNT(*) FROM inbox WHERE shop LIKE 'nope%')`).Scan(&n)
	if n != 0 || strings.Contains(string(raw), "nope") {
		t.Fatalf("an unknown shop left %d rows or a line", n)
	}
	all, _ := json.Marshal(rs)
	if strings.Contains(string(raw)+string(all), secret) {
		t.Fatal("the secret is in a rejection or a line")
	}
	// The unreadable one is in the inbox, answered 400, processed (with
	// its error) and replayable.
	ds, _ := w.svc.Deliveries(ctx, 10)
	if len(ds) != 1 || ds[0].Status != 400 || !bytes.Equal(ds[0].Body, malformed) {
		t.Fatalf("inbox %+v", ds)
	}
	waitFor(t, 5*time.Second, "the unreadable delivery processed", func() bool {
		d, _ := w.svc.Store().Delivery(ctx, ds[0].ID)
		return !d.ProcessedAt.IsZero()
	})
	d, err := w.svc.ReplayDelivery(ctx, ds[0].ID)
	if err != nil || d.ProcessedAt.IsZero() || !strings.HasPrefix(d.Result, "error") {
		t.Fatalf("replay of the unreadable delivery: %+v %v", d, err)
	}
}

// TestFloodIsBounded: 10,000 bad requests at the running service's webhook
// server over keep-alive connections (forged signatures, unsigned bodies,
// wrong methods for the real shop; signed and unsigned posts to 5,000
// made-up shops) grow the database by less than 100 kB and the Logboek by a
// few lines, and the real shop's next delivery is still accepted. Run with
// -v for the figures.
func TestFloodIsBounded(t *testing.T) {
	w := tunnelWorld(t)
	ctx := context.Background()
	url := "http://" + w.svc.TunnelStatus().Local + "/hooks/woocommerce/"
	id, _ := w.placeForwarded(7)
	body, _ := w.emu.OrderJSON(id)
	info, _ := w.svc.Shop(ctx, w.shop)
	size := func() int64 {
		t.Helper()
		if _, err := w.svc.Store().DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if st, err := os.Stat(filepath.Join(w.dir, "data", store.FileName+suffix)); err == nil {
				total += st.Size()
			}
		}
		return total
	}
	evsBefore, _ := w.svc.Events(ctx, app.EventQuery{Limit: 100000})
	before := size()

	const total, senders = 10000, 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	defer client.CloseIdleConnections()
	start := time.Now()
	var wg gosync.WaitGroup
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < total; i += senders {
				var status, want int
				switch i % 4 {
				case 0:
					status, _ = post(t, client, "POST", url+w.slug(), "order.created", body, wcemu.Sign(body, fmt.Sprint("guess", i)))
					want = 401
				case 1:
					status, _ = post(t, client, "POST", url+fmt.Sprintf("shop-%d", i), "order.created", body, wcemu.Sign(body, "x"))
					want = 404
				case 2:
					status, _ = post(t, client, "GET", url+w.slug(), "", nil, "")
					want = 405
				case 3:
					status, _ = post(t, client, "POST", url+fmt.Sprintf("shop-%d", i), "", []byte(fmt.Sprint("junk ", i)), "")
					want = 404
				}
				if status != want {
					t.Errorf("request %d: %d, want %d", i, status, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	var rs []store.Rejection
	waitFor(t, 5*time.Second, "the counts", func() bool {
		rs, _ = w.svc.Rejections(ctx, 100)
		n := 0
		for _, r := range rs {
			n += r.Count
		}
		return n == total/2
	})
	after := size()
	evs, _ := w.svc.Events(ctx, app.EventQuery{Limit: 100000})
	lines := len(evs) - len(evsBefore)
	growth := after - before
	t.Logf("flood: %d bad requests in %s (%.0f/s) from %d keep-alive connections; database %d -> %d bytes (+%d B); "+
		"Logboek +%d lines; %d count rows", total, took.Round(time.Millisecond), float64(total)/took.Seconds(), senders,
		before, after, growth, lines, len(rs))
	if growth >= 100_000 {
		t.Fatalf("the database grew %d bytes for %d bad requests, want < 100 kB", growth, total)
	}
	if lines > 5 {
		t.Fatalf("the Logboek grew %d lines, want a few", lines)
	}
	// The shop's own deliveries still get in.
	if status, msg := post(t, client, "POST", url+w.slug(), "order.created", body, wcemu.Sign(body, info.Webhook.Secret)); status != 200 {
		t.Fatalf("the real delivery after the flood: %d %q", status, msg)
	}
}

// TestReplayAfterShopWasDown: a refund's delivery arrives while the shop's
// API does not answer (the engine must fetch a refunded order: the
// delivery lacks the refund lines), so processing it fails and no credit
// note is made. When the shop is back, `orderbrug inbox replay ID` (another
// process's CLI on the same data directory, the window still running)
// processes the stored raw bytes again: the credit note is booked. A
// repeat that kept no body and an unknown id are refused with their code.
func TestReplayAfterShopWasDown(t *testing.T) {
	w := tunnelWorld(t)
	ctx := context.Background()
	id, number := w.placeForwarded(11)
	w.deliverAndWaitBooked(id, number)
	if _, err := w.emu.AddRefund(id, "kapot", 500); err != nil {
		t.Fatal(err)
	}
	w.emu.SetDown(true)
	h := w.hooksByTopic()["order.updated"]
	if code, err := w.emu.Deliver(ctx, h.ID, id); err != nil || code != 200 {
		t.Fatalf("refund delivery: %d %v", code, err)
	}
	var failed app.Delivery
	waitFor(t, 5*time.Second, "the refund delivery processed", func() bool {
		ds, _ := w.svc.Deliveries(ctx, 1)
		failed = ds[0]
		return !failed.ProcessedAt.IsZero()
	})
	if !strings.HasPrefix(failed.Result, "error") || len(ublFor(t, w.ubl, w.slug(), number)) != 1 {
		t.Fatalf("with the shop down: %q, %d files", failed.Result, len(ublFor(t, w.ubl, w.slug(), number)))
	}
	w.emu.SetDown(false)

	var out, errb bytes.Buffer
	cli := &app.CLI{Stdout: &out, Stderr: &errb, Options: app.Options{Logger: quiet}}
	if code := cli.Run(ctx, []string{"--data-dir", filepath.Join(w.dir, "data"), "inbox", "replay",
		strconv.FormatInt(failed.ID, 10), "--json"}); code != 0 {
		t.Fatalf("inbox replay: exit %d: %s", code, errb.String())
	}
	var replayed app.Delivery
	if err := json.Unmarshal(out.Bytes(), &replayed); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if replayed.ID != failed.ID || replayed.Result != "changed" || replayed.BodyBytes == 0 {
		t.Fatalf("replayed %+v", replayed)
	}
	waitFor(t, 5*time.Second, "the credit note", func() bool { return len(ublFor(t, w.ubl, w.slug(), number)) == 2 })

	// Refusals: an id that is not there; a delivery without its body.
	for _, c := range []struct {
		id   string
		want string
	}{{"999999", app.CodeNoSuchDelivery}, {"abc", "usage"}} {
		out.Reset()
		errb.Reset()
		code := cli.Run(ctx, []string{"--data-dir", filepath.Join(w.dir, "data"), "inbox", "replay", c.id})
		if code == 0 || (c.want != "usage" && !strings.Contains(errb.String(), c.want)) {
			t.Fatalf("replay %s: exit %d, %s", c.id, code, errb.String())
		}
	}
	if _, err := w.svc.Store().DB().Exec(`UPDATE inbox SET body = x'' WHERE id = ?`, failed.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ReplayDelivery(ctx, failed.ID); err == nil || !strings.Contains(err.Error(), app.CodeBodyNotKept) {
		t.Fatalf("replay without a body: %v", err)
	}
}

// TestRepeatKeepsNoBody: the same order delivered 2,000 times (WooCommerce
// resends; order.created and order.updated carry the same bytes) is one
// inbox row with its repeats counted, and a delivery of other bytes that
// changes nothing lets go of its body once processed; the database grows
// by far less than the bodies would take.
func TestRepeatKeepsNoBody(t *testing.T) {
	w := tunnelWorld(t)
	ctx := context.Background()
	id, number := w.placeForwarded(3)
	w.deliverAndWaitBooked(id, number)
	info, _ := w.svc.Shop(ctx, w.shop)
	body, _ := w.emu.OrderJSON(id)
	url := "http://" + w.svc.TunnelStatus().Local + "/hooks/woocommerce/" + w.slug()
	sig := wcemu.Sign(body, info.Webhook.Secret)
	var before int64
	_ = w.svc.Store().DB().QueryRow(`SELECT page_count * page_size FROM pragma_page_count, pragma_page_size`).Scan(&before)
	client := &http.Client{}
	const n = 2000
	for i := 0; i < n; i++ {
		topic := []string{"order.created", "order.updated"}[i%2]
		if status, msg := post(t, client, "POST", url, topic, body, sig); status != 200 {
			t.Fatalf("repeat %d: %d %q", i, status, msg)
		}
	}
	// The same order in other bytes (a key order WooCommerce does not
	// use, same content): the engine finds it a repeat.
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	other, _ := json.Marshal(m)
	if bytes.Equal(other, body) {
		t.Fatal("re-encoding gave the same bytes")
	}
	if status, msg := post(t, client, "POST", url, "order.updated", other, wcemu.Sign(other, info.Webhook.Secret)); status != 200 {
		t.Fatalf("other bytes: %d %q", status, msg)
	}
	waitFor(t, 5*time.Second, "the inbox to drain", func() bool { return drained(t, w.svc.Store()) })
	ds, _ := w.svc.Deliveries(ctx, 10)
	if len(ds) != 2 || ds[1].Repeats != n || ds[0].Result != "repeat" || ds[0].BodyBytes != 0 || ds[1].BodyBytes == 0 {
		for _, d := range ds {
			t.Logf("%d %s repeats %d body %d result %q", d.ID, d.Topic, d.Repeats, d.BodyBytes, d.Result)
		}
		t.Fatalf("%d rows for %d deliveries of one unchanged order", len(ds), n+2)
	}
	var after int64
	_ = w.svc.Store().DB().QueryRow(`SELECT page_count * page_size FROM pragma_page_count, pragma_page_size`).Scan(&after)
	t.Logf("%d repeats of a %d B body: database %d -> %d bytes", n+1, len(body), before, after)
	if after-before > 64<<10 {
		t.Fatalf("the database grew %d bytes for %d repeats", after-before, n)
	}
}
