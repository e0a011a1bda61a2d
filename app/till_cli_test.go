package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// The till (Linga POS) from the command line: a shop without connection
// fields whose settings are flags of shop add, a webhook secret that is a
// request header's value, and three routes without a root.

func TestTillCLIShopAddTakesTheSettings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ok := func(args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, dir, args...)
		if code != 0 {
			t.Fatalf("orderbrug %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	// Refused before anything is opened: a clock past midnight, a booking
	// that is not one, each saying what it takes; no shop is added.
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"--cutoff", "25:00"}, `--cutoff "25:00": use a time of day, HH:MM (00:00 to 23:59)`},
		{[]string{"--cutoff", "4"}, `--cutoff "4": use a time of day, HH:MM`},
		{[]string{"--booking", "weekly"}, `--booking "weekly": use daily or per-check`},
		{[]string{"--url", "https://kassa.test"}, "unknown flag: --url"},
	} {
		code, out, errOut := cli(t, dir, append([]string{"shop", "add", "pos", "--name", "Fout"}, tt.args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, tt.says) {
			t.Errorf("shop add pos %v: exit %d %q %q; want exit 2 saying %q", tt.args, code, out, errOut, tt.says)
		}
	}

	// Nothing to connect to: no "connection tested"; the settings given
	// are kept, "5:00" written as 05:00; where the URLs and the header are.
	out := ok("shop", "add", "pos", "--name", "Eetcafé De Brug", "--booking", "per-check", "--cutoff", "5:00")
	if !strings.Contains(out, "shop Eetcafé De Brug added; orders paid from") || strings.Contains(out, "connection tested") ||
		!strings.Contains(out, "when their status is closed") || !strings.Contains(out, "X-Orderbrug-Key") ||
		!strings.Contains(out, "webhook secret --shop") {
		t.Errorf("shop add pos said %q", out)
	}
	ok("shop", "add", "pos", "--name", "Kassa 2")
	var shops []app.ShopInfo
	if err := json.Unmarshal([]byte(ok("shop", "list", "--json")), &shops); err != nil || len(shops) != 2 {
		t.Fatalf("shop list: %v %+v", err, shops)
	}
	byName := map[string]app.ShopInfo{}
	for _, s := range shops {
		byName[s.Name] = s
	}
	brug, kassa := byName["Eetcafé De Brug"], byName["Kassa 2"]
	if brug.Source != order.POS || brug.KindName != "Linga POS" || brug.URL != "" ||
		!reflect.DeepEqual(brug.Options, map[string]string{"booking": "per-check", "cutoff": "05:00"}) ||
		!reflect.DeepEqual(brug.Forward, []order.Status{"closed"}) {
		t.Errorf("shop added as %+v", brug)
	}
	if !reflect.DeepEqual(kassa.Options, map[string]string{"booking": "daily", "cutoff": "04:00"}) {
		t.Errorf("the defaults: %v", kassa.Options)
	}
	// A till only pushes: its webhooks are on from the start, every topic.
	if !brug.Webhook.Enabled || !reflect.DeepEqual(brug.Webhook.Topics, []string{"open", "update", "close", "third"}) {
		t.Errorf("webhooks %+v", brug.Webhook)
	}
	if show := ok("shop", "show", "Eetcafé De Brug"); !strings.Contains(show, "settings booking per-check, cutoff 05:00") ||
		!strings.Contains(show, "webhook paths open /hooks/pos/eetcafe-de-brug/open, update /hooks/pos/eetcafe-de-brug/update, close /hooks/pos/eetcafe-de-brug/close") {
		t.Errorf("shop show:\n%s", show)
	}

	// shop set: the same settings, checked the same way.
	if out := ok("shop", "set", "Eetcafé De Brug", "--booking", "daily", "--cutoff", "05:30"); !strings.Contains(out, "booking daily, cutoff 05:30") {
		t.Errorf("shop set said %q", out)
	}
	// (--booking Per-Check is per-check, as the service takes it:
	// TestTillCLIChoiceAnyCase.)
	for _, bad := range [][]string{{"--cutoff", "24:00"}, {"--booking", "per check"}} {
		if code, out, errOut := cli(t, dir, append([]string{"shop", "set", "Eetcafé De Brug"}, bad...)...); code != 2 || out != "" ||
			!strings.Contains(errOut, bad[0]+" ") {
			t.Errorf("shop set %v: exit %d %q %q", bad, code, out, errOut)
		}
	}
	// A setting of another kind is refused on a till, a till's on another kind.
	if code, _, errOut := cli(t, dir, "shop", "set", "Kassa 2", "--recurring", "off"); code != 2 ||
		!strings.Contains(errOut, "--recurring is not a setting of Linga POS shops") {
		t.Errorf("shop set --recurring on a till: exit %d %q", code, errOut)
	}
	var si app.ShopInfo
	if err := json.Unmarshal([]byte(ok("shop", "show", "Eetcafé De Brug", "--json")), &si); err != nil ||
		!reflect.DeepEqual(si.Options, map[string]string{"booking": "daily", "cutoff": "05:30"}) {
		t.Errorf("after shop set: %v %v", si.Options, err)
	}
}

