// Command orderbrug books the sales of a web shop into the books: a tray app
// with a window, and every action of the window as a subcommand.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/internal/clocale"
)

func main() {
	// Fyne's package inits ran with LC_ALL=C (see clocale): the locale as
	// the user has it again, before the window reads it.
	clocale.Restore()
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)
	if gui, dataDir, hidden, ok := guiArgs(args); ok && gui {
		if err := runGUI(ctx, dataDir, hidden, logger); err != nil {
			fmt.Fprintln(os.Stderr, "orderbrug:", app.Explain(err))
			return 1
		}
		return 0
	}
	cli := &app.CLI{Stdout: os.Stdout, Stderr: os.Stderr, Options: app.Options{Logger: logger}}
	return cli.Run(ctx, args)
}

// guiArgs reports whether the command line asks for the window: no command,
// only --data-dir and --hidden (used by autostart).
func guiArgs(args []string) (gui bool, dataDir string, hidden bool, ok bool) {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--hidden" || a == "-hidden":
			hidden = true
		case (a == "--data-dir" || a == "-data-dir") && i+1 < len(args):
			dataDir = args[i+1]
			i++
		case len(a) > 11 && (a[:11] == "--data-dir=" || a[:10] == "-data-dir="):
			dataDir = a[len("--data-dir="):]
			if a[1] != '-' {
				dataDir = a[len("-data-dir="):]
			}
		default:
			return false, "", false, true
		}
	}
	return true, dataDir, hidden, true
}
