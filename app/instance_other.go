//go:build !unix

package app

import "os"

// lockingSupported is false here (Windows): a running instance is then
// recognised by answering on the address in instance.addr.
const lockingSupported = false

func tryLock(*os.File) (bool, error) { return true, nil }
