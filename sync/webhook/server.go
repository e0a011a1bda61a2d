package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server timeouts. A webhook is one small POST: anything slower than this is
// a broken or hostile client and must not hold a connection.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	// WriteTimeout covers reading the body and the Inbox commit too (it
	// runs from the end of the headers), so it is longer than ReadTimeout.
	WriteTimeout   = 45 * time.Second
	IdleTimeout    = 90 * time.Second
	MaxHeaderBytes = 64 << 10
	// ShutdownGrace is how long Serve waits for requests in flight to end.
	ShutdownGrace = 10 * time.Second
)

// NewServer returns an http.Server for h with every timeout set, so a slow
// client (slowloris: headers or body a byte at a time) is cut off instead of
// holding a goroutine and a connection forever.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// Serve serves srv on ln until ctx ends, then shuts down gracefully: no new
// connections, requests in flight get ShutdownGrace to finish (a delivery
// half committed must still be answered). It closes ln. It returns nil
// after a shutdown caused by ctx, or the error that stopped serving.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var serveErr error
	served := false
	select {
	case serveErr = <-errc:
		served = true
		// Serve ended by itself (the listener failed or was closed, as a
		// tunnel's is when its session ends). Still wait for the handlers
		// in flight, below.
		if errors.Is(serveErr, http.ErrServerClosed) {
			serveErr = nil
		}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		// Grace ran out: cut what is left.
		srv.Close()
	}
	if !served {
		<-errc
	}
	switch {
	case serveErr != nil:
		return fmt.Errorf("serve webhooks: %w", serveErr)
	case err != nil:
		return fmt.Errorf("shut down webhook server: %w", err)
	}
	return nil
}
