package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
	"github.com/orderbrug/orderbrug/sync/store"
)

var snakeKey = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// dataKeys are objects whose keys are data, not field names: a shop's
// name, a reason's figures, HTTP header names, route names.
var dataKeys = map[string]bool{"args": true, "headers": true, "paths": true, "urls": true}

// durationKey names a field that holds a duration.
var durationKey = regexp.MustCompile(`(^|_)(interval|duration|timeout|delay|age|every|period|lookback)$`)

// checkJSON walks a decoded --json output and reports every key that is not
// snake_case, every duration that is not a string such as "15m", every
// number that looks like a time.Duration in nanoseconds, and every zero
// time (never must be null).
func checkJSON(path string, v any, dataKeysHere bool, errs *[]string) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !dataKeysHere && !snakeKey.MatchString(k) {
				*errs = append(*errs, fmt.Sprintf("%s: key %q is not snake_case", path, k))
			}
			p := path + "." + k
			if !dataKeysHere && durationKey.MatchString(k) && !strings.HasSuffix(k, "_days") {
				s, ok := v[k].(string)
				if _, err := time.ParseDuration(s); !ok || err != nil {
					*errs = append(*errs, fmt.Sprintf("%s: duration %v is not a string such as \"15m\"", p, v[k]))
				}
			}
			checkJSON(p, v[k], !dataKeysHere && dataKeys[k], errs)
		}
	case []any:
		for i, e := range v {
			checkJSON(fmt.Sprintf("%s[%d]", path, i), e, false, errs)
		}
	case string:
		if strings.HasPrefix(v, "0001-01-01") {
			*errs = append(*errs, fmt.Sprintf("%s: zero time %q (never is null)", path, v))
		}
		if d, err := time.ParseDuration(v); err == nil && d != 0 && strings.HasSuffix(v, "0s") && len(v) > 2 {
			*errs = append(*errs, fmt.Sprintf("%s: duration %q has zero units (write %q)", path, v, strings.TrimSuffix(v, "0s")))
		}
	case float64:
		// Nanosecond durations: whole seconds of at least one, as
		// time.Duration marshals them.
		if v >= 1e9 && v == float64(int64(v)) && int64(v)%1e9 == 0 {
			*errs = append(*errs, fmt.Sprintf("%s: %v looks like a duration in nanoseconds", path, v))
		}
	}
}

