package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// CLI runs Orderbrug's subcommands: every action of the GUI, for scripts,
// tests and support. Output goes to Stdout; errors to Stderr with a non-zero
// exit code. --json output is stable: fields are only ever added.
type CLI struct {
	Stdout, Stderr io.Writer
	// Options are the base for opening the service; --data-dir overrides.
	Options Options
}

// Usage lists the subcommands.
const Usage = `Usage: orderbrug [--data-dir DIR] [COMMAND] [FLAGS]

Without a command Orderbrug opens its window.

Commands:
  serve [--listen ADDR]              run the engine headless until SIGINT/SIGTERM
  shop add woocommerce --name N --url URL --key CK --secret CS
           [--forward s1,s2] [--interval 15m] [--lookback 21] [--since 2026-01-01]
           [--sells goods|services]  tests the connection, then saves; books from now
                                     unless --since is earlier
  shop list [--json]                 the connected shops
  shop show NAME [--json]            one shop
  shop rename NAME NEW               change the name people see (files and webhook URL stay)
  shop set NAME [--since DATE] [--sells goods|services]
                                     --since earlier than before: backfill from DATE
  shop forward NAME s1,s2            set "Status doorzetten verkopen"
  shop remove NAME                   stop using a shop; what was booked is kept
  seller set --name --kvk --vat --street --postcode --city --country --iban
  seller show [--json]
  ledger ubl --dir DIR               write UBL invoices into DIR
  sync [--shop N]                    poll now and book, then exit
  recheck                            recheck parked orders (the nightly batch), then exit
  orders [--state S] [--shop N] [--search Q] [--changed] [--json]
  order book|ignore|unignore|check|retry|credit|show SHOP NUMBER [--rate R]
  log [--shop N] [--limit 50] [--json]
  webhook status|on|off [--shop N] [--topics order.created,order.updated]
  tunnel set --authtoken T [--domain D]
  tunnel status [--json]
  inbox [--rejected] [--json]

Exit codes: 0 done; 1 the action failed; 2 the command line is wrong;
3 done, but bookings wait on something a person must fix: seller details, a ledger, a failed
booking (sync, recheck: the summary says what). Parked orders do not count.
`

