package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// CLI runs Orderbrug's subcommands: every action of the GUI, for scripts,
// tests and support. Output goes to Stdout; errors to Stderr with a non-zero
// exit code. --json output is stable: fields are only ever added (after the
// one-time change of issue 8: snake_case keys, durations as strings, null
// for never; see jsonout.go and the README).
//
// The commands are spf13/cobra commands, one file per group (cli_shop.go,
// cli_orders.go, ...), built anew for each Run; the service is opened and
// closed in one place (withService) and every result is written by one
// printer (cli_print.go).
type CLI struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader // for secrets given as "-" (default os.Stdin)
	stdinLines     *bufio.Reader
	// Options are the base for opening the service; --data-dir overrides.
	Options Options
	// GUI opens the window: the command line without a command (only
	// --data-dir and --hidden). Nil: such a command line is wrong (exit 2).
	GUI func(ctx context.Context, dataDir string, hidden bool) error

	seams seams
}

// seams stand in for the service in the tests of the command line's
// parsing (cli_parse_test.go); all nil in use.
type seams struct {
	kinds      func() []KindInfo
	addShop    func(ShopInput) (ShopInfo, error)
	setOptions func(shop string, opts map[string]string) error
	setHookKey func(shop, key string) error
}

func init() {
	// cobra stops a program started from Windows Explorer with a "this is a
	// command line tool" text; Orderbrug started that way opens its window
	// (main never gets here without a command), and no command should.
	cobra.MousetrapHelpText = ""
}

// Usage lists the subcommands; `orderbrug help` prints it.
var Usage = usageText(kindInfos())

func usageText(kinds []KindInfo) string {
	var add strings.Builder
	for _, k := range kinds {
		line := "  shop add " + string(k.Kind) + " --name N"
		for _, f := range k.Fields {
			v := strings.ToUpper(strings.ReplaceAll(f.Flag, "-", "_"))
			if f.Required {
				line += " --" + f.Flag + " " + v
			} else {
				line += " [--" + f.Flag + " " + v + "]"
			}
		}
		if len(k.Fields) == 0 {
			// Nothing to connect to (the till calls Orderbrug): its
			// settings, the rest of its line.
			for _, o := range k.Options {
				line += " [--" + o.Flag + " " + optionValues(o) + "]"
			}
		}
		add.WriteString(line + "\n")
	}
	// The settings of every kind, once each: `shop set` takes those of the
	// shop's own kind.
	var opts []string
	seen := map[string]bool{}
	for _, k := range kinds {
		for _, o := range k.Options {
			if seen[o.Flag] {
				continue
			}
			seen[o.Flag] = true
			opts = append(opts, "[--"+o.Flag+" "+optionValues(o)+"]")
		}
	}
	return `Usage: orderbrug [--data-dir DIR] [COMMAND] [FLAGS]

Without a command Orderbrug opens its window.

Commands:
  serve [--listen ADDR]              run the engine headless until SIGINT/SIGTERM
  kinds [--json]                     the shop systems Orderbrug connects to, with their flags
` + add.String() + `           [--forward s1,s2] [--interval 15m] [--lookback 21] [--since 2026-01-01]
           [--sells goods|services]  (- for a key or secret: read from stdin) tests the
                                     connection, then saves; books from now unless --since
                                     is earlier
  shop list [--json]                 the connected shops
  shop show NAME [--json]            one shop
  shop rename NAME NEW               change the name people see (files and webhook URL stay)
  shop set NAME [--since DATE] [--sells goods|services] [--webhook-key K|-]
           ` + strings.Join(opts, " ") + `   (the kind's settings)
                                     --since earlier than before: backfill from DATE
  shop forward NAME s1,s2            set "Status doorzetten verkopen"
  shop remove NAME                   stop using a shop; what was booked is kept
  seller set --name --kvk --vat --street --postcode --city --country --iban
  seller show [--json]
  ledger ubl --dir DIR               write UBL invoices into DIR (beside an online ledger: its copy)
  ledger ubl --off                   no UBL copy beside the online ledger
` + ledgerUsage() + `  ledger use ubl|KIND                back to the UBL folder only, or to an online ledger connected before
  ledger vat-map [--json]            the online ledger's tax rate / VAT code and account per VAT case
  ledger vat-map set CASE (--tax-rate ID | --vat-code CODE) [--account ID]
                                     CASE: 21, 9, 0, reverse_charge, intra_eu_goods, export,
                                     shipping, fees (shipping, fees: --account only)
  ledger status [--json]             where invoices go, and bookings waiting for the rate limit
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

orderbrug COMMAND --help (or orderbrug help COMMAND) tells one command's flags.
--json: snake_case keys, durations as strings ("15m"), null for never.

Exit codes: 0 done; 1 the action failed; 2 the command line is wrong;
3 done, but bookings wait on something a person must fix: seller details, a ledger, a failed
booking (sync, recheck: the summary says what). Parked orders do not count.
`
}

