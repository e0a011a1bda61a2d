// Package ppemu emulates Plug&Pay's API v2 (orders, subscriptions, rules,
// the tenant) as ../shared/APIS.md §1 documents it, and no more leniently:
// Bearer auth, the Accept header, 422 bodies for bad filter values,
// Laravel-style pagination. It also makes Dutch orders, credits them as
// Plug&Pay does (a new credit_invoice order with negative amounts) and
// sends webhook calls, so the Plug&Pay source and end-to-end tests run
// against real HTTP.
//
// Readings the emulator picks where the documentation is unsure (the client
// copes with the others): an item's amount is the unit price; dates in
// filters are UTC; the maximum limit is 100; related_orders links a credit
// invoice and its original both ways.
package ppemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // invoice dates are Europe/Amsterdam on any machine
)

// MaxLimit is the largest page size the emulator serves; more is a 422.
// Plug&Pay's own maximum is not documented (APIS.md §1.3 [?]).
const MaxLimit = 100

// DefaultLimit is the page size without limit=.
const DefaultLimit = 15

const isoLayout = "2006-01-02T15:04:05.000000Z"

// Shop is an emulated Plug&Pay tenant. It is an http.Handler: serve it with
// httptest.NewServer.
type Shop struct {
	key string
	loc *time.Location

	mu        sync.Mutex
	url       string
	orders    map[int64]*Order
	subs      map[int64]*Subscription
	rules     map[int64]*Rule
	nextOrder int64
	nextItem  int64
	nextRule  int64
	nextInv   int64
	now       func() time.Time
	// ruleRights false makes /v2/rules answer 403, as for a key without
	// the right to manage rules.
	ruleRights bool
	hookKey    string
	// sdkIncludes makes an include the SDK does not offer (the tap's
	// [T] ones: related_orders, shipping, ...) a 422, as a Plug&Pay that
	// never had them would answer.
	sdkIncludes bool

	// lists caches the sorted results of list queries until a change.
	lists map[string][]*Order

	requests atomic.Int64

	// tenant is the account's id in /v2/auth/tenants/me.
	tenant int64
}

// New returns an empty tenant that accepts the API key key.
func New(key string) *Shop {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic(err)
	}
	return &Shop{key: key, loc: loc, orders: map[int64]*Order{}, subs: map[int64]*Subscription{},
		rules: map[int64]*Rule{}, lists: map[string][]*Order{}, nextOrder: 1000, nextItem: 5000, nextRule: 1, nextInv: 1,
		now: time.Now, ruleRights: true, tenant: 1}
}

// SetTenant sets the account's id that /v2/auth/tenants/me answers (1 by
// default): two emulators with different ids are two Plug&Pay accounts.
func (s *Shop) SetTenant(id int64) {
	s.mu.Lock()
	s.tenant = id
	s.mu.Unlock()
}

// SetKey replaces the API key the account accepts (the owner made a new
// one): the old key is refused from then on.
func (s *Shop) SetKey(key string) {
	s.mu.Lock()
	s.key = key
	s.mu.Unlock()
}

// SetURL tells the shop its own address, for the links of pagination.
func (s *Shop) SetURL(u string) {
	s.mu.Lock()
	s.url = strings.TrimRight(u, "/")
	s.mu.Unlock()
}

// SetClock replaces the clock that dates new orders, payments and credits.
func (s *Shop) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// SetRuleRights says whether the API key may manage rules; without, every
// /v2/rules request is a 403.
func (s *Shop) SetRuleRights(ok bool) {
	s.mu.Lock()
	s.ruleRights = ok
	s.mu.Unlock()
}

// SetWebhookKey sets the tenant's webhook key (Settings > Developers), with
// which Deliver signs; "" sends unsigned, as live deliveries were seen.
func (s *Shop) SetWebhookKey(k string) {
	s.mu.Lock()
	s.hookKey = k
	s.mu.Unlock()
}

// Requests counts the API requests served; ResetRequests zeroes it.
func (s *Shop) Requests() int64 { return s.requests.Load() }

// ResetRequests zeroes Requests.
func (s *Shop) ResetRequests() { s.requests.Store(0) }

// Len is the number of orders, credit invoices included.
func (s *Shop) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orders)
}

