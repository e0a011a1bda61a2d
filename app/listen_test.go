package app_test

import (
	"context"
	"net"
	"testing"

	"github.com/orderbrug/orderbrug/app"
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