// commands are the top-level commands, each built by its group's file (in
// init: a command runs others through Run, which builds them).
var commands map[string]func(*cmdline) *cobra.Command

func init() {
	commands = map[string]func(*cmdline) *cobra.Command{
		"serve": (*cmdline).serveCmd, "kinds": (*cmdline).kindsCmd, "shop": (*cmdline).shopCmd,
		"seller": (*cmdline).sellerCmd, "ledger": (*cmdline).ledgerCmd, "sync": (*cmdline).syncCmd,
		"recheck": (*cmdline).recheckCmd, "orders": (*cmdline).ordersCmd, "order": (*cmdline).orderCmd,
		"log": (*cmdline).logCmd, "webhook": (*cmdline).webhookCmd, "tunnel": (*cmdline).tunnelCmd,
		"inbox": (*cmdline).inboxCmd, "backup": (*cmdline).backupCmd, "housekeeping": (*cmdline).housekeepingCmd,
	}
}

// cmdline is one run of the command line: the commands' flags are bound to
// it and its commands to the CLI.
type cmdline struct {
	c       *CLI
	dataDir string
	hidden  bool
}

// options are the CLI's Options with --data-dir.
func (r *cmdline) options() Options {
	opt := r.c.Options
	opt.DataDir = r.dataDir
	return opt
}

// withService runs fn with the service opened on the data directory, and
// closes it after: the one place a command opens it (the booking commands
// go through exclusive instead, which opens it the same way).
func (r *cmdline) withService(ctx context.Context, fn func(svc *Service) error) error {
	svc, err := open(ctx, r.options())
	if err != nil {
		return err
	}
	defer svc.Close()
	return fn(svc)
}

func open(ctx context.Context, opt Options) (*Service, error) {
	return Open(ctx, opt)
}

// kinds are the registered kinds: `shop add KIND` and `shop set`'s
// settings take their flags from them, before any service is opened.
func (r *cmdline) kinds() []KindInfo {
	if r.c.seams.kinds != nil {
		return r.c.seams.kinds()
	}
	return kindInfos()
}

// kindInfos are the registered kinds. Service.Kinds reads only the
// registry (app/kinds.go), so a Service that was never opened answers it.
func kindInfos() []KindInfo { return new(Service).Kinds() }