// Run runs one command line (without the program name) and returns the exit
// code: 0 ok, 1 the action failed, 2 the command line is wrong, 3 the action
// was done but bookings wait on something a person must fix.
func (c *CLI) Run(ctx context.Context, args []string) int {
	global := flag.NewFlagSet("orderbrug", flag.ContinueOnError)
	global.SetOutput(c.Stderr)
	dataDir := global.String("data-dir", c.Options.DataDir, "data directory (default: $ORDERBRUG_DATA_DIR or the user config dir)")
	global.Usage = func() { fmt.Fprint(c.Stderr, Usage) }
	if err := global.Parse(args); err != nil {
		return 2
	}
	args = global.Args()
	if len(args) == 0 {
		fmt.Fprint(c.Stderr, Usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(c.Stdout, Usage)
		return 0
	}
	run, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(c.Stderr, "orderbrug: unknown command %q\n\n%s", cmd, Usage)
		return 2
	}
	opt := c.Options
	opt.DataDir = *dataDir
	err := run(ctx, c, opt, rest)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(c.Stderr, "orderbrug %s: %s\n", cmd, ue.msg)
		return 2
	case CodeOf(err) == CodeWaiting:
		var we *WaitingError
		errors.As(err, &we)
		fmt.Fprintf(c.Stderr, "orderbrug %s: %s\n", cmd, we)
		return 3
	default:
		fmt.Fprintf(c.Stderr, "orderbrug %s: %s\n", cmd, Explain(err))
		return 1
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

type command func(ctx context.Context, c *CLI, opt Options, args []string) error

var commands map[string]command

func init() {
	commands = map[string]command{
		"serve": cmdServe, "shop": cmdShop, "seller": cmdSeller, "ledger": cmdLedger, "sync": cmdSync,
		"recheck": cmdRecheck, "orders": cmdOrders, "order": cmdOrder, "log": cmdLog, "webhook": cmdWebhook,
		"tunnel": cmdTunnel, "inbox": cmdInbox,
	}
}

// Explain turns a service error into one line for a terminal: the code's
// English sentence and the detail.
func Explain(err error) string {
	code := CodeOf(err)
	field := FieldOf(err)
	use := SuggestedURL(err)
	msg := map[string]string{
		CodeAuth:            "the shop refused the API keys",
		CodeNotFound:        "no WooCommerce REST API at that address (is the URL right, are permalinks on?)",
		CodeNetwork:         "the shop cannot be reached",
		CodeBadResponse:     "the shop's answer is not a WooCommerce REST API answer",
		CodeNewerDB:         "the database was written by a newer Orderbrug; update Orderbrug",
		CodeMoved:           "the shop lives at " + use + ": use that address (--url " + use + ")",
		CodeNoHTTPS:         "the shop does not speak HTTPS at that address; it answers at " + use + " (--url " + use + ")",
		CodeWordPressAt:     "WordPress lives at " + use + ", not at the address given: use that address (--url " + use + ")",
		CodePlainPermalinks: "the shop's permalinks are set to \"plain\", which hides the REST API: choose any other setting in WordPress (Instellingen > Permalinks)",
	}[code]
	if msg == "" && field != "" && (code == CodeInvalid || code == CodeRequired) {
		msg = code + " " + field
	}
	if msg == "" {
		return err.Error()
	}
	return msg + ": " + err.Error()
}

func open(ctx context.Context, opt Options) (*Service, error) {
	return Open(ctx, opt)
}

func newFlags(name string, c *CLI) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	// Flags may come after positional arguments too (order book --json S N).
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseN is parse for commands that take exactly n positional arguments;
// usage is the message for any other count.
func parseN(fs *flag.FlagSet, args []string, n int, usage string) ([]string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != n {
		return nil, usageError{usage}
	}
	return pos, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdServe(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("serve", c)
	listen := fs.String("listen", "", "webhook server address for this run (default: the kept one)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if opt.DataDir == "" {
		d, err := DefaultDataDir()
		if err != nil {
			return err
		}
		opt.DataDir = d
	}
	// One engine per data directory: the window or serve, not both.
	inst, err := ClaimInstance(opt.DataDir)
	if err != nil {
		return err
	}
	defer inst.Close()
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := svc.Start(ctx); err != nil {
		return err
	}
	if err := svc.StartWebhooks(ctx, *listen); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "orderbrug: serving (data %s, webhooks on %s); stop with Ctrl+C\n", svc.DataDir(), svc.TunnelStatus().Local)
	<-ctx.Done()
	fmt.Fprintln(c.Stdout, "orderbrug: stopping")
	return svc.Close()
}

func cmdShop(ctx context.Context, c *CLI, opt Options, args []string) error {
	if len(args) == 0 {
		return usagef("shop add|list|show|rename|set|forward|remove")
	}
	switch args[0] {
	case "add":
		fs := newFlags("shop add", c)
		name := fs.String("name", "", "shop name")
		u := fs.String("url", "", "shop address")
		key := fs.String("key", "", "consumer key (ck_...)")
		secret := fs.String("secret", "", "consumer secret (cs_...)")
		forward := fs.String("forward", "", "statuses to book, comma separated (default processing,completed)")
		interval := fs.Duration("interval", DefaultPollInterval, "poll interval")
		lookback := fs.Int("lookback", DefaultLookbackDays, "recheck parked orders of the last N days (0: all)")
		since := fs.String("since", "", "book orders created from this date (YYYY-MM-DD; default: from now, older orders are in the books already)")
		sells := fs.String("sells", "goods", "what the shop sells: goods or services")
		pos, err := parseN(fs, args[1:], 1, "shop add woocommerce --name N --url URL --key CK --secret CS")
		if err != nil {
			return err
		}
		in := ShopInput{Name: *name, Source: order.Source(pos[0]), URL: *u, Key: *key, Secret: *secret,
			Interval: *interval, LookbackDays: lookback, Sells: order.Sells(*sells)}
		if *forward != "" {
			in.Forward = splitStatuses(*forward)
		}
		if *since != "" {
			t, err := parseDate(*since)
			if err != nil {
				return err
			}
			in.Since = t
		}
		svc, err := open(ctx, opt)
		if err != nil {
			return err
		}
		defer svc.Close()
		info, err := svc.AddShop(ctx, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "shop %s added (connection tested); orders created from %s are booked when their status is %s\n",
			info.Name, info.Since.Local().Format("2006-01-02 15:04"), joinStatuses(info.Forward))
		return nil
	case "show":
		fs := newFlags("shop show", c)
		asJSON := fs.Bool("json", false, "JSON output")
		pos, err := parseN(fs, args[1:], 1, "shop show NAME [--json]")
		if err != nil {
			return err
		}
		svc, err := open(ctx, opt)
		if err != nil {
			return err
		}
		defer svc.Close()
		si, err := svc.Shop(ctx, pos[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(c.Stdout, si)
		}
		fmt.Fprintf(c.Stdout, "%s (%s, slug %s)\nurl %s\nsells %s\nbooks orders created from %s\nforward %s, every %s, recheck %d days\nwebhook path %s\n",
			si.Name, si.Source, si.Slug, si.URL, si.Sells, si.Since.Local().Format("2006-01-02 15:04"),
			joinStatuses(si.Forward), si.Interval, si.LookbackDays, si.Webhook.Path)
		return nil
	case "rename":
		pos, err := parseN(newFlags("shop rename", c), args[1:], 2, "shop rename NAME NEW")
		if err != nil {
			return err
		}
		svc, err := open(ctx, opt)
		if err != nil {
			return err
		}
		defer svc.Close()
		if err := svc.RenameShop(ctx, pos[0], pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "shop %s is now called %s; its invoice file names and webhook URL stay as they are\n", pos[0], pos[1])
		return nil
	case "set":
		fs := newFlags("shop set", c)
		since := fs.String("since", "", "book orders created from this date (YYYY-MM-DD); earlier than before: backfill")
		sells := fs.String("sells", "", "what the shop sells: goods or services")
		pos, err := parseN(fs, args[1:], 1, "shop set NAME [--since YYYY-MM-DD] [--sells goods|services]")
		if err != nil {
			return err
		}
		if *since == "" && *sells == "" {
			return usagef("shop set NAME: give --since and/or --sells")
		}
		var from time.Time
		if *since != "" {
			if from, err = parseDate(*since); err != nil {
				return err
			}
		}
		svc, err := open(ctx, opt)
		if err != nil {
			return err
		}
		defer svc.Close()
		if *sells != "" {
			if err := svc.SetSells(ctx, pos[0], order.Sells(*sells)); err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "%s sells %s\n", pos[0], *sells)
		}
		if *since != "" {
			n, err := svc.SetSince(ctx, pos[0], from)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "%s books orders created from %s; %d orders decided again; orders modified since then are fetched at the next sync\n",
				pos[0], from.Local().Format("2006-01-02"), n)
		}
		return nil
	case "list":
		fs := newFlags("shop list", c)
		asJSON := fs.Bool("json", false, "JSON output")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		svc, err := open(ctx, opt)
		if err != nil {
			return err
		}
		defer svc.Close()
		shops, err := svc.Shops(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if shops == nil {
				shops = []ShopInfo{}
			}
			return printJSON(c.Stdout, shops)
		}
		tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSOURCE\tURL\tSELLS\tFORWARD\tINTERVAL\tLAST POLL\tERROR")
		for _, s := range shops {
			last := "-"
			if !s.LastPoll.IsZero() {
				last = s.LastPoll.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Source, s.URL, s.Sells, joinStatuses(s.Forward), s.Interval, last, s.LastError)
		}
		return tw.Flush()
	case "forward":
		pos, err := parseN(newFlags("shop forward", c), args[1:], 2, "shop forward NAME status1,status2")
		if err != nil {
			return err
		}
		svc, err := open(ctx, opt)
		if err != nil {
			return err
		}
		defer svc.Close()
		n, err := svc.SetForward(ctx, pos[0], splitStatuses(pos[1]))
		if err != nil {
			return err
		}
		if _, err := svc.engine.BookDue(ctx); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "forward set of %s is now %s; %d orders changed state\n", pos[0], pos[1], n)
		return nil
	case "remove":
		pos, err := parseN(newFlags("shop remove", c), args[1:], 1, "shop remove NAME")
		if err != nil {
			return err
		}
		svc, err := open(ctx, opt)
		if err != nil {
			return err
		}
		defer svc.Close()
		if err := svc.RemoveShop(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "shop %s removed; its booked orders and their records are kept (and its invoice files)\n", pos[0])
		return nil
	}
	return usagef("unknown shop command %q", args[0])
}

