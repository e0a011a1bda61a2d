package plugandpay

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
)

const testKey = "pp_live_0123456789abcdefSECRET"

// fixtures is shared/fixtures/plugandpay beside the repository.
func fixtures(tb testing.TB) string {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "fixtures", "plugandpay")
}

// start serves a new emulated tenant on 127.0.0.1 whose clock is now, and
// returns it with a client.
func start(tb testing.TB, now time.Time) (*ppemu.Shop, *Client) {
	tb.Helper()
	shop := ppemu.New(testKey)
	shop.SetClock(func() time.Time { return now })
	srv := httptest.NewServer(shop)
	tb.Cleanup(srv.Close)
	shop.SetURL(srv.URL)
	c, err := New(Config{BaseURL: srv.URL, Key: testKey, HTTPClient: srv.Client(), Timeout: 10 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	return shop, c
}

var t0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func testSeller() order.Seller {
	return order.Seller{
		Party: order.Party{Name: "Cursushuis Test", Company: "Cursushuis Test B.V.", Email: "info@cursushuis.example",
			VATID: "NL123456789B01", KvK: "12345678",
			Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}},
		IBAN: "NL91ABNA0417164300",
	}
}

func byID(os []order.Order) map[string]order.Order {
	m := map[string]order.Order{}
	for _, o := range os {
		m[o.ID] = o
	}
	return m
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
