//go:build (linux && !android) || freebsd || openbsd || netbsd || dragonfly

package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAutostartEntry(t *testing.T) {
	a := &Autostart{Dir: filepath.Join(t.TempDir(), "autostart"), Exec: []string{"/opt/Order Brug/orderbrug", "--hidden", "100%"}}
	if a.Enabled() {
		t.Fatal("enabled before Enable")
	}
	if err := a.Enable(); err != nil {
		t.Fatal(err)
	}
	if !a.Enabled() {
		t.Fatal("not enabled after Enable")
	}
	b, err := os.ReadFile(filepath.Join(a.Dir, "nl.orderbrug.app.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	body := string(b)
	for _, want := range []string{"[Desktop Entry]\n", "Type=Application\n", `Exec="/opt/Order Brug/orderbrug" --hidden 100%%` + "\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("entry lacks %q:\n%s", want, body)
		}
	}
	if err := a.Disable(); err != nil {
		t.Fatal(err)
	}
	if a.Enabled() {
		t.Fatal("enabled after Disable")
	}
	if err := a.Disable(); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
}

func TestAutostartHiddenEntryCountsAsOff(t *testing.T) {
	a := &Autostart{Dir: t.TempDir(), Exec: []string{"orderbrug"}}
	if err := os.WriteFile(filepath.Join(a.Dir, "nl.orderbrug.app.desktop"), []byte("[Desktop Entry]\nHidden=true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if a.Enabled() {
		t.Error("a Hidden=true entry (the desktop's own off switch) counts as on")
	}
}

func TestNewAutostartUsesXDGConfigHome(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	a, err := NewAutostart("--hidden")
	if err != nil {
		t.Fatal(err)
	}
	if a.Dir != filepath.Join(cfg, "autostart") || len(a.Exec) != 2 || a.Exec[1] != "--hidden" {
		t.Fatalf("%+v", a)
	}
}

func TestQuoteExec(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/orderbrug": "/usr/bin/orderbrug",
		"/a b/c":             `"/a b/c"`,
		`say "hi" $HOME`:     `"say \"hi\" \$HOME"`,
		"50%":                "50%%",
		"":                   `""`,
	} {
		if got := quoteExec(in); got != want {
			t.Errorf("quoteExec(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAutostartRefresh: a login start that is on but starts another
// program (Orderbrug was moved) is rewritten with this one; one that is
// current, off, or hidden by the desktop's own switch is left alone.
func TestAutostartRefresh(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "autostart")
	path := filepath.Join(dir, "nl.orderbrug.app.desktop")
	moved := &Autostart{Dir: dir, Exec: []string{"/new place/orderbrug", "--hidden"}}
	if changed, err := moved.Refresh(); changed || err != nil {
		t.Fatalf("no login start: Refresh %v, %v", changed, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("Refresh without a login start made one (%v)", err)
	}
	old := &Autostart{Dir: dir, Exec: []string{"/old/orderbrug", "--hidden"}}
	if err := old.Enable(); err != nil {
		t.Fatal(err)
	}
	if changed, err := moved.Refresh(); !changed || err != nil {
		t.Fatalf("a login start of the old place: Refresh %v, %v; want rewritten", changed, err)
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "Exec=\"/new place/orderbrug\" --hidden\n") {
		t.Errorf("after Refresh:\n%s", b)
	}
	if changed, err := moved.Refresh(); changed || err != nil {
		t.Errorf("a current login start: Refresh %v, %v; want left alone", changed, err)
	}
	hidden := "[Desktop Entry]\nExec=/old/orderbrug --hidden\nHidden=true\n"
	if err := os.WriteFile(path, []byte(hidden), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed, err := moved.Refresh(); changed || err != nil {
		t.Errorf("a hidden login start: Refresh %v, %v; want left alone", changed, err)
	}
	if b, _ := os.ReadFile(path); string(b) != hidden {
		t.Errorf("a hidden login start was changed:\n%s", b)
	}
}
