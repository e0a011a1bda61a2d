// Package tunnel makes the webhook server reachable from a shop: a Tunnel gives a listener and its public URL, and a Manager keeps one up.
package tunnel

import (
	"context"
	"fmt"
	"net"
)

// Tunnel opens the place where webhooks arrive.
type Tunnel interface {
	// Listen opens an endpoint. It returns within the tunnel's own start
	// deadline or when ctx ends, whichever is first, never later; errors
	// are *Error. The caller closes the endpoint's Listener, which releases
	// everything the tunnel holds. Listen may be called again after that.
	Listen(ctx context.Context) (*Endpoint, error)
}

// Endpoint is an open tunnel: connections arrive on Listener, and URL is
// where a shop sends them (without a trailing slash; the shop's delivery
// URL is URL + "/hooks/woocommerce/{shop}").
type Endpoint struct {
	// Listener accepts the forwarded connections. Close it to end the
	// tunnel; Accept fails once the tunnel is gone for good.
	net.Listener
	URL string
	// Changes, when not nil, receives a value whenever the connection to
	// the tunnel service is lost or restored; Disconnected then tells the
	// current state. A Local endpoint cannot lose its connection and
	// leaves both nil.
	Changes <-chan struct{}
	// Disconnected returns why the tunnel is offline, or nil while it is
	// connected.
	Disconnected func() error
}

// Local is a Tunnel that only listens on this computer, for tests and for
// people who run their own reverse proxy. A shop cannot reach it over the
// internet (WooCommerce even refuses loopback delivery URLs).
type Local struct {
	// Addr is the address to listen on; "127.0.0.1:0" (a free port) when
	// empty.
	Addr string
}

// Listen implements Tunnel.
func (l Local) Listen(ctx context.Context) (*Endpoint, error) {
	addr := l.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, &Error{Kind: KindLocal, Err: fmt.Errorf("listen on %s: %w", addr, err)}
	}
	return &Endpoint{Listener: ln, URL: "http://" + ln.Addr().String()}, nil
}

var _ Tunnel = Local{}
