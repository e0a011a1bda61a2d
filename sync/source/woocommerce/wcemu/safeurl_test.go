package wcemu

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// The delivery URL check follows wp_http_validate_url case by case.
func TestSafeURLAsWordPress(t *testing.T) {
	s := New("ck", "cs")
	s.SetURL("http://127.0.0.1:8000")
	ctx := context.Background()
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8000/hooks/x", true},          // the home host on its own port
		{"http://127.0.0.1:8080/hooks/x", true},          // the home host on 8080
		{"http://127.0.0.1/hooks/x", true},               // the home host without a port
		{"http://127.0.0.1:39211/hooks/x", false},        // the home host on another port
		{"http://localhost:8000/hooks/x", false},         // another name for it is not the home host
		{"http://10.1.2.3/hooks/x", false},               // private
		{"http://172.16.0.9/hooks/x", false},             // private
		{"http://172.32.0.9/hooks/x", true},              // just outside 172.16/12
		{"http://192.168.1.5:8080/hooks/x", false},       // private, even on a safe port
		{"http://0.0.0.0/hooks/x", false},                // 0/8
		{"https://93.184.215.14/hooks/x", true},          // public
		{"https://93.184.215.14:8443/hooks/x", false},    // public on an unsafe port
		{"http://[::1]:8000/hooks/x", false},             // IPv6 literal: '[' in the host
		{"http://user:pw@127.0.0.1:8000/hooks/x", false}, // credentials
		{"ftp://93.184.215.14/x", false},
	} {
		if err := s.safeURL(ctx, tc.url); (err == nil) != tc.ok {
			t.Errorf("%s: allowed %v, WordPress: %v", tc.url, err == nil, tc.ok)
		}
	}
	s.AllowDelivery("127.0.0.1", 39211)
	if err := s.safeURL(ctx, "http://127.0.0.1:39211/hooks/x"); err != nil {
		t.Errorf("with the site's filters allowing it: %v", err)
	}
}

func createHook(t *testing.T, s *Shop, deliveryURL string) Webhook {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "https://shop/wp-json/wc/v3/webhooks",
		strings.NewReader(`{"topic":"order.updated","delivery_url":"`+deliveryURL+`","secret":"geheim"}`))
	req.TLS = &tls.ConnectionState{}
	req.SetBasicAuth("ck", "cs")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var w Webhook
	if err := json.Unmarshal(rec.Body.Bytes(), &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// Creating a webhook pings it (form post, no X-WC headers; only exactly 200
// counts), and a URL WordPress refuses is created all the same but never
// reached: each delivery is a failure, and after 6 the next disables it.
func TestPingAndRefusedURL(t *testing.T) {
	var mu sync.Mutex
	var got []string
	code := http.StatusOK
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Header.Get("Content-Type")+"|"+r.Header.Get("X-WC-Webhook-Topic")+"|"+string(b))
		c := code
		mu.Unlock()
		w.WriteHeader(c)
	}))
	defer recv.Close()
	s := New("ck", "cs")
	s.SetURL(recv.URL) // the receiver is on the shop's own host and port
	id := s.AddDutch(1, 1)[0]
	w := createHook(t, s, recv.URL+"/hooks/x")
	if len(got) != 1 || got[0] != "application/x-www-form-urlencoded||webhook_id=1" {
		t.Fatalf("ping: %q", got)
	}
	if p := s.Pings(); len(p) != 1 || p[0].Err != nil || p[0].Code != 200 {
		t.Errorf("pings %+v", p)
	}
	mu.Lock()
	code = http.StatusAccepted // 202 is not exactly 200
	mu.Unlock()
	createHook(t, s, recv.URL+"/hooks/y")
	if p := s.Pings(); len(p) != 2 || p[1].Err == nil {
		t.Errorf("a 202 ping counted: %+v", p)
	}
	if c, err := s.Deliver(context.Background(), w.ID, id); err != nil || c != 202 {
		t.Errorf("deliver: %d %v", c, err) // deliveries count 200–302
	}

	// A listener on the shop's host but another port: refused.
	s.SetURL("http://127.0.0.1:1")
	n := len(got)
	bad := createHook(t, s, recv.URL+"/hooks/z")
	if bad.Status != "active" {
		t.Errorf("created as %s; WooCommerce creates it active", bad.Status)
	}
	if p := s.Pings(); p[len(p)-1].Err == nil || !strings.Contains(p[len(p)-1].Err.Error(), "A valid URL was not provided.") {
		t.Errorf("refused ping: %+v", p[len(p)-1])
	}
	for i := 0; i < 7; i++ {
		if _, err := s.Deliver(context.Background(), bad.ID, id); err == nil {
			t.Fatalf("delivery %d to a refused URL succeeded", i+1)
		}
		st := s.Webhooks()[bad.ID].Status
		if want := map[bool]string{true: "disabled", false: "active"}[i == 6]; st != want {
			t.Fatalf("after %d failures: %s, want %s", i+1, st, want)
		}
	}
	if len(got) != n {
		t.Errorf("the shop sent %d requests to a refused URL", len(got)-n)
	}
}
