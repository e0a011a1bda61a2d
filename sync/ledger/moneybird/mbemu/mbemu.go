// Package mbemu emulates Moneybird's API v2 for one administration, as
// ../shared/APIS.md §3 documents it, and no more leniently: Bearer tokens
// (a revoked one is a 401), scopes, the platform-wide limit of 150
// requests per 5 minutes per token with its RateLimit-* headers and the
// 429 "Retry later", pagination (page, per_page ≤ 100, Link,
// X-Total-Count), contacts, tax rates, ledger accounts, external sales
// invoices with the VAT Moneybird computes from their prices, payments on
// them, webhooks, and the documented error bodies (400 symbolic, 404, 422
// non_symbolic). Like Moneybird it does not deduplicate: two creates with
// one reference are two invoices.
//
// For tests of a ledger it takes a clock (SetClock) and injects failures:
// FailNext answers 500 without doing anything, LoseNext does the request
// and then drops the connection without an answer (a lost answer after a
// commit).
//
// Readings the emulator picks where APIS.md is unsure or silent are named
// where they are made: the VAT's rounding (PerLine, or PerRate), the
// Retry-After (an epoch second, or seconds with SetRetryAfterDelta), a
// ledger account without a code (refused, or not), the 401 body of a bad
// token, per_page out of range (a 400), ids as strings of digits.
package mbemu

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the administration's zone on any machine
)

// The limit as APIS.md §3.1 documents it [M3][S]: 150 requests per 5
// minutes, per token.
const (
	RateLimit  = 150
	RateWindow = 5 * time.Minute
)

// MaxPerPage is the largest per_page; DefaultPerPage is the page size
// without per_page (the emulator's reading: APIS.md names no default).
const (
	MaxPerPage     = 100
	DefaultPerPage = 50
)

// Scopes of an OAuth token or personal token [M2][S].
const (
	ScopeSalesInvoices = "sales_invoices"
	ScopeDocuments     = "documents"
	ScopeEstimates     = "estimates"
	ScopeBank          = "bank"
	ScopeTimeEntries   = "time_entries"
	ScopeSettings      = "settings"
)

type token struct {
	scopes   map[string]bool
	readOnly bool
	revoked  bool
	// the fixed window: its start and the requests counted in it.
	start time.Time
	used  int
}

type fault struct {
	n     int
	match string
	lose  bool
}

// Moneybird is an emulated Moneybird with one administration. It is an
// http.Handler: serve it with httptest.NewServer. All methods are safe for
// concurrent use.
type Moneybird struct {
	mu sync.Mutex

	admin  Administration
	loc    *time.Location
	url    string
	now    func() time.Time
	tokens map[string]*token

	contacts map[string]*Contact
	rates    []*TaxRate
	ledgers  []*LedgerAccount
	invoices map[string]*invoice
	hooks    map[string]*Webhook
	fx       map[string]string

	nextID     int64
	nextEntry  int64
	nextCustID int64

	limit            int
	window           time.Duration
	rounding         Rounding
	retryAfterDelta  bool
	refuseUncoded    bool
	checkWebhookURLs bool
	hookClient       *http.Client

	faults []fault

	requests atomic.Int64
	created  atomic.Int64
}

// invoice is an external sales invoice with what its wire form is made
// from.
type invoice struct {
	Invoice
	lines []line
	files []AttachmentFile
}

// line is a detail's input.
type line struct {
	id          string
	description string
	price       string // as stored: fmtRat of the parsed price
	amount      string // amount_decimal
	taxRateID   string
	ledgerID    string
	projectID   *string
	productID   *string
	period      *string
	rowOrder    int64
	createdAt   string
}

