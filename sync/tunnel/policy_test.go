package tunnel

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPolicyRateLimit: the traffic policy's last rule is ngrok's rate-limit
// action with the fields ngrok requires (name, algorithm, capacity between
// 1 and 2e9, a rate that is a multiple of 10 s from 60 s to 24 h, a bucket
// key), per client IP, after the path and method rules, so that it counts
// only requests that would reach the app.
func TestPolicyRateLimit(t *testing.T) {
	var doc struct {
		OnHTTPRequest []struct {
			Name        string   `json:"name"`
			Expressions []string `json:"expressions"`
			Actions     []struct {
				Type   string         `json:"type"`
				Config map[string]any `json:"config"`
			} `json:"actions"`
		} `json:"on_http_request"`
	}
	if err := json.Unmarshal([]byte(DefaultPolicy()), &doc); err != nil {
		t.Fatal(err)
	}
	rules := doc.OnHTTPRequest
	if len(rules) != 3 {
		t.Fatalf("%d rules, want path, method, rate limit", len(rules))
	}
	last := rules[2]
	if len(last.Expressions) != 0 || len(last.Actions) != 1 || last.Actions[0].Type != "rate-limit" {
		t.Fatalf("last rule %+v", last)
	}
	c := last.Actions[0].Config
	name, _ := c["name"].(string)
	capacity, _ := c["capacity"].(float64)
	rate, _ := c["rate"].(string)
	d, err := time.ParseDuration(rate)
	keys, _ := c["bucket_key"].([]any)
	if name == "" || len(name) >= 1024 || c["algorithm"] != "sliding_window" ||
		capacity < 1 || capacity > 2e9 || capacity != float64(int(capacity)) ||
		err != nil || d < time.Minute || d > 24*time.Hour || d%(10*time.Second) != 0 ||
		len(keys) != 1 || keys[0] != "conn.client_ip" {
		t.Fatalf("rate-limit config %v", c)
	}
	// A shop's bulk edit of 1,000 orders (created + updated each) passes.
	if int(capacity) < 2000 || !strings.HasSuffix(rate, "s") || strconv.Itoa(int(capacity)) != strconv.Itoa(RateLimitCapacity) {
		t.Fatalf("capacity %v per %s: a bulk edit of 1,000 orders would be cut", capacity, rate)
	}
}
