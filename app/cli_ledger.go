package app

import (
	"fmt"

	"github.com/spf13/cobra"
)

// ledger ubl: where the invoices go.

func (r *cmdline) ledgerCmd() *cobra.Command {
	const use = "ledger ubl --dir DIR"
	cmd := group("ledger", "where the invoices go", use, "")
	var dir string
	ubl := &cobra.Command{
		Use:   "ubl --dir DIR",
		Short: "write UBL invoices into DIR",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				if err := svc.SetUBLDir(cmd.Context(), dir); err != nil {
					return err
				}
				ls, err := svc.LedgerSettings(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(r.c.Stdout, "invoices go to %s\n", ls.Dir)
				return nil
			})
		},
	}
	ubl.Flags().StringVar(&dir, "dir", "", "folder for the UBL files")
	cmd.AddCommand(ubl)
	return cmd
}