// New returns a Moneybird whose administration (id adminID, "Webwinkel De
// Proef", EUR, NL, Europe/Amsterdam) has the tax rates and ledger accounts
// of a new Dutch administration, and which accepts token with the given
// scopes (none: sales_invoices, the default [M7][T]).
func New(adminID, tok string, scopes ...string) *Moneybird {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic(err)
	}
	m := &Moneybird{
		admin: Administration{ID: adminID, Name: "Webwinkel De Proef", Language: "nl", Currency: "EUR",
			Country: "NL", TimeZone: "Europe/Amsterdam", Access: "user"},
		loc: loc, now: time.Now, tokens: map[string]*token{}, contacts: map[string]*Contact{},
		invoices: map[string]*invoice{}, hooks: map[string]*Webhook{}, fx: map[string]string{},
		nextID: 460000000000000000, nextEntry: 1, nextCustID: 1, refuseUncoded: true,
		limit: RateLimit, window: RateWindow,
		hookClient: http.DefaultClient,
	}
	m.AddToken(tok, scopes...)
	m.seed()
	return m
}

// AddToken makes tok a valid token with the given scopes (none:
// sales_invoices). A token added again is valid again, with a fresh limit.
func (m *Moneybird) AddToken(tok string, scopes ...string) {
	if len(scopes) == 0 {
		scopes = []string{ScopeSalesInvoices}
	}
	t := &token{scopes: map[string]bool{}}
	for _, s := range scopes {
		t.scopes[s] = true
	}
	m.mu.Lock()
	m.tokens[tok] = t
	m.mu.Unlock()
}

// RevokeToken revokes tok (the owner removed it): it is refused from then
// on with a 401.
func (m *Moneybird) RevokeToken(tok string) {
	m.mu.Lock()
	if t, ok := m.tokens[tok]; ok {
		t.revoked = true
	}
	m.mu.Unlock()
}

// SetSuspended suspends the administration (its subscription ended):
// administrations.json shows suspended true and every change under it is a
// 402.
func (m *Moneybird) SetSuspended(on bool) {
	m.mu.Lock()
	m.admin.Suspended = on
	m.mu.Unlock()
}

// SetReadOnly makes tok a read-only personal token [M2][S]: any request
// that is not a GET is a 403.
func (m *Moneybird) SetReadOnly(tok string, ro bool) {
	m.mu.Lock()
	if t, ok := m.tokens[tok]; ok {
		t.readOnly = ro
	}
	m.mu.Unlock()
}

// SetURL tells the emulator its own address, for the Link headers
// (without it they carry the request's Host).
func (m *Moneybird) SetURL(u string) {
	m.mu.Lock()
	m.url = strings.TrimRight(u, "/")
	m.mu.Unlock()
}

// SetClock replaces the clock of the limit, the states and the dates.
func (m *Moneybird) SetClock(now func() time.Time) {
	m.mu.Lock()
	m.now = now
	m.mu.Unlock()
}

// SetRateLimit replaces Moneybird's limit (RateLimit requests per
// RateWindow) by n per window, for a test on a real clock with a
// scaled-down limit; the windows start afresh.
func (m *Moneybird) SetRateLimit(n int, window time.Duration) {
	m.mu.Lock()
	m.limit, m.window = n, window
	for _, t := range m.tokens {
		t.start, t.used = time.Time{}, 0
	}
	m.mu.Unlock()
}

// SetRounding chooses how the VAT is rounded (PerLine by default).
func (m *Moneybird) SetRounding(r Rounding) {
	m.mu.Lock()
	m.rounding = r
	m.mu.Unlock()
}

// SetRetryAfterDelta makes the 429's Retry-After the seconds to wait (as
// HTTP defines it) instead of the UTC epoch second of the reset (as the
// spec describes it [M1], the default).
func (m *Moneybird) SetRetryAfterDelta(on bool) {
	m.mu.Lock()
	m.retryAfterDelta = on
	m.mu.Unlock()
}

// SetRefuseUncodedLedger says whether a detail booked on a ledger account
// without a code (account_id null) is refused with a 422 (the default:
// Plug&Pay's plugin fails on such a ledger [P13][S], the emulator reads
// that Moneybird refuses it); false accepts it.
func (m *Moneybird) SetRefuseUncodedLedger(on bool) {
	m.mu.Lock()
	m.refuseUncoded = on
	m.mu.Unlock()
}

// SetWebhookCheck makes POST /webhooks call the URL (with client, nil for
// http.DefaultClient) and refuse it unless it answers 200, as Moneybird
// does [M4][S]. Off by default.
func (m *Moneybird) SetWebhookCheck(on bool, client *http.Client) {
	if client == nil {
		client = http.DefaultClient
	}
	m.mu.Lock()
	m.checkWebhookURLs, m.hookClient = on, client
	m.mu.Unlock()
}

