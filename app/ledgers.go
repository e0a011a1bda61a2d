package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden"
	"github.com/orderbrug/orderbrug/sync/ledger/moneybird"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// ledgers are the online ledgers Orderbrug books into beside (or instead
// of) the UBL folder: a new one is one package and one more descriptor
// here. Nothing else in app names a ledger kind.
var ledgers = ledger.NewRegistry(moneybird.Descriptor(), eboekhouden.Descriptor())

// Settings keys of the online ledgers: the token and the VAT mapping of
// each kind have their own key, so a token is never part of the
// LedgerSettings that views and --json show.
const (
	keyLedgerToken   = "ledger_token/"
	keyLedgerMapping = "ledger_mapping/"
)

// OnlineSettings are the settings of one online ledger kind (no token).
type OnlineSettings struct {
	// Administration is the administration id; "" for a kind with one
	// per token (e-Boekhouden: its journal and mapping are the kind's).
	// AccountName is its name as the package showed it at connect.
	Administration string `json:"administration,omitempty"`
	AccountName    string `json:"account_name,omitempty"`
	// APIURL is the package's API root; "" is the real one.
	APIURL string `json:"api_url,omitempty"`
}

// LedgerKind is an online ledger kind as the GUI and the CLI show it.
type LedgerKind struct {
	Kind                string `json:"kind"`
	Name                string `json:"name"`
	DefaultURL          string `json:"default_url"`
	NeedsAdministration bool   `json:"needs_administration"`
	UsesTaxRates        bool   `json:"uses_tax_rates"`
}

// LedgerKinds lists the online ledgers, in registration order.
func (s *Service) LedgerKinds() []LedgerKind {
	var out []LedgerKind
	for _, d := range ledgers.All() {
		out = append(out, LedgerKind{Kind: d.Kind, Name: d.Name, DefaultURL: d.DefaultURL,
			NeedsAdministration: d.NeedsAdministration, UsesTaxRates: d.UsesTaxRates})
	}
	return out
}

// LedgerWaiting is how many bookings wait for the online ledger's rate
// limit, and until when (zero when none).
type LedgerWaiting struct {
	Count int       `json:"count"`
	Next  time.Time `json:"next"`
}

// MarshalJSON writes Next as null when nothing waits.
func (w LedgerWaiting) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Count int        `json:"count"`
		Next  *time.Time `json:"next"`
	}{w.Count, never(w.Next)})
}

// LedgerStatus is where bookings go, as `ledger status` and the
// Boekhouding tab show it. The token is never in it: only TokenSet.
type LedgerStatus struct {
	// Kind is "ubl" or an online kind; Name what a person reads.
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Dir is the UBL folder: the ledger, or the one `ledger use ubl`
	// goes back to.
	Dir string `json:"dir"`
	// UBLCopy: beside an online ledger, every booking is also written
	// into CopyDir (only when there is one).
	UBLCopy bool `json:"ubl_copy"`
	// CopyDir is the UBL copy's folder beside an online ledger (also
	// while the folder is the ledger or the copy is off: where a connect
	// or turning it on puts it); "" with no folder known. CopyDefault: none was chosen, it
	// is the subfolder "kopie" of Dir (never Dir itself: a folder the
	// package imports would get every booking twice).
	CopyDir     string `json:"copy_dir"`
	CopyDefault bool   `json:"copy_dir_default"`
	// CopyOn is the copy's setting whatever the kind: what a connect
	// keeps when it is not told (the GUI's check before connecting).
	CopyOn bool `json:"-"`
	// Account is the administration the online ledger books into.
	Account  ledger.Account `json:"account"`
	APIURL   string         `json:"api_url"`
	TokenSet bool           `json:"token_set"`
	// Waiting are the bookings waiting for the rate limit.
	Waiting LedgerWaiting `json:"waiting"`
}

// ledgerName is the name of kind ("UBL" for the folder); a kind this
// build does not have (settings of a newer one) is named as it is.
func ledgerName(kind string) string {
	if d, ok := ledgers.Lookup(kind); ok {
		return d.Name
	}
	if kind == "" || kind == ledger.KindUBL {
		return "UBL"
	}
	return kind
}

