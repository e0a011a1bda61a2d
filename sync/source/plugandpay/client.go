// Package plugandpay reads orders from Plug&Pay through its API v2
// (../shared/APIS.md §1), receives its webhook calls as hints, and
// registers its webhook rules.
package plugandpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// DefaultURL is the API host the docs name; the official SDK uses
// https://api.plugandpay.com, and both are in use (APIS.md §1.1).
const DefaultURL = "https://api.plugandpay.nl"

// DefaultTimeout bounds every request when Config.Timeout is zero (the SDK
// uses 25 s).
const DefaultTimeout = 30 * time.Second

// maxBody bounds a response: 100 orders with every include are well under
// a megabyte.
const maxBody = 64 << 20

// userAgent is sent because the docs mark User-Agent required.
const userAgent = "Orderbrug CustomApiCall/2"

// Config says how to reach a tenant: the API host (DefaultURL when empty;
// a trailing /v2 is accepted) and the API key.
type Config struct {
	BaseURL    string
	Key        string
	HTTPClient *http.Client
	Timeout    time.Duration
	// NoCancellations: the shop's option "cancellations" is off, so no
	// webhook rule is made for subscription_ended.
	NoCancellations bool
}

// Client talks to one Plug&Pay tenant.
type Client struct {
	base    *url.URL
	key     string
	http    *http.Client
	timeout time.Duration
	// now is the clock a poll's cursor is capped by (time.Now).
	now func() time.Time
	// sdkOnly is set once the tenant refused an include only the tap
	// asks for [T]: from then on only the SDK's are asked.
	sdkOnly atomic.Bool
	// triggers are those a webhook rule is made for.
	triggers []string
}

var (
	_ source.Source              = (*Client)(nil)
	_ source.ReportingPoller     = (*Client)(nil)
	_ source.ConnectionTester    = (*Client)(nil)
	_ source.HookRegistrar       = (*Client)(nil)
	_ source.SubscriptionFetcher = (*Client)(nil)
	_ source.CursorOwner         = (*Client)(nil)
)

// New checks cfg and returns a client. It does not contact Plug&Pay.
func New(cfg Config) (*Client, error) {
	raw := strings.TrimSpace(cfg.BaseURL)
	if raw == "" {
		raw = DefaultURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &source.Error{Kind: source.BadRequest, Message: "API address is not a URL"}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &source.Error{Kind: source.BadRequest, Message: fmt.Sprintf("API address %q must start with https:// and name a host", (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String())}
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, &source.Error{Kind: source.BadRequest, Message: "API address must not contain credentials, a query or a fragment"}
	}
	if strings.TrimSpace(cfg.Key) == "" {
		return nil, &source.Error{Kind: source.Auth, Message: "an API key is required"}
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v2")
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	// A redirect is never followed: with the Accept header sent, Plug&Pay
	// redirects only to its login page, and a followed redirect to another
	// host would lose or leak the key.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{base: u, key: strings.TrimSpace(cfg.Key), http: &hc, timeout: cfg.Timeout, now: time.Now}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	for _, t := range Triggers {
		if t == TriggerSubscriptionEnded && cfg.NoCancellations {
			continue
		}
		c.triggers = append(c.triggers, t)
	}
	return c, nil
}

// Kind is order.PlugAndPay.
func (c *Client) Kind() order.Source { return order.PlugAndPay }

// BaseURL is the API host as configured, without /v2.
func (c *Client) BaseURL() string { return c.base.String() }

var retryDelay = 250 * time.Millisecond

// get is do without a body.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, q, nil, out)
}

// do sends one request to /v2/<path> and decodes the JSON answer into out.
// Every failure is a *source.Error whose text holds no key. A GET that fails
// on the way (connection dropped, 502/503/504) is tried once more.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body any, out any) error {
	what := method + " /v2/" + path
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return &source.Error{Kind: source.BadRequest, Message: what + ": encode request", Err: err}
		}
	}
	u := *c.base
	u.Path = c.base.Path + "/v2/" + path
	u.RawQuery = q.Encode()
	for attempt := 0; ; attempt++ {
		retry, err := c.once(ctx, what, method, u.String(), b, out)
		if !retry || attempt > 0 || method != http.MethodGet {
			return err
		}
		select {
		case <-time.After(retryDelay):
		case <-ctx.Done():
			return err
		}
	}
}

// getURL GETs an absolute URL on the API host (a links.next).
func (c *Client) getURL(ctx context.Context, what, u string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	retry, err := c.once(ctx, what, http.MethodGet, u, nil, out)
	if retry {
		time.Sleep(retryDelay)
		_, err = c.once(ctx, what, http.MethodGet, u, nil, out)
	}
	return err
}

