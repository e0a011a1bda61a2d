package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source/plugandpay/ppemu"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// The command line's parsing on the registered kinds (WooCommerce and
// Plug&Pay), with the service's calls stood in for where they are recorded:
// flags from the kinds, settings of the shop's kind, wrong command lines
// (exit 2, said once, nothing opened), help, the window.

// parseRun is a CLI on the registered kinds whose service calls are
// recorded.
type parseRun struct {
	t       *testing.T
	dir     string
	added   []ShopInput
	options []map[string]string
	keys    []string
	// realSettings: shop set's settings and webhook key go to the service
	// too, not only shop add's connection.
	realSettings bool
}

func newParseRun(t *testing.T) *parseRun {
	return &parseRun{t: t, dir: filepath.Join(t.TempDir(), "data")}
}

// run runs args with stdin; real: the shop's service calls go to the
// service (a data directory is opened), else they are recorded.
func (p *parseRun) run(stdin string, real bool, args ...string) (int, string, string) {
	p.t.Helper()
	var out, errOut bytes.Buffer
	c := &CLI{Stdout: &out, Stderr: &errOut, Stdin: strings.NewReader(stdin)}
	if !p.realSettings {
		c.seams.setOptions = func(shop string, opts map[string]string) error {
			p.options = append(p.options, opts)
			return nil
		}
		c.seams.setHookKey = func(shop, key string) error {
			p.keys = append(p.keys, shop+"="+key)
			return nil
		}
	}
	if !real {
		c.seams.addShop = func(in ShopInput) (ShopInfo, error) {
			p.added = append(p.added, in)
			return ShopInfo{Name: in.Name, Since: in.Since, Forward: in.Forward}, nil
		}
	}
	code := c.Run(context.Background(), append([]string{"--data-dir", p.dir}, args...))
	return code, out.String(), errOut.String()
}

// wrong checks a wrong command line: exit 2, one line on stderr saying
// says, nothing on stdout, and no data directory made for it.
func (p *parseRun) wrong(says string, args ...string) {
	p.t.Helper()
	code, out, errOut := p.run("", false, args...)
	if code != 2 || out != "" || !strings.Contains(errOut, says) || strings.Count(errOut, "\n") != 1 {
		p.t.Errorf("orderbrug %s: exit %d, stdout %q, stderr %q; want exit 2 and one line saying %q",
			strings.Join(args, " "), code, out, errOut, says)
	}
	if _, err := os.Stat(p.dir); !errors.Is(err, os.ErrNotExist) {
		p.t.Errorf("orderbrug %s: a wrong command line made the data directory (%v)", strings.Join(args, " "), err)
	}
}

