package tunnel

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
)

// Own is the owner's own way in: a Cloudflare Tunnel, Tailscale Funnel or
// reverse proxy that makes PublicURL reach a fixed local address. Orderbrug
// only listens there; nothing connects out, so Own cannot lose a
// connection (Changes stays nil).
type Own struct {
	// PublicURL is where shops deliver (https://orderbrug.example.nl).
	PublicURL string
	// Addr is the local address the proxy forwards to. Empty when the
	// webhook server already listens there: the endpoint then accepts
	// nothing itself and only publishes the URL.
	Addr string
}

// Listen implements Tunnel.
func (o Own) Listen(ctx context.Context) (*Endpoint, error) {
	u := strings.TrimRight(o.PublicURL, "/")
	if u == "" {
		return nil, &Error{Kind: KindUnknown, Err: fmt.Errorf("no public URL")}
	}
	if o.Addr == "" {
		return &Endpoint{Listener: newIdle(), URL: u}, nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, &Error{Kind: KindLocal, Err: fmt.Errorf("listen on %s: %w", o.Addr, err)}
	}
	return &Endpoint{Listener: ln, URL: u}, nil
}

var _ Tunnel = Own{}

// idle is a Listener that never accepts a connection until closed.
type idle struct {
	once sync.Once
	done chan struct{}
}

func newIdle() *idle { return &idle{done: make(chan struct{})} }

func (l *idle) Accept() (net.Conn, error) {
	<-l.done
	return nil, net.ErrClosed
}

func (l *idle) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *idle) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
