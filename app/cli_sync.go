package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

// Commands that poll and book now: sync and recheck. Next to a running
// window or serve they run there (exclusive).

func (r *cmdline) syncCmd() *cobra.Command {
	var shop string
	cmd := &cobra.Command{
		Use:   "sync [--shop N] [--json]",
		Short: "poll now and book, then exit",
		RunE: func(cmd *cobra.Command, args []string) error {
			p := r.printer(cmd)
			return exclusive(cmd.Context(), r.c, r.options(), handOffArgs(cmd, args), func(ctx context.Context, svc *Service) error {
				return syncWith(ctx, p, svc, shop)
			})
		},
	}
	cmd.Flags().StringVar(&shop, "shop", "", "only this shop")
	jsonFlag(cmd, false)
	return cmd
}

func syncWith(ctx context.Context, p printer, svc *Service, shop string) error {
	res, err := svc.Sync(ctx, shop, nil)
	if perr := p.print(res, func(w io.Writer) {
		for _, p := range res.Polls {
			fmt.Fprintf(w, "%s: %d orders seen, %d new, %d changed\n", p.Shop, p.Seen, p.New, p.Changed)
		}
		b := res.Booked
		fmt.Fprintf(w, "booked %d, failed %d, retrying %d%s%s%s\n", b.Booked, b.Failed, b.Retrying, rateNote(ctx, svc),
			unreachableNote(ctx, svc), waitingNote(res.Attention))
		printAttention(w, res.Attention)
	}); perr != nil {
		return perr
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

func (r *cmdline) recheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "recheck",
		Short: "recheck parked orders (the nightly batch), then exit",
		RunE: func(cmd *cobra.Command, args []string) error {
			return exclusive(cmd.Context(), r.c, r.options(), handOffArgs(cmd, args), func(ctx context.Context, svc *Service) error {
				return recheckWith(ctx, r.c.Stdout, svc)
			})
		},
	}
}

func recheckWith(ctx context.Context, w io.Writer, svc *Service) error {
	res, b, err := svc.Recheck(ctx)
	for _, r := range res {
		fmt.Fprintf(w, "%s: %d parked orders checked, %d changed\n", r.Shop, r.Checked, r.Changed)
	}
	if err != nil {
		fmt.Fprintf(w, "booked %d, failed %d, retrying %d\n", b.Booked, b.Failed, b.Retrying)
		return err
	}
	att, err := svc.Attention(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "booked %d, failed %d, retrying %d%s%s%s\n", b.Booked, b.Failed, b.Retrying, rateNote(ctx, svc),
		unreachableNote(ctx, svc), waitingNote(att))
	printAttention(w, att)
	return waitingError(att)
}

// rateNote says how many bookings wait for the online ledger's rate limit
// and until when ("" for none): the whole backlog waiting, not only what
// this run sent (a sync soon after another sends nothing while hundreds
// wait). They book later on their own.
func rateNote(ctx context.Context, svc *Service) string {
	w, err := svc.LedgerWait(ctx)
	if err != nil || w.Count == 0 {
		return ""
	}
	name := "the ledger"
	if ls, err := svc.LedgerSettings(ctx); err == nil {
		if _, online := ledgers.Lookup(ls.Kind); online {
			name = ledgerName(ls.Kind)
		}
	}
	next, now := w.Next.Local(), svc.clock.Now().Local()
	until := next.Format("15:04")
	if next.Format(time.DateOnly) != now.Format(time.DateOnly) {
		until = next.Format("2006-01-02 15:04")
	}
	return fmt.Sprintf(", %d %s for %s's rate limit until %s (orderbrug ledger status)", w.Count,
		plural(w.Count, "booking waits", "bookings wait"), name, until)
}

// unreachableNote says how many bookings wait for the online ledger to
// answer again (a 5xx, a timeout: "" for none): Orderbrug retries them on
// its own, so they are no one's matter and sync exits 0 for them.
func unreachableNote(ctx context.Context, svc *Service) string {
	w, err := svc.LedgerUnreachable(ctx)
	if err != nil || w.Count == 0 {
		return ""
	}
	return fmt.Sprintf(", %d %s for the ledger to be reachable; Orderbrug retries", w.Count, plural(w.Count, "booking waits", "bookings wait"))
}
