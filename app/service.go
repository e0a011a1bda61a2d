// Package app is the composition root of Orderbrug's engine: it opens the
// store, builds the engine, scheduler, webhook server and tunnel, and offers
// the one service API that both the GUI and the CLI call. It imports no Fyne.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	gosync "sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
	"github.com/orderbrug/orderbrug/sync/tunnel"
)

// Options configure Open.
type Options struct {
	// DataDir holds the database; default DefaultDataDir().
	DataDir string
	// Clock drives schedules and timestamps; default the real clock.
	Clock clockwork.Clock
	// HTTPClient is used for the shops' APIs; default a client with timeouts.
	HTTPClient *http.Client
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Tunnel makes the tunnel from its settings; default ngrok. Tests pass a
	// local one, since ngrok cannot be reached from a test.
	Tunnel func(TunnelSettings) tunnel.Tunnel
}

// DefaultDataDir is $ORDERBRUG_DATA_DIR, or the user's config directory +
// "orderbrug".
func DefaultDataDir() (string, error) {
	if d := os.Getenv("ORDERBRUG_DATA_DIR"); d != "" {
		return d, nil
	}
	cfg, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no data directory: %w", err)
	}
	return filepath.Join(cfg, "orderbrug"), nil
}

// Service is Orderbrug's API: every action of the GUI and the CLI. It is safe
// for concurrent use; every method may block on the database or the network,
// so the GUI calls them off its UI goroutine.
type Service struct {
	// kinds are the shop systems (app/kinds.go).
	kinds   *source.Registry
	store   *store.Store
	engine  *engine.Engine
	clock   clockwork.Clock
	http    *http.Client
	log     *slog.Logger
	dataDir string

	mu     gosync.Mutex
	runner *engine.Runner
	subs   map[int]func()
	tunnel TunnelStatus
	bg     gosync.WaitGroup
	// inbox commits webhook deliveries, many per transaction.
	inbox *groupCommit
	// tunnelStart serialises tunnel (re)starts; registering the webhook
	// registrations in the shops.
	tunnelStart gosync.Mutex
	registering gosync.Mutex
	// stopTunnel stops the running tunnel manager; tunnelCtx is the context
	// webhooks were started with (nil before StartWebhooks).
	stopTunnel func()
	tunnelCtx  context.Context
	stopHooks  context.CancelFunc
	// newTunnel makes the tunnel (tests: a local one instead of ngrok).
	newTunnel func(TunnelSettings) tunnel.Tunnel
	connects  map[string]*pendingConnect
	nextSub   int
	// ubl is the ledger of folder ublDir (see ledger); online the online
	// ledger made of the settings onlineKey (app/ledgers.go).
	ledgerMu  gosync.Mutex
	ubl       *ubl.Ledger
	ublDir    string
	online    ledger.Ledger
	onlineKey string
	// choices are the online ledger's Choices as last asked (its tax
	// rates, VAT codes and accounts), for choicesTTL (app/ledgers.go).
	choicesMu gosync.Mutex
	choices   choicesCache
}

// Open opens the data directory's database and builds the engine. Nothing
// runs until Start.
func Open(ctx context.Context, opt Options) (*Service, error) {
	if opt.DataDir == "" {
		d, err := DefaultDataDir()
		if err != nil {
			return nil, err
		}
		opt.DataDir = d
	}
	if opt.Clock == nil {
		opt.Clock = clockwork.NewRealClock()
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	// Made here, not by store.Open, so that a new folder is the user's
	// alone on Windows too (where store.Open's 0700 is not looked at).
	if err := makeDataDir(opt.DataDir); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	st, err := store.Open(ctx, opt.DataDir)
	if err != nil {
		if errors.Is(err, store.ErrNewerSchema) {
			return nil, &Error{Code: CodeNewerDB, Err: err}
		}
		return nil, err
	}
	st.Now = opt.Clock.Now
	s := &Service{kinds: kinds, store: st, clock: opt.Clock, http: opt.HTTPClient, log: opt.Logger, dataDir: opt.DataDir,
		subs: map[int]func(){}, newTunnel: opt.Tunnel, inbox: newGroupCommit(st)}
	s.engine = &engine.Engine{
		Store:   st,
		Source:  s.sourceFor,
		Kinds:   s.kinds,
		Ledger:  s.ledger,
		Seller:  s.Seller,
		Now:     opt.Clock.Now,
		Log:     opt.Logger,
		Changed: s.notify,
		Polled:  s.checkWebhooks,
	}
	return s, nil
}

// DataDir is where the database lives.
func (s *Service) DataDir() string { return s.dataDir }

// Store gives tests and benchmarks the store.
func (s *Service) Store() *store.Store { return s.store }

// Engine gives tests and benchmarks the engine.
func (s *Service) Engine() *engine.Engine { return s.engine }

// Close stops everything and closes the database.
func (s *Service) Close() error {
	err := s.Stop()
	s.inbox.close()
	return errors.Join(err, s.store.Close())
}

// Start runs the schedules: a catch-up poll of every shop at once, polls on
// their intervals, the nightly recheck (a missed one at once), hourly
// housekeeping with the daily backup, and the booking worker.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runner != nil {
		return nil
	}
	r, err := engine.NewRunner(s.engine, engine.RunnerOptions{Clock: s.clock, BackupDir: s.BackupDir()})
	if err != nil {
		return err
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	s.runner = r
	return nil
}

