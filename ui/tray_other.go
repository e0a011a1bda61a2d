//go:build !linux

package ui

// trayAvailable: Windows and macOS always have a tray (notification area,
// menu bar). The BSDs use the same DBus protocol as Linux but are not
// checked here; they get the tray as Fyne decides.
func trayAvailable() bool { return true }
