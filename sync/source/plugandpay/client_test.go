package plugandpay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
)

var ctx = context.Background()

func TestConnectionAndAuth(t *testing.T) {
	shop, c := start(t, t0)
	if err := c.TestConnection(ctx); err != nil {
		t.Fatalf("test connection: %v", err)
	}
	bad, _ := New(Config{BaseURL: c.BaseURL(), Key: "wrong-key"})
	err := bad.TestConnection(ctx)
	if source.KindOf(err) != source.Auth {
		t.Fatalf("wrong key: %v (kind %v), want Auth", err, source.KindOf(err))
	}
	if strings.Contains(err.Error(), "wrong-key") {
		t.Errorf("the key is in the error: %v", err)
	}
	// A base URL with /v2 works the same (the docs' form of the address).
	v2, _ := New(Config{BaseURL: c.BaseURL() + "/v2/", Key: testKey})
	if err := v2.TestConnection(ctx); err != nil {
		t.Errorf("base URL with /v2: %v", err)
	}
	if shop.Requests() != 3 {
		t.Errorf("%d requests, want 3", shop.Requests())
	}
	if _, err := New(Config{Key: ""}); source.KindOf(err) != source.Auth {
		t.Errorf("no key: %v", err)
	}
	if c2, err := New(Config{Key: "k"}); err != nil || c2.BaseURL() != DefaultURL {
		t.Errorf("default URL: %v %v", c2, err)
	}
}

// The emulator is as strict as the docs: no Accept → 302, no Bearer → 401,
// a bad filter → 422 in Laravel's shape, limit above the maximum → 422.
func TestEmulatorStrictness(t *testing.T) {
	shop := ppemu.New(testKey)
	srv := httptest.NewServer(shop)
	defer srv.Close()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(path, accept, auth string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		path, accept, auth string
		want               int
	}{
		{"/v2/orders", "", "Bearer " + testKey, 302},
		{"/v2/orders", "text/html", "Bearer " + testKey, 302},
		{"/v2/orders", "application/json", "", 401},
		{"/v2/orders", "application/json", "Bearer nope", 401},
		{"/v2/orders", "application/json", testKey, 401},
		{"/v2/orders", "application/json", "Bearer " + testKey, 200},
		{"/v2/orders?limit=101", "application/json", "Bearer " + testKey, 422},
		{"/v2/orders?limit=100", "application/json", "Bearer " + testKey, 200},
		{"/v2/orders?since_paid_at=2026-11-20T10:00:00Z", "application/json", "Bearer " + testKey, 422},
		{"/v2/orders?since_invoice_date=20-11-2026", "application/json", "Bearer " + testKey, 422},
		{"/v2/orders?payment_status=betaald", "application/json", "Bearer " + testKey, 422},
		{"/v2/orders?include=everything", "application/json", "Bearer " + testKey, 422},
		{"/v2/orders?sort=updated_at", "application/json", "Bearer " + testKey, 422},
		{"/v2/orders/12345", "application/json", "Bearer " + testKey, 404},
		{"/orders", "application/json", "Bearer " + testKey, 404},
		{"/v2/subscriptions/1", "application/json", "Bearer " + testKey, 404},
	} {
		if got := do(tc.path, tc.accept, tc.auth); got != tc.want {
			t.Errorf("GET %s (Accept %q, Authorization %q): %d, want %d", tc.path, tc.accept, tc.auth, got, tc.want)
		}
	}
}

func TestBadRequestCarriesMessages(t *testing.T) {
	_, c := start(t, t0)
	var p page
	err := c.get(ctx, "orders", url.Values{"since_paid_at": {"gisteren"}, "limit": {"500"}}, &p)
	var se *source.Error
	if !errors.As(err, &se) || se.Kind != source.BadRequest {
		t.Fatalf("bad filter: %v, want BadRequest", err)
	}
	for _, want := range []string{"HTTP 422", "The given data was invalid.", "limit:", "since_paid_at:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), testKey) {
		t.Error("key in error")
	}
}

