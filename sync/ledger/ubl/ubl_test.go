package ubl

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestGolden(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			got, err := Marshal(c.inv)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", c.name+".xml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; run go test -update and review the diff\n%s", golden, firstDiff(got, want))
			}
		})
	}
}

func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, a, b)
		}
	}
	return ""
}

// TestPeppolRules checks every case against the Peppol and Dutch rules the
// shared kit does not run. The one known deviation: a buyer with neither a
// KvK number nor a VAT id (a consumer) is addressed by e-mail (EM), which
// EN 16931 accepts but Peppol's own scheme list does not.
func TestPeppolRules(t *testing.T) {
	for _, c := range cases(t) {
		doc, err := Marshal(c.inv)
		if err != nil {
			t.Fatal(err)
		}
		v, err := peppolViolations(doc)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !Peppol(c.inv.Buyer) {
			// A consumer's invoice is plain EN 16931: Peppol's rules do not
			// apply, and it has no buyer address to break them with.
			if c.inv.Buyer.VATID != "" || c.inv.Buyer.KvK != "" && c.inv.Buyer.Address.Street != "" {
				t.Errorf("%s: business buyer %+v gets no Peppol invoice", c.name, c.inv.Buyer)
			}
			if !bytes.Contains(doc, []byte(">"+EN16931ID+"<")) || bytes.Contains(doc, []byte(`schemeID="EM"`)) {
				t.Errorf("%s: consumer invoice must be plain EN 16931 without an e-mail endpoint", c.name)
			}
			continue
		}
		for _, s := range v {
			t.Errorf("%s: %s", c.name, s)
		}
	}
}

// TestPeppolRulesCanFail shows that the rule check sees broken documents.
func TestPeppolRulesCanFail(t *testing.T) {
	doc, err := Marshal(cases(t)[0].inv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ from, to, rule string }{
		{"<cbc:PaymentMeansCode name=\"Bankoverschrijving\">30<", "<cbc:PaymentMeansCode>54<", "NL-R-008"},
		{"<cbc:PriceAmount currencyID=\"EUR\">9.00<", "<cbc:PriceAmount currencyID=\"EUR\">9.01<", "PEPPOL-EN16931-R120"},
		{"<cbc:StreetName>Oudegracht 1</cbc:StreetName>", "<cbc:StreetName> </cbc:StreetName>", "PEPPOL-EN16931-R008"},
		{"schemeID=\"0106\">12345678</cbc:EndpointID>", "schemeID=\"EM\">a@b</cbc:EndpointID>", "PEPPOL-EN16931-CL008"},
	} {
		broken := bytes.Replace(doc, []byte(tt.from), []byte(tt.to), 1)
		if bytes.Equal(broken, doc) {
			t.Fatalf("%q not in the document", tt.from)
		}
		v, err := peppolViolations(broken)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(v, "\n"), tt.rule) {
			t.Errorf("breaking %s went unnoticed: %v", tt.rule, v)
		}
	}
}

// TestValidator books every case into one folder and runs the shared
// validator once over all files: XSD and EN 16931 rules must pass.
func TestValidator(t *testing.T) {
	l := New(t.TempDir())
	var files []string
	for _, c := range cases(t) {
		path, err := l.Book(context.Background(), c.inv)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		files = append(files, path)
	}
	ubltest.Validate(t, files...)
}

