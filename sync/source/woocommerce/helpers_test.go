package woocommerce

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

const (
	testKey    = "ck_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	testSecret = "cs_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// fixtures is shared/fixtures/woocommerce beside the repository.
func fixtures(tb testing.TB) string {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "fixtures", "woocommerce")
}

// startShop serves a new emulated shop over plain HTTP (OAuth) or TLS
// (Basic) on 127.0.0.1 and returns it with a client that trusts it.
func startShop(tb testing.TB, tls bool) (*wcemu.Shop, *Client, *httptest.Server) {
	tb.Helper()
	shop := wcemu.New(testKey, testSecret)
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(shop)
	} else {
		srv = httptest.NewServer(shop)
	}
	tb.Cleanup(srv.Close)
	shop.SetURL(srv.URL)
	c, err := New(Config{BaseURL: srv.URL, Key: testKey, Secret: testSecret, HTTPClient: srv.Client(), Timeout: 10 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	return shop, c, srv
}

func authModes() []struct {
	name string
	tls  bool
} {
	return []struct {
		name string
		tls  bool
	}{{"oauth over http", false}, {"basic over https", true}}
}

var _ http.Handler = (*wcemu.Shop)(nil)

func strconvFormat(id int64) string { return strconv.FormatInt(id, 10) }
