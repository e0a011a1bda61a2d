package tunnel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeToken looks like an ngrok authtoken; it must never show up anywhere.
const fakeToken = "2fAkEt0kEnOrderbrugTest_5b8Yx1QzWvUu3TtSsRrQqPpOoNn"

// settle waits until the goroutine count is back to base, or fails.
func settle(t *testing.T, base int) {
	t.Helper()
	var n int
	for range 100 {
		n = runtime.NumGoroutine()
		if n <= base {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	t.Fatalf("%d goroutines left, started with %d:\n%s", n, base, buf)
}

// statusLog collects every Status the Manager publishes.
type statusLog struct {
	mu  sync.Mutex
	all []Status
	ch  chan Status
}

func newStatusLog() *statusLog { return &statusLog{ch: make(chan Status, 1000)} }

func (l *statusLog) add(s Status) {
	l.mu.Lock()
	l.all = append(l.all, s)
	l.mu.Unlock()
	select {
	case l.ch <- s:
	default:
	}
}

func (l *statusLog) snapshot() []Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Status(nil), l.all...)
}

// waitFor waits for a status matching ok.
func (l *statusLog) waitFor(t *testing.T, what string, d time.Duration, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case s := <-l.ch:
			if ok(s) {
				return s
			}
		case <-deadline:
			t.Fatalf("no status %s within %v; saw %+v", what, d, l.snapshot())
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
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

func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// hooksHandler answers POST /hooks/... with 200, as the webhook handler
// does for a delivery it committed.
func hooksHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %d bytes for %s", len(b), r.PathValue("rest"))
	})
	return mux
}

