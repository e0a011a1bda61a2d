package main

import (
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/orderbrug/orderbrug/assets"
)

// opensWindow: a command line with only --data-dir and --hidden opens the
// window (as a double-click and the login start do); anything else is a
// command for the console.
func opensWindow(args []string) bool {
	for i := 0; i < len(args); i++ {
		// The CLI takes these with one dash too (-data-dir).
		a := args[i]
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") {
			a = "-" + a
		}
		switch {
		case a == "--hidden" || strings.HasPrefix(a, "--hidden=") || strings.HasPrefix(a, "--data-dir="):
		case a == "--data-dir":
			i++
		default:
			return false
		}
	}
	return true
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	b   []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = append(w.b[:0], w.b[len(w.b)-w.max:]...)
	}
	return len(p), nil
}

func (w *tailWriter) String() string { return string(w.b) }

// failureText is what a window start that failed tells the owner: that
// Orderbrug could not start, the error as the command line printed it
// (without its "orderbrug: " prefix), and where the log is.
func failureText(printed, logPath string) string {
	_ = lang.AddTranslationsFS(assets.Lang, "lang")
	msg := strings.TrimSpace(printed)
	if i := strings.LastIndex(msg, "\norderbrug"); i >= 0 {
		msg = msg[i+1:] // the last error printed
	}
	msg = strings.TrimPrefix(msg, "orderbrug: ")
	if msg == "" {
		msg = "?"
	}
	return lang.L("start.failed", map[string]any{"Error": msg, "Log": logPath})
}
