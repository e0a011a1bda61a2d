package moneybird

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
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

// client sends Moneybird's requests: the token, the limiter, the error
// bodies. It never puts the token anywhere but the Authorization header,
// and takes it out of any message it passes on.
type client struct {
	base  string // the API root, before /{administration_id}
	token string
	http  *http.Client
	now   func() time.Time
	lim   *limiter
}

// defaultTimeout bounds a request when Config.HTTP is nil.
const defaultTimeout = 30 * time.Second

func newClient(cfg ledger.Config) *client {
	base := strings.TrimRight(strings.TrimSpace(cfg.APIURL), "/")
	if base == "" {
		base = DefaultURL
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &client{base: base, token: cfg.Token, http: hc, now: now, lim: sharedLimiter(base, cfg.Token)}
}

// APIError is an answer of Moneybird that is not a success: its status and
// its message as Moneybird wrote it (the "error" text, or each field with
// its errors).
type APIError struct {
	Method string
	// Path is below the API root ("/123/external_sales_invoices"), without
	// the query.
	Path   string
	Status int
	// Message is Moneybird's error text: "Contact ID is invalid",
	// "details.price: is not a number".
	Message string
	// Symbolic is the symbolic part of a symbolic_error (400, 402, 403,
	// 404); Details the details of a non_symbolic_error (422).
	Symbolic map[string]any
	Details  map[string][]map[string]any
	// Fields are the messages per field of a non_symbolic_error's
	// "error" ({"customer_id":["has already been taken"]}).
	Fields map[string][]string
}

// Error is "moneybird: METHOD path: status: message"; it never holds the
// token.
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("moneybird: %s %s: %d: %s", e.Method, e.Path, e.Status, msg)
}

// hasSymbol says whether the symbolic part holds the code sym anywhere
// ({"external_sales_invoice":{"contact_id":"contact_invalid"}}).
func (e *APIError) hasSymbol(sym string) bool {
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case string:
			return x == sym
		case map[string]any:
			for _, y := range x {
				if walk(y) {
					return true
				}
			}
		}
		return false
	}
	return walk(e.Symbolic)
}

// hasDetail says whether field has the error code code in Details
// ({"customer_id":[{"error":"taken"}]}).
func (e *APIError) hasDetail(field, code string) bool {
	for _, d := range e.Details[field] {
		if d["error"] == code {
			return true
		}
	}
	return false
}

// errorBody is Moneybird's error body: "error" is a text or fields with
// their messages [M1]; or the whole body is a text ("Retry later").
type errorBody struct {
	Error    json.RawMessage             `json:"error"`
	Symbolic map[string]any              `json:"symbolic"`
	Details  map[string][]map[string]any `json:"details"`
}

func (c *client) apiError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	var eb errorBody
	var text string
	switch {
	case json.Unmarshal(body, &text) == nil:
		e.Message = text
	case json.Unmarshal(body, &eb) == nil:
		e.Symbolic, e.Details = eb.Symbolic, eb.Details
		var fields map[string][]string
		switch {
		case json.Unmarshal(eb.Error, &text) == nil:
			e.Message = text
		case json.Unmarshal(eb.Error, &fields) == nil:
			e.Fields = fields
			names := make([]string, 0, len(fields))
			for f := range fields {
				names = append(names, f)
			}
			sort.Strings(names)
			parts := make([]string, len(names))
			for i, f := range names {
				parts[i] = f + ": " + strings.Join(fields[f], ", ")
			}
			e.Message = strings.Join(parts, "; ")
		}
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 300 {
			e.Message = e.Message[:300] + "…"
		}
	}
	e.Message = c.redact(e.Message)
	return e
}

// redact takes the token out of a text.
func (c *client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[token]")
}

