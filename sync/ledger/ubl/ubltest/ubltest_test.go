package ubltest

import (
	"os"
	"path/filepath"
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
