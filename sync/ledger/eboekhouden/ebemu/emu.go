// Package ebemu emulates the e-Boekhouden REST API (not the SOAP API) as
// ../shared/APIS.md §4 documents it, and no more leniently, for the tests
// of the e-Boekhouden ledger: sessions (POST /v1/session with the API token
// and a source, a session token that expires after expiresIn seconds,
// DELETE /v1/session), relations, ledgers, and mutations with their
// documented validation codes (MUT_019/MUT_020 for an invoice number that
// exists), lists with paging and filters. It injects failures: a 500 (or
// any Error) on the next requests, and a lost answer (the request is
// carried out, the connection dropped without an answer).
//
// Readings the emulator picks where APIS.md is unsure (each switchable
// where a client must cope with both):
//   - Authorization is the raw session token or "Bearer <token>": both.
//   - A request without a valid session (none, unknown, expired, revoked)
//     is a 403 SecurityError SECURITY_010; SetUnauthenticated gives
//     another status or code (401, API_SESSION_004).
//   - source is at most 10 characters (one client's figure, [T]);
//     SetSourceMaxLen(0) lifts it.
//   - An unknown API token is a 403 SecurityError "Login failed"
//     (undocumented, seen by a client [T]); an API token past its end
//     date is API_SESSION_004 (403).
//   - A repeated invoice number of the same type (1 or 2) is MUT_020 when
//     the relation is the same and MUT_019 otherwise; SetDuplicateCode
//     forces one of them.
//   - count in a list is the number of matches over all pages.
//   - Creates answer 200 (SetCreatedStatus(201) for the other reading).
//   - Filters compare case-sensitively (SetFoldCase for SQL Server's
//     usual case-insensitive collation); range is "from,to"; like takes %
//     and ?, a backslash escapes them; a second filter on one parameter is
//     a 400.
//   - Where APIS.md gives a field several codes, the emulator answers:
//     type missing or not 1..7 MUT_001; ledgerId missing MUTA_001,
//     unknown MUT_007; inExVat missing (types 1, 2) MUTA_005, not IN/EX
//     MUT_017; termOfPayment below 0 MUT_015; a row's ledgerId missing
//     MUTA_004, unknown MUT_104, of category FIN/CRED/DEB MUT_106; a row's
//     VAT code missing (types 1, 2), unknown, BE, or LAAG_VERK from
//     2019-01-01 on MUT_109.
//   - Undocumented limits: invoice numbers up to 50 characters, 100 rows
//     (SetMaxInvoiceNumber, SetMaxRows).
//   - Not emulated: the invoicing module (/v1/invoice), ledger balances,
//     outstanding invoices, cost-centre and other lists (404).
package ebemu

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultLifetime is a session's lifetime when none is set. APIS.md gives
// expiresIn in seconds but no figure; the client must read expiresIn.
const DefaultLifetime = time.Hour

// DefaultMaxInvoiceNumber is the longest invoice number (MUT_018); the
// real maximum is not documented.
const DefaultMaxInvoiceNumber = 50

// DefaultMaxRows is the most rows a mutation may have (MUT_101); the real
// maximum is not documented.
const DefaultMaxRows = 100

// Emu is an emulated e-Boekhouden administration. It is an http.Handler:
// serve it with httptest.NewServer. It is safe for concurrent use.
type Emu struct {
	mu sync.Mutex

	apiToken    string
	apiTokenEnd time.Time // zero: no end date
	now         func() time.Time
	lifetime    time.Duration
	sourceMax   int
	sessions    map[string]time.Time // token → expiry
	made        int                  // sessions created

	unauthStatus int
	unauthCode   string
	dupCode      string
	created      int
	foldCase     bool
	maxInvoice   int
	maxRows      int
	closedUntil  string // MUT_005: dates up to and including it
	acctUntil    string // SECURITY_007

	ledgers     map[int64]*Ledger
	relations   map[int64]*Relation
	mutations   map[int64]*Mutation
	costCenters map[int64]bool
	nextLedger  int64
	nextRel     int64
	nextMut     int64
	nextCode    int64

	faults []*Fault
	log    []Request

	requests atomic.Int64
}

