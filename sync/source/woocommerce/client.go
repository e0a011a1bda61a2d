// Package woocommerce reads orders from a WooCommerce shop through its REST
// API v3 and manages the shop's webhooks.
package woocommerce

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/source"
)

// DefaultTimeout bounds every request when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxBody bounds a response: 100 orders are about half a megabyte.
const maxBody = 64 << 20

// Config says how to reach a shop. BaseURL is the WordPress site address
// ("https://shop.example.nl"); Key and Secret are a REST API key pair
// (ck_…, cs_…) with read (and, for webhooks, write) permission.
type Config struct {
	BaseURL    string
	Key        string
	Secret     string
	HTTPClient *http.Client
	// Timeout bounds each request, body included (default 30 s).
	Timeout time.Duration
}

// Client talks to one WooCommerce shop. Over HTTPS it authenticates with
// HTTP Basic; over plain HTTP, where WooCommerce refuses Basic, it signs
// every request with OAuth 1.0a (one-legged, HMAC-SHA256).
type Client struct {
	base    *url.URL
	key     string
	secret  string
	http    *http.Client
	timeout time.Duration
	// Now is the clock for OAuth timestamps; tests may replace it.
	Now func() time.Time
	// refundCache keeps refund lines per order and modified time, so that
	// the order a poll repeats at its boundary costs no extra request.
	refundCache map[string]refundEntry
}

var _ source.Source = (*Client)(nil)

// New checks cfg and returns a client. It does not contact the shop.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil {
		return nil, &source.Error{Kind: source.BadRequest, Message: "shop URL is not a URL"}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &source.Error{Kind: source.BadRequest, Message: fmt.Sprintf("shop URL %q must start with https:// or http:// and name a host", redactURL(u))}
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, &source.Error{Kind: source.BadRequest, Message: "shop URL must not contain credentials, a query or a fragment"}
	}
	if cfg.Key == "" || cfg.Secret == "" {
		return nil, &source.Error{Kind: source.Auth, Message: "consumer key and secret are required"}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	c := &Client{base: u, key: cfg.Key, secret: cfg.Secret, http: cfg.HTTPClient, timeout: cfg.Timeout,
		Now: time.Now, refundCache: map[string]refundEntry{}}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	return c, nil
}

func redactURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// BaseURL is the shop's address as configured (no trailing slash).
func (c *Client) BaseURL() string { return c.base.String() }

// get is do without a body.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) (http.Header, error) {
	return c.do(ctx, http.MethodGet, path, q, nil, out)
}

// do sends one request to /wp-json/wc/v3/<path> and decodes the JSON answer
// into out. Every failure is a *source.Error whose text has no query string
// and no secret.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body any, out any) (http.Header, error) {
	what := method + " " + c.base.Path + "/wp-json/wc/v3/" + path
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	u := *c.base
	u.Path = c.base.Path + "/wp-json/wc/v3/" + path
	if q == nil {
		q = url.Values{}
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &source.Error{Kind: source.BadRequest, Message: what + ": encode request", Err: err}
		}
		rd = bytes.NewReader(b)
	}
	if u.Scheme == "http" {
		q = c.sign(method, &u, q)
	}
	u.RawQuery = encodeQuery(q)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, &source.Error{Kind: source.BadRequest, Message: what + ": build request"}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Orderbrug")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u.Scheme == "https" {
		req.SetBasicAuth(c.key, c.secret)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(what, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, c.transportError(what, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.statusError(what, resp.StatusCode, raw)
	}
	if out != nil {
		if !looksJSON(raw) {
			return nil, &source.Error{Kind: source.BadResponse, Message: what + ": not a WooCommerce REST API (answer is not JSON" + contentHint(resp) + ")"}
		}
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, &source.Error{Kind: source.BadResponse, Message: what + ": not a WooCommerce REST API (unexpected JSON)", Err: errors.New(c.scrub(err.Error()))}
		}
	}
	return resp.Header, nil
}

func contentHint(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return ", " + strings.SplitN(ct, ";", 2)[0]
	}
	return ""
}

func looksJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// wpError is the body of a WordPress REST error.
type wpError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (c *Client) statusError(what string, status int, raw []byte) error {
	var e wpError
	isWP := looksJSON(raw) && json.Unmarshal(raw, &e) == nil && e.Code != ""
	detail := fmt.Sprintf("HTTP %d", status)
	if isWP {
		detail = fmt.Sprintf("HTTP %d %s: %s", status, e.Code, c.scrub(e.Message))
	}
	kind := source.Unknown
	msg := what + ": " + detail
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		kind = source.Auth
		if isWP && e.Code == "woocommerce_rest_cannot_view" && c.base.Scheme == "http" {
			msg += " (the shop did not accept the signed request)"
		}
	case status == http.StatusNotFound:
		kind = source.NotFound
		switch {
		case !isWP:
			msg = what + ": no WordPress REST API at this address (not a WordPress site, or permalinks set to plain): " + detail
		case e.Code == "rest_no_route":
			msg = what + ": WordPress answers but has no WooCommerce REST route (WooCommerce inactive or too old): " + detail
		}
	case status == http.StatusBadRequest:
		kind = source.BadRequest
	case status >= 500:
		kind = source.Unknown
	}
	return &source.Error{Kind: kind, Message: msg}
}

// transportError classifies an error of the HTTP round trip. A *url.Error
// carries the full URL, and with OAuth the query holds the consumer key
// and signature: only its inner error is kept, and scrubbed.
func (c *Client) transportError(what string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	inner := errors.New(c.scrub(err.Error()))
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return &source.Error{Kind: source.Network, Message: what + ": timed out", Err: inner}
	case errors.Is(err, context.Canceled):
		return &source.Error{Kind: source.Unknown, Message: what + ": canceled", Err: context.Canceled}
	}
	return &source.Error{Kind: source.Network, Message: what + ": cannot reach the shop", Err: inner}
}

// scrub removes anything that could be a credential from a text that goes
// into an error: query strings and the key and secret themselves.
func (c *Client) scrub(s string) string {
	for _, secret := range []string{c.secret, c.key, url.QueryEscape(c.secret), url.QueryEscape(c.key)} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '?')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexAny(s[i:], " \"'\n")
		if j < 0 {
			return b.String()
		}
		s = s[i+j:]
	}
}

// sign adds OAuth 1.0a one-legged parameters to q, as WooCommerce checks
// them (WC_REST_Authentication::check_oauth_signature): the base string is
// METHOD&enc(URL without query)&enc(sorted k=v pairs joined by &), every
// key and value RFC 3986 encoded first; the HMAC key is the consumer secret
// followed by "&" (there is no token secret).
func (c *Client) sign(method string, u *url.URL, q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	out.Set("oauth_consumer_key", c.key)
	out.Set("oauth_nonce", fmt.Sprintf("%x", nonce))
	out.Set("oauth_signature_method", "HMAC-SHA256")
	out.Set("oauth_timestamp", strconv.FormatInt(c.Now().Unix(), 10))
	keys := make([]string, 0, len(out))
	for k := range out {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		// PHP keeps one value per key; we never send a key twice.
		pairs = append(pairs, rfc3986(k)+"="+rfc3986(out.Get(k)))
	}
	baseURL := u.Scheme + "://" + u.Host + u.EscapedPath()
	base := strings.ToUpper(method) + "&" + rfc3986(baseURL) + "&" + rfc3986(strings.Join(pairs, "&"))
	mac := hmac.New(sha256.New, []byte(c.secret+"&"))
	mac.Write([]byte(base))
	out.Set("oauth_signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return out
}

// encodeQuery is url.Values.Encode with %20 for spaces, so PHP decodes
// exactly what was signed.
func encodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(rfc3986(k) + "=" + rfc3986(v))
		}
	}
	return b.String()
}

// rfc3986 percent-encodes all but the unreserved characters, as PHP's
// rawurlencode does.
func rfc3986(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || strings.IndexByte("-_.~", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
