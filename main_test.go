package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/orderbrug/orderbrug/internal/clocale"
)

// The test binary is also the program: with ORDERBRUG_MAIN_ARGS set it runs
// the command line as main does (package inits included), so the locale
// tests see what a user sees.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("ORDERBRUG_MAIN_ARGS"); ok {
		clocale.Restore()
		if args == "systemlocale" {
			// The control: Fyne, asked after start-up, still sees the
			// user's locale (and says what it thinks of C.UTF-8 when it
			// picks its translations, as the window does).
			_ = lang.AddTranslationsForLocale([]byte(`{"x": "x"}`), "en")
			fmt.Println(lang.SystemLocale())
			os.Exit(0)
		}
		os.Exit(run(strings.Split(args, "\x1f")))
	}
	os.Exit(m.Run())
}

// runSelf runs the program with args under env (added to a clean locale
// environment) and returns its stdout and stderr.
func runSelf(t *testing.T, env []string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, e := range os.Environ() {
		switch k, _, _ := strings.Cut(e, "="); k {
		case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "ORDERBRUG_DATA_DIR":
		default:
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Env = append(cmd.Env, "ORDERBRUG_MAIN_ARGS="+strings.Join(args, "\x1f"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errb.String()
}

// With LANG unset, C, C.UTF-8 (Debian's default) or any locale Fyne cannot
// parse, no command prints anything of Fyne.
func TestCommandsPrintNothingOfFyne(t *testing.T) {
	dir := t.TempDir()
	commands := [][]string{
		{"help"},
		{"shop", "list"},
		{"shop", "list", "--json"},
		{"seller", "show", "--json"},
		{"orders", "--json"},
		{"log"},
		{"sync"},
		{"tunnel", "status"},
		{"nosuchcommand"},
	}
	locales := [][]string{
		nil, // LANG unset
		{"LANG=C"},
		{"LANG=C.UTF-8"},
		{"LC_ALL=C.UTF-8"},
		{"LANG=POSIX.UTF-8"},
		{"LANG=de_DE@euro"},
		{"LANG=nl_NL.UTF-8", "LC_MESSAGES=C.utf8"},
	}
	for _, env := range locales {
		for _, c := range commands {
			args := append([]string{"--data-dir", dir}, c...)
			_, stderr := runSelf(t, env, args...)
			if strings.Contains(stderr, "Fyne") || strings.Contains(stderr, "locale") {
				t.Errorf("%v orderbrug %s printed Fyne's lines:\n%s", env, strings.Join(c, " "), stderr)
			}
		}
	}
}

// The environment is the user's again once main runs: Fyne, asked then,
// reads LANG as it is (and logs its complaint about C.UTF-8, which shows
// both that the test above would see it and that LC_ALL was put back).
func TestLocaleRestoredForTheWindow(t *testing.T) {
	for _, env := range [][]string{{"LANG=nl_NL.UTF-8"}, {"LANG=C.UTF-8", "LC_ALL=nl_NL.UTF-8"}} {
		out, stderr := runSelf(t, env, "systemlocale")
		if got := strings.TrimSpace(out); got != "nl-NL" {
			t.Errorf("%v: system locale after start-up = %q, want nl-NL (LC_ALL not restored?)", env, got)
		}
		if stderr != "" {
			t.Errorf("%v: stderr: %s", env, stderr)
		}
	}
	_, stderr := runSelf(t, []string{"LANG=C.UTF-8"}, "systemlocale")
	if !strings.Contains(stderr, "Error parsing user locale C") {
		t.Errorf("Fyne asked after start-up with LANG=C.UTF-8 logged %q, want its locale error", stderr)
	}
}

// TestOpensWindow: only --data-dir and --hidden (a double-click, the login
// start) open the window; every command line with a command or another
// flag is for the console, where orderbrug.exe then prints (Windows).
func TestOpensWindow(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"--hidden"}, true},
		{[]string{"--hidden=true", "--data-dir", `C:\Users\Jan\Orderbrug data`}, true},
		{[]string{"--data-dir=D:\\boeken"}, true},
		{[]string{"--data-dir", "sync"}, true}, // "sync" is the folder here
		{[]string{"help"}, false},
		{[]string{"-h"}, false},
		{[]string{"--data-dir", "x", "sync", "--json"}, false},
		{[]string{"--hidden", "orders"}, false},
		{[]string{"--bogus"}, false},                          // its error must be seen
		{[]string{"-data-dir", `D:\boeken`, "-hidden"}, true}, // the CLI takes one dash too
		{[]string{"-data-dir=x"}, true},
		{[]string{"-json"}, false},
	} {
		if got := opensWindow(c.args); got != c.want {
			t.Errorf("opensWindow(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

// TestFailureText: a window start that failed (on Windows a message box,
// the program having no console) says so, with the error the command line
// printed last and where the log is.
func TestFailureText(t *testing.T) {
	tail := &tailWriter{max: 64}
	fmt.Fprintf(tail, "%s\norderbrug: instance: open C:\\x\\instance.lock: Access is denied.\n", strings.Repeat("time=... level=INFO msg=start\n", 20))
	if len(tail.String()) != 64 {
		t.Fatalf("tail keeps %d bytes, want 64", len(tail.String()))
	}
	got := failureText("time=x level=WARN msg=y\norderbrug: database is newer than this Orderbrug\n", `C:\Users\Jan\AppData\Local\orderbrug\orderbrug.log`)
	for _, want := range []string{"database is newer than this Orderbrug", `C:\Users\Jan\AppData\Local\orderbrug\orderbrug.log`} {
		if !strings.Contains(got, want) {
			t.Errorf("failureText = %q, lacks %q", got, want)
		}
	}
	if strings.Contains(got, "orderbrug: ") || strings.Contains(got, "level=WARN") || strings.Contains(got, "start.failed") {
		t.Errorf("failureText = %q: the prefix, the log or the bare key", got)
	}
}
