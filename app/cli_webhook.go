package app

import (
	"context"
	"fmt"
	"strings"
)

// Commands for webhooks, the tunnel and the inbox.

func cmdWebhook(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("webhook", c)
	shop := fs.String("shop", "", "the shop (needed when there are several)")
	topics := fs.String("topics", "", "topics to act on, comma separated (order.created,order.updated,order.deleted,order.restored)")
	asJSON := fs.Bool("json", false, "JSON output")
	pos, err := parseN(fs, args, 1, "webhook status|on|off [--shop N]")
	if err != nil {
		return err
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	if *topics != "" {
		if err := svc.SetWebhookTopics(ctx, *shop, strings.Split(*topics, ",")); err != nil {
			return err
		}
	}
	switch pos[0] {
	case "on", "off":
		if err := svc.SetWebhook(ctx, *shop, pos[0] == "on"); err != nil {
			return err
		}
	case "status":
	default:
		return usagef("webhook status|on|off [--shop N]")
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
		fmt.Fprintf(c.Stdout, "%s: webhooks %s, topics %s, path %s", si.Name, state, strings.Join(w.Topics, ","), w.Path)
		if w.Status != "" {
			fmt.Fprintf(c.Stdout, ", registered (%s)", w.Status)
		}
		if w.Reactivated > 0 {
			fmt.Fprintf(c.Stdout, ", re-activated %d times", w.Reactivated)
		}
		if w.Rejected > 0 {
			fmt.Fprintf(c.Stdout, ", %d requests refused in 7 days (orderbrug inbox --rejected)", w.Rejected)
		}
		fmt.Fprintln(c.Stdout)
	}
	return nil
}

func cmdTunnel(ctx context.Context, c *CLI, opt Options, args []string) error {
	if len(args) == 0 {
		return usagef("tunnel set --authtoken T [--domain D] | tunnel status")
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	switch args[0] {
	case "set":
		fs := newFlags("tunnel set", c)
		token := fs.String("authtoken", "", "ngrok authtoken")
		domain := fs.String("domain", "", "static ngrok domain (optional)")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
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
		ts, has, err := svc.TunnelSettings(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(c.Stdout, map[string]any{"has_authtoken": has, "domain": ts.Domain, "enabled": ts.Enabled, "listen": ts.Listen})
		}
		fmt.Fprintf(c.Stdout, "authtoken set: %v, domain: %q, webhook server: %s\n", has, ts.Domain, ts.Listen)
		return nil
	}
	return usagef("unknown tunnel command %q", args[0])
}
