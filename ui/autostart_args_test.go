package ui

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/orderbrug/orderbrug/app"
)

// TestAutostartArgsAbsoluteDataDir: a relative --data-dir is given to the
// login start as an absolute path (it runs in C:\Windows\System32 on
// Windows, the home folder on Linux); the default data folder is not named.
func TestAutostartArgsAbsoluteDataDir(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("winkel", "data")
	if got, want := autostartArgs(Options{DataDir: rel}), []string{"--hidden", "--data-dir", filepath.Join(wd, rel)}; !slices.Equal(got, want) {
		t.Errorf("--data-dir %s: login start %q, want %q", rel, got, want)
	}
	if def, err := app.DefaultDataDir(); err == nil {
		if got := autostartArgs(Options{DataDir: def}); !slices.Equal(got, []string{"--hidden"}) {
			t.Errorf("the default data folder: login start %q, want only --hidden", got)
		}
	}
	if got := autostartArgs(Options{}); !slices.Equal(got, []string{"--hidden"}) {
		t.Errorf("no data folder: %q", got)
	}
}
