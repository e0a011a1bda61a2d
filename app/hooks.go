package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

// hookShops answers the webhook handler's shop look-ups from the store. A
// delivery path names the shop by its slug (see webhookPath).
type hookShops struct{ s *Service }

func (h hookShops) Lookup(src order.Source, slug string) (webhook.ShopHooks, bool) {
	sh, err := h.s.store.ShopBySlug(context.Background(), slug)
	if err != nil || sh.Source != src || !sh.Webhook.Enabled {
		return webhook.ShopHooks{}, false
	}
	topics := map[string]bool{}
	for _, t := range sh.Webhook.Topics {
		topics[t] = true
	}
	return webhook.ShopHooks{Secret: h.s.webhookSecret(sh), Secrets: sh.Webhook.Secrets, Topics: topics}, true
}

// hookInbox is the durable inbox: a delivery is committed to SQLite before
// the handler answers 2xx.
type hookInbox struct{ s *Service }

func (h hookInbox) Accept(ctx context.Context, d webhook.Delivery) error {
	headers := map[string]string{}
	for k, v := range d.Headers {
		headers[k] = strings.Join(v, ", ")
	}
	sd := store.Delivery{Source: string(d.Source), Shop: d.Shop, Topic: d.Topic,
		WebhookID: d.WebhookID, DeliveryID: d.DeliveryID, OrderID: d.OrderID, Modified: d.Modified,
		Headers: headers, Body: d.Body, ReceivedAt: d.ReceivedAt, Status: http.StatusOK}
	if d.Unreadable != "" {
		sd.Status = http.StatusBadRequest
	}
	// The same bytes again are a repeat: one row, counted, no second body.
	// Not for a repeatable one (WooCommerce's order.deleted: its {"id":N}
	// may rightly come again after a restore).
	// The second and later hooks of one request (a shop that names several
	// orders in one call) are keyed apart from the first.
	if !d.Repeatable {
		sd.Dedupe = store.DedupeKey(d.Body)
		if d.Part > 0 {
			sd.Dedupe += "/" + strconv.Itoa(d.Part)
		}
	}
	err := h.s.inbox.add(ctx, sd)
	if err == nil {
		h.s.markDelivery()
	}
	return err
}

// maxInboxBatch bounds how many deliveries share one transaction.
const maxInboxBatch = 256

// errInboxClosed answers deliveries that arrive while the service closes.
var errInboxClosed = errors.New("inbox is closed")

// groupCommit writes the inbox for every webhook handler of the service,
// many concurrent deliveries per transaction. A commit costs an fsync
// (synchronous=FULL) and SQLite has one writer at a time: with a commit per
// delivery, concurrent handlers queue on the write lock, whose busy handler
// sleeps up to 100 ms between tries, and the shop waits for its 2xx. One
// writer that takes whatever arrived while it was committing answers each
// delivery after the commit that holds it, as durable as before; a lone
// delivery is written at once, without waiting for company.
//
// The same writer keeps the counts of refused requests (see countRejection)
// and writes them once a second: a flood of bad requests costs a map
// update each, not a row and an fsync each.
type groupCommit struct {
	st    *store.Store
	queue chan inboxWrite // unbuffered: a delivery is queued only when the writer takes it
	stop  chan struct{}
	done  chan struct{}
	once  gosync.Once

	rejMu gosync.Mutex
	rej   map[rejKey]*store.Rejection
	// notify, when set, tells the views that the log changed.
	notify atomic.Pointer[func()]
}

// rejKey is what rejections are counted by.
type rejKey struct {
	source, shop, code string
	hour               int64
}

// rejectionFlush is how often counted rejections are written.
const rejectionFlush = time.Second

type inboxWrite struct {
	d    store.Delivery
	done chan error
}

func newGroupCommit(st *store.Store) *groupCommit {
	g := &groupCommit{st: st, queue: make(chan inboxWrite), stop: make(chan struct{}), done: make(chan struct{}),
		rej: map[rejKey]*store.Rejection{}}
	go g.run()
	return g
}