// LedgerStatus returns where bookings go and what waits for the ledger.
func (s *Service) LedgerStatus(ctx context.Context) (LedgerStatus, error) {
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return LedgerStatus{}, err
	}
	st := LedgerStatus{Kind: ls.Kind, Name: ledgerName(ls.Kind), Dir: ls.Dir, CopyOn: !ls.NoCopy}
	st.CopyDir, st.CopyDefault = copyFolder(ls)
	if d, ok := ledgers.Lookup(ls.Kind); ok {
		o := ls.Online[ls.Kind]
		st.UBLCopy = !ls.NoCopy && st.CopyDir != ""
		st.Account = ledger.Account{Name: o.AccountName}
		if d.NeedsAdministration {
			// A kind with one administration per token has no id to
			// show (settings of before kept a hash of the token there).
			st.Account.ID = o.Administration
		}
		st.APIURL = o.APIURL
		if st.APIURL == "" {
			st.APIURL = d.DefaultURL
		}
		tok, err := s.ledgerToken(ctx, ls.Kind)
		if err != nil {
			return st, err
		}
		st.TokenSet = tok != ""
	}
	w, err := s.LedgerWait(ctx)
	st.Waiting = w
	return st, err
}

// LedgerWait is how many bookings wait for the ledger's rate limit and
// until when: "N boekingen wachten op Moneybird tot 14:35".
func (s *Service) LedgerWait(ctx context.Context) (LedgerWaiting, error) {
	w, err := s.store.WaitingFor(ctx, ledger.ReasonRateLimited)
	if err != nil {
		return LedgerWaiting{}, err
	}
	return LedgerWaiting{Count: w.Count, Next: w.Next}, nil
}

// LedgerUnreachable is how many bookings wait for the online ledger to
// answer again (a 5xx, a timeout), and when the first is tried again:
// Orderbrug retries them on its own.
func (s *Service) LedgerUnreachable(ctx context.Context) (LedgerWaiting, error) {
	w, err := s.store.WaitingFor(ctx, ledger.ReasonUnreachable)
	if err != nil {
		return LedgerWaiting{}, err
	}
	return LedgerWaiting{Count: w.Count, Next: w.Next}, nil
}

func (s *Service) ledgerToken(ctx context.Context, kind string) (string, error) {
	var tok string
	if err := s.store.GetSetting(ctx, keyLedgerToken+kind, &tok); err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	return tok, nil
}

// onlineConfig is the Config of kind d with o's settings and token.
//
// The journal of a kind with several administrations per token
// (Moneybird) is the administration's own: another administration starts
// with an empty one, and its ids (contacts, invoices) are never looked up
// in the wrong one. A kind with one administration per token
// (e-Boekhouden) has one journal, "eboekhouden", whatever the token: a
// renewed token reaches the same administration, and a journal of its own
// would forget every relation and every booking on its way. Such a
// package cannot tell a renewed token from one of another
// administration, so a journal entry may be the other administration's:
//   - a relation id: the package refuses it (MUT_013) and the ledger
//     finds or makes the relation again;
//   - a booking sent without an answer: looked up by its invoice number
//     in the administration the token reaches now, and sent when absent;
//   - a booking done (or created): it was booked, in the administration
//     of that moment, and the outbox records it as booked either way. The
//     engine books a key once: a done entry is read only when the outbox
//     lost the answer of its own booking (a crash between the two), so it
//     never skips a booking the administration of now should get but did
//     not (booking it again would put it twice into the same
//     administration, the usual case of a renewed token).
func (s *Service) onlineConfig(d ledger.Descriptor, o OnlineSettings, token string) ledger.Config {
	ns := d.Kind
	if d.NeedsAdministration {
		ns += "/" + o.Administration
	}
	cfg := ledger.Config{
		APIURL: o.APIURL, Token: token, HTTP: s.http, Now: s.clock.Now,
		Journal: s.store.Journal(ns),
		Mapping: func(ctx context.Context) (ledger.Mapping, error) { return s.mapping(ctx, d.Kind, mappingAdmin(d, o)) },
	}
	if d.NeedsAdministration {
		cfg.Administration = o.Administration
	}
	return cfg
}

