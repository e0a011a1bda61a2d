package eboekhouden

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

// maxBody bounds what the ledger reads of an answer.
const maxBody = 8 << 20

// APIError is an answer of e-Boekhouden that is not a success: its
// status and its Error body (APIS.md §4.1: type, code, title, message,
// propertyName). It never holds a token.
type APIError struct {
	// Status is the HTTP status.
	Status int
	// Type is "validation" or "security"; Code the documented code
	// ("MUT_019", "SECURITY_010"; "" where the answer has none).
	Type, Code string
	// Title and Message are e-Boekhouden's words; Property the field
	// ("rows[0].vatCode").
	Title, Message, Property string
	// Op is what was asked ("POST /v1/mutation").
	Op string
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("e-Boekhouden: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Title != "" {
		b.WriteString(" " + e.Title)
	} else if e.Status != 0 {
		b.WriteString(" " + http.StatusText(e.Status))
	}
	if e.Message != "" && e.Message != e.Title {
		b.WriteString(": " + e.Message)
	}
	if e.Property != "" {
		b.WriteString(" (" + e.Property + ")")
	}
	return b.String()
}

// asAPI returns err when it is e-Boekhouden's answer itself (not one the
// ledger made a rate limit or a reason of), else nil.
func asAPI(err error) *APIError {
	ae, _ := err.(*APIError)
	return ae
}

// unauthenticated says the request had no valid session: e-Boekhouden's
// SECURITY_010 (or another reading of it) for an expired, revoked or
// unknown session token. A closed period (SECURITY_007) is not one.
func (e *APIError) unauthenticated() bool {
	if e.Status == http.StatusUnauthorized {
		return true
	}
	if e.Status != http.StatusForbidden {
		return false
	}
	switch e.Code {
	case "", "SECURITY_010", "SECURITY_002", "API_SESSION_003", "API_SESSION_004":
		return true
	}
	return false
}

// session is the current session token and when to renew it.
type session struct {
	mu      sync.Mutex // held while a session is started
	token   secret
	renewAt time.Time
}

// renewMargin is how long before its expiry a session is renewed: a tenth
// of its lifetime, at most five minutes.
func renewMargin(life time.Duration) time.Duration {
	return min(life/10, 5*time.Minute)
}

// sessionToken returns a session token that has not run out, starting a
// session when there is none or it is about to expire.
func (l *Ledger) sessionToken(ctx context.Context) (secret, error) {
	l.sess.mu.Lock()
	defer l.sess.mu.Unlock()
	if l.sess.token != "" && l.now().Before(l.sess.renewAt) {
		return l.sess.token, nil
	}
	l.sess.token = ""
	tok, life, err := l.startSession(ctx)
	if err != nil {
		return "", err
	}
	l.sess.token, l.sess.renewAt = tok, l.now().Add(life-renewMargin(life))
	return tok, nil
}

// dropSession forgets tok when it is still the current session.
func (l *Ledger) dropSession(tok secret) {
	l.sess.mu.Lock()
	if l.sess.token == tok {
		l.sess.token = ""
	}
	l.sess.mu.Unlock()
}

// startSession is POST /v1/session: the API token for a session token.
// A refused API token is a ReasonUnauthorized error; a refused source
// (API_SESSION_001, _002) a permanent one.
func (l *Ledger) startSession(ctx context.Context) (secret, time.Duration, error) {
	body, _ := json.Marshal(struct {
		AccessToken string `json:"accessToken"`
		Source      string `json:"source"`
	}{string(l.token), Source})
	var out struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expiresIn"`
	}
	err := l.send(ctx, http.MethodPost, "/v1/session", nil, body, "", &out)
	switch ae := asAPI(err); {
	case ae != nil && (ae.Code == "API_SESSION_001" || ae.Code == "API_SESSION_002"):
		// The source the ledger sends is refused: no token would help,
		// only another version of Orderbrug.
		return "", 0, ledger.Permanent(fmt.Errorf("e-Boekhouden refuses the source %q this version of Orderbrug sends: %w", Source, err))
	case ae != nil && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests:
		return "", 0, ledger.WithReason(ledger.ReasonUnauthorized, nil,
			fmt.Errorf("e-Boekhouden refused the API token: %w", err))
	case err != nil:
		return "", 0, err
	case out.Token == "":
		return "", 0, errors.New("e-Boekhouden: POST /v1/session: the answer has no session token")
	}
	life := time.Duration(out.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Minute // not stated: renew soon rather than run on an expired one
	}
	return secret(out.Token), life, nil
}