func TestFileNames(t *testing.T) {
	cs := cases(t)
	for _, tt := range []struct {
		inv  order.Invoice
		want string
	}{
		{cs[0].inv, "webwinkel_13.xml"},
		{cs[1].inv, "webwinkel_13_creditnota_14.xml"},
		{cs[2].inv, "Bakker-s-Shop_2026-0042.xml"},
		{cs[3].inv, "Bakker-s-Shop_2026-0042_creditnota_77.xml"},
	} {
		if got := FileNames(tt.inv)[0]; got != tt.want {
			t.Errorf("FileNames(%s)[0] = %q, want %q", tt.inv.Key, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"../../etc/passwd", "etc-passwd"},
		{".hidden", "hidden"},
		{"Café Zoë", "Caf-Zo"},
		{"", "x"},
		{"a/b\\c:d*e?f\"g<h>i|j", "a-b-c-d-e-f-g-h-i-j"},
		{strings.Repeat("a", 100), strings.Repeat("a", 60)},
	} {
		if got := safe(tt.in); got != tt.want {
			t.Errorf("safe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// xmlFiles lists the final files in dir (not temporary ones).
func xmlFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBookIdempotent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "facturen", "2026") // does not exist yet
	l := New(dir)
	inv := cases(t)[0].inv
	ctx := context.Background()

	p1, err := l.Book(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p1) != "webwinkel_13.xml" {
		t.Errorf("path %s", p1)
	}
	info, err := os.Stat(dir)
	switch {
	case err != nil || !info.IsDir():
		t.Errorf("folder %v, want created", err)
	case runtime.GOOS == "windows":
		t.Log("folder mode not checked: Windows has no Unix modes (0700 is ignored)")
	case info.Mode().Perm() != 0o700:
		t.Errorf("folder mode %v, want created 0700", info.Mode().Perm())
	}
	st1, _ := os.Stat(p1)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(p1, old, old); err != nil {
		t.Fatal(err)
	}

	// A second booking, even from a fresh Ledger (a restart), finds it.
	p2, err := New(dir).Book(ctx, inv)
	if err != nil || p2 != p1 {
		t.Fatalf("second Book = %q, %v; want %q", p2, err, p1)
	}
	st2, _ := os.Stat(p1)
	if !st2.ModTime().Equal(old) || st2.Size() != st1.Size() {
		t.Errorf("file rewritten: mtime %v (want %v)", st2.ModTime(), old)
	}
	if files := xmlFiles(t, dir); len(files) != 1 {
		t.Errorf("files %v, want one", files)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want 1 (no temporary files left)", len(entries))
	}
}

// TestBookConcurrent books one Key from many goroutines through two Ledgers
// on one folder (as two processes would): one file, one path.
func TestBookConcurrent(t *testing.T) {
	dir := t.TempDir()
	ls := []*Ledger{New(dir), New(dir)}
	inv := cases(t)[1].inv
	var wg sync.WaitGroup
	paths := make([]string, 16)
	errs := make([]error, 16)
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = ls[i%2].Book(context.Background(), inv)
		}()
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Errorf("Book %d = %q, %v; want %q", i, paths[i], errs[i], paths[0])
		}
	}
	if files := xmlFiles(t, dir); len(files) != 1 {
		t.Errorf("files %v, want one", files)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %d entries, want 1", len(entries))
	}
}

// TestBookLeftoverTemp: a crash between writing the temporary file and
// linking it leaves a temp file. It must not count as booked, and a stale
// one is cleaned up.
func TestBookLeftoverTemp(t *testing.T) {
	dir := t.TempDir()
	inv := cases(t)[0].inv
	doc, _ := Marshal(inv)
	stale := filepath.Join(dir, ".webwinkel_13.xml.123456.tmp")
	fresh := filepath.Join(dir, ".webwinkel_13.xml.654321.tmp")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, doc[:len(doc)/2], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)

	path, err := New(dir).Book(context.Background(), inv)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, doc) {
		t.Error("booked file is not the whole document")
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a temp file that may still be written was removed: %v", err)
	}
}

