package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orderbrug/orderbrug/sync/order"
)

// seller set|show: the seller's details on every invoice.

func (r *cmdline) sellerCmd() *cobra.Command {
	cmd := group("seller", "the seller's details on every invoice", "seller set|show", "unknown seller command %q")
	cmd.AddCommand(r.sellerShowCmd(), r.sellerSetCmd())
	return cmd
}

func (r *cmdline) sellerShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show [--json]",
		Short: "the seller's details, and what is missing",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				cur, err := svc.Seller(cmd.Context())
				if err != nil {
					return err
				}
				return r.printer(cmd).print(cur, func(w io.Writer) {
					a := cur.Address
					fmt.Fprintf(w, "%s\nKvK %s, btw %s\n%s\n%s %s\n%s\nIBAN %s\n", cur.LegalName(), cur.KvK, cur.VATID,
						a.Street, a.Postcode, a.City, a.Country, cur.IBAN)
					if m := cur.Missing(); len(m) > 0 {
						fmt.Fprintf(w, "missing: %s (invoices wait until these are set)\n", strings.Join(m, ", "))
					}
				})
			})
		},
	}
	jsonFlag(cmd, false)
	return cmd
}

// sellerFields are seller set's flags: the field each sets, and its help.
var sellerFields = []struct {
	flag, usage string
	field       func(*order.Seller) *string
}{
	{"name", "registered business name", func(s *order.Seller) *string { return &s.Company }},
	{"kvk", "KvK number (8 digits)", func(s *order.Seller) *string { return &s.KvK }},
	{"vat", "VAT id (NL123456789B01)", func(s *order.Seller) *string { return &s.VATID }},
	{"street", "street and number", func(s *order.Seller) *string { return &s.Address.Street }},
	{"postcode", "postcode", func(s *order.Seller) *string { return &s.Address.Postcode }},
	{"city", "city", func(s *order.Seller) *string { return &s.Address.City }},
	{"country", "country code (NL)", func(s *order.Seller) *string { return &s.Address.Country }},
	{"iban", "IBAN", func(s *order.Seller) *string { return &s.IBAN }},
	{"email", "e-mail on invoices", func(s *order.Seller) *string { return &s.Email }},
}

func (r *cmdline) sellerSetCmd() *cobra.Command {
	values := make([]string, len(sellerFields))
	cmd := &cobra.Command{
		Use:   "set --name --kvk --vat --street --postcode --city --country --iban [--email]",
		Short: "change the fields given; the others stay",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return r.withService(cmd.Context(), func(svc *Service) error {
				cur, err := svc.Seller(cmd.Context())
				if err != nil {
					return err
				}
				for i, f := range sellerFields {
					if cmd.Flags().Changed(f.flag) {
						*f.field(&cur) = values[i]
					}
				}
				cur.Address.Country = strings.ToUpper(strings.TrimSpace(cur.Address.Country))
				cur.IBAN = order.NormalizeIBAN(cur.IBAN)
				cur.VATID = order.NormalizeVATID(cur.VATID)
				if err := svc.SetSeller(cmd.Context(), cur); err != nil {
					return err
				}
				if m := cur.Missing(); len(m) > 0 {
					fmt.Fprintf(r.c.Stdout, "seller saved; still missing: %s\n", strings.Join(m, ", "))
				} else {
					fmt.Fprintln(r.c.Stdout, "seller saved")
				}
				return nil
			})
		},
	}
	for i, f := range sellerFields {
		cmd.Flags().StringVar(&values[i], f.flag, "", f.usage)
	}
	return cmd
}
