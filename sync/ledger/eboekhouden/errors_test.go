package eboekhouden

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/order"
)

// TestServerError: a 500 is transient; the retry books once.
func TestServerError(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	f.emu.Inject(ebemu.Fault{Method: "POST", Path: "/v1/mutation"})
	_, err := f.l.Book(f.ctx, inv)
	var re *ledger.ReasonError
	if err == nil || errors.Is(err, ledger.ErrPermanent) || errors.As(err, &re) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("500: %v", err)
	}
	f.noToken(err)
	f.book(inv)
	if f.emu.MutationCount() != 1 {
		t.Errorf("%d mutations", f.emu.MutationCount())
	}
	// Down for a while: every request fails, then it books.
	inv2 := f.invoice("webwinkel", mixedOrder("1043", consumer()))
	f.emu.FailNext(3)
	for i := 0; i < 3; i++ {
		if _, err := f.l.Book(f.ctx, inv2); err == nil || errors.Is(err, ledger.ErrPermanent) {
			t.Fatalf("down, attempt %d: %v", i, err)
		}
	}
	f.book(inv2)
	f.reconciles(inv, inv2)
}

// TestTimeout: an answer slower than the client's timeout is transient,
// whether the request never got there or e-Boekhouden committed it; the
// retry books it once.
func TestTimeout(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	if _, err := f.l.Check(f.ctx); err != nil {
		t.Fatal(err)
	}
	// Held back before it is sent: nothing reaches e-Boekhouden.
	slow := &slowTransport{next: f.spy, delay: 300 * time.Millisecond}
	l, _ := New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Now: f.clk.Now, Journal: f.journal,
		HTTP: newClient(slow, 100*time.Millisecond), Mapping: f.l.mapping})
	_, err := l.Book(f.ctx, inv)
	if err == nil || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("timeout: %v", err)
	}
	f.noToken(err)
	// The retry books it.
	if _, err := f.l.Book(f.ctx, inv); err != nil {
		t.Fatal(err)
	}
	// The mutation's answer held back after e-Boekhouden committed it: the
	// retry finds it, and books no second.
	late := &lateAnswer{next: f.spy, path: "/v1/mutation", delay: 300 * time.Millisecond}
	inv2 := f.invoice("webwinkel", mixedOrder("1043", consumer()))
	l, _ = New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Now: f.clk.Now, Journal: f.journal,
		HTTP: newClient(late, 100*time.Millisecond), Mapping: f.l.mapping})
	if _, err := l.Book(f.ctx, inv2); err == nil || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("late answer: %v", err)
	}
	if n := len(f.emu.MutationsByInvoice("webwinkel-1043")); n != 1 {
		t.Fatalf("%d mutations committed before the timeout", n)
	}
	f.book(inv2)
	if n := len(f.emu.MutationsByInvoice("webwinkel-1043")); n != 1 || f.emu.MutationCount() != 2 {
		t.Errorf("%d mutations of the invoice, %d in all", n, f.emu.MutationCount())
	}
	f.reconciles(inv, inv2)
}

// TestRevokedToken: a revoked API token waits with ReasonUnauthorized
// (the session it had ends too); a new one books.
func TestRevokedToken(t *testing.T) {
	f := start(t)
	f.book(f.invoice("webwinkel", mixedOrder("1042", consumer())))
	f.emu.RevokeAPIToken()
	inv := f.invoice("webwinkel", mixedOrder("1043", consumer()))
	_, err := f.l.Book(f.ctx, inv)
	if !isReason(err, ledger.ReasonUnauthorized) || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("revoked: %v", err)
	}
	f.noToken(err)
	f.emu.SetAPIToken("NEW-TOKEN")
	if _, err := f.l.Book(f.ctx, inv); !isReason(err, ledger.ReasonUnauthorized) {
		t.Fatalf("old token, new one made: %v", err)
	}
	f.l = f.newLedger("NEW-TOKEN")
	f.book(inv)
	// A wrong token from the start.
	_, err = f.newLedger("WRONG-TOKEN").Book(f.ctx, f.invoice("webwinkel", mixedOrder("1044", consumer())))
	if !isReason(err, ledger.ReasonUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
	f.noToken(err)
}

