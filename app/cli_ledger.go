package app

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

// ledger ubl|moneybird|eboekhouden|use|vat-map|status: where the invoices go.

// ledgerUse is the ledger group's usage: its commands, the online kinds'
// from the registry.
func ledgerUse() string {
	names := []string{"ubl"}
	for _, d := range ledgers.All() {
		names = append(names, d.Kind)
	}
	names = append(names, "use", "vat-map", "status")
	return "ledger " + strings.Join(names, "|") + " (orderbrug ledger --help lists their flags)"
}

func ledgerConnectUse(d ledger.Descriptor) string {
	use := "ledger " + d.Kind + " --token T|-"
	if d.NeedsAdministration {
		use += " --administration ID"
	}
	return use + " [--api-url URL]"
}

func (r *cmdline) ledgerCmd() *cobra.Command {
	cmd := group("ledger", "where the invoices go: the UBL folder, or an online ledger beside it", ledgerUse(), "unknown ledger command %q")
	cmd.AddCommand(r.ledgerUBLCmd(), r.ledgerUseCmd(), r.ledgerVATMapCmd(), r.ledgerStatusCmd())
	for _, d := range ledgers.All() {
		cmd.AddCommand(r.ledgerConnectCmd(d))
	}
	return cmd
}

func (r *cmdline) ledgerUBLCmd() *cobra.Command {
	var dir string
	var off bool
	cmd := &cobra.Command{
		Use:   "ubl --dir DIR | ubl --off",
		Short: "write UBL invoices into DIR (beside an online ledger: the folder of its UBL copy, by default the UBL folder's subfolder kopie); --off: no copy beside the online ledger",
		Args:  exactArgs(0, "ledger ubl --dir DIR | ledger ubl --off"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir != "" && off {
				return usagef("ledger ubl: --dir DIR or --off, not both")
			}
			if dir == "" && !off {
				return usagef("ledger ubl --dir DIR | ledger ubl --off")
			}
			return r.withService(cmd.Context(), func(svc *Service) error {
				ctx := cmd.Context()
				if off {
					if err := svc.SetUBLCopy(ctx, false); err != nil {
						return err
					}
					st, err := svc.LedgerStatus(ctx)
					if err != nil {
						return err
					}
					fmt.Fprintf(r.c.Stdout, "no UBL copy: invoices go to %s only\n", st.Name)
					return nil
				}
				if err := svc.SetUBLDir(ctx, dir); err != nil {
					return err
				}
				st, err := svc.LedgerStatus(ctx)
				if err != nil {
					return err
				}
				if st.Kind == ledger.KindUBL {
					fmt.Fprintf(r.c.Stdout, "invoices go to %s\n", st.Dir)
				} else {
					fmt.Fprintf(r.c.Stdout, "invoices go to %s, with a UBL copy in %s\n", st.Name, st.CopyDir)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "folder for the UBL files")
	cmd.Flags().BoolVar(&off, "off", false, "no UBL copy beside the online ledger")
	return cmd
}

func (r *cmdline) ledgerConnectCmd(d ledger.Descriptor) *cobra.Command {
	var token, admin, apiURL string
	use := ledgerConnectUse(d)
	cmd := &cobra.Command{
		Use:   strings.TrimPrefix(use, "ledger "),
		Short: "book into " + d.Name + ": tests the token, then fills the VAT mapping with " + d.Name + "'s defaults",
		Args:  exactArgs(0, use),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a := strings.TrimRight(strings.TrimSpace(apiURL), "/"); a != "" {
				if err := checkAPIURL(a); err != nil {
					return usagef("ledger %s --api-url: %v", d.Kind, err)
				}
			}
			tok, err := r.c.secretArg(token)
			if err != nil {
				return err
			}
			return r.withService(cmd.Context(), func(svc *Service) error {
				st, err := svc.ConnectLedger(cmd.Context(), LedgerConnect{Kind: d.Kind, Token: tok, Administration: admin, APIURL: apiURL})
				var ae *AdministrationsError
				if errors.As(err, &ae) {
					return usagef("%s", ae.Error())
				}
				if err != nil {
					return err
				}
				r.printConnected(cmd, svc, st)
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&token, "token", "", d.Name+" API token (- reads it from stdin, keeping it out of ps and history; left out: the stored one)")
	if d.NeedsAdministration {
		fs.StringVar(&admin, "administration", "", "administration id (left out: the only one the token reaches)")
	}
	fs.StringVar(&apiURL, "api-url", "", "API root (left out: the one used before, else "+d.DefaultURL+")")
	return cmd
}

// printConnected says where invoices go now, and which VAT cases still
// need a mapping.
func (r *cmdline) printConnected(cmd *cobra.Command, svc *Service, st LedgerStatus) {
	w := r.c.Stdout
	acc := st.Account.Name
	if st.Account.ID != "" {
		acc += " (" + st.Account.ID + ")"
	}
	fmt.Fprintf(w, "connected: invoices go to %s, administration %s\n", st.Name, strings.TrimSpace(acc))
	if st.UBLCopy {
		fmt.Fprintln(w, copyLine(st)+" (orderbrug ledger ubl --dir DIR: another folder, --off: none)")
	}
	vm, _, err := svc.VATMapping(cmd.Context())
	if err != nil {
		return
	}
	var missing []string
	for _, row := range vm.Rows {
		if row.Missing {
			missing = append(missing, string(row.Case))
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(w, "not mapped yet: %s; bookings of these wait (orderbrug ledger vat-map set CASE ...)\n", strings.Join(missing, ", "))
	}
}

func (r *cmdline) ledgerUseCmd() *cobra.Command {
	kinds := []string{ledger.KindUBL}
	for _, d := range ledgers.All() {
		kinds = append(kinds, d.Kind)
	}
	use := "ledger use " + strings.Join(kinds, "|")
	return &cobra.Command{
		Use:   "use " + strings.Join(kinds, "|"),
		Short: "book into the UBL folder only, or again into an online ledger connected before",
		Args:  exactArgs(1, use),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := strings.ToLower(args[0])
			if _, ok := ledgers.Lookup(kind); !ok && kind != ledger.KindUBL {
				return usagef("unknown ledger %q: %s", args[0], use)
			}
			return r.withService(cmd.Context(), func(svc *Service) error {
				if kind == ledger.KindUBL {
					if err := svc.UseUBL(cmd.Context()); err != nil {
						return err
					}
					st, err := svc.LedgerStatus(cmd.Context())
					if err != nil {
						return err
					}
					fmt.Fprintf(r.c.Stdout, "invoices go to %s\n", st.Dir)
					return nil
				}
				st, err := svc.ConnectLedger(cmd.Context(), LedgerConnect{Kind: kind, Administration: svc.onlineAdministration(cmd.Context(), kind)})
				if err != nil {
					return err
				}
				r.printConnected(cmd, svc, st)
				return nil
			})
		},
	}
}

func (r *cmdline) ledgerVATMapCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vat-map [--json]",
		Short: "the online ledger's tax rate or VAT code and revenue account per VAT case",
		Args:  exactArgs(0, "ledger vat-map [--json] | ledger vat-map set CASE (--tax-rate ID | --vat-code CODE) [--account ID]"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				vm, choicesErr, err := svc.VATMapping(cmd.Context())
				if err != nil {
					return err
				}
				if choicesErr != nil {
					fmt.Fprintf(r.c.Stderr, "orderbrug ledger: %s's names are not shown: %s\n", vm.Name, Explain(choicesErr))
				}
				head := "VAT CODE"
				if vm.UsesTaxRates {
					head = "TAX RATE"
				}
				var rows [][]string
				for _, row := range vm.Rows {
					id := row.VATCode
					if vm.UsesTaxRates {
						id = row.TaxRate
					}
					vat := choiceText(id, row.VATName)
					if row.AccountOnly {
						vat = "(the line's own)"
					}
					note := ""
					switch {
					case row.Missing:
						note = "not mapped: bookings of this case wait"
					case row.Manual:
						note = "set by you"
					}
					rows = append(rows, []string{string(row.Case), vat, choiceText(row.Account, row.AccountName), note})
				}
				return r.printer(cmd).table(vm, []string{"CASE", head, "ACCOUNT", ""}, rows)
			})
		},
	}
	jsonFlag(cmd, false)
	cmd.AddCommand(r.ledgerVATSetCmd())
	return cmd
}

// choiceText is "id name", "–" for nothing.
func choiceText(id, name string) string {
	switch {
	case id == "":
		return "–"
	case name == "":
		return id
	}
	return id + " " + name
}

func (r *cmdline) ledgerVATSetCmd() *cobra.Command {
	var t ledger.Target
	const use = "ledger vat-map set CASE (--tax-rate ID | --vat-code CODE) [--account ID]"
	cmd := &cobra.Command{
		Use:   "set CASE (--tax-rate ID | --vat-code CODE) [--account ID]",
		Short: "map a VAT case (" + casesText() + "); shipping and fees: --account only",
		Args:  exactArgs(1, use),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := ledger.ParseCase(args[0])
			if err != nil {
				return usagef("%s", err)
			}
			if t.TaxRate != "" && t.VATCode != "" {
				return usagef("ledger vat-map set: --tax-rate or --vat-code, not both")
			}
			if t == (ledger.Target{}) {
				return usagef("%s", use)
			}
			if c.AccountOnly() && (t.TaxRate != "" || t.VATCode != "") {
				return usagef("ledger vat-map set %s: --account only: its VAT follows the line's own case", c)
			}
			return r.withService(cmd.Context(), func(svc *Service) error {
				ls, err := svc.LedgerSettings(cmd.Context())
				if err != nil {
					return err
				}
				if d, ok := ledgers.Lookup(ls.Kind); ok {
					switch {
					case d.UsesTaxRates && t.VATCode != "":
						return usagef("ledger vat-map set: %s maps tax rates (--tax-rate ID), not VAT codes", d.Name)
					case !d.UsesTaxRates && t.TaxRate != "":
						return usagef("ledger vat-map set: %s maps VAT codes (--vat-code CODE), not tax rates", d.Name)
					}
				}
				if err := svc.SetVATCase(cmd.Context(), c, t); err != nil {
					return err
				}
				fmt.Fprintf(r.c.Stdout, "VAT case %s mapped\n", c)
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&t.TaxRate, "tax-rate", "", "Moneybird tax rate id (orderbrug ledger vat-map lists them)")
	fs.StringVar(&t.VATCode, "vat-code", "", "e-Boekhouden VAT code (HOOG_VERK_21, LAAG_VERK_9, GEEN, ...)")
	fs.StringVar(&t.Account, "account", "", "revenue account (ledger) id")
	return cmd
}

func casesText() string {
	names := make([]string, len(ledger.Cases))
	for i, c := range ledger.Cases {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

func (r *cmdline) ledgerStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "where invoices go, the UBL copy, and the bookings waiting for the ledger's rate limit",
		Args:  exactArgs(0, "ledger status [--json]"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				st, err := svc.LedgerStatus(cmd.Context())
				if err != nil {
					return err
				}
				return r.printer(cmd).print(st, func(w io.Writer) {
					if st.Kind == ledger.KindUBL {
						if st.Dir == "" {
							fmt.Fprintln(w, "no ledger yet (orderbrug ledger ubl --dir DIR)")
							return
						}
						fmt.Fprintf(w, "invoices go to the UBL folder %s\n", st.Dir)
						return
					}
					acc := st.Account.Name
					if st.Account.ID != "" {
						acc += " (" + st.Account.ID + ")"
					}
					fmt.Fprintf(w, "invoices go to %s, administration %s, token set: %v, API %s\n",
						st.Name, strings.TrimSpace(acc), st.TokenSet, st.APIURL)
					if st.UBLCopy {
						fmt.Fprintln(w, copyLine(st))
					} else {
						fmt.Fprintln(w, "no UBL copy")
					}
					if st.Waiting.Count > 0 {
						fmt.Fprintf(w, "%d bookings wait for %s's rate limit until %s\n", st.Waiting.Count, st.Name,
							st.Waiting.Next.Local().Format(time.DateTime))
					}
				})
			})
		},
	}
	jsonFlag(cmd, false)
	return cmd
}

// copyLine says where the UBL copy beside the online ledger goes: by
// default a subfolder of the UBL folder, not the folder itself.
func copyLine(st LedgerStatus) string {
	if st.CopyDefault && st.Dir != "" {
		return fmt.Sprintf("UBL copy in %s, a subfolder of the UBL folder %s: not that folder itself, which your accounting package may import (it would get every booking twice)", st.CopyDir, st.Dir)
	}
	return "UBL copy in " + st.CopyDir
}

// ledgerUsage are the usage lines of the online ledgers' connect commands.
func ledgerUsage() string {
	var b strings.Builder
	for _, d := range ledgers.All() {
		use := ledgerConnectUse(d)
		if len(use) > 34 {
			use += "\n" + strings.Repeat(" ", 36)
		} else {
			use = fmt.Sprintf("%-34s", use)
		}
		fmt.Fprintf(&b, "  %s book into %s (tests the token first; - reads it from stdin)\n", use, d.Name)
	}
	return b.String()
}