// Stop stops the schedules, the webhook server and the tunnel, waiting for
// running work.
func (s *Service) Stop() error {
	s.mu.Lock()
	r := s.runner
	s.runner = nil
	stopTunnel, stopHooks := s.stopTunnel, s.stopHooks
	s.stopTunnel, s.stopHooks, s.tunnelCtx = nil, nil, nil
	s.mu.Unlock()
	if stopTunnel != nil {
		stopTunnel()
	}
	if stopHooks != nil {
		stopHooks()
	}
	s.bg.Wait()
	if r == nil {
		return nil
	}
	return r.Stop()
}

func (s *Service) running() *engine.Runner {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runner
}

// Subscribe calls fn, from any goroutine, after anything changed that a view
// shows. The returned func unsubscribes.
func (s *Service) Subscribe(fn func()) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextSub
	s.nextSub++
	s.subs[id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.subs, id)
	}
}

func (s *Service) notify() {
	s.mu.Lock()
	fns := make([]func(), 0, len(s.subs))
	for _, fn := range s.subs {
		fns = append(fns, fn)
	}
	s.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

func (s *Service) wake() {
	if r := s.running(); r != nil {
		r.Wake()
	}
}

// LedgerSettings say where bookings go. The online ledgers' tokens are not
// in them (app/ledgers.go keeps each under its own key).
type LedgerSettings struct {
	// Kind is "ubl" (files in a folder), the default, or an online ledger
	// ("moneybird", "eboekhouden").
	Kind string `json:"kind"`
	// Dir is the UBL folder: the ledger when Kind is "ubl", and the one
	// `ledger use ubl` goes back to. Never the UBL copy's beside an online
	// ledger (see CopyDir): many owners have it imported into their
	// package, which would then get every booking twice.
	Dir string `json:"dir"`
	// CopyDir is the folder of the UBL copy beside an online ledger, as
	// the owner chose it (`ledger ubl --dir` while an online ledger is the
	// kind, the copy card). "" is the default: the subfolder "kopie" of
	// Dir (copyFolder), also for settings of before it was kept.
	CopyDir string `json:"copy_dir,omitempty"`
	// NoCopy turns the UBL copy beside an online ledger off. Stored as the
	// negation so that settings from before the online ledgers have the
	// copy on. A connect keeps it unless LedgerConnect.Copy says otherwise
	// (the GUI's check); a copy folder chosen (SetCopyDir) turns it on.
	NoCopy bool `json:"no_ubl_copy,omitempty"`
	// Online are the settings of each online kind, kept when another
	// ledger is chosen.
	Online map[string]OnlineSettings `json:"online,omitempty"`
}

const (
	keyLedger = "ledger"
	keySeller = "seller"
)

// ledger is the ledger bookings go to. One ubl.Ledger is kept per folder
// and made again only when the folder setting changes: a ledger learns
// what its folder holds once, so a new one per booking would make every
// booking cost more as the folder fills. ubl.Ledger is safe for concurrent
// use.
//
// An online ledger (Kind moneybird, eboekhouden) is kept the same way, with
// the folder's ledger as its UBL copy when that is on (onlineLedger).
func (s *Service) ledger(ctx context.Context) (ledger.Ledger, error) {
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return nil, err
	}
	if ls.Kind != "" && ls.Kind != ledger.KindUBL {
		return s.onlineLedger(ctx, ls)
	}
	if ls.Dir == "" {
		return nil, engine.ErrNoLedger
	}
	s.ledgerMu.Lock()
	defer s.ledgerMu.Unlock()
	return s.ublLocked(ls.Dir), nil
}

// LedgerSettings returns where bookings go (Kind "ubl" and an empty Dir when
// nothing is set up yet).
func (s *Service) LedgerSettings(ctx context.Context) (LedgerSettings, error) {
	ls := LedgerSettings{Kind: "ubl"}
	if err := s.store.GetSetting(ctx, keyLedger, &ls); err != nil && !errors.Is(err, store.ErrNotFound) {
		return ls, err
	}
	return ls, nil
}

