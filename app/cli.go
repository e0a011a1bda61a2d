package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// CLI runs Orderbrug's subcommands: every action of the GUI, for scripts,
// tests and support. Output goes to Stdout; errors to Stderr with a non-zero
// exit code. --json output is stable: fields are only ever added (after the
// one-time change of issue 8: snake_case keys, durations as strings, null
// for never; see jsonout.go and the README).
type CLI struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader // for secrets given as "-" (default os.Stdin)
	stdinLines     *bufio.Reader
	// Options are the base for opening the service; --data-dir overrides.
	Options Options
}

// Usage lists the subcommands.
const Usage = `Usage: orderbrug [--data-dir DIR] [COMMAND] [FLAGS]

Without a command Orderbrug opens its window.

Commands:
  serve [--listen ADDR]              run the engine headless until SIGINT/SIGTERM
  shop add woocommerce --name N --url URL --key CK --secret CS   (- for any of them: read from stdin)
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
  sync [--shop N] [--json]           poll now and book, then exit
  recheck                            recheck parked orders (the nightly batch), then exit
                                     (sync, recheck and order book run in the window or serve
                                     when one runs: one process books, its output is printed)
  orders [--state S] [--shop N] [--search Q] [--changed] [--json]
                                     S: parked,queued,booked,failed,ignored,unbookable
  backup FILE                        a consistent copy of the database, also while Orderbrug runs
  housekeeping [--json]              retention, "Niet te boeken" and backup settings, and backups
  housekeeping set [--inbox-days 90] [--events-days 365] [--unbookable-days 7] [--backups 7]
  housekeeping run                   tidy now (also done hourly while Orderbrug runs)
  order book|ignore|unignore|check|retry|credit|show SHOP NUMBER [--rate R] [--json]
  log [--shop N] [--limit 50] [--json]
  webhook status|on|off [--shop N] [--topics order.created,order.updated] [--json]
  webhook secret --shop N            print the shop's webhook secret (the only command that does)
  tunnel set --authtoken T|- [--domain D]          ngrok (- reads the authtoken from stdin)
  tunnel set --public-url URL [--listen ADDR]      your own public URL forwarding to ADDR
  tunnel status [--json]
  inbox [--rejected] [--limit N] [--json] | inbox replay ID [--json]

--json: snake_case keys, durations as strings ("15m"), null for never.

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
	if code, ok := ExitCodeOf(err); ok {
		return code // run by the Orderbrug that runs already, which printed the output
	}
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
		"tunnel": cmdTunnel, "inbox": cmdInbox, "backup": cmdBackup, "housekeeping": cmdHousekeeping,
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
		CodeNothingToCredit: "nothing is left to credit; the change is marked as handled (book a raised total yourself with an extra invoice)",
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

// zeroTime is how encoding/json writes a time.Time that was never set.
var zeroTime = []byte(`"0001-01-01T00:00:00Z"`)

// printJSON writes v indented. Every command's --json follows the rules in
// jsonout.go; as a last guard for a type that has no JSON shape of its own
// yet, a zero time is written as null (never). The quoted token cannot match
// inside another string, where its quotes would be escaped.
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = bytes.ReplaceAll(b, zeroTime, []byte("null"))
	_, err = w.Write(append(b, '\n'))
	return err
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
	inst.RunCommands(svc) // sync, recheck, order book from the CLI run here
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
	inst.Close() // commands handed to serve end before its service closes
	return svc.Close()
}
