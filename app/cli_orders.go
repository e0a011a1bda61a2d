package app

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Commands on orders: the Open tab's list (orders) and one order's actions
// (order book|ignore|unignore|check|retry|credit|show).

func (r *cmdline) ordersCmd() *cobra.Command {
	var state, shop, search string
	var changed bool
	var limit int
	cmd := &cobra.Command{
		Use:   "orders [--state S] [--shop N] [--search Q] [--changed] [--json]",
		Short: "the orders, newest first (S: parked,queued,booked,failed,ignored,unbookable)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := OrderQuery{Shop: shop, Search: search, Changed: changed, Limit: limit}
			if state != "" {
				for _, s := range strings.Split(state, ",") {
					if !ValidState(s) {
						return usagef("--state %q: use parked, queued, booked, failed, ignored or unbookable", s)
					}
					q.States = append(q.States, State(s))
				}
			}
			return r.withService(cmd.Context(), func(svc *Service) error {
				orders, err := svc.Orders(cmd.Context(), q)
				if err != nil {
					return err
				}
				if orders == nil {
					orders = []OrderView{}
				}
				rows := make([][]string, 0, len(orders))
				for _, o := range orders {
					reason := o.Reason
					if o.ReasonArg != "" {
						reason += " (" + o.ReasonArg + ")"
					}
					if o.ChangedAfterBooking {
						reason = strings.TrimSpace(reason + " changed after booking: " + o.ChangeNote)
					}
					rows = append(rows, []string{o.Shop, o.Number, o.Created.Local().Format("2006-01-02"), o.Customer,
						o.Currency + " " + o.Total.String(), string(o.Status), string(o.State), reason, o.BookingRef})
				}
				return r.printer(cmd).table(orders,
					[]string{"SHOP", "ORDER", "DATE", "CUSTOMER", "TOTAL", "STATUS", "STATE", "REASON", "INVOICE"}, rows)
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&state, "state", "", "parked|queued|booked|failed|ignored|unbookable (comma separated)")
	fs.StringVar(&shop, "shop", "", "only this shop")
	fs.StringVar(&search, "search", "", "order number or customer")
	fs.BoolVar(&changed, "changed", false, "only orders changed in the shop after booking")
	fs.IntVar(&limit, "limit", 0, "at most this many")
	jsonFlag(cmd, false)
	return cmd
}

const orderUse = "order book|ignore|unignore|check|retry|credit|show SHOP NUMBER"

// orderActions are order's subcommands; books: it books, so it runs where
// the engine runs (exclusive).
var orderActions = []struct {
	name, short string
	books       bool
}{
	{"book", "book it anyway (toch doorzetten); --rate for an order not in EUR", true},
	{"ignore", "never book it", false},
	{"unignore", "decide it again", true},
	{"check", "fetch it from the shop and decide again", false},
	{"retry", "retry a failed booking", true},
	{"credit", "make the credit note of a change after booking", true},
	{"show", "the order with its lines, bookings and history", false},
}

func (r *cmdline) orderCmd() *cobra.Command {
	var rate string
	cmd := group("order", "one order: "+orderUse, orderUse, "unknown order action %q")
	// On the group, as before: order --json show SHOP NUMBER.
	jsonFlag(cmd, true)
	cmd.PersistentFlags().StringVar(&rate, "rate", "", "book: EUR per 1 unit of the order's currency, for an order not in EUR (0.9213)")
	for _, a := range orderActions {
		a := a
		cmd.AddCommand(&cobra.Command{
			Use:   a.name + " SHOP NUMBER",
			Short: a.short,
			Args:  exactArgs(2, orderUse),
			RunE: func(cmd *cobra.Command, args []string) error {
				shop, number := args[0], args[1]
				if rate != "" && a.name != "book" {
					return usagef("--rate is only for order book")
				}
				p := r.printer(cmd)
				if a.books {
					// Next to a running window or serve, the booking runs there.
					return exclusive(cmd.Context(), r.c, r.options(), handOffArgs(cmd, args), func(ctx context.Context, svc *Service) error {
						return orderWith(ctx, p, svc, a.name, shop, number, rate)
					})
				}
				return r.withService(cmd.Context(), func(svc *Service) error {
					return orderWith(cmd.Context(), p, svc, a.name, shop, number, rate)
				})
			},
		})
	}
	return cmd
}

func orderWith(ctx context.Context, p printer, svc *Service, action, shop, number, rate string) error {
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
	return p.print(d, func(w io.Writer) {
		fmt.Fprintf(w, "order %s of %s: %s (status %s)", d.Number, d.Shop, d.State, d.Status)
		if d.Reason != "" {
			fmt.Fprintf(w, ", reason %s %s", d.Reason, d.ReasonArg)
		}
		if d.BookingRef != "" {
			fmt.Fprintf(w, ", booked as %s", d.BookingRef)
		}
		if d.ChangedAfterBooking {
			fmt.Fprintf(w, ", changed after booking: %s (orderbrug order credit %s %s makes the credit note)", d.ChangeNote, d.Shop, d.Number)
		}
		fmt.Fprintln(w)
		if d.Detail != "" {
			fmt.Fprintf(w, "detail: %s\n", d.Detail)
		}
	})
}
