package app

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// "Start bij inloggen": the login start of Orderbrug, per platform.
//   - Linux and the BSDs (autostart_xdg.go): an XDG autostart entry,
//     ~/.config/autostart/nl.orderbrug.app.desktop, that desktop sessions
//     run at login.
//   - Windows (autostart_windows.go): the value "Orderbrug" of the per-user
//     Run key, HKCU\Software\Microsoft\Windows\CurrentVersion\Run.
//   - Elsewhere (macOS: it would be a LaunchAgent) it is not built:
//     NewAutostart returns ErrAutostartUnsupported.
//
// The type Autostart is declared per platform, with the fields that say
// where the login start is (Dir on Linux; Key, Approved and Value on
// Windows) and Exec, the program and its arguments, everywhere.

// ErrAutostartUnsupported: starting at login is set up on Linux, the BSDs
// and Windows only.
var ErrAutostartUnsupported = errors.New("start at login is not supported on " + runtime.GOOS)

// NewAutostart is the login start of this executable with args (for example
// "--hidden"): on Linux and the BSDs in $XDG_CONFIG_HOME/autostart or
// ~/.config/autostart, on Windows in the per-user Run key.
func NewAutostart(args ...string) (*Autostart, error) {
	if !autostartSupported {
		return nil, ErrAutostartUnsupported
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("autostart: %w", err)
	}
	a, err := newAutostart(append([]string{exe}, args...))
	if err != nil {
		return nil, fmt.Errorf("autostart: %w", err)
	}
	return a, nil
}

// Enabled reports whether the login start is set up and not turned off by
// the desktop's own switch (a Hidden=true entry on Linux, "Disabled" in
// the Task Manager's or Settings' list of startup apps on Windows).
func (a *Autostart) Enabled() bool { return a.enabled() }

// Enable sets up the login start of a.Exec, turning the desktop's own
// switch back on.
func (a *Autostart) Enable() error {
	if len(a.Exec) == 0 {
		return errors.New("autostart: no program")
	}
	if err := a.enable(); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Disable removes the login start; removing a missing one is no error.
func (a *Autostart) Disable() error {
	if err := a.disable(); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Refresh rewrites the login start with a.Exec when it is on (Enabled) and
// the command it starts is another one: the program was moved or unzipped
// elsewhere, and the stored one would start nothing, or an old copy. A
// login start that is off, or turned off by the desktop's own switch, is
// left as it is. changed reports whether it was rewritten.
func (a *Autostart) Refresh() (changed bool, err error) {
	if len(a.Exec) == 0 || !a.enabled() || !a.stale() {
		return false, nil
	}
	if err := a.rewrite(); err != nil {
		return false, fmt.Errorf("autostart: %w", err)
	}
	return true, nil
}