// answer is a successful answer's headers and body.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends method path (below the API root: "/administrations.json",
// "/123/contacts.json") with query q and body (nil or a value to encode)
// and decodes a 2xx answer into out (nil: ignored). The limiter goes
// first: a request over the limit is not sent (*ledger.RateLimitedError).
// Errors: 401/402/403 are a *ledger.ReasonError ReasonUnauthorized, a 429
// a *ledger.RateLimitedError, every other status an *APIError (the caller
// decides what is permanent); a request without an answer is the
// transport's error. Every one wraps what Moneybird said.
func (c *client) do(ctx context.Context, method, path string, q url.Values, body, out any) (answer, error) {
	if until, ok := c.lim.take(c.now()); !ok {
		return answer{}, &ledger.RateLimitedError{Until: until}
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, fmt.Errorf("moneybird: %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return answer{}, fmt.Errorf("moneybird: %s %s: %v", method, path, c.redact(err.Error()))
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Orderbrug")
	if body != nil {
		// No Idempotency-Key: Moneybird has none [M1], and with one Go's
		// transport would replay a POST whose answer was lost.
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		// The URL is in the message; the token never is.
		return answer{}, fmt.Errorf("moneybird: %s %s: no answer: %s", method, path, c.redact(unwrapURLError(err)))
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	now := c.now()
	toLocal := serverClock(now, res.Header)
	c.lim.observe(now, res.Header, toLocal)
	if err != nil {
		return answer{}, fmt.Errorf("moneybird: %s %s: answer cut off: %s", method, path, c.redact(err.Error()))
	}
	a := answer{status: res.StatusCode, header: res.Header, body: data}
	if res.StatusCode/100 == 2 {
		if out != nil && len(bytes.TrimSpace(data)) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return a, fmt.Errorf("moneybird: %s %s: answer is not the JSON expected: %v", method, path, err)
			}
		}
		return a, nil
	}
	apiErr := c.apiError(method, path, res.StatusCode, data)
	switch res.StatusCode {
	case http.StatusTooManyRequests:
		until := retryAfter(now, res.Header, toLocal)
		if !until.After(now) {
			until = now.Add(time.Second)
		}
		c.lim.block(until)
		return a, &ledger.RateLimitedError{Until: until, Err: apiErr}
	case http.StatusUnauthorized, http.StatusPaymentRequired, http.StatusForbidden:
		return a, ledger.WithReason(ledger.ReasonUnauthorized, nil, apiErr)
	case http.StatusNotFound:
		if apiErr.hasSymbol("not_found") && apiErr.Symbolic["administration_id"] != nil {
			// The administration is gone or the token no longer
			// reaches it: a person must reconnect.
			return a, ledger.WithReason(ledger.ReasonUnauthorized, nil, apiErr)
		}
	}
	return a, apiErr
}

// serverClock returns what turns a time on Moneybird's clock (a
// RateLimit-Reset or Retry-After epoch) into one on ours: the answer's
// Date header is Moneybird's clock at the answer, now ours, so a time
// Moneybird names is as far from now as it is from that Date. A PC clock
// minutes off then neither runs into 429s nor waits needlessly. Date has
// whole seconds (it is the server's time rounded down), so a wait comes
// out at most a second long, never short. Without a Date header the
// clocks are taken to agree.
func serverClock(now time.Time, h http.Header) func(time.Time) time.Time {
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return func(t time.Time) time.Time { return t }
	}
	return func(t time.Time) time.Time { return now.Add(t.Sub(date)) }
}

// unwrapURLError is err's text without the *url.Error's repetition of
// method and URL (the caller names both).
func unwrapURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// getAll GETs every page of a list (per_page 100) and hands each item to
// add. It stops at the page without a Link rel="next".
func getAll[T any](ctx context.Context, c *client, path string, q url.Values, add func(T)) error {
	if q == nil {
		q = url.Values{}
	}
	for page := 1; ; page++ {
		q.Set("page", fmt.Sprint(page))
		q.Set("per_page", "100")
		var items []T
		a, err := c.do(ctx, http.MethodGet, path, q, nil, &items)
		if err != nil {
			return err
		}
		for _, it := range items {
			add(it)
		}
		if len(items) == 0 || !hasNext(a.header.Get("Link")) {
			return nil
		}
		if page > 1000 {
			return fmt.Errorf("moneybird: GET %s: more than 1000 pages", path)
		}
	}
}

// hasNext says whether a Link header has rel="next".
func hasNext(link string) bool {
	for _, part := range strings.Split(link, ",") {
		if strings.Contains(part, `rel="next"`) || strings.Contains(part, "rel=next") {
			return true
		}
	}
	return false
}
