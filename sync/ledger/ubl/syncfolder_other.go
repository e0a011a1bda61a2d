//go:build !windows

package ubl

import (
	"errors"
	"io/fs"
	"os"
)

// placeNew gives the written and synced temporary file tmp the name path,
// only if path does not exist yet (else an error wrapping fs.ErrExist): a
// hard link, made durable by the folder sync that follows.
func placeNew(tmp, path string) error { return os.Link(tmp, path) }

// syncFolder fsyncs a folder, so that the names linked in it survive a
// crash.
func syncFolder(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err // some platforms cannot sync a directory: nothing to do there
	}
	return nil
}
