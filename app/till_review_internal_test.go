package app

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay"
	"github.com/orderbrug/orderbrug/sync/source/pos"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce"
)

// tillRequired is the till's descriptor with its close topic required, as
// the pos package marks it.
func tillRequired() source.Descriptor {
	d := pos.Descriptor()
	d.Topics = append([]source.Topic(nil), d.Topics...)
	for i := range d.Topics {
		if d.Topics[i].Key == pos.TopicClose {
			d.Topics[i].Required = true
		}
	}
	return d
}

// TestTillCloseTopicIsRequired: a list of topics without the till's close
// is refused (without it no sale is booked), naming the topics there are;
// spaces around the topics are trimmed; the kind says which is required.
func TestTillCloseTopicIsRequired(t *testing.T) {
	ctx := context.Background()
	svc, err := Open(ctx, Options{DataDir: filepath.Join(t.TempDir(), "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	svc.kinds = source.NewRegistry(woocommerce.Descriptor(), plugandpay.Descriptor(), tillRequired())
	svc.engine.Kinds = svc.kinds
	if _, err := svc.AddShop(ctx, ShopInput{Name: "Bar", Source: order.POS}); err != nil {
		t.Fatal(err)
	}
	for _, topics := range [][]string{{"open", "update"}, {}, {" "}} {
		err := svc.SetWebhookTopics(ctx, "Bar", topics)
		if CodeOf(err) != CodeInvalid || FieldOf(err) != FieldTopics || !strings.Contains(err.Error(), "close cannot be switched off") ||
			!strings.Contains(err.Error(), "open, update, close, third") {
			t.Errorf("%q: %v", topics, err)
		}
	}
	if err := svc.SetWebhookTopics(ctx, "Bar", []string{"open", "bogus", "close"}); CodeOf(err) != CodeInvalid ||
		FieldOf(err) != FieldTopics || !strings.Contains(err.Error(), `no topic "bogus": its topics are open, update, close, third`) {
		t.Errorf("unknown topic: %v", err)
	}
	if err := svc.SetWebhookTopics(ctx, "Bar", []string{"open", " close", "", "close "}); err != nil {
		t.Fatal(err)
	}
	if si, _ := svc.Shop(ctx, "Bar"); !reflect.DeepEqual(si.Webhook.Topics, []string{"open", "close"}) {
		t.Errorf("topics %q", si.Webhook.Topics)
	}
	for _, k := range svc.Kinds() {
		for _, tp := range k.Topics {
			if want := k.Kind == order.POS && tp.Key == "close"; tp.Required != want {
				t.Errorf("%s %s required %v", k.Kind, tp.Key, tp.Required)
			}
		}
	}
}