// copyDirName is the default folder of the UBL copy beside an online
// ledger: a subfolder of the UBL folder, never that folder itself.
const copyDirName = "kopie"

// copyFolder is the folder of the UBL copy beside an online ledger, on or
// off ("" when no folder is known), and whether it is the default (none
// chosen): the subfolder "kopie" of the UBL folder.
func copyFolder(ls LedgerSettings) (dir string, byDefault bool) {
	switch {
	case ls.CopyDir != "":
		return ls.CopyDir, false
	case ls.Dir != "":
		return filepath.Join(ls.Dir, copyDirName), true
	}
	return "", false
}

// SetUBLDir is `ledger ubl --dir DIR`: the UBL folder while it is the
// ledger; while an online ledger is the kind, the folder of its UBL copy
// (SetCopyDir), the UBL folder staying as it was for `ledger use ubl`.
func (s *Service) SetUBLDir(ctx context.Context, dir string) error {
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return err
	}
	if _, online := ledgers.Lookup(ls.Kind); online {
		return s.SetCopyDir(ctx, dir)
	}
	return s.SetLedgerDir(ctx, dir)
}

// SetLedgerDir sets the UBL folder, whatever the kind: the ledger when it
// is the kind, the one `ledger use ubl` goes back to otherwise. The folder
// is created if needed and must be writable. Bookings waiting for a
// ledger go at once.
func (s *Service) SetLedgerDir(ctx context.Context, dir string) error {
	return s.setFolder(ctx, dir, func(ls *LedgerSettings, abs string) { ls.Dir, ls.NoCopy = abs, false })
}

// SetCopyDir sets the folder of the UBL copy beside an online ledger and
// turns the copy on; the UBL folder is left as it is. Created if needed;
// it must be writable.
func (s *Service) SetCopyDir(ctx context.Context, dir string) error {
	return s.setFolder(ctx, dir, func(ls *LedgerSettings, abs string) { ls.CopyDir, ls.NoCopy = abs, false })
}

// setFolder checks dir and stores it with set.
func (s *Service) setFolder(ctx context.Context, dir string, set func(*LedgerSettings, string)) error {
	if dir == "" {
		return required("dir")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return invalid("dir", err)
	}
	if err := makeDataDir(abs); err != nil {
		return invalid("dir", err)
	}
	probe, err := os.CreateTemp(abs, ".orderbrug-probe-*")
	if err != nil {
		return invalid("dir", fmt.Errorf("folder is not writable: %w", err))
	}
	probe.Close()
	os.Remove(probe.Name())
	ls, err := s.LedgerSettings(ctx)
	if err != nil {
		return err
	}
	set(&ls, abs)
	if err := s.store.SetSetting(ctx, keyLedger, ls); err != nil {
		return err
	}
	s.ledgerMu.Lock()
	s.online, s.onlineKey = nil, ""
	s.ledgerMu.Unlock()
	// Bookings that waited for a folder, or for one that could not be
	// written, go now.
	return s.settingsChanged(ctx, engine.ReasonNoLedger, engine.ReasonLedgerUnavailable)
}

// Seller returns the seller details for invoices (empty fields when not set).
func (s *Service) Seller(ctx context.Context) (order.Seller, error) {
	var sel order.Seller
	if err := s.store.GetSetting(ctx, keySeller, &sel); err != nil && !errors.Is(err, store.ErrNotFound) {
		return sel, err
	}
	return sel, nil
}

// SetSeller validates and saves the seller details. Bookings that waited for
// them go at once.
func (s *Service) SetSeller(ctx context.Context, sel order.Seller) error {
	if err := validateSeller(sel); err != nil {
		return err
	}
	if err := s.store.SetSetting(ctx, keySeller, sel); err != nil {
		return err
	}
	return s.settingsChanged(ctx, engine.ReasonSellerIncomplete)
}

// settingsChanged retries bookings that waited for a setting.
func (s *Service) settingsChanged(ctx context.Context, reasons ...string) error {
	for _, reason := range reasons {
		if _, err := s.store.RetryWaiting(ctx, reason); err != nil {
			return err
		}
	}
	s.wake()
	s.notify()
	return nil
}

// validateSeller refuses malformed details (a KvK that is not 8 digits, an
// IBAN with wrong check digits, ...). Missing ones may be saved: bookings
// wait, with that reason, until they are filled in.
func validateSeller(sel order.Seller) error {
	var si *order.SellerIncompleteError
	if err := sel.Check(); errors.As(err, &si) && len(si.Invalid) > 0 {
		for _, f := range []string{order.SellerKvK, order.SellerVATID, order.SellerIBAN, order.SellerCountry} {
			if e, ok := si.Invalid[f]; ok {
				return invalid(f, e)
			}
		}
	}
	return nil
}
