package ui

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
)

func readLang(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "assets", "lang", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestLangFilesHaveTheSameKeys(t *testing.T) {
	nl, en := readLang(t, "nl.json"), readLang(t, "en.json")
	for k, v := range nl {
		w, ok := en[k]
		if !ok {
			t.Errorf("en.json lacks %q", k)
			continue
		}
		if _, plural := v.(map[string]any); plural != isMap(w) {
			t.Errorf("%q is plural in one file only", k)
		}
	}
	for k := range en {
		if _, ok := nl[k]; !ok {
			t.Errorf("nl.json lacks %q", k)
		}
	}
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

// usedKeys are the literal keys of lang.L/N/X calls in the package's code
// and the keys made from code lists.
func usedKeys(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	// The program's own sentence (a window start that failed, Windows).
	mains, _ := filepath.Glob("../main*.go")
	files = append(files, mains...)
	re := regexp.MustCompile(`lang\.[LNX]\("([^"]+)"`)
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix such as "error." + code
				seen[m[1]] = true
			}
		}
	}
	add := func(prefix string, list []string, suffix string) {
		for _, x := range list {
			seen[prefix+x+suffix] = true
		}
	}
	add("error.", errorCodes, "")
	add("error.", errorCodes, ".field")
	add("reason.", reasonCodes, "")
	add("event.", eventCodes, "")
	add("field.", fieldNames, "")
	add("pollkind.", pollKinds, "")
	add("tunnel.state.", tunnelStates, "")
	add("status.", coreStatuses, "")
	// The topics' labels are the kinds' own (WooCommerce's "topic." + its
	// topic, the till's "topic.pos." + its).
	for _, k := range new(app.Service).Kinds() {
		for _, tp := range k.Topics {
			seen[tp.Label] = true
		}
	}
	add("health.", []string{"ok", "attention", "error"}, "")
	add("level.", []string{string(app.LevelInfo), string(app.LevelWarn), string(app.LevelError)}, "")
	add("kind.", []string{string(order.KindInvoice), string(order.KindCreditNote)}, "")
	add("seller.", []string{order.SellerName, "contact", order.SellerKvK, order.SellerVATID, order.SellerStreet,
		order.SellerPostcode, order.SellerCity, order.SellerCountry, order.SellerIBAN, "bic", "email"}, "")
	add("", []string{"Cancel", "OK", "Yes", "No", "Open", "Save", "Error", "Confirm"}, "") // Fyne's dialogs
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestEveryKeyUsedIsTranslated(t *testing.T) {
	nl, en := readLang(t, "nl.json"), readLang(t, "en.json")
	keys := usedKeys(t)
	if len(keys) < 200 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
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

// TestEveryEventCodeHasASentence reads the engine's and the service's
// sources for the event and reason codes they write, so a new code without
// a sentence fails here rather than showing as a bare code.
func TestEveryEventCodeHasASentence(t *testing.T) {
	codeRE := regexp.MustCompile(`(?:Code: *|, )"([a-z][a-z_]+)"`)
	reasonRE := regexp.MustCompile(`Reason\w+ *= *"([a-z_]+)"`)
	// The engine's decide helper: ev(store.Warn, "code", args).
	evRE := regexp.MustCompile(`ev\(store\.\w+, *"([a-z][a-z_]+)"`)
	// A code chosen before the event is written: code := "webhook_on".
	varRE := regexp.MustCompile(`\bcode :?= *"([a-z][a-z_]+)"`)
	var files []string
	for _, g := range []string{"../sync/engine/*.go", "../app/*.go"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	events, reasons := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		src := string(b)
		for _, m := range codeRE.FindAllStringSubmatch(src, -1) {
			// ", "x"" also matches other string lists; keep those that
			// sit in an event (Code: or the book.go level/code pairs).
			if strings.Contains(m[0], "Code") || strings.HasPrefix(m[1], "booking_") {
				events[m[1]] = true
			}
		}
		for _, m := range evRE.FindAllStringSubmatch(src, -1) {
			events[m[1]] = true
		}
		for _, m := range varRE.FindAllStringSubmatch(src, -1) {
			events[m[1]] = true
		}
		for _, m := range reasonRE.FindAllStringSubmatch(src, -1) {
			reasons[m[1]] = true
		}
	}
	// The online ledgers' warnings: their Warn* constants (the engine
	// makes each an event).
	warnRE := regexp.MustCompile(`Warn\w+ *= *"([a-z_]+)"`)
	warnFiles, _ := filepath.Glob("../sync/ledger/*/*.go")
	base, _ := filepath.Glob("../sync/ledger/*.go")
	for _, f := range append(warnFiles, base...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range warnRE.FindAllStringSubmatch(string(b), -1) {
			events[m[1]] = true
		}
	}
	if !events["ledger_vat_differs"] || !events["ledger_net_differs"] {
		t.Fatalf("the scan of the ledgers' warnings found %v: it is broken", events)
	}
	if !events["booking_failed"] || !events["poll_done"] || !events["shop_added"] {
		t.Fatalf("scan found %v: it is broken", events)
	}
	for c := range events {
		if !contains(eventCodes, c) {
			t.Errorf("event code %q has no sentence (add it to eventCodes and the lang files)", c)
		}
	}
	for c := range reasons {
		if !contains(reasonCodes, c) {
			t.Errorf("reason code %q has no sentence", c)
		}
	}
}

func TestEventSentences(t *testing.T) {
	svc := newService(t)
	newTestUI(t, svc, "nl")
	for _, c := range []struct {
		ev   app.Event
		want string
	}{
		{app.Event{Code: "poll_done", Args: map[string]string{"new": "3", "changed": "1"}}, "Bestellingen opgehaald: 3 nieuw, 1 gewijzigd."},
		{app.Event{Code: "order_parked", OrderNo: "1001", Args: map[string]string{"reason": "status_not_forwarded", "status": "on-hold"}},
			"Bestelling 1001 staat open: Status ‘In de wacht’ wordt niet doorgezet."},
		{app.Event{Code: "poll_failed", Args: map[string]string{"kind": "auth"}}, "Bestellingen ophalen mislukt: de sleutels worden geweigerd"},
		{app.Event{Code: "booked", OrderNo: "7", Args: map[string]string{"kind": "invoice", "invoice": "F-7"}}, "Bestelling 7 geboekt als factuur F-7."},
		{app.Event{Code: "forward_changed", Args: map[string]string{"statuses": "processing,verzonden", "changed": "4"}},
			"Doorgezette statussen: In behandeling, verzonden (4 bestellingen opnieuw beoordeeld)."},
		// An unknown code shows itself, its arguments and detail.
		{app.Event{Code: "brand_new", OrderNo: "9", Args: map[string]string{"b": "2", "a": "{{x}}"}, Detail: "boom"},
			"brand_new a={{x}} b=2 #9: boom"},
	} {
		if got := eventText(c.ev); got != c.want {
			t.Errorf("%s: %q, want %q", c.ev.Code, got, c.want)
		}
	}
	applyLanguage("en")
	defer applyLanguage("nl")
	if got := eventText(app.Event{Code: "poll_done", Args: map[string]string{"new": "3", "changed": "1"}}); got != "Orders fetched: 3 new, 1 changed." {
		t.Errorf("en: %q", got)
	}
}

// TestChangeNotesAreTranslated: the engine's change note is English (it
// is also logged); every sentence that shows it writes it in the interface
// language, and the VAT-per-rate sentence puts each figure in its place.
func TestChangeNotesAreTranslated(t *testing.T) {
	svc := newService(t)
	newTestUI(t, svc, "nl")
	note := "status cancelled; total 42.06 -> 35.00"
	for name, got := range map[string]string{
		"event":     eventText(app.Event{Code: "changed_after_booking", OrderNo: "9", Args: map[string]string{"note": note, "status": "cancelled"}}),
		"credited":  eventText(app.Event{Code: "change_credited", OrderNo: "9", Args: map[string]string{"note": note, "amount": "7.06"}}),
		"handled":   eventText(app.Event{Code: "change_handled", OrderNo: "9", Args: map[string]string{"note": "total 40.00 -> 45.00"}}),
		"attention": attentionText(app.Attention{Shop: "Koffiebar", Reason: "changed_after_booking", Count: 1, Args: map[string]string{"note": note}}),
	} {
		for _, english := range []string{"status cancelled", "total ", "->", "7.06"} {
			if strings.Contains(got, english) {
				t.Errorf("%s: %q shows the engine's %q", name, got, english)
			}
		}
		if !strings.Contains(got, "35,00") && !strings.Contains(got, "45,00") && !strings.Contains(got, "7,06") {
			t.Errorf("%s: %q lost the figures", name, got)
		}
	}
	got := reasonSentence("vat_subtotal", map[string]string{"rate": "21", "taxable": "100.00", "got": "21.50", "want": "21.00"})
	if want := "De btw over 21% klopt niet: op de factuur € 21,50, berekend € 21,00 (grondslag € 100,00)."; got != want {
		t.Errorf("vat_subtotal: %q, want %q (got is the shop's VAT, want taxable × rate)", got, want)
	}
}

func TestErrorSentences(t *testing.T) {
	svc := newService(t)
	newTestUI(t, svc, "nl")
	for _, code := range errorCodes {
		if got := errorText(&app.Error{Code: code}); got == "" || strings.HasPrefix(got, "error.") {
			t.Errorf("%s: no sentence (%q)", code, got)
		}
	}
	if got := errorText(&app.Error{Code: app.CodeRequired, Field: "url"}); got != "Vul het adres in." {
		t.Errorf("required url: %q", got)
	}
	if got := errorText(&app.Error{Code: app.CodeInvalid, Field: "kvk", Err: order.ValidKvK("12")}); got != "Een KvK-nummer bestaat uit precies 8 cijfers." {
		t.Errorf("kvk: %q", got)
	}
	if got := errorText(errors.New("something")); got != lang.L("error.internal") {
		t.Errorf("plain error: %q", got)
	}
}
