package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
)

// shop add|list|show|rename|set|forward|remove: the connected shops. `shop
// add KIND` has a subcommand per registered kind, with that kind's fields as
// flags; `shop set` has every kind's settings as flags and takes those of
// the shop's kind.

func (r *cmdline) shopCmd() *cobra.Command {
	cmd := group("shop", "the connected shops", "shop add|list|show|rename|set|forward|remove", "unknown shop command %q")
	cmd.AddCommand(r.shopAddCmd(), r.shopListCmd(), r.shopShowCmd(), r.shopRenameCmd(), r.shopSetCmd(),
		r.shopForwardCmd(), r.shopRemoveCmd())
	return cmd
}

// kindNames is "plugandpay or woocommerce": the kinds `shop add` takes.
func kindNames(kinds []KindInfo) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k.Kind)
	}
	sort.Strings(names)
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func (r *cmdline) shopAddCmd() *cobra.Command {
	kinds := r.kinds()
	cmd := &cobra.Command{
		Use:   "add KIND --name N [the kind's flags]",
		Short: "connect a shop: test the connection, then save; books from now unless --since is earlier",
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("shop add KIND --name N ...: KIND is %s (orderbrug kinds lists their flags)", kindNames(kinds))
			}
			return usagef("shop add: unknown kind %q: use %s (orderbrug kinds lists their flags)", args[0], kindNames(kinds))
		},
	}
	// Without a kind the kind's flags are unknown here: say which kinds
	// there are, not which flag is wrong.
	cmd.FParseErrWhitelist.UnknownFlags = true
	for _, k := range kinds {
		cmd.AddCommand(r.shopAddKindCmd(k))
	}
	return cmd
}

// shopAdd is what `shop add KIND` was given.
type shopAdd struct {
	kind                 KindInfo
	fields               []string // by kind.Fields
	options              []*optionFlag
	name, forward, since string
	interval             time.Duration
	lookback             int
	sells                string
}

