package ui

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
)

// fakeKinds stands in for the service's kinds: the ones given, and a
// record of the options and webhook keys saved.
type fakeKinds struct {
	*app.Service
	kinds []app.KindInfo
	url   string

	mu      sync.Mutex
	options []map[string]string
	keys    []string
}

func (f *fakeKinds) Kinds() []app.KindInfo { return f.kinds }

func (f *fakeKinds) SetShopOptions(_ context.Context, shop string, opts map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.options = append(f.options, opts)
	return nil
}

func (f *fakeKinds) SetWebhookKey(_ context.Context, shop, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, key)
	return nil
}

func (f *fakeKinds) OrderURL(context.Context, string, string) string { return f.url }

func (f *fakeKinds) saved() ([]map[string]string, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]string(nil), f.options...), append([]string(nil), f.keys...)
}

// payKind is a second kind as Plug&Pay's descriptor has it: an API address
// with a default, a secret key, options and an owner's webhook key.
func payKind(kind order.Source) app.KindInfo {
	return app.KindInfo{Kind: kind, Name: "Plug&Pay", Webhooks: true, OwnerHookKey: true,
		DefaultForward: []order.Status{"paid"},
		Fields: []app.FieldInfo{
			{Key: "url", Flag: "api-url", Label: "field.plugandpay.url", Default: "https://api.plugandpay.nl"},
			{Key: "key", Flag: "api-key", Label: "field.plugandpay.key", Secret: true, Required: true},
		},
		Options: []app.OptionInfo{
			{Key: "recurring", Flag: "recurring", Kind: "bool", Default: "on", Label: "option.recurring"},
			{Key: "per_line", Flag: "per-line", Kind: "bool", Default: "off", Label: "option.per_line"},
			{Key: "products", Flag: "products", Kind: "list", Label: "option.products"},
		}}
}

// TestWizardAsksTheChosenKindsFields: with two kinds the wizard asks
// "Welk winkelsysteem?" first, insists on an answer, and then asks only
// the chosen kind's fields: secrets hidden, defaults filled in, its own
// forward set; "Koppel met WooCommerce" only for WooCommerce.
func TestWizardAsksTheChosenKindsFields(t *testing.T) {
	// The service's own kinds: WooCommerce and Plug&Pay as registered.
	svc := newService(t)
	u := newTestUI(t, svc, "nl")
	w := u.wizard
	if w == nil || w.step != stepKind || !strings.Contains(w.title.Text, "Welk winkelsysteem?") {
		t.Fatalf("the wizard does not start with the kind: %+v", w)
	}
	if got := w.kindPick.Options; !reflect.DeepEqual(got, []string{"Linga POS", "Plug&Pay", "WooCommerce"}) {
		t.Fatalf("kinds offered %v", got)
	}
	test.Tap(w.next)
	if w.step != stepKind || w.msg.Text != "Kies eerst een winkelsysteem." {
		t.Fatalf("no kind chosen: step %d, message %q", w.step, w.msg.Text)
	}

	w.kindPick.SetSelected("Plug&Pay")
	test.Tap(w.next)
	if w.step != stepShop {
		t.Fatalf("step %d", w.step)
	}
	var labels []string
	for _, it := range w.fields.items {
		labels = append(labels, it.Text)
	}
	if !reflect.DeepEqual(labels, []string{"API-adres", "API-sleutel"}) {
		t.Errorf("Plug&Pay's fields %v", labels)
	}
	if w.secret != nil || w.url.Text != "https://api.plugandpay.nl" || !w.key.Password {
		t.Errorf("url %q (default), key hidden %v, secret field %v", w.url.Text, w.key.Password, w.secret != nil)
	}
	if findButton(u.win.Content(), "Koppel met WooCommerce") != nil {
		t.Error("Koppel met WooCommerce offered for Plug&Pay")
	}
	if !strings.Contains(w.intro.Text, "Plug&Pay") {
		t.Errorf("intro %q", w.intro.Text)
	}
	test.Type(w.name, "Cursussen")
	test.Type(w.key, "pp-sleutel")
	in := w.input()
	if in.Source != order.PlugAndPay || in.Key != "pp-sleutel" || in.URL != "https://api.plugandpay.nl" || in.Secret != "" ||
		!reflect.DeepEqual(in.Forward, []order.Status{"paid"}) {
		t.Errorf("input %+v", in)
	}

	// Back, and WooCommerce instead: its own three fields, empty.
	test.Tap(w.back)
	if w.step != stepKind {
		t.Fatalf("back: step %d", w.step)
	}
	w.kindPick.SetSelected("WooCommerce")
	test.Tap(w.next)
	if w.step != stepShop || w.url == nil || w.key == nil || w.secret == nil || w.url.Text != "" {
		t.Fatalf("WooCommerce's fields: step %d, %v %v %v", w.step, w.url, w.key, w.secret)
	}
	if findButton(u.win.Content(), "Koppel met WooCommerce") == nil {
		t.Error("no Koppel met WooCommerce for WooCommerce")
	}
	if in := w.input(); in.Source != order.WooCommerce || !reflect.DeepEqual(in.Forward, app.DefaultForward) {
		t.Errorf("WooCommerce input %+v", in)
	}
}

