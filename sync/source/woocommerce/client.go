// Package woocommerce reads orders from a WooCommerce shop through its REST
// API v3 and manages the shop's webhooks.
package woocommerce

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"syscall"
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
	c := &Client{base: u, key: cfg.Key, secret: cfg.Secret, timeout: cfg.Timeout,
		Now: time.Now, refundCache: map[string]refundEntry{}}
	// Redirects are never followed: a redirect to another host drops the
	// Authorization header, one to another address breaks the OAuth
	// signature (it signs the URL), and a followed request would reuse its
	// nonce. A redirect says where the shop lives instead (see redirectError).
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &hc
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

// retryDelay is the pause before the one retry of a GET that failed on the
// way (connection dropped, 502/503/504).
var retryDelay = 250 * time.Millisecond

// do sends one request to /wp-json/wc/v3/<path> and decodes the JSON answer
// into out. Every failure is a *source.Error whose text has no query string
// and no secret. A GET that fails on the way is tried once more, signed
// anew: WooCommerce refuses an OAuth nonce it has seen, and a timestamp
// from before the pause is older than it needs to be.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body any, out any) (http.Header, error) {
	what := method + " " + c.base.Path + "/wp-json/wc/v3/" + path
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, &source.Error{Kind: source.BadRequest, Message: what + ": encode request", Err: err}
		}
	}
	for attempt := 0; ; attempt++ {
		h, retry, err := c.once(ctx, what, method, path, q, b, out)
		if !retry || attempt > 0 || method != http.MethodGet {
			return h, err
		}
		select {
		case <-time.After(retryDelay):
		case <-ctx.Done():
			return h, err
		}
	}
}

// once is one attempt of do; retry says whether a GET may be tried again.
func (c *Client) once(ctx context.Context, what, method, path string, q url.Values, body []byte, out any) (http.Header, bool, error) {
	u := *c.base
	u.Path = c.base.Path + "/wp-json/wc/v3/" + path
	if q == nil {
		q = url.Values{}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	if u.Scheme == "http" {
		q = c.sign(method, &u, q) // a fresh nonce and timestamp for every attempt
	}
	u.RawQuery = encodeQuery(q)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, false, &source.Error{Kind: source.BadRequest, Message: what + ": build request"}
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
		if herr := c.httpsOnHTTP(ctx, what, err); herr != nil {
			return nil, false, herr
		}
		return nil, transient(err), c.transportError(what, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, transient(err), c.transportError(what, err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, false, c.redirectError(what, req.URL, resp)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := c.statusError(what, resp.StatusCode, raw)
		switch {
		case resp.StatusCode == http.StatusNotFound:
			err = c.discover(ctx, what, resp.Header, err)
		case resp.StatusCode == http.StatusUnauthorized && u.Scheme == "http" && badSignature(raw):
			err = c.homeElsewhere(ctx, what, err)
		}
		switch resp.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return nil, true, err
		}
		return nil, false, err
	}
	if out != nil {
		if !looksJSON(raw) {
			err := &source.Error{Kind: source.BadResponse, Message: what + ": not a WooCommerce REST API (answer is not JSON" + contentHint(resp) + ")"}
			return nil, false, c.discover(ctx, what, resp.Header, err)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, false, &source.Error{Kind: source.BadResponse, Message: what + ": not a WooCommerce REST API (unexpected JSON)", Err: errors.New(c.scrub(err.Error()))}
		}
	}
	return resp.Header, false, nil
}

// transient reports whether a round-trip error is worth one more try: the
// connection broke (reset, closed early), not a refusal, a timeout or a
// certificate.
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
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
	return source.TransportError(what, "the shop", err, c.scrub)
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

// AddressError says that the shop's REST API is not at the address
// configured, and where it is. It is the cause (Err) of a *source.Error;
// callers find it with errors.As, or through its AddressHint method.
type AddressError struct {
	// Code is "moved" (the shop redirects to its home address, Use),
	// "no_https" (nothing speaks HTTPS at that address; Use is its http://
	// address), "wordpress_at" (WordPress lives at Use, not at the address
	// given) or "plain_permalinks" (the REST API is only reachable with
	// permalinks other than "plain"; Use is the site).
	Code string
	// Use is the address to enter instead; "" when unknown.
	Use string
}

func (e *AddressError) Error() string {
	switch e.Code {
	case "moved":
		return "the shop lives at " + e.Use + ": use that address"
	case "no_https":
		return "the shop does not speak HTTPS at this address; it answers plain HTTP at " + e.Use
	case "wordpress_at":
		return "WordPress lives at " + e.Use + ": use that address"
	case "plain_permalinks":
		return "the shop's permalinks are set to \"plain\", which hides the REST API: choose any other permalink setting in WordPress"
	}
	return "wrong shop address"
}

// AddressHint returns the code and the address to use instead.
func (e *AddressError) AddressHint() (code, use string) { return e.Code, e.Use }

// probeTimeout bounds each of the requests that find out where a shop
// really is; they carry no credentials.
const probeTimeout = 5 * time.Second

// redirectError turns a 3xx into the address the shop wants to be reached
// at. WordPress redirects every request to its home URL (another host,
// www or not, http or https): the request must then be made there, not
// followed (see New).
func (c *Client) redirectError(what string, from *url.URL, resp *http.Response) error {
	loc := resp.Header.Get("Location")
	target, err := from.Parse(loc)
	if loc == "" || err != nil || target.Host == "" {
		return &source.Error{Kind: source.BadResponse, Message: fmt.Sprintf("%s: HTTP %d redirect without a usable Location", what, resp.StatusCode)}
	}
	use := siteOf(target)
	if use == c.base.String() {
		return &source.Error{Kind: source.BadResponse, Message: fmt.Sprintf("%s: HTTP %d redirects to the same address", what, resp.StatusCode)}
	}
	return &source.Error{Kind: source.NotFound, Message: fmt.Sprintf("%s: HTTP %d to %s", what, resp.StatusCode, redactURL(target)),
		Err: &AddressError{Code: "moved", Use: use}}
}

// siteOf is the WordPress site address of a URL on it: the part before
// /wp-json/ for a REST URL, else the URL without query and trailing slash.
func siteOf(u *url.URL) string {
	p := u.Path
	if i := strings.Index(p, "/wp-json"); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimSuffix(strings.TrimRight(p, "/"), "/index.php")
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimRight(p, "/")}).String()
}