// onlineLedger is the ledger of an online kind, kept until a setting it is
// made of changes (the package's client keeps its rate limit and session).
func (s *Service) onlineLedger(ctx context.Context, ls LedgerSettings) (ledger.Ledger, error) {
	d, ok := ledgers.Lookup(ls.Kind)
	if !ok {
		return nil, &Error{Code: CodeUnsupported, Field: "kind", Err: fmt.Errorf("ledger %q is not built in", ls.Kind)}
	}
	tok, err := s.ledgerToken(ctx, ls.Kind)
	if err != nil {
		return nil, err
	}
	if tok == "" {
		return nil, fmt.Errorf("%w: %s has no token (orderbrug ledger %s --token -)", engine.ErrNoLedger, d.Name, d.Kind)
	}
	o := ls.Online[ls.Kind]
	copyDir := ""
	if !ls.NoCopy {
		copyDir, _ = copyFolder(ls)
	}
	// The token counts by its hash: the key holds no secret.
	sum := sha256.Sum256([]byte(tok))
	key := strings.Join([]string{ls.Kind, o.Administration, o.APIURL, hex.EncodeToString(sum[:]), copyDir}, "\x00")
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	if s.online != nil && s.onlineKey == key {
		return s.online, nil
	}
	online, err := d.New(s.onlineConfig(d, o, tok))
	if err != nil {
		return nil, err
	}
	l := ledger.Online(unreachable{online})
	if copyDir != "" {
		l = ledger.WithCopy(l, s.ublLocked(copyDir))
	}
	s.online, s.onlineKey = l, key
	return l, nil
}

// unreachable is an online ledger whose plain transient errors (a 5xx, a
// timeout, a lost answer: the package will answer again) carry
// ledger.ReasonUnreachable, so that its bookings wait on time, not on a
// person, and cron's sync does not exit 3 for them. A refusal with a
// reason of its own, a rate limit and a permanent error pass as they are;
// so does the UBL copy's error, made outside (WithCopy): a folder that
// cannot be written stays ledger_unavailable.
type unreachable struct{ ledger.Online }

func (u unreachable) Book(ctx context.Context, inv order.Invoice) (string, error) {
	b, err := u.BookReport(ctx, inv)
	return b.Ref, err
}

func (u unreachable) BookReport(ctx context.Context, inv order.Invoice) (ledger.Booked, error) {
	var b ledger.Booked
	var err error
	if r, ok := u.Online.(ledger.Reporter); ok {
		b, err = r.BookReport(ctx, inv)
	} else {
		b.Ref, err = u.Online.Book(ctx, inv)
	}
	return b, unreachableError(err)
}

// unreachableError is err with ReasonUnreachable where it is a plain
// transient error of the package.
func unreachableError(err error) error {
	var re *ledger.ReasonError
	if _, limited := ledger.RetryAt(err); err == nil || limited || errors.Is(err, ledger.ErrPermanent) || errors.As(err, &re) {
		return err
	}
	return ledger.WithReason(ledger.ReasonUnreachable, nil, err)
}

// ublLocked is the ubl ledger of dir (ledgerMu held).
func (s *Service) ublLocked(dir string) ledger.Ledger {
	if s.ubl == nil || s.ublDir != dir {
		s.ubl, s.ublDir = ubl.New(dir), dir
	}
	return s.ubl
}

// AdministrationsError says the token reaches several administrations and
// none was chosen: Accounts lists them.
type AdministrationsError struct {
	Kind     string
	Accounts []ledger.Account
}

func (e *AdministrationsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the token reaches %d administrations: choose one with --administration ID", len(e.Accounts))
	for _, a := range e.Accounts {
		fmt.Fprintf(&b, "\n  %s  %s", a.ID, a.Name)
	}
	return b.String()
}

// LedgerConnect is what connecting an online ledger takes.
type LedgerConnect struct {
	Kind string
	// Token is the API token; "" keeps the stored one (connect again, or
	// another administration, without typing it again).
	Token string
	// Administration is the administration id; "" picks the only one the
	// token reaches (a kind that needs one).
	Administration string
	// APIURL is the API root; "" the one connected to before, else the
	// real one (give the real one to go back to it).
	APIURL string
	// Copy turns the UBL copy beside the online ledger on or off with the
	// connect; nil keeps the setting (on unless turned off before). On
	// needs a folder to write into (CopyDir, else the subfolder "kopie"
	// of Dir): without one there is no copy until a folder is set.
	Copy *bool
}

