//go:build (linux && !android) || freebsd || openbsd || netbsd || dragonfly

package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

const autostartSupported = true

// Autostart is "Start bij inloggen": an XDG autostart entry
// (~/.config/autostart/nl.orderbrug.app.desktop) that desktop sessions run
// at login.
type Autostart struct {
	// Dir is the autostart folder.
	Dir string
	// Exec is the program and its arguments.
	Exec []string
}

// autostartFile is named after the app ID, as the XDG spec advises.
const autostartFile = "nl.orderbrug.app.desktop"

func newAutostart(exec []string) (*Autostart, error) {
	cfg := os.Getenv("XDG_CONFIG_HOME")
	if cfg == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, err
		}
		cfg = filepath.Join(home, ".config")
	}
	return &Autostart{Dir: filepath.Join(cfg, "autostart"), Exec: exec}, nil
}

func (a *Autostart) path() string { return filepath.Join(a.Dir, autostartFile) }

// enabled: the entry exists and is not hidden.
func (a *Autostart) enabled() bool {
	b, err := os.ReadFile(a.path())
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) == "Hidden=true" {
			return false
		}
	}
	return true
}

// enable writes the entry.
func (a *Autostart) enable() error {
	if err := os.MkdirAll(a.Dir, 0o755); err != nil {
		return err
	}
	body := "[Desktop Entry]\nType=Application\nName=Orderbrug\nComment=Books web-shop orders\n" +
		"Exec=" + a.execLine() + "\nIcon=nl.orderbrug.app\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
	return writeFileAtomic(a.path(), []byte(body))
}

// execLine is the Exec key's value for a.Exec.
func (a *Autostart) execLine() string {
	quoted := make([]string, len(a.Exec))
	for i, s := range a.Exec {
		quoted[i] = quoteExec(s)
	}
	return strings.Join(quoted, " ")
}

// stale: the entry's Exec line is another than a.Exec's.
func (a *Autostart) stale() bool {
	b, err := os.ReadFile(a.path())
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Exec="); ok {
			return v != a.execLine()
		}
	}
	return true
}

// rewrite writes the entry anew.
func (a *Autostart) rewrite() error { return a.enable() }

// disable removes the entry.
func (a *Autostart) disable() error {
	if err := os.Remove(a.path()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// quoteExec quotes an Exec argument as the Desktop Entry spec demands:
// arguments with reserved characters in double quotes, with ", `, $ and \
// escaped by a backslash, and % doubled.
func quoteExec(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`)
	return `"` + r.Replace(s) + `"`
}
