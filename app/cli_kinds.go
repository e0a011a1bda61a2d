package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// kinds: the shop systems Orderbrug connects to, with the flags of `shop
// add KIND` and `shop set`.

func (r *cmdline) kindsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kinds [--json]",
		Short: "the shop systems Orderbrug connects to, with their flags",
		RunE: func(cmd *cobra.Command, _ []string) error {
			kinds := r.kinds()
			if kinds == nil {
				kinds = []KindInfo{}
			}
			return r.printer(cmd).print(kinds, func(w io.Writer) {
				for _, k := range kinds {
					printKind(w, k)
				}
			})
		},
	}
	jsonFlag(cmd, false)
	return cmd
}

// printKind is a kind's paragraph of `kinds`.
func printKind(w io.Writer, k KindInfo) {
	fmt.Fprintf(w, "%s (%s)\n", k.Kind, k.Name)
	line := "  shop add " + string(k.Kind) + " --name N"
	for _, f := range k.Fields {
		v := strings.ToUpper(strings.ReplaceAll(f.Flag, "-", "_"))
		switch {
		case f.Default != "":
			line += " [--" + f.Flag + " " + v + " (default " + f.Default + ")]"
		case !f.Required:
			line += " [--" + f.Flag + " " + v + "]"
		default:
			line += " --" + f.Flag + " " + v
		}
	}
	fmt.Fprintln(w, line)
	if len(k.Options) > 0 || k.OwnerHookKey {
		line = "  shop set NAME"
		if k.OwnerHookKey {
			line += " [--webhook-key K|-]"
		}
		for _, o := range k.Options {
			line += " [--" + o.Flag + " " + optionValues(o)
			if o.Default != "" {
				line += " (default " + o.Default + ")"
			}
			line += "]"
		}
		fmt.Fprintln(w, line)
		if len(k.Options) > 0 {
			fmt.Fprintln(w, "  (shop add "+string(k.Kind)+" takes the settings too)")
		}
	}
	if !k.Webhooks {
		fmt.Fprintln(w, "  no webhooks: polled only")
		return
	}
	if len(k.Topics) > 0 {
		keys := make([]string, len(k.Topics))
		for i, t := range k.Topics {
			keys[i] = t.Key
		}
		fmt.Fprintf(w, "  webhook topics: %s\n", strings.Join(keys, ","))
	}
	if k.HookHeader != "" {
		fmt.Fprintf(w, "  webhooks carry the request header %s: orderbrug webhook secret --shop N prints it with its value\n", k.HookHeader)
	}
}
