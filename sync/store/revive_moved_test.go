package store_test

import (
	"context"
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// A shop identified by its address (WooCommerce) moves with it: moved from
// http:// to https://, removed, and connected again at its new address, it
// gets its id and slug back, so a backfill books nothing twice (found in
// review: the identity stayed the old address).
func TestReviveAfterTheAddressMoved(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	sh, err := s.AddShop(ctx, store.Shop{Name: "w", Source: order.WooCommerce, BaseURL: "http://winkel.example"})
	if err != nil {
		t.Fatal(err)
	}
	sh.BaseURL = "https://winkel.example"
	if err := s.UpdateShop(ctx, sh); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveShop(ctx, sh.ID); err != nil {
		t.Fatal(err)
	}
	again, err := s.AddShop(ctx, store.Shop{Name: "w", Source: order.WooCommerce, BaseURL: "https://winkel.example"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != sh.ID {
		t.Fatalf("not revived: id %d slug %q, want id %d slug %q", again.ID, again.Slug, sh.ID, sh.Slug)
	}
}