// TestSessionRenewal: a session is renewed before it expires, and once
// when e-Boekhouden says it ended (SECURITY_010, or 401 /
// API_SESSION_004 in the other reading).
func TestSessionRenewal(t *testing.T) {
	f := start(t)
	f.emu.SetLifetime(10 * time.Minute)
	f.l = f.newLedger(apiToken)
	f.book(f.invoice("webwinkel", mixedOrder("1001", consumer())))
	sessions := f.emu.SessionsCreated()
	// Before the renewal margin (a tenth: one minute): the same session.
	f.clk.Add(8 * time.Minute)
	f.book(f.invoice("webwinkel", mixedOrder("1002", consumer())))
	if n := f.emu.SessionsCreated(); n != sessions {
		t.Errorf("renewed at 8 of 10 minutes: %d sessions", n)
	}
	// Within the margin: renewed before e-Boekhouden refuses it.
	f.clk.Add(90 * time.Second)
	f.book(f.invoice("webwinkel", mixedOrder("1003", consumer())))
	if n := f.emu.SessionsCreated(); n != sessions+1 {
		t.Errorf("sessions %d, want %d", n, sessions+1)
	}
	refused := func() (n int) {
		for _, r := range f.emu.Log() {
			if r.Status == 401 || r.Status == 403 {
				n++
			}
		}
		return n
	}
	if refused() != 0 {
		t.Errorf("%d refused requests while renewing ahead", refused())
	}
	// Ended early (e-Boekhouden's side): refused once, renewed, booked.
	for i, tc := range []struct {
		status int
		code   string
	}{{403, "SECURITY_010"}, {401, "API_SESSION_004"}, {403, "API_SESSION_004"}} {
		f.emu.SetUnauthenticated(tc.status, tc.code)
		f.emu.ExpireSessions()
		before := refused()
		f.book(f.invoice("webwinkel", mixedOrder("20"+strconv.Itoa(i), consumer())))
		if refused() != before+1 {
			t.Errorf("%d %s: %d refused, want 1", tc.status, tc.code, refused()-before)
		}
	}
	if n := f.emu.SessionsCreated(); n != sessions+4 {
		t.Errorf("sessions %d, want %d", n, sessions+4)
	}
}

// TestPeriodClosed: a closed period waits with ReasonPeriodLocked and the
// date, by the owner (MUT_005) or the accountant (SECURITY_007, a 403
// that is no session problem).
func TestPeriodClosed(t *testing.T) {
	for _, acct := range []bool{false, true} {
		f := start(t)
		inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
		f.emu.ClosePeriod("2026-03-31", acct)
		sessions := f.emu.SessionsCreated()
		_, err := f.l.Book(f.ctx, inv)
		var re *ledger.ReasonError
		if !errors.As(err, &re) || re.Reason != ledger.ReasonPeriodLocked || re.Args["date"] != "2026-03-02" || errors.Is(err, ledger.ErrPermanent) {
			t.Fatalf("accountant %v: %v", acct, err)
		}
		if f.emu.SessionsCreated() != sessions {
			t.Errorf("accountant %v: a closed period renewed the session", acct)
		}
		f.noToken(err)
		f.emu.ClosePeriod("", acct)
		f.book(inv)
	}
}

