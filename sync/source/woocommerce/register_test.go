package woocommerce

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/orderbrug/orderbrug/sync/source"
)

// TestRegisterHooks: the registrar makes the shop's webhooks match the
// set-up (create per topic, move with the URL, set a disabled one active
// again, delete a topic switched off, delete all without a URL), and
// ReadHooks reads their state without changing anything.
func TestRegisterHooks(t *testing.T) {
	shop, c, _ := startShop(t, true)
	ctx := context.Background()
	ids := shop.AddDutch(1, 2)
	var failing bool
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing {
			w.WriteHeader(500)
		}
	}))
	defer recv.Close()
	shop.AllowDeliveryURL(recv.URL)

	st, err := c.RegisterHooks(ctx, source.HookSetup{URL: recv.URL + "/a", Secret: "s",
		Topics: []string{TopicOrderCreated, TopicOrderUpdated}})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.IDs) != 2 || len(st.Created) != 2 || st.Status != WebhookActive || st.Reactivated != 0 {
		t.Fatalf("first registration %+v", st)
	}
	list, _ := c.ListWebhooks(ctx)
	if len(list) != 2 || list[0].DeliveryURL != recv.URL+"/a" {
		t.Fatalf("shop has %+v", list)
	}

	// The URL moves; order.updated is disabled by failures meanwhile.
	failing = true
	upd, _ := parseID(st.IDs[TopicOrderUpdated])
	for range 7 {
		_, _ = shop.Deliver(ctx, upd, ids[0])
	}
	failing = false
	if got, _ := c.ReadHooks(ctx, st.IDs); got.Status != WebhookDisabled || len(got.IDs) != 2 {
		t.Fatalf("read while disabled %+v", got)
	}
	st2, err := c.RegisterHooks(ctx, source.HookSetup{URL: recv.URL + "/b", Secret: "s",
		Topics: []string{TopicOrderCreated, TopicOrderUpdated}, Known: st.IDs})
	if err != nil {
		t.Fatal(err)
	}
	if len(st2.Created) != 0 || st2.Reactivated != 1 || len(st2.ReactivatedTopics) != 1 || st2.ReactivatedTopics[0] != TopicOrderUpdated ||
		st2.Status != WebhookActive || st2.IDs[TopicOrderCreated] != st.IDs[TopicOrderCreated] {
		t.Fatalf("second registration %+v", st2)
	}
	for _, w := range mustList(t, c) {
		if w.DeliveryURL != recv.URL+"/b" || w.Status != WebhookActive {
			t.Errorf("after the move %+v", w)
		}
	}

	// order.created switched off, order.deleted on.
	st3, err := c.RegisterHooks(ctx, source.HookSetup{URL: recv.URL + "/b", Secret: "s",
		Topics: []string{TopicOrderUpdated, TopicOrderDeleted}, Known: st2.IDs})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st3.IDs[TopicOrderCreated]; ok || len(st3.IDs) != 2 || len(st3.Created) != 1 || st3.Created[0] != TopicOrderDeleted {
		t.Fatalf("topics changed %+v", st3)
	}
	if n := len(mustList(t, c)); n != 2 {
		t.Errorf("%d webhooks in the shop", n)
	}

	// One deleted in the shop by hand: read leaves it out.
	del, _ := parseID(st3.IDs[TopicOrderDeleted])
	if err := c.DeleteWebhook(ctx, del); err != nil {
		t.Fatal(err)
	}
	if got, err := c.ReadHooks(ctx, st3.IDs); err != nil || len(got.IDs) != 1 || got.IDs[TopicOrderUpdated] == "" {
		t.Fatalf("read after a delete by hand %+v %v", got, err)
	}

	// No URL: everything Orderbrug made goes.
	st4, err := c.RegisterHooks(ctx, source.HookSetup{Topics: []string{TopicOrderUpdated}, Known: st3.IDs})
	if err != nil || len(st4.IDs) != 0 {
		t.Fatalf("removal %+v %v", st4, err)
	}
	if n := len(mustList(t, c)); n != 0 {
		t.Errorf("%d webhooks left", n)
	}
}

func mustList(t *testing.T, c *Client) []Webhook {
	t.Helper()
	l, err := c.ListWebhooks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func parseID(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
