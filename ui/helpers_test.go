package ui

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// testNow is the service's clock in tests: just after the emulator's Dutch
// orders (they start on 2024-01-01), so they fall inside a new shop's
// 21-day window.
var testNow = time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)

const (
	testKey    = "ck_0123456789abcdef0123456789abcdef01234567"
	testSecret = "cs_0123456789abcdef0123456789abcdef01234567"
)

// newService opens a real service on a temporary data directory.
func newService(t testing.TB) *app.Service {
	t.Helper()
	svc, err := app.Open(context.Background(), app.Options{DataDir: t.TempDir(), Clock: clockwork.NewFakeClockAt(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// newShop serves an emulated WooCommerce shop with n Dutch orders over
// plain HTTP (so the client signs with OAuth 1.0a, as on a real shop).
func newShop(t testing.TB, n int) (*wcemu.Shop, string) {
	t.Helper()
	shop := wcemu.New(testKey, testSecret)
	shop.AddDutch(n, 7)
	srv := httptest.NewServer(shop)
	t.Cleanup(srv.Close)
	shop.SetURL(srv.URL)
	return shop, srv.URL
}

// goodSeller is a complete, valid seller.
func goodSeller() order.Seller {
	return order.Seller{Party: order.Party{Company: "Theehuis De Linde B.V.", KvK: "12345678", VATID: "NL123456789B01",
		Address: order.Address{Street: "Kerkstraat 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}},
		IBAN: "NL91ABNA0417164300"}
}

// connect adds the emulated shop to svc forwarding only the given
// statuses, sets seller and folder, and syncs.
func connect(t testing.TB, svc *app.Service, url string, forward ...order.Status) string {
	t.Helper()
	ctx := context.Background()
	if err := svc.SetSeller(ctx, goodSeller()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := svc.SetUBLDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Theehuis", URL: url, Key: testKey, Secret: testSecret,
		Forward: forward, Since: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sync(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newTestUI builds the interface on a test app and waits until it has
// loaded.
func newTestUI(t testing.TB, svc *app.Service, language string) *UI {
	t.Helper()
	return newTestUIWith(t, svc, Options{Language: language})
}

// newTestUIWith is newTestUI with options (kinds of shop of a test).
func newTestUIWith(t testing.TB, svc *app.Service, opt Options) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	opt.queued = true
	u := New(a, svc, opt)
	u.debounce = time.Millisecond
	u.now = func() time.Time { return testNow }
	t.Cleanup(func() {
		u.bg.wait()
		u.Close()
	})
	u.win.Resize(fyne.NewSize(1100, 700))
	u.bg.wait()
	return u
}

// children lists what a canvas object shows.
func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch x := o.(type) {
	case *fyne.Container:
		return x.Objects
	case fyne.Widget:
		return test.WidgetRenderer(x).Objects()
	}
	return nil
}

// findButton finds a visible button by its text under o.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() {
		return b
	}
	for _, c := range children(o) {
		if b := findButton(c, text); b != nil {
			return b
		}
	}
	return nil
}

// hasText reports whether a visible label or rich text under o contains s.
func hasText(o fyne.CanvasObject, s string) bool {
	if o == nil || !o.Visible() {
		return false
	}
	switch x := o.(type) {
	case *widget.Label:
		if strings.Contains(x.Text, s) {
			return true
		}
	case *canvas.Text:
		if strings.Contains(x.Text, s) {
			return true
		}
	case *widget.RichText:
		if strings.Contains(x.String(), s) {
			return true
		}
	}
	for _, c := range children(o) {
		if hasText(c, s) {
			return true
		}
	}
	return false
}

// tapDialogButton taps a button of the topmost dialog.
func tapDialogButton(t testing.TB, u *UI, text string) {
	t.Helper()
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open; wanted button %q", text)
	}
	b := findButton(top, text)
	if b == nil {
		t.Fatalf("dialog has no button %q", text)
	}
	test.Tap(b)
	u.bg.wait()
}

type urlURL = url.URL

func tableCell(row, col int) widget.TableCellID { return widget.TableCellID{Row: row, Col: col} }
