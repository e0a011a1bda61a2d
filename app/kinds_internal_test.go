package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce"
	"github.com/orderbrug/orderbrug/sync/store"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

// fakeCheckout is a second kind for the service's tests: payment statuses,
// options, an owner's webhook key, a key that may not register webhooks.
type fakeCheckout struct {
	mu       gosync.Mutex
	orders   map[string]order.Order
	polls    int
	sub      source.Subscription
	register []source.HookSetup
}

func (f *fakeCheckout) descriptor() source.Descriptor {
	return source.Descriptor{
		Kind: "checkout", Name: "Checkout",
		Fields: []source.Field{
			{Key: "url", Flag: "api-url", Label: "field.checkout.url", Default: "https://api.checkout.example"},
			{Key: "key", Flag: "api-key", Label: "field.checkout.key", Secret: true, Required: true},
		},
		Options: []source.Option{
			{Key: source.OptionRecurring, Flag: "recurring", Kind: source.OptionBool, Default: "on", Label: "option.recurring"},
			{Key: source.OptionProducts, Flag: "products", Kind: source.OptionList, Default: "", Label: "option.products"},
		},
		DefaultForward: []order.Status{"paid"},
		ForwardAs:      map[order.Status]order.Status{"credited": "paid"},
		OwnerHookKey:   true,
		New:            func(source.Config) (source.Source, error) { return (*checkoutClient)(f), nil },
		Hooks:          checkoutReceiver{},
		OrderURL: func(base, id string) string {
			return strings.Replace(base, "api.", "admin.", 1) + "/orders/" + id
		},
	}
}

type checkoutClient fakeCheckout

func (c *checkoutClient) Kind() order.Source { return "checkout" }

func (c *checkoutClient) TestConnection(context.Context) error { return nil }

func (c *checkoutClient) Poll(_ context.Context, since time.Time, fn func(order.Order) error) (time.Time, error) {
	c.mu.Lock()
	c.polls++
	c.mu.Unlock()
	return since, nil
}