func TestCLIShopAddTakesTheKindsFlags(t *testing.T) {
	p := newParseRun(t)
	// Plug&Pay: its own flags, the secret key from stdin, the API address
	// left to its default; the common flags as for every kind.
	code, out, errOut := p.run("k_from_stdin\n", false, "shop", "add", "plugandpay", "--name", "Cursussen Utrecht", "--api-key", "-",
		"--since", "2026-01-02", "--forward", "paid,credited", "--interval", "1h", "--lookback", "7", "--sells", "services")
	if code != 0 || !strings.Contains(out, "shop Cursussen Utrecht added") || strings.Contains(out+errOut, "k_from_stdin") {
		t.Fatalf("shop add plugandpay: exit %d %q %q", code, out, errOut)
	}
	since, _ := parseDate("2026-01-02")
	lookback := 7
	want := ShopInput{Name: "Cursussen Utrecht", Source: order.PlugAndPay, URL: "https://api.plugandpay.nl", Key: "k_from_stdin",
		Forward: []order.Status{"paid", "credited"}, Interval: time.Hour, LookbackDays: &lookback, Since: since, Sells: "services"}
	if len(p.added) != 1 || !reflect.DeepEqual(p.added[0], want) {
		t.Fatalf("shop add plugandpay gave %+v, want %+v", p.added, want)
	}
	// WooCommerce: its three fields, one dash as Go's flag package took
	// it, - for two of them in the order of the fields.
	code, _, errOut = p.run("ck_1\ncs_2\n", false, "shop", "add", "-name", "Koffiebar", "woocommerce", "-url=https://koffiebar.test",
		"--key", "-", "--secret", "-")
	if code != 0 || len(p.added) != 2 {
		t.Fatalf("shop add woocommerce: exit %d %q", code, errOut)
	}
	got := p.added[1]
	if got.Source != order.WooCommerce || got.Name != "Koffiebar" || got.URL != "https://koffiebar.test" || got.Key != "ck_1" ||
		got.Secret != "cs_2" || got.Interval != DefaultPollInterval || *got.LookbackDays != DefaultLookbackDays ||
		got.Sells != "goods" || got.Forward != nil || !got.Since.IsZero() {
		t.Fatalf("shop add woocommerce gave %+v", got)
	}

	// Wrong: a flag of another kind, a kind that is not there, none, a
	// stray argument, a bad date, stdin without the line.
	p.wrong("unknown flag: --api-key", "shop", "add", "woocommerce", "--name", "W", "--api-key", "k")
	p.wrong("unknown flag: --secret", "shop", "add", "plugandpay", "--name", "P", "--api-key", "k", "--secret", "s")
	p.wrong(`unknown kind "nope": use plugandpay, pos or woocommerce`, "shop", "add", "nope", "--name", "x", "--api-key", "k")
	p.wrong("KIND is plugandpay, pos or woocommerce", "shop", "add")
	p.wrong("KIND is plugandpay, pos or woocommerce", "shop", "add", "--name", "x")
	p.wrong("shop add plugandpay --name N [--api-url API_URL] --api-key API_KEY", "shop", "add", "plugandpay", "extra")
	p.wrong("shop add plugandpay: --api-key is required (- reads it from stdin)", "shop", "add", "plugandpay", "--name", "P")
	p.wrong(`date "2026-13-01": use YYYY-MM-DD`, "shop", "add", "plugandpay", "--api-key", "k", "--since", "2026-13-01")
	p.wrong("no line to read", "shop", "add", "plugandpay", "--api-key", "-")
	p.wrong(`invalid argument "soon" for "--interval"`, "shop", "add", "plugandpay", "--interval", "soon")
	if len(p.added) != 2 {
		t.Errorf("a wrong command line added a shop: %+v", p.added[2:])
	}
}

