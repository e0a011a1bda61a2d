package wcemu

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// WordPress sends every webhook request (the creation ping and each
// delivery) with wp_safe_remote_post, which first checks the URL the way
// wp_http_validate_url does and sends nothing when the check fails:
//
//   - the URL must have a host, no user or password, and a host without
//     ':', '#', '?', '[' or ']' (so no IPv6 literal);
//   - unless the host is the site's own home host (compared as text,
//     ignoring case), it is resolved, and an address in 127/8, 10/8, 0/8,
//     172.16/12 or 192.168/16 is refused (the http_request_host_is_external
//     filter can allow it);
//   - a URL with a port is allowed only on 80, 443 or 8080 (the
//     http_allowed_safe_ports filter), or on the home URL's own port when
//     the host is the home host.
//
// The shop's home is its own URL (SetURL). A refused URL is a failed
// delivery as any other, and a refused ping leaves the webhook pending.

// errUnsafeURL is WP_Http's answer to a URL wp_http_validate_url refuses.
var errUnsafeURL = errors.New("A valid URL was not provided.")

// AllowDelivery does what a site's http_request_host_is_external and
// http_allowed_safe_ports filters do for one host and port: a delivery URL
// on host:port is then allowed although it is private or on another port.
// Tests use it for a listener that stands in for a public tunnel.
func (s *Shop) AllowDelivery(host string, port int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.allowed == nil {
		s.allowed = map[string]bool{}
	}
	s.allowed[strings.ToLower(host)+":"+strconv.Itoa(port)] = true
}

// AllowDeliveryHost is AllowDelivery for every port of host (the filters
// get the host and may allow any port for it). Tests whose Local tunnel
// stands in for ngrok (a new port on every start) use it.
func (s *Shop) AllowDeliveryHost(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.allowed == nil {
		s.allowed = map[string]bool{}
	}
	s.allowed[strings.ToLower(host)+":*"] = true
}

// AllowDeliveryURL is AllowDelivery for the host and port of a URL
// (an httptest server's URL).
func (s *Shop) AllowDeliveryURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	port, _ := strconv.Atoi(u.Port())
	s.AllowDelivery(u.Hostname(), effectivePort(u.Scheme, port))
}

// safeURL is wp_http_validate_url against the shop's home URL; it returns
// nil when WordPress would send the request. Called without s.mu.
func (s *Shop) safeURL(ctx context.Context, raw string) error {
	s.mu.Lock()
	home := s.url
	allowed := s.allowed
	s.mu.Unlock()
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return errUnsafeURL
	}
	if u.User != nil {
		return errUnsafeURL
	}
	host := u.Hostname()
	if strings.ContainsAny(host, ":#?[]") || strings.HasPrefix(u.Host, "[") {
		return errUnsafeURL
	}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return errUnsafeURL
		}
	}
	filtered := allowed[strings.ToLower(host)+":"+strconv.Itoa(effectivePort(u.Scheme, port))] || allowed[strings.ToLower(host)+":*"]
	hu, _ := url.Parse(home)
	sameHost := hu != nil && strings.EqualFold(hu.Hostname(), host)
	if !sameHost && !filtered {
		h := strings.Trim(host, ".")
		ip := net.ParseIP(h)
		if ip == nil || ip.To4() == nil {
			addrs, err := net.DefaultResolver.LookupIPAddr(ctx, h)
			if err != nil {
				return errUnsafeURL // gethostbyname failed
			}
			ip = nil
			for _, a := range addrs {
				if a.IP.To4() != nil { // gethostbyname gives an IPv4 address
					ip = a.IP
					break
				}
			}
			if ip == nil {
				return errUnsafeURL
			}
		}
		if privateV4(ip.To4()) {
			return errUnsafeURL
		}
	}
	if port == 0 || port == 80 || port == 443 || port == 8080 || filtered {
		return nil
	}
	if sameHost && hu.Port() != "" && hu.Port() == strconv.Itoa(port) {
		return nil
	}
	return errUnsafeURL
}

func effectivePort(scheme string, port int) int {
	if port != 0 {
		return port
	}
	if scheme == "https" {
		return 443
	}
	return 80
}

// privateV4 is WordPress's list: 127/8, 10/8, 0/8, 172.16/12, 192.168/16.
// (169.254/16 and 100.64/10 are not on it.)
func privateV4(ip net.IP) bool {
	if ip == nil {
		return true
	}
	switch {
	case ip[0] == 127, ip[0] == 10, ip[0] == 0:
		return true
	case ip[0] == 172 && ip[1] >= 16 && ip[1] <= 31:
		return true
	case ip[0] == 192 && ip[1] == 168:
		return true
	}
	return false
}
