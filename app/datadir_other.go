//go:build !windows

package app

import "os"

// mkPrivateDir makes dir with mode 0700, which is all it takes here.
func mkPrivateDir(dir string) (note string, err error) { return "", os.Mkdir(dir, 0o700) }
