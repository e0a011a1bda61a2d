package tunnel

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/orderbrug/orderbrug/sync/webhook"
)

// State is where the Manager's tunnel is.
type State string

// States, in the words the tray and the Tunnel tab show (translated).
const (
	// StateOff: not running (before Run, after it returns).
	StateOff State = "off"
	// StateConnecting: a start is under way.
	StateConnecting State = "connecting"
	// StateOnline: webhooks can arrive at URL.
	StateOnline State = "online"
	// StateOffline: the tunnel lost its connection and ngrok is
	// reconnecting; deliveries fail meanwhile (polling covers them).
	StateOffline State = "offline"
	// StateError: the last start failed; Err says why, and a retry
	// follows at NextRetry (none for KindNoAuthtoken).
	StateError State = "error"
)

// Status is a snapshot of the Manager, for the UI.
type Status struct {
	State State
	// URL is the public URL while online or offline; empty otherwise.
	URL string
	// Err is why it is in StateError or StateOffline; an *Error when it
	// comes from a start. Never contains the authtoken.
	Err error
	// Since is when State last changed.
	Since time.Time
	// LastDelivery is when the handler last answered a POST with 2xx.
	LastDelivery time.Time
	// Failures counts starts that failed in a row.
	Failures int
	// NextRetry is when the next start is due, in StateError.
	NextRetry time.Time
}

// ManagerConfig configures a Manager.
type ManagerConfig struct {
	Tunnel  Tunnel
	Handler http.Handler
	// OnStatus is called with every new Status, in order, from the
	// Manager's goroutines. It must not block (hand it to the UI thread).
	OnStatus func(Status)
	// OnURL is called when the public URL differs from the previous one
	// (the first start included): the app registers the shop's webhooks
	// again then. It runs on the Manager's goroutine and may block briefly;
	// deliveries are already being served.
	OnURL func(url string)
	// MinBackoff and MaxBackoff bound the wait between failed starts;
	// 2 s and 5 min when zero. The wait doubles per failure, with jitter.
	MinBackoff, MaxBackoff time.Duration
	// ReconnectGrace is how long an offline tunnel may take to reconnect by
	// itself before the Manager starts a new one (sessions can hang after
	// a laptop sleeps); 1 min when zero.
	ReconnectGrace time.Duration
	// NewServer builds the HTTP server for each endpoint;
	// webhook.NewServer when nil.
	NewServer func(http.Handler) *http.Server
	Logger    *slog.Logger
	Now       func() time.Time
}

// Manager keeps the webhook handler reachable through a Tunnel: it starts
// the tunnel, serves the handler on it, watches it, and starts it again
// when it fails, with backoff.
type Manager struct {
	cfg ManagerConfig

	mu           sync.Mutex
	status       Status
	publishedURL string     // the URL OnURL was last called with
	pubMu        sync.Mutex // keeps OnStatus calls in order
}