// SetExchangeRate sets the rate of currency (ISO3) to EUR, a decimal
// string such as "0.92", for the *_base amounts of foreign invoices. A
// currency without a rate converts at 1.
func (m *Moneybird) SetExchangeRate(currency, rate string) {
	m.mu.Lock()
	m.fx[strings.ToUpper(currency)] = rate
	m.mu.Unlock()
}

// FailNext makes the next n requests whose "METHOD /path" contains match
// ("" matches any) answer 500 without doing anything. Faults apply to
// requests past the token and the limit, which count them.
func (m *Moneybird) FailNext(n int, match string) {
	m.mu.Lock()
	m.faults = append(m.faults, fault{n: n, match: match})
	m.mu.Unlock()
}

// LoseNext makes the next n requests whose "METHOD /path" contains match
// be carried out (a create is committed) and then the connection closed
// without an answer. Go's transport replays a lost GET on a reused
// connection by itself, and a POST too if it carries an Idempotency-Key
// header; a plain POST comes back as an error.
func (m *Moneybird) LoseNext(n int, match string) {
	m.mu.Lock()
	m.faults = append(m.faults, fault{n: n, match: match, lose: true})
	m.mu.Unlock()
}

// takeFault returns the fault that applies to r, if any, counting it.
func (m *Moneybird) takeFault(r *http.Request) (fault, bool) {
	key := r.Method + " " + r.URL.Path
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.faults {
		f := &m.faults[i]
		if f.n > 0 && strings.Contains(key, f.match) {
			f.n--
			out := *f
			if f.n == 0 {
				m.faults = append(m.faults[:i], m.faults[i+1:]...)
			}
			return out, true
		}
	}
	return fault{}, false
}

// Requests counts the requests received, refused ones included;
// ResetRequests zeroes it.
func (m *Moneybird) Requests() int64 { return m.requests.Load() }

// ResetRequests zeroes Requests.
func (m *Moneybird) ResetRequests() { m.requests.Store(0) }

// Created counts the external sales invoices ever created (deleted ones
// included): a test proves no duplicate create with it.
func (m *Moneybird) Created() int64 { return m.created.Load() }

// InvoiceCount is the number of external sales invoices there are.
func (m *Moneybird) InvoiceCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.invoices)
}

// InvoicesByReference returns the invoices with reference ref, by id.
func (m *Moneybird) InvoicesByReference(ref string) []Invoice {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Invoice
	for _, inv := range m.sortedInvoices() {
		if inv.Reference == ref {
			out = append(out, m.render(inv))
		}
	}
	return out
}

// Invoices returns every invoice, by id.
func (m *Moneybird) Invoices() []Invoice {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Invoice
	for _, inv := range m.sortedInvoices() {
		out = append(out, m.render(inv))
	}
	return out
}

// Invoice returns invoice id as the API shows it.
func (m *Moneybird) Invoice(id string) (Invoice, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, ok := m.invoices[id]
	if !ok {
		return Invoice{}, false
	}
	return m.render(inv), true
}