// A first poll reads every page; each order once, in order of change.
func TestPollAllPages(t *testing.T) {
	shop, c := start(t, t0)
	ids := shop.AddDutch(250, 1)
	shop.ResetRequests()
	var got []order.Order
	next, err := c.Poll(ctx, time.Time{}, func(o order.Order) error { got = append(got, o); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || len(byID(got)) != 250 {
		t.Fatalf("%d orders (%d distinct), want 250", len(got), len(byID(got)))
	}
	if n := shop.Requests(); n != 3 {
		t.Errorf("%d requests for 250 orders, want 3 pages", n)
	}
	last, _ := shop.Order(ids[len(ids)-1])
	want, _ := time.Parse(time.RFC3339Nano, last.UpdatedAt)
	if !next.Equal(want) {
		t.Errorf("cursor %v, want %v", next, want)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Modified.Before(got[i-1].Modified) {
			t.Fatalf("order %s reported before an older one", got[i].ID)
		}
	}
}

// Where links.next points at another host, the key is not sent there: the
// pages are counted up to meta.last_page instead.
func TestPaginationFallsBackToMeta(t *testing.T) {
	shop, c := start(t, t0)
	shop.AddDutch(230, 2)
	shop.SetURL("https://elsewhere.example")
	n := 0
	if _, err := c.Poll(ctx, time.Time{}, func(order.Order) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 230 {
		t.Fatalf("%d orders, want 230", n)
	}
}

// A poll since a cursor asks for what was paid or invoiced since (less the
// overlap): old orders are not read again.
func TestPollSince(t *testing.T) {
	now := t0
	shop := ppemu.New(testKey)
	shop.SetClock(func() time.Time { return now })
	srv := httptest.NewServer(shop)
	defer srv.Close()
	shop.SetURL(srv.URL)
	c, _ := New(Config{BaseURL: srv.URL, Key: testKey})
	old := shop.AddDutch(20, 3) // paid over the 20 minutes before t0
	oldOpen := shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}}, Buyer: ppemu.Consumer(2), Open: true})
	now = t0.Add(72 * time.Hour)
	fresh := shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}}, Buyer: ppemu.Consumer(0)})
	open := shop.Add(ppemu.Spec{Items: []ppemu.ItemSpec{{Label: "Cursus", ProductID: 1, UnitPrice: 12100, Rate: 2100}}, Buyer: ppemu.Consumer(1), Open: true})
	var got []order.Order
	cursor := now.Add(-10 * time.Minute)
	next, err := c.Poll(ctx, cursor, func(o order.Order) error { got = append(got, o); return nil })
	if err != nil {
		t.Fatal(err)
	}
	m := byID(got)
	if len(got) != 2 || m[id(fresh)].ID == "" || m[id(open)].Status != StatusOpen {
		t.Fatalf("polled %v, want only %d and the open %d", keys(m), fresh, open)
	}
	if _, ok := m[id(old[0])]; ok {
		t.Error("an order paid days before the cursor was polled")
	}
	if _, ok := m[id(oldOpen)]; ok {
		t.Error("an open order unchanged since days before the cursor was polled")
	}
	if !next.Equal(now) {
		t.Errorf("cursor %v, want %v", next, now)
	}
	// Paid later: the next poll finds it.
	now = now.Add(10 * time.Minute)
	if err := shop.Pay(open); err != nil {
		t.Fatal(err)
	}
	got = nil
	if _, err := c.Poll(ctx, next, func(o order.Order) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if o, ok := byID(got)[id(open)]; !ok || o.Status != StatusPaid || o.Number == id(open) {
		t.Errorf("late payment: %+v", byID(got))
	}
}

