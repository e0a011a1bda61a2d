package ubltest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder captures failures, so a test can check that Validate fails.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Errorf(format string, args ...any) { r.failed = append(r.failed, format) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = append(r.failed, format)
	panic(r)
}

// TestBatchCatchesBrokenTotal: the batched checks find a wrong total in one
// of many files (the official example, with its payable amount changed).
func TestBatchCatchesBrokenTotal(t *testing.T) {
	skipOnWindows(t)
	kitScript, err := ValidatorPath()
	if err != nil {
		t.Fatal(err)
	}
	kit := filepath.Dir(kitScript)
	good, err := os.ReadFile(filepath.Join(kit, "examples", "base-example.xml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	for i := 0; i < 6; i++ {
		b := good
		if i == 4 {
			b = []byte(strings.Replace(string(good), "<cbc:PayableAmount currencyID=\"EUR\">", "<cbc:PayableAmount currencyID=\"EUR\">9", 1))
			if string(b) == string(good) {
				t.Fatal("example has no PayableAmount to break")
			}
		}
		f := filepath.Join(dir, "inv"+string(rune('a'+i))+".xml")
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	r := &recorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		validateBatch(r, kit, files)
	}()
	if len(r.failed) == 0 {
		t.Fatal("a broken payable amount passed the batched validation")
	}
	// And the six good ones pass.
	for i := range files {
		os.WriteFile(files[i], good, 0o600)
	}
	validateBatch(t, kit, files)
}

// TestBatchRunsPeppolRulesOnPeppolFiles: a file that claims Peppol BIS gets
// Peppol's rules in the batch, as in the script: an e-mail endpoint (EM),
// which EN 16931 accepts and Peppol's EAS list does not (CL008), fails it;
// the same file as plain EN 16931 passes.
func TestBatchRunsPeppolRulesOnPeppolFiles(t *testing.T) {
	skipOnWindows(t)
	kitScript, err := ValidatorPath()
	if err != nil {
		t.Fatal(err)
	}
	kit := filepath.Dir(kitScript)
	good, err := os.ReadFile(filepath.Join(kit, "examples", "base-example.xml"))
	if err != nil {
		t.Fatal(err)
	}
	em := strings.Replace(string(good), `<cbc:EndpointID schemeID="0002">FR23342</cbc:EndpointID>`, `<cbc:EndpointID schemeID="EM">koper@example.fr</cbc:EndpointID>`, 1)
	if em == string(good) {
		t.Fatal("example has no buyer endpoint to change")
	}
	plain := strings.Replace(em, "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", "urn:cen.eu:en16931:2017", 1)
	dir := t.TempDir()
	write := func(name, body string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	peppolFile, plainFile := write("peppol.xml", em), write("plain.xml", plain)
	if got := RuleSets(t, peppolFile); strings.Join(got, ",") != "en16931,peppol" {
		t.Errorf("rule sets of a Peppol file: %v", got)
	}
	if got := RuleSets(t, plainFile); strings.Join(got, ",") != "en16931" {
		t.Errorf("rule sets of a plain EN 16931 file: %v", got)
	}
	r := &recorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		validateBatch(r, kit, []string{peppolFile, plainFile})
	}()
	if len(r.failed) != 1 {
		t.Errorf("want exactly the Peppol file to fail, got %d failures: %v", len(r.failed), r.failed)
	}
	validateBatch(t, kit, []string{plainFile})
}

// skipOnWindows skips a test of the kit itself on Windows (the test binaries
// under Wine), where the kit, a bash script over xmllint and Java, does not
// run; it is tested on Linux.
func skipOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the validation kit (bash, xmllint, Java) does not run on Windows")
	}
}
