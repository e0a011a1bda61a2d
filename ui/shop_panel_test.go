package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
)

// TestShopPanelRenameSellsAndBackfill: in Winkelsysteem a new name changes
// only the name (the slug shown stays), "Verkoopt" is saved, and an earlier
// "Boeken vanaf" books the orders from before the shop was connected.
func TestShopPanelRenameSellsAndBackfill(t *testing.T) {
	_, url := newShop(t, 25)
	svc := newService(t)
	ctx := context.Background()
	if err := svc.SetSeller(ctx, goodSeller()); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Theehuis", URL: url, Key: testKey, Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	// Connected now: the shop's orders are older and in the books already.
	if res, err := svc.Sync(ctx, "", nil); err != nil || res.Booked.Booked != 0 {
		t.Fatalf("first sync booked %d, %v", res.Booked.Booked, err)
	}
	u := newTestUI(t, svc, "nl")
	p := u.config.shops
	if p.editing != "Theehuis" || !strings.Contains(p.slug.Text, "theehuis") || p.since.Text != testNow.Local().Format("02-01-2006") {
		t.Fatalf("editing %q, slug %q, since %q", p.editing, p.slug.Text, p.since.Text)
	}
	p.since.SetText("1 januari")
	p.save()
	u.bg.wait()
	if !strings.Contains(p.msg.Text, "dd-mm-jjjj") {
		t.Fatalf("a bad date: %q", p.msg.Text)
	}
	p.name.SetText("Theehuis De Linde")
	p.sells.SetSelected("Diensten")
	p.since.SetText("01-12-2023")
	p.save()
	u.bg.wait()
	info, err := svc.Shop(ctx, "Theehuis De Linde")
	if err != nil {
		t.Fatalf("after saving: %v (message %q)", err, p.msg.Text)
	}
	if info.Slug != "theehuis" || info.Sells != order.SellsServices ||
		!info.Since.Equal(time.Date(2023, 12, 1, 0, 0, 0, 0, time.Local)) {
		t.Fatalf("saved %+v", info)
	}
	res, err := svc.Sync(ctx, "", nil)
	if err != nil || res.Booked.Booked == 0 {
		t.Fatalf("after the backfill booked %d, %v", res.Booked.Booked, err)
	}
	// Saving again without touching the date is no new start.
	p.save()
	u.bg.wait()
	again, _ := svc.Shop(ctx, "Theehuis De Linde")
	if !again.Since.Equal(info.Since) {
		t.Fatalf("start moved to %v by a save", again.Since)
	}
}
