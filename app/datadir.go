package app

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// makeDataDir creates dir, with its parents, for files that are the user's
// alone (the database with the shops' and ledgers' keys, the invoices): on
// Unix with mode 0700; on Windows, which does not look at Unix modes, a new
// folder on a local fixed drive is made with an access list of its own, for
// the user and SYSTEM only, in the one call that creates it (see
// mkPrivateDir): there is never an unrestricted folder that a later call
// would take as made. A folder that exists is left as it is: its owner may
// have shared it on purpose, with a bookkeeper say. Where no access list is
// set (a network share, a USB stick) the folder is made as it is; that is
// logged, not an error.
func makeDataDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := os.MkdirAll(parent, 0o700); err != nil {
			return err
		}
	}
	note, err := mkPrivateDir(dir)
	if errors.Is(err, fs.ErrExist) {
		if fi, serr := os.Stat(dir); serr == nil && fi.IsDir() {
			return nil // made meanwhile by another process
		}
	}
	if err != nil {
		return err
	}
	if note != "" {
		slog.Info("data folder made without an access list of its own", "dir", dir, "why", note)
	}
	return nil
}