// onlineAdministration is the administration kind was connected to ("" for
// none).
func (s *Service) onlineAdministration(ctx context.Context, kind string) string {
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return ""
	}
	return ls.Online[kind].Administration
}

// connectConfig is c's Config with the token and settings filled in from
// what is stored where c leaves them out.
func (s *Service) connectConfig(ctx context.Context, c LedgerConnect) (ledger.Descriptor, OnlineSettings, string, error) {
	d, ok := ledgers.Lookup(c.Kind)
	if !ok {
		return d, OnlineSettings{}, "", &Error{Code: CodeUnsupported, Field: "kind", Err: fmt.Errorf("ledger %q is not built in", c.Kind)}
	}
	tok := strings.TrimSpace(c.Token)
	if tok == "" {
		stored, err := s.ledgerToken(ctx, d.Kind)
		if err != nil {
			return d, OnlineSettings{}, "", err
		}
		tok = stored
	}
	if tok == "" {
		return d, OnlineSettings{}, "", required("token")
	}
	apiURL := strings.TrimRight(strings.TrimSpace(c.APIURL), "/")
	if apiURL == "" {
		// Left out: the one connected to before (an emulator, a proxy
		// support set up), else the real one.
		ls, err := s.LedgerSettings(ctx)
		if err != nil {
			return d, OnlineSettings{}, "", err
		}
		apiURL = ls.Online[d.Kind].APIURL
	} else {
		if err := checkAPIURL(apiURL); err != nil {
			return d, OnlineSettings{}, "", invalid("api_url", err)
		}
		if apiURL == d.DefaultURL {
			apiURL = ""
		}
	}
	return d, OnlineSettings{Administration: strings.TrimSpace(c.Administration), APIURL: apiURL}, tok, nil
}

// checkAPIURL refuses an API root that is not an https URL: the token
// goes with every request, so plain http is only for this computer (an
// emulator, a local proxy: localhost, 127.0.0.1, ::1).
func checkAPIURL(apiURL string) error {
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an https URL", apiURL)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return fmt.Errorf("%q is plain http: the token would cross the network readable; use https (http only for this computer: localhost, 127.0.0.1)", apiURL)
	}
	return nil
}

// loopback says whether host is this computer.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LedgerAdministrations lists what the token reaches (for the
// administration select); a kind with one administration per token gives
// nil. c.Token "" uses the stored token.
func (s *Service) LedgerAdministrations(ctx context.Context, c LedgerConnect) ([]ledger.Account, error) {
	d, o, tok, err := s.connectConfig(ctx, c)
	if err != nil {
		return nil, err
	}
	if !d.NeedsAdministration || d.Administrations == nil {
		return nil, nil
	}
	accs, err := d.Administrations(ctx, s.onlineConfig(d, o, tok))
	if err != nil {
		return nil, ledgerError(d, err)
	}
	return accs, nil
}

