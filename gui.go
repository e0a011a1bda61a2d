package main

import (
	"context"
	"log/slog"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/ui"
)

// runGUI opens the window (or, when Orderbrug runs already, brings that
// one's window forward) with the engine running behind it.
func runGUI(ctx context.Context, dataDir string, hidden bool, logger *slog.Logger) error {
	a := fyneapp.NewWithID("nl.orderbrug.app")
	svc, err := app.Open(ctx, app.Options{DataDir: dataDir, Logger: logger})
	if err != nil {
		return err
	}
	defer svc.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := svc.Start(ctx); err != nil {
		return err
	}
	if err := svc.StartWebhooks(ctx, ""); err != nil {
		// The window still works: polling needs no webhook server.
		logger.Warn("webhook server not started", "err", err)
	}
	return ui.Run(a, svc, ui.Options{DataDir: svc.DataDir(), StartHidden: hidden})
}
