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
