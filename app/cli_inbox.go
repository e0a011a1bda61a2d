package app

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/orderbrug/orderbrug/sync/store"
)

// inbox: the webhook inbox or the refused requests, and replaying one
// delivery:
//
//	inbox [--rejected] [--limit N] [--json]
//	inbox replay ID [--json]

func (r *cmdline) inboxCmd() *cobra.Command {
	var rejected bool
	var limit int
	cmd := &cobra.Command{
		Use:   "inbox [--rejected] [--limit N] [--json] | inbox replay ID [--json]",
		Short: "the webhook deliveries received (or, --rejected, refused)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				p := r.printer(cmd)
				if rejected {
					rs, err := svc.Rejections(cmd.Context(), limit)
					if err != nil {
						return err
					}
					if rs == nil {
						rs = []store.Rejection{}
					}
					return p.print(rs, func(w io.Writer) {
						for _, r := range rs {
							fmt.Fprintf(w, "%s %s %s %d %s: %d times, last %s: %s\n", r.Hour.Local().Format("2006-01-02 15:04"),
								r.Source, r.Shop, r.Status, r.Code, r.Count, r.ReceivedAt.Local().Format("15:04:05"), r.Reason)
						}
					})
				}
				ds, err := svc.Deliveries(cmd.Context(), limit)
				if err != nil {
					return err
				}
				if ds == nil {
					ds = []Delivery{}
				}
				return p.print(ds, func(w io.Writer) {
					for _, d := range ds {
						printDelivery(w, d)
					}
				})
			})
		},
	}
	cmd.Flags().BoolVar(&rejected, "rejected", false, "the refused requests instead, counted per shop, reason and hour")
	cmd.Flags().IntVar(&limit, "limit", 50, "lines")
	jsonFlag(cmd, true)
	cmd.AddCommand(r.inboxReplayCmd())
	return cmd
}

func printDelivery(w io.Writer, d Delivery) {
	fmt.Fprintf(w, "%d %s %s %s %s order %s: %s", d.ID, d.ReceivedAt.Local().Format("2006-01-02 15:04:05"), d.Source,
		d.Shop, d.Topic, d.OrderID, d.Result)
	if d.ProcessedAt.IsZero() {
		fmt.Fprint(w, "(pending)")
	}
	if d.Status != 0 && d.Status != 200 {
		fmt.Fprintf(w, " [answered %d]", d.Status)
	}
	if d.Repeats > 0 {
		fmt.Fprintf(w, " [+%d repeats]", d.Repeats)
	}
	fmt.Fprintln(w)
}

// inboxReplayCmd processes one stored delivery again from its raw bytes.
func (r *cmdline) inboxReplayCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "replay ID [--json]",
		Short: "process a stored delivery again",
		Args:  exactArgs(1, "inbox replay ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("inbox replay ID: %q is not a delivery id (see orderbrug inbox)", args[0])
			}
			return r.withService(cmd.Context(), func(svc *Service) error {
				d, err := svc.ReplayDelivery(cmd.Context(), id)
				if err != nil {
					return err
				}
				return r.printer(cmd).print(d, func(w io.Writer) { printDelivery(w, d) })
			})
		},
	}
}