// Contacts returns every contact, by id.
func (m *Moneybird) Contacts() []Contact {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Contact, 0, len(m.contacts))
	for _, c := range m.contacts {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

// Webhooks returns the registered webhooks, by id.
func (m *Moneybird) Webhooks() []Webhook {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.webhookList()
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// newID is a fresh 18-digit id; called with m.mu held.
func (m *Moneybird) newID() string {
	m.nextID++
	return strconv.FormatInt(m.nextID, 10)
}

func (m *Moneybird) stamp() string {
	return m.now().UTC().Format("2006-01-02T15:04:05.000Z")
}

func (m *Moneybird) today() string {
	return m.now().In(m.loc).Format("2006-01-02")
}

// ServeHTTP answers /api/v2/... as Moneybird: the token first (401), then
// the limit (429), then the route.
func (m *Moneybird) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.requests.Add(1)
	// The Date header on the emulator's own clock, as Moneybird's is on
	// its: Go's server would write the real clock's, which a fake clock
	// of the limit's RateLimit-Reset does not agree with.
	m.mu.Lock()
	now := m.now()
	m.mu.Unlock()
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	auth := r.Header.Get("Authorization")
	tokText, hasBearer := strings.CutPrefix(auth, "Bearer ")
	m.mu.Lock()
	t, ok := m.tokens[tokText]
	valid := hasBearer && tokText != "" && ok && !t.revoked
	m.mu.Unlock()
	if !valid {
		// The emulator's reading: APIS.md documents only the 401 of a
		// missing scope; an unknown, revoked or absent token has the
		// same shape with its own message.
		msg := "Token is invalid"
		if !hasBearer || tokText == "" {
			msg = "No access token provided"
		}
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": msg})
		return
	}
	if !m.admit(w, t) {
		return
	}
	if f, ok := m.takeFault(r); ok {
		if !f.lose {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "Internal server error"})
			return
		}
		rec := httptest.NewRecorder()
		m.route(rec, r, t)
		drop(w)
		return
	}
	m.route(w, r, t)
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// admit counts the request in the token's fixed window (RateWindow),
// which starts with the first request after the last one ended, and sets
// the RateLimit-* headers; over the limit it answers 429 (not counted).
func (m *Moneybird) admit(w http.ResponseWriter, t *token) bool {
	m.mu.Lock()
	now, limit := m.now(), m.limit
	if t.start.IsZero() || !now.Before(t.start.Add(m.window)) {
		t.start, t.used = now, 0
	}
	reset := t.start.Add(m.window)
	over := t.used >= limit
	if !over {
		t.used++
	}
	remaining := limit - t.used
	delta := m.retryAfterDelta
	m.mu.Unlock()
	resetEpoch := reset.Unix()
	if reset.Nanosecond() > 0 {
		resetEpoch++ // never earlier than the reset
	}
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(resetEpoch, 10))
	if over {
		if delta {
			h.Set("Retry-After", strconv.FormatInt(max(1, int64(math.Ceil(reset.Sub(now).Seconds()))), 10))
		} else {
			h.Set("Retry-After", strconv.FormatInt(resetEpoch, 10))
		}
		writeJSON(w, http.StatusTooManyRequests, "Retry later")
		return false
	}
	return true
}

// route dispatches an admitted request.
func (m *Moneybird) route(w http.ResponseWriter, r *http.Request, t *token) {
	p, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v2/")
	if !ok {
		notFound(w, nil)
		return
	}
	// Split before decoding, so that a percent-encoded "/" in a
	// customer id stays in its segment.
	parts := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for i, seg := range parts {
		if d, err := url.PathUnescape(seg); err == nil {
			parts[i] = d
		}
	}
	last := &parts[len(parts)-1]
	switch {
	case strings.HasSuffix(*last, ".json"):
		*last = strings.TrimSuffix(*last, ".json")
	case strings.HasSuffix(*last, ".xml"):
		// The emulator's reading: it speaks JSON only; Moneybird would
		// answer XML, which no client of Orderbrug asks for.
		writeJSON(w, http.StatusNotAcceptable, map[string]any{"error": "the emulator serves JSON only"})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && t.readOnly {
		symbolic(w, http.StatusForbidden, "Token is read-only", map[string]any{"token": "read_only"})
		return
	}
	if len(parts) == 1 && parts[0] == "administrations" {
		if r.Method != http.MethodGet {
			notFound(w, nil)
			return
		}
		m.mu.Lock()
		a := m.admin
		m.mu.Unlock()
		writeJSON(w, http.StatusOK, []Administration{a})
		return
	}
	m.mu.Lock()
	admin := m.admin.ID
	m.mu.Unlock()
	if parts[0] != admin {
		notFound(w, map[string]any{"administration_id": "not_found"})
		return
	}
	m.mu.Lock()
	suspended := m.admin.Suspended
	m.mu.Unlock()
	if suspended && r.Method != http.MethodGet && r.Method != http.MethodHead {
		// 402 is a symbolic_error [M1]; the emulator's reading: a
		// suspended administration still reads, and refuses changes.
		symbolic(w, http.StatusPaymentRequired, "Payment required", map[string]any{"administration": "suspended"})
		return
	}
	parts = parts[1:]
	if len(parts) == 0 {
		notFound(w, nil)
		return
	}
	switch parts[0] {
	case "contacts":
		if !m.scope(w, t, contactScopes) {
			return
		}
		m.serveContacts(w, r, parts[1:])
	case "tax_rates":
		if len(parts) != 1 || r.Method != http.MethodGet {
			notFound(w, nil)
			return
		}
		m.listTaxRates(w, r)
	case "ledger_accounts":
		m.serveLedgers(w, r, parts[1:])
	case "external_sales_invoices":
		if !m.scope(w, t, []string{ScopeSalesInvoices}) {
			return
		}
		m.serveInvoices(w, r, parts[1:])
	case "webhooks":
		m.serveWebhooks(w, r, parts[1:])
	default:
		notFound(w, nil)
	}
}

// contactScopes: contacts need any scope but time_entries [M7][T].
var contactScopes = []string{ScopeSalesInvoices, ScopeDocuments, ScopeEstimates, ScopeBank, ScopeSettings}

// scope answers the documented 401 of a missing scope unless t has one of
// want.
func (m *Moneybird) scope(w http.ResponseWriter, t *token, want []string) bool {
	for _, s := range want {
		if t.scopes[s] {
			return true
		}
	}
	names := make([]string, len(want))
	for i, s := range want {
		names[i] = ":" + s
	}
	writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "No access to [" + strings.Join(names, ", ") + "]"})
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// symbolic writes a symbolic_error [M1]: {"error":msg,"symbolic":sym}.
func symbolic(w http.ResponseWriter, status int, msg string, sym map[string]any) {
	writeJSON(w, status, map[string]any{"error": msg, "symbolic": sym})
}