// ConnectLedger tests the connection and the token, and makes the online
// ledger of c.Kind the ledger: the token is kept as a secret, the VAT
// mapping filled with the package's defaults (the cases a person set are
// kept), and bookings that waited for a ledger, a token or a mapping go at
// once. A token the package refuses is not saved.
func (s *Service) ConnectLedger(ctx context.Context, c LedgerConnect) (LedgerStatus, error) {
	d, o, tok, err := s.connectConfig(ctx, c)
	if err != nil {
		return LedgerStatus{}, err
	}
	if d.NeedsAdministration && o.Administration == "" {
		if d.Administrations == nil {
			return LedgerStatus{}, required("administration")
		}
		accs, err := d.Administrations(ctx, s.onlineConfig(d, o, tok))
		if err != nil {
			return LedgerStatus{}, ledgerError(d, err)
		}
		switch len(accs) {
		case 0:
			return LedgerStatus{}, &Error{Code: CodeLedgerNoAdministration, Field: "administration",
				Err: fmt.Errorf("the token reaches no %s administration", d.Name)}
		case 1:
			o.Administration = accs[0].ID
		default:
			return LedgerStatus{}, &Error{Code: CodeChooseAdministration, Field: "administration",
				Err: &AdministrationsError{Kind: d.Kind, Accounts: accs}}
		}
	}
	l, err := d.New(s.onlineConfig(d, o, tok))
	if err != nil {
		return LedgerStatus{}, ledgerError(d, err)
	}
	acc, err := l.Check(ctx)
	if err != nil {
		return LedgerStatus{}, ledgerError(d, err)
	}
	o.AccountName = acc.Name
	switch {
	case !d.NeedsAdministration:
		// One administration per token: no id (an id made from the
		// token would be its fingerprint).
		o.Administration = ""
	case acc.ID != "":
		o.Administration = acc.ID
	}
	defaults, err := l.Defaults(ctx)
	if err != nil {
		return LedgerStatus{}, ledgerError(d, err)
	}
	m, err := s.storedMapping(ctx, d.Kind)
	if err != nil {
		return LedgerStatus{}, err
	}
	if admin := mappingAdmin(d, o); m.Administration != admin {
		// Another administration's ids mean nothing here.
		m = storedMapping{Administration: admin, Mapping: ledger.Mapping{}}
	}
	for c, t := range defaults {
		if !slices.Contains(m.Manual, c) {
			m.Mapping[c] = t
		}
	}
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return LedgerStatus{}, err
	}
	prevTok, err := s.ledgerToken(ctx, d.Kind)
	if err != nil {
		return LedgerStatus{}, err
	}
	// Another kind, administration or token: a rate limit or a closed
	// period was the old one's, so what waited for it goes at once.
	other := ls.Kind != d.Kind || ls.Online[d.Kind].Administration != o.Administration || prevTok != tok
	ls.Kind = d.Kind
	if c.Copy != nil {
		ls.NoCopy = !*c.Copy
	}
	if ls.Online == nil {
		ls.Online = map[string]OnlineSettings{}
	}
	ls.Online[d.Kind] = o
	if err := s.store.SetSetting(ctx, keyLedgerToken+d.Kind, tok); err != nil {
		return LedgerStatus{}, err
	}
	if err := s.store.SetSetting(ctx, keyLedgerMapping+d.Kind, m); err != nil {
		return LedgerStatus{}, err
	}
	if err := s.store.SetSetting(ctx, keyLedger, ls); err != nil {
		return LedgerStatus{}, err
	}
	if d.NeedsAdministration {
		s.log.Info("ledger connected", "kind", d.Kind, "administration", o.Administration)
	} else {
		s.log.Info("ledger connected", "kind", d.Kind)
	}
	if err := s.ledgerChanged(ctx); err != nil {
		return LedgerStatus{}, err
	}
	if other {
		if err := s.settingsChanged(ctx, ledger.ReasonRateLimited, ledger.ReasonPeriodLocked); err != nil {
			return LedgerStatus{}, err
		}
	}
	return s.LedgerStatus(ctx)
}

// ledgerChanged drops the kept online ledger and lets every booking that
// waited for the ledger's settings go.
func (s *Service) ledgerChanged(ctx context.Context) error {
	s.ledgerMu.Lock()
	s.online, s.onlineKey = nil, ""
	s.ledgerMu.Unlock()
	s.forgetChoices()
	return s.settingsChanged(ctx, engine.ReasonNoLedger, engine.ReasonLedgerUnavailable, ledger.ReasonUnreachable,
		ledger.ReasonUnauthorized, ledger.ReasonVATUnmapped, ledger.ReasonAccountUnmapped)
}

// currentOnline is the online ledger of the settings, made afresh (not
// the kept one: a test must ask the package, with what is stored now).
func (s *Service) currentOnline(ctx context.Context) (ledger.Descriptor, ledger.Online, error) {
	d, l, _, err := s.currentOnlineKey(ctx)
	return d, l, err
}