func TestCLIShopSetTakesTheSettingsOfItsKind(t *testing.T) {
	emu := wcemu.New("ck_parse", "cs_parse")
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.SetURL(srv.URL)
	pp := ppemu.New("pp_parse")
	ppSrv := httptest.NewServer(pp)
	defer ppSrv.Close()
	pp.SetURL(ppSrv.URL)
	p := newParseRun(t)
	// Wrong before anything is opened: a value, no change at all.
	p.wrong(`--recurring "maybe": use on or off`, "shop", "set", "Cursussen", "--recurring", "maybe")
	p.wrong("give --since, --sells, --webhook-key, --booking, --cutoff, --recurring, --per-line, --products", "shop", "set", "Cursussen")
	p.wrong("shop set NAME", "shop", "set", "--recurring", "on")

	if code, _, errOut := p.run("", true, "shop", "add", "plugandpay", "--name", "Cursussen", "--api-url", ppSrv.URL,
		"--api-key", "pp_parse"); code != 0 {
		t.Fatalf("shop add plugandpay: exit %d %s", code, errOut)
	}
	if code, _, errOut := p.run("", true, "shop", "add", "woocommerce", "--name", "Koffiebar", "--url", srv.URL,
		"--key", "ck_parse", "--secret", "cs_parse"); code != 0 {
		t.Fatalf("shop add woocommerce: exit %d %s", code, errOut)
	}
	code, out, errOut := p.run("", true, "shop", "set", "Cursussen", "--recurring", "off", "--products", " 7, 9,", "--sells", "services")
	if code != 0 || !strings.Contains(out, "Cursussen sells services") || !strings.Contains(out, "Cursussen: products 7,9, recurring off") {
		t.Fatalf("shop set: exit %d %q %q", code, out, errOut)
	}
	if want := []map[string]string{{"recurring": "off", "products": "7,9"}}; !reflect.DeepEqual(p.options, want) {
		t.Fatalf("settings %v, want %v", p.options, want)
	}
	if code, out, errOut = p.run("", true, "shop", "set", "Cursussen", "--per-line", "on"); code != 0 || !strings.Contains(out, "Cursussen: per_line on") {
		t.Fatalf("shop set --per-line: exit %d %q %q", code, out, errOut)
	}
	// A setting of another kind: WooCommerce has none; refused, nothing
	// saved.
	for _, flag := range []string{"--per-line", "--recurring"} {
		code, out, errOut = p.run("", true, "shop", "set", "Koffiebar", flag, "on")
		if code != 2 || out != "" || !strings.Contains(errOut, flag+" is not a setting of WooCommerce shops") || len(p.options) != 2 {
			t.Fatalf("shop set %s on a WooCommerce shop: exit %d %q %q %v", flag, code, out, errOut, p.options)
		}
	}
	// The webhook key from stdin, never printed; "" clears it.
	code, out, errOut = p.run("whk_9f8e7d\n", true, "shop", "set", "Cursussen", "--webhook-key", "-")
	if code != 0 || strings.Contains(out+errOut, "whk_9f8e7d") || !strings.Contains(out, "webhook key of Cursussen saved") {
		t.Fatalf("shop set --webhook-key -: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ = p.run("", true, "shop", "set", "Cursussen", "--webhook-key", ""); code != 0 || !strings.Contains(out, "cleared") {
		t.Fatalf("shop set --webhook-key '': exit %d %q", code, out)
	}
	if want := []string{"Cursussen=whk_9f8e7d", "Cursussen="}; !reflect.DeepEqual(p.keys, want) {
		t.Fatalf("webhook keys %q, want %q", p.keys, want)
	}
	// A shop that is not there: the service says so (exit 1).
	if code, _, errOut = p.run("", true, "shop", "set", "Nope", "--recurring", "on"); code != 1 || !strings.Contains(errOut, "no_such_shop") {
		t.Fatalf("shop set on no shop: exit %d %q", code, errOut)
	}

	// Through the service itself: Plug&Pay's settings and key are kept,
	// WooCommerce takes no webhook key (it signs with Orderbrug's secret).
	p.realSettings = true
	if code, out, errOut = p.run("whk_echt\n", true, "shop", "set", "Cursussen", "--products", "12", "--per-line", "off",
		"--webhook-key", "-"); code != 0 || !strings.Contains(out, "Cursussen: per_line off, products 12") ||
		!strings.Contains(out, "webhook key of Cursussen saved") || strings.Contains(out+errOut, "whk_echt") {
		t.Fatalf("shop set on the service: exit %d %q %q", code, out, errOut)
	}
	// Refused before anything changes: --sells is not applied either.
	if code, out, errOut = p.run("", true, "shop", "set", "Koffiebar", "--sells", "services", "--webhook-key", "k"); code != 2 || out != "" ||
		!strings.Contains(errOut, "--webhook-key is not a setting of WooCommerce shops") {
		t.Fatalf("shop set --webhook-key on a WooCommerce shop: exit %d %q %q", code, out, errOut)
	}
	if code, out, _ = p.run("", true, "shop", "show", "Koffiebar", "--json"); code != 0 || !strings.Contains(out, `"sells": "goods"`) {
		t.Fatalf("a refused shop set changed the shop: exit %d\n%s", code, out)
	}
}

func TestCLIKinds(t *testing.T) {
	p := newParseRun(t)
	code, out, errOut := p.run("", false, "kinds", "--json")
	var got []KindInfo
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || !reflect.DeepEqual(got, new(Service).Kinds()) ||
		len(got) != 3 || got[0].Kind != order.POS || got[1].Kind != order.PlugAndPay || got[2].Kind != order.WooCommerce {
		t.Fatalf("kinds --json: exit %d %v %q\n%s", code, err, errOut, out)
	}
	code, out, _ = p.run("", false, "kinds")
	for _, want := range []string{
		"plugandpay (Plug&Pay)\n  shop add plugandpay --name N [--api-url API_URL (default https://api.plugandpay.nl)] --api-key API_KEY\n" +
			"  shop set NAME [--webhook-key K|-] [--recurring on|off (default on)] [--per-line on|off (default off)] [--products ID,ID] [--cancellations on|off (default on)]\n",
		// WooCommerce has no settings of its own: no shop set line.
		"woocommerce (WooCommerce)\n  shop add woocommerce --name N --url URL --key KEY --secret SECRET\n" +
			"  webhook topics: order.created,",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("kinds: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
	// Help of one kind's shop add lists its flags.
	code, out, _ = p.run("", false, "shop", "add", "plugandpay", "--help")
	if code != 0 || !strings.Contains(out, "Usage: orderbrug shop add plugandpay --name N [--api-url API_URL] --api-key API_KEY") ||
		!strings.Contains(out, `--api-url string`) || !strings.Contains(out, "- reads it from stdin") || strings.Contains(out, "--secret") {
		t.Errorf("shop add plugandpay --help: exit %d\n%s", code, out)
	}
}

// The kinds are known before a service is opened (the flags of shop add
// come from them): Kinds answers on a Service that was never opened.
func TestCLIKindsNeedNoService(t *testing.T) {
	ks := new(Service).Kinds()
	if len(ks) != 3 {
		t.Fatalf("kinds %+v", ks)
	}
	for _, k := range ks {
		if !strings.Contains(Usage, "  shop add "+string(k.Kind)+" --name N --") &&
			!strings.Contains(Usage, "  shop add "+string(k.Kind)+" --name N [--") {
			t.Errorf("usage lacks shop add %s:\n%s", k.Kind, Usage)
		}
	}
}

func TestCLIWrongCommandLinesAndHelp(t *testing.T) {
	p := newParseRun(t)
	p.wrong("orderbrug orders: unknown flag: --bogus (orderbrug orders --help lists its flags)", "orders", "--bogus")
	p.wrong(`orderbrug log: invalid argument "many" for "--limit" flag`, "log", "--limit", "many")
	p.wrong("orderbrug sync: flag needs an argument: --shop", "sync", "--shop")
	p.wrong("orderbrug order: order book|ignore|unignore|check|retry|credit|show SHOP NUMBER", "order", "show", "Koffiebar")
	p.wrong("orderbrug order: order book|ignore|unignore|check|retry|credit|show SHOP NUMBER", "order")
	p.wrong(`orderbrug order: unknown order action "sell"`, "order", "sell", "Koffiebar", "1")
	p.wrong("orderbrug order: --rate is only for order book", "order", "show", "Koffiebar", "1", "--rate", "1.1")
	p.wrong(`orderbrug shop: unknown shop command "sell"`, "shop", "sell")
	p.wrong("orderbrug webhook: webhook status|on|off|secret [--shop N]", "webhook", "maybe")
	p.wrong("orderbrug housekeeping: housekeeping [show|set|run]", "housekeeping", "tidy")
	p.wrong("orderbrug housekeeping: unknown flag: --backups", "housekeeping", "run", "--backups", "3")
	p.wrong("orderbrug housekeeping: --events-days -5: give 0 or more", "housekeeping", "set", "--events-days", "-5")
	p.wrong(`orderbrug inbox: inbox replay ID: "x" is not a delivery id`, "inbox", "replay", "x")
	p.wrong("orderbrug backup: backup FILE", "backup")
	p.wrong("orderbrug ledger: ledger ubl|", "ledger")
	p.wrong(`orderbrug ledger: unknown ledger command "yuki"`, "ledger", "yuki")
	p.wrong("orderbrug ledger: ledger ubl: --dir DIR or --off, not both", "ledger", "ubl", "--dir", "x", "--off")
	p.wrong(`orderbrug ledger: unknown ledger "yuki"`, "ledger", "use", "yuki")
	p.wrong(`orderbrug ledger: unknown VAT case "22"`, "ledger", "vat-map", "set", "22", "--vat-code", "X")
	p.wrong("orderbrug ledger: ledger vat-map set: --tax-rate or --vat-code, not both", "ledger", "vat-map", "set", "21", "--vat-code", "X", "--tax-rate", "1")
	p.wrong("orderbrug tunnel: tunnel set: --listen goes with --public-url", "tunnel", "set", "--listen", ":1")
	p.wrong("unknown flag: --hidden", "--hidden", "shop", "list")
	p.wrong("orderbrug: unknown flag: --json (orderbrug --help lists its flags)", "--json")

	// An unknown command: said with the usage, also with flags after it.
	for _, args := range [][]string{{"bogus"}, {"bogus", "--json"}, {"--data-dir", "x", "bogus"}} {
		code, out, errOut := p.run("", false, args...)
		if code != 2 || out != "" || !strings.HasPrefix(errOut, `orderbrug: unknown command "bogus"`) || !strings.HasSuffix(errOut, Usage) {
			t.Errorf("orderbrug %v: exit %d %q %q", args, code, out, errOut)
		}
	}
	// No command and no window to open: the usage, exit 2.
	if code, out, errOut := p.run("", false); code != 2 || out != "" || errOut != Usage {
		t.Errorf("no command: exit %d %q %q", code, out, errOut)
	}
	// Help: the usage on stdout, or one command's.
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"-help"}, {"help", "bogus"}} {
		if code, out, errOut := p.run("", false, args...); code != 0 || out != Usage || errOut != "" {
			t.Errorf("orderbrug %v: exit %d %q %q", args, code, out, errOut)
		}
	}
	for args, want := range map[string]string{
		"shop --help":                 "Usage: orderbrug shop\n",
		"help shop":                   "  add          connect a shop",
		"help order book":             "Usage: orderbrug order book SHOP NUMBER",
		"order book --help":           "--rate string",
		"shop add woocommerce --help": "--interval duration   poll interval (default 15m)\n",
		"orders --help":               "--state string",
		"seller set --help":           "--iban string",
		"shop set --help":             "--per-line string",
		"webhook on --help":           "--data-dir string",
		"inbox replay -h":             "Usage: orderbrug inbox replay ID [--json]",
		"housekeeping --help":         "  set          change the settings",
	} {
		code, out, errOut := p.run("", false, strings.Fields(args)...)
		if code != 0 || !strings.Contains(out, want) || errOut != "" || strings.Contains(out, "--help ") {
			t.Errorf("orderbrug %s: exit %d, want %q:\n%s%s", args, code, want, out, errOut)
		}
	}
	if _, err := os.Stat(p.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("help made the data directory (%v)", err)
	}
}

func TestCLIOpensTheWindowWithoutACommand(t *testing.T) {
	var opened []string
	gui := func(_ context.Context, dir string, hidden bool) error {
		opened = append(opened, dir+" "+map[bool]string{true: "hidden", false: "shown"}[hidden])
		return nil
	}
	for _, args := range [][]string{{}, {"--data-dir", "/d"}, {"--hidden", "--data-dir=/d"}, {"-hidden", "-data-dir", "/d"}} {
		var out, errOut bytes.Buffer
		c := &CLI{Stdout: &out, Stderr: &errOut, GUI: gui}
		if code := c.Run(context.Background(), args); code != 0 || out.Len()+errOut.Len() != 0 {
			t.Errorf("%v: exit %d %q %q", args, code, out.String(), errOut.String())
		}
	}
	if want := []string{" shown", "/d shown", "/d hidden", "/d hidden"}; !reflect.DeepEqual(opened, want) {
		t.Errorf("window opened as %q, want %q", opened, want)
	}
	// The window's failure: exit 1, said once.
	var errOut bytes.Buffer
	c := &CLI{Stdout: &errOut, Stderr: &errOut, GUI: func(context.Context, string, bool) error { return errors.New("no display") }}
	if code := c.Run(context.Background(), nil); code != 1 || errOut.String() != "orderbrug: no display\n" {
		t.Errorf("window failing: exit %d %q", code, errOut.String())
	}
}

func TestCLILongFlagsWithOneDash(t *testing.T) {
	root := (&cmdline{c: &CLI{}}).root()
	for _, tt := range []struct{ in, want string }{
		{"-json", "--json"},
		{"orders -state parked -json", "orders --state parked --json"},
		{"-data-dir=/x shop show -json", "--data-dir=/x shop show --json"},
		// Values stay as they are, also when they look like a flag.
		{"shop add plugandpay --name -json -api-key -", "shop add plugandpay --name -json --api-key -"},
		{"order book S N --rate -0.5", "order book S N --rate -0.5"},
		{"housekeeping set -events-days -5", "housekeeping set --events-days -5"},
		// Not flags of any command, shorthands, and all after --.
		{"-bogus -h -- -json", "-bogus -h -- -json"},
	} {
		if got := strings.Join(longFlags(root, strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := longFlags(root, nil); got == nil {
		t.Error("nil args came back nil: cobra would read the test binary's os.Args")
	}
}

// A booking command handed to the running Orderbrug carries what was
// parsed: its path, its flags (not --data-dir) and its arguments.
func TestCLIHandOffArgs(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"--data-dir /x sync --shop Koffiebar --json", "sync --json=true --shop=Koffiebar"},
		{"order --json book Koffiebar 1042 --rate 0,92", "order book --json=true --rate=0,92 Koffiebar 1042"},
		{"recheck", "recheck"},
		{"order retry Koffiebar -- -1", "order retry -- Koffiebar -1"},
	} {
		root := (&cmdline{c: &CLI{}}).root()
		args := strings.Fields(tt.in)
		cmd, rest, err := root.Find(args)
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if got := strings.Join(handOffArgs(cmd, cmd.Flags().Args()), " "); got != tt.want {
			t.Errorf("%s: handed off as %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A shop's settings are listed by key.
func TestCLIJoinOptions(t *testing.T) {
	if got := joinOptions(map[string]string{"recurring": "on", "products": "", "per_line": "off"}); got != `per_line off, products "", recurring on` {
		t.Errorf("joinOptions: %s", got)
	}
}