// Order returns a copy of order id as the API would show it with every
// include.
func (s *Shop) Order(id int64) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// Rules returns the rules registered, by id.
func (s *Shop) Rules() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Rule, 0, len(s.rules))
	for _, r := range s.rules {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// invalid is the 422 body of Laravel's validation ([P1 StoreOrderTest]).
func invalid(w http.ResponseWriter, errs map[string][]string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "The given data was invalid.", "errors": errs})
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found."})
}

// ServeHTTP answers /v2/... as Plug&Pay's API: a request whose Accept is
// not application/json is redirected to the login page (302), as the docs
// say; a missing or wrong Bearer token is a 401.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if !acceptsJSON(r.Header.Get("Accept")) {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || s.key == "" || tok != s.key {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthenticated."})
		return
	}
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	if len(parts) < 2 || parts[0] != "v2" {
		notFound(w)
		return
	}
	parts = parts[1:]
	get := r.Method == http.MethodGet
	switch {
	case len(parts) == 3 && parts[0] == "auth" && parts[1] == "tenants" && parts[2] == "me" && get:
		s.mu.Lock()
		tenant := s.tenant
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"id": tenant, "name": "Webwinkel De Proef", "plan": "lite"}})
	case len(parts) == 1 && parts[0] == "orders" && get:
		s.listOrders(w, r)
	case len(parts) == 2 && parts[0] == "orders" && get:
		s.showOrder(w, r, parts[1])
	case len(parts) == 2 && parts[0] == "subscriptions" && get:
		s.showSubscription(w, r, parts[1])
	case parts[0] == "rules":
		s.serveRules(w, r, parts[1:])
	default:
		notFound(w)
	}
}

// acceptsJSON: the docs require Accept: application/json; the emulator
// takes exactly that media type (parameters and other listed types aside).
func acceptsJSON(h string) bool {
	for _, part := range strings.Split(h, ",") {
		mt := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		if strings.EqualFold(mt, "application/json") {
			return true
		}
	}
	return false
}

// SetSDKIncludesOnly makes the includes only the tap asks for [T] a 422
// (APIS.md §1.3 marks them third-party).
func (s *Shop) SetSDKIncludesOnly(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sdkIncludes = on
}

var sdkIncludes = map[string]bool{"billing": true, "comments": true, "discounts": true, "items": true, "payment": true, "tags": true, "taxes": true}

// checkIncludes adds a 422 message per include the SDK lacks when the shop
// takes only the SDK's.
func (s *Shop) checkIncludes(inc map[string]bool, errs map[string][]string) {
	s.mu.Lock()
	only := s.sdkIncludes
	s.mu.Unlock()
	if !only {
		return
	}
	var bad []string
	for p := range inc {
		if !sdkIncludes[p] {
			bad = append(bad, p)
		}
	}
	sort.Strings(bad)
	for _, p := range bad {
		errs["include"] = append(errs["include"], fmt.Sprintf("De include %s is ongeldig.", p))
	}
}

// Includes the API takes: the SDK's [S] and the tap's [T].
var knownIncludes = map[string]bool{
	"billing": true, "comments": true, "discounts": true, "items": true, "payment": true, "tags": true, "taxes": true,
	"checkout": true, "collection_costs": true, "commissions": true, "custom_fields": true, "is_collectible": true,
	"note": true, "related_orders": true, "products": true, "subscriptions": true, "shipping": true,
}

var (
	paymentStatuses = []string{"open", "paid", "processing", "credited", "credit_invoice", "reversed"}
	sources         = []string{"admin", "api", "checkout", "import", "recurring", "upgrade", "upsell", "unknown"}
	sorts           = []string{"paid_at", "invoice_number", "invoice_date"}
)

func oneOf(v string, list []string) bool {
	for _, s := range list {
		if v == s {
			return true
		}
	}
	return false
}

func parseIncludes(q url.Values, errs map[string][]string) map[string]bool {
	inc := map[string]bool{}
	if v := q.Get("include"); v != "" {
		for _, p := range strings.Split(v, ",") {
			if !knownIncludes[p] {
				errs["include"] = append(errs["include"], fmt.Sprintf("De include %s is ongeldig.", p))
				continue
			}
			inc[p] = true
		}
	}
	return inc
}