// notFound writes Moneybird's 404: "record not found" with the symbolic
// part naming what was not found, when known.
func notFound(w http.ResponseWriter, sym map[string]any) {
	if sym == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "record not found"})
		return
	}
	symbolic(w, http.StatusNotFound, "record not found", sym)
}

// verrs collects the errors of a non_symbolic_error (422) [M1].
type verrs struct {
	msgs    map[string][]string
	details map[string][]map[string]any
	order   []string
}

func (v *verrs) add(field, msg, code string, value any, withValue bool) {
	if v.msgs == nil {
		v.msgs, v.details = map[string][]string{}, map[string][]map[string]any{}
	}
	if _, ok := v.msgs[field]; !ok {
		v.order = append(v.order, field)
	}
	v.msgs[field] = append(v.msgs[field], msg)
	d := map[string]any{"error": code}
	if withValue {
		d["value"] = value
	}
	v.details[field] = append(v.details[field], d)
}

func (v *verrs) any() bool { return len(v.msgs) > 0 }

func (v *verrs) write(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": v.msgs, "details": v.details})
}

// decodeBody reads a JSON object body; a body that is not one is a 400.
func decodeBody(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	var body map[string]json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20))
	if err := dec.Decode(&body); err != nil {
		symbolic(w, http.StatusBadRequest, fmt.Sprintf("Invalid JSON: %v", err), map[string]any{"body": "invalid"})
		return nil, false
	}
	if body == nil {
		body = map[string]json.RawMessage{}
	}
	return body, true
}

// object returns body[key] as an object, or answers the 400 of a missing
// one ("Contact is required", symbolic {"contact":"required"} [M1]).
func object(w http.ResponseWriter, body map[string]json.RawMessage, key, name string) (map[string]json.RawMessage, bool) {
	raw, ok := body[key]
	var obj map[string]json.RawMessage
	if ok {
		if err := json.Unmarshal(raw, &obj); err != nil {
			obj = nil
		}
	}
	if obj == nil {
		symbolic(w, http.StatusBadRequest, name+" is required", map[string]any{key: "required"})
		return nil, false
	}
	return obj, true
}

// str reads a string field; a number or bool counts as its text (Rails'
// casting), null and absence as "" with present false.
func str(obj map[string]json.RawMessage, key string) (string, bool) {
	raw, ok := obj[key]
	if !ok || string(raw) == "null" {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return strconv.FormatBool(b), true
	}
	return "", true
}

func strPtr(s string) *string { return &s }
