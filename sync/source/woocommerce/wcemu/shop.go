// Package wcemu emulates a WooCommerce shop's REST API v3 (orders, refunds,
// status totals, webhooks) with its authentication and error bodies, so the
// WooCommerce source and end-to-end tests run against real HTTP.
package wcemu

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the shop's local dates are Europe/Amsterdam on any machine
)

const gmtLayout = "2006-01-02T15:04:05"

// coreStatuses are WooCommerce's own order statuses in the order its
// reports and enum list them.
var coreStatuses = []StatusDef{
	{"pending", "Pending payment"}, {"processing", "Processing"}, {"on-hold", "On hold"},
	{"completed", "Completed"}, {"cancelled", "Cancelled"}, {"refunded", "Refunded"},
	{"failed", "Failed"}, {"checkout-draft", "Draft"},
}

// StatusDef is an order status slug (without "wc-") and its label.
type StatusDef struct {
	Slug string
	Name string
}

type record struct {
	o    Order
	mod  int64 // date_modified_gmt as Unix seconds
	made int64 // date_created_gmt as Unix seconds
	json []byte
}

type idxEntry struct{ mod, id int64 }

func less(a, b idxEntry) bool { return a.mod < b.mod || a.mod == b.mod && a.id < b.id }

type hook struct {
	w        Webhook
	secret   string
	failures int
	// pending is WooCommerce's pending_delivery: true until a creation ping
	// got exactly 200.
	pending bool
}

// Shop is an emulated WooCommerce shop and its REST API. It is an
// http.Handler: serve it with httptest.NewServer (plain HTTP, where it
// demands OAuth 1.0a) or httptest.NewTLSServer (HTTP Basic).
type Shop struct {
	key, secret string
	loc         *time.Location

	mu       sync.Mutex
	orders   map[int64]*record
	index    []idxEntry // every order by (date_modified_gmt, id)
	refunds  map[int64][]Refund
	nextID   int64
	custom   []StatusDef
	webhooks map[int64]*hook
	nextHook int64
	nonces   map[string]int64
	now      func() time.Time
	onReq    func(n int64, r *http.Request)
	url      string
	client   *http.Client
	allowed  map[string]bool // host:port the site's filters let through
	pings    []Ping

	down     atomic.Bool
	maint    atomic.Bool
	requests atomic.Int64
}

// New returns an empty shop that accepts the given consumer key and secret.
func New(key, secret string) *Shop {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		loc = time.UTC
	}
	return &Shop{
		key: key, secret: secret, loc: loc,
		orders:   map[int64]*record{},
		refunds:  map[int64][]Refund{},
		webhooks: map[int64]*hook{},
		nonces:   map[string]int64{},
		nextID:   1,
		nextHook: 1,
		now:      time.Now,
		url:      "http://127.0.0.1",
		client:   &http.Client{Timeout: 10 * time.Second},
	}
}

// SetURL tells the shop its own address (the httptest server's URL), used
// in _links and in the X-WC-Webhook-Source header.
func (s *Shop) SetURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.url = strings.TrimRight(u, "/")
}

// SetClock replaces the shop's clock (used for modified dates and OAuth
// timestamps).
func (s *Shop) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetDeliveryClient sets the HTTP client Deliver posts with.
func (s *Shop) SetDeliveryClient(c *http.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.client = c
}

// OnRequest registers fn to run before each API request is served, with
// the request's sequence number (1 for the first). Tests use it to change
// orders while a client is paging.
func (s *Shop) OnRequest(fn func(n int64, r *http.Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onReq = fn
}

// SetDown makes the shop drop every connection without an answer (true) or
// serve again (false).
func (s *Shop) SetDown(down bool) { s.down.Store(down) }

// SetMaintenance makes the shop answer 503 with WordPress's maintenance
// page.
func (s *Shop) SetMaintenance(on bool) { s.maint.Store(on) }

// Requests is the number of HTTP requests the shop has received.
func (s *Shop) Requests() int64 { return s.requests.Load() }

// ResetRequests sets the request counter to zero.
func (s *Shop) ResetRequests() { s.requests.Store(0) }

// RegisterStatus adds a custom order status, as a plugin does with the
// wc_order_statuses filter.
func (s *Shop) RegisterStatus(slug, name string) {
	slug = strings.TrimPrefix(slug, "wc-")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range append(coreStatuses[:len(coreStatuses):len(coreStatuses)], s.custom...) {
		if d.Slug == slug {
			return
		}
	}
	s.custom = append(s.custom, StatusDef{slug, name})
}

func (s *Shop) statusDefs() []StatusDef {
	return append(append([]StatusDef{}, coreStatuses...), s.custom...)
}

func (s *Shop) knownStatus(slug string) bool {
	if slug == "trash" || slug == "auto-draft" {
		return true
	}
	for _, d := range s.statusDefs() {
		if d.Slug == slug {
			return true
		}
	}
	return false
}

// Add stores orders as they are. An order with ID 0 gets the next free id
// (and Number); empty dates are set to now. It returns the ids in order.
// Adding many orders at once sorts the index once, so seeding 100,000
// orders takes well under a second.
func (s *Shop) Add(orders ...Order) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, len(orders))
	for i, o := range orders {
		if o.ID == 0 {
			o.ID = s.nextID
		}
		if o.Number == "" {
			o.Number = strconv.FormatInt(o.ID, 10)
		}
		if o.ID >= s.nextID {
			s.nextID = o.ID + 1
		}
		now := s.now().UTC().Truncate(time.Second)
		if o.DateCreatedGMT == "" {
			o.DateCreatedGMT, o.DateCreated = now.Format(gmtLayout), now.In(s.loc).Format(gmtLayout)
		}
		if o.DateModifiedGMT == "" {
			o.DateModifiedGMT, o.DateModified = now.Format(gmtLayout), now.In(s.loc).Format(gmtLayout)
		}
		if !s.knownStatus(o.Status) && o.Status != "" {
			s.custom = append(s.custom, StatusDef{o.Status, o.Status})
		}
		s.setLinks(&o)
		o.normalize()
		if old, ok := s.orders[o.ID]; ok {
			s.unindex(old)
		}
		rec := &record{o: o}
		rec.mod = parseGMT(o.DateModifiedGMT)
		rec.made = parseGMT(o.DateCreatedGMT)
		s.orders[o.ID] = rec
		s.index = append(s.index, idxEntry{rec.mod, o.ID})
		ids[i] = o.ID
	}
	sort.Slice(s.index, func(i, j int) bool { return less(s.index[i], s.index[j]) })
	return ids
}