// Run runs one command line (without the program name) and returns the exit
// code: 0 ok, 1 the action failed, 2 the command line is wrong, 3 the action
// was done but bookings wait on something a person must fix.
func (c *CLI) Run(ctx context.Context, args []string) int {
	r := &cmdline{c: c, dataDir: c.Options.DataDir}
	root := r.root()
	args = longFlags(root, args) // never nil: cobra would read os.Args
	if name, ok := unknownCommand(root, args); ok {
		fmt.Fprintf(c.Stderr, "orderbrug: unknown command %q\n\n%s", name, Usage)
		return 2
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	return c.exit(root, cmd, err)
}

// exit prints err for a person once, and returns its exit code.
func (c *CLI) exit(root, cmd *cobra.Command, err error) int {
	if code, ok := ExitCodeOf(err); ok {
		return code // printed already: by another process that ran it, or the usage
	}
	if err == nil {
		return 0
	}
	prefix := "orderbrug: "
	if name := groupName(root, cmd); name != "" {
		prefix = "orderbrug " + name + ": "
	}
	var ue usageError
	var fe flagError
	switch {
	case errors.As(err, &fe):
		help := "orderbrug --help"
		if fe.cmd != root {
			help = "orderbrug " + commandPath(fe.cmd) + " --help"
		}
		fmt.Fprintf(c.Stderr, "%s%s (%s lists its flags)\n", prefix, fe.err, help)
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(c.Stderr, "%s%s\n", prefix, ue.msg)
		return 2
	case CodeOf(err) == CodeWaiting:
		var we *WaitingError
		errors.As(err, &we)
		fmt.Fprintf(c.Stderr, "%s%s\n", prefix, we)
		return 3
	default:
		fmt.Fprintf(c.Stderr, "%s%s\n", prefix, Explain(err))
		return 1
	}
}

// root is the program's command: the window without a command, the groups
// below it.
func (r *cmdline) root() *cobra.Command {
	root := &cobra.Command{
		Use: "orderbrug",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if r.c.GUI != nil {
				return r.c.GUI(cmd.Context(), r.dataDir, r.hidden)
			}
			fmt.Fprint(r.c.Stderr, Usage)
			return exitCode(2)
		},
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetOut(r.c.Stdout)
	root.SetErr(r.c.Stderr)
	root.PersistentFlags().StringVar(&r.dataDir, "data-dir", r.c.Options.DataDir,
		"data directory (default: $ORDERBRUG_DATA_DIR or the user config dir)")
	root.Flags().BoolVar(&r.hidden, "hidden", false, "open the window in the tray (autostart)")
	_ = root.Flags().MarkHidden("hidden")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return flagError{cmd, err} })
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) {
		if cmd == root {
			fmt.Fprint(r.c.Stdout, Usage)
			return
		}
		commandHelp(r.c.Stdout, cmd)
	})
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [COMMAND]",
		Short: "this text, or one command's",
		Run: func(_ *cobra.Command, args []string) {
			if cmd, _, err := root.Find(args); err == nil && cmd != root {
				commandHelp(r.c.Stdout, cmd)
				return
			}
			fmt.Fprint(r.c.Stdout, Usage)
		},
	})
	for _, mk := range commands {
		root.AddCommand(mk(r))
	}
	var plain func(*cobra.Command)
	plain = func(cmd *cobra.Command) {
		cmd.DisableFlagsInUseLine = true
		for _, sub := range cmd.Commands() {
			plain(sub)
		}
	}
	plain(root)
	return root
}

// commandHelp is `orderbrug COMMAND --help`: its line, what it does, its
// subcommands and its flags, in the spirit of Usage.
func commandHelp(w io.Writer, cmd *cobra.Command) {
	fmt.Fprintf(w, "Usage: %s\n", cmd.UseLine())
	if cmd.Short != "" {
		fmt.Fprintf(w, "\n%s\n", cmd.Short)
	}
	if cmd.Long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.Long))
	}
	if subs := cmd.Commands(); len(subs) > 0 {
		fmt.Fprintln(w, "\nCommands:")
		for _, s := range subs {
			if s.IsAvailableCommand() {
				fmt.Fprintf(w, "  %-12s %s\n", s.Name(), s.Short)
			}
		}
	}
	cmd.InheritedFlags() // merges the parents' persistent flags into Flags
	if fs := withoutHelp(cmd.Flags()); fs.HasAvailableFlags() {
		fmt.Fprintf(w, "\nFlags:\n%s", fs.FlagUsages())
	}
}

// withoutHelp is fs without cobra's --help, which every command has.
func withoutHelp(fs *pflag.FlagSet) *pflag.FlagSet {
	out := pflag.NewFlagSet("", pflag.ContinueOnError)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			out.AddFlag(f)
		}
	})
	return out
}

// groupName is the top-level command cmd belongs to ("shop" for shop add),
// "" for the root: the name errors start with.
func groupName(root, cmd *cobra.Command) string {
	if cmd == nil || cmd == root {
		return ""
	}
	for cmd.HasParent() && cmd.Parent() != root {
		cmd = cmd.Parent()
	}
	return cmd.Name()
}