// TestRefused: a mutation e-Boekhouden refuses for its content is
// permanent, with the code and title; a ledger or VAT code of the mapping
// it refuses waits for the mapping, naming the case.
func TestRefused(t *testing.T) {
	f := start(t)
	f.emu.SetMaxInvoiceNumber(10)
	_, err := f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1042", consumer())))
	if !errors.Is(err, ledger.ErrPermanent) || !strings.Contains(err.Error(), "MUT_018") || !strings.Contains(err.Error(), "Invoice number is too long") {
		t.Fatalf("too long: %v", err)
	}
	f.noToken(err)
	f.emu.SetMaxInvoiceNumber(50)

	gone := f.emu.AddLedger(ebemu.Ledger{Code: "8300", Description: "Omzet kassa", Category: "FIN"})
	f.mapping[ledger.Case9] = ledger.Target{VATCode: "LAAG_VERK_9", Account: itoa(gone)}
	_, err = f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	var re *ledger.ReasonError
	if !errors.As(err, &re) || re.Reason != ledger.ReasonAccountUnmapped || re.Args["case"] != "9" {
		t.Fatalf("a FIN ledger: %v", err)
	}
	f.mapping[ledger.Case9] = ledger.Target{VATCode: "LAAG_VERK_9", Account: "999999"}
	_, err = f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	if !errors.As(err, &re) || re.Reason != ledger.ReasonAccountUnmapped || re.Args["case"] != "9" || !strings.Contains(err.Error(), "MUT_104") {
		t.Fatalf("an unknown ledger: %v", err)
	}
	f.mapping[ledger.CaseShipping] = ledger.Target{Account: "999999"}
	f.mapping[ledger.Case9] = ledger.Target{VATCode: "LAAG_VERK_9", Account: f.ledgerID("8010")}
	_, err = f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	if !errors.As(err, &re) || re.Reason != ledger.ReasonAccountUnmapped || re.Args["case"] != "shipping" {
		t.Fatalf("an unknown shipping ledger: %v", err)
	}
}

// TestUnmapped: a case without a VAT code or account waits before
// anything is sent.
func TestUnmapped(t *testing.T) {
	f := start(t)
	n := f.emu.Requests()
	for _, tc := range []struct {
		c      ledger.Case
		t      ledger.Target
		reason string
	}{
		{ledger.Case9, ledger.Target{}, ledger.ReasonVATUnmapped},
		{ledger.Case9, ledger.Target{VATCode: "LAAG_VERK_9"}, ledger.ReasonAccountUnmapped},
		{ledger.Case9, ledger.Target{VATCode: "LAAG_VERK_9", Account: "8010 Omzet laag"}, ledger.ReasonAccountUnmapped},
		{ledger.Case9, ledger.Target{VATCode: "LAAG_INK_9", Account: f.ledgerID("8010")}, ledger.ReasonVATUnmapped},
	} {
		saved := f.mapping[tc.c]
		f.mapping[tc.c] = tc.t
		_, err := f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1042", consumer())))
		var re *ledger.ReasonError
		if !errors.As(err, &re) || re.Reason != tc.reason || re.Args["case"] != string(tc.c) {
			t.Errorf("%+v: %v, want %s", tc.t, err, tc.reason)
		}
		f.mapping[tc.c] = saved
	}
	// A foreign OSS rate fits no case.
	o := shopOrder("1050", consumer(), true, ln(order.Product, "1", "Boek", 1, 1000, 70, 700, order.Standard))
	_, err := f.l.Book(f.ctx, f.invoice("webwinkel", o))
	if !isReason(err, ledger.ReasonVATUnmapped) {
		t.Errorf("7%%: %v", err)
	}
	if f.emu.Requests() != n {
		t.Errorf("%d requests for unmapped bookings", f.emu.Requests()-n)
	}
	// No mapping at all.
	l, _ := New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Journal: f.journal})
	if _, err := l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1042", consumer()))); !isReason(err, ledger.ReasonVATUnmapped) {
		t.Errorf("no mapping: %v", err)
	}
}

// TestRateLimited: a 429 (e-Boekhouden documents no limit, but answers
// one all the same) waits until Retry-After, not a failure.
func TestRateLimited(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	f.emu.Inject(ebemu.Fault{Method: "POST", Path: "/v1/mutation", Header: http.Header{"Retry-After": {"120"}},
		Err: &ebemu.Error{Type: "validation", Title: "Too many requests", Status: 429}})
	_, err := f.l.Book(f.ctx, inv)
	until, ok := ledger.RetryAt(err)
	if !ok || !until.Equal(f.clk.Now().Add(2*time.Minute)) || errors.Is(err, ledger.ErrPermanent) {
		t.Fatalf("429: %v (until %v)", err, until)
	}
	// Without Retry-After: a minute.
	f.emu.Inject(ebemu.Fault{Method: "POST", Path: "/v1/mutation", Err: &ebemu.Error{Type: "validation", Title: "Too many requests", Status: 429}})
	_, err = f.l.Book(f.ctx, inv)
	if until, ok := ledger.RetryAt(err); !ok || !until.Equal(f.clk.Now().Add(time.Minute)) {
		t.Fatalf("429 without Retry-After: %v (until %v)", err, until)
	}
	f.book(inv)
	if f.emu.MutationCount() != 1 {
		t.Errorf("%d mutations", f.emu.MutationCount())
	}
}