// currentOnlineKey is currentOnline with the key of what it is made of
// (kind, administration, API root, the token's hash): the key of its
// cached Choices.
func (s *Service) currentOnlineKey(ctx context.Context) (ledger.Descriptor, ledger.Online, string, error) {
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return ledger.Descriptor{}, nil, "", err
	}
	d, ok := ledgers.Lookup(ls.Kind)
	if !ok {
		return d, nil, "", &Error{Code: CodeNoOnlineLedger, Err: errors.New("bookings go to the UBL folder: connect an online ledger first (orderbrug ledger moneybird|eboekhouden --token -)")}
	}
	tok, err := s.ledgerToken(ctx, ls.Kind)
	if err != nil {
		return d, nil, "", err
	}
	if tok == "" {
		return d, nil, "", required("token")
	}
	o := ls.Online[d.Kind]
	l, err := d.New(s.onlineConfig(d, o, tok))
	if err != nil {
		return d, nil, "", ledgerError(d, err)
	}
	sum := sha256.Sum256([]byte(tok))
	return d, l, strings.Join([]string{d.Kind, mappingAdmin(d, o), o.APIURL, hex.EncodeToString(sum[:])}, "\x00"), nil
}

// TestLedger asks the online ledger whether the stored token still works
// ("Verbinding testen"), and returns the administration.
func (s *Service) TestLedger(ctx context.Context) (ledger.Account, error) {
	d, l, err := s.currentOnline(ctx)
	if err != nil {
		return ledger.Account{}, err
	}
	acc, err := l.Check(ctx)
	if err != nil {
		return acc, ledgerError(d, err)
	}
	if !d.NeedsAdministration {
		acc.ID = ""
	}
	// A token that works again: bookings that waited for it go now.
	return acc, s.settingsChanged(ctx, ledger.ReasonUnauthorized)
}

// UseUBL makes the UBL folder the only ledger again (the online ledger's
// settings and token are kept for a later connect). Bookings waiting for
// the online ledger go at once, into the folder.
func (s *Service) UseUBL(ctx context.Context) error {
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return err
	}
	if ls.Dir == "" && ls.CopyDir != "" {
		// No UBL folder was ever chosen, only the copy's: the folder
		// the owner has the files in.
		ls.Dir = ls.CopyDir
	}
	if ls.Dir == "" {
		return required("dir")
	}
	ls.Kind = ledger.KindUBL
	if err := s.store.SetSetting(ctx, keyLedger, ls); err != nil {
		return err
	}
	if err := s.ledgerChanged(ctx); err != nil {
		return err
	}
	return s.settingsChanged(ctx, ledger.ReasonRateLimited, ledger.ReasonPeriodLocked)
}

// SetUBLCopy turns the UBL copy beside an online ledger on or off. Off is
// refused while the folder is the only ledger; on needs a folder (the
// copy's own, or the UBL folder for its subfolder "kopie").
func (s *Service) SetUBLCopy(ctx context.Context, on bool) error {
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return err
	}
	if _, online := ledgers.Lookup(ls.Kind); !online && !on {
		return &Error{Code: CodeNotAllowed, Field: "ubl_copy", Err: errors.New("the UBL folder is the only ledger: connect an online ledger before turning its copy off")}
	}
	if on && ls.Dir == "" && ls.CopyDir == "" {
		return required("dir")
	}
	ls.NoCopy = !on
	if err := s.store.SetSetting(ctx, keyLedger, ls); err != nil {
		return err
	}
	return s.ledgerChanged(ctx)
}

// ledgerError is err of online ledger d as the service reports it: a
// refused token, a package out of reach, or what the package said. The
// detail never holds the token (the packages keep it out of their errors).
func ledgerError(d ledger.Descriptor, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var re *ledger.ReasonError
	if errors.As(err, &re) && re.Reason == ledger.ReasonUnauthorized {
		return &Error{Code: CodeLedgerAuth, Field: "token", Err: fmt.Errorf("%s refuses the token: %w", d.Name, err)}
	}
	if _, ok := ledger.RetryAt(err); ok {
		return &Error{Code: CodeLedgerBusy, Err: fmt.Errorf("%s: %w", d.Name, err)}
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return &Error{Code: CodeLedgerNetwork, Err: fmt.Errorf("%s cannot be reached: %w", d.Name, err)}
	}
	return &Error{Code: CodeLedgerError, Err: fmt.Errorf("%s: %w", d.Name, err)}
}
