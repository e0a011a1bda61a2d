package tunnel

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// DefaultStartTimeout bounds one ngrok start. ngrok-go never gives up by
// itself (offline, or even with a wrong authtoken, it retries until its
// context ends), so without a deadline a start would hang forever.
const DefaultStartTimeout = 10 * time.Second

// Ngrok is a Tunnel through ngrok (golang.ngrok.com/ngrok/v2): a public
// https URL that forwards to this computer, without an open port.
type Ngrok struct {
	// Authtoken of the user's ngrok account. Required; never logged.
	Authtoken string
	// Domain is the account's static domain ("shop.ngrok.app"), if any.
	// Without it the URL changes on every start and the shop's webhooks
	// must be registered again (see Manager's OnURL).
	Domain string
	// TrafficPolicy is the ngrok traffic policy (JSON or YAML) applied at
	// ngrok's edge; DefaultPolicy() when empty. Use "-" for none.
	TrafficPolicy string
	// StartTimeout bounds Listen; DefaultStartTimeout when zero.
	StartTimeout time.Duration
	// Logger receives ngrok-go's own log, with the authtoken removed;
	// nothing is logged when nil.
	Logger *slog.Logger

	// connectURL overrides ngrok's service address (tests only).
	connectURL string
}

var _ Tunnel = (*Ngrok)(nil)

// ngrokHealth follows the agent's connect and disconnect events. ngrok-go
// calls the handler on its own goroutine and requires it not to block.
type ngrokHealth struct {
	mu      sync.Mutex
	err     error // nil while connected
	changes chan struct{}
	secret  string
}

func (h *ngrokHealth) handle(ev ngrok.Event) {
	var err error
	switch e := ev.(type) {
	case *ngrok.EventAgentConnectSucceeded:
	case *ngrok.EventAgentDisconnected:
		err = errors.New("disconnected from ngrok")
		if e.Error != nil {
			err = errors.New("disconnected from ngrok: " + lastLine(redact(e.Error.Error(), h.secret)))
		}
	default:
		return
	}
	h.mu.Lock()
	h.err = err
	h.mu.Unlock()
	select {
	case h.changes <- struct{}{}:
	default: // a signal is already pending; Disconnected reads the latest
	}
}

func (h *ngrokHealth) disconnected() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Listen connects to ngrok and opens an https endpoint, within
// StartTimeout. On failure it returns an *Error (KindTimeout with
// context.DeadlineExceeded in its chain when time ran out) and leaves
// nothing running.
func (n *Ngrok) Listen(ctx context.Context) (*Endpoint, error) {
	token := strings.TrimSpace(n.Authtoken)
	if token == "" {
		return nil, &Error{Kind: KindNoAuthtoken}
	}
	policy := n.TrafficPolicy
	switch policy {
	case "":
		policy = DefaultPolicy()
	case "-":
		policy = ""
	}
	timeout := n.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}

	health := &ngrokHealth{changes: make(chan struct{}, 1), secret: token}
	opts := []ngrok.AgentOption{
		ngrok.WithAuthtoken(token),
		ngrok.WithClientInfo("orderbrug", "1"),
		ngrok.WithEventHandler(health.handle),
		ngrok.WithLogger(slog.New(redactHandler{inner: loggerHandler(n.Logger), secret: token})),
	}
	if n.connectURL != "" {
		opts = append(opts, ngrok.WithAgentConnectURL(n.connectURL))
	}
	agent, err := ngrok.NewAgent(opts...)
	if err != nil {
		return nil, classify(err, token, false, false)
	}

	// The session lives on the context given to Connect (ngrok closes it
	// when that ends), so it gets its own context, ended by the start
	// deadline or the caller only while starting, and by Close after.
	sessCtx, endSession := context.WithCancel(context.WithoutCancel(ctx))
	startCtx, cancelStart := context.WithTimeout(ctx, timeout)
	defer cancelStart()
	stopWatch := context.AfterFunc(startCtx, func() {
		endSession()
		// Listen's request to ngrok takes no context: closing the
		// session is what unblocks it.
		_ = agent.Disconnect()
	})

	var ln ngrok.EndpointListener
	err = agent.Connect(sessCtx)
	if err == nil {
		eopts := []ngrok.EndpointOption{ngrok.WithDescription("Orderbrug webhooks")}
		if d := strings.TrimSpace(n.Domain); d != "" {
			if !strings.Contains(d, "://") {
				d = "https://" + d
			}
			eopts = append(eopts, ngrok.WithURL(d))
		}
		if policy != "" {
			eopts = append(eopts, ngrok.WithTrafficPolicy(policy))
		}
		ln, err = agent.Listen(startCtx, eopts...)
	}
	if !stopWatch() || err != nil {
		// Failed, or the deadline struck just as it succeeded: either way
		// nothing may stay behind.
		if ln != nil {
			_ = ln.Close()
		}
		endSession()
		_ = agent.Disconnect()
		timedOut := errors.Is(startCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		return nil, classify(err, token, timedOut, ctx.Err() != nil)
	}

	return &Endpoint{
		Listener:     &ngrokListener{EndpointListener: ln, agent: agent, end: endSession},
		URL:          strings.TrimSuffix(ln.URL().String(), "/"),
		Changes:      health.changes,
		Disconnected: health.disconnected,
	}, nil
}

// ngrokListener closes the agent's session with the endpoint.
type ngrokListener struct {
	ngrok.EndpointListener
	agent ngrok.Agent
	end   context.CancelFunc
	once  sync.Once
}

func (l *ngrokListener) Close() error {
	var err error
	l.once.Do(func() {
		err = l.EndpointListener.Close()
		if derr := l.agent.Disconnect(); err == nil {
			err = derr
		}
		l.end()
	})
	return err
}

func loggerHandler(l *slog.Logger) slog.Handler {
	if l == nil {
		return slog.DiscardHandler
	}
	return l.Handler()
}

// redactHandler removes the authtoken from every message and attribute
// before it reaches the real handler: ngrok's server quotes the token in
// its auth errors, and ngrok-go logs those.
type redactHandler struct {
	inner  slog.Handler
	secret string
}

func (h redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, redact(r.Message, h.secret), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return redactHandler{inner: h.inner.WithAttrs(clean), secret: h.secret}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{inner: h.inner.WithGroup(name), secret: h.secret}
}

func (h redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(v.String(), h.secret))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = h.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		// Errors, Stringers, structs: reduce to redacted text.
		if s := v.String(); strings.Contains(s, h.secret) {
			return slog.String(a.Key, redact(s, h.secret))
		}
		return slog.Attr{Key: a.Key, Value: v}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