func (c *checkoutClient) Fetch(_ context.Context, ids []string) ([]order.Order, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []order.Order
	for _, id := range ids {
		if o, ok := c.orders[id]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}

func (c *checkoutClient) Subscription(_ context.Context, id string) (source.Subscription, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sub
	s.ID = id
	return s, nil
}

func (c *checkoutClient) RegisterHooks(_ context.Context, setup source.HookSetup) (source.HookState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.register = append(c.register, setup)
	return source.HookState{IDs: map[string]string{}, Manual: true}, nil
}

// checkoutReceiver takes "TOPIC ID" bodies, unsigned.
type checkoutReceiver struct{}

func (checkoutReceiver) Routes() []webhook.Route { return []webhook.Route{{Path: ""}} }

func (checkoutReceiver) Receive(req webhook.Request) (webhook.Result, error) {
	topic, id, _ := strings.Cut(strings.TrimSpace(string(req.Body)), " ")
	switch topic {
	case source.TopicPoll:
		return webhook.Result{Hooks: []webhook.Hook{{Topic: source.TopicPoll}}}, nil
	case source.TopicSubscriptionEnded:
		return webhook.Result{Hooks: []webhook.Hook{{Topic: topic, OrderID: source.SubscriptionPrefix + id}}}, nil
	}
	return webhook.Result{Hooks: []webhook.Hook{{Topic: topic, OrderID: id}}}, nil
}

func checkoutService(t *testing.T) (*Service, *fakeCheckout) {
	t.Helper()
	ctx := context.Background()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	f := &fakeCheckout{orders: map[string]order.Order{}}
	svc.kinds = source.NewRegistry(woocommerce.Descriptor(), f.descriptor())
	svc.engine.Kinds = svc.kinds
	return svc, f
}

// TestSecondKindThroughTheService: a kind other than WooCommerce is
// listed, added with its own fields and defaults, shows its options,
// decides by them (SetShopOptions), takes the owner's webhook key, links
// its orders to its admin, and its webhooks (a poll hint, a subscription
// that ended) go through the inbox without a booking.
func TestSecondKindThroughTheService(t *testing.T) {
	ctx := context.Background()
	svc, f := checkoutService(t)

	ks := svc.Kinds()
	if len(ks) != 2 || ks[0].Name != "Checkout" || ks[1].Name != "WooCommerce" {
		t.Fatalf("kinds %+v", ks)
	}
	if c := ks[0]; len(c.Fields) != 2 || c.Fields[1].Flag != "api-key" || !c.Fields[1].Secret || len(c.Options) != 2 ||
		c.Options[0].Kind != "bool" || !c.OwnerHookKey || !c.Webhooks || len(c.Topics) != 0 || c.DefaultForward[0] != "paid" {
		t.Errorf("checkout kind %+v", c)
	}
	if w := ks[1]; len(w.Fields) != 3 || w.Fields[0].Key != "url" || w.Fields[2].Flag != "secret" || len(w.Topics) != 4 ||
		!w.Topics[0].Default || w.Topics[2].Default || w.OwnerHookKey {
		t.Errorf("WooCommerce kind %+v", w)
	}

	if _, err := svc.AddShop(ctx, ShopInput{Name: "Kassa", Source: "checkout"}); CodeOf(err) != CodeRequired || FieldOf(err) != "key" {
		t.Fatalf("no key: %v", err)
	}
	if _, err := svc.AddShop(ctx, ShopInput{Name: "Kassa", Source: "checkout", Key: "k", Options: map[string]string{"bogus": "x"}}); CodeOf(err) != CodeInvalid || FieldOf(err) != "bogus" {
		t.Fatalf("bad option: %v", err)
	}
	info, err := svc.AddShop(ctx, ShopInput{Name: "Kassa", Source: "checkout", Key: "k", Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if info.KindName != "Checkout" || info.URL != "https://api.checkout.example" || !info.HasKeys ||
		info.Options["recurring"] != "on" || info.Options["products"] != "" || len(info.Forward) != 1 || info.Forward[0] != "paid" {
		t.Fatalf("shop %+v", info)
	}
	if info.Webhook.Secret != "" || info.Webhook.Path != "/hooks/checkout/kassa" || info.Webhook.Paths["orders"] != info.Webhook.Path {
		t.Errorf("webhook %+v", info.Webhook)
	}

	t0 := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	mk := func(id string, recurring bool, product string) order.Order {
		return order.Order{Source: "checkout", ID: id, Number: "F" + id, Status: "paid", Created: t0, Paid: t0, Modified: t0,
			Currency: "EUR", Total: 1210, Recurring: recurring,
			Lines: []order.Line{{Kind: order.Product, ID: "1", ProductID: product, Name: "Cursus", Quantity: 1, Net: 1000, VAT: 210, Rate: 2100}}}
	}
	f.orders["1"], f.orders["2"] = mk("1", true, "10"), mk("2", false, "10")
	sh, err := svc.store.ShopByName(ctx, "Kassa")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.engine.Check(ctx, sh, []string{"1", "2"}); err != nil {
		t.Fatal(err)
	}
	state := func(id string) (store.State, string) {
		t.Helper()
		r, err := svc.store.Record(ctx, sh.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.State, r.Reason
	}
	expect := func(when, id string, st store.State, reason string) {
		t.Helper()
		if got, r := state(id); got != st || r != reason {
			t.Errorf("%s: order %s %s/%s, want %s/%s", when, id, got, r, st, reason)
		}
	}
	expect("paid", "1", store.Queued, "")
	expect("paid", "2", store.Queued, "")

	if err := svc.SetShopOptions(ctx, "Kassa", map[string]string{"recurring": "Off"}); err != nil {
		t.Fatal(err)
	}
	expect("recurring off", "1", store.Ignored, engine.ReasonRecurringOff)
	expect("recurring off", "2", store.Queued, "")
	if err := svc.SetShopOptions(ctx, "Kassa", map[string]string{"products": " 11, 12 "}); err != nil {
		t.Fatal(err)
	}
	expect("products 11,12", "2", store.Ignored, engine.ReasonProductFilter)
	got, _ := svc.Shop(ctx, "Kassa")
	if got.Options["recurring"] != "off" || got.Options["products"] != "11,12" {
		t.Errorf("options %v", got.Options)
	}
	if err := svc.SetShopOptions(ctx, "Kassa", map[string]string{"recurring": "on", "products": ""}); err != nil {
		t.Fatal(err)
	}
	expect("options back", "1", store.Queued, "")
	expect("options back", "2", store.Queued, "")
	for _, bad := range []map[string]string{{"bogus": "on"}, {"recurring": "maybe"}, {"products": "1 2"}} {
		if err := svc.SetShopOptions(ctx, "Kassa", bad); CodeOf(err) != CodeInvalid {
			t.Errorf("%v: %v", bad, err)
		}
	}
	evs, _ := svc.store.Events(ctx, store.EventFilter{Shop: "Kassa", Limit: 100})
	if n := countCode(evs, "shop_options"); n != 3 {
		t.Errorf("%d shop_options events", n)
	}

	if err := svc.SetWebhookKey(ctx, "Kassa", " sleutel "); err != nil {
		t.Fatal(err)
	}
	if s, _ := svc.WebhookSecret(ctx, "Kassa"); s != "sleutel" {
		t.Errorf("webhook key %q", s)
	}
	if _, err := svc.store.AddShop(ctx, store.Shop{Name: "Woo", Source: order.WooCommerce, BaseURL: "https://w.example", Key: "ck", Secret: "cs"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetWebhookKey(ctx, "Woo", "x"); CodeOf(err) != CodeUnsupported {
		t.Errorf("webhook key on WooCommerce: %v", err)
	}
	if w, _ := svc.Shop(ctx, "Woo"); w.KindName != "WooCommerce" || len(w.Options) != 0 || w.Options == nil {
		t.Errorf("WooCommerce shop %+v", w)
	}
	if err := svc.SetShopOptions(ctx, "Woo", map[string]string{"recurring": "off"}); CodeOf(err) != CodeInvalid || FieldOf(err) != "recurring" {
		t.Errorf("an option WooCommerce has not: %v", err)
	}

	if u := svc.OrderURL(ctx, "Kassa", "2"); u != "https://admin.checkout.example/orders/2" {
		t.Errorf("order URL %q", u)
	}
	if u := svc.OrderURL(ctx, "Woo", "13"); u != "https://w.example/wp-admin/post.php?action=edit&post=13" {
		t.Errorf("WooCommerce order URL %q", u)
	}
	if u := svc.OrderURL(ctx, "Nobody", "13"); u != "" {
		t.Errorf("order URL of no shop %q", u)
	}

	// Registering with a key that may not: paste the URL yourself.
	if err := svc.SetWebhook(ctx, "Kassa", true); err != nil {
		t.Fatal(err)
	}
	sh, _ = svc.store.ShopByName(ctx, "Kassa")
	if err := svc.registerWebhooks(ctx, sh, "https://pub.example"); err != nil {
		t.Fatal(err)
	}
	if len(f.register) != 1 || f.register[0].URL != "https://pub.example/hooks/checkout/kassa" || f.register[0].Secret != "sleutel" {
		t.Errorf("registered %+v", f.register)
	}
	if w, _ := svc.Shop(ctx, "Kassa"); !w.Webhook.Manual || w.Webhook.Secret != "sleutel" {
		t.Errorf("webhook after a manual registration %+v", w.Webhook)
	}

	// Webhooks: a poll hint polls, a subscription that ended is logged for
	// the shop and for the orders of it, and nothing is booked.
	f.sub = source.Subscription{Status: "ended", Customer: "Jan de Vries", Product: "Cursus", OrderIDs: []string{"1", "404"}}
	srv := httptest.NewServer(svc.WebhookHandler())
	defer srv.Close()
	for _, body := range []string{"poll", "subscription_ended 55"} {
		resp, err := http.Post(srv.URL+"/hooks/checkout/kassa", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", body, resp.StatusCode)
		}
	}
	if _, err := svc.engine.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	if f.polls != 1 {
		t.Errorf("%d polls after a poll hint", f.polls)
	}
	evs, _ = svc.store.Events(ctx, store.EventFilter{Shop: "Kassa", Limit: 100})
	var shopLine, orderLine bool
	for _, e := range evs {
		if e.Code != "subscription_ended" {
			continue
		}
		if e.Args["subscription"] != "55" || e.Args["customer"] != "Jan de Vries" || e.Args["product"] != "Cursus" {
			t.Errorf("event %+v", e)
		}
		switch e.OrderNo {
		case "":
			shopLine = true
		case "F1":
			orderLine = true
		default:
			t.Errorf("event for order %q", e.OrderNo)
		}
	}
	if !shopLine || !orderLine {
		t.Errorf("subscription ended: shop line %v, order line %v", shopLine, orderLine)
	}
	expect("after the webhooks", "1", store.Queued, "")
	bs, _ := svc.store.Bookings(ctx, sh.ID, "1")
	if len(bs) != 1 {
		t.Errorf("bookings of order 1: %+v", bs)
	}
}

func countCode(evs []store.Event, code string) int {
	n := 0
	for _, e := range evs {
		if e.Code == code {
			n++
		}
	}
	return n
}