func parseGMT(v string) int64 {
	t, err := time.Parse(gmtLayout, v)
	if err != nil {
		return 0
	}
	return t.Unix()
}

func (s *Shop) setLinks(o *Order) {
	o.Links.Self = []Link{{Href: fmt.Sprintf("%s/wp-json/wc/v3/orders/%d", s.url, o.ID)}}
	o.Links.Collection = []Link{{Href: s.url + "/wp-json/wc/v3/orders"}}
}

// unindex removes rec's entry from the index (caller holds mu).
func (s *Shop) unindex(rec *record) {
	e := idxEntry{rec.mod, rec.o.ID}
	i := sort.Search(len(s.index), func(i int) bool { return !less(s.index[i], e) })
	if i < len(s.index) && s.index[i] == e {
		s.index = append(s.index[:i], s.index[i+1:]...)
	}
}

// Order returns a copy of the stored order.
func (s *Shop) Order(id int64) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders[id]
	if !ok {
		return Order{}, false
	}
	return rec.o, true
}

// Len is the number of orders, trashed ones included.
func (s *Shop) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

// Update changes an order through fn and, like WooCommerce on every save,
// sets date_modified to now. It reports whether the order exists.
func (s *Shop) Update(id int64, fn func(*Order)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateLocked(id, fn)
}

func (s *Shop) updateLocked(id int64, fn func(*Order)) bool {
	rec, ok := s.orders[id]
	if !ok {
		return false
	}
	s.unindex(rec)
	if fn != nil {
		fn(&rec.o)
	}
	now := s.now().UTC().Truncate(time.Second)
	rec.o.DateModifiedGMT, rec.o.DateModified = now.Format(gmtLayout), now.In(s.loc).Format(gmtLayout)
	rec.o.normalize()
	rec.mod = now.Unix()
	rec.json = nil
	e := idxEntry{rec.mod, id}
	i := sort.Search(len(s.index), func(i int) bool { return !less(s.index[i], e) })
	s.index = append(s.index, idxEntry{})
	copy(s.index[i+1:], s.index[i:])
	s.index[i] = e
	return true
}

// SetStatus sets an order's status (bumping its modified date); paid
// statuses set date_paid and completed sets date_completed, as WooCommerce
// does.
func (s *Shop) SetStatus(id int64, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.knownStatus(status) {
		s.custom = append(s.custom, StatusDef{status, status})
	}
	now := s.now().UTC().Truncate(time.Second)
	return s.updateLocked(id, func(o *Order) {
		o.Status = status
		gmt, local := now.Format(gmtLayout), now.In(s.loc).Format(gmtLayout)
		if (status == "processing" || status == "completed") && o.DatePaidGMT == nil {
			o.DatePaidGMT, o.DatePaid = &gmt, &local
		}
		if status == "completed" {
			o.DateCompletedGMT, o.DateCompleted = &gmt, &local
		}
	})
}

// Trash moves an order to the trash (status "trash"), as DELETE
// /orders/{id} without force does.
func (s *Shop) Trash(id int64) bool {
	return s.Update(id, func(o *Order) { o.Status = "trash" })
}

// Delete removes an order for good.
func (s *Shop) Delete(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders[id]
	if !ok {
		return false
	}
	s.unindex(rec)
	delete(s.orders, id)
	delete(s.refunds, id)
	return true
}

// Refunds returns an order's refunds, newest first as the API lists them.
func (s *Shop) Refunds(id int64) []Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Refund(nil), s.refunds[id]...)
}

// encoded returns the order's PHP-encoded JSON, cached until it changes.
func (s *Shop) encoded(rec *record) []byte {
	if rec.json == nil {
		b, err := EncodePHP(rec.o)
		if err != nil { // only for a Meta value that cannot be JSON: a test bug
			panic(err)
		}
		rec.json = b
	}
	return rec.json
}

// OrderJSON returns the order exactly as the REST API and webhooks send it.
func (s *Shop) OrderJSON(id int64) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders[id]
	if !ok {
		return nil, false
	}
	return bytes.Clone(s.encoded(rec)), true
}