func (c *Client) once(ctx context.Context, what, method, u string, body []byte, out any) (bool, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return false, &source.Error{Kind: source.BadRequest, Message: what + ": build request"}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", "nl")
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("User-Agent", userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return transient(err), c.transportError(what, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return transient(err), c.transportError(what, err)
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		return false, &source.Error{Kind: source.BadResponse, Message: fmt.Sprintf("%s: HTTP %d redirect: not Plug&Pay's API at this address, or it refused the request", what, resp.StatusCode)}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		retry := resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout
		return retry, c.statusError(what, resp.StatusCode, raw)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return false, nil
	}
	if !looksJSON(raw) {
		return false, &source.Error{Kind: source.BadResponse, Message: what + ": not Plug&Pay's API (the answer is not JSON)"}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return false, &source.Error{Kind: source.BadResponse, Message: what + ": unexpected JSON", Err: errors.New(c.scrub(err.Error()))}
	}
	return false, nil
}

func looksJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// apiError is Plug&Pay's error body: Laravel's {"message", "errors"} or the
// OAuth form {"error", "error_description"} (APIS.md §1.2).
type apiError struct {
	Message     string              `json:"message"`
	Errors      map[string][]string `json:"errors"`
	Error       string              `json:"error"`
	Description string              `json:"error_description"`
}

// statusError classifies an error answer. A 422's messages (localised,
// Dutch as asked) are kept, field by field in a stable order.
func (c *Client) statusError(what string, status int, raw []byte) error {
	var e apiError
	if looksJSON(raw) {
		_ = json.Unmarshal(raw, &e)
	}
	detail := fmt.Sprintf("HTTP %d", status)
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = strings.TrimSpace(firstNonEmpty(e.Description, e.Error))
	}
	if msg != "" {
		detail += ": " + c.scrub(msg)
	}
	if len(e.Errors) > 0 {
		fields := make([]string, 0, len(e.Errors))
		for f := range e.Errors {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		var parts []string
		for _, f := range fields {
			parts = append(parts, f+": "+c.scrub(strings.Join(e.Errors[f], " ")))
		}
		detail += " (" + strings.Join(parts, "; ") + ")"
	}
	kind := source.Unknown
	switch {
	case status == http.StatusUnauthorized:
		kind = source.Auth
		detail += " (the API key is wrong or revoked)"
	case status == http.StatusForbidden:
		kind = source.Auth
		detail += " (the API key lacks the right for this)"
	case status == http.StatusNotFound:
		kind = source.NotFound
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		kind = source.BadRequest
	}
	return &source.Error{Kind: kind, Message: what + ": " + detail}
}

func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

// transportError classifies a round-trip error; the URL of a *url.Error is
// dropped (it carries nothing secret, but the message stays short).
func (c *Client) transportError(what string, err error) error {
	return source.TransportError(what, "Plug&Pay", err, c.scrub)
}

// scrub removes the key from a text that goes into an error.
func (c *Client) scrub(s string) string {
	if c.key != "" {
		s = strings.ReplaceAll(s, c.key, "[redacted]")
	}
	return s
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// sameHost reports whether u is on the configured API host, so a
// links.next may be followed with the key.
func (c *Client) sameHost(u string) bool {
	p, err := url.Parse(u)
	return err == nil && p.Scheme == c.base.Scheme && strings.EqualFold(p.Host, c.base.Host) &&
		strings.HasPrefix(p.Path, c.base.Path+"/v2/")
}

// TestConnection checks the key with GET /v2/auth/tenants/me.
func (c *Client) TestConnection(ctx context.Context) error {
	_, err := c.Identity(ctx)
	return err
}

// Identity is the Plug&Pay account behind the key ("tenant:1"), from
// GET /v2/auth/tenants/me: the API host is the same for every account, so
// it is the account that says whether a shop connected again is one that
// was removed (source.Identifier).
func (c *Client) Identity(ctx context.Context) (string, error) {
	var me struct {
		Data struct {
			ID json.RawMessage `json:"id"`
		} `json:"data"`
	}
	if err := c.get(ctx, "auth/tenants/me", nil, &me); err != nil {
		return "", fmt.Errorf("test connection: %w", err)
	}
	id := strings.Trim(string(me.Data.ID), `"`)
	if id == "" || id == "null" {
		return "", &source.Error{Kind: source.BadResponse, Message: "GET /v2/auth/tenants/me: no tenant in the answer"}
	}
	return "tenant:" + id, nil
}
