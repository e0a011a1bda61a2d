package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/assets"
)

// TestTrayShowsWhatWaits: bookings that wait for the VAT number turn the
// tray to attention, and its menu says why at the top.
func TestTrayShowsWhatWaits(t *testing.T) {
	_, url := newShop(t, 10)
	svc := newService(t)
	ctx := context.Background()
	sel := goodSeller()
	sel.VATID = ""
	if err := svc.SetSeller(ctx, sel); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetUBLDir(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Theehuis", URL: url, Key: testKey, Secret: testSecret,
		Since: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, svc, "nl")
	ft := &fakeTray{App: u.app}
	u.tray = newTray(u, ft)
	u.bg.wait()
	if ft.icon != assets.TrayAttention {
		t.Fatalf("icon %v while bookings wait", ft.icon.Name())
	}
	first := ft.menuLabels()[0]
	if !strings.HasPrefix(first, "Wacht op jou: Theehuis: ") || !strings.Contains(first, "het btw-nummer ontbreekt") {
		t.Fatalf("first menu item %q", first)
	}
}
