package app

import (
	"context"
	"time"

	"github.com/orderbrug/orderbrug/sync/store"
	"github.com/orderbrug/orderbrug/sync/tunnel"
)

// TunnelStartTimeout bounds every start of the ngrok tunnel: ngrok-go keeps
// retrying (even with a wrong authtoken) until its context ends.
var TunnelStartTimeout = 15 * time.Second

// startTunnel starts the ngrok tunnel in front of the webhook handler when an
// authtoken is set; without one webhooks reach only this computer and the
// status says so. It returns at once: the tunnel comes up (or reports why
// not, and retries with backoff) in the background while polling goes on.
func (s *Service) startTunnel(ctx context.Context, ts TunnelSettings) error {
	// One start at a time, and the old manager is stopped without holding
	// mu: its last status report (off) takes mu, so stopping it under mu
	// would wait forever.
	s.tunnelStart.Lock()
	defer s.tunnelStart.Unlock()
	s.mu.Lock()
	stop := s.stopTunnel
	s.stopTunnel = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	s.mu.Lock()
	s.tunnel.Mode = TunnelNgrok
	if ts.own() {
		s.tunnel.Mode = TunnelOwn
	}
	if (ts.Authtoken == "" && !ts.own()) || !ts.Enabled {
		s.tunnel.State, s.tunnel.URL, s.tunnel.Error = string(tunnel.StateOff), "", ""
		s.mu.Unlock()
		return nil
	}
	local := s.tunnel.Local
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	s.stopTunnel = func() { cancel(); <-done }
	s.tunnel.State = string(tunnel.StateConnecting)
	s.mu.Unlock()

	newTunnel := s.newTunnel
	if newTunnel == nil {
		newTunnel = func(ts TunnelSettings) tunnel.Tunnel {
			policy, _ := tunnel.Policy(append(append([]string{}, tunnel.DefaultPrefixes...), connectPath)...)
			return &tunnel.Ngrok{Authtoken: ts.Authtoken, Domain: ts.Domain, TrafficPolicy: policy,
				StartTimeout: TunnelStartTimeout, Logger: s.log}
		}
	}
	var tun tunnel.Tunnel
	if ts.own() {
		// The owner's proxy forwards to OwnListen: the webhook server when
		// it listens there, else a listener of its own (the address was
		// changed while running, or the server had to take another port).
		own := tunnel.Own{PublicURL: ts.PublicURL}
		if local != ts.OwnListen {
			own.Addr = ts.OwnListen
		}
		tun = own
	} else {
		tun = newTunnel(ts)
	}
	m := tunnel.NewManager(tunnel.ManagerConfig{
		Tunnel:  tun,
		Handler: s.httpHandler(),
		Logger:  s.log,
		Now:     s.clock.Now,
		OnStatus: func(st tunnel.Status) {
			s.mu.Lock()
			was := s.tunnel.State
			s.tunnel.State, s.tunnel.URL, s.tunnel.Since = string(st.State), st.URL, st.Since
			s.tunnel.Error = ""
			if st.Err != nil {
				s.tunnel.Error = st.Err.Error()
			}
			s.mu.Unlock()
			if was == string(tunnel.StateOnline) && st.State != tunnel.StateOnline {
				_ = s.store.AddEvent(context.Background(), store.Event{Level: store.Warn, Code: "tunnel_down", Detail: s.tunnel.Error})
			}
			if st.State == tunnel.StateOnline && was != string(tunnel.StateOnline) {
				_ = s.store.AddEvent(context.Background(), store.Event{Code: "tunnel_up", Args: map[string]string{"url": st.URL}})
			}
			s.notify()
		},
		OnURL: func(url string) {
			// A new public URL: the shops must deliver there now.
			s.syncWebhooks(ctx, url)
		},
	})
	go func() {
		defer close(done)
		m.Run(ctx)
	}()
	return nil
}

// RestartTunnel applies changed tunnel settings to a running app.
func (s *Service) RestartTunnel(ctx context.Context) error {
	s.mu.Lock()
	running := s.tunnelCtx != nil
	tctx := s.tunnelCtx
	s.mu.Unlock()
	if !running {
		return nil
	}
	ts, err := s.tunnelSettings(ctx)
	if err != nil {
		return err
	}
	return s.startTunnel(tctx, ts)
}