// Request is one request the emulator saw, for inspection.
type Request struct {
	Method, Path string
	Status       int  // 0 when the answer was lost
	Lost         bool // the connection was dropped without an answer
}

// New returns an administration that accepts the API token apiToken, with
// the default chart of ledgers (DefaultLedgers) and no relations or
// mutations.
func New(apiToken string) *Emu {
	e := &Emu{apiToken: apiToken, now: time.Now, lifetime: DefaultLifetime, sourceMax: 10,
		sessions: map[string]time.Time{}, unauthStatus: http.StatusForbidden, unauthCode: "SECURITY_010",
		created: http.StatusOK, maxInvoice: DefaultMaxInvoiceNumber, maxRows: DefaultMaxRows,
		ledgers: map[int64]*Ledger{}, relations: map[int64]*Relation{}, mutations: map[int64]*Mutation{},
		costCenters: map[int64]bool{}, nextLedger: 11000, nextRel: 500, nextMut: 7000, nextCode: 1}
	for _, l := range DefaultLedgers {
		e.addLedger(l)
	}
	return e
}

// SetClock replaces the clock that expires sessions and API tokens.
func (e *Emu) SetClock(now func() time.Time) {
	e.mu.Lock()
	e.now = now
	e.mu.Unlock()
}

// SetLifetime sets the lifetime of sessions made from now on (expiresIn).
func (e *Emu) SetLifetime(d time.Duration) {
	e.mu.Lock()
	e.lifetime = d
	e.mu.Unlock()
}

// SetAPIToken replaces the API token (the owner made a new one): the old
// one is refused from then on, and its sessions end.
func (e *Emu) SetAPIToken(tok string) {
	e.mu.Lock()
	e.apiToken = tok
	clear(e.sessions)
	e.mu.Unlock()
}

// RevokeAPIToken deletes the API token: no session can be started and the
// open ones end.
func (e *Emu) RevokeAPIToken() { e.SetAPIToken("") }

// SetAPITokenEnd sets the API token's end date (optional in e-Boekhouden;
// zero: none). From then on POST /v1/session is API_SESSION_004.
func (e *Emu) SetAPITokenEnd(t time.Time) {
	e.mu.Lock()
	e.apiTokenEnd = t
	e.mu.Unlock()
}

// SetSourceMaxLen sets the longest source accepted (API_SESSION_002);
// 0 takes any.
func (e *Emu) SetSourceMaxLen(n int) {
	e.mu.Lock()
	e.sourceMax = n
	e.mu.Unlock()
}

// SetUnauthenticated sets the answer to a request without a valid
// session: by default 403 with SECURITY_010; the other readings are, for
// instance, 401, or API_SESSION_004 for an expired session.
func (e *Emu) SetUnauthenticated(status int, code string) {
	e.mu.Lock()
	e.unauthStatus, e.unauthCode = status, code
	e.mu.Unlock()
}

// SetDuplicateCode forces the code of a repeated invoice number: "MUT_019"
// or "MUT_020"; "" (the default) answers MUT_020 for the same relation and
// MUT_019 for another.
func (e *Emu) SetDuplicateCode(code string) {
	e.mu.Lock()
	e.dupCode = code
	e.mu.Unlock()
}

// SetCreatedStatus sets the status of a successful create (200 or 201).
func (e *Emu) SetCreatedStatus(status int) {
	e.mu.Lock()
	e.created = status
	e.mu.Unlock()
}

// SetFoldCase makes filters (eq, like, ...) compare text case-insensitively.
func (e *Emu) SetFoldCase(on bool) {
	e.mu.Lock()
	e.foldCase = on
	e.mu.Unlock()
}

// SetMaxInvoiceNumber sets the longest invoice number (MUT_018).
func (e *Emu) SetMaxInvoiceNumber(n int) {
	e.mu.Lock()
	e.maxInvoice = n
	e.mu.Unlock()
}

// SetMaxRows sets the most rows of a mutation (MUT_101).
func (e *Emu) SetMaxRows(n int) {
	e.mu.Lock()
	e.maxRows = n
	e.mu.Unlock()
}

