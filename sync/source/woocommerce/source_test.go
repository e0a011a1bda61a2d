package woocommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// breakOrder serves shop with the order id made unreadable (its total is not
// a number) in every order list, as a plugin that writes garbage would.
func breakOrder(t *testing.T, shop *wcemu.Shop, id string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		shop.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if strings.HasSuffix(strings.TrimRight(r.URL.Path, "/"), "/orders") && rec.Code == http.StatusOK {
			var list []map[string]json.RawMessage
			if err := json.Unmarshal(body, &list); err != nil {
				t.Errorf("emulator list: %v", err)
			}
			for _, o := range list {
				if string(o["id"]) == id {
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
	t.Cleanup(srv.Close)
	shop.SetURL(srv.URL)
	c, err := New(Config{BaseURL: srv.URL, Key: testKey, Secret: testSecret, HTTPClient: srv.Client(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPollEachReportsAnUnparseableOrderAndGoesOn(t *testing.T) {
	shop := wcemu.New(testKey, testSecret)
	ids := shop.AddDutch(150, 3) // two pages
	broken := itoa(ids[40])
	c := breakOrder(t, shop, broken)

	good := map[string]bool{}
	var bad []*source.UnparseableError
	var newest time.Time
	next, err := c.PollEach(context.Background(), time.Time{}, func(p source.Polled) error {
		if p.Err != nil {
			bad = append(bad, p.Err)
			return nil
		}
		good[p.Order.ID] = true
		if p.Order.Modified.After(newest) {
			newest = p.Order.Modified
		}
		return nil
	})
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	if len(good) != len(ids)-1 || good[broken] {
		t.Errorf("%d good orders of %d (broken one among them: %v)", len(good), len(ids), good[broken])
	}
	if len(bad) == 0 {
		t.Fatal("the broken order was not reported")
	}
	u := bad[0]
	if u.ID != broken || u.Modified.IsZero() || !bytes.Contains(u.Raw, []byte(`"twelve"`)) || u.Err == nil {
		t.Errorf("report = id %q modified %v raw %d bytes err %v", u.ID, u.Modified, len(u.Raw), u.Err)
	}
	if next.Before(newest) || next.Before(u.Modified) {
		t.Errorf("next = %v, before the newest order %v / broken %v", next, newest, u.Modified)
	}

	// Poll, which has no way to report it, stops there with the report as
	// the cause.
	_, err = c.Poll(context.Background(), time.Time{}, func(order.Order) error { return nil })
	if !errors.As(err, &u) || u.ID != broken || source.KindOf(err) != source.BadResponse {
		t.Errorf("Poll err = %v", err)
	}
}

func TestFetchReportsAnUnparseableOrderWithTheOthers(t *testing.T) {
	shop := wcemu.New(testKey, testSecret)
	ids := shop.AddDutch(5, 4)
	broken := itoa(ids[2])
	c := breakOrder(t, shop, broken)
	var want []string
	for _, id := range ids {
		want = append(want, itoa(id))
	}
	got, err := c.Fetch(context.Background(), want)
	bad, rest := source.Unparseables(err)
	if rest != nil || len(bad) != 1 || bad[0].ID != broken {
		t.Fatalf("err = %v (unparseable %v, rest %v)", err, bad, rest)
	}
	if len(got) != len(ids)-1 {
		t.Fatalf("%d orders, want %d", len(got), len(ids)-1)
	}
	for _, o := range got {
		if o.ID == broken || o.Deleted {
			t.Errorf("order %s returned (deleted %v)", o.ID, o.Deleted)
		}
	}
}
