package app

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Commands for webhooks, the tunnel and the inbox.

func cmdWebhook(ctx context.Context, c *CLI, opt Options, args []string) error {
	const use = "webhook status|on|off|secret [--shop N]"
	fs := newFlags("webhook", c)
	shop := fs.String("shop", "", "the shop (needed when there are several)")
	topics := fs.String("topics", "", "topics to act on, comma separated (order.created,order.updated,order.deleted,order.restored)")
	asJSON := fs.Bool("json", false, "JSON output")
	pos, err := parseN(fs, args, 1, use)
	if err != nil {
		return err
	}
	switch pos[0] {
	case "on", "off", "status", "secret":
	default:
		return usagef(use)
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	if pos[0] == "secret" {
		// Asked for on purpose: the only command that prints a secret.
		secret, err := svc.WebhookSecret(ctx, *shop)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(c.Stdout, map[string]string{"secret": secret})
		}
		fmt.Fprintln(c.Stdout, secret)
		return nil
	}
	if *topics != "" {
		if err := svc.SetWebhookTopics(ctx, *shop, strings.Split(*topics, ",")); err != nil {
			return err
		}
	}
	if pos[0] == "on" || pos[0] == "off" {
		if err := svc.SetWebhook(ctx, *shop, pos[0] == "on"); err != nil {
			return err
		}
	}
	if pos[0] == "status" {
		// The shop's real state now, not only what the last poll saw.
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := svc.RefreshWebhooks(rctx, *shop)
		cancel()
		if err != nil {
			fmt.Fprintf(c.Stderr, "orderbrug webhook: could not read the shop's webhooks, showing what was seen last: %s\n", Explain(err))
		}
	}
	var infos []ShopInfo
	if *shop != "" {
		si, err := svc.Shop(ctx, *shop)
		if err != nil {
			return err
		}
		infos = []ShopInfo{si}
	} else if infos, err = svc.Shops(ctx); err != nil {
		return err
	}
	if *asJSON {
		out := map[string]WebhookInfo{}
		for _, si := range infos {
			out[si.Name] = si.Webhook
		}
		return printJSON(c.Stdout, out)
	}
	for _, si := range infos {
		w := si.Webhook
		state := "off"
		if w.Enabled {
			state = "on"
		}
		fmt.Fprintf(c.Stdout, "%s: webhooks %s, topics %s, path %s, %s", si.Name, state, strings.Join(w.Topics, ","), w.Path,
			strings.ReplaceAll(w.Registration, "_", " "))
		if w.Status != "" && w.Registration != w.Status {
			fmt.Fprintf(c.Stdout, " (%s)", w.Status)
		}
		if w.URL != "" && w.Registration != NotRegistered {
			fmt.Fprintf(c.Stdout, " at %s", w.URL)
		}
		if w.LastDelivery != nil {
			fmt.Fprintf(c.Stdout, ", last delivery %s", w.LastDelivery.Local().Format("2006-01-02 15:04:05"))
		} else {
			fmt.Fprint(c.Stdout, ", no delivery yet")
		}
		if w.Reactivated > 0 {
			fmt.Fprintf(c.Stdout, ", re-activated %d times", w.Reactivated)
		}
		if w.Rejected > 0 {
			fmt.Fprintf(c.Stdout, ", %d requests refused in 7 days (orderbrug inbox --rejected)", w.Rejected)
		}
		fmt.Fprintln(c.Stdout)
		if w.Enabled && w.Registration == NotRegistered {
			fmt.Fprintf(c.Stdout, "  nothing was registered in the shop: %s\n", WhyNotRegistered(w.Reason))
		}
	}
	return nil
}

func cmdTunnel(ctx context.Context, c *CLI, opt Options, args []string) error {
	const use = "tunnel set --authtoken T|- [--domain D] | tunnel set --public-url URL [--listen ADDR] | tunnel status [--json]"
	if len(args) == 0 {
		return usagef(use)
	}
	switch args[0] {
	case "set":
		fs := newFlags("tunnel set", c)
		token := fs.String("authtoken", "", "ngrok authtoken (- reads it from stdin, keeping it out of ps and history)")
		domain := fs.String("domain", "", "static ngrok domain (optional)")
		public := fs.String("public-url", "", "your own public URL (Cloudflare Tunnel, Tailscale Funnel, reverse proxy) instead of ngrok")
		listen := fs.String("listen", "", "with --public-url: the fixed local address your proxy forwards to (default: the kept one)")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *public != "" && (*token != "" || *domain != "") {
			return usagef("tunnel set: --public-url or --authtoken, not both")
		}
		if *listen != "" && *public == "" {
			return usagef("tunnel set: --listen goes with --public-url")
		}
		var err error
		if *token, err = c.secretArg(*token); err != nil {
			return err
		}
		svc, err := open(ctx, opt)
		if err != nil {
			return err
		}
		defer svc.Close()
		if *public != "" {
			if err := svc.SetOwnURL(ctx, *public, *listen); err != nil {
				return err
			}
			ts, _, _ := svc.TunnelSettings(ctx)
			fmt.Fprintf(c.Stdout, "own public URL saved: shops deliver to %s, which must forward to %s\n", ts.PublicURL, ts.OwnListen)
			return nil
		}
		if err := svc.SetTunnel(ctx, *token, *domain); err != nil {
			return err
		}
		fmt.Fprintln(c.Stdout, "tunnel saved; it starts with `orderbrug serve` or the app")
		return nil
	case "status":
		fs := newFlags("tunnel status", c)
		asJSON := fs.Bool("json", false, "JSON output")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		svc, err := open(ctx, opt)
		if err != nil {
			return err
		}
		defer svc.Close()
		ts, has, err := svc.TunnelSettings(ctx)
		if err != nil {
			return err
		}
		mode := TunnelNgrok
		if ts.own() {
			mode = TunnelOwn
		}
		if *asJSON {
			return printJSON(c.Stdout, map[string]any{"mode": mode, "has_authtoken": has, "domain": ts.Domain, "enabled": ts.Enabled,
				"listen": ts.Listen, "public_url": ts.PublicURL, "own_listen": ts.OwnListen})
		}
		if mode == TunnelOwn {
			fmt.Fprintf(c.Stdout, "own public URL %s forwarding to %s, enabled: %v\n", ts.PublicURL, ts.OwnListen, ts.Enabled)
			return nil
		}
		fmt.Fprintf(c.Stdout, "ngrok, authtoken set: %v, domain: %q, webhook server: %s\n", has, ts.Domain, ts.Listen)
		return nil
	}
	return usagef("unknown tunnel command %q", args[0])
}