// TestTokensNeverShown: no API or session token in an error, the journal
// or what a ledger prints.
func TestTokensNeverShown(t *testing.T) {
	f := start(t)
	f.book(f.invoice("webwinkel", mixedOrder("1042", consumer())))
	var errs []error
	f.emu.ExpireSessions()
	f.emu.FailNext(2)
	_, err := f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	errs = append(errs, err)
	f.emu.RevokeAPIToken()
	_, err = f.l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1044", consumer())))
	errs = append(errs, err)
	_, err = f.l.Check(f.ctx)
	errs = append(errs, err)
	_, err = f.l.Choices(f.ctx)
	errs = append(errs, err)
	// An answer that repeats the token it was given.
	f.emu.SetAPIToken(apiToken)
	f.emu.Inject(ebemu.Fault{Path: "/v1/session", Err: &ebemu.Error{Type: "security", Title: "Login failed for " + apiToken,
		Message: "accessToken " + apiToken + " unknown", Status: 403}})
	_, err = f.l.Check(f.ctx)
	if !isReason(err, ledger.ReasonUnauthorized) || !strings.Contains(err.Error(), "Login failed for [redacted]") {
		t.Errorf("echoed token: %v", err)
	}
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("no error")
		}
		f.noToken(err)
	}
	if len(f.spy.tokens()) < 2 {
		t.Fatalf("no session token seen: %v", len(f.spy.tokens()))
	}
	for _, key := range []string{"inv/woocommerce/webwinkel/1042/invoice", "contact/" + ledger.CustomerID(consumer())} {
		e, ok, err := f.journal.Get(f.ctx, key)
		if !ok || err != nil {
			t.Fatalf("journal %s: %v %v", key, ok, err)
		}
		f.noToken(errors.New(e.State + e.Ref + e.Data))
	}
	f.noToken(errors.New(f.l.String() + f.l.GoString()))
}

// TestForeignCurrency: e-Boekhouden's mutations have no currency: an
// invoice in another currency is refused for good, before anything is
// sent, with a message that says so.
func TestForeignCurrency(t *testing.T) {
	f := start(t)
	o := mixedOrder("1042", consumer())
	o.Currency = "USD"
	inv, err := order.NewInvoice(o, order.InvoiceOptions{Shop: "webwinkel", Seller: seller(), EURRate: "0.92"})
	if err != nil {
		t.Fatal(err)
	}
	n := f.emu.Requests()
	_, err = f.l.Book(f.ctx, inv)
	if !errors.Is(err, ledger.ErrPermanent) || !strings.Contains(err.Error(), "USD") || f.emu.Requests() != n {
		t.Errorf("USD: %v (%d requests)", err, f.emu.Requests()-n)
	}
}

// TestRefusalKinds: only a validation error with a code is permanent; a
// security refusal (but the closed period) waits for the owner with
// ReasonUnauthorized, the free trial's limit (MODULE_001) too, naming it;
// a 404, a 408 or an answer without a code is transient; for the
// mutation and for the relation alike.
func TestRefusalKinds(t *testing.T) {
	type want int
	const (
		transient want = iota
		permanent
		unauthorized
	)
	for _, path := range []string{"/v1/mutation", "/v1/relation"} {
		for _, tc := range []struct {
			err  ebemu.Error
			want want
		}{
			{ebemu.Error{Type: "security", Code: "SECURITY_003", Title: "No access to this administration", Status: 403}, unauthorized},
			{ebemu.Error{Type: "validation", Code: "MODULE_001", Title: "Free trial limit reached", Status: 400}, unauthorized},
			{ebemu.Error{Type: "validation", Title: "Not found", Status: 404}, transient},
			{ebemu.Error{Type: "validation", Code: "ERR_002", Title: "Request timeout", Status: 408}, transient},
			{ebemu.Error{Title: "Bad Request", Status: 400}, transient},
			{ebemu.Error{Type: "validation", Code: "MUT_003", Title: "Date is required", Status: 400}, permanent},
		} {
			f := start(t)
			inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
			e := tc.err
			f.emu.Inject(ebemu.Fault{Method: "POST", Path: path, Err: &e})
			_, err := f.l.Book(f.ctx, inv)
			var re *ledger.ReasonError
			got := transient
			switch {
			case errors.Is(err, ledger.ErrPermanent):
				got = permanent
			case errors.As(err, &re) && re.Reason == ledger.ReasonUnauthorized:
				got = unauthorized
				if e.Code == "MODULE_001" && re.Args["code"] != "MODULE_001" {
					t.Errorf("%s %s: args %v", path, e.Code, re.Args)
				}
			case errors.As(err, &re):
				got = -1
			}
			if err == nil || got != tc.want {
				t.Errorf("%s %d %s: %v, want kind %d", path, e.Status, e.Code, err, tc.want)
			}
			f.noToken(err)
			if tc.want != permanent {
				f.book(inv)
			}
		}
	}
}

