package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/store"
)

// TestLogboekReplaysADelivery: the Logboek's webhook view lists the inbox;
// a delivery whose processing failed is shown with its answer and result,
// and its Replay button processes it again from its raw bytes (here the
// order as the shop has it, so: a repeat). A delivery that kept no body
// has no usable button.
func TestLogboekReplaysADelivery(t *testing.T) {
	shop, url := newShop(t, 3)
	svc := newService(t)
	connect(t, svc, url, "processing", "completed")
	ctx := context.Background()
	si, err := svc.Shop(ctx, "Theehuis")
	if err != nil {
		t.Fatal(err)
	}
	orders, _ := svc.Orders(ctx, app.OrderQuery{})
	if len(orders) == 0 {
		t.Fatal("no orders synced")
	}
	id, _ := strconv.ParseInt(orders[0].ID, 10, 64)
	body, ok := shop.OrderJSON(id)
	if !ok {
		t.Fatal("no order JSON")
	}
	st := svc.Store()
	did, err := st.AddDelivery(ctx, store.Delivery{Source: "woocommerce", Shop: si.Slug, Topic: "order.updated",
		OrderID: orders[0].ID, Body: body, Dedupe: store.DedupeKey(body)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeliveryProcessed(ctx, did, "error: fetch order: shop down"); err != nil {
		t.Fatal(err)
	}

	u := newTestUI(t, svc, "nl")
	l := u.logbook
	l.view.SetSelected("Webhooks")
	u.bg.wait()
	if len(l.deliveries) != 1 || !strings.Contains(l.texts[0], "kon niet worden verwerkt") || !strings.Contains(l.texts[0], orders[0].ID) {
		t.Fatalf("webhook view: %q", l.texts)
	}
	l.list.Select(0)
	if l.replayButton == nil || l.replayButton.Disabled() {
		t.Fatal("no Replay button")
	}
	test.Tap(l.replayButton)
	u.bg.wait()
	d, err := st.Delivery(ctx, did)
	if err != nil || d.ProcessedAt.IsZero() || d.Result != "repeat" {
		t.Fatalf("after Replay: %+v %v", d, err)
	}
	u.bg.wait()
	if !strings.Contains(l.texts[0], "herhaling, niets veranderd") {
		t.Fatalf("list after Replay: %q", l.texts)
	}
	// The repeat let go of its body: nothing left to replay.
	l.list.Select(0)
	if !l.replayButton.Disabled() {
		t.Fatal("Replay offered for a delivery without its body")
	}
	// Back to the events.
	l.view.SetSelected("Gebeurtenissen")
	u.bg.wait()
	if len(l.deliveries) != 0 || len(l.events) == 0 {
		t.Fatalf("events view: %d deliveries, %d events", len(l.deliveries), len(l.events))
	}
}
