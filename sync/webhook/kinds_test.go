package webhook_test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	. "github.com/orderbrug/orderbrug/sync/webhook"
)

// tillReceiver is a second kind: a till with a root route and a "close"
// route, a static header for auth, and one hook per line of the body.
type tillReceiver struct{}

func (tillReceiver) Routes() []Route { return []Route{{Path: ""}, {Path: "close"}} }

func (tillReceiver) Receive(req Request) (Result, error) {
	if req.Header.Get("X-Till-Key") != req.Hooks.Secret {
		return Result{}, ErrSignatureMismatch
	}
	if len(req.Body) == 0 {
		return Result{Ignored: "empty"}, nil
	}
	if bytes.HasPrefix(req.Body, []byte("garbage")) {
		return Result{}, &ParseError{Err: errors.New("not a check")}
	}
	var res Result
	for _, id := range strings.Fields(string(req.Body)) {
		res.Hooks = append(res.Hooks, Hook{Topic: "check." + req.Route, OrderID: id,
			Headers: http.Header{"X-Till": {"1"}}})
	}
	return res, nil
}

// TestRoutesOfASecondKind: the handler's routes come from the receivers:
// a kind's Route "" at /hooks/{kind}/{shop}, other routes below it, each
// hook of a request one delivery with the request's route; the common
// steps (unknown shop, method, rejections) are the handler's for every
// kind, and WooCommerce's path stays as it was.
func TestRoutesOfASecondKind(t *testing.T) {
	inbox := &memInbox{}
	recv := wooReceivers()
	recv["till"] = tillReceiver{}
	ts := startServer(t, Config{
		Shops: mapShops{
			"till/bar":       {Secret: "k"},
			"woocommerce/wc": {Secret: "w", Topics: allTopics()},
		},
		Inbox:     inbox,
		Receivers: recv,
		Now:       func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) },
	}, nil)
	post := func(path, key, body string) int {
		req, err := http.NewRequest(http.MethodPost, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Till-Key", key)
		code, _, _ := do(t, http.DefaultClient, req)
		return code
	}
	if c := post("/hooks/till/bar", "k", "17 18"); c != 200 {
		t.Fatalf("root route: %d", c)
	}
	if c := post("/hooks/till/bar/close", "k", "17"); c != 200 {
		t.Fatalf("close route: %d", c)
	}
	ds := inbox.Deliveries()
	if len(ds) != 3 {
		t.Fatalf("%d deliveries, want 3: %+v", len(ds), ds)
	}
	for i, want := range []struct{ route, topic, id string }{{"", "check.", "17"}, {"", "check.", "18"}, {"close", "check.close", "17"}} {
		d := ds[i]
		if d.Source != "till" || d.Shop != "bar" || d.Route != want.route || d.Topic != want.topic || d.OrderID != want.id ||
			d.Headers.Get("X-Till") != "1" || d.ReceivedAt.IsZero() {
			t.Errorf("delivery %d: %+v", i, d)
		}
	}
	if !bytes.Equal(ds[0].Body, []byte("17 18")) {
		t.Errorf("body %q", ds[0].Body)
	}
	// Common steps for the new kind.
	if c := post("/hooks/till/nobody", "k", "1"); c != 404 {
		t.Errorf("unknown shop: %d", c)
	}
	if c := post("/hooks/till/bar/open", "k", "1"); c != 404 {
		t.Errorf("a route the kind does not have: %d", c)
	}
	if c := post("/hooks/till/bar", "wrong", "1"); c != 401 {
		t.Errorf("bad key: %d", c)
	}
	if c := post("/hooks/till/bar", "k", "garbage"); c != 400 {
		t.Errorf("garbage: %d", c)
	}
	if c := post("/hooks/till/bar", "k", ""); c != 200 {
		t.Errorf("ignored: %d", c)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/hooks/till/bar/close", nil)
	if c, _, h := do(t, http.DefaultClient, req); c != 405 || h.Get("Allow") != "POST" {
		t.Errorf("GET: %d %v", c, h)
	}
	rej := inbox.Rejections()
	if len(rej) != 3 {
		t.Fatalf("%d rejections, want 3 (key, garbage, method): %+v", len(rej), rej)
	}
	for _, r := range rej {
		if r.Source != "till" || r.Shop != "bar" {
			t.Errorf("rejection %+v", r)
		}
	}
	if n := len(inbox.Deliveries()); n != 3 {
		t.Errorf("%d deliveries after the refused ones", n)
	}
	// A shop of one kind is not found on another kind's path.
	if c := post("/hooks/woocommerce/bar", "k", "1"); c != 404 {
		t.Errorf("till shop on the WooCommerce path: %d", c)
	}
	// WooCommerce's path is as before.
	body := []byte(`{"id":5,"date_modified_gmt":"2026-11-22T19:48:26"}`)
	if c, _, _ := do(t, http.DefaultClient, wooRequest(t, ts.URL+"/hooks/woocommerce/wc", TopicOrderUpdated, "1", body, "w")); c != 200 {
		t.Errorf("WooCommerce delivery: %d", c)
	}
	if ds := inbox.Deliveries(); len(ds) != 4 || ds[3].Source != order.WooCommerce || ds[3].OrderID != "5" || ds[3].Route != "" {
		t.Errorf("WooCommerce delivery stored as %+v", ds[len(ds)-1])
	}
}
