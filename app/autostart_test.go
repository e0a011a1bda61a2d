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
