//go:build windows

package app

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockingSupported: a LockFileEx lock belongs to the open handle; Windows
// releases it when the handle is closed or the process ends (a crash
// included), so a dead Orderbrug never leaves a stale claim.
const lockingSupported = true

// tryLock takes an exclusive lock on the whole of f without waiting; false
// when another handle (another process, or another claim in this one)
// holds it.
func tryLock(f *os.File) (bool, error) {
	const all = ^uint32(0)
	ol := new(windows.Overlapped)
	err := windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, all, all, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return false, nil
	}
	return err == nil, err
}

// asfwAny is ASFW_ANY, (DWORD)-1: any process.
const asfwAny = 0xFFFFFFFF

var procAllowSetForegroundWindow = windows.NewLazySystemDLL("user32.dll").NewProc("AllowSetForegroundWindow")

// allowForeground lets the running Orderbrug bring its window to the front
// (SetForegroundWindow), which Windows refuses a background process unless
// the foreground process allows it: this one, which the user just started.
// Its error (this process has no foreground right to give: started from
// a script, say) is nothing to act on; the window then flashes in the
// taskbar instead.
func allowForeground() error {
	if err := procAllowSetForegroundWindow.Find(); err != nil {
		return err
	}
	if ok, _, err := procAllowSetForegroundWindow.Call(asfwAny); ok == 0 {
		return err
	}
	return nil
}
