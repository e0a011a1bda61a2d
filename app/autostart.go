package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrAutostartUnsupported: starting at login is only set up on Linux and
// the BSDs (XDG autostart). On Windows it would be a Run registry value and
// on macOS a LaunchAgent; neither is built yet.
var ErrAutostartUnsupported = errors.New("start at login is not supported on " + runtime.GOOS)

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

// NewAutostart is the login start of this executable with args (for example
// "--hidden"), in $XDG_CONFIG_HOME/autostart or ~/.config/autostart.
func NewAutostart(args ...string) (*Autostart, error) {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return nil, ErrAutostartUnsupported
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("autostart: %w", err)
	}
	cfg := os.Getenv("XDG_CONFIG_HOME")
	if cfg == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("autostart: %w", err)
		}
		cfg = filepath.Join(home, ".config")
	}
	return &Autostart{Dir: filepath.Join(cfg, "autostart"), Exec: append([]string{exe}, args...)}, nil
}

func (a *Autostart) path() string { return filepath.Join(a.Dir, autostartFile) }

// Enabled reports whether the entry exists and is not hidden.
func (a *Autostart) Enabled() bool {
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

// Enable writes the entry.
func (a *Autostart) Enable() error {
	if len(a.Exec) == 0 {
		return errors.New("autostart: no program")
	}
	if err := os.MkdirAll(a.Dir, 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	quoted := make([]string, len(a.Exec))
	for i, s := range a.Exec {
		quoted[i] = quoteExec(s)
	}
	body := "[Desktop Entry]\nType=Application\nName=Orderbrug\nComment=Books web-shop orders\n" +
		"Exec=" + strings.Join(quoted, " ") + "\nIcon=nl.orderbrug.app\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
	if err := writeFileAtomic(a.path(), []byte(body)); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Disable removes the entry; removing a missing one is no error.
func (a *Autostart) Disable() error {
	if err := os.Remove(a.path()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: %w", err)
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
