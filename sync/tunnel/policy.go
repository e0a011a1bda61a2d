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

// Policy returns an ngrok traffic policy (JSON) that lets only POST
// requests to paths under prefixes reach this computer. Anything else is
// answered at ngrok's edge: 404 for other paths (so scanners learn
// nothing and never wake the app), 405 with "Allow: POST" for another
// method on an allowed path. Prefixes must start with "/" and hold only
// letters, digits and "/_.-".
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
		Expressions []string `json:"expressions"`
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
