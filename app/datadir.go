package app

import "os"

// makeDataDir creates dir, with its parents, for files that are the user's
// alone (the database with the shops' and ledgers' keys, the invoices): on
// Unix with mode 0700; on Windows, which does not look at Unix modes, a new
// folder gets an access list of its own, for the user and SYSTEM only (see
// restrictNewDir). A folder that exists is left as it is: its owner may
// have shared it on purpose, with a bookkeeper say.
func makeDataDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return restrictNewDir(dir)
}
