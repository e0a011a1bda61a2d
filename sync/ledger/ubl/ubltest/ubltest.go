// Package ubltest runs the shared UBL validation kit (XSD, EN 16931 and, for
// files that claim Peppol BIS, the Peppol BIS Billing 3.0 rules with the
// Dutch NL-R rules) from tests: every invoice a test writes must pass it.
package ubltest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// ValidatorPath finds the kit's validate script: $ORDERBRUG_UBL_VALIDATE, or
// shared/ubl/validate beside the repository (../shared from the repo root,
// as the project is laid out), searched upwards from the working directory.
func ValidatorPath() (string, error) {
	if p := os.Getenv("ORDERBRUG_UBL_VALIDATE"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "shared", "ubl", "validate")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("shared/ubl/validate not found beside the repository; set ORDERBRUG_UBL_VALIDATE")
		}
		dir = parent
	}
}

// XMLFiles lists the .xml files in dir, sorted.
func XMLFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// Validate checks files with the kit and fails the test with the kit's
// output when any file is invalid. It fails, never skips, when the kit or its
// Java is missing: CI installs them, and an unvalidated invoice is not a
// tested one. On Windows (the test binaries under Wine) it skips the test,
// saying so: the kit is a bash script over xmllint and Java, which do not run
// there; the checks before it have passed, and the same files are validated
// on Linux.
//
// The kit's script starts a JVM per file (about 2 s each). For many files
// the same checks run batched: xmllint with the kit's XSD over all files of
// a root element at once, and Saxon once per rule set over a folder of the
// files that set applies to (the same sets as the script: RuleSets), failing
// on any fatal assertion exactly as the script does. The
// script itself still runs on the first file, so the two cannot drift apart
// unnoticed.
func Validate(tb testing.TB, files ...string) {
	tb.Helper()
	if len(files) == 0 {
		tb.Fatal("ubltest: no files to validate")
	}
	if runtime.GOOS == "windows" {
		tb.Skipf("ubltest: %d files not validated: the kit (bash, xmllint, Java) does not run on Windows", len(files))
	}
	path, err := ValidatorPath()
	if err != nil {
		tb.Fatal(err)
	}
	single := files
	if len(files) > 4 {
		single = files[:1]
	}
	out, err := exec.Command(path, single...).CombinedOutput()
	if err != nil {
		tb.Fatalf("UBL validation of %d files failed: %v\n%s", len(single), err, strings.TrimSpace(string(out)))
	}
	if len(single) < len(files) {
		validateBatch(tb, filepath.Dir(path), files)
	}
	tb.Logf("UBL validation: %d files valid", len(files))
}

func validateBatch(tb testing.TB, kit string, files []string) {
	tb.Helper()
	byRoot := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		root := "Invoice"
		if strings.Contains(string(b[:min(len(b), 400)]), "<CreditNote") {
			root = "CreditNote"
		}
		byRoot[root] = append(byRoot[root], f)
	}
	for root, fs := range byRoot {
		xsd := filepath.Join(kit, "xsd", "maindoc", "UBL-"+root+"-2.1.xsd")
		args := append([]string{"--nonet", "--noout", "--schema", xsd}, fs...)
		if out, err := exec.Command("xmllint", args...).CombinedOutput(); err != nil {
			tb.Fatalf("UBL XSD validation failed: %v\n%s", err, strings.TrimSpace(string(out)))
		}
	}
	// The script's --rules auto: EN 16931 for every file, Peppol BIS for the
	// files whose CustomizationID claims it, SI-UBL for NLCIUS files. Saxon
	// transforms a whole folder in one JVM: copy each set's files into one.
	sets := map[string][]string{}
	for _, f := range files {
		for _, r := range RuleSets(tb, f) {
			sets[r] = append(sets[r], f)
		}
	}
	for _, r := range []string{"en16931", "peppol", "si-ubl"} {
		if len(sets[r]) > 0 {
			runRules(tb, kit, r, sets[r])
		}
	}
}

// ruleXSLT are the kit's compiled rule sets, as the script names them.
var ruleXSLT = map[string]string{
	"en16931": filepath.Join("en16931", "EN16931-UBL-validation.xslt"),
	"peppol":  filepath.Join("peppol", "PEPPOL-EN16931-UBL.xslt"),
	"si-ubl":  filepath.Join("si-ubl", "si-ubl-2.0.xsl"),
}

var customizationRE = regexp.MustCompile(`<(?:cbc:)?CustomizationID[^>]*>([^<]*)<`)

// RuleSets are the rule sets the kit's script runs on file with --rules
// auto: en16931 always, peppol when the CustomizationID contains "peppol",
// si-ubl when it contains "nlcius".
func RuleSets(tb testing.TB, file string) []string {
	tb.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	sets := []string{"en16931"}
	if m := customizationRE.FindSubmatch(b); m != nil {
		if strings.Contains(string(m[1]), "peppol") {
			sets = append(sets, "peppol")
		}
		if strings.Contains(string(m[1]), "nlcius") {
			sets = append(sets, "si-ubl")
		}
	}
	return sets
}

// runRules runs one compiled rule set over files in one JVM and fails the
// test on every fatal assertion, as the script does.
func runRules(tb testing.TB, kit, set string, files []string) {
	tb.Helper()
	in, out := tb.TempDir(), tb.TempDir()
	names := map[string]string{}
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(f), ".xml") + "-" + strconv.Itoa(i) + ".xml"
		names[base] = f
		if err := os.WriteFile(filepath.Join(in, base), b, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	saxon := "/usr/share/java/Saxon-HE.jar"
	xslt := filepath.Join(kit, ruleXSLT[set])
	if o, err := exec.Command("java", "-jar", saxon, "-warnings:silent", "-s:"+in, "-xsl:"+xslt, "-o:"+out).CombinedOutput(); err != nil {
		tb.Fatalf("%s rules run failed: %v\n%s", set, err, o)
	}
	reports, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(reports) != len(files) {
		tb.Fatalf("%s rules wrote %d reports for %d files", set, len(reports), len(files))
	}
	failed := regexp.MustCompile(`(?s)<svrl:failed-assert[^>]*flag="fatal".*?<svrl:text>(.*?)</svrl:text>`)
	for _, r := range reports {
		b, err := os.ReadFile(r)
		if err != nil {
			tb.Fatal(err)
		}
		for _, m := range failed.FindAllSubmatch(b, -1) {
			tb.Errorf("%s: fatal %s rule: %s", firstNonEmpty(names[filepath.Base(r)], filepath.Base(r)), set, m[1])
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