// noDebtors is an e-Boekhouden without a ledger of category DEB.
type noDebtors struct{ next http.RoundTripper }

func (n noDebtors) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/v1/ledger" && r.URL.Query().Get("category") == "DEB" {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
			Body: io.NopCloser(strings.NewReader(`{"items":[],"count":0}`))}, nil
	}
	return n.next.RoundTrip(r)
}

// TestNeverGoesAway: what no retry mends is permanent or a reason a
// person can act on, not a plain error retried for ever: a VAT code with
// spaces around it in the mapping books; no debtor ledger is
// ReasonAccountUnmapped (case debtor); a source e-Boekhouden refuses
// (API_SESSION_002) is permanent, not a bad token.
func TestNeverGoesAway(t *testing.T) {
	f := start(t)
	f.mapping[ledger.Case21] = ledger.Target{VATCode: " HOOG_VERK_21 ", Account: f.mapping[ledger.Case21].Account}
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	f.book(inv)
	f.reconciles(inv)

	l, _ := New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Now: f.clk.Now, Journal: f.journal,
		HTTP: &http.Client{Transport: noDebtors{next: f.spy}}, Mapping: f.l.mapping})
	_, err := l.Book(f.ctx, f.invoice("webwinkel", mixedOrder("1043", consumer())))
	var re *ledger.ReasonError
	if !errors.As(err, &re) || re.Reason != ledger.ReasonAccountUnmapped || re.Args["case"] != "debtor" {
		t.Errorf("no debtor ledger: %v", err)
	}

	f.emu.SetSourceMaxLen(5)
	_, err = f.newLedger(apiToken).Book(f.ctx, f.invoice("webwinkel", mixedOrder("1044", consumer())))
	if !errors.Is(err, ledger.ErrPermanent) || isReason(err, ledger.ReasonUnauthorized) || !strings.Contains(err.Error(), "API_SESSION_002") {
		t.Errorf("source refused: %v", err)
	}
	f.noToken(err)
}

// smallPages is an e-Boekhouden that gives at most 3 items a page,
// whatever limit asks.
type smallPages struct{ next http.RoundTripper }

func (s smallPages) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && r.URL.Query().Has("limit") {
		r = r.Clone(r.Context())
		q := r.URL.Query()
		if n, _ := strconv.Atoi(q.Get("limit")); n > 3 {
			q.Set("limit", "3")
		}
		r.URL.RawQuery = q.Encode()
	}
	return s.next.RoundTrip(r)
}

// TestPaging: a list is read until it has count items, not until a page
// is shorter than asked for.
func TestPaging(t *testing.T) {
	f := start(t)
	for i := 0; i < 8; i++ {
		if _, err := f.emu.AddRelation(ebemu.Relation{Type: "P", Code: "K" + strconv.Itoa(i), Name: "Klant", EmailAddress: "klant@example.nl"}); err != nil {
			t.Fatal(err)
		}
	}
	l, _ := New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Now: f.clk.Now, Journal: f.journal,
		HTTP: &http.Client{Transport: smallPages{next: f.spy}}, Mapping: f.l.mapping})
	items, err := list[relationItem](f.ctx, l, "/v1/relation", url.Values{"email": {"klant@example.nl"}})
	if err != nil || len(items) != 8 {
		t.Errorf("%d of 8 relations: %v", len(items), err)
	}
}