// parseDate reads a --since date (YYYY-MM-DD, the start of that day in
// local time).
func parseDate(v string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", v, time.Local)
	if err != nil {
		return t, usagef("date %q: use YYYY-MM-DD", v)
	}
	return t.UTC(), nil
}

func splitStatuses(s string) []order.Status {
	out := []order.Status{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimPrefix(strings.TrimSpace(p), "wc-"); p != "" {
			out = append(out, order.Status(p))
		}
	}
	return out
}

func cmdSeller(ctx context.Context, c *CLI, opt Options, args []string) error {
	if len(args) == 0 {
		return usagef("seller set|show")
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	cur, err := svc.Seller(ctx)
	if err != nil {
		return err
	}
	switch args[0] {
	case "show":
		fs := newFlags("seller show", c)
		asJSON := fs.Bool("json", false, "JSON output")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(c.Stdout, cur)
		}
		a := cur.Address
		fmt.Fprintf(c.Stdout, "%s\nKvK %s, btw %s\n%s\n%s %s\n%s\nIBAN %s\n", cur.LegalName(), cur.KvK, cur.VATID,
			a.Street, a.Postcode, a.City, a.Country, cur.IBAN)
		if m := cur.Missing(); len(m) > 0 {
			fmt.Fprintf(c.Stdout, "missing: %s (invoices wait until these are set)\n", strings.Join(m, ", "))
		}
		return nil
	case "set":
		fs := newFlags("seller set", c)
		set := func(name, usage string, dst *string) {
			fs.Func(name, usage, func(v string) error { *dst = v; return nil })
		}
		set("name", "registered business name", &cur.Company)
		set("kvk", "KvK number (8 digits)", &cur.KvK)
		set("vat", "VAT id (NL123456789B01)", &cur.VATID)
		set("street", "street and number", &cur.Address.Street)
		set("postcode", "postcode", &cur.Address.Postcode)
		set("city", "city", &cur.Address.City)
		set("country", "country code (NL)", &cur.Address.Country)
		set("iban", "IBAN", &cur.IBAN)
		set("email", "e-mail on invoices", &cur.Email)
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		cur.Address.Country = strings.ToUpper(strings.TrimSpace(cur.Address.Country))
		cur.IBAN = order.NormalizeIBAN(cur.IBAN)
		cur.VATID = order.NormalizeVATID(cur.VATID)
		if err := svc.SetSeller(ctx, cur); err != nil {
			return err
		}
		if m := cur.Missing(); len(m) > 0 {
			fmt.Fprintf(c.Stdout, "seller saved; still missing: %s\n", strings.Join(m, ", "))
		} else {
			fmt.Fprintln(c.Stdout, "seller saved")
		}
		return nil
	}
	return usagef("unknown seller command %q", args[0])
}

