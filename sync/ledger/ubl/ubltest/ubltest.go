// Package ubltest runs the shared UBL validation kit (XSD + EN 16931
// schematron) from tests: every invoice a test writes must pass it.
package ubltest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
// tested one.
//
// The kit's script starts a JVM per file (about 2 s each). For many files
// the same checks run batched: xmllint with the kit's XSD over all files of
// a root element at once, and Saxon once over a folder with the kit's EN 16931
// stylesheet, failing on any fatal assertion exactly as the script does. The
// script itself still runs on the first file, so the two cannot drift apart
// unnoticed.
func Validate(tb testing.TB, files ...string) {
	tb.Helper()
	if len(files) == 0 {
		tb.Fatal("ubltest: no files to validate")
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
	// Saxon transforms a whole folder in one JVM: copy the files into one.
	in, out := tb.TempDir(), tb.TempDir()
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		name := filepath.Join(in, strings.TrimSuffix(filepath.Base(f), ".xml")+"-"+strconv.Itoa(i)+".xml")
		if err := os.WriteFile(name, b, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	saxon := "/usr/share/java/Saxon-HE.jar"
	xslt := filepath.Join(kit, "en16931", "EN16931-UBL-validation.xslt")
	if o, err := exec.Command("java", "-jar", saxon, "-warnings:silent", "-s:"+in, "-xsl:"+xslt, "-o:"+out).CombinedOutput(); err != nil {
		tb.Fatalf("schematron run failed: %v\n%s", err, o)
	}
	reports, _ := filepath.Glob(filepath.Join(out, "*"))
	if len(reports) != len(files) {
		tb.Fatalf("schematron wrote %d reports for %d files", len(reports), len(files))
	}
	failed := regexp.MustCompile(`(?s)<svrl:failed-assert[^>]*flag="fatal".*?<svrl:text>(.*?)</svrl:text>`)
	for _, r := range reports {
		b, err := os.ReadFile(r)
		if err != nil {
			tb.Fatal(err)
		}
		for _, m := range failed.FindAllSubmatch(b, -1) {
			tb.Errorf("%s: fatal rule: %s", filepath.Base(r), m[1])
		}
	}
}