// TestShopPanelNewShopOfAKind: Winkelsysteem's new shop chooses the kind
// and shows its fields; an existing shop keeps its kind.
func TestShopPanelNewShopOfAKind(t *testing.T) {
	_, shopURL := newShop(t, 0)
	svc := newService(t)
	if _, err := svc.AddShop(context.Background(), app.ShopInput{Name: "Theehuis", URL: shopURL, Key: testKey, Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, svc, "nl") // the registered kinds: WooCommerce and Plug&Pay
	p := u.config.shops
	if p.editing != "Theehuis" || p.kind.Kind != order.WooCommerce || !p.kindSel.Disabled() || p.url.Text != shopURL {
		t.Fatalf("existing shop: editing %q, kind %q, kind fixed %v, url %q", p.editing, p.kind.Kind, p.kindSel.Disabled(), p.url.Text)
	}
	p.pick.SetSelected("+ Nieuwe winkel")
	if p.editing != "" || p.kindSel.Disabled() {
		t.Fatalf("new shop: editing %q, kind choosable %v", p.editing, !p.kindSel.Disabled())
	}
	p.kindSel.SetSelected("Plug&Pay")
	if p.secret != nil || p.url.Text != "https://api.plugandpay.nl" || p.connect.content.Visible() {
		t.Errorf("Plug&Pay: secret %v, url %q, connect shown %v", p.secret != nil, p.url.Text, p.connect.content.Visible())
	}
	if got := p.statuses.forward(); !reflect.DeepEqual(got, []order.Status{"paid"}) {
		t.Errorf("new Plug&Pay shop's forward set %v", got)
	}
	if in := p.input(); in.Source != order.PlugAndPay {
		t.Errorf("input %+v", in)
	}
}

// TestWebhooksTabShowsTheKindsOptions: the Webhooks tab of a shop whose
// kind has options and an owner's webhook key shows a toggle per bool
// option (its default), an entry for the product list, and the key entry
// instead of Orderbrug's secret; each saves through the service.
func TestWebhooksTabShowsTheKindsOptions(t *testing.T) {
	_, shopURL := newShop(t, 0)
	svc := newService(t)
	ctx := context.Background()
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Theehuis", URL: shopURL, Key: testKey, Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	// The shop is a WooCommerce one; the test's kind of that name has
	// Plug&Pay's options.
	kinds := &fakeKinds{Service: svc, kinds: []app.KindInfo{payKind(order.WooCommerce)}}
	u := newTestUIWith(t, svc, Options{Language: "nl", kinds: kinds})
	p := u.config.hooks
	if p.shop != "Theehuis" || len(p.checks) != 2 || len(p.lists) != 1 || p.hookKey == nil {
		t.Fatalf("shop %q: %d toggles, %d lists, key entry %v", p.shop, len(p.checks), len(p.lists), p.hookKey != nil)
	}
	if p.clearKey.Disabled() || p.hookKey.PlaceHolder != "(opgeslagen; Wissen haalt hem weg)" {
		t.Errorf("a kept key: clear off %v, placeholder %q", p.clearKey.Disabled(), p.hookKey.PlaceHolder)
	}
	rec, per := p.checks["recurring"], p.checks["per_line"]
	if !rec.Checked || per.Checked || rec.Text != "Ook bij automatische incasso's en termijnbetalingen" {
		t.Errorf("defaults: recurring %v (%q), per line %v", rec.Checked, rec.Text, per.Checked)
	}
	if len(p.topics.Options) != 0 {
		t.Errorf("topics %v for a kind without them", p.topics.Options)
	}
	if findButton(p.content, "Kopiëren") == nil {
		t.Error("no copy button for the URL")
	}
	test.Tap(per)
	u.bg.wait()
	p.lists["products"].SetText("12, 13 ,,14")
	test.Tap(p.listSave["products"])
	u.bg.wait()
	p.hookKey.SetText("  whk_geheim ")
	test.Tap(p.saveKey)
	u.bg.wait()
	opts, keys := kinds.saved()
	want := []map[string]string{
		{"recurring": "on", "per_line": "on", "products": ""},
		{"recurring": "on", "per_line": "on", "products": "12,13,14"},
	}
	if !reflect.DeepEqual(opts, want) {
		t.Errorf("options saved %v, want %v", opts, want)
	}
	if !reflect.DeepEqual(keys, []string{"whk_geheim"}) || p.hookKey.Text != "" {
		t.Errorf("keys saved %q, entry left %q", keys, p.hookKey.Text)
	}
	if p.msg.Text != "Opgeslagen." && !strings.HasPrefix(p.msg.Text, "Opgeslagen") {
		t.Errorf("message %q", p.msg.Text)
	}
}

// TestWebhooksTabWooCommerce: the service's own WooCommerce shows its four
// topics and Orderbrug's secret, no options and no key entry.
func TestWebhooksTabWooCommerce(t *testing.T) {
	_, shopURL := newShop(t, 0)
	svc := newService(t)
	if _, err := svc.AddShop(context.Background(), app.ShopInput{Name: "Theehuis", URL: shopURL, Key: testKey, Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	u := newTestUI(t, svc, "nl")
	p := u.config.hooks
	if len(p.topics.Options) != len(kindOf(svc.Kinds(), order.WooCommerce).Topics) || len(p.topics.Options) != 4 ||
		p.topics.Options[0] != "Bestelling aangemaakt" {
		t.Errorf("topics %v", p.topics.Options)
	}
	if p.hookKey != nil || len(p.checks)+len(p.lists) != 0 {
		t.Errorf("key entry %v, %d options", p.hookKey != nil, len(p.checks)+len(p.lists))
	}
	if !strings.Contains(p.hint.Text, "WooCommerce") {
		t.Errorf("hint %q", p.hint.Text)
	}
}

// TestOpenInShopThroughTheKind: "Openen in de webwinkel" opens what the
// kind's OrderURL says, and says so when a kind has no such page.
func TestOpenInShopThroughTheKind(t *testing.T) {
	u, svc, o := openSetup(t)
	kinds := &fakeKinds{Service: svc, kinds: svc.Kinds(), url: "https://admin.plugandpay.nl/orders/7"}
	u.kinds = kinds
	var opened string
	u.openURL = func(x *url.URL) error { opened = x.String(); return nil }
	o.table.Select(tableCell(0, colCustomer))
	test.Tap(o.openBtn)
	u.bg.wait()
	if opened != kinds.url {
		t.Fatalf("opened %q", opened)
	}
	kinds.url, opened = "", ""
	test.Tap(o.openBtn)
	u.bg.wait()
	if opened != "" || u.win.Canvas().Overlays().Top() == nil {
		t.Errorf("no page: opened %q, dialog shown %v", opened, u.win.Canvas().Overlays().Top() != nil)
	}
}

// TestEveryKindTextHasASentence: every lang key a registered kind names
// (fields, options and their choices, topics) is in both translation files.
func TestEveryKindTextHasASentence(t *testing.T) {
	nl, en := readLang(t, "nl.json"), readLang(t, "en.json")
	svc := newService(t)
	for _, k := range append(svc.Kinds(), payKind(order.PlugAndPay)) {
		var keys []string
		for _, f := range k.Fields {
			keys = append(keys, f.Label, f.Hint)
		}
		for _, o := range k.Options {
			keys = append(keys, o.Label, o.Hint)
			for _, c := range o.Choices {
				keys = append(keys, o.Label+"."+c)
			}
		}
		for _, tp := range k.Topics {
			keys = append(keys, tp.Label)
		}
		for _, key := range keys {
			if key == "" {
				continue
			}
			if _, ok := nl[key]; !ok {
				t.Errorf("%s: nl.json lacks %q", k.Name, key)
			}
			if _, ok := en[key]; !ok {
				t.Errorf("%s: en.json lacks %q", k.Name, key)
			}
		}
	}
}

// TestKindErrorTextNamesTheKindsField: a missing key of a Plug&Pay form is
// "de API-sleutel", of WooCommerce's still the consumer key.
func TestKindErrorTextNamesTheKindsField(t *testing.T) {
	newTestUI(t, newService(t), "nl")
	err := &app.Error{Code: app.CodeRequired, Field: "key"}
	if got := kindErrorText(err, order.PlugAndPay); got != "Vul de API-sleutel in." {
		t.Errorf("Plug&Pay: %q", got)
	}
	if got := kindErrorText(&app.Error{Code: app.CodeAuth}, order.PlugAndPay); !strings.HasPrefix(got, "Plug&Pay weigert de API-sleutel") {
		t.Errorf("Plug&Pay auth: %q", got)
	}
	if got, want := kindErrorText(err, order.WooCommerce), errorText(err); got != want || !strings.Contains(got, "consumer key") {
		t.Errorf("WooCommerce: %q, plain %q", got, want)
	}
}

// TestWebhooksTabKindWithoutWebhooks: a polled-only kind shows a sentence
// and its options, no URL, secret or topics.
func TestWebhooksTabKindWithoutWebhooks(t *testing.T) {
	_, shopURL := newShop(t, 0)
	svc := newService(t)
	if _, err := svc.AddShop(context.Background(), app.ShopInput{Name: "Theehuis", URL: shopURL, Key: testKey, Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	k := payKind(order.WooCommerce)
	k.Webhooks, k.OwnerHookKey, k.Name = false, false, "Kassa"
	u := newTestUIWith(t, svc, Options{Language: "nl", kinds: &fakeKinds{Service: svc, kinds: []app.KindInfo{k}}})
	p := u.config.hooks
	if findButton(p.content, "Kopiëren") != nil || p.hookKey != nil || len(p.checks) != 2 || !strings.Contains(p.hint.Text, "Kassa heeft geen webhooks") {
		t.Errorf("copy shown %v, key %v, %d toggles, hint %q", findButton(p.content, "Kopiëren") != nil, p.hookKey != nil, len(p.checks), p.hint.Text)
	}
}