// TestManagerServesLocal: the Manager opens a Local tunnel, reports it
// online with its URL, serves the handler there end to end, and after
// ctx ends closes the port and leaves no goroutines.
func TestManagerServesLocal(t *testing.T) {
	base := runtime.NumGoroutine()
	st := newStatusLog()
	urls := make(chan string, 4)
	m := NewManager(ManagerConfig{
		Tunnel:   Local{},
		Handler:  hooksHandler(),
		OnStatus: st.add,
		OnURL:    func(u string) { urls <- u },
		Logger:   slog.New(slog.DiscardHandler),
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { m.Run(ctx); close(ran) }()

	url := <-urls
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("URL %q", url)
	}
	on := st.waitFor(t, "online", 5*time.Second, func(s Status) bool { return s.State == StateOnline })
	if on.URL != url || on.Err != nil || on.Since.IsZero() {
		t.Fatalf("online status %+v", on)
	}
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Post(url+"/hooks/woocommerce/s", "application/json", strings.NewReader(`{"id":1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "got 8 bytes for woocommerce/s" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	client.CloseIdleConnections()
	if m.Status().LastDelivery.IsZero() {
		t.Fatal("LastDelivery not set after a 200")
	}

	cancel()
	select {
	case <-ran:
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if s := m.Status(); s.State != StateOff || s.URL != "" || s.LastDelivery.IsZero() {
		t.Fatalf("after Run: %+v", s)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
		t.Fatal("port still open after Run returned")
	}
	if got := len(urls); got != 0 {
		t.Fatalf("OnURL called %d more times", got)
	}
	settle(t, base)
}

// TestNgrokOfflineFailsWithinDeadline: on this machine ngrok's service is
// unreachable; ngrok-go would retry forever, the start gives up at its
// deadline with a clear error that wraps context.DeadlineExceeded, holds
// no authtoken, and leaves nothing running.
func TestNgrokOfflineFailsWithinDeadline(t *testing.T) {
	base := runtime.NumGoroutine()
	logs := &syncBuffer{}
	n := &Ngrok{Authtoken: fakeToken, StartTimeout: 2 * time.Second, Logger: debugLogger(logs)}
	start := time.Now()
	ep, err := n.Listen(context.Background())
	took := time.Since(start)
	if err == nil {
		ep.Close()
		t.Skip("this machine reached ngrok: the offline test does not apply")
	}
	if took > 3500*time.Millisecond {
		t.Fatalf("Listen took %v with a 2 s deadline", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v does not wrap context.DeadlineExceeded", err)
	}
	if k := KindOf(err); k != KindNetwork && k != KindTimeout {
		t.Fatalf("kind %v, want network or timeout: %v", k, err)
	}
	t.Logf("error shown: %v", err)
	if strings.Contains(err.Error(), fakeToken) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), fakeToken) || strings.Contains(logs.String(), fakeToken) {
		t.Fatal("authtoken leaked into the error or log")
	}
	settle(t, base)
}

// TestNgrokCallerCancel: the caller's own cancel ends a start at once and
// is not reported as the tunnel's deadline.
func TestNgrokCallerCancel(t *testing.T) {
	n := &Ngrok{Authtoken: fakeToken, StartTimeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := n.Listen(ctx)
	if err == nil {
		t.Skip("reached ngrok")
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("cancel took %v", time.Since(start))
	}
	if errors.Is(err, context.DeadlineExceeded) && KindOf(err) == KindTimeout {
		t.Fatalf("caller cancel reported as tunnel timeout: %v", err)
	}
}

// TestManagerRetriesNgrokWithBackoff: with ngrok unreachable the Manager
// goes connecting → error → connecting → error, counting failures, with a
// retry time that grows; it never leaks the authtoken; Stop leaves no
// goroutines.
func TestManagerRetriesNgrokWithBackoff(t *testing.T) {
	base := runtime.NumGoroutine()
	logs := &syncBuffer{}
	st := newStatusLog()
	m := NewManager(ManagerConfig{
		Tunnel:     &Ngrok{Authtoken: fakeToken, StartTimeout: 700 * time.Millisecond, Logger: debugLogger(logs)},
		Handler:    hooksHandler(),
		OnStatus:   st.add,
		MinBackoff: 100 * time.Millisecond,
		MaxBackoff: 300 * time.Millisecond,
		Logger:     debugLogger(logs),
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { m.Run(ctx); close(ran) }()

	third := st.waitFor(t, "third failure", 10*time.Second, func(s Status) bool { return s.State == StateError && s.Failures >= 3 })
	if k := KindOf(third.Err); k != KindNetwork && k != KindTimeout {
		t.Fatalf("kind %v: %v", KindOf(third.Err), third.Err)
	}
	cancel()
	<-ran

	all := st.snapshot()
	var states []State
	for _, s := range all {
		if len(states) == 0 || states[len(states)-1] != s.State {
			states = append(states, s.State)
		}
	}
	want := []State{StateConnecting, StateError, StateConnecting, StateError, StateConnecting, StateError}
	if len(states) < len(want) || fmt.Sprint(states[:len(want)]) != fmt.Sprint(want) || states[len(states)-1] != StateOff {
		t.Fatalf("transitions %v", states)
	}
	var errs []Status
	for _, s := range all {
		if s.State == StateError {
			errs = append(errs, s)
		}
		if strings.Contains(fmt.Sprintf("%+v", s), fakeToken) || (s.Err != nil && strings.Contains(s.Err.Error(), fakeToken)) {
			t.Fatal("authtoken in a status")
		}
	}
	for i, s := range errs {
		if s.Failures != i+1 || s.NextRetry.IsZero() || !errors.Is(s.Err, context.DeadlineExceeded) {
			t.Fatalf("error status %d: %+v", i, s)
		}
	}
	if strings.Contains(logs.String(), fakeToken) {
		t.Fatal("authtoken in the log")
	}
	if !strings.Contains(logs.String(), "tunnel start failed") {
		t.Fatal("failures not logged")
	}
	settle(t, base)
}

// TestManagerNoAuthtoken: without a token the Manager says so in plain
// words and does not retry (nothing can change until the user enters one).
func TestManagerNoAuthtoken(t *testing.T) {
	st := newStatusLog()
	m := NewManager(ManagerConfig{Tunnel: &Ngrok{}, Handler: hooksHandler(), OnStatus: st.add, MinBackoff: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { m.Run(ctx); close(ran) }()
	s := st.waitFor(t, "error", 2*time.Second, func(s Status) bool { return s.State == StateError })
	if KindOf(s.Err) != KindNoAuthtoken || s.Err.Error() != "webhooks need an ngrok authtoken" || !s.NextRetry.IsZero() {
		t.Fatalf("%+v", s)
	}
	time.Sleep(100 * time.Millisecond)
	if m.Status().Failures != 1 {
		t.Fatalf("retried without a token: %+v", m.Status())
	}
	cancel()
	<-ran
}

// flakyTunnel is a stand-in for a remote tunnel service: it opens local
// listeners and lets the test drop and restore the "connection" the way
// ngrok-go's connect/disconnect events do.
type flakyTunnel struct {
	mu      sync.Mutex
	listens int
	changes chan struct{}
	down    error
}

func (f *flakyTunnel) Listen(ctx context.Context) (*Endpoint, error) {
	ep, err := Local{}.Listen(ctx)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.listens++
	f.changes = make(chan struct{}, 1)
	f.down = nil
	ep.Changes = f.changes
	f.mu.Unlock()
	ep.Disconnected = func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.down
	}
	return ep, nil
}

func (f *flakyTunnel) set(down error) {
	f.mu.Lock()
	f.down = down
	ch := f.changes
	f.mu.Unlock()
	ch <- struct{}{}
}

func (f *flakyTunnel) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listens
}

// TestManagerWatchesDisconnects: a short drop shows offline then online on
// the same tunnel; a drop longer than ReconnectGrace makes the Manager
// start a new tunnel, and OnURL reports the new URL.
func TestManagerWatchesDisconnects(t *testing.T) {
	base := runtime.NumGoroutine()
	ft := &flakyTunnel{}
	st := newStatusLog()
	urls := make(chan string, 4)
	m := NewManager(ManagerConfig{
		Tunnel: ft, Handler: hooksHandler(), OnStatus: st.add, OnURL: func(u string) { urls <- u },
		MinBackoff: 20 * time.Millisecond, ReconnectGrace: 300 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { m.Run(ctx); close(ran) }()
	first := <-urls
	st.waitFor(t, "online", 2*time.Second, func(s Status) bool { return s.State == StateOnline })

	ft.set(errors.New("heartbeat timeout"))
	off := st.waitFor(t, "offline", 2*time.Second, func(s Status) bool { return s.State == StateOffline })
	if off.URL != first || off.Err == nil {
		t.Fatalf("offline status %+v", off)
	}
	ft.set(nil)
	st.waitFor(t, "online again", 2*time.Second, func(s Status) bool { return s.State == StateOnline })
	time.Sleep(400 * time.Millisecond) // past the grace: no restart may follow
	if ft.count() != 1 {
		t.Fatalf("restarted after a short drop: %d listens", ft.count())
	}

	ft.set(errors.New("session hung"))
	second := <-urls // a new tunnel after the grace
	if second == first || ft.count() != 2 {
		t.Fatalf("after a long drop: url %s (was %s), %d listens", second, first, ft.count())
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(first, "http://"), time.Second); err == nil {
		t.Fatal("old endpoint still open")
	}
	cancel()
	<-ran
	settle(t, base)
}

// TestManagerRestartsWhenListenerDies: if the endpoint's listener fails
// (the tunnel is gone for good), the Manager opens a new one.
func TestManagerRestartsWhenListenerDies(t *testing.T) {
	ft := &flakyTunnel{}
	eps := make(chan string, 4)
	m := NewManager(ManagerConfig{
		Tunnel: ft, Handler: hooksHandler(), OnURL: func(u string) { eps <- u },
		MinBackoff: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var lns []net.Listener
	m.cfg.NewServer = func(h http.Handler) *http.Server {
		return &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	}
	wrapped := &listenerSpy{Tunnel: ft, got: func(l net.Listener) { mu.Lock(); lns = append(lns, l); mu.Unlock() }}
	m.cfg.Tunnel = wrapped
	ran := make(chan struct{})
	go func() { m.Run(ctx); close(ran) }()
	<-eps
	mu.Lock()
	lns[0].Close() // the tunnel dies under the server
	mu.Unlock()
	select {
	case <-eps:
	case <-time.After(3 * time.Second):
		t.Fatal("no new tunnel after the listener died")
	}
	cancel()
	<-ran
}

type listenerSpy struct {
	Tunnel
	got func(net.Listener)
}

func (s *listenerSpy) Listen(ctx context.Context) (*Endpoint, error) {
	ep, err := s.Tunnel.Listen(ctx)
	if err == nil {
		s.got(ep.Listener)
	}
	return ep, err
}

func TestPolicy(t *testing.T) {
	p, err := Policy("/hooks/", "/wc-auth/callback/")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OnHTTPRequest []struct {
			Expressions []string `json:"expressions"`
			Actions     []struct {
				Type   string `json:"type"`
				Config struct {
					StatusCode int               `json:"status_code"`
					Headers    map[string]string `json:"headers"`
				} `json:"config"`
			} `json:"actions"`
		} `json:"on_http_request"`
	}
	if err := json.Unmarshal([]byte(p), &doc); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, p)
	}
	rules := doc.OnHTTPRequest
	if len(rules) != 3 { // path, method, rate limit (TestPolicyRateLimit)
		t.Fatalf("%d rules", len(rules))
	}
	if e := rules[0].Expressions[0]; e != "!(req.url.path.startsWith('/hooks/') || req.url.path.startsWith('/wc-auth/callback/'))" {
		t.Fatalf("path rule %q", e)
	}
	if a := rules[0].Actions[0]; a.Type != "custom-response" || a.Config.StatusCode != 404 {
		t.Fatalf("path action %+v", a)
	}
	if e, a := rules[1].Expressions[0], rules[1].Actions[0]; e != "req.method != 'POST'" || a.Config.StatusCode != 405 || a.Config.Headers["allow"] != "POST" {
		t.Fatalf("method rule %q %+v", e, a)
	}
	for _, bad := range []string{"", "hooks/", "/x')||true||('", "/a b", "/../admin", "/hooks/\n"} {
		if _, err := Policy(bad); err == nil {
			t.Errorf("Policy(%q) accepted", bad)
		}
	}
	if _, err := Policy(); err == nil {
		t.Error("Policy() with no prefix accepted")
	}
	if DefaultPolicy() == "" || !strings.Contains(DefaultPolicy(), "'/hooks/'") || strings.Contains(DefaultPolicy(), "wc-auth") {
		t.Error("DefaultPolicy")
	}
}

// ngrokLikeError has ngrok.Error's shape and, like ngrok's real
// ERR_NGROK_105/107 messages, quotes the authtoken.
type ngrokLikeError struct{ code, msg string }

func (e ngrokLikeError) Error() string { return e.msg }
func (e ngrokLikeError) Code() string  { return e.code }

func TestClassifyRedacts(t *testing.T) {
	quoting := ngrokLikeError{"ERR_NGROK_107", "authentication failed: The authtoken you specified is properly formed, but it is invalid.\nYour authtoken: " + fakeToken + "\n\nhttps://ngrok.com/docs/errors/err_ngrok_107"}
	tests := []struct {
		name     string
		err      error
		timedOut bool
		kind     Kind
	}{
		{"bad token", fmt.Errorf("failed to connect: %w", quoting), true, KindBadAuthtoken},
		{"dns", &net.DNSError{Err: "no such host", Name: "connect.ngrok-agent.com", IsNotFound: true}, true, KindNetwork},
		{"domain", ngrokLikeError{"ERR_NGROK_320", "domain is not reserved on your account"}, false, KindRejected},
		{"deadline only", context.DeadlineExceeded, true, KindTimeout},
	}
	for _, tt := range tests {
		e := classify(tt.err, fakeToken, tt.timedOut, false)
		if e.Kind != tt.kind {
			t.Errorf("%s: kind %v, want %v (%v)", tt.name, e.Kind, tt.kind, e)
		}
		if tt.timedOut != errors.Is(e, context.DeadlineExceeded) {
			t.Errorf("%s: deadline in chain = %v", tt.name, !tt.timedOut)
		}
		for err := error(e); err != nil; err = errors.Unwrap(err) {
			if strings.Contains(err.Error(), fakeToken) {
				t.Errorf("%s: token in the chain: %q", tt.name, err.Error())
			}
		}
		if strings.Contains(e.Error(), "\n") || len(e.Error()) > 500 {
			t.Errorf("%s: not a short line: %q", tt.name, e.Error())
		}
	}
	if e := classify(quoting, fakeToken, false, false); e.Code != "ERR_NGROK_107" || !strings.Contains(e.Error(), "ngrok refused the authtoken") {
		t.Errorf("bad token message: %v", e)
	}
}

func TestRedactHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redactHandler{inner: slog.NewTextHandler(&buf, nil), secret: fakeToken})
	log.With("cfg", "token="+fakeToken).WithGroup("g").Error("auth failed: Your authtoken: "+fakeToken,
		"err", errors.New("x "+fakeToken), "s", fakeToken, slog.Group("inner", "t", fakeToken), "n", 3)
	out := buf.String()
	if strings.Contains(out, fakeToken) || !strings.Contains(out, "[authtoken]") || !strings.Contains(out, "n=3") {
		t.Fatalf("log: %s", out)
	}
}
