//go:build !linux && !windows

package ui

// trayAvailable: macOS always has a tray (the menu bar). The BSDs use the
// same DBus protocol as Linux but are not checked here; they get the tray as
// Fyne decides.
func trayAvailable() bool { return true }
