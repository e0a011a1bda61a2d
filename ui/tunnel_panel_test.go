package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/orderbrug/orderbrug/app"
)

// TestTunnelTabOwnURL: the Tunnel tab chooses between ngrok and an own
// URL (each with its own fields), saves the own URL, which registers the
// shop's webhooks there; the Webhooks tab then shows the shop's real
// registration, the secret masked, and its copy button copies all of it.
func TestTunnelTabOwnURL(t *testing.T) {
	shop, url := newShop(t, 0)
	svc := newService(t)
	ctx := context.Background()
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Theehuis", URL: url, Key: testKey, Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, svc, "nl")
	p := u.config.tunnel
	if p.own() || !p.ngrokForm.Visible() || p.ownForm.Visible() {
		t.Fatalf("a new Tunnel tab: own %v, ngrok fields %v, own fields %v", p.own(), p.ngrokForm.Visible(), p.ownForm.Visible())
	}
	p.mode.SetSelected("Eigen URL (Cloudflare Tunnel, Tailscale Funnel of reverse proxy)")
	if !p.own() || p.ngrokForm.Visible() || !p.ownForm.Visible() || !strings.Contains(p.hint.Text, "reverse proxy") {
		t.Fatalf("own URL chosen: ngrok fields %v, own fields %v, hint %q", p.ngrokForm.Visible(), p.ownForm.Visible(), p.hint.Text)
	}
	p.publicURL.SetText("ftp://verkeerd")
	p.save()
	u.bg.wait()
	if !strings.Contains(p.msg.Text, "het openbare adres klopt niet") {
		t.Errorf("a wrong URL: %q", p.msg.Text)
	}

	// Webhooks on first: saving the own URL then registers them there.
	h := u.config.hooks
	h.enabled.SetChecked(true)
	u.bg.wait()
	if !strings.Contains(h.state.Text, "Niet geregistreerd in de webwinkel: er is geen openbaar adres") {
		t.Errorf("webhooks on without a public URL: %q", h.state.Text)
	}
	p.publicURL.SetText("https://orderbrug.invalid/")
	p.listen.SetText("127.0.0.1:18788")
	p.save()
	u.bg.wait()
	ts, _, err := svc.TunnelSettings(ctx)
	if err != nil || ts.Mode != app.TunnelOwn || ts.PublicURL != "https://orderbrug.invalid" || ts.OwnListen != "127.0.0.1:18788" {
		t.Fatalf("saved %+v %v (message %q)", ts, err, p.msg.Text)
	}
	hooks := shop.Webhooks()
	if len(hooks) != 2 {
		t.Fatalf("registered %d webhooks", len(hooks))
	}
	for _, w := range hooks {
		if w.DeliveryURL != "https://orderbrug.invalid/hooks/woocommerce/theehuis" {
			t.Errorf("delivery URL %s", w.DeliveryURL)
		}
	}
	h.load()
	u.bg.wait()
	secret, err := svc.WebhookSecret(ctx, "Theehuis")
	if err != nil || len(secret) < 16 {
		t.Fatalf("secret %v", err)
	}
	if !strings.HasPrefix(h.state.Text, "Geregistreerd in de webwinkel") || !strings.Contains(h.state.Text, "Nog geen levering") {
		t.Errorf("state %q", h.state.Text)
	}
	if strings.Contains(h.secret.Text, secret[:len(secret)-4]) || !strings.HasSuffix(h.secret.Text, secret[len(secret)-4:]) ||
		!strings.HasPrefix(h.secret.Text, "••••") {
		t.Errorf("the secret is shown as %q", h.secret.Text)
	}
	if h.url.Text != "https://orderbrug.invalid/hooks/woocommerce/theehuis" {
		t.Errorf("url %q", h.url.Text)
	}
	copyButtons := 0
	for _, b := range allButtons(h.content, lang.L("action.copy")) {
		copyButtons++
		b.OnTapped()
	}
	if copyButtons != 2 {
		t.Fatalf("%d copy buttons", copyButtons)
	}
	// The second copies the secret (the first the URL).
	if got := u.app.Clipboard().Content(); got != secret {
		t.Errorf("the copy button copied %q", got)
	}

	// A reload keeps "own URL"; back to ngrok needs an authtoken.
	p.load()
	u.bg.wait()
	if !p.own() || p.publicURL.Text != "https://orderbrug.invalid" || p.listen.Text != "127.0.0.1:18788" {
		t.Errorf("after a reload: own %v, %q %q", p.own(), p.publicURL.Text, p.listen.Text)
	}
	p.mode.SetSelected("ngrok (ingebouwd)")
	p.save()
	u.bg.wait()
	if !strings.Contains(p.msg.Text, "Vul het authtoken in") {
		t.Errorf("ngrok without an authtoken: %q", p.msg.Text)
	}
}

// allButtons finds the visible buttons with this text under o, in order.
func allButtons(o fyne.CanvasObject, text string) []*widget.Button {
	var out []*widget.Button
	if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() {
		out = append(out, b)
	}
	for _, c := range children(o) {
		out = append(out, allButtons(c, text)...)
	}
	return out
}

// Every registration state and reason has its words.
func TestRegistrationWords(t *testing.T) {
	nl, en := readLang(t, "nl.json"), readLang(t, "en.json")
	var keys []string
	for _, r := range app.WebhookRegistrations {
		keys = append(keys, "webhook.registration."+r)
	}
	for _, r := range app.WebhookReasons {
		keys = append(keys, "webhook.reason."+r)
	}
	for _, k := range keys {
		if _, ok := nl[k]; !ok {
			t.Errorf("nl.json lacks %q", k)
		}
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
}
