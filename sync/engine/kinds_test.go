package engine_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce"
	"github.com/orderbrug/orderbrug/sync/store"
)

// kinds are the kinds the engine's tests decide by; wooKind is WooCommerce.
var (
	kinds      = source.NewRegistry(woocommerce.Descriptor())
	wooKind, _ = kinds.Lookup(order.WooCommerce)
)

// checkoutKind is a made-up second kind: payment statuses, a credited
// order that was paid, generic options.
func checkoutKind() *source.Descriptor {
	return &source.Descriptor{
		Kind: "checkout", Name: "Checkout",
		Options: []source.Option{
			{Key: source.OptionRecurring, Kind: source.OptionBool, Default: "on"},
			{Key: source.OptionProducts, Kind: source.OptionList, Default: ""},
		},
		DefaultForward: []order.Status{"paid"},
		Draft:          []order.Status{"open"},
		Gone:           []order.Status{"reversed"},
		Unbookable:     []order.Status{"reversed"},
		ForwardAs:      map[order.Status]order.Status{"credited": "paid"},
	}
}

// TestDecideByDescriptor: decide takes a kind's statuses from its
// descriptor (none of WooCommerce's), forwards a status whose ForwardAs is
// forwarded, and applies the generic options.
func TestDecideByDescriptor(t *testing.T) {
	k := checkoutKind()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sh := store.Shop{ID: 4, Name: "c", Source: "checkout", Forward: []order.Status{"paid"}}
	o := func(st order.Status, products ...string) order.Order {
		x := order.Order{ID: "7", Number: "F7", Status: st, Created: t0, Modified: t0, Total: 1210, Currency: "EUR"}
		for i, p := range products {
			x.Lines = append(x.Lines, order.Line{ID: string(rune('a' + i)), ProductID: p})
		}
		return x
	}
	credited := o("credited")
	credited.Refunds = []order.Refund{{ID: "8", Amount: 1210}}
	recurring := o("paid")
	recurring.Recurring = true
	booked := func(st order.Status) *store.Record {
		was, _ := json.Marshal(o(st))
		return &store.Record{State: store.Booked, Status: st, Total: 1210, Snapshot: was}
	}
	for _, tt := range []struct {
		name     string
		sh       store.Shop
		prev     *store.Record
		in       order.Order
		state    store.State
		reason   string
		bookings []string
		events   []string
	}{
		{"paid is booked", sh, nil, o("paid"), store.Queued, "", []string{"checkout/4/7/invoice"}, []string{"order_queued"}},
		{"open is a draft", sh, nil, o("open"), store.Parked, engine.ReasonCheckoutDraft, nil, nil},
		{"WooCommerce's draft is only a status here", sh, nil, o("checkout-draft"), store.Parked, engine.ReasonNotForwarded, nil, []string{"order_parked"}},
		{"credited forwards as paid, with its credit note", sh, nil, credited, store.Queued, "",
			[]string{"checkout/4/7/invoice", "checkout/4/7/credit/8"}, []string{"order_queued"}},
		{"credited is not forwarded where paid is not", store.Shop{ID: 4, Name: "c", Source: "checkout", Forward: []order.Status{"processing"}},
			nil, credited, store.Parked, engine.ReasonNotForwarded, nil, []string{"order_parked"}},
		{"booked then credited is expected", sh, booked("paid"), credited, store.Booked, "", []string{"checkout/4/7/credit/8"}, nil},
		{"booked then reversed changed after booking", sh, booked("paid"), o("reversed"), store.Booked, "", nil, []string{"changed_after_booking"}},
		{"recurring is booked by default", sh, nil, recurring, store.Queued, "", []string{"checkout/4/7/invoice"}, []string{"order_queued"}},
		{"recurring off ignores a term", withOptions(sh, map[string]string{"recurring": "off"}), nil, recurring, store.Ignored,
			engine.ReasonRecurringOff, nil, []string{"order_ignored"}},
		{"recurring off keeps a one-off", withOptions(sh, map[string]string{"recurring": "off"}), nil, o("paid"), store.Queued, "",
			[]string{"checkout/4/7/invoice"}, []string{"order_queued"}},
		{"product filter ignores other products", withOptions(sh, map[string]string{"products": "11, 12"}), nil, o("paid", "10"),
			store.Ignored, engine.ReasonProductFilter, nil, []string{"order_ignored"}},
		{"product filter books a listed product", withOptions(sh, map[string]string{"products": "11,12"}), nil, o("paid", "10", "12"),
			store.Queued, "", []string{"checkout/4/7/invoice"}, []string{"order_queued"}},
		{"ignored by an option is decided again", sh, &store.Record{State: store.Ignored, Reason: engine.ReasonProductFilter},
			o("paid", "10"), store.Queued, "", []string{"checkout/4/7/invoice"}, []string{"order_queued"}},
		{"still ignored by the option says nothing new", withOptions(sh, map[string]string{"products": "11"}),
			&store.Record{State: store.Ignored, Reason: engine.ReasonProductFilter}, o("paid", "10"), store.Ignored, engine.ReasonProductFilter, nil, nil},
		{"a person's ignore holds over options", sh, &store.Record{State: store.Ignored, Reason: engine.ReasonIgnoredByUser},
			o("paid", "10"), store.Ignored, engine.ReasonIgnoredByUser, nil, nil},
		{"unbookable reversed stays unbookable", sh, &store.Record{State: store.Unbookable, Reason: engine.ReasonNotForwarded, ReasonArg: "reversed"},
			o("reversed"), store.Unbookable, engine.ReasonNotForwarded, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := engine.Decide(tt.sh, k)(tt.prev, tt.in)
			if d.State != tt.state || d.Reason != tt.reason {
				t.Fatalf("decision %s/%s, want %s/%s", d.State, d.Reason, tt.state, tt.reason)
			}
			var keys, evs []string
			for _, b := range d.Bookings {
				keys = append(keys, b.Key)
			}
			for _, e := range d.Events {
				evs = append(evs, e.Code)
			}
			if !equal(keys, tt.bookings) || !equal(evs, tt.events) {
				t.Fatalf("bookings %v events %v, want %v %v", keys, evs, tt.bookings, tt.events)
			}
		})
	}
	// An option the kind does not have is not applied.
	plain := &source.Descriptor{Kind: "checkout", DefaultForward: []order.Status{"paid"}}
	if d := engine.Decide(withOptions(sh, map[string]string{"recurring": "off"}), plain)(nil, recurring); d.State != store.Queued {
		t.Errorf("an option of no kind ignored the order: %+v", d)
	}
	// The sweep's rule has each kind's unbookable statuses.
	rule := engine.UnbookableRule(source.NewRegistry(woocommerce.Descriptor(), withNew(k)))
	if got := rule.SourceStatuses["checkout"]; len(got) != 1 || got[0] != "reversed" {
		t.Errorf("sweep rule %+v", rule)
	}
	if got := rule.SourceStatuses[order.WooCommerce]; len(got) != 4 {
		t.Errorf("sweep rule %+v", rule)
	}
}

func withOptions(sh store.Shop, opts map[string]string) store.Shop {
	sh.Options = opts
	return sh
}

func withNew(k *source.Descriptor) source.Descriptor {
	d := *k
	d.New = func(source.Config) (source.Source, error) { return nil, nil }
	return d
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
