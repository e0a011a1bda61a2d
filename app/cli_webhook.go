package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// webhook status|on|off|secret: the shops' webhooks.

const webhookUse = "webhook status|on|off|secret [--shop N]"

func (r *cmdline) webhookCmd() *cobra.Command {
	var shop, topics string
	cmd := group("webhook", "the shops' webhooks: "+webhookUse, webhookUse, "")
	// On the group, as before: webhook --shop N status.
	pf := cmd.PersistentFlags()
	pf.StringVar(&shop, "shop", "", "the shop (needed when there are several)")
	pf.StringVar(&topics, "topics", "", "topics to act on, comma separated (webhook on/off/status; see orderbrug kinds)")
	jsonFlag(cmd, true)
	for _, a := range []struct{ name, short string }{
		{"status", "registration, last delivery and paths per shop (the shop's real state now)"},
		{"on", "register the webhooks in the shop"},
		{"off", "remove the webhooks Orderbrug made"},
		{"secret", "print the shop's webhook secret (the only command that does)"},
	} {
		a := a
		cmd.AddCommand(&cobra.Command{
			Use:   a.name + " [--shop N]",
			Short: a.short,
			Args:  exactArgs(0, webhookUse),
			RunE: func(cmd *cobra.Command, _ []string) error {
				return r.withService(cmd.Context(), func(svc *Service) error {
					return r.webhook(cmd.Context(), r.printer(cmd), svc, a.name, shop, topics)
				})
			},
		})
	}
	return cmd
}

func (r *cmdline) webhook(ctx context.Context, p printer, svc *Service, action, shop, topics string) error {
	if action == "secret" {
		// Asked for on purpose: the only command that prints a secret.
		header, secret, err := svc.WebhookCredential(ctx, shop)
		if err != nil {
			return err
		}
		if header != "" {
			// The shop sends it as a header's value: "Name: Value", as
			// pasted in the till's Back Office (API Key, Value).
			return p.print(map[string]string{"secret": secret, "header": header},
				func(w io.Writer) { fmt.Fprintf(w, "%s: %s\n", header, secret) })
		}
		return p.print(map[string]string{"secret": secret}, func(w io.Writer) { fmt.Fprintln(w, secret) })
	}
	if topics != "" {
		if err := svc.SetWebhookTopics(ctx, shop, strings.Split(topics, ",")); err != nil {
			var e *Error
			if errors.As(err, &e) && e.Code == CodeInvalid && e.Field == FieldTopics {
				// A wrong command line, as a bad value of any flag.
				return usagef("--topics %q: %s", topics, e.Err)
			}
			return err
		}
	}
	if action == "on" || action == "off" {
		if err := svc.SetWebhook(ctx, shop, action == "on"); err != nil {
			return err
		}
	}
	if action == "status" {
		// The shop's real state now, not only what the last poll saw.
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := svc.RefreshWebhooks(rctx, shop)
		cancel()
		if err != nil {
			fmt.Fprintf(r.c.Stderr, "orderbrug webhook: could not read the shop's webhooks, showing what was seen last: %s\n", Explain(err))
		}
	}
	var infos []ShopInfo
	if shop != "" {
		si, err := svc.Shop(ctx, shop)
		if err != nil {
			return err
		}
		infos = []ShopInfo{si}
	} else {
		var err error
		if infos, err = svc.Shops(ctx); err != nil {
			return err
		}
	}
	out := map[string]WebhookInfo{}
	for _, si := range infos {
		out[si.Name] = si.Webhook
	}
	return p.print(out, func(w io.Writer) {
		for _, si := range infos {
			printWebhook(w, si)
		}
	})
}

// printWebhook is one shop's line of webhook status.
func printWebhook(w io.Writer, si ShopInfo) {
	wh := si.Webhook
	state := "off"
	if wh.Enabled {
		state = "on"
	}
	if !wh.Root {
		// The till: its routes, pasted by the owner; nothing registers.
		fmt.Fprintf(w, "%s: webhooks %s, topics %s, paths %s", si.Name, state, strings.Join(wh.Topics, ","), joinRoutes(wh.Paths, wh.Routes))
	} else {
		fmt.Fprintf(w, "%s: webhooks %s, topics %s, path %s, %s", si.Name, state, strings.Join(wh.Topics, ","), wh.Path,
			strings.ReplaceAll(wh.Registration, "_", " "))
	}
	if wh.Status != "" && wh.Registration != wh.Status {
		fmt.Fprintf(w, " (%s)", wh.Status)
	}
	if wh.URL != "" && wh.Registration != NotRegistered {
		fmt.Fprintf(w, " at %s", wh.URL)
	}
	if wh.Header != "" {
		fmt.Fprintf(w, ", header %s", wh.Header)
	}
	if wh.LastDelivery != nil {
		fmt.Fprintf(w, ", last delivery %s", wh.LastDelivery.Local().Format("2006-01-02 15:04:05"))
	} else {
		fmt.Fprint(w, ", no delivery yet")
	}
	if wh.Reactivated > 0 {
		fmt.Fprintf(w, ", re-activated %d times", wh.Reactivated)
	}
	if wh.Rejected > 0 {
		fmt.Fprintf(w, ", %d requests refused in 7 days (orderbrug inbox --rejected)", wh.Rejected)
	}
	fmt.Fprintln(w)
	if !wh.Root {
		switch {
		case len(wh.URLs) > 0:
			fmt.Fprintf(w, "  paste these URLs in the shop's webhook settings, with the header of orderbrug webhook secret --shop %q:\n", si.Name)
			for _, n := range routeOrder(wh.URLs, wh.Routes) {
				fmt.Fprintf(w, "    %s %s\n", n, wh.URLs[n])
			}
		case wh.Reason != "":
			fmt.Fprintf(w, "  no URL to paste yet: %s\n", WhyNotRegistered(wh.Reason))
		}
		return
	}
	if wh.Manual {
		// The shop's key may not register webhooks: the owner pastes the URL.
		at := wh.URL
		if at == "" {
			at = "the public URL + " + wh.Path
		}
		fmt.Fprintf(w, "  the shop's key may not register webhooks: paste %s in the shop's webhook settings yourself\n", at)
	} else if wh.Enabled && wh.Registration == NotRegistered {
		fmt.Fprintf(w, "  nothing was registered in the shop: %s\n", WhyNotRegistered(wh.Reason))
	}
}