func keys(m map[string]order.Order) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestScenarioMapping(t *testing.T) {
	shop, c := start(t, t0)
	sc := shop.AddScenario()
	var got []order.Order
	if _, err := c.Poll(ctx, time.Time{}, func(o order.Order) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	m := byID(got)
	if _, ok := m[id(sc.CreditInvoice)]; ok {
		t.Error("the credit invoice was reported as an order of its own")
	}
	if o := m[id(sc.Open)]; o.Status != StatusOpen {
		t.Errorf("a first poll reads every order, open ones too: %+v", o)
	}
	cr := m[id(sc.Credited)]
	if cr.Status != StatusCredited || len(cr.Refunds) != 1 || cr.Refunds[0].ID != id(sc.CreditInvoice) {
		t.Fatalf("credited order: status %s refunds %+v", cr.Status, cr.Refunds)
	}
	if r := cr.Refunds[0]; r.Amount != cr.Total || len(r.Lines) != len(cr.Lines) || r.Lines[0].Net <= 0 || r.Lines[0].VAT <= 0 {
		t.Errorf("refund %+v of order total %s", r, cr.Total)
	}
	credit, _ := shop.Order(sc.CreditInvoice)
	if want, _ := time.Parse(time.RFC3339Nano, credit.UpdatedAt); !cr.Modified.Equal(want) {
		t.Errorf("credited order modified %v, want the credit's %v", cr.Modified, want)
	}
	for _, tid := range sc.RecurringTerms {
		if !m[id(tid)].Recurring {
			t.Errorf("term %d not Recurring", tid)
		}
	}
	if m[id(sc.RecurringFirst)].Recurring || m[id(sc.Paid)].Recurring {
		t.Error("a checkout order is Recurring")
	}
	up := m[id(sc.OneClickUpsell)]
	if up.Status != StatusPaid || len(up.Lines) != 1 || up.Lines[0].ProductID != id(sc.UpsellProduct) {
		t.Errorf("one-click upsell: %+v", up)
	}
	if bump := m[id(sc.Upsell)]; len(bump.Lines) != 2 {
		t.Errorf("order with a bump: %d lines", len(bump.Lines))
	}
	mr := m[id(sc.MultiRate)]
	rates := map[order.Rate]bool{}
	for _, l := range mr.Lines {
		rates[l.Rate] = true
	}
	if !rates[2100] || !rates[900] || len(mr.Taxes) != 2 {
		t.Errorf("multi-rate order: lines %+v taxes %+v", mr.Lines, mr.Taxes)
	}
	b2b := m[id(sc.B2BNL)]
	if b2b.Buyer.Company == "" || b2b.Buyer.VATID != "NL001234567B01" || b2b.Buyer.KvK != "" {
		t.Errorf("B2B buyer %+v", b2b.Buyer)
	}
	eu := m[id(sc.EUB2B)]
	if eu.TotalTax != 0 || eu.Buyer.Address.Country != "BE" || eu.Lines[0].Rate != 0 || eu.Lines[0].Category != order.ReverseCharge {
		t.Errorf("reverse charge order: tax %s buyer %+v line %+v", eu.TotalTax, eu.Buyer, eu.Lines[0])
	}
	p := m[id(sc.Paid)]
	if p.Number == p.ID || p.Currency != "EUR" || p.Paid.IsZero() || p.ShopURL != AdminURL+p.ID || p.CreatedLocal == "" {
		t.Errorf("paid order: %+v", p)
	}
}

// Fetching a credit invoice's id gives the credited order with the credit
// attached; fetching both gives it once; a missing id is Deleted.
func TestFetchCredit(t *testing.T) {
	shop, c := start(t, t0)
	sc := shop.AddScenario()
	got, err := c.Fetch(ctx, []string{id(sc.CreditInvoice), id(sc.Credited), "424242", id(sc.Open)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d orders: %+v", len(got), got)
	}
	m := byID(got)
	if o := m[id(sc.Credited)]; len(o.Refunds) != 1 || o.Refunds[0].ID != id(sc.CreditInvoice) {
		t.Errorf("credited: %+v", o.Refunds)
	}
	if o := m["424242"]; !o.Deleted {
		t.Errorf("missing order: %+v", o)
	}
	if o := m[id(sc.Open)]; o.Status != StatusOpen || o.Number != id(sc.Open) {
		t.Errorf("open order: %+v", o)
	}
	if _, err := c.Fetch(ctx, []string{"abc"}); source.KindOf(err) != source.BadRequest {
		t.Errorf("bad id: %v", err)
	}
}

// A credit invoice whose original cannot be found is reported as
// unparseable, with a cause, never guessed.
func TestCreditWithoutOriginal(t *testing.T) {
	shop, c := start(t, t0)
	sc := shop.AddScenario()
	shop.Unlink(sc.CreditInvoice)
	shop.Unlink(sc.Credited)
	var bad []*source.UnparseableError
	var good []order.Order
	if _, err := c.PollEach(ctx, time.Time{}, func(p source.Polled) error {
		if p.Err != nil {
			bad = append(bad, p.Err)
		} else {
			good = append(good, p.Order)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(bad) != 1 || bad[0].ID != id(sc.CreditInvoice) || !strings.Contains(bad[0].Error(), "cannot be found") || len(bad[0].Raw) == 0 {
		t.Fatalf("unparseable: %v", bad)
	}
	if o := byID(good)[id(sc.Credited)]; o.Status != StatusCredited || len(o.Refunds) != 0 {
		t.Errorf("credited original without link: %+v", o)
	}
	_, err := c.Fetch(ctx, []string{id(sc.CreditInvoice)})
	if u, rest := source.Unparseables(err); len(u) != 1 || rest != nil {
		t.Errorf("fetch: %v", err)
	}
	// Poll (not PollEach) stops on it.
	if _, err := c.Poll(ctx, time.Time{}, func(order.Order) error { return nil }); !errors.As(err, new(*source.UnparseableError)) {
		t.Errorf("Poll: %v", err)
	}
}

func TestStatuses(t *testing.T) {
	shop, c := start(t, t0)
	shop.AddScenario()
	st, err := c.Statuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[order.Status]int{}
	for _, s := range st {
		counts[s.Slug] = s.Count
	}
	if len(st) != 6 || counts[StatusCredited] != 1 || counts[StatusCreditInvoice] != 1 || counts[StatusOpen] != 1 || counts[StatusPaid] != 9 {
		t.Errorf("statuses %+v", st)
	}
}

func TestSubscription(t *testing.T) {
	shop, c := start(t, t0)
	sc := shop.AddScenario()
	if err := shop.EndSubscription(sc.Subscription); err != nil {
		t.Fatal(err)
	}
	s, err := c.Subscription(ctx, source.SubscriptionPrefix+id(sc.Subscription))
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != "ended" || s.Customer == "" || s.Product != "Lidmaatschap Ondernemersclub" || s.Ended.IsZero() || len(s.OrderIDs) != 3 {
		t.Errorf("subscription %+v", s)
	}
	if _, err := c.Subscription(ctx, "77777"); source.KindOf(err) != source.NotFound {
		t.Errorf("missing subscription: %v", err)
	}
}

func TestRegisterHooks(t *testing.T) {
	shop, c := start(t, t0)
	st, err := c.RegisterHooks(ctx, source.HookSetup{URL: "https://tunnel.example/hooks/plugandpay/winkel"})
	if err != nil || st.Manual || len(st.IDs) != 3 {
		t.Fatalf("register: %+v %v", st, err)
	}
	rules := shop.Rules()
	if len(rules) != 3 {
		t.Fatalf("%d rules", len(rules))
	}
	for _, r := range rules {
		if r.ActionData["hook_url"] != "https://tunnel.example/hooks/plugandpay/winkel" || r.Driver != "webhook" {
			t.Errorf("rule %+v", r)
		}
	}
	// The owner's own rule is never touched.
	shop.SetRuleRights(true)
	again, err := c.RegisterHooks(ctx, source.HookSetup{URL: "https://tunnel.example/hooks/plugandpay/winkel", Known: st.IDs})
	if err != nil || len(shop.Rules()) != 3 || again.IDs["order_paid"] != st.IDs["order_paid"] {
		t.Fatalf("same URL again: %+v %v (%d rules)", again, err, len(shop.Rules()))
	}
	moved, err := c.RegisterHooks(ctx, source.HookSetup{URL: "https://new.example/hooks/plugandpay/winkel", Known: st.IDs})
	if err != nil || len(shop.Rules()) != 3 || moved.IDs["order_paid"] == st.IDs["order_paid"] {
		t.Fatalf("new URL: %+v %v", moved, err)
	}
	for _, r := range shop.Rules() {
		if r.ActionData["hook_url"] != "https://new.example/hooks/plugandpay/winkel" {
			t.Errorf("rule %d still calls %v", r.ID, r.ActionData["hook_url"])
		}
	}
	if _, err := c.RegisterHooks(ctx, source.HookSetup{URL: "", Known: moved.IDs}); err != nil || len(shop.Rules()) != 0 {
		t.Fatalf("remove: %v, %d rules left", err, len(shop.Rules()))
	}
	shop.SetRuleRights(false)
	st, err = c.RegisterHooks(ctx, source.HookSetup{URL: "https://tunnel.example/x"})
	if err != nil || !st.Manual {
		t.Fatalf("key without rights: %+v %v", st, err)
	}
}

// Rules the emulator gets deliver to the receiver's URL, signed with the
// webhook key, once per line when asked.
func TestDeliverPerLine(t *testing.T) {
	shop, c := start(t, t0)
	var bodies [][]byte
	var sigs []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, b)
		sigs = append(sigs, r.Header.Get("X-Signature"))
	}))
	defer hook.Close()
	if _, err := c.RegisterHooks(ctx, source.HookSetup{URL: hook.URL}); err != nil {
		t.Fatal(err)
	}
	shop.SetWebhookKey("whk")
	sc := shop.AddScenario()
	codes, err := shop.Deliver(ctx, nil, "order_paid", sc.MultiRate, true)
	if err != nil || len(codes) != 3 {
		t.Fatalf("per line: %v %v", codes, err)
	}
	for i, b := range bodies {
		if sigs[i] != ppemu.Sign(b, "whk") {
			t.Errorf("call %d unsigned", i)
		}
		res, err := Receiver{}.Receive(webhookReq(b, sigs[i], "whk"))
		if err != nil || len(res.Hooks) != 1 || res.Hooks[0].OrderID != id(sc.MultiRate) {
			t.Errorf("call %d: %+v %v", i, res, err)
		}
	}
}

// When fn refuses an order, the poll stops there and the cursor stays
// where it was (the client owns its cursor: the windows' keys are not the
// order fn sees the orders in).
func TestPollStopsAtRefusal(t *testing.T) {
	shop, c := start(t, t0)
	shop.AddDutch(30, 5)
	var accepted []order.Order
	stop := errors.New("stop")
	since := t0.Add(-48 * time.Hour)
	next, err := c.Poll(ctx, since, func(o order.Order) error {
		if len(accepted) == 10 {
			return stop
		}
		accepted = append(accepted, o)
		return nil
	})
	if !errors.Is(err, stop) || !next.Equal(since) {
		t.Fatalf("err %v, cursor %v, want %v", err, next, since)
	}
}

// With "Opzeggingen" switched off (the shop's option cancellations), no
// rule is made for subscription_ended, and one made before goes.
func TestRegisterHooksWithoutCancellations(t *testing.T) {
	shop, c := start(t, t0)
	st, err := c.RegisterHooks(ctx, source.HookSetup{URL: "https://tunnel.example/hooks/plugandpay/winkel"})
	if err != nil || len(st.IDs) != 3 {
		t.Fatalf("register: %+v %v", st, err)
	}
	off, err := New(Config{BaseURL: c.BaseURL(), Key: testKey, NoCancellations: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err = off.RegisterHooks(ctx, source.HookSetup{URL: "https://tunnel.example/hooks/plugandpay/winkel", Known: st.IDs})
	if err != nil || len(st.IDs) != 2 || st.IDs[TriggerSubscriptionEnded] != "" {
		t.Fatalf("cancellations off: %+v %v", st, err)
	}
	for _, r := range shop.Rules() {
		if r.TriggerType == TriggerSubscriptionEnded {
			t.Fatalf("the subscription_ended rule is still there: %+v", r)
		}
	}
	if len(shop.Rules()) != 2 {
		t.Fatalf("%d rules", len(shop.Rules()))
	}
}