// NewManager returns a Manager; Run starts it.
func NewManager(cfg ManagerConfig) *Manager {
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 2 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.ReconnectGrace <= 0 {
		cfg.ReconnectGrace = time.Minute
	}
	if cfg.NewServer == nil {
		cfg.NewServer = webhook.NewServer
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Manager{cfg: cfg}
	m.status = Status{State: StateOff, Since: cfg.Now()}
	return m
}

// Status returns the current status.
func (m *Manager) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

// update changes the status under the lock and publishes the result.
func (m *Manager) update(f func(s *Status)) {
	m.pubMu.Lock()
	defer m.pubMu.Unlock()
	m.mu.Lock()
	old := m.status.State
	f(&m.status)
	if m.status.State != old {
		m.status.Since = m.cfg.Now()
	}
	s := m.status
	m.mu.Unlock()
	if m.cfg.OnStatus != nil {
		m.cfg.OnStatus(s)
	}
}

// Run keeps the tunnel up until ctx ends, then closes it, waits for the
// requests in flight and returns. Nothing it started is left running.
// Call Run once per Manager.
func (m *Manager) Run(ctx context.Context) {
	log := m.cfg.Logger.With("component", "tunnel")
	defer m.update(func(s *Status) { *s = Status{State: StateOff, LastDelivery: s.LastDelivery} })
	failures := 0
	for ctx.Err() == nil {
		m.update(func(s *Status) { s.State = StateConnecting })
		ep, err := m.cfg.Tunnel.Listen(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			wait := m.backoff(failures)
			retry := KindOf(err) != KindNoAuthtoken
			m.update(func(s *Status) {
				s.State, s.Err, s.URL, s.Failures = StateError, err, "", failures
				s.NextRetry = time.Time{}
				if retry {
					s.NextRetry = m.cfg.Now().Add(wait)
				}
			})
			log.Warn("tunnel start failed", "kind", KindOf(err).String(), "err", err, "failures", failures, "retry_in", wait)
			if !retry {
				// Nothing changes without a new authtoken, and a new
				// token means a new Manager.
				<-ctx.Done()
				return
			}
			if !sleep(ctx, wait) {
				return
			}
			continue
		}
		failures = 0
		log.Info("tunnel up", "url", ep.URL)
		m.serve(ctx, ep, log)
		// Serving ended without ctx ending: the tunnel failed. Pause a
		// little so a tunnel that dies at once does not spin.
		if ctx.Err() == nil && !sleep(ctx, m.cfg.MinBackoff) {
			return
		}
	}
}

// serve serves the handler on ep until ctx ends, the listener fails, or
// the tunnel stays offline longer than ReconnectGrace. It closes ep.
func (m *Manager) serve(ctx context.Context, ep *Endpoint, log *slog.Logger) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := m.cfg.NewServer(m.track(m.cfg.Handler))
	done := make(chan error, 1)
	go func() { done <- webhook.Serve(sctx, srv, ep.Listener) }()

	m.update(func(s *Status) {
		s.State, s.URL, s.Err, s.Failures, s.NextRetry = StateOnline, ep.URL, nil, 0, time.Time{}
	})
	if m.cfg.OnURL != nil && m.lastPublishedURL(ep.URL) {
		m.cfg.OnURL(ep.URL)
	}

	var grace *time.Timer
	var graceC <-chan time.Time
	defer func() {
		if grace != nil {
			grace.Stop()
		}
	}()
	for {
		select {
		case err := <-done:
			// Serve closed the listener; make sure the tunnel is gone too.
			_ = ep.Listener.Close()
			if ctx.Err() == nil {
				log.Warn("tunnel ended", "err", err)
				m.update(func(s *Status) { s.State, s.Err = StateOffline, errOrEnded(err) })
			}
			return
		case <-ep.Changes:
			if derr := ep.Disconnected(); derr != nil {
				log.Warn("tunnel offline", "err", derr)
				m.update(func(s *Status) { s.State, s.Err = StateOffline, derr })
				if grace == nil {
					grace = time.NewTimer(m.cfg.ReconnectGrace)
					graceC = grace.C
				}
			} else {
				log.Info("tunnel online again")
				m.update(func(s *Status) { s.State, s.Err = StateOnline, nil })
				if grace != nil {
					grace.Stop()
					grace, graceC = nil, nil
				}
			}
		case <-graceC:
			log.Warn("tunnel did not reconnect, starting a new one", "after", m.cfg.ReconnectGrace)
			cancel() // Serve shuts down and closes the listener; done follows
			graceC = nil
		}
	}
}

// lastPublishedURL records url and reports whether it is new.
func (m *Manager) lastPublishedURL(url string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.publishedURL == url {
		return false
	}
	m.publishedURL = url
	return true
}

type endedError struct{}

func (endedError) Error() string { return "the tunnel closed" }

func errOrEnded(err error) error {
	if err == nil {
		return endedError{}
	}
	return err
}

// track wraps h to note successful deliveries in the status.
func (m *Manager) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if r.Method == http.MethodPost && rec.status < 300 {
			now := m.cfg.Now()
			m.update(func(s *Status) { s.LastDelivery = now })
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// backoff is MinBackoff·2^(n-1), capped at MaxBackoff, with ±20 % jitter
// so that many apps behind one outage do not retry in step.
func (m *Manager) backoff(n int) time.Duration {
	d := m.cfg.MinBackoff
	for i := 1; i < n && d < m.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, m.cfg.MaxBackoff)
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return max(m.cfg.MinBackoff/2, min(d+jitter, m.cfg.MaxBackoff))
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