// add returns once d is committed, or with why not.
func (g *groupCommit) add(ctx context.Context, d store.Delivery) error {
	w := inboxWrite{d: d, done: make(chan error, 1)}
	select {
	case g.queue <- w:
	case <-g.stop:
		return errInboxClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Taken: it is written whatever the client does now.
	return <-w.done
}

func (g *groupCommit) run() {
	defer close(g.done)
	defer g.flushRejections()
	tick := time.NewTicker(rejectionFlush)
	defer tick.Stop()
	var writer *store.InboxWriter
	defer func() {
		if writer != nil {
			writer.Close()
		}
	}()
	batch := make([]inboxWrite, 0, maxInboxBatch)
	ds := make([]store.Delivery, 0, maxInboxBatch)
	for {
		batch, ds = batch[:0], ds[:0]
		select {
		case w := <-g.queue:
			batch = append(batch, w)
		case <-tick.C:
			g.flushRejections()
			continue
		case <-g.stop:
			return
		}
	fill:
		for len(batch) < maxInboxBatch {
			select {
			case w := <-g.queue:
				batch = append(batch, w)
			default:
				break fill
			}
		}
		for _, w := range batch {
			ds = append(ds, w.d)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if writer == nil {
			// Its own connection, never asleep in SQLite's busy handler
			// (see store.InboxWriter); the pool's as long as it cannot.
			writer, _ = g.st.NewInboxWriter(ctx)
		}
		var err error
		if writer != nil {
			_, err = writer.AddDeliveries(ctx, ds)
		} else {
			_, err = g.st.AddDeliveries(ctx, ds)
		}
		if err != nil && len(batch) > 1 {
			// One bad row must not refuse the others: write them one by one.
			for _, w := range batch {
				_, err := g.st.AddDelivery(ctx, w.d)
				w.done <- err
			}
		} else {
			for _, w := range batch {
				w.done <- err
			}
		}
		cancel()
	}
}

// close stops the writer after the batch in progress; later deliveries are
// refused (503).
func (g *groupCommit) close() {
	g.once.Do(func() { close(g.stop) })
	<-g.done
}

// Reject counts a refused request to a known shop (the handler never
// hands over requests for unknown shops). The counts are written within a
// second; the Logboek gets one line per shop, code and hour.
func (h hookInbox) Reject(ctx context.Context, r webhook.Rejection) error {
	h.s.inbox.countRejection(store.Rejection{Source: string(r.Source), Shop: r.Shop, Code: string(r.Code),
		Status: r.Status, Reason: r.Reason, Remote: r.RemoteAddr, BodyPrefix: r.BodyPrefix, ReceivedAt: r.ReceivedAt})
	return nil
}

// countRejection adds r to the counts not yet written.
func (g *groupCommit) countRejection(r store.Rejection) {
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = time.Now()
	}
	k := rejKey{r.Source, r.Shop, r.Code, r.ReceivedAt.UTC().Truncate(time.Hour).UnixMilli()}
	g.rejMu.Lock()
	defer g.rejMu.Unlock()
	if c, ok := g.rej[k]; ok {
		c.Count++
		c.Status, c.Reason, c.Remote, c.BodyPrefix = r.Status, r.Reason, r.Remote, r.BodyPrefix
		if r.ReceivedAt.After(c.ReceivedAt) {
			c.ReceivedAt = r.ReceivedAt
		}
		return
	}
	r.Count, r.FirstAt = 1, r.ReceivedAt
	g.rej[k] = &r
}

// flushRejections writes the counts and, for each shop and code that had
// no count yet this hour, one Logboek line.
func (g *groupCommit) flushRejections() {
	g.rejMu.Lock()
	if len(g.rej) == 0 {
		g.rejMu.Unlock()
		return
	}
	rs := make([]store.Rejection, 0, len(g.rej))
	for _, r := range g.rej {
		rs = append(rs, *r)
	}
	clear(g.rej)
	g.rejMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first, err := g.st.AddRejections(ctx, rs)
	if err != nil {
		return // counts only: losing a second's worth is better than blocking intake
	}
	logged := false
	for i, r := range rs {
		if !first[i] {
			continue
		}
		name := r.Shop
		if sh, err := g.st.ShopBySlug(ctx, r.Shop); err == nil {
			name = sh.Name
		}
		_ = g.st.AddEvent(ctx, store.Event{Level: store.Warn, Shop: name, Code: "webhook_rejected",
			Args: map[string]string{"status": fmt.Sprint(r.Status), "code": r.Code}, Detail: r.Reason})
		logged = true
	}
	if n := g.notify.Load(); logged && n != nil {
		(*n)()
	}
}

// WebhookHandler is the HTTP handler of the webhook server.
func (s *Service) WebhookHandler() http.Handler {
	notify := s.notify
	s.inbox.notify.Store(&notify)
	receivers := map[order.Source]webhook.Receiver{}
	for _, k := range s.kinds.All() {
		if k.Hooks != nil {
			receivers[k.Kind] = k.Hooks
		}
	}
	return webhook.New(webhook.Config{Shops: hookShops{s}, Inbox: hookInbox{s}, Receivers: receivers, Notify: s.wake, Logger: s.log,
		Now: s.clock.Now,
		OnPing: func(src order.Source, shop, id string) {
			_ = s.store.AddEvent(context.Background(), store.Event{Shop: s.shopName(context.Background(), shop), Code: "webhook_ping",
				Args: map[string]string{"id": id}})
		}})
}

// shopName is the name people know the shop with this slug by (the log is
// by name), or the slug itself when no shop has it.
func (s *Service) shopName(ctx context.Context, slug string) string {
	if sh, err := s.store.ShopBySlug(ctx, slug); err == nil {
		return sh.Name
	}
	return slug
}

func (s *Service) markDelivery() {
	s.mu.Lock()
	s.tunnel.LastDelivery = s.clock.Now()
	s.mu.Unlock()
}

// StartWebhooks starts the local webhook server on listen (default: the
// address kept in the settings, first chosen at random on 127.0.0.1 and then
// kept, so a manual set-up keeps working), and the tunnel when one is set up.
// It returns once the server listens. An address given here is for this run
// only: a `serve --listen 0.0.0.0:8787` once (which on Windows brings the
// firewall's question) never makes the window listen beyond loopback later.
func (s *Service) StartWebhooks(ctx context.Context, listen string) error {
	ts, err := s.tunnelSettings(ctx)
	if err != nil {
		return err
	}
	given := listen != ""
	if listen == "" {
		listen = ts.Listen
		if listen != "" && !loopbackAddr(listen) && listen != ts.OwnListen {
			// Kept before an address given for one run stopped being kept
			// (serve --listen 0.0.0.0:8787 once): back to loopback, on a
			// port kept from now on. The own-URL listener is the owner's
			// choice and stays.
			s.log.Info("webhook server: the kept address is not loopback; listening on 127.0.0.1 instead", "was", listen)
			listen = "127.0.0.1:0"
		}
	}
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.stopHooks, s.tunnelCtx = cancel, ctx
	s.mu.Unlock()
	ln, err := net.Listen("tcp", listen)
	if err != nil && listen == ts.Listen {
		// The kept port is taken (another program): take a new one.
		listen = "127.0.0.1:0"
		ln, err = net.Listen("tcp", listen)
	}
	if err != nil {
		cancel()
		return &Error{Code: CodeInvalid, Field: "listen", Err: err}
	}
	addr := ln.Addr().String()
	// A new address is kept; the kept one stays as written (0.0.0.0:8787
	// is not rewritten as [::]:8787, which would no longer be OwnListen).
	if !given && listen != ts.Listen && addr != ts.Listen {
		ts.Listen = addr
		if err := s.store.SetSetting(ctx, keyTunnel, ts); err != nil {
			ln.Close()
			return err
		}
	}
	srv := webhook.NewServer(s.httpHandler())
	local := addr
	if _, port, _ := net.SplitHostPort(listen); port != "" && port != "0" {
		// Listening where asked: as asked (0.0.0.0:8787, which the own
		// URL's OwnListen names, not the listener's [::]:8787).
		local = listen
	}
	s.mu.Lock()
	s.tunnel.Local = local
	s.mu.Unlock()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		if err := webhook.Serve(ctx, srv, ln); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("webhook server", "err", err)
		}
	}()
	return s.startTunnel(ctx, ts)
}

// loopbackAddr reports whether a host:port listens on loopback only
// (127.0.0.0/8, ::1, localhost); an empty host or 0.0.0.0 is every
// interface.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
