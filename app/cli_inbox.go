package app

import (
	"context"
	"fmt"
	"strconv"

	"github.com/orderbrug/orderbrug/sync/store"
)

// cmdInbox lists the webhook inbox or the refused requests, or replays one
// delivery:
//
//	inbox [--rejected] [--limit N] [--json]
//	inbox replay ID [--json]
func cmdInbox(ctx context.Context, c *CLI, opt Options, args []string) error {
	if len(args) > 0 && args[0] == "replay" {
		return cmdInboxReplay(ctx, c, opt, args[1:])
	}
	fs := newFlags("inbox", c)
	rejected := fs.Bool("rejected", false, "the refused requests instead, counted per shop, reason and hour")
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
		rs, err := svc.Rejections(ctx, *limit)
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
			fmt.Fprintf(c.Stdout, "%s %s %s %d %s: %d times, last %s: %s\n", r.Hour.Local().Format("2006-01-02 15:04"),
				r.Source, r.Shop, r.Status, r.Code, r.Count, r.ReceivedAt.Local().Format("15:04:05"), r.Reason)
		}
		return nil
	}
	ds, err := svc.Deliveries(ctx, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		if ds == nil {
			ds = []Delivery{}
		}
		return printJSON(c.Stdout, ds)
	}
	for _, d := range ds {
		printDelivery(c, d)
	}
	return nil
}

func printDelivery(c *CLI, d Delivery) {
	fmt.Fprintf(c.Stdout, "%d %s %s %s %s order %s: %s", d.ID, d.ReceivedAt.Local().Format("2006-01-02 15:04:05"), d.Source,
		d.Shop, d.Topic, d.OrderID, d.Result)
	if d.ProcessedAt.IsZero() {
		fmt.Fprint(c.Stdout, "(pending)")
	}
	if d.Status != 0 && d.Status != 200 {
		fmt.Fprintf(c.Stdout, " [answered %d]", d.Status)
	}
	if d.Repeats > 0 {
		fmt.Fprintf(c.Stdout, " [+%d repeats]", d.Repeats)
	}
	fmt.Fprintln(c.Stdout)
}

// cmdInboxReplay processes one stored delivery again from its raw bytes.
func cmdInboxReplay(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("inbox replay", c)
	asJSON := fs.Bool("json", false, "JSON output")
	pos, err := parseN(fs, args, 1, "inbox replay ID")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("inbox replay ID: %q is not a delivery id (see orderbrug inbox)", pos[0])
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	d, err := svc.ReplayDelivery(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(c.Stdout, d)
	}
	printDelivery(c, d)
	return nil
}