// httpsOnHTTP recognises an https:// address of a server that speaks only
// plain HTTP: the TLS handshake gets an HTTP answer, or the server hangs up
// (EOF), and a plain request to the same address gets an HTTP answer. It
// returns nil when that is not the case.
func (c *Client) httpsOnHTTP(ctx context.Context, what string, err error) error {
	if c.base.Scheme != "https" {
		return nil
	}
	var rh tls.RecordHeaderError
	// net/http turns a TLS handshake answered in HTTP into this error.
	sure := errors.As(err, &rh) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")
	if !sure && !transient(err) {
		return nil
	}
	plain := *c.base
	plain.Scheme = "http"
	if !sure {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		if _, ok := c.probe(pctx, plain.String()+"/wp-json/"); !ok {
			return nil
		}
	}
	return &source.Error{Kind: source.Network, Message: what + ": no HTTPS at this address",
		Err: &AddressError{Code: "no_https", Use: plain.String()}}
}

// probe GETs u without credentials and returns the answer's headers; ok is
// false when no HTTP answer came.
func (c *Client) probe(ctx context.Context, u string) (http.Header, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false
	}
	req.Header.Set("User-Agent", "Orderbrug")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.Header, true
}

// discover finds where WordPress really is when the REST route is not at
// the configured address. WordPress names its REST API root on every page
// it serves, in `Link: <https://shop.nl/wp-json/>; rel="https://api.w.org/"`:
// from the failed answer itself, else from the configured address's own
// page, else from the pages of the folders above it. It returns orig when WordPress is
// where it was looked for (then WooCommerce is what is missing) or cannot be
// found at all.
func (c *Client) discover(ctx context.Context, what string, h http.Header, orig error) error {
	root := apiRoot(h)
	if root == "" {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		// The address given, then each folder above it up to the host's
		// front page (at most four requests).
		var candidates []string
		for p := c.base.Path; len(candidates) < 4; p = p[:strings.LastIndex(p, "/")] {
			candidates = append(candidates, (&url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Path: p + "/"}).String())
			if p == "" {
				break
			}
		}
		for _, u := range candidates {
			if ph, ok := c.probe(pctx, u); ok {
				if root = apiRoot(ph); root != "" {
					break
				}
			}
		}
	}
	if root == "" {
		return orig
	}
	ru, err := c.base.Parse(root)
	if err != nil || ru.Host == "" {
		return orig
	}
	site := siteOf(ru)
	if ru.Query().Get("rest_route") != "" || (!strings.Contains(ru.Path, "/wp-json") && strings.Contains(ru.RawQuery, "rest_route")) {
		return &source.Error{Kind: source.NotFound, Message: what + ": WordPress found at " + site,
			Err: &AddressError{Code: "plain_permalinks", Use: site}}
	}
	if site == c.base.String() {
		return orig
	}
	return &source.Error{Kind: source.NotFound, Message: what + ": WordPress found at " + site,
		Err: &AddressError{Code: "wordpress_at", Use: site}}
}

// badSignature reports whether a 401 body is WooCommerce's answer to an
// OAuth signature that does not match ("Invalid signature - provided
// signature does not match.").
func badSignature(raw []byte) bool {
	var e wpError
	return json.Unmarshal(raw, &e) == nil && e.Code == "woocommerce_rest_authentication_error" &&
		strings.Contains(strings.ToLower(e.Message), "signature does not match")
}

// homeElsewhere explains a refused OAuth signature by the shop's address.
// WooCommerce checks the signature against its own home URL, whatever
// host the request was sent to, and WordPress does not redirect REST
// requests: "http://localhost:8080" for a shop whose home is
// "http://127.0.0.1:8080", or "www." missing, is refused as if the keys
// were wrong. The REST index (GET /wp-json/, no credentials) names the
// home URL; when it is not the address configured, that is the cause, and
// the answer says which address to use. Otherwise orig stands (the keys).
func (c *Client) homeElsewhere(ctx context.Context, what string, orig error) error {
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	u := *c.base
	u.Path = c.base.Path + "/wp-json/"
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return orig
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Orderbrug")
	resp, err := c.http.Do(req)
	if err != nil {
		return orig
	}
	defer resp.Body.Close()
	var index struct {
		Home string `json:"home"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&index) != nil {
		return orig
	}
	home, err := url.Parse(index.Home)
	if err != nil || home.Host == "" {
		return orig
	}
	use := siteOf(home)
	if use == c.base.String() {
		return orig
	}
	return &source.Error{Kind: source.NotFound, Message: what + ": the shop's home address is " + use + ", not the address given (WooCommerce signs against it)",
		Err: &AddressError{Code: "moved", Use: use}}
}

// apiRoot is the REST API root a WordPress answer names in its Link header
// (rel="https://api.w.org/"), "" when there is none.
func apiRoot(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if !strings.HasPrefix(part, "<") {
				continue
			}
			end := strings.Index(part, ">")
			if end < 0 {
				continue
			}
			if strings.Contains(part[end:], `rel="https://api.w.org/"`) {
				return part[1:end]
			}
		}
	}
	return ""
}