// render is o as the API shows it with the includes inc.
func render(o *Order, inc map[string]bool) Order {
	c := *o
	if !inc["billing"] {
		c.Billing = nil
	}
	if !inc["items"] {
		c.Items = nil
	}
	if !inc["payment"] {
		c.Payment = nil
	}
	if !inc["taxes"] {
		c.Taxes = nil
	}
	if !inc["discounts"] {
		c.TotalDiscounts = nil
	}
	if !inc["related_orders"] {
		c.RelatedOrders = nil
	}
	if !inc["tags"] {
		c.Tags = nil
	}
	if !inc["shipping"] {
		c.Shipping = nil
	}
	return c
}

func (s *Shop) showOrder(w http.ResponseWriter, r *http.Request, idText string) {
	errs := map[string][]string{}
	inc := parseIncludes(r.URL.Query(), errs)
	s.checkIncludes(inc, errs)
	if len(errs) > 0 {
		invalid(w, errs)
		return
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	s.mu.Lock()
	o, ok := s.orders[id]
	var out Order
	if ok {
		out = render(o, inc)
	}
	s.mu.Unlock()
	if err != nil || !ok {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (s *Shop) showSubscription(w http.ResponseWriter, r *http.Request, idText string) {
	id, err := strconv.ParseInt(idText, 10, 64)
	s.mu.Lock()
	sub, ok := s.subs[id]
	var out Subscription
	if ok {
		out = *sub
	}
	s.mu.Unlock()
	if err != nil || !ok {
		notFound(w)
		return
	}
	inc := map[string]bool{}
	for _, p := range strings.Split(r.URL.Query().Get("include"), ",") {
		inc[p] = true
	}
	if !inc["billing"] {
		out.Billing = nil
	}
	if !inc["product"] {
		out.Product = nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// filter is a parsed GET /v2/orders query.
type filter struct {
	sincePaid, untilPaid       time.Time
	hasSincePaid, hasUntilPaid bool
	sinceInv, untilInv         string
	statuses, sources          map[string]bool
	contract                   int64
	email                      string
	sort, dir                  string
	page, limit                int
	inc                        map[string]bool
}

func parseFilter(q url.Values) (filter, map[string][]string) {
	errs := map[string][]string{}
	f := filter{dir: "asc", page: 1, limit: DefaultLimit}
	f.inc = parseIncludes(q, errs)
	dt := func(name string) (time.Time, bool) {
		v := q.Get(name)
		if v == "" {
			return time.Time{}, false
		}
		t, err := time.ParseInLocation("2006-01-02 15:04:05", v, time.UTC)
		if err != nil {
			errs[name] = append(errs[name], fmt.Sprintf("%s komt niet overeen met het formaat Y-m-d H:i:s.", name))
			return time.Time{}, false
		}
		return t, true
	}
	f.sincePaid, f.hasSincePaid = dt("since_paid_at")
	f.untilPaid, f.hasUntilPaid = dt("until_paid_at")
	date := func(name string) string {
		v := q.Get(name)
		if v == "" {
			return ""
		}
		if _, err := time.Parse("2006-01-02", v); err != nil || len(v) != 10 {
			errs[name] = append(errs[name], fmt.Sprintf("%s komt niet overeen met het formaat Y-m-d.", name))
			return ""
		}
		return v
	}
	f.sinceInv, f.untilInv = date("since_invoice_date"), date("until_invoice_date")
	list := func(name string, allowed []string) map[string]bool {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		m := map[string]bool{}
		for _, p := range strings.Split(v, ",") {
			if !oneOf(p, allowed) {
				errs[name] = append(errs[name], fmt.Sprintf("De geselecteerde %s is ongeldig.", name))
				continue
			}
			m[p] = true
		}
		return m
	}
	f.statuses = list("payment_status", paymentStatuses)
	f.sources = list("source", sources)
	if v := q.Get("contract_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs["contract_id"] = append(errs["contract_id"], "contract_id moet een getal zijn.")
		}
		f.contract = n
	}
	f.email = strings.ToLower(strings.TrimSpace(q.Get("email")))
	if v := q.Get("sort"); v != "" {
		if !oneOf(v, sorts) {
			errs["sort"] = append(errs["sort"], "De geselecteerde sort is ongeldig.")
		}
		f.sort = v
	}
	if v := q.Get("direction"); v != "" {
		if v != "asc" && v != "desc" {
			errs["direction"] = append(errs["direction"], "De geselecteerde direction is ongeldig.")
		}
		f.dir = v
	}
	num := func(name string, lo, hi int, into *int) {
		v := q.Get(name)
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			errs[name] = append(errs[name], name+" moet een getal zijn.")
		case n < lo:
			errs[name] = append(errs[name], fmt.Sprintf("%s moet minimaal %d zijn.", name, lo))
		case hi > 0 && n > hi:
			errs[name] = append(errs[name], fmt.Sprintf("%s mag niet groter zijn dan %d.", name, hi))
		default:
			*into = n
		}
	}
	num("page", 1, 0, &f.page)
	num("limit", 1, MaxLimit, &f.limit)
	return f, errs
}

func (f filter) match(o *Order) bool {
	if f.hasSincePaid || f.hasUntilPaid {
		// paid_at is always written in isoLayout (UTC), so its text sorts
		// as its time.
		if o.Payment == nil || o.Payment.PaidAt == nil ||
			f.hasSincePaid && *o.Payment.PaidAt < f.sincePaid.Format(isoLayout) ||
			f.hasUntilPaid && *o.Payment.PaidAt > f.untilPaid.Format(isoLayout) {
			return false
		}
	}
	if f.sinceInv != "" || f.untilInv != "" {
		if o.InvoiceDate == nil || f.sinceInv != "" && *o.InvoiceDate < f.sinceInv || f.untilInv != "" && *o.InvoiceDate > f.untilInv {
			return false
		}
	}
	if f.statuses != nil && (o.Payment == nil || !f.statuses[o.Payment.Status]) {
		return false
	}
	if f.sources != nil && !f.sources[o.Source] {
		return false
	}
	if f.email != "" && (o.Billing == nil || strings.ToLower(o.Billing.Contact.Email) != f.email) {
		return false
	}
	if f.contract != 0 {
		found := false
		for _, it := range o.Items {
			if it.Subscription != nil && it.Subscription.ID == f.contract {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sortKey orders by the sort field, nulls last, then by id.
func sortKey(o *Order, field string) string {
	switch field {
	case "paid_at":
		if o.Payment != nil && o.Payment.PaidAt != nil {
			return *o.Payment.PaidAt
		}
	case "invoice_date":
		if o.InvoiceDate != nil {
			return *o.InvoiceDate
		}
	case "invoice_number":
		if o.InvoiceNumber != nil {
			return *o.InvoiceNumber
		}
	}
	return "\uffff"
}

func (s *Shop) listOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, errs := parseFilter(q)
	s.checkIncludes(f.inc, errs)
	if len(errs) > 0 {
		invalid(w, errs)
		return
	}
	s.mu.Lock()
	// The matching orders, sorted, are kept per query (without page) until
	// the next change, so paging through 10,000 orders is not quadratic.
	ck := cacheKey(q)
	hits, cached := s.lists[ck]
	if !cached {
		hits = s.match(f)
		if len(s.lists) > 64 {
			clear(s.lists)
		}
		s.lists[ck] = hits
	}
	s.listOrdersPage(w, q, f, hits, len(hits))
}

// match is the orders f selects, in f's order.
func (s *Shop) match(f filter) []*Order {
	var hits []*Order
	for _, o := range s.orders {
		if f.match(o) {
			hits = append(hits, o)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if f.sort != "" {
			ka, kb := sortKey(a, f.sort), sortKey(b, f.sort)
			if ka != kb {
				if f.dir == "desc" {
					return ka > kb
				}
				return ka < kb
			}
		}
		if f.sort == "" || f.dir == "desc" {
			return a.ID > b.ID // without sort: newest first
		}
		return a.ID < b.ID
	})
	return hits
}

func cacheKey(q url.Values) string {
	c := url.Values{}
	for k, v := range q {
		if k != "page" {
			c[k] = v
		}
	}
	return c.Encode()
}

// listOrdersPage writes f's page of hits; it is called with s.mu held and
// releases it.
func (s *Shop) listOrdersPage(w http.ResponseWriter, q url.Values, f filter, hits []*Order, total int) {
	last := max(1, (total+f.limit-1)/f.limit)
	from := (f.page - 1) * f.limit
	data := []Order{}
	for i := from; i < min(total, from+f.limit); i++ {
		data = append(data, render(hits[i], f.inc))
	}
	base := s.url
	s.mu.Unlock()
	link := func(p int) *string {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("page", strconv.Itoa(p))
		u := base + "/v2/orders?" + qq.Encode()
		return &u
	}
	links := map[string]*string{"first": link(1), "last": link(last), "prev": nil, "next": nil}
	if f.page > 1 {
		links["prev"] = link(f.page - 1)
	}
	if f.page < last {
		links["next"] = link(f.page + 1)
	}
	meta := map[string]any{"current_page": f.page, "last_page": last, "per_page": f.limit, "total": total,
		"from": nil, "to": nil, "path": base + "/v2/orders"}
	if len(data) > 0 {
		meta["from"], meta["to"] = from+1, from+len(data)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "links": links, "meta": meta})
}

// The triggers a rule may have: those the docs and the SDK name [P1][P3],
// and those seen live or in tests [P8][P9].
var triggers = []string{"order_paid", "order_payment_completed", "order_invoice_created", "order_created",
	"subscription_ended", "affiliate_accepted", "affiliate_denied", "affiliate_quit"}

func (s *Shop) serveRules(w http.ResponseWriter, r *http.Request, parts []string) {
	s.mu.Lock()
	rights := s.ruleRights
	s.mu.Unlock()
	if !rights {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "This action is unauthorized."})
		return
	}
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		rules := s.Rules()
		writeJSON(w, http.StatusOK, map[string]any{"data": rules, "links": map[string]any{"next": nil},
			"meta": map[string]any{"current_page": 1, "last_page": 1, "per_page": len(rules), "total": len(rules)}})
	case len(parts) == 0 && r.Method == http.MethodPost:
		s.createRule(w, r)
	case len(parts) == 1 && r.Method == http.MethodGet:
		id, _ := strconv.ParseInt(parts[0], 10, 64)
		s.mu.Lock()
		rule, ok := s.rules[id]
		var out Rule
		if ok {
			out = *rule
		}
		s.mu.Unlock()
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": out})
	case len(parts) == 1 && r.Method == http.MethodDelete:
		id, _ := strconv.ParseInt(parts[0], 10, 64)
		s.mu.Lock()
		_, ok := s.rules[id]
		delete(s.rules, id)
		s.mu.Unlock()
		if !ok {
			notFound(w)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		notFound(w)
	}
}

func (s *Shop) createRule(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name          string         `json:"name"`
		Driver        string         `json:"driver"`
		ActionType    string         `json:"action_type"`
		ActionData    map[string]any `json:"action_data"`
		TriggerType   string         `json:"trigger_type"`
		ConditionData map[string]any `json:"condition_data"`
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		invalid(w, map[string][]string{"name": {"Naam is verplicht."}})
		return
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Malformed JSON."})
		return
	}
	errs := map[string][]string{}
	if strings.TrimSpace(in.Name) == "" {
		errs["name"] = append(errs["name"], "Naam is verplicht.")
	}
	if in.Driver != "webhook" {
		errs["driver"] = append(errs["driver"], "De geselecteerde driver is ongeldig.")
	}
	if in.ActionType != "call_webhook" {
		errs["action_type"] = append(errs["action_type"], "Het geselecteerde action type is ongeldig.")
	}
	if !oneOf(in.TriggerType, triggers) {
		errs["trigger_type"] = append(errs["trigger_type"], "Het geselecteerde trigger type is ongeldig.")
	}
	// The SDK's create sends action_data.url, its mocks return hook_url
	// (APIS.md §1.7): the emulator demands both, so a client that sends
	// only one is caught.
	for _, k := range []string{"url", "hook_url"} {
		v, _ := in.ActionData[k].(string)
		if u, err := url.Parse(v); v == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs["action_data."+k] = append(errs["action_data."+k], "action_data."+k+" moet een geldige URL zijn.")
		}
	}
	if len(errs) > 0 {
		invalid(w, errs)
		return
	}
	s.mu.Lock()
	rule := &Rule{ID: s.nextRule, Name: in.Name, Driver: in.Driver, ActionType: in.ActionType,
		ActionData: map[string]any{"hook_url": in.ActionData["hook_url"]}, TriggerType: in.TriggerType,
		ConditionData: in.ConditionData, CreatedAt: s.now().UTC().Format(time.RFC3339)}
	if rule.ConditionData == nil {
		rule.ConditionData = map[string]any{}
	}
	s.nextRule++
	s.rules[rule.ID] = rule
	out := *rule
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"data": out})
}
