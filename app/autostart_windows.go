//go:build windows

package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const autostartSupported = true

// Autostart is "Start bij inloggen": a value of the per-user Run key
// (HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run) whose
// data is the command line that Windows runs at login.
type Autostart struct {
	// Key is the Run key's path under HKEY_CURRENT_USER.
	Key string
	// Approved is the path under HKEY_CURRENT_USER of Explorer's
	// StartupApproved\Run key, where the Task Manager and Settings >
	// Apps > Startup keep an app they turned off, under the Run value's
	// name ("": not looked at).
	Approved string
	// Value is the name of the value in both keys.
	Value string
	// Exec is the program and its arguments.
	Exec []string
}

const (
	runKey      = `Software\Microsoft\Windows\CurrentVersion\Run`
	approvedKey = `Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run`
	runValue    = "Orderbrug"
)

func newAutostart(exec []string) (*Autostart, error) {
	exec[0] = guiExe(exec[0])
	return &Autostart{Key: runKey, Approved: approvedKey, Value: runValue, Exec: exec}, nil
}

// guiExe: the console build (orderbrug-cli.exe), when the window was
// opened from it, would open a console window at every login; the GUI
// build beside it (orderbrug.exe, from the same zip) is started instead.
func guiExe(exe string) string {
	dir, base := filepath.Split(exe)
	if !strings.EqualFold(base, "orderbrug-cli.exe") {
		return exe
	}
	gui := filepath.Join(dir, "orderbrug.exe")
	if fi, err := os.Stat(gui); err == nil && fi.Mode().IsRegular() {
		return gui
	}
	return exe
}

// commandLine is Exec as Windows parses a command line: the program in
// quotes when it has a space, each argument quoted and escaped by
// CommandLineToArgvW's rules.
func (a *Autostart) commandLine() string { return windows.ComposeCommandLine(a.Exec) }

// enabled: the Run value is there and the Task Manager has not turned it
// off.
func (a *Autostart) enabled() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, a.Key, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	if s, _, err := k.GetStringValue(a.Value); err != nil || strings.TrimSpace(s) == "" {
		return false
	}
	return !a.turnedOff()
}

// turnedOff reports whether StartupApproved\Run says the app is off. Its
// binary value is not documented; as written by Windows 10 and 11, its
// first byte is 2 (or 6) for on and 3 (or another odd byte) for off,
// followed by when that was set.
func (a *Autostart) turnedOff() bool {
	if a.Approved == "" {
		return false
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, a.Approved, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	b, _, err := k.GetBinaryValue(a.Value)
	return err == nil && len(b) > 0 && b[0]&1 != 0
}

// enable writes the Run value (REG_SZ) and removes a "turned off" that the
// Task Manager left: ticking the box means starting at login.
func (a *Autostart) enable() error {
	if err := a.rewrite(); err != nil {
		return err
	}
	return a.forgetApproval()
}

// rewrite writes the Run value (REG_SZ), leaving the Task Manager's switch
// as it is.
func (a *Autostart) rewrite() error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, a.Key, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(a.Value, a.commandLine())
}

// stale: the Run value is another command line than a.Exec's.
func (a *Autostart) stale() bool {
	k, err := registry.OpenKey(registry.CURRENT_USER, a.Key, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	s, _, err := k.GetStringValue(a.Value)
	return err == nil && s != a.commandLine()
}

// disable removes the Run value and what the Task Manager kept about it.
func (a *Autostart) disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, a.Key, registry.SET_VALUE)
	if err == nil {
		err = k.DeleteValue(a.Value)
		k.Close()
	}
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return a.forgetApproval()
}

func (a *Autostart) forgetApproval() error {
	if a.Approved == "" {
		return nil
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, a.Approved, registry.SET_VALUE)
	if err == nil {
		err = k.DeleteValue(a.Value)
		k.Close()
	}
	if err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}
