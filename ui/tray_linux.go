package ui

import (
	"github.com/godbus/dbus/v5"
)

// statusNotifierWatcher is the DBus name of the tray host that
// StatusNotifierItem icons (Fyne's tray on Linux) register with.
const statusNotifierWatcher = "org.kde.StatusNotifierWatcher"

// trayAvailable reports whether a tray icon would show: a session bus
// exists and a StatusNotifier host owns its name there.
func trayAvailable() bool {
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		return false
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return false
	}
	if err := conn.Hello(); err != nil {
		return false
	}
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, statusNotifierWatcher).Store(&has)
	return err == nil && has
}
