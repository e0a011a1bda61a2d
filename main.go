// Command orderbrug books the sales of a web shop into the books: a tray app
// with a window, and every action of the window as a subcommand.
package main

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/internal/clocale"
)

func main() {
	// Fyne's package inits ran with LC_ALL=C (see clocale): the locale as
	// the user has it again, before the window reads it.
	clocale.Restore()
	console(os.Args[1:]) // Windows: a command typed in a console prints there
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)
	// Without a command (only --data-dir and --hidden, as autostart starts
	// it) the CLI opens the window.
	// What it printed last is kept for a window start that fails.
	tail := &tailWriter{max: 2048}
	cli := &app.CLI{Stdout: os.Stdout, Stderr: io.MultiWriter(os.Stderr, tail), Options: app.Options{Logger: logger},
		GUI: func(ctx context.Context, dataDir string, hidden bool) error {
			return runGUI(ctx, dataDir, hidden, logger)
		}}
	code := cli.Run(context.Background(), args)
	if code != 0 && opensWindow(args) {
		// A double-click that cannot open the window says why (Windows:
		// a message box; elsewhere the terminal has it already).
		startFailed(tail.String())
	}
	return code
}
