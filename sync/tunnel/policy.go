package tunnel

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// DefaultPrefixes are the paths the ngrok edge lets through by default:
// the webhook routes only. The WooCommerce connect flow adds
// "/wc-auth/callback/" while it runs.
var DefaultPrefixes = []string{"/hooks/"}

// prefixRE keeps prefixes safe to put inside a CEL string literal.
var prefixRE = regexp.MustCompile(`^/[A-Za-z0-9/_.-]*$`)

// The rate limit at ngrok's edge: at most RateLimitCapacity requests per
// RateLimitWindow from one client IP reach this computer; the rest are
// answered 429 by ngrok. A shop sends from its server's IP: a bulk edit of
// a thousand orders fires two deliveries each (order.created and
// order.updated), and WooCommerce disables a webhook after a few failures,
// so the limit is far above what a shop sends and only stops a flood. The
// window must be a multiple of 10 s, at least 60 s (ngrok's rule).
const (
	RateLimitCapacity = 3000
	RateLimitWindow   = "60s"
)

// Policy returns an ngrok traffic policy (JSON) that lets only POST
// requests to paths under prefixes reach this computer, at most
// RateLimitCapacity per RateLimitWindow per client IP. Anything else is
// answered at ngrok's edge: 404 for other paths (so scanners learn
// nothing and never wake the app), 405 with "Allow: POST" for another
// method on an allowed path, 429 over the rate limit. Prefixes must start
// with "/" and hold only letters, digits and "/_.-".
func Policy(prefixes ...string) (string, error) {
	if len(prefixes) == 0 {
		return "", fmt.Errorf("traffic policy: no allowed path prefixes")
	}
	conds := make([]string, len(prefixes))
	for i, p := range prefixes {
		if !prefixRE.MatchString(p) || strings.Contains(p, "..") {
			return "", fmt.Errorf("traffic policy: bad path prefix %q", p)
		}
		conds[i] = fmt.Sprintf("req.url.path.startsWith('%s')", p)
	}
	allowed := strings.Join(conds, " || ")
	type action struct {
		Type   string         `json:"type"`
		Config map[string]any `json:"config"`
	}
	type rule struct {
		Name        string   `json:"name"`
		Expressions []string `json:"expressions,omitempty"`
		Actions     []action `json:"actions"`
	}
	doc := map[string][]rule{
		"on_http_request": {
			{
				Name:        "orderbrug: only webhook paths",
				Expressions: []string{"!(" + allowed + ")"},
				Actions: []action{{Type: "custom-response", Config: map[string]any{
					"status_code": 404,
					"headers":     map[string]string{"content-type": "text/plain"},
					"body":        "not found\n",
				}}},
			},
			{
				Name:        "orderbrug: only POST",
				Expressions: []string{"req.method != 'POST'"},
				Actions: []action{{Type: "custom-response", Config: map[string]any{
					"status_code": 405,
					"headers":     map[string]string{"content-type": "text/plain", "allow": "POST"},
					"body":        "method not allowed, use POST\n",
				}}},
			},
			{
				// Only POSTs to allowed paths get here (the rules above
				// answer the rest): no expression needed.
				Name: "orderbrug: rate limit per client",
				Actions: []action{{Type: "rate-limit", Config: map[string]any{
					"name":       "orderbrug webhooks per client IP",
					"algorithm":  "sliding_window",
					"capacity":   RateLimitCapacity,
					"rate":       RateLimitWindow,
					"bucket_key": []string{"conn.client_ip"},
				}}},
			},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("traffic policy: %w", err)
	}
	return string(b), nil
}

// DefaultPolicy is Policy(DefaultPrefixes...).
func DefaultPolicy() string {
	p, err := Policy(DefaultPrefixes...)
	if err != nil {
		panic(err) // DefaultPrefixes are constants that pass Policy's check
	}
	return p
}
