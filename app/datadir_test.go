//go:build unix

package app

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDataDirIsTheUsersAlone: a new data folder (and its missing parents)
// is made with mode 0700; one that exists keeps its mode; a file in the
// way is an error.
func TestDataDirIsTheUsersAlone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "orderbrug", "data")
	if err := makeDataDir(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o700 {
		t.Errorf("new folder: mode %v, want 0700", fi.Mode().Perm())
	}

	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := makeDataDir(shared); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(shared); err != nil {
		t.Fatal(err)
	} else if fi.Mode().Perm() != 0o750 {
		t.Errorf("existing folder: mode %v, want it left at 0750", fi.Mode().Perm())
	}

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := makeDataDir(file); err == nil {
		t.Error("a file in the way: no error")
	}
}
