package ui

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

var findWindow = windows.NewLazySystemDLL("user32.dll").NewProc("FindWindowW")

// trayAvailable reports whether the notification area is there: the
// taskbar's window (Shell_TrayWnd) exists. It always does on a Windows
// desktop (Fyne's tray adds its icon again when Explorer restarts); not
// under Wine without its virtual desktop, nor in a session without
// Explorer, where closing the window must then quit, as on Linux without a
// tray host.
func trayAvailable() bool {
	name, _ := windows.UTF16PtrFromString("Shell_TrayWnd")
	if findWindow.Find() != nil {
		return false
	}
	h, _, _ := findWindow.Call(uintptr(unsafe.Pointer(name)), 0)
	return h != 0
}
