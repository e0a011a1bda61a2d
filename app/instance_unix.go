//go:build unix

package app

import (
	"errors"
	"os"
	"syscall"
)

// lockingSupported: flock is released by the kernel when the process dies,
// so a crash never leaves a stale claim.
const lockingSupported = true

// tryLock takes an exclusive flock without waiting; false when another
// process holds it.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// allowForeground: only Windows keeps a background process from raising
// its window.
func allowForeground() error { return nil }