func (r *cmdline) shopAddKindCmd(k KindInfo) *cobra.Command {
	a := &shopAdd{kind: k, fields: make([]string, len(k.Fields))}
	line := string(k.Kind) + " --name N"
	for _, f := range k.Fields {
		v := " --" + f.Flag + " " + strings.ToUpper(strings.ReplaceAll(f.Flag, "-", "_"))
		if !f.Required {
			v = " [" + v[1:] + "]"
		}
		line += v
	}
	// The kind's settings, as `shop set` has them; not given: the defaults.
	for _, o := range k.Options {
		a.options = append(a.options, &optionFlag{OptionInfo: o})
		line += " [--" + o.Flag + " " + optionValues(o) + "]"
	}
	use := "shop add " + line
	cmd := &cobra.Command{
		Use:   line,
		Short: "connect a " + k.Name + " shop",
		Args:  exactArgs(0, use),
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := r.shopAddInput(a)
			if err != nil {
				return err
			}
			for _, o := range a.options {
				if !cmd.Flags().Changed(o.Flag) {
					continue
				}
				v, err := optionValue(o)
				if err != nil {
					return err
				}
				if in.Options == nil {
					in.Options = map[string]string{}
				}
				in.Options[o.Key] = v
			}
			info, err := r.addShop(cmd.Context(), in)
			if err != nil {
				return err
			}
			tested := " (connection tested)"
			if len(k.Fields) == 0 {
				tested = "" // nothing to connect to: the shop calls Orderbrug
			}
			fmt.Fprintf(r.c.Stdout, "shop %s added%s; orders paid from %s are booked when their status is %s\n",
				info.Name, tested, info.Since.Local().Format("2006-01-02 15:04"), joinStatuses(info.Forward))
			if h := info.Webhook.Header; h != "" {
				fmt.Fprintf(r.c.Stdout, "it calls Orderbrug: paste the URLs of `orderbrug webhook status --shop %q` in its webhook settings, "+
					"with the request header `orderbrug webhook secret --shop %q` prints (%s: ...)\n", info.Name, info.Name, h)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&a.name, "name", "", "shop name")
	for i, f := range k.Fields {
		fs.StringVar(&a.fields[i], f.Flag, f.Default, fieldUsage(k, f))
	}
	for _, o := range a.options {
		fs.StringVar(&o.value, o.Flag, "", optionUsage(o.OptionInfo))
	}
	fs.StringVar(&a.forward, "forward", "", "statuses to book, comma separated (default: the kind's, see orderbrug kinds)")
	a.interval, a.lookback = DefaultPollInterval, DefaultLookbackDays
	if k.Poll {
		// A kind that is never polled (the till) has neither.
		fs.DurationVar(&a.interval, "interval", DefaultPollInterval, "poll interval")
		fs.Lookup("interval").DefValue = shortDuration(DefaultPollInterval) // "15m", as people write it
		fs.IntVar(&a.lookback, "lookback", DefaultLookbackDays, "recheck parked orders of the last N days (0: all)")
	}
	fs.StringVar(&a.since, "since", "", "book orders paid (or, unpaid, created) from this date (YYYY-MM-DD; default: from now, older orders are in the books already)")
	fs.StringVar(&a.sells, "sells", "goods", "what the shop sells: goods or services")
	return cmd
}

// fieldUsage is the help of a kind's field flag (the lang keys of its label
// are for the window; the command line speaks English).
func fieldUsage(k KindInfo, f FieldInfo) string {
	u := f.Key + " of the " + k.Name + " shop"
	if f.Required {
		u += ", required"
	}
	if f.Secret {
		u += " (- reads it from stdin, keeping it out of ps and history)"
	}
	return u
}

// shopAddInput is the shop a's flags describe. Every field takes "-": its
// value is the next line of stdin, in the order of the kind's fields.
func (r *cmdline) shopAddInput(a *shopAdd) (ShopInput, error) {
	lookback := a.lookback
	in := ShopInput{Name: a.name, Source: a.kind.Kind, Interval: a.interval, LookbackDays: &lookback, Sells: order.Sells(a.sells)}
	for i, f := range a.kind.Fields {
		if f.Required && strings.TrimSpace(a.fields[i]) == "" {
			return in, usagef("shop add %s: --%s is required%s", a.kind.Kind, f.Flag, map[bool]string{true: " (- reads it from stdin)"}[f.Secret])
		}
		v, err := r.c.secretArg(a.fields[i])
		if err != nil {
			return in, err
		}
		switch f.Key {
		case "url":
			in.URL = v
		case "key":
			in.Key = v
		case "secret":
			in.Secret = v
		default:
			return in, fmt.Errorf("kind %s: field %q has no place in a shop", a.kind.Kind, f.Key)
		}
	}
	if a.forward != "" {
		in.Forward = splitStatuses(a.forward)
	}
	if a.since != "" {
		t, err := parseDate(a.since)
		if err != nil {
			return in, err
		}
		in.Since = t
	}
	return in, nil
}

func (r *cmdline) addShop(ctx context.Context, in ShopInput) (ShopInfo, error) {
	if r.c.seams.addShop != nil {
		return r.c.seams.addShop(in)
	}
	var info ShopInfo
	err := r.withService(ctx, func(svc *Service) error {
		var err error
		info, err = svc.AddShop(ctx, in)
		return err
	})
	return info, err
}

func (r *cmdline) shopShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show NAME [--json]",
		Short: "one shop",
		Args:  exactArgs(1, "shop show NAME [--json]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				si, err := svc.Shop(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return r.printer(cmd).print(si, func(w io.Writer) {
					url := si.URL
					if url == "" {
						url = "- (the shop calls Orderbrug)"
					}
					fmt.Fprintf(w, "%s (%s, slug %s)\nurl %s\nsells %s\nbooks orders paid from %s\nforward %s",
						si.Name, si.Source, si.Slug, url, si.Sells, si.Since.Local().Format("2006-01-02 15:04"), joinStatuses(si.Forward))
					if kindPolled(svc, si.Source) {
						fmt.Fprintf(w, ", every %s, recheck %d days", shortDuration(si.Interval), si.LookbackDays)
					}
					fmt.Fprintln(w)
					if si.Webhook.Root {
						fmt.Fprintf(w, "webhook path %s\n", si.Webhook.Path)
					} else {
						fmt.Fprintf(w, "webhook paths %s\n", joinRoutes(si.Webhook.Paths, si.Webhook.Routes))
					}
					if opts := si.Options; len(opts) > 0 {
						fmt.Fprintf(w, "settings %s\n", joinOptions(opts))
					}
				})
			})
		},
	}
	jsonFlag(cmd, false)
	return cmd
}