var headerLine = regexp.MustCompile(`^X-Orderbrug-Key: ([A-Za-z0-9_-]+)\n$`)

func TestTillCLIWebhookSecretAndStatus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var outputs []string
	ok := func(args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, dir, args...)
		if code != 0 {
			t.Fatalf("orderbrug %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		if args[0] != "webhook" || args[1] != "secret" {
			outputs = append(outputs, strings.Join(args, " ")+"\n"+out+errOut)
		}
		return out
	}
	ok("shop", "add", "pos", "--name", "Bar")

	// Exactly "Name: Value", the value long, random and URL-safe.
	out := ok("webhook", "secret", "--shop", "Bar")
	m := headerLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("webhook secret printed %q, want \"X-Orderbrug-Key: <value>\"", out)
	}
	secret := m[1]
	if b, err := base64.RawURLEncoding.DecodeString(secret); err != nil || len(b) < 32 {
		t.Errorf("secret %d characters, %d random bytes (%v); want at least 32", len(secret), len(b), err)
	}
	var js map[string]string
	if err := json.Unmarshal([]byte(ok("webhook", "secret", "--shop", "Bar", "--json")), &js); err != nil ||
		!reflect.DeepEqual(js, map[string]string{"header": "X-Orderbrug-Key", "secret": secret}) {
		t.Errorf("webhook secret --json: %v %v", js, err)
	}
	ok("shop", "add", "pos", "--name", "Terras")
	if other := ok("webhook", "secret", "--shop", "Terras"); other == out {
		t.Error("two tills got the same secret")
	}

	// webhook status --json: the three routes, no root; the header's name.
	var st map[string]map[string]any
	if err := json.Unmarshal([]byte(ok("webhook", "status", "--shop", "Bar", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	bar := st["Bar"]
	want := map[string]any{"open": "/hooks/pos/bar/open", "update": "/hooks/pos/bar/update", "close": "/hooks/pos/bar/close"}
	if !reflect.DeepEqual(bar["paths"], want) || bar["header"] != "X-Orderbrug-Key" || bar["enabled"] != true {
		t.Errorf("webhook status --json: paths %v, header %v, enabled %v", bar["paths"], bar["header"], bar["enabled"])
	}
	var errs []string
	checkJSON("Bar", bar, false, &errs)
	for _, e := range errs {
		t.Error(e)
	}

	// The topics of the till; another kind's refused.
	ok("webhook", "on", "--shop", "Bar", "--topics", "open,close")
	if code, _, errOut := cli(t, dir, "webhook", "on", "--shop", "Bar", "--topics", "order.created"); code != 2 ||
		!strings.Contains(errOut, `no topic "order.created"`) {
		t.Errorf("a WooCommerce topic on a till: exit %d %q", code, errOut)
	}
	ok("webhook", "on", "--shop", "Bar", "--topics", "open,update,close,third")
	if err := json.Unmarshal([]byte(ok("webhook", "status", "--shop", "Bar", "--json")), &st); err != nil ||
		!reflect.DeepEqual(st["Bar"]["topics"], []any{"open", "update", "close", "third"}) {
		t.Errorf("topics %v (%v)", st["Bar"]["topics"], err)
	}
	text := ok("webhook", "status", "--shop", "Bar")
	if !strings.Contains(text, "Bar: webhooks on, topics open,update,close,third, paths open /hooks/pos/bar/open, update /hooks/pos/bar/update, close /hooks/pos/bar/close") ||
		!strings.Contains(text, "header X-Orderbrug-Key") || strings.Contains(text, "registered") {
		t.Errorf("webhook status:\n%s", text)
	}
	// With a public URL: the full addresses to paste.
	ok("tunnel", "set", "--public-url", "https://orderbrug.example.nl", "--listen", "127.0.0.1:18788")
	if err := json.Unmarshal([]byte(ok("webhook", "status", "--shop", "Bar", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if urls := st["Bar"]["urls"]; !reflect.DeepEqual(urls, map[string]any{"open": "https://orderbrug.example.nl/hooks/pos/bar/open",
		"update": "https://orderbrug.example.nl/hooks/pos/bar/update", "close": "https://orderbrug.example.nl/hooks/pos/bar/close"}) {
		t.Errorf("urls %v", urls)
	}
	if text := ok("webhook", "status", "--shop", "Bar"); !strings.Contains(text, "    open https://orderbrug.example.nl/hooks/pos/bar/open\n"+
		"    update https://orderbrug.example.nl/hooks/pos/bar/update\n    close https://orderbrug.example.nl/hooks/pos/bar/close\n") {
		t.Errorf("webhook status with a public URL:\n%s", text)
	}

	// The secret is printed by webhook secret only.
	for _, args := range [][]string{{"shop", "list", "--json"}, {"shop", "show", "Bar"}, {"shop", "show", "Bar", "--json"},
		{"kinds"}, {"kinds", "--json"}, {"log", "--json"}, {"log"}, {"webhook", "status"}, {"webhook", "status", "--json"}} {
		ok(args...)
	}
	for _, o := range outputs {
		if strings.Contains(o, secret) {
			t.Errorf("the till's secret is in the output of %s", o)
		}
	}
}

// TestTillOptionsThroughTheService: the service checks a till's settings
// as the command line does, for the window: the field at fault and what it
// takes.
func TestTillOptionsThroughTheService(t *testing.T) {
	ctx := context.Background()
	svc, err := app.Open(ctx, app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	for field, opts := range map[string]map[string]string{
		"booking": {"booking": "weekly"}, "cutoff": {"cutoff": "25:00"},
	} {
		_, err := svc.AddShop(ctx, app.ShopInput{Name: "Bar", Source: order.POS, Options: opts})
		if app.CodeOf(err) != app.CodeInvalid || app.FieldOf(err) != field {
			t.Errorf("%v: %v (code %s, field %s)", opts, err, app.CodeOf(err), app.FieldOf(err))
		}
	}
	si, err := svc.AddShop(ctx, app.ShopInput{Name: "Bar", Source: order.POS, Options: map[string]string{"cutoff": " 4:00", "booking": "Per-Check"}})
	if err != nil || !reflect.DeepEqual(si.Options, map[string]string{"booking": "per-check", "cutoff": "04:00"}) {
		t.Fatalf("add: %v %v", si.Options, err)
	}
	if err := svc.SetShopOptions(ctx, "Bar", map[string]string{"cutoff": "3:60"}); app.CodeOf(err) != app.CodeInvalid || app.FieldOf(err) != "cutoff" ||
		!strings.Contains(err.Error(), "HH:MM") {
		t.Errorf("set a bad cutoff: %v", err)
	}
	if err := svc.SetShopOptions(ctx, "Bar", map[string]string{"cutoff": "23:59"}); err != nil {
		t.Fatal(err)
	}
	if si, _ = svc.Shop(ctx, "Bar"); !reflect.DeepEqual(si.Options, map[string]string{"booking": "per-check", "cutoff": "23:59"}) {
		t.Errorf("after set: %v", si.Options)
	}
	// No connection to test: TestConnection gives the till's two statuses.
	st, err := svc.TestConnection(ctx, app.ShopInput{Name: "Nieuw", Source: order.POS})
	if err != nil || len(st) < 2 || st[0].Slug != "open" || st[1].Slug != "closed" {
		t.Errorf("test connection: %v %v", st, err)
	}
}

// TestTillCLIKinds: kinds says what a till takes.
func TestTillCLIKinds(t *testing.T) {
	code, out, _ := cli(t, filepath.Join(t.TempDir(), "data"), "kinds")
	want := "pos (Linga POS)\n  shop add pos --name N\n  shop set NAME [--booking daily|per-check (default daily)] [--cutoff HH:MM (default 04:00)]\n" +
		"  (shop add pos takes the settings too)\n  webhook topics: open,update,close,third\n" +
		"  webhooks carry the request header X-Orderbrug-Key: orderbrug webhook secret --shop N prints it with its value\n"
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("kinds: exit %d, lacks\n%s\nin\n%s", code, want, out)
	}
	if !strings.Contains(app.Usage, "  shop add pos --name N [--booking daily|per-check] [--cutoff HH:MM]\n") {
		t.Errorf("usage:\n%s", app.Usage)
	}
	var kinds []app.KindInfo
	_, js, _ := cli(t, filepath.Join(t.TempDir(), "data"), "kinds", "--json")
	if err := json.Unmarshal([]byte(js), &kinds); err != nil || kinds[0].Kind != order.POS || kinds[0].HookHeader != "X-Orderbrug-Key" ||
		!reflect.DeepEqual(kinds[0].Options[0].Choices, []string{"daily", "per-check"}) || len(kinds[0].Fields) != 0 {
		t.Errorf("kinds --json: %+v %v", kinds, err)
	}
}

// TestTillDayCollectingIsNoAttention: a till's day summary parked while
// its day collects checks, and a check of a table still eating, leave the
// health "ok" (they ask nothing of anyone); a closed check parked for its
// status is attention as any order is.
func TestTillDayCollectingIsNoAttention(t *testing.T) {
	ctx := context.Background()
	svc, err := app.Open(ctx, app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.AddShop(ctx, app.ShopInput{Name: "Bar", Source: order.POS}); err != nil {
		t.Fatal(err)
	}
	sh, err := svc.Store().ShopByName(ctx, "Bar")
	if err != nil {
		t.Fatal(err)
	}
	park := func(o order.Order, reason, arg string) {
		t.Helper()
		o.Source, o.Currency, o.Created, o.Modified = order.POS, "EUR", time.Now().Add(-time.Hour), time.Now().Add(-time.Hour)
		decide := func(*store.Record, order.Order) store.Decision {
			return store.Decision{State: store.Parked, Reason: reason, ReasonArg: arg}
		}
		if _, err := svc.Store().Apply(ctx, []store.Observation{{ShopID: sh.ID, Order: o}}, decide); err != nil {
			t.Fatal(err)
		}
	}
	park(order.Order{ID: "day/2026-12-01", Number: "dag-2026-12-01", Status: "open"}, app.ReasonDayCollecting,
		`{"day":"2026-12-01","checks":"12","closes":"2026-12-02T04:00:00+01:00"}`)
	ov, err := svc.Overview(ctx)
	if err != nil || ov.Health != "ok" || len(ov.Shops) != 1 || ov.Shops[0].Parked != 1 {
		t.Fatalf("a collecting day: health %q, %d shops (%v)", ov.Health, len(ov.Shops), err)
	}
	// A table's check not yet paid: parked as it should be, the till
	// closes it.
	park(order.Order{ID: "77", Number: "77", Status: "open"}, app.ReasonNotForwarded, "open")
	if ov, err = svc.Overview(ctx); err != nil || ov.Health != "ok" || ov.Shops[0].Parked != 2 {
		t.Errorf("a parked open check: health %q (%v)", ov.Health, err)
	}
	// A closed check parked (booked per check, the forward set emptied):
	// that waits on a person.
	park(order.Order{ID: "78", Number: "78", Status: "closed"}, app.ReasonNotForwarded, "closed")
	if ov, err = svc.Overview(ctx); err != nil || ov.Health != "attention" {
		t.Errorf("a parked closed check: health %q (%v)", ov.Health, err)
	}
}
