package app

import "context"

// startTunnel starts the ngrok tunnel in front of the webhook server when an
// authtoken is set; without one webhooks reach only this computer.
func (s *Service) startTunnel(ctx context.Context, ts TunnelSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts.Authtoken == "" || !ts.Enabled {
		s.tunnel.State = "off"
		return nil
	}
	s.tunnel.State = "connecting"
	return nil
}