func cmdLedger(ctx context.Context, c *CLI, opt Options, args []string) error {
	if len(args) == 0 || args[0] != "ubl" {
		return usagef("ledger ubl --dir DIR")
	}
	fs := newFlags("ledger ubl", c)
	dir := fs.String("dir", "", "folder for the UBL files")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := svc.SetUBLDir(ctx, *dir); err != nil {
		return err
	}
	ls, err := svc.LedgerSettings(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "invoices go to %s\n", ls.Dir)
	return nil
}

func cmdSync(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("sync", c)
	shop := fs.String("shop", "", "only this shop")
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	res, err := svc.Sync(ctx, *shop, nil)
	if *asJSON {
		if jerr := printJSON(c.Stdout, res); jerr != nil {
			return jerr
		}
	} else {
		for _, p := range res.Polls {
			fmt.Fprintf(c.Stdout, "%s: %d orders seen, %d new, %d changed\n", p.Shop, p.Seen, p.New, p.Changed)
		}
		b := res.Booked
		fmt.Fprintf(c.Stdout, "booked %d, failed %d, retrying %d%s\n", b.Booked, b.Failed, b.Retrying, waitingNote(res.Attention))
		printAttention(c.Stdout, res.Attention)
	}
	if err != nil {
		return err
	}
	return waitingError(res.Attention)
}

