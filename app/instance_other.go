//go:build !unix && !windows

package app

import "os"

// lockingSupported is false here (neither Unix nor Windows): a running
// instance is then recognised by answering on the address in instance.addr.
const lockingSupported = false

func tryLock(*os.File) (bool, error) { return true, nil }

// allowForeground: only Windows keeps a background process from raising
// its window.
func allowForeground() error { return nil }