// kindPolled reports whether shops of kind k are polled (KindInfo.Poll);
// an unknown kind is taken to be.
func kindPolled(svc *Service, k order.Source) bool {
	for _, ki := range svc.Kinds() {
		if ki.Kind == k {
			return ki.Poll
		}
	}
	return true
}

// joinRoutes is "open /hooks/pos/bar/open, update ...": the routes in
// their kind's order (routes), any other by name.
func joinRoutes(paths map[string]string, routes []string) string {
	names := routeOrder(paths, routes)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + " " + paths[n]
	}
	return strings.Join(parts, ", ")
}

// routeOrder are the keys of m: those in routes in that order, then the
// rest by name.
func routeOrder(m map[string]string, routes []string) []string {
	var out, rest []string
	for _, n := range routes {
		if _, ok := m[n]; ok {
			out = append(out, n)
		}
	}
	for n := range m {
		if !contains(out, n) {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// joinOptions is "per_line off, recurring on": settings by key.
func joinOptions(opts map[string]string) string {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v := opts[k]
		if v == "" {
			v = `""`
		}
		parts[i] = k + " " + v
	}
	return strings.Join(parts, ", ")
}

func (r *cmdline) shopRenameCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rename NAME NEW",
		Short: "change the name people see (files and webhook URL stay)",
		Args:  exactArgs(2, "shop rename NAME NEW"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				if err := svc.RenameShop(cmd.Context(), args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(r.c.Stdout, "shop %s is now called %s; its invoice file names and webhook URL stay as they are\n", args[0], args[1])
				return nil
			})
		},
	}
}

// optionFlag is a kind's setting as a flag of `shop set`; kinds that share
// a setting (the generic recurring, per_line, products) share its flag.
type optionFlag struct {
	OptionInfo
	value string
}

