package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/tunnel"
)

// syncBuffer is a bytes.Buffer for writers on several goroutines (serve,
// the logger).
type syncBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoCommandPrintsASecret runs every command of the CLI (each subcommand,
// text and --json, successes and failures: a wrong consumer secret, a
// forged delivery, serve with its tunnel and webhooks) and greps everything
// it wrote and every log line, at debug level, for every secret: the
// consumer secret (the right and a wrong one), the webhook secret and the
// ngrok authtoken. Only `webhook secret --shop N` may print the webhook
// secret. Secrets are given as "-" (stdin), as a person keeping them out
// of ps would. A command added later is run too (bare and with --json):
// the test fails for a command it never ran.
func TestNoCommandPrintsASecret(t *testing.T) {
	const (
		key        = "ck_5f1e0c9a7b3d2e4f6a8b0c1d2e3f4a5b6c7d8e9f"
		secret     = "cs_SECRETconsumer9d8c7b6a5f4e3d2c1b0a9f8e7d6c"
		wrong      = "cs_WRONGconsumer0a1b2c3d4e5f6a7b8c9d0e1f2a3b4"
		authtoken  = "2abcAUTHTOKENngrok_7hTq9KxYzW3vLmN8pQrS5tUv"
		shopName   = "Koffiebar"
		webhookCmd = "webhook secret"
	)
	emu := wcemu.New(key, secret)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.SetURL(srv.URL)
	emu.AllowDeliveryHost("127.0.0.1") // the Local tunnel stands in for ngrok's public URL
	ids := emu.AddDutch(6, 7)
	for _, id := range ids[:3] {
		emu.SetStatus(id, "processing")
	}
	emu.SetStatus(ids[3], "on-hold")

	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	old := slog.Default()
	slog.SetDefault(logger)
	defer slog.SetDefault(old)

	dir := filepath.Join(t.TempDir(), "data")
	ubl := filepath.Join(t.TempDir(), "facturen")
	base := Options{Logger: logger, Tunnel: func(TunnelSettings) tunnel.Tunnel { return tunnel.Local{} }}
	type ran struct {
		args          []string
		out, err      string
		secretAllowed bool
	}
	var runs []ran
	seen := map[string]bool{}
	run := func(stdin string, args ...string) (int, string) {
		t.Helper()
		out, errOut := &syncBuffer{}, &syncBuffer{}
		c := &CLI{Stdout: out, Stderr: errOut, Stdin: strings.NewReader(stdin), Options: base}
		code := c.Run(context.Background(), append([]string{"--data-dir", dir}, args...))
		cmd := strings.Join(args[:min(2, len(args))], " ")
		seen[args[0]] = true
		runs = append(runs, ran{args: args, out: out.String(), err: errOut.String(), secretAllowed: cmd == webhookCmd})
		return code, out.String()
	}
	must := func(stdin string, args ...string) string {
		t.Helper()
		code, out := run(stdin, args...)
		if code != 0 && code != 3 {
			t.Fatalf("%v: exit %d: %s", args, code, runs[len(runs)-1].err)
		}
		return out
	}

	// Set-up, with a wrong secret first (the error must not quote it).
	if code, _ := run(wrong+"\n", "shop", "add", "woocommerce", "--name", shopName, "--url", srv.URL, "--key", key, "--secret", "-"); code != 1 {
		t.Errorf("shop add with a wrong secret: exit %d", code)
	}
	must(key+"\n"+secret+"\n", "shop", "add", "woocommerce", "--name", shopName, "--url", srv.URL, "--key", "-", "--secret", "-",
		"--since", "2020-01-01")
	must("", "seller", "set", "--name", "Koffiebar BV", "--kvk", "12345678", "--vat", "NL123456789B01", "--street", "Dorpsstraat 1",
		"--postcode", "1234 AB", "--city", "Utrecht", "--country", "NL", "--iban", "NL91ABNA0417164300")
	must("", "ledger", "ubl", "--dir", ubl)
	if code, _ := run("\n", "tunnel", "set", "--authtoken", "-"); code == 0 {
		t.Error("tunnel set with an empty authtoken from stdin succeeded")
	}
	must(authtoken+"\n", "tunnel", "set", "--authtoken", "-")
	must("", "webhook", "on", "--shop", shopName)

	// serve: the tunnel comes up, the webhooks are registered, the shop
	// delivers a signed order and a stranger a forged one.
	ctx, cancel := context.WithCancel(context.Background())
	serveOut, serveErr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int)
	go func() {
		c := &CLI{Stdout: serveOut, Stderr: serveErr, Options: base}
		done <- c.Run(ctx, []string{"--data-dir", dir, "serve"})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(emu.Webhooks()) < 2 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve registered no webhooks: %s %s", serveOut.String(), serveErr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var hookURL string
	for id, h := range emu.Webhooks() {
		hookURL = h.DeliveryURL
		if code, err := emu.Deliver(context.Background(), id, ids[4]); err != nil || code != 200 {
			t.Errorf("delivery: %d %v", code, err)
		}
	}
	if resp, err := http.Post(hookURL, "application/json", strings.NewReader(`{"id":1}`)); err == nil {
		resp.Body.Close()
	}
	req, _ := http.NewRequest(http.MethodPost, hookURL, strings.NewReader(`{"id":2}`))
	req.Header.Set("X-WC-Webhook-Signature", wcemu.Sign([]byte(`{"id":2}`), "guessed"))
	req.Header.Set("X-WC-Webhook-Topic", "order.updated")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve: exit %d: %s", code, serveErr.String())
	}
	seen["serve"] = true
	runs = append(runs, ran{args: []string{"serve"}, out: serveOut.String(), err: serveErr.String()})

	// serve with the real ngrok agent, which cannot connect here: it logs
	// and reports its failure within its start deadline.
	oldTimeout := TunnelStartTimeout
	TunnelStartTimeout = 2 * time.Second
	defer func() { TunnelStartTimeout = oldTimeout }()
	ctx, cancel = context.WithCancel(context.Background())
	ngrokOut, ngrokErr := &syncBuffer{}, &syncBuffer{}
	go func() {
		opt := base
		opt.Tunnel = nil
		c := &CLI{Stdout: ngrokOut, Stderr: ngrokErr, Options: opt}
		done <- c.Run(ctx, []string{"--data-dir", dir, "serve"})
	}()
	time.Sleep(3 * time.Second)
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve with ngrok: exit %d: %s", code, ngrokErr.String())
	}
	runs = append(runs, ran{args: []string{"serve", "(ngrok)"}, out: ngrokOut.String(), err: ngrokErr.String()})
	must("", "tunnel", "status", "--json")

	// Everything else, text and JSON.
	must("", "sync")
	must("", "recheck")
	number := ""
	for _, id := range ids {
		if o, ok := emu.Order(id); ok && o.Status == "on-hold" {
			number = o.Number
		}
	}
	for _, args := range [][]string{
		{"shop", "list"}, {"shop", "list", "--json"}, {"shop", "show", shopName}, {"shop", "show", shopName, "--json"},
		{"shop", "set", shopName, "--sells", "goods"}, {"shop", "forward", shopName, "processing,completed"},
		{"seller", "show"}, {"seller", "show", "--json"},
		{"orders"}, {"orders", "--json"}, {"orders", "--state", "parked", "--json"},
		{"order", "show", shopName, number}, {"order", "show", shopName, number, "--json"}, {"order", "check", shopName, number},
		{"order", "book", shopName, number}, {"order", "credit", shopName, number}, {"order", "retry", shopName, number},
		{"order", "ignore", shopName, number}, {"order", "unignore", shopName, number},
		{"log"}, {"log", "--json", "--limit", "500"},
		{"webhook", "status"}, {"webhook", "status", "--json"}, {"webhook", "off"}, {"webhook", "on"},
		{"tunnel", "status"}, {"tunnel", "status", "--json"},
		{"inbox"}, {"inbox", "--json"}, {"inbox", "--rejected"}, {"inbox", "--rejected", "--json"},
		{"help"},
	} {
		run("", args...)
	}
	if _, out := run("", "webhook", "secret", "--shop", shopName); strings.TrimSpace(out) == "" {
		t.Error("webhook secret printed nothing")
	}
	// A till: its secret is a request header's value, made by Orderbrug.
	must("", "shop", "add", "pos", "--name", "Kassa", "--booking", "per-check")
	for _, args := range [][]string{{"shop", "show", "Kassa"}, {"shop", "show", "Kassa", "--json"}, {"shop", "list", "--json"},
		{"webhook", "status", "--shop", "Kassa"}, {"webhook", "status", "--shop", "Kassa", "--json"}, {"kinds"}} {
		run("", args...)
	}
	if _, out := run("", "webhook", "secret", "--shop", "Kassa"); !strings.HasPrefix(out, "X-Orderbrug-Key: ") {
		t.Errorf("webhook secret of a till printed %q", out)
	}
	// The own URL, and a shop whose webhook secret was pasted by hand.
	must("", "tunnel", "set", "--public-url", "https://orderbrug.invalid", "--listen", "127.0.0.1:18787")
	run("", "tunnel", "status", "--json")
	run("", "webhook", "status", "--json")
	run("", "shop", "rename", shopName, "Koffiebar Utrecht")
	run("", "shop", "remove", "Koffiebar Utrecht")
	// Commands added after this test was written: bare and with --json.
	var names []string
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !seen[name] {
			run("", name)
			run("", name, "--json")
		}
	}

	// The webhook secret is Orderbrug's own; read it from the store.
	st, err := Open(context.Background(), Options{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var hookSecret, tillSecret string
	if shops, err := st.store.Shops(context.Background()); err == nil {
		for _, sh := range shops {
			if sh.Source == order.POS {
				tillSecret = sh.Webhook.Secret
			} else {
				hookSecret = sh.Webhook.Secret
			}
		}
	}
	st.Close()
	if hookSecret == "" {
		// The shop was removed: the secret the shop was given is in the emulator.
		for _, h := range emu.Webhooks() {
			hookSecret = h.Secret
		}
	}
	if hookSecret == "" {
		t.Fatal("no webhook secret to look for")
	}
	if tillSecret == "" {
		t.Fatal("no till secret to look for")
	}
	secrets := map[string]string{"consumer secret": secret, "wrong consumer secret": wrong, "ngrok authtoken": authtoken,
		"webhook secret": hookSecret, "till's webhook secret": tillSecret}
	printedSecret := false
	for _, r := range runs {
		for what, s := range secrets {
			for stream, text := range map[string]string{"stdout": r.out, "stderr": r.err} {
				if !strings.Contains(text, s) {
					continue
				}
				if r.secretAllowed && (what == "webhook secret" || what == "till's webhook secret") && stream == "stdout" {
					printedSecret = true
					continue
				}
				t.Errorf("orderbrug %s: the %s is on its %s:\n%s", strings.Join(r.args, " "), what, stream, text)
			}
		}
	}
	if !printedSecret {
		t.Error("webhook secret --shop N did not print the secret")
	}
	lines := strings.Split(logs.String(), "\n")
	for i, line := range lines {
		for what, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("log line %d has the %s: %s", i+1, what, line)
			}
		}
	}
	for _, name := range names {
		if !seen[name] {
			t.Errorf("command %s was never run", name)
		}
	}
	for _, want := range []string{"webhook: accepted", "webhook: rejected", "webhook: ping"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in the log: the grep looked at too little", want)
		}
	}
	t.Logf("%d command runs and %d log lines checked for %d secrets", len(runs), len(lines), len(secrets))
	t.Log(logs.String())
}
