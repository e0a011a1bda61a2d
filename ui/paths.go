package ui

import (
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"
)

// pickFolder opens the folder picker at the folder in entry (when it
// exists) and puts the chosen folder there as the system writes paths.
func (u *UI) pickFolder(entry *widget.Entry) {
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err == nil && l != nil {
			entry.SetText(localPath(l))
		}
	}, u.win)
	if cur := strings.TrimSpace(entry.Text); cur != "" {
		if fi, err := os.Stat(cur); err == nil && fi.IsDir() {
			if l, err := storage.ListerForURI(storage.NewFileURI(cur)); err == nil {
				d.SetLocation(l)
			}
		}
	}
	d.Show()
}

// localPath is a picked file URI as a path of this system: Fyne's URIs
// use forward slashes also on Windows (C:/Users/...), where a path shown to
// the owner, and kept, is C:\Users\....
func localPath(u fyne.URI) string { return filepath.FromSlash(u.Path()) }

// fileURL is the file:// URL of a local path, to open it with the system's
// program: on Windows file:///C:/facturen/x.xml for C:\facturen\x.xml and
// file://server/share/x.xml for \\server\share\x.xml (Fyne's own URI
// string would be file://C:/..., which names a host "C:").
func fileURL(p string) *url.URL { return fileURLFor(p, runtime.GOOS == "windows") }

func fileURLFor(p string, windows bool) *url.URL {
	if !windows {
		return &url.URL{Scheme: "file", Path: p}
	}
	p = strings.ReplaceAll(p, `\`, "/")
	if rest, ok := strings.CutPrefix(p, "//"); ok {
		host, path, _ := strings.Cut(rest, "/")
		return &url.URL{Scheme: "file", Host: host, Path: "/" + path}
	}
	return &url.URL{Scheme: "file", Path: "/" + p}
}