// TestBookNameTaken: another invoice (another source with the same shop
// name) or a file of the user's own under the readable name moves the
// booking to the hashed name, and each Key keeps finding its own file.
func TestBookNameTaken(t *testing.T) {
	dir := t.TempDir()
	l := New(dir)
	ctx := context.Background()
	a := cases(t)[0].inv
	b := a
	b.Source = order.PlugAndPay
	b.Key = "plugandpay/webwinkel/13/invoice"
	b.LegacyKey = b.Key

	pa, err := l.Book(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := l.Book(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if pa == pb || filepath.Base(pb) != FileNames(b)[1] {
		t.Fatalf("paths %s and %s, want the second under %s", pa, pb, FileNames(b)[1])
	}
	for _, inv := range []order.Invoice{a, b} {
		want := pa
		if inv.Key == b.Key {
			want = pb
		}
		if p, err := l.Book(ctx, inv); err != nil || p != want {
			t.Errorf("rebook %s = %s, %v; want %s", inv.Key, p, err, want)
		}
	}

	// A foreign file under the readable name is left alone.
	dir2 := t.TempDir()
	foreign := filepath.Join(dir2, "webwinkel_13.xml")
	os.WriteFile(foreign, []byte("mine\n"), 0o644)
	p, err := New(dir2).Book(ctx, a)
	if err != nil || filepath.Base(p) != FileNames(a)[1] {
		t.Errorf("Book beside a foreign file = %s, %v", p, err)
	}
	if got, _ := os.ReadFile(foreign); string(got) != "mine\n" {
		t.Error("foreign file overwritten")
	}
}

func TestBookErrors(t *testing.T) {
	ctx := context.Background()
	inv := cases(t)[0].inv

	// A file where the folder should be: the folder cannot be made.
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o600)
	_, err := New(filepath.Join(notDir, "sub")).Book(ctx, inv)
	if !errors.Is(err, ErrNotWritable) || errors.Is(err, ledger.ErrPermanent) {
		t.Errorf("folder under a file: err = %v, want transient ErrNotWritable", err)
	}

	if runtime.GOOS == "windows" {
		t.Log("read-only folder not checked: Windows ignores the read-only attribute on a folder")
	} else if os.Geteuid() != 0 { // root writes anywhere
		ro := t.TempDir()
		os.Chmod(ro, 0o500)
		t.Cleanup(func() { os.Chmod(ro, 0o700) })
		if _, err := New(ro).Book(ctx, inv); !errors.Is(err, ErrNotWritable) {
			t.Errorf("read-only folder: err = %v, want ErrNotWritable", err)
		}
	}

	bad := inv
	bad.Total++
	if _, err := New(t.TempDir()).Book(ctx, bad); !errors.Is(err, ErrInvalid) || !errors.Is(err, ledger.ErrPermanent) {
		t.Errorf("totals off: err = %v, want permanent ErrInvalid", err)
	}
	usd := inv
	usd.Currency = "USD"
	if _, err := New(t.TempDir()).Book(ctx, usd); !errors.Is(err, ErrInvalid) || !errors.Is(err, ledger.ErrPermanent) {
		t.Errorf("USD without EUR rate: err = %v, want permanent ErrInvalid", err)
	}
	anon := inv
	anon.Buyer = order.Party{Name: "Kassa", Address: order.Address{Country: "NL"}}
	data, err := Marshal(anon)
	if err != nil {
		t.Fatalf("a consumer without address or e-mail is a plain EN 16931 invoice: %v", err)
	}
	if !bytes.Contains(data, []byte("<cbc:CustomizationID>"+EN16931ID+"</cbc:CustomizationID>")) ||
		bytes.Contains(data, []byte("ProfileID")) || bytes.Count(data, []byte("<cbc:EndpointID")) != 1 {
		t.Errorf("consumer invoice: want EN 16931, no ProfileID, only the seller's EndpointID:\n%s", data)
	}
	noRef := cases(t)[1].inv
	noRef.BillingReference = ""
	if _, err := New(t.TempDir()).Book(ctx, noRef); !errors.Is(err, ErrInvalid) {
		t.Errorf("credit note without reference: err = %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	dir := t.TempDir()
	if _, err := New(dir).Book(cctx, inv); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
	if files := xmlFiles(t, dir); len(files) != 0 {
		t.Errorf("canceled Book wrote %v", files)
	}
}

func TestPaymentMeans(t *testing.T) {
	for _, tt := range []struct{ method, code string }{
		{"iDEAL", "30"}, {"Bankoverschrijving", "30"}, {"", "30"}, {"PayPal", "30"},
		{"Creditcard (Visa)", "48"}, {"Mastercard", "48"}, {"Apple Pay", "48"}, {"Pinnen", "48"},
		{"Cadeaukaart", "30"}, {"Gift card", "30"}, {"Bancontact", "30"},
	} {
		if code, _ := paymentMeans(tt.method); code != tt.code {
			t.Errorf("paymentMeans(%q) = %s, want %s", tt.method, code, tt.code)
		}
	}
}

// FuzzMarshalText puts arbitrary text in every free-text field: the
// document must stay well-formed and give valid UTF-8 text back unchanged.
func FuzzMarshalText(f *testing.F) {
	for _, s := range []string{"Koffie & Thee", "<b>\"x\"</b>", "Zoë ☕ \u20ac", "a\x00b\x1fc", "]]>", "\xff\xfe", "line\r\nbreak", "'"} {
		f.Add(s)
	}
	inv := cases(f)[1].inv
	f.Fuzz(func(t *testing.T, s string) {
		v := inv
		v.Note = s
		v.Lines = append([]order.InvoiceLine(nil), inv.Lines...)
		v.Lines[0].Name = "n" + s
		v.Lines[0].SKU = s
		v.Buyer.Name = "b" + s
		v.Buyer.Address.City = s
		v.PaymentMethod = s
		doc, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var root node
		if err := xml.Unmarshal(doc, &root); err != nil {
			t.Fatalf("not well-formed for %q: %v", s, err)
		}
		if validXMLText(s) {
			if got := root.text("CreditNoteLine", "Item", "Name"); got != strings.TrimSpace("n"+s) {
				t.Errorf("line name %q came back as %q", "n"+s, got)
			}
		}
	})
}

// validXMLText says whether s survives XML unchanged: valid UTF-8, only
// characters XML allows, and no carriage return (XML parsers normalize line
// ends).
func validXMLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '\r' || r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF || r >= 0xD800 && r <= 0xDFFF {
			return false
		}
	}
	return true
}

// BenchmarkMarshal is the document alone, without the disk.
func BenchmarkMarshal(b *testing.B) {
	inv := cases(b)[2].inv
	for i := 0; i < b.N; i++ {
		if _, err := Marshal(inv); err != nil {
			b.Fatal(err)
		}
	}
}
