package app

import (
	"context"
	"fmt"
	"io"
)

// Commands that poll and book now.

func cmdSync(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("sync", c)
	shop := fs.String("shop", "", "only this shop")
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	// Next to a running window or serve, the sync runs there.
	return exclusive(ctx, c, opt, append([]string{"sync"}, args...), func(ctx context.Context, svc *Service) error {
		return syncWith(ctx, c, svc, *shop, *asJSON)
	})
}

func syncWith(ctx context.Context, c *CLI, svc *Service, shop string, asJSON bool) error {
	res, err := svc.Sync(ctx, shop, nil)
	if asJSON {
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
	return exclusive(ctx, c, opt, append([]string{"recheck"}, args...), func(ctx context.Context, svc *Service) error {
		return recheckWith(ctx, c, svc)
	})
}

func recheckWith(ctx context.Context, c *CLI, svc *Service) error {
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
