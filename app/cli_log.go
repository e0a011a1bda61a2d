package app

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// log: the activity log.

func (r *cmdline) logCmd() *cobra.Command {
	var shop string
	var limit int
	cmd := &cobra.Command{
		Use:   "log [--shop N] [--limit 50] [--json]",
		Short: "the event log, newest first",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				evs, err := svc.Events(cmd.Context(), EventQuery{Shop: shop, Limit: limit})
				if err != nil {
					return err
				}
				return r.printer(cmd).print(eventsWire(evs), func(w io.Writer) {
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
						fmt.Fprintf(w, "%s %-5s %s %s %s %s %s\n", e.At.Local().Format("2006-01-02 15:04:05"), e.Level, e.Shop,
							e.OrderNo, e.Code, strings.Join(kv, " "), e.Detail)
					}
				})
			})
		},
	}
	cmd.Flags().StringVar(&shop, "shop", "", "only this shop")
	cmd.Flags().IntVar(&limit, "limit", 50, "lines")
	jsonFlag(cmd, false)
	return cmd
}
