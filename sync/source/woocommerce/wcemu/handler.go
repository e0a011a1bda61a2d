package wcemu

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"hash"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

const apiPrefix = "/wp-json/wc/v3/"

// ServeHTTP answers like a WordPress site with WooCommerce: /wp-json/wc/v3/
// routes as JSON, other /wp-json/ paths with rest_no_route, anything else
// with WordPress's HTML 404 page.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	s.mu.Lock()
	fn := s.onReq
	s.mu.Unlock()
	if fn != nil {
		fn(n, r)
	}
	if s.down.Load() {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if s.maint.Load() {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Retry-After", "600")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(htmlMaintenance))
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/wp-json/") {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(htmlNotFound))
		return
	}
	if (r.URL.Path == "/wp-json/" || r.URL.Path == "/wp-json") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.restIndex(w) // public, at whatever host it is asked
		return
	}
	if !strings.HasPrefix(r.URL.Path, apiPrefix) {
		writeJSON(w, http.StatusNotFound, bodyNoRoute)
		return
	}
	route := strings.Trim(strings.TrimPrefix(r.URL.Path, apiPrefix), "/")
	parts := strings.Split(route, "/")

	authed, authErrBody := s.authenticate(r)
	if authErrBody != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="WooCommerce API. Use a consumer key in the username field and a consumer secret in the password field."`)
		writeJSON(w, http.StatusUnauthorized, authErrBody)
		return
	}
	deny := func(body string) bool {
		if !authed {
			writeJSON(w, http.StatusUnauthorized, body)
		}
		return !authed
	}
	get := r.Method == http.MethodGet || r.Method == http.MethodHead

	switch {
	case len(parts) == 1 && parts[0] == "orders" && get:
		if !deny(bodyCannotList) {
			s.listOrders(w, r)
		}
	case len(parts) == 2 && parts[0] == "orders" && get:
		if !deny(bodyCannotView) {
			s.getOrder(w, parts[1])
		}
	case len(parts) == 3 && parts[0] == "orders" && parts[2] == "refunds" && get:
		if !deny(bodyCannotList) {
			s.listRefunds(w, parts[1])
		}
	case route == "reports/orders/totals" && get:
		if !deny(bodyCannotList) {
			s.statusTotals(w)
		}
	case route == "webhooks" && get:
		if !deny(bodyCannotList) {
			s.listWebhooks(w)
		}
	case route == "webhooks" && r.Method == http.MethodPost:
		if !deny(bodyCannotCreate) {
			s.createWebhook(w, r)
		}
	case len(parts) == 2 && parts[0] == "webhooks" && get:
		if !deny(bodyCannotView) {
			s.getWebhook(w, parts[1])
		}
	case len(parts) == 2 && parts[0] == "webhooks" && (r.Method == http.MethodPut || r.Method == http.MethodPost || r.Method == http.MethodPatch):
		if !deny(bodyCannotEdit) {
			s.updateWebhook(w, r, parts[1])
		}
	case len(parts) == 2 && parts[0] == "webhooks" && r.Method == http.MethodDelete:
		if !deny(bodyCannotDelete) {
			s.deleteWebhook(w, r, parts[1])
		}
	default:
		writeJSON(w, http.StatusNotFound, bodyNoRoute)
	}
}

// authenticate follows WC_REST_Authentication: over HTTPS the consumer key
// and secret come as HTTP Basic (or consumer_key/consumer_secret in the
// query); over plain HTTP only OAuth 1.0a one-legged signatures count, so
// Basic there leaves the request anonymous. It returns whether the request
// is authenticated, or an error body that WooCommerce answers with 401
// whatever the route.
func (s *Shop) authenticate(r *http.Request) (bool, string) {
	if r.TLS != nil {
		ck, cs, ok := r.BasicAuth()
		if !ok {
			ck, cs = r.URL.Query().Get("consumer_key"), r.URL.Query().Get("consumer_secret")
		}
		if ck == "" || cs == "" {
			return false, ""
		}
		if ck != s.key {
			return false, authError("Consumer key is invalid.")
		}
		if !hmac.Equal([]byte(cs), []byte(s.secret)) {
			return false, authError("Consumer secret is invalid.")
		}
		return true, ""
	}
	return s.oauth(r)
}

var oauthHeaderParam = regexp.MustCompile(`(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))`)

// oauth verifies a one-legged OAuth 1.0a request step by step as
// WooCommerce's perform_oauth_authentication does.
func (s *Shop) oauth(r *http.Request) (bool, string) {
	params := map[string]string{}
	for k, vs := range r.URL.Query() {
		params[k] = vs[len(vs)-1] // PHP's $_GET keeps the last value
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body, _ := readBody(r)
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k, vs := range form {
				params[k] = vs[len(vs)-1]
			}
		}
	}
	if h := strings.TrimSpace(r.Header.Get("Authorization")); strings.HasPrefix(h, "OAuth ") {
		for _, m := range oauthHeaderParam.FindAllStringSubmatch(h, -1) {
			v := m[3]
			if v == "" {
				v = m[4]
			}
			if dv, err := url.QueryUnescape(v); err == nil {
				v = dv
			}
			params[m[1]] = v
		}
	}
	var missing []string
	have := false
	for _, p := range []string{"oauth_consumer_key", "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_signature_method"} {
		if params[p] == "" {
			missing = append(missing, p)
		} else {
			have = true
		}
	}
	if !have {
		return false, ""
	}
	if len(missing) == 1 {
		return false, authMissing("Missing OAuth parameter " + missing[0])
	} else if len(missing) > 1 {
		return false, authMissing("Missing OAuth parameters " + strings.Join(missing, ", "))
	}
	if params["oauth_consumer_key"] != s.key {
		return false, authError("Consumer key is invalid.")
	}

	// check_oauth_signature
	consumerSig := phpRawURLDecode(strings.ReplaceAll(params["oauth_signature"], " ", "+"))
	delete(params, "oauth_signature")
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys) // uksort with strcmp: byte order of the raw keys
	pairs := make([]string, len(keys))
	for i, k := range keys {
		// normalize_parameters encodes key and value; join_with_equals_sign
		// then encodes "key=value" once more.
		pairs[i] = phpRawURLEncode(phpRawURLEncode(k) + "=" + phpRawURLEncode(params[k]))
	}
	// WooCommerce signs against the home URL, not the host asked for:
	// get_home_url(null, $request_path, is_ssl() ? 'https' : 'http'). A
	// request to another name of the same server (localhost for 127.0.0.1,
	// www or not) fails the signature; WordPress does not redirect REST
	// requests (they are served on parse_request, before redirect_canonical).
	host := r.Host
	s.mu.Lock()
	if u, err := url.Parse(s.url); err == nil && u.Host != "" {
		host = u.Host
	}
	s.mu.Unlock()
	base := "http://" + host + r.URL.Path
	toSign := strings.ToUpper(r.Method) + "&" + phpRawURLEncode(base) + "&" + strings.Join(pairs, "%26")
	var h func() hash.Hash
	switch params["oauth_signature_method"] {
	case "HMAC-SHA1":
		h = sha1.New
	case "HMAC-SHA256":
		h = sha256.New
	default:
		return false, authError("Invalid signature - signature method is invalid.")
	}
	mac := hmac.New(h, []byte(s.secret+"&"))
	mac.Write([]byte(toSign))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(consumerSig)) {
		return false, authError("Invalid signature - provided signature does not match.")
	}

	// check_oauth_timestamp_and_nonce: 15 minutes either way, nonce once.
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Unix()
	ts, err := strconv.ParseInt(params["oauth_timestamp"], 10, 64)
	const window = 15 * 60
	if err != nil || ts < now-window || ts > now+window {
		return false, authError("Invalid timestamp.")
	}
	nonce := params["oauth_nonce"]
	if _, used := s.nonces[nonce]; used {
		return false, authError("Invalid nonce - nonce has already been used.")
	}
	s.nonces[nonce] = ts
	if len(s.nonces) > 10000 {
		for k, t := range s.nonces {
			if t < now-window {
				delete(s.nonces, k)
			}
		}
	}
	return true, ""
}

func authMissing(msg string) string {
	return `{"code":"woocommerce_rest_authentication_missing_parameter","message":` + phpString(msg) + `,"data":{"status":401}}`
}

// phpRawURLEncode is PHP's rawurlencode (RFC 3986: all but A-Z a-z 0-9 - _
// . ~ as %XX, upper-case hex).
func phpRawURLEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// phpRawURLDecode is PHP's rawurldecode ("+" stays "+").
func phpRawURLDecode(s string) string {
	v, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return v
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, 1<<20))
	b := buf.Bytes()
	r.Body.Close()
	r.Body = nopBody{bytes.NewReader(b)}
	return b, err
}

type nopBody struct{ *bytes.Reader }

func (nopBody) Close() error { return nil }

// parseRESTDate reads a date parameter as rest_parse_date does: ISO 8601
// with or without a zone. Without a zone the value is GMT when gmt is set,
// else the shop's local time.
func (s *Shop) parseRESTDate(v string, gmt bool) (int64, bool) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.Unix(), true
	}
	loc := s.loc
	if gmt {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(gmtLayout, v, loc)
	if err != nil {
		return 0, false
	}
	return t.Unix(), true
}

// restIndex answers GET /wp-json/ as WordPress does, with the parts a
// client reads: the site's name, its url and home (the address WooCommerce
// signs against) and the namespaces. It needs no credentials.
func (s *Shop) restIndex(w http.ResponseWriter) {
	s.mu.Lock()
	home := s.url
	s.mu.Unlock()
	b, _ := json.Marshal(map[string]any{
		"name": "Koffiebar De Boon", "description": "", "url": home, "home": home,
		"gmt_offset": "1", "timezone_string": "Europe/Amsterdam",
		"namespaces":     []string{"oembed/1.0", "wc/v1", "wc/v2", "wc/v3", "wc/store/v1", "wp/v2"},
		"authentication": map[string]any{},
	})
	writeJSON(w, http.StatusOK, string(b))
}