// call sends a request in a session: once more with a new session when
// e-Boekhouden says the session is no longer valid, and a
// ReasonUnauthorized error when the new one is refused too. in is sent
// as JSON (nil: no body); out, when not nil, takes the JSON answer.
func (l *Ledger) call(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("e-Boekhouden: %s %s: %w", method, path, err)
		}
		body = b
	}
	for attempt := 0; ; attempt++ {
		tok, err := l.sessionToken(ctx)
		if err != nil {
			return err
		}
		err = l.send(ctx, method, path, q, body, tok, out)
		if ae := asAPI(err); ae == nil || !ae.unauthenticated() {
			return err
		}
		l.dropSession(tok)
		if attempt > 0 {
			return ledger.WithReason(ledger.ReasonUnauthorized, nil,
				fmt.Errorf("e-Boekhouden refused a new session: %w", err))
		}
	}
}

// send is one HTTP request. A non-success answer is an *APIError (a 429
// a *ledger.RateLimitedError wrapping it); a transport failure or a lost
// answer a plain error. Neither names a token.
func (l *Ledger) send(ctx context.Context, method, path string, q url.Values, body []byte, tok secret, out any) error {
	u := l.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	op := method + " " + path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("e-Boekhouden: %s: %w", op, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", string(tok))
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return fmt.Errorf("e-Boekhouden: %s: no answer: %w", op, unwrapURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("e-Boekhouden: %s: answer cut off: %w", op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ae := &APIError{Status: resp.StatusCode, Op: op}
		var eb struct {
			Type         string `json:"type"`
			Code         string `json:"code"`
			Title        string `json:"title"`
			Message      string `json:"message"`
			PropertyName string `json:"propertyName"`
		}
		if json.Unmarshal(data, &eb) == nil {
			// An answer that echoes a token would put it in an error.
			clean := func(s string) string { return scrub(s, l.token, tok) }
			ae.Type, ae.Code, ae.Title, ae.Message, ae.Property = eb.Type, eb.Code, clean(eb.Title), clean(eb.Message), clean(eb.PropertyName)
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			return &ledger.RateLimitedError{Until: l.retryAfter(resp.Header.Get("Retry-After")), Err: ae}
		}
		return ae
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("e-Boekhouden: %s: unreadable answer: %w", op, err)
	}
	return nil
}

// retryAfter reads Retry-After (seconds or an HTTP date); without one, a
// minute from now. e-Boekhouden documents no rate limit: this is for a
// 429 all the same.
func (l *Ledger) retryAfter(v string) time.Time {
	now := l.now()
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return now.Add(time.Duration(n) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return now.Add(time.Minute)
}

// scrub replaces every secret in s.
func scrub(s string, secrets ...secret) string {
	for _, t := range secrets {
		if len(t) >= 4 {
			s = strings.ReplaceAll(s, string(t), "[redacted]")
		}
	}
	return s
}

// unwrapURL drops the *url.Error around a transport error: its text would
// repeat the URL, which the caller names already.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// list reads every page of a list (limit, offset; {items, count}) until
// it has count items (or a page is empty).
func list[T any](ctx context.Context, l *Ledger, path string, q url.Values) ([]T, error) {
	const limit = 2000
	var all []T
	for offset := 0; ; {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("limit", strconv.Itoa(limit))
		pq.Set("offset", strconv.Itoa(offset))
		var page struct {
			Items []T `json:"items"`
			Count int `json:"count"`
		}
		if err := l.call(ctx, http.MethodGet, path, pq, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		offset += len(page.Items)
		// count is the matches over all pages: a page shorter than asked
		// for is not the last when e-Boekhouden caps limit lower. Only an
		// answer without a count ends on a short page.
		if len(page.Items) == 0 || offset >= page.Count && (page.Count > 0 || len(page.Items) < limit) {
			return all, nil
		}
	}
}