// commandPath is cmd's command line without the program name ("shop add").
func commandPath(cmd *cobra.Command) string {
	p := cmd.CommandPath()
	if i := strings.IndexByte(p, ' '); i >= 0 {
		return p[i+1:]
	}
	return p
}

// unknownCommand reports the first argument of args when it names no
// command (also when flags of some command follow it, which the root does
// not know and would otherwise report first).
func unknownCommand(root *cobra.Command, args []string) (string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 < len(args) {
				return args[i+1], true
			}
			return "", false
		case a == "--data-dir":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			for _, c := range root.Commands() {
				if c.Name() == a || c.HasAlias(a) {
					return "", false
				}
			}
			if a == "help" {
				return "", false
			}
			return a, true
		}
	}
	return "", false
}

// longFlags returns args with a long flag written with one dash (-json,
// -data-dir=DIR), as Go's flag package took them and scripts may have
// them, written with two. Values are left alone: the argument after a flag
// that takes one, and everything after "--".
func longFlags(root *cobra.Command, args []string) []string {
	takesValue := map[string]bool{"help": false}
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{cmd.LocalNonPersistentFlags(), cmd.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) { takesValue[f.Name] = takesValue[f.Name] || f.NoOptDefVal == "" })
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		if a == "--" {
			return append(out, args[i+1:]...)
		}
		if len(a) < 3 || a[0] != '-' {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		value, known := takesValue[name]
		if !known {
			continue
		}
		if a[1] != '-' {
			out[len(out)-1] = "-" + a
		}
		if value && !hasValue && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	return out
}

// usageError is a wrong command line (exit 2) with its message.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// flagError is a flag the command does not know, or a bad value (exit 2).
type flagError struct {
	cmd *cobra.Command
	err error
}

func (f flagError) Error() string { return f.err.Error() }

// group is a command made of subcommands: alone it is a wrong command line
// saying use; with an argument it does not know, unknown (a format taking
// the argument; "" says use again).
func group(name, short, use, unknown string) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: short,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 || unknown == "" {
				return usageError{use}
			}
			return usagef(unknown, args[0])
		},
	}
}

// exactArgs takes n positional arguments; any other count is a wrong
// command line saying use.
func exactArgs(n int, use string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{use}
		}
		return nil
	}
}

// handOffArgs is cmd's command line as another process runs it: the
// command's path, the flags given (without --data-dir: that process has
// its own), and the positional arguments.
func handOffArgs(cmd *cobra.Command, args []string) []string {
	out := strings.Fields(commandPath(cmd))
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name != "data-dir" {
			out = append(out, "--"+f.Name+"="+f.Value.String())
		}
	})
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			out = append(out, "--")
			break
		}
	}
	return append(out, args...)
}

// Explain turns a service error into one line for a terminal: the code's
// English sentence and the detail.
func Explain(err error) string {
	code := CodeOf(err)
	field := FieldOf(err)
	use := SuggestedURL(err)
	msg := map[string]string{
		CodeAuth:            "the shop refused the API keys",
		CodeNotFound:        "the shop system's API is not at that address (is the URL right? WooCommerce: are permalinks on?)",
		CodeNetwork:         "the shop cannot be reached",
		CodeBadResponse:     "the shop's answer is not what its API answers",
		CodeNewerDB:         "the database was written by a newer Orderbrug; update Orderbrug",
		CodeMoved:           "the shop lives at " + use + ": use that address (--url " + use + ")",
		CodeNoHTTPS:         "the shop does not speak HTTPS at that address; it answers at " + use + " (--url " + use + ")",
		CodeWordPressAt:     "WordPress lives at " + use + ", not at the address given: use that address (--url " + use + ")",
		CodeNothingToCredit: "nothing is left to credit; the change is marked as handled (book a raised total yourself with an extra invoice)",
		CodeLedgerAuth:      "the accounting package refuses the token (is it complete, and not revoked?)",
		CodeLedgerNetwork:   "the accounting package cannot be reached",
		CodeLedgerBusy:      "the accounting package's rate limit is reached: try again in a few minutes",
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