// waitingNote is "; N orders wait on you (below)" for the summary line, ""
// when no booking waits.
func waitingNote(att []Attention) string {
	n := 0
	for _, a := range att {
		if a.BookingWaits() {
			n += a.Count
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d %s on you (below)", n, plural(n, "order waits", "orders wait"))
}

// printAttention tells what waits on a person and how to fix it.
func printAttention(w io.Writer, att []Attention) {
	if len(att) == 0 {
		return
	}
	fmt.Fprintln(w, "waiting on you:")
	for _, l := range AttentionLines(att) {
		fmt.Fprintln(w, "  "+l)
	}
}

func cmdRecheck(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("recheck", c)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	res, b, err := svc.Recheck(ctx)
	for _, r := range res {
		fmt.Fprintf(c.Stdout, "%s: %d parked orders checked, %d changed\n", r.Shop, r.Checked, r.Changed)
	}
	if err != nil {
		fmt.Fprintf(c.Stdout, "booked %d, failed %d, retrying %d\n", b.Booked, b.Failed, b.Retrying)
		return err
	}
	att, err := svc.Attention(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "booked %d, failed %d, retrying %d%s\n", b.Booked, b.Failed, b.Retrying, waitingNote(att))
	printAttention(c.Stdout, att)
	return waitingError(att)
}

func cmdOrders(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("orders", c)
	state := fs.String("state", "", "parked|queued|booked|failed|ignored (comma separated)")
	shop := fs.String("shop", "", "only this shop")
	search := fs.String("search", "", "order number or customer")
	changed := fs.Bool("changed", false, "only orders changed in the shop after booking")
	limit := fs.Int("limit", 0, "at most this many")
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	q := OrderQuery{Shop: *shop, Search: *search, Changed: *changed, Limit: *limit}
	if *state != "" {
		for _, s := range strings.Split(*state, ",") {
			if !store.ValidState(s) {
				return usagef("--state %q: use parked, queued, booked, failed or ignored", s)
			}
			q.States = append(q.States, store.State(s))
		}
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	orders, err := svc.Orders(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		if orders == nil {
			orders = []OrderView{}
		}
		return printJSON(c.Stdout, orders)
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHOP\tORDER\tDATE\tCUSTOMER\tTOTAL\tSTATUS\tSTATE\tREASON\tINVOICE")
	for _, o := range orders {
		reason := o.Reason
		if o.ReasonArg != "" {
			reason += " (" + o.ReasonArg + ")"
		}
		if o.ChangedAfterBooking {
			reason = strings.TrimSpace(reason + " changed after booking: " + o.ChangeNote)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\t%s\t%s\t%s\t%s\n", o.Shop, o.Number, o.Created.Local().Format("2006-01-02"),
			o.Customer, o.Currency, o.Total, o.Status, o.State, reason, o.BookingRef)
	}
	return tw.Flush()
}

func cmdOrder(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("order", c)
	asJSON := fs.Bool("json", false, "JSON output (show)")
	rate := fs.String("rate", "", "book: EUR per 1 unit of the order's currency, for an order not in EUR (0.9213)")
	pos, err := parseN(fs, args, 3, "order book|ignore|unignore|check|retry|credit|show SHOP NUMBER")
	if err != nil {
		return err
	}
	action, shop, number := pos[0], pos[1], pos[2]
	if *rate != "" && action != "book" {
		return usagef("--rate is only for order book")
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	switch action {
	case "book":
		err = svc.BookAnywayAt(ctx, shop, number, *rate)
	case "credit":
		err = svc.CreditChange(ctx, shop, number)
	case "ignore":
		err = svc.Ignore(ctx, shop, number)
	case "unignore":
		err = svc.Unignore(ctx, shop, number)
	case "retry":
		err = svc.Retry(ctx, shop, number)
	case "check":
		_, err = svc.Check(ctx, shop, number)
	case "show":
	default:
		return usagef("unknown order action %q", action)
	}
	if err != nil {
		return err
	}
	if action == "book" || action == "retry" || action == "unignore" || action == "credit" {
		if _, err := svc.engine.BookDue(ctx); err != nil {
			return err
		}
	}
	d, err := svc.Order(ctx, shop, number)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(c.Stdout, d)
	}
	fmt.Fprintf(c.Stdout, "order %s of %s: %s (status %s)", d.Number, d.Shop, d.State, d.Status)
	if d.Reason != "" {
		fmt.Fprintf(c.Stdout, ", reason %s %s", d.Reason, d.ReasonArg)
	}
	if d.BookingRef != "" {
		fmt.Fprintf(c.Stdout, ", booked as %s", d.BookingRef)
	}
	if d.ChangedAfterBooking {
		fmt.Fprintf(c.Stdout, ", changed after booking: %s (orderbrug order credit %s %s makes the credit note)", d.ChangeNote, d.Shop, d.Number)
	}
	fmt.Fprintln(c.Stdout)
	if d.Detail != "" {
		fmt.Fprintf(c.Stdout, "detail: %s\n", d.Detail)
	}
	return nil
}

func cmdLog(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("log", c)
	shop := fs.String("shop", "", "only this shop")
	limit := fs.Int("limit", 50, "lines")
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	evs, err := svc.Events(ctx, EventQuery{Shop: *shop, Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
		if evs == nil {
			evs = []store.Event{}
		}
		return printJSON(c.Stdout, evs)
	}
	for _, e := range evs {
		keys := make([]string, 0, len(e.Args))
		for k := range e.Args {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+"="+e.Args[k])
		}
		fmt.Fprintf(c.Stdout, "%s %-5s %s %s %s %s %s\n", e.At.Local().Format("2006-01-02 15:04:05"), e.Level, e.Shop,
			e.OrderNo, e.Code, strings.Join(kv, " "), e.Detail)
	}
	return nil
}

func cmdWebhook(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("webhook", c)
	shop := fs.String("shop", "", "the shop (needed when there are several)")
	topics := fs.String("topics", "", "topics to act on, comma separated (order.created,order.updated,order.deleted,order.restored)")
	asJSON := fs.Bool("json", false, "JSON output")
	pos, err := parseN(fs, args, 1, "webhook status|on|off [--shop N]")
	if err != nil {
		return err
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	if *topics != "" {
		if err := svc.SetWebhookTopics(ctx, *shop, strings.Split(*topics, ",")); err != nil {
			return err
		}
	}
	switch pos[0] {
	case "on", "off":
		if err := svc.SetWebhook(ctx, *shop, pos[0] == "on"); err != nil {
			return err
		}
	case "status":
	default:
		return usagef("webhook status|on|off [--shop N]")
	}
	var infos []ShopInfo
	if *shop != "" {
		si, err := svc.Shop(ctx, *shop)
		if err != nil {
			return err
		}
		infos = []ShopInfo{si}
	} else if infos, err = svc.Shops(ctx); err != nil {
		return err
	}
	if *asJSON {
		out := map[string]WebhookInfo{}
		for _, si := range infos {
			out[si.Name] = si.Webhook
		}
		return printJSON(c.Stdout, out)
	}
	for _, si := range infos {
		w := si.Webhook
		state := "off"
		if w.Enabled {
			state = "on"
		}
		fmt.Fprintf(c.Stdout, "%s: webhooks %s, topics %s, path %s", si.Name, state, strings.Join(w.Topics, ","), w.Path)
		if w.Status != "" {
			fmt.Fprintf(c.Stdout, ", registered (%s)", w.Status)
		}
		if w.Reactivated > 0 {
			fmt.Fprintf(c.Stdout, ", re-activated %d times", w.Reactivated)
		}
		if w.Rejected > 0 {
			fmt.Fprintf(c.Stdout, ", %d requests refused in 7 days (orderbrug inbox --rejected)", w.Rejected)
		}
		fmt.Fprintln(c.Stdout)
	}
	return nil
}

func cmdTunnel(ctx context.Context, c *CLI, opt Options, args []string) error {
	if len(args) == 0 {
		return usagef("tunnel set --authtoken T [--domain D] | tunnel status")
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	switch args[0] {
	case "set":
		fs := newFlags("tunnel set", c)
		token := fs.String("authtoken", "", "ngrok authtoken")
		domain := fs.String("domain", "", "static ngrok domain (optional)")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		if err := svc.SetTunnel(ctx, *token, *domain); err != nil {
			return err
		}
		fmt.Fprintln(c.Stdout, "tunnel saved; it starts with `orderbrug serve` or the app")
		return nil
	case "status":
		fs := newFlags("tunnel status", c)
		asJSON := fs.Bool("json", false, "JSON output")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		ts, has, err := svc.TunnelSettings(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(c.Stdout, map[string]any{"has_authtoken": has, "domain": ts.Domain, "enabled": ts.Enabled, "listen": ts.Listen})
		}
		fmt.Fprintf(c.Stdout, "authtoken set: %v, domain: %q, webhook server: %s\n", has, ts.Domain, ts.Listen)
		return nil
	}
	return usagef("unknown tunnel command %q", args[0])
}

func cmdInbox(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("inbox", c)
	rejected := fs.Bool("rejected", false, "the refused requests instead")
	limit := fs.Int("limit", 50, "lines")
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	if *rejected {
		rs, err := svc.store.Rejections(ctx, *limit)
		if err != nil {
			return err
		}
		if *asJSON {
			if rs == nil {
				rs = []store.Rejection{}
			}
			return printJSON(c.Stdout, rs)
		}
		for _, r := range rs {
			fmt.Fprintf(c.Stdout, "%s %s %s %d %s\n", r.ReceivedAt.Local().Format("2006-01-02 15:04:05"), r.Source, r.Shop, r.Status, r.Reason)
		}
		return nil
	}
	ds, err := svc.store.Deliveries(ctx, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		if ds == nil {
			ds = []store.Delivery{}
		}
		return printJSON(c.Stdout, ds)
	}
	for _, d := range ds {
		fmt.Fprintf(c.Stdout, "%s %s %s %s order %s: %s\n", d.ReceivedAt.Local().Format("2006-01-02 15:04:05"), d.Source, d.Shop,
			d.Topic, d.OrderID, d.Result)
	}
	return nil
}
