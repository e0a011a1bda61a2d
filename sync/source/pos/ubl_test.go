package pos

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/orderbrug/orderbrug/sync/ledger/ubl"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
)

// TestInvoicesValidate books every closed check of testdata (the shared
// fixture; the group dinner with its negative discount lines, a fee and a
// voided item; the company lunch, a business buyer; the online order with
// shipping) as UBL and validates the files with the shared kit (XSD,
// EN 16931, and Peppol BIS for the business buyer).
func TestInvoicesValidate(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, name := range []string{fixtureClose, dinnerClose, lunchClose, onlineClosed} {
		o := mustParse(t, read(t, name))
		inv := invoice(t, o)
		data, err := ubl.Marshal(inv)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f := filepath.Join(dir, "invoice-"+o.Number+".xml")
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	ubltest.Validate(t, files...)
}