// ClosePeriod closes the books up to and including date (YYYY-MM-DD): a
// mutation dated then is MUT_005 ("" reopens). With byAccountant it is
// the accountant's close, SECURITY_007.
func (e *Emu) ClosePeriod(date string, byAccountant bool) {
	e.mu.Lock()
	if byAccountant {
		e.acctUntil = date
	} else {
		e.closedUntil = date
	}
	e.mu.Unlock()
}

// AddCostCenter makes cost centre id known (rows[].costCenterId; any other
// is MUT_117).
func (e *Emu) AddCostCenter(id int64) {
	e.mu.Lock()
	e.costCenters[id] = true
	e.mu.Unlock()
}

// Requests counts the requests served, lost ones included.
func (e *Emu) Requests() int64 { return e.requests.Load() }

// Log returns the requests seen, in order.
func (e *Emu) Log() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Request(nil), e.log...)
}

// SessionsCreated counts the sessions POST /v1/session made.
func (e *Emu) SessionsCreated() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.made
}

// ExpireSessions ends every open session now (as if their time ran out).
func (e *Emu) ExpireSessions() {
	e.mu.Lock()
	clear(e.sessions)
	e.mu.Unlock()
}

// Fault is a failure to inject on the next Count requests (0: one) that
// match Method and Path ("" matches any; a Path ending in "*" is a
// prefix). Without Lose the request is answered with Err (default a 500)
// and Header (Retry-After with a 429, say), and not carried out. With Lose the request is carried out (a mutation
// is committed) and the connection is then dropped without an answer.
type Fault struct {
	Method, Path string
	Count        int
	Err          *Error
	Header       http.Header
	Lose         bool
}

// Inject adds f; faults are tried in the order added.
func (e *Emu) Inject(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	e.mu.Lock()
	e.faults = append(e.faults, &f)
	e.mu.Unlock()
}

// FailNext answers the next n requests, whatever they are, with a 500.
func (e *Emu) FailNext(n int) { e.Inject(Fault{Count: n}) }

// LoseNext carries out the next n requests matching method and path and
// drops their answers.
func (e *Emu) LoseNext(method, path string, n int) {
	e.Inject(Fault{Method: method, Path: path, Count: n, Lose: true})
}

// ClearFaults drops the faults not yet used.
func (e *Emu) ClearFaults() {
	e.mu.Lock()
	e.faults = nil
	e.mu.Unlock()
}

func (f *Fault) match(r *http.Request) bool {
	if f.Method != "" && f.Method != r.Method {
		return false
	}
	if p, ok := strings.CutSuffix(f.Path, "*"); ok {
		return strings.HasPrefix(r.URL.Path, p)
	}
	return f.Path == "" || f.Path == r.URL.Path
}

// takeFault returns the first fault r matches and uses one of its count.
func (e *Emu) takeFault(r *http.Request) *Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.faults {
		if f.match(r) {
			f.Count--
			if f.Count == 0 {
				e.faults = append(e.faults[:i], e.faults[i+1:]...)
			}
			return f
		}
	}
	return nil
}

func (e *Emu) record(r *http.Request, status int, lost bool) {
	e.mu.Lock()
	e.log = append(e.log, Request{Method: r.Method, Path: r.URL.Path, Status: status, Lost: lost})
	e.mu.Unlock()
}

// ServeHTTP answers /v1/... as the e-Boekhouden REST API.
func (e *Emu) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.requests.Add(1)
	f := e.takeFault(r)
	switch {
	case f != nil && f.Lose:
		rec := &recorder{h: http.Header{}}
		e.route(rec, r)
		e.record(r, 0, true)
		drop(w)
		return
	case f != nil:
		er := f.Err
		if er == nil {
			er = &Error{Type: "validation", Code: "ERR_001", Title: "An unexpected error occurred", Status: http.StatusInternalServerError}
		}
		for k, v := range f.Header {
			w.Header()[k] = v
		}
		writeError(w, er)
		e.record(r, er.Status, false)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	e.route(sw, r)
	e.record(r, sw.status, false)
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// recorder takes an answer that is never sent.
type recorder struct {
	h    http.Header
	body bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(int)             {}

func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