func (r *cmdline) shopSetCmd() *cobra.Command {
	var since, sells, hookKey string
	var opts []*optionFlag
	seen := map[string]bool{}
	for _, k := range r.kinds() {
		for _, o := range k.Options {
			if !seen[o.Flag] {
				seen[o.Flag] = true
				opts = append(opts, &optionFlag{OptionInfo: o})
			}
		}
	}
	use := "shop set NAME [--since YYYY-MM-DD] [--sells goods|services] [--webhook-key K|-]"
	var give []string
	for _, o := range opts {
		use += " [--" + o.Flag + " " + optionValues(o.OptionInfo) + "]"
		give = append(give, "--"+o.Flag)
	}
	cmd := &cobra.Command{
		Use:   strings.TrimPrefix(use, "shop "),
		Short: "change a shop's settings (--since earlier than before: backfill from that date)",
		Args:  exactArgs(1, use),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			set := map[string]string{}
			var given []*optionFlag
			for _, o := range opts {
				if !cmd.Flags().Changed(o.Flag) {
					continue
				}
				v, err := optionValue(o)
				if err != nil {
					return err
				}
				set[o.Key] = v
				given = append(given, o)
			}
			keyGiven := cmd.Flags().Changed("webhook-key")
			if since == "" && sells == "" && len(set) == 0 && !keyGiven {
				return usagef("shop set NAME: give --since, --sells, --webhook-key%s", strings.Join(append([]string{""}, give...), ", "))
			}
			var from time.Time
			if since != "" {
				var err error
				if from, err = parseDate(since); err != nil {
					return err
				}
			}
			key := hookKey
			if keyGiven {
				var err error
				if key, err = r.c.secretArg(hookKey); err != nil {
					return err
				}
			}
			return r.withService(cmd.Context(), func(svc *Service) error {
				ctx := cmd.Context()
				if len(given) > 0 || keyGiven {
					// Only the settings of the shop's own kind, checked
					// before anything is changed.
					si, err := svc.Shop(ctx, name)
					if err != nil {
						return err
					}
					if err := r.ofKind(si, given, keyGiven); err != nil {
						return err
					}
				}
				if sells != "" {
					if err := svc.SetSells(ctx, name, order.Sells(sells)); err != nil {
						return err
					}
					fmt.Fprintf(r.c.Stdout, "%s sells %s\n", name, sells)
				}
				if since != "" {
					n, err := svc.SetSince(ctx, name, from)
					if err != nil {
						return err
					}
					fmt.Fprintf(r.c.Stdout, "%s books orders paid from %s; %d orders decided again; orders modified since then are fetched at the next sync\n",
						name, from.Local().Format("2006-01-02"), n)
				}
				if len(set) > 0 {
					if err := r.setShopOptions(ctx, svc, name, set); err != nil {
						return err
					}
					fmt.Fprintf(r.c.Stdout, "%s: %s\n", name, joinOptions(set))
				}
				if keyGiven {
					if err := r.setWebhookKey(ctx, svc, name, key); err != nil {
						return err
					}
					if key == "" {
						fmt.Fprintf(r.c.Stdout, "webhook key of %s cleared: its deliveries are not checked for a signature\n", name)
					} else {
						fmt.Fprintf(r.c.Stdout, "webhook key of %s saved: a delivery with a wrong signature is refused\n", name)
					}
				}
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&since, "since", "", "book orders paid (or, unpaid, created) from this date (YYYY-MM-DD); earlier than before: backfill")
	fs.StringVar(&sells, "sells", "", "what the shop sells: goods or services")
	fs.StringVar(&hookKey, "webhook-key", "", "the key the shop signs its webhooks with, for kinds where you enter it (- reads it from stdin; \"\" clears it)")
	for _, o := range opts {
		fs.StringVar(&o.value, o.Flag, "", optionUsage(o.OptionInfo)+" (for the kinds that have it: orderbrug kinds)")
	}
	return cmd
}

// ofKind checks that the settings given are of si's kind.
func (r *cmdline) ofKind(si ShopInfo, given []*optionFlag, hookKey bool) error {
	var kind *KindInfo
	kinds := r.kinds()
	for i := range kinds {
		if kinds[i].Kind == si.Source {
			kind = &kinds[i]
		}
	}
	if kind == nil {
		return usagef("shop %s: its kind %q has no settings", si.Name, si.Source)
	}
	if hookKey && !kind.OwnerHookKey {
		return usagef("--webhook-key is not a setting of %s shops: Orderbrug signs their webhooks with its own secret (orderbrug webhook secret --shop %s)", kind.Name, si.Name)
	}
	for _, o := range given {
		found := false
		for _, ko := range kind.Options {
			found = found || ko.Key == o.Key
		}
		if !found {
			return usagef("--%s is not a setting of %s shops", o.Flag, kind.Name)
		}
	}
	return nil
}

func optionValues(o OptionInfo) string {
	switch o.Kind {
	case OptionBool:
		return "on|off"
	case OptionChoice:
		return strings.Join(o.Choices, "|")
	case OptionClock:
		return "HH:MM"
	}
	return "ID,ID"
}

func optionUsage(o OptionInfo) string {
	u := strings.ReplaceAll(o.Key, "_", " ")
	switch o.Kind {
	case OptionBool:
		u += ": on or off"
	case OptionChoice:
		u += ": " + orList(o.Choices)
	case OptionClock:
		u += ": a time of day, HH:MM"
	default:
		u += ": comma-separated ids (\"\": none)"
	}
	if o.Default != "" {
		u += "; default " + o.Default
	}
	return u
}

// orList is "daily or per-check", "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// optionValue is o's value as the service takes it: on or off for a
// toggle, one of the choices, a time of day, a list without spaces or
// empty entries. A value the option does not take is a wrong command line
// saying what it takes.
func optionValue(o *optionFlag) (string, error) {
	v := strings.TrimSpace(o.value)
	switch o.Kind {
	case OptionBool, OptionChoice:
		// As the service takes them: DAILY is daily, On is on.
		v = strings.ToLower(v)
	}
	switch o.Kind {
	case OptionBool:
		if v != "on" && v != "off" {
			return "", usagef("--%s %q: use on or off", o.Flag, o.value)
		}
		return v, nil
	case OptionChoice:
		if !ValidOption(o.OptionInfo, v) {
			return "", usagef("--%s %q: use %s", o.Flag, o.value, orList(o.Choices))
		}
		return v, nil
	case OptionClock:
		d, err := source.ParseClock(v)
		if err != nil {
			return "", usagef("--%s %q: use a time of day, HH:MM (00:00 to 23:59)", o.Flag, o.value)
		}
		return clockText(d), nil
	}
	var ids []string
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return strings.Join(ids, ","), nil
}

func (r *cmdline) setShopOptions(ctx context.Context, svc *Service, shop string, opts map[string]string) error {
	if r.c.seams.setOptions != nil {
		return r.c.seams.setOptions(shop, opts)
	}
	return svc.SetShopOptions(ctx, shop, opts)
}

func (r *cmdline) setWebhookKey(ctx context.Context, svc *Service, shop, key string) error {
	if r.c.seams.setHookKey != nil {
		return r.c.seams.setHookKey(shop, key)
	}
	return svc.SetWebhookKey(ctx, shop, key)
}

func (r *cmdline) shopListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "the connected shops",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				shops, err := svc.Shops(cmd.Context())
				if err != nil {
					return err
				}
				if shops == nil {
					shops = []ShopInfo{}
				}
				rows := make([][]string, 0, len(shops))
				for _, s := range shops {
					last := "-"
					if !s.LastPoll.IsZero() {
						last = s.LastPoll.Local().Format("2006-01-02 15:04")
					}
					interval := shortDuration(s.Interval)
					if !kindPolled(svc, s.Source) {
						interval = "-" // never polled: it calls Orderbrug
					}
					rows = append(rows, []string{s.Name, string(s.Source), s.URL, string(s.Sells), joinStatuses(s.Forward),
						interval, last, s.LastError})
				}
				return r.printer(cmd).table(shops,
					[]string{"NAME", "SOURCE", "URL", "SELLS", "FORWARD", "INTERVAL", "LAST POLL", "ERROR"}, rows)
			})
		},
	}
	jsonFlag(cmd, false)
	return cmd
}

func (r *cmdline) shopForwardCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "forward NAME s1,s2",
		Short: `set "Status doorzetten verkopen"`,
		Args:  exactArgs(2, "shop forward NAME status1,status2"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				n, err := svc.SetForward(cmd.Context(), args[0], splitStatuses(args[1]))
				if err != nil {
					return err
				}
				if _, err := svc.engine.BookDue(cmd.Context()); err != nil {
					return err
				}
				fmt.Fprintf(r.c.Stdout, "forward set of %s is now %s; %d orders changed state\n", args[0], args[1], n)
				return nil
			})
		},
	}
}

func (r *cmdline) shopRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "stop using a shop; what was booked is kept",
		Args:  exactArgs(1, "shop remove NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				if err := svc.RemoveShop(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(r.c.Stdout, "shop %s removed; its booked orders and their records are kept (and its invoice files)\n", args[0])
				return nil
			})
		},
	}
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
