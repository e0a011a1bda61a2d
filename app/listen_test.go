package app_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/store"
)

// TestWebhookListenerStaysOnLoopback: the local webhook server listens on
// loopback (no firewall question on Windows) and keeps that address; an
// address given for one run (serve --listen) serves that run and is not
// kept, so the window started later listens on loopback again.
func TestWebhookListenerStaysOnLoopback(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	run := func(listen string) (local, kept string) {
		t.Helper()
		svc, err := app.Open(ctx, app.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		if err := svc.StartWebhooks(ctx, listen); err != nil {
			t.Fatal(err)
		}
		ts, _, err := svc.TunnelSettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return svc.TunnelStatus().Local, ts.Listen
	}
	// The very first run with an address of its own (serve --listen
	// 0.0.0.0:8787 on a new computer; any port on localhost here) keeps
	// nothing.
	if _, kept := run("localhost:0"); kept != "" {
		t.Fatalf("a first run with --listen kept %q", kept)
	}
	first, kept := run("")
	host, _, err := net.SplitHostPort(first)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("the default listener is on %q, not loopback", first)
	}
	if kept != first {
		t.Fatalf("kept %q, listened on %q", kept, first)
	}
	// Nor does one later.
	other, keptAfter := run("localhost:0")
	if other == first {
		t.Fatalf("--listen localhost:0 listened on the kept %s", first)
	}
	if keptAfter != first {
		t.Errorf("a run with --listen %s changed the kept address to %q", other, keptAfter)
	}
	if again, _ := run(""); again != first {
		t.Errorf("after a --listen run the default listens on %s, not the kept %s", again, first)
	}
}

// TestWebhookListenerLeavesAnOldWideAddress: an install that kept an
// address beyond loopback before such addresses stopped being kept (a
// first serve --listen 0.0.0.0:8787) listens on loopback again, on a port
// it keeps from then on; the own-URL listener (OwnListen), which the owner
// chose for the proxy, stays where it is.
func TestWebhookListenerLeavesAnOldWideAddress(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	seed := func(ts app.TunnelSettings) {
		t.Helper()
		st, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.SetSetting(ctx, "tunnel", ts); err != nil {
			t.Fatal(err)
		}
	}
	run := func() (local, kept string) {
		t.Helper()
		svc, err := app.Open(ctx, app.Options{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		if err := svc.StartWebhooks(ctx, ""); err != nil {
			t.Fatal(err)
		}
		ts, _, err := svc.TunnelSettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return svc.TunnelStatus().Local, ts.Listen
	}
	loopback := func(addr string) bool {
		host, _, err := net.SplitHostPort(addr)
		return err == nil && net.ParseIP(host).IsLoopback()
	}
	for _, old := range []string{"0.0.0.0:0", "[::]:0", ":0"} {
		seed(app.TunnelSettings{Listen: old})
		local, kept := run()
		if !loopback(local) || kept != local {
			t.Fatalf("kept %s: listened on %s, kept %q; want loopback, kept", old, local, kept)
		}
		if again, _ := run(); again != local {
			t.Errorf("kept %s: the next start listens on %s, not the new %s", old, again, local)
		}
	}

	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(free.Addr().String())
	free.Close()
	own := net.JoinHostPort("0.0.0.0", port)
	seed(app.TunnelSettings{Listen: own, OwnListen: own})
	for i := 0; i < 2; i++ {
		local, kept := run()
		if _, p, _ := net.SplitHostPort(local); kept != own || p != port || loopback(local) {
			t.Errorf("start %d with the own-URL listener %s: listened on %s, kept %q; want it kept", i+1, own, local, kept)
		}
	}
}

// TestOwnURLOnEveryInterface: an own URL whose proxy forwards to
// 0.0.0.0:PORT (a proxy on another computer) is served by the webhook
// server itself, not by a second listener on the same port that cannot
// open (the server reports itself as [::]:PORT).
func TestOwnURLOnEveryInterface(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skip("no IPv4 any-address here:", err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	svc, err := app.Open(ctx, app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if err := svc.SetOwnURL(ctx, "https://winkel.example/orderbrug", "0.0.0.0:"+port); err != nil {
		t.Fatal(err)
	}
	if err := svc.StartWebhooks(ctx, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := svc.TunnelStatus()
		if st.State == "online" {
			break
		}
		if st.State == "error" || time.Now().After(deadline) {
			t.Fatalf("own URL on 0.0.0.0:%s: %+v", port, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := svc.TunnelStatus().Local; got != "0.0.0.0:"+port {
		t.Errorf("local %q, want 0.0.0.0:%s", got, port)
	}
}
