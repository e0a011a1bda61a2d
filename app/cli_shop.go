package app

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

// Commands that set up shops, the seller and the ledger.

func cmdShop(ctx context.Context, c *CLI, opt Options, args []string) error {
	if len(args) == 0 {
		return usagef("shop add|list|show|rename|set|forward|remove")
	}
	switch args[0] {
	case "add":
		fs := newFlags("shop add", c)
		name := fs.String("name", "", "shop name")
		u := fs.String("url", "", "shop address")
		key := fs.String("key", "", "consumer key (ck_...; - reads it from stdin)")
		secret := fs.String("secret", "", "consumer secret (cs_...; - reads it from stdin, keeping it out of ps and history)")
		forward := fs.String("forward", "", "statuses to book, comma separated (default processing,completed)")
		interval := fs.Duration("interval", DefaultPollInterval, "poll interval")
		lookback := fs.Int("lookback", DefaultLookbackDays, "recheck parked orders of the last N days (0: all)")
		since := fs.String("since", "", "book orders paid (or, unpaid, created) from this date (YYYY-MM-DD; default: from now, older orders are in the books already)")
		sells := fs.String("sells", "goods", "what the shop sells: goods or services")
		pos, err := parseN(fs, args[1:], 1, "shop add woocommerce --name N --url URL --key CK --secret CS")
		if err != nil {
			return err
		}
		if *key, err = c.secretArg(*key); err != nil {
			return err
		}
		if *secret, err = c.secretArg(*secret); err != nil {
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
		fmt.Fprintf(c.Stdout, "shop %s added (connection tested); orders paid from %s are booked when their status is %s\n",
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
		fmt.Fprintf(c.Stdout, "%s (%s, slug %s)\nurl %s\nsells %s\nbooks orders paid from %s\nforward %s, every %s, recheck %d days\nwebhook path %s\n",
			si.Name, si.Source, si.Slug, si.URL, si.Sells, si.Since.Local().Format("2006-01-02 15:04"),
			joinStatuses(si.Forward), shortDuration(si.Interval), si.LookbackDays, si.Webhook.Path)
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
		since := fs.String("since", "", "book orders paid (or, unpaid, created) from this date (YYYY-MM-DD); earlier than before: backfill")
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
			fmt.Fprintf(c.Stdout, "%s books orders paid from %s; %d orders decided again; orders modified since then are fetched at the next sync\n",
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
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Source, s.URL, s.Sells, joinStatuses(s.Forward), shortDuration(s.Interval), last, s.LastError)
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
