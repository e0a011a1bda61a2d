package app

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// tunnel set|status: how shops reach the webhooks (ngrok or an own URL).

const tunnelUse = "tunnel set --authtoken T|- [--domain D] | tunnel set --public-url URL [--listen ADDR] | tunnel status [--json]"

func (r *cmdline) tunnelCmd() *cobra.Command {
	cmd := group("tunnel", "how shops reach the webhooks: ngrok or your own public URL", tunnelUse, "unknown tunnel command %q")
	cmd.AddCommand(r.tunnelSetCmd(), r.tunnelStatusCmd())
	return cmd
}

func (r *cmdline) tunnelSetCmd() *cobra.Command {
	var token, domain, public, listen string
	cmd := &cobra.Command{
		Use:   "set --authtoken T|- [--domain D] | set --public-url URL [--listen ADDR]",
		Short: "ngrok (- reads the authtoken from stdin), or your own public URL forwarding to ADDR",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if public != "" && (token != "" || domain != "") {
				return usagef("tunnel set: --public-url or --authtoken, not both")
			}
			if listen != "" && public == "" {
				return usagef("tunnel set: --listen goes with --public-url")
			}
			token, err := r.c.secretArg(token)
			if err != nil {
				return err
			}
			return r.withService(cmd.Context(), func(svc *Service) error {
				ctx := cmd.Context()
				if public != "" {
					if err := svc.SetOwnURL(ctx, public, listen); err != nil {
						return err
					}
					ts, _, _ := svc.TunnelSettings(ctx)
					fmt.Fprintf(r.c.Stdout, "own public URL saved: shops deliver to %s, which must forward to %s\n", ts.PublicURL, ts.OwnListen)
					return nil
				}
				if err := svc.SetTunnel(ctx, token, domain); err != nil {
					return err
				}
				fmt.Fprintln(r.c.Stdout, "tunnel saved; it starts with `orderbrug serve` or the app")
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&token, "authtoken", "", "ngrok authtoken (- reads it from stdin, keeping it out of ps and history)")
	fs.StringVar(&domain, "domain", "", "static ngrok domain (optional)")
	fs.StringVar(&public, "public-url", "", "your own public URL (Cloudflare Tunnel, Tailscale Funnel, reverse proxy) instead of ngrok")
	fs.StringVar(&listen, "listen", "", "with --public-url: the fixed local address your proxy forwards to (default: the kept one)")
	return cmd
}

func (r *cmdline) tunnelStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "the tunnel's settings",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				ts, has, err := svc.TunnelSettings(cmd.Context())
				if err != nil {
					return err
				}
				mode := TunnelNgrok
				if ts.own() {
					mode = TunnelOwn
				}
				v := map[string]any{"mode": mode, "has_authtoken": has, "domain": ts.Domain, "enabled": ts.Enabled,
					"listen": ts.Listen, "public_url": ts.PublicURL, "own_listen": ts.OwnListen}
				return r.printer(cmd).print(v, func(w io.Writer) {
					if mode == TunnelOwn {
						fmt.Fprintf(w, "own public URL %s forwarding to %s, enabled: %v\n", ts.PublicURL, ts.OwnListen, ts.Enabled)
						return
					}
					fmt.Fprintf(w, "ngrok, authtoken set: %v, domain: %q, webhook server: %s\n", has, ts.Domain, ts.Listen)
				})
			})
		},
	}
	jsonFlag(cmd, false)
	return cmd
}
