package app

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
)

// Commands on orders and the activity log.

func cmdOrders(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("orders", c)
	state := fs.String("state", "", "parked|queued|booked|failed|ignored|unbookable (comma separated)")
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
			if !ValidState(s) {
				return usagef("--state %q: use parked, queued, booked, failed, ignored or unbookable", s)
			}
			q.States = append(q.States, State(s))
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
	if books := action == "book" || action == "retry" || action == "unignore" || action == "credit"; books {
		// Next to a running window or serve, the booking runs there.
		return exclusive(ctx, c, opt, append([]string{"order"}, args...), func(ctx context.Context, svc *Service) error {
			return orderWith(ctx, c, svc, action, shop, number, *rate, *asJSON)
		})
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	return orderWith(ctx, c, svc, action, shop, number, *rate, *asJSON)
}

func orderWith(ctx context.Context, c *CLI, svc *Service, action, shop, number, rate string, asJSON bool) error {
	var err error
	switch action {
	case "book":
		err = svc.BookAnywayAt(ctx, shop, number, rate)
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
	if asJSON {
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
		return printJSON(c.Stdout, eventsWire(evs))
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
