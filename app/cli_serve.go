package app

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// serve: the engine headless.

func (r *cmdline) serveCmd() *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR]",
		Short: "run the engine headless until SIGINT/SIGTERM",
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt := r.options()
			if opt.DataDir == "" {
				d, err := DefaultDataDir()
				if err != nil {
					return err
				}
				opt.DataDir = d
			}
			// One engine per data directory: the window or serve, not both.
			inst, err := ClaimInstance(opt.DataDir)
			if err != nil {
				return err
			}
			defer inst.Close()
			svc, err := open(cmd.Context(), opt)
			if err != nil {
				return err
			}
			defer svc.Close()
			inst.RunCommands(svc) // sync, recheck, order book from the CLI run here
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := svc.Start(ctx); err != nil {
				return err
			}
			if err := svc.StartWebhooks(ctx, listen); err != nil {
				return err
			}
			fmt.Fprintf(r.c.Stdout, "orderbrug: serving (data %s, webhooks on %s); stop with Ctrl+C\n", svc.DataDir(), svc.TunnelStatus().Local)
			<-ctx.Done()
			fmt.Fprintln(r.c.Stdout, "orderbrug: stopping")
			inst.Close() // commands handed to serve end before its service closes
			return svc.Close()
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "webhook server address for this run (default: the kept one)")
	return cmd
}
