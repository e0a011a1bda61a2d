//go:build !windows

package app

// restrictNewDir: mode 0700, which os.MkdirAll gave the folder, is all.
func restrictNewDir(string) error { return nil }
