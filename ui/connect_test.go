package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/jonboulle/clockwork"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/tunnel"
)

const (
	connectLabel = "Koppel met WooCommerce"
	waitingText  = "Keur de koppeling goed in je webwinkel…"
	noTunnelText = "Zonder tunnel plak je de sleutels met de hand"
)

// newTunnelService opens a real service whose tunnel is a Local one: the
// webhook handler served on 127.0.0.1 under its own address, standing in
// for ngrok.
func newTunnelService(t *testing.T) *app.Service {
	t.Helper()
	svc, err := app.Open(context.Background(), app.Options{DataDir: t.TempDir(), Clock: clockwork.NewFakeClockAt(testNow),
		Tunnel: func(app.TunnelSettings) tunnel.Tunnel { return &tunnel.Local{Addr: "127.0.0.1:0"} }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// startTunnel sets the tunnel up and waits until it is online.
func startTunnel(t *testing.T, svc *app.Service) {
	t.Helper()
	ctx := context.Background()
	if err := svc.SetTunnel(ctx, "test-token", ""); err != nil {
		t.Fatal(err)
	}
	if err := svc.StartWebhooks(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for svc.TunnelStatus().State != "online" {
		if time.Now().After(deadline) {
			t.Fatalf("tunnel not online: %+v", svc.TunnelStatus())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// shownButton finds a button by its text that is on screen: it and all
// that hold it are visible (findButton looks at the button only).
func shownButton(o fyne.CanvasObject, text string) *widget.Button {
	if o == nil || !o.Visible() {
		return nil
	}
	if b, ok := o.(*widget.Button); ok && b.Text == text {
		return b
	}
	for _, c := range children(o) {
		if b := shownButton(c, text); b != nil {
			return b
		}
	}
	return nil
}

// connectButton is the "Koppel met WooCommerce" shown under root.
func connectButton(t *testing.T, root fyne.CanvasObject) *widget.Button {
	t.Helper()
	b := shownButton(root, connectLabel)
	if b == nil {
		t.Fatalf("no %q button shown", connectLabel)
	}
	return b
}

// tapConnect taps "Koppel met WooCommerce" under root and plays the
// owner's browser: once the UI opens the authorize page, owner gets it on
// its own goroutine. It returns when the UI is idle again, with the page
// opened ("" when none was).
func tapConnect(t *testing.T, u *UI, root fyne.CanvasObject, owner func(page *url.URL)) string {
	t.Helper()
	opened := make(chan string, 1)
	var page string
	u.openURL = func(x *url.URL) error {
		page = x.String()
		opened <- page
		return nil
	}
	stop, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case p := <-opened:
			pu, err := url.Parse(p)
			if err != nil {
				t.Errorf("authorize page %q: %v", p, err)
				return
			}
			owner(pu)
		case <-stop:
		}
	}()
	test.Tap(connectButton(t, root))
	u.bg.wait()
	close(stop)
	<-finished
	return page
}

// approve does what WooCommerce does when the owner approves: it posts a
// read_write key pair to the callback URL. It returns the status answered.
func approve(t *testing.T, page *url.URL) int {
	keys := map[string]any{"key_id": 1, "user_id": page.Query().Get("user_id"), "consumer_key": testKey,
		"consumer_secret": testSecret, "key_permissions": "read_write"}
	b, _ := json.Marshal(keys)
	resp, err := http.Post(page.Query().Get("callback_url"), "application/json", bytes.NewReader(b))
	if err != nil {
		t.Errorf("post the keys: %v", err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// onUI runs fn on the UI goroutine (the test's, inside bg.wait) and returns
// its answer: for the owner's goroutine to look at the window meanwhile.
func onUI[T any](u *UI, fn func() T) T {
	ch := make(chan T, 1)
	u.post(func() { ch <- fn() })
	return <-ch
}

// checkAuthorizePage checks the page is the shop's wc-auth authorize page
// with its callback on the tunnel.
func checkAuthorizePage(t *testing.T, svc *app.Service, page, shopURL string) {
	t.Helper()
	u, err := url.Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if !strings.HasPrefix(page, shopURL+"/") || u.Path != "/wc-auth/v1/authorize" || q.Get("scope") != "read_write" ||
		q.Get("app_name") != "Orderbrug" {
		t.Fatalf("authorize page %q (shop %s)", page, shopURL)
	}
	tun := svc.TunnelStatus().URL
	if cb := q.Get("callback_url"); tun == "" || !strings.HasPrefix(cb, tun+"/") {
		t.Fatalf("callback %q is not on the tunnel %q", cb, tun)
	}
}

// TestConnectFollowsTheTunnel: without the tunnel the button is off and a
// sentence says why; when the tunnel comes online, the button turns on
// by itself.
func TestConnectFollowsTheTunnel(t *testing.T) {
	svc := newTunnelService(t)
	u := newTestUI(t, svc, "nl")
	passKind(t, u)
	root := u.win.Content()
	b := connectButton(t, root)
	if !b.Disabled() {
		t.Error("the button is on without a tunnel")
	}
	if !hasText(root, noTunnelText) || !hasText(root, "(Configuratie › Tunnel)") {
		t.Error("no sentence saying the keys are pasted by hand without the tunnel")
	}
	startTunnel(t, svc)
	deadline := time.Now().Add(5 * time.Second)
	for b.Disabled() {
		if time.Now().After(deadline) {
			t.Fatal("the button stays off with the tunnel online")
		}
		time.Sleep(10 * time.Millisecond)
		u.bg.wait()
	}
	if hasText(root, noTunnelText) {
		t.Error("the no-tunnel sentence stays with the tunnel online")
	}
}

// TestWizardConnectWithWooCommerce walks the wizard with "Koppel met
// WooCommerce" instead of pasted keys: the shop's authorize page opens
// with its callback on the tunnel, the wizard waits until WooCommerce
// posts the keys, then offers the shop's real statuses; finishing keeps
// the connected keys and books with them.
func TestWizardConnectWithWooCommerce(t *testing.T) {
	_, shopURL := newShop(t, 25)
	svc := newTunnelService(t)
	startTunnel(t, svc)
	u := newTestUI(t, svc, "nl")
	w := passKind(t, u)
	root := u.win.Content()
	if connectButton(t, root).Disabled() {
		t.Fatal("the button is off with the tunnel online")
	}

	// Name and address come first, each with its field's sentence.
	for _, c := range []struct{ name, url, want string }{
		{"", shopURL, "Vul de naam in."},
		{"Theehuis", "", "Vul het adres in."},
		{"Theehuis", "jouw winkel.nl", "het adres klopt niet."},
	} {
		w.name.SetText(c.name)
		w.url.SetText(c.url)
		if page := tapConnect(t, u, root, func(*url.URL) {}); page != "" {
			t.Errorf("%q/%q: page %q opened", c.name, c.url, page)
		}
		if !strings.Contains(w.msg.Text, c.want) || w.msg.Importance != widget.DangerImportance {
			t.Errorf("%q/%q: message %q, want %q", c.name, c.url, w.msg.Text, c.want)
		}
		if w.key.Disabled() || w.next.Disabled() || connectButton(t, root).Disabled() {
			t.Errorf("%q/%q: the form is not usable after the error", c.name, c.url)
		}
	}

	w.url.SetText(shopURL)
	var waiting bool
	code := 0
	page := tapConnect(t, u, root, func(p *url.URL) {
		waiting = onUI(u, func() bool {
			return hasText(root, waitingText) && shownButton(root, "Annuleren") != nil && w.next.Disabled() &&
				connectButton(t, root).Disabled()
		})
		code = approve(t, p)
	})
	checkAuthorizePage(t, svc, page, shopURL)
	if !waiting {
		t.Error("no waiting state (sentence, cancel button, buttons off) while the owner approves")
	}
	if code != http.StatusOK {
		t.Fatalf("callback answered %d", code)
	}
	if w.step != stepStatuses {
		t.Fatalf("after connecting: step %d, message %q", w.step, w.msg.Text)
	}
	if !strings.Contains(w.msg.Text, "Gekoppeld") || hasText(root, waitingText) {
		t.Errorf("message %q, waiting shown %v", w.msg.Text, hasText(root, waitingText))
	}
	opts := strings.Join(w.statuses.group.Options, "|")
	for _, want := range []string{"processing", "completed", "verzonden"} {
		if !strings.Contains(opts, want) {
			t.Errorf("status %q of the shop not offered: %s", want, opts)
		}
	}
	ctx := context.Background()
	info, err := svc.Shop(ctx, "Theehuis")
	if err != nil || !info.HasKeys {
		t.Fatalf("shop after connecting: %+v %v", info, err)
	}

	// Back on the shop step the connected shop is locked; on again
	// without a test.
	test.Tap(w.back)
	if w.step != stepShop || !w.name.Disabled() || !w.url.Disabled() || !connectButton(t, root).Disabled() {
		t.Fatalf("shop step after connecting: step %d, name off %v", w.step, w.name.Disabled())
	}
	test.Tap(w.next)
	u.bg.wait()
	if w.step != stepStatuses {
		t.Fatalf("on from the connected shop: step %d, message %q", w.step, w.msg.Text)
	}

	// Forward only "processing": finishing must save that choice on the
	// connected shop rather than add it a second time.
	w.statuses.group.SetSelected([]string{w.statuses.labels["processing"]})
	// The shop was added when its keys came (booking from then on); a
	// start date chosen here is a backfill.
	w.since.fromDate(time.Date(2020, 1, 1, 0, 0, 0, 0, time.Local))
	test.Tap(w.next)
	s := w.seller
	seller := goodSeller()
	for e, v := range map[*widget.Entry]string{s.company: seller.Company, s.kvk: seller.KvK, s.vat: seller.VATID,
		s.street: seller.Address.Street, s.postcode: seller.Address.Postcode, s.city: seller.Address.City, s.iban: seller.IBAN} {
		e.SetText(v)
	}
	test.Tap(w.next)
	dir := filepath.Join(t.TempDir(), "facturen")
	w.dir.SetText(dir)
	test.Tap(w.next)
	if w.step != stepTunnel {
		t.Fatalf("step %d, message %q", w.step, w.msg.Text)
	}
	test.Tap(w.next)
	u.bg.wait()
	if w.step != stepFinish || !w.finished || !strings.Contains(w.result.Text, "geboekt") {
		t.Fatalf("finish: step %d, message %q, result %q", w.step, w.msg.Text, w.result.Text)
	}
	info, err = svc.Shop(ctx, "Theehuis")
	if err != nil || len(info.Forward) != 1 || info.Forward[0] != "processing" {
		t.Fatalf("forward set after the wizard: %v %v", info.Forward, err)
	}
	booked, err := svc.Orders(ctx, app.OrderQuery{States: []app.State{app.Booked}})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(dir)
	if len(booked) == 0 || len(files) < len(booked) {
		t.Fatalf("%d booked, %d files", len(booked), len(files))
	}
	for _, o := range booked {
		if o.Status != order.Status("processing") {
			t.Errorf("order %s booked in status %s, not forwarded", o.Number, o.Status)
		}
	}
}

// TestShopPanelConnect: Winkelsysteem offers the button for a new shop
// only; a name in use is refused with its sentence before the browser
// opens, and a connected shop shows up in the list with its keys.
func TestShopPanelConnect(t *testing.T) {
	_, firstURL := newShop(t, 3)
	_, secondURL := newShop(t, 4)
	svc := newTunnelService(t)
	connect(t, svc, firstURL, "processing")
	startTunnel(t, svc)
	u := newTestUI(t, svc, "nl")
	p := u.config.shops
	if p.editing != "Theehuis" || shownButton(p.content, connectLabel) != nil {
		t.Fatalf("editing %q: the button shows for an existing shop", p.editing)
	}
	p.pick.SetSelected("+ Nieuwe winkel")
	u.bg.wait()
	if connectButton(t, p.content).Disabled() {
		t.Fatal("the button is off for a new shop with the tunnel online")
	}

	test.Type(p.name, "Theehuis")
	test.Type(p.url, secondURL)
	if page := tapConnect(t, u, p.content, func(*url.URL) {}); page != "" {
		t.Errorf("a name in use opened %q", page)
	}
	if p.msg.Text != "Er is al een winkel met deze naam." {
		t.Errorf("name in use: %q", p.msg.Text)
	}
	if p.key.Disabled() || p.saveBtn.Disabled() || connectButton(t, p.content).Disabled() {
		t.Error("the form is not usable after the error")
	}

	p.name.SetText("Tweede")
	code := 0
	page := tapConnect(t, u, p.content, func(pu *url.URL) {
		if !onUI(u, func() bool { return hasText(p.content, waitingText) && p.saveBtn.Disabled() }) {
			t.Error("no waiting state")
		}
		code = approve(t, pu)
	})
	checkAuthorizePage(t, svc, page, secondURL)
	if code != http.StatusOK {
		t.Fatalf("callback answered %d", code)
	}
	if p.editing != "Tweede" || p.pick.Selected != "Tweede" || !contains(p.pick.Options, "Tweede") {
		t.Fatalf("after connecting: editing %q, selected %q, options %v", p.editing, p.pick.Selected, p.pick.Options)
	}
	if !strings.Contains(p.msg.Text, "Gekoppeld") || len(p.statuses.group.Options) == 0 {
		t.Errorf("message %q, %d statuses", p.msg.Text, len(p.statuses.group.Options))
	}
	info, err := svc.Shop(context.Background(), "Tweede")
	if err != nil || !info.HasKeys || info.URL != secondURL {
		t.Fatalf("connected shop: %+v %v", info, err)
	}
}

// TestConnectCancelAndTimeout: the person may stop waiting, and a wait
// without approval ends by itself; both leave the form usable.
func TestConnectCancelAndTimeout(t *testing.T) {
	_, shopURL := newShop(t, 1)
	svc := newTunnelService(t)
	startTunnel(t, svc)
	u := newTestUI(t, svc, "nl")
	w := passKind(t, u)
	root := u.win.Content()
	test.Type(w.name, "Theehuis")
	test.Type(w.url, shopURL)

	tapConnect(t, u, root, func(*url.URL) {
		onUI(u, func() bool { test.Tap(shownButton(root, "Annuleren")); return true })
	})
	if !strings.Contains(w.msg.Text, "Koppelen afgebroken") || hasText(root, waitingText) || w.next.Disabled() ||
		connectButton(t, root).Disabled() {
		t.Errorf("after cancel: message %q, waiting %v", w.msg.Text, hasText(root, waitingText))
	}

	defer func(d time.Duration) { connectTimeout = d }(connectTimeout)
	connectTimeout = 200 * time.Millisecond
	tapConnect(t, u, root, func(*url.URL) {})
	if !strings.Contains(w.msg.Text, "geen goedkeuring") || w.msg.Importance != widget.DangerImportance ||
		w.next.Disabled() || connectButton(t, root).Disabled() {
		t.Errorf("after the timeout: message %q", w.msg.Text)
	}
	if _, err := svc.Shop(context.Background(), "Theehuis"); app.CodeOf(err) != app.CodeNoSuchShop {
		t.Errorf("a shop without approval exists: %v", err)
	}
}