func TestCheckJSONFindsWhatItMust(t *testing.T) {
	for in, want := range map[string]string{
		`{"Shop": "x"}`:                          `key "Shop"`,
		`{"bookings": [{"NextAt": null}]}`:       `key "NextAt"`,
		`{"shopName": 1}`:                        `key "shopName"`,
		`{"interval": 900000000000}`:             `duration`,
		`{"poll": {"interval": "15m0s"}}`:        `zero units`,
		`{"last_poll": "0001-01-01T00:00:00Z"}`:  `zero time`,
		`{"x": [{"timeout": 5}]}`:                `duration 5`,
		`{"args": {"Missing": "x"}, "A": 1}`:     `key "A"`,
		`{"args": {"x": {"Nested": 1}}, "a": 1}`: `key "Nested"`,
		`{"args": {"Missing": "x"}, "a": 1}`:     ``,
	} {
		var v any
		if err := json.Unmarshal([]byte(in), &v); err != nil {
			t.Fatal(err)
		}
		var errs []string
		checkJSON("", v, false, &errs)
		got := strings.Join(errs, "; ")
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	// The keys of "args" are data; an object below them is checked again.
}

// jsonCommands are every command with --json, run on a populated data
// directory. The test fails when the usage lists one that is not here.
func jsonCommands(shop, booked, parked, refunded string) [][]string {
	return [][]string{
		{"kinds", "--json"},
		{"shop", "list", "--json"},
		{"shop", "show", shop, "--json"},
		{"seller", "show", "--json"},
		{"orders", "--json"},
		{"orders", "--state", "parked", "--json"},
		{"orders", "--state", "unbookable", "--json"},
		{"housekeeping", "--json"},
		{"housekeeping", "run", "--json"},
		{"order", "show", shop, booked, "--json"},
		{"order", "show", shop, refunded, "--json"},
		{"order", "check", shop, parked, "--json"},
		{"order", "ignore", shop, parked, "--json"},
		{"order", "unignore", shop, parked, "--json"},
		{"order", "book", shop, parked, "--json"},
		{"log", "--json"},
		{"webhook", "status", "--json"},
		{"tunnel", "status", "--json"},
		{"ledger", "status", "--json"},
		{"inbox", "--json"},
		{"inbox", "--rejected", "--json"},
		// Delivery 1 (the test stores it), before a sync fetches the same
		// change (the delivery would then be a repeat, without its body).
		{"inbox", "replay", "1", "--json"},
		{"sync", "--json"},
	}
}

// onlineLedgerJSONCommands are the --json commands that need an online
// ledger: TestJSONShapeOfOnlineLedgers runs them.
var onlineLedgerJSONCommands = [][]string{
	{"ledger", "status", "--json"},
	{"ledger", "vat-map", "--json"},
}

// TestJSONShape: every command's --json output on a data directory with
// shops, bookings, refunds, parked orders and events has snake_case keys
// only, durations as strings ("15m"), and null for what never happened.
func TestJSONShape(t *testing.T) {
	emu := wcemu.New(testKey, testSecret)
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.SetURL(srv.URL)
	ids := emu.AddDutch(25, 3)
	dir := filepath.Join(t.TempDir(), "data")
	ok := func(args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, dir, args...)
		if code != 0 && code != 3 {
			t.Fatalf("orderbrug %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	// Two shops (no engine runs: no next poll), a seller, a ledger, a sync that books.
	ok("shop", "add", "woocommerce", "--name", "Koffiebar", "--url", srv.URL, "--key", testKey, "--secret", testSecret,
		"--since", "2020-01-01", "--interval", "1h30m")
	ok("seller", "set", "--name", "Koffie & Thee <De Boon> B.V.", "--kvk", "12345678", "--vat", "NL123456789B01",
		"--street", "Oudegracht 1", "--postcode", "3511 AA", "--city", "Utrecht", "--country", "NL", "--iban", "NL91ABNA0417164300")
	// What a script greps for is what was typed: no \u0026 for &.
	if out := ok("seller", "show", "--json"); !strings.Contains(out, `"company": "Koffie & Thee <De Boon> B.V."`) {
		t.Errorf("seller show --json escapes the name:\n%s", out)
	}
	ok("ledger", "ubl", "--dir", filepath.Join(t.TempDir(), "facturen"))
	ok("sync")
	ok("shop", "add", "woocommerce", "--name", "Theehuis", "--url", srv.URL, "--key", testKey, "--secret", testSecret)
	// The inbox: a delivery not processed yet (never: null) and a refusal.
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// A delivery of a change the shop made since the sync: its body is kept
	// (a repeat of what is stored would not be) and replay can process it.
	emu.SetClock(func() time.Time { return time.Now().Add(time.Minute) }) // a newer modified
	emu.Update(ids[0], func(o *wcemu.Order) {
		if o.Status == "on-hold" {
			o.Status = "pending"
		} else {
			o.Status = "on-hold"
		}
	})
	body, _ := emu.OrderJSON(ids[0])
	if _, err := st.AddDelivery(context.Background(), store.Delivery{Source: "woocommerce", Shop: "koffiebar", Topic: "order.updated",
		OrderID: strconv.FormatInt(ids[0], 10), Headers: map[string]string{"X-WC-Webhook-Topic": "order.updated"},
		Body: body, ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddRejection(context.Background(), store.Rejection{Source: "woocommerce", Shop: "koffiebar", Status: 401,
		Reason: "signature", ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	var booked, parked, refunded string
	var views []app.OrderView
	if err := json.Unmarshal([]byte(ok("orders", "--shop", "Koffiebar", "--json")), &views); err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		switch {
		case v.State == app.Booked && booked == "":
			booked = v.Number
		case v.State == app.Parked && parked == "":
			parked = v.Number
		}
		id, _ := strconv.ParseInt(v.ID, 10, 64)
		if len(emu.Refunds(id)) > 0 && refunded == "" {
			refunded = v.Number
		}
	}
	if booked == "" || parked == "" || refunded == "" {
		t.Fatalf("the seed has no booked (%q), parked (%q) or refunded (%q) order in %d", booked, parked, refunded, len(ids))
	}

	cmds := jsonCommands("Koffiebar", booked, parked, refunded)
	// Every command the usage gives --json is run here, or with an online
	// ledger in TestJSONShapeOfOnlineLedgers.
	have := map[string]bool{}
	for _, c := range append(append([][]string{}, cmds...), onlineLedgerJSONCommands...) {
		have[c[0]] = true
		have[c[0]+" "+c[1]] = true
	}
	for _, line := range strings.Split(app.Usage, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.Contains(line, "--json") || strings.HasPrefix(f[0], "-") {
			continue
		}
		// "order book|ignore|...|show SHOP NUMBER": one of the actions
		// (they print the same); "shop list": that subcommand.
		names := []string{f[0]}
		if len(f) > 1 && !strings.HasPrefix(f[1], "-") && !strings.HasPrefix(f[1], "[") && strings.ToLower(f[1]) == f[1] {
			names = nil
			for _, a := range strings.Split(f[1], "|") {
				names = append(names, f[0]+" "+a)
			}
		}
		covered := false
		for _, n := range names {
			covered = covered || have[n]
		}
		if !covered {
			t.Errorf("usage gives %v --json, the test does not run it", names)
		}
	}

	for _, c := range cmds {
		out := ok(c...)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("orderbrug %s: not JSON: %v\n%s", strings.Join(c, " "), err, out)
			continue
		}
		var errs []string
		// webhook status is an object per shop name: its top keys are data.
		top := c[0] == "webhook"
		if m, isMap := v.(map[string]any); top && isMap {
			for k, sub := range m {
				checkJSON(k, sub, false, &errs)
			}
		} else {
			checkJSON("", v, false, &errs)
		}
		for _, e := range errs {
			t.Errorf("orderbrug %s: %s", strings.Join(c, " "), e)
		}
	}

	// The figures themselves: the interval as a person writes it, null for
	// the shop never polled, and the bookings in snake_case.
	out := ok("shop", "list", "--json")
	for _, want := range []string{`"interval": "1h30m"`, `"interval": "15m"`, `"next_poll": null`} {
		if !strings.Contains(out, want) {
			t.Errorf("shop list --json lacks %s:\n%s", want, out)
		}
	}
	show := ok("order", "show", "Koffiebar", booked, "--json")
	for _, want := range []string{`"bookings": [`, `"next_at": "`, `"order_id": "`, `"paid": `} {
		if !strings.Contains(show, want) {
			t.Errorf("order show --json lacks %s:\n%s", want, show)
		}
	}
	// And back: Go clients decode what the commands print.
	var shops []app.ShopInfo
	if err := json.Unmarshal([]byte(out), &shops); err != nil || len(shops) != 2 || shops[0].Interval != 90*time.Minute ||
		shops[1].Interval != app.DefaultPollInterval || !shops[1].NextPoll.IsZero() || shops[0].LastPoll.IsZero() {
		t.Errorf("shop list --json read back: %+v, %v", shops, err)
	}
	var d app.OrderDetail
	if err := json.Unmarshal([]byte(show), &d); err != nil || len(d.Bookings) == 0 || d.Bookings[0].ExtID == "" ||
		d.Bookings[0].NextAt.IsZero() || d.Bookings[0].State != "done" || d.Number != booked {
		t.Errorf("order show --json read back: %+v, %v", d.Bookings, err)
	}
	var res app.SyncResult
	if err := json.Unmarshal([]byte(ok("sync", "--json")), &res); err != nil || len(res.Polls) != 2 || res.Polls[0].Cursor.IsZero() {
		t.Errorf("sync --json read back: %+v, %v", res, err)
	}
}

// TestJSONDurations: durations are written as a person writes them and read
// back.
func TestJSONDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{15 * time.Minute: "15m", time.Hour: "1h", 90 * time.Minute: "1h30m",
		24 * time.Hour: "24h", 90 * time.Second: "1m30s", 45 * time.Second: "45s", 0: "0s", 61*time.Minute + time.Second: "1h1m1s"} {
		b, err := json.Marshal(app.ShopInfo{Interval: d})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"interval":"`+want+`"`)) {
			t.Errorf("%v: %s, want interval %q", d, b, want)
		}
		var back app.ShopInfo
		if err := json.Unmarshal(b, &back); err != nil || back.Interval != d {
			t.Errorf("%v read back as %v (%v)", d, back.Interval, err)
		}
		in := app.ShopInput{Name: "x", Interval: d, Key: "ck_k", Secret: "cs_s"}
		if b, err = json.Marshal(in); err != nil || !bytes.Contains(b, []byte(`"interval":"`+want+`"`)) || bytes.Contains(b, []byte("cs_s")) {
			t.Errorf("shop input %v: %s (%v)", d, b, err)
		}
		var backIn app.ShopInput
		if err := json.Unmarshal(b, &backIn); err != nil || backIn.Interval != d || backIn.Name != "x" {
			t.Errorf("shop input %v read back as %+v (%v)", d, backIn, err)
		}
	}
	// A never-paid order's paid is null; a paid one's is its time.
	paid := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		paid time.Time
		want string
	}{{time.Time{}, `"paid":null`}, {paid, `"paid":"2026-03-01T10:00:00Z"`}} {
		b, err := json.Marshal(app.OrderDetail{Order: order.Order{Paid: tt.paid}})
		if err != nil || !bytes.Contains(b, []byte(tt.want)) {
			t.Errorf("order paid %v: %s (%v), want %s", tt.paid, b, err, tt.want)
		}
	}
}

// fill sets every exported field of v, at every depth, to a value that is
// not zero (one element in a slice or map), so that omitempty leaves nothing
// out.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(7)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem())
		v.Set(p)
	}
}

// fieldCount is how many JSON keys a struct of type t has when every field
// is set: its exported fields, embedded structs flattened, json:"-" left out.
func fieldCount(t reflect.Type) int {
	n := 0
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		switch {
		case !f.IsExported() || f.Tag.Get("json") == "-":
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			n += fieldCount(f.Type)
		default:
			n++
		}
	}
	return n
}

// TestJSONKeepsEveryField: the hand-written JSON shapes (jsonout.go) carry
// every field of the types they stand for, so a field added to one of them
// (here or in engine, store, order) cannot silently go missing from --json:
// add it to the shape.
func TestJSONKeepsEveryField(t *testing.T) {
	keys := func(t *testing.T, v any, path ...any) map[string]any {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, p := range path {
			switch p := p.(type) {
			case string:
				m = m.(map[string]any)[p]
			case int:
				m = m.([]any)[p]
			}
		}
		return m.(map[string]any)
	}
	check := func(name string, got map[string]any, typ reflect.Type) {
		if want := fieldCount(typ); len(got) != want {
			var ks []string
			for k := range got {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			t.Errorf("%s: %d keys %v, %s has %d fields: add the new one to its shape in jsonout.go", name, len(got), ks, typ, want)
		}
	}
	var sr app.SyncResult
	fill(reflect.ValueOf(&sr).Elem())
	check("sync", keys(t, sr), reflect.TypeOf(sr))
	check("sync polls", keys(t, sr, "polls", 0), reflect.TypeOf(sr.Polls[0]))
	check("sync booked", keys(t, sr, "booked"), reflect.TypeOf(sr.Booked))

	var d app.OrderDetail
	fill(reflect.ValueOf(&d).Elem())
	check("order show", keys(t, d), reflect.TypeOf(d))
	check("order show bookings", keys(t, d, "bookings", 0), reflect.TypeOf(d.Bookings[0]))
	check("order show events", keys(t, d, "events", 0), reflect.TypeOf(d.Events[0]))
	check("order show order", keys(t, d, "order"), reflect.TypeOf(d.Order))
	check("order show refunds", keys(t, d, "order", "refunds", 0), reflect.TypeOf(d.Order.Refunds[0]))

	var si app.ShopInfo
	fill(reflect.ValueOf(&si).Elem())
	check("shop show", keys(t, si), reflect.TypeOf(si))
	check("shop show webhook", keys(t, si, "webhook"), reflect.TypeOf(si.Webhook))
	var ov app.Overview
	fill(reflect.ValueOf(&ov).Elem())
	check("overview", keys(t, ov), reflect.TypeOf(ov))
	check("overview shops", keys(t, ov, "shops", 0), reflect.TypeOf(ov.Shops[0]))
	check("overview recent", keys(t, ov, "recent", 0), reflect.TypeOf(ov.Recent[0]))
}

// TestJSONShapeOfATill: the --json output of a till's commands (a kind
// without fields, with choice and clock settings, three routes without a
// root and a header secret) keeps the rules of TestJSONShape, and the
// paths, header and settings are where a script reads them.
func TestJSONShapeOfATill(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ok := func(args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, dir, args...)
		if code != 0 {
			t.Fatalf("orderbrug %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	ok("shop", "add", "pos", "--name", "Bar", "--booking", "per-check")
	ok("tunnel", "set", "--public-url", "https://orderbrug.example.nl", "--listen", "127.0.0.1:18790")
	for _, c := range [][]string{{"kinds", "--json"}, {"shop", "list", "--json"}, {"shop", "show", "Bar", "--json"},
		{"webhook", "status", "--json"}, {"webhook", "secret", "--shop", "Bar", "--json"}, {"log", "--json"}, {"orders", "--json"}} {
		out := ok(c...)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("orderbrug %s: not JSON: %v\n%s", strings.Join(c, " "), err, out)
			continue
		}
		var errs []string
		if m, isMap := v.(map[string]any); isMap && c[0] == "webhook" && c[1] == "status" {
			for k, sub := range m {
				checkJSON(k, sub, false, &errs)
			}
		} else {
			checkJSON("", v, false, &errs)
		}
		for _, e := range errs {
			t.Errorf("orderbrug %s: %s", strings.Join(c, " "), e)
		}
	}
	var si struct {
		Options map[string]string `json:"options"`
		Webhook struct {
			Paths  map[string]string `json:"paths"`
			URLs   map[string]string `json:"urls"`
			Header string            `json:"header"`
		} `json:"webhook"`
	}
	if err := json.Unmarshal([]byte(ok("shop", "show", "Bar", "--json")), &si); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(si.Options, map[string]string{"booking": "per-check", "cutoff": "04:00"}) ||
		len(si.Webhook.Paths) != 3 || si.Webhook.Paths["orders"] != "" || si.Webhook.Header != "X-Orderbrug-Key" ||
		si.Webhook.URLs["close"] != "https://orderbrug.example.nl/hooks/pos/bar/close" {
		t.Errorf("shop show --json: %+v", si)
	}
}

// TestJSONShapeOfOnlineLedgers: the ledger's --json commands with an
// online ledger and bookings waiting for its limit keep the rules of
// TestJSONShape, and never hold the token.
func TestJSONShapeOfOnlineLedgers(t *testing.T) {
	r, _ := bookingSetup(t, 6)
	mb, apiURL := newMoneybird(t)
	r.ok(mbToken+"\n", "ledger", "moneybird", "--token", "-", "--api-url", apiURL)
	mb.SetRateLimit(8, time.Hour)
	r.run("", "sync")
	for _, c := range onlineLedgerJSONCommands {
		out := r.ok("", c...)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("orderbrug %s: not JSON: %v\n%s", strings.Join(c, " "), err, out)
			continue
		}
		var errs []string
		checkJSON("", v, false, &errs)
		for _, e := range errs {
			t.Errorf("orderbrug %s: %s", strings.Join(c, " "), e)
		}
	}
	out := r.ok("", "ledger", "status", "--json")
	for _, want := range []string{`"token_set": true`, `"ubl_copy": false`, `"waiting": {`, `"next": "`} {
		if !strings.Contains(out, want) {
			t.Errorf("ledger status --json lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"token"`) {
		t.Errorf("ledger status --json has a token field:\n%s", out)
	}
}
