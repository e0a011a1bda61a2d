package wcemu_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// TestServeTool is a tool for .ci/wine-smoke, not a check: with
// ORDERBRUG_WCEMU_SERVE=<file> it serves an emulated WooCommerce shop with
// 12 Dutch orders on a free port of 127.0.0.1, writes "URL KEY SECRET PORT"
// to that file once it listens (PORT: another port that was free, for the
// webhook listener of the Orderbrug under test), and serves for ORDERBRUG_WCEMU_SERVE_FOR
// seconds (default 600) or until killed; past 10 minutes, run the test
// binary with -test.timeout=0 (go test's default timeout would end it with a
// panic). The Orderbrug under test (a
// Windows .exe under Wine) connects to it as to a real shop.
//
// POST /emu/deliver waits (up to 60 s) for an active order.created webhook
// (Orderbrug registers its webhooks once its listener is up), places one
// new order, completed, as a customer would, and delivers it to every such
// webhook the way
// WooCommerce's Hookshot does (signed with the secret Orderbrug registered);
// it answers {"order": ID, "number": "N", "codes": [status codes]}. The
// shop allows deliveries to 127.0.0.1 on any port, as a site's
// http_request_host_is_external filter would for a tunnel.
func TestServeTool(t *testing.T) {
	info := os.Getenv("ORDERBRUG_WCEMU_SERVE")
	if info == "" {
		t.Skip("set ORDERBRUG_WCEMU_SERVE to serve an emulated shop for .ci/wine-smoke")
	}
	serveFor := 600 * time.Second
	if v, err := strconv.Atoi(os.Getenv("ORDERBRUG_WCEMU_SERVE_FOR")); err == nil && v > 0 {
		serveFor = time.Duration(v) * time.Second
	}
	const key, secret = "ck_0123456789abcdef0123456789abcdef01234567", "cs_0123456789abcdef0123456789abcdef01234567"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	shop := wcemu.New(key, secret)
	shop.SetURL(url)
	shop.AddDutch(12, 7)
	shop.AllowDeliveryHost("127.0.0.1")

	mux := http.NewServeMux()
	mux.Handle("/", shop)
	seed := uint64(1000)
	active := func() bool {
		for _, h := range shop.Webhooks() {
			if h.Topic == "order.created" && h.Status == "active" {
				return true
			}
		}
		return false
	}
	mux.HandleFunc("POST /emu/deliver", func(w http.ResponseWriter, r *http.Request) {
		for end := time.Now().Add(60 * time.Second); !active() && time.Now().Before(end); {
			time.Sleep(100 * time.Millisecond)
		}
		seed++
		id := shop.PlaceDutch(1, seed)[0]
		shop.SetStatus(id, "completed")
		ans := struct {
			Order  int64    `json:"order"`
			Number string   `json:"number"`
			Codes  []int    `json:"codes"`
			Errors []string `json:"errors,omitempty"`
		}{Order: id, Codes: []int{}}
		if o, ok := shop.Order(id); ok {
			ans.Number = o.Number
		}
		for hid, h := range shop.Webhooks() {
			if h.Topic != "order.created" || h.Status != "active" {
				continue
			}
			code, err := shop.Deliver(r.Context(), hid, id)
			ans.Codes = append(ans.Codes, code)
			if err != nil {
				ans.Errors = append(ans.Errors, err.Error())
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ans)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(free.Addr().String())
	free.Close()
	tmp := info + ".tmp"
	if err := os.WriteFile(tmp, []byte(url+" "+key+" "+secret+" "+port+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, info); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), serveFor)
	defer cancel()
	<-ctx.Done()
}
