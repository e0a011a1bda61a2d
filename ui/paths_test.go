package ui

import (
	"path/filepath"
	"runtime"
	"testing"

	"fyne.io/fyne/v2/storage"
)

func TestFileURL(t *testing.T) {
	for _, c := range []struct {
		path    string
		windows bool
		want    string
	}{
		{"/home/jan/facturen/INV 1.xml", false, "file:///home/jan/facturen/INV%201.xml"},
		{`C:\Users\Jan\Facturen\2026-0001.xml`, true, "file:///C:/Users/Jan/Facturen/2026-0001.xml"},
		{`C:\Program Files\Orderbrug #1`, true, "file:///C:/Program%20Files/Orderbrug%20%231"},
		{`\\nas\boekhouding\facturen`, true, "file://nas/boekhouding/facturen"},
	} {
		if got := fileURLFor(c.path, c.windows).String(); got != c.want {
			t.Errorf("fileURLFor(%q, %v) = %s, want %s", c.path, c.windows, got, c.want)
		}
	}
}

// TestLocalPath: a folder picked in Fyne's dialog comes back as this
// system writes paths (under Wine, .ci/wine-tests: C:\... with
// backslashes, where Fyne's URI has C:/...).
func TestLocalPath(t *testing.T) {
	dir := t.TempDir()
	got := localPath(storage.NewFileURI(dir))
	if got != dir {
		t.Errorf("localPath(NewFileURI(%q)) = %q", dir, got)
	}
	if runtime.GOOS == "windows" && filepath.VolumeName(got) == "" {
		t.Errorf("%q has no drive", got)
	}
}

// TestScreenshotTab: ORDERBRUG_SCREENSHOT_TAB names a tab, or a part of
// Configuratie ("configuratie/algemeen", where the data folder's path is
// shown), for the screenshots of .ci/gui-smoke.sh and .ci/wine-smoke.
func TestScreenshotTab(t *testing.T) {
	svc := newService(t)
	withShop(t, svc)
	u := newTestUIWith(t, svc, Options{Language: "nl", Tab: "configuratie/algemeen"})
	if got := u.tabs.SelectedIndex(); got != 3 {
		t.Fatalf("tab %d selected, want Configuratie (3)", got)
	}
	if got := u.config.tabs.Selected().Text; got != "Algemeen" {
		t.Errorf("Configuratie shows %q, want Algemeen", got)
	}
}
