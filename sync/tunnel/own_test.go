package tunnel

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestManagerServesOwn: with the owner's own URL the Manager publishes that
// URL (OnURL, online) and serves the handler on the fixed local address
// the owner's proxy forwards to; a taken address is a KindLocal error, and
// with no address (the webhook server listens there already) it only
// publishes, and stops cleanly.
func TestManagerServesOwn(t *testing.T) {
	base := runtime.NumGoroutine()
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.Addr().String()
	probe.Close()

	const public = "https://orderbrug.example.nl"
	for _, tc := range []struct {
		name string
		own  Own
	}{{"own listener", Own{PublicURL: public + "/", Addr: addr}}, {"webhook server already there", Own{PublicURL: public}}} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStatusLog()
			urls := make(chan string, 4)
			m := NewManager(ManagerConfig{Tunnel: tc.own, Handler: hooksHandler(), OnStatus: st.add,
				OnURL: func(u string) { urls <- u }, Logger: slog.New(slog.DiscardHandler)})
			ctx, cancel := context.WithCancel(context.Background())
			ran := make(chan struct{})
			go func() { m.Run(ctx); close(ran) }()
			if u := <-urls; u != public {
				t.Fatalf("URL %q", u)
			}
			on := st.waitFor(t, "online", 5*time.Second, func(s Status) bool { return s.State == StateOnline })
			if on.URL != public {
				t.Fatalf("online %+v", on)
			}
			if tc.own.Addr != "" {
				client := &http.Client{Transport: &http.Transport{}}
				resp, err := client.Post("http://"+addr+"/hooks/woocommerce/s", "application/json", strings.NewReader(`{"id":1}`))
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				client.CloseIdleConnections()
				if resp.StatusCode != 200 || string(body) != "got 8 bytes for woocommerce/s" {
					t.Fatalf("%d %q", resp.StatusCode, body)
				}
				// Taken now: a second Own on it fails as a local error.
				_, err = Own{PublicURL: public, Addr: addr}.Listen(context.Background())
				if KindOf(err) != KindLocal || !strings.Contains(err.Error(), addr) {
					t.Errorf("second listener: %v", err)
				}
			}
			cancel()
			select {
			case <-ran:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
			if s := m.Status(); s.State != StateOff {
				t.Fatalf("after Run: %+v", s)
			}
		})
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("port still open after Run returned")
	}
	if _, err := (Own{}).Listen(context.Background()); err == nil {
		t.Error("Own without a public URL listened")
	}
	settle(t, base)
}
