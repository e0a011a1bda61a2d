package main

import (
	"context"
	"errors"
	"log/slog"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/orderbrug/orderbrug/app"
	"github.com/orderbrug/orderbrug/ui"
)

// runGUI opens the window with the engine running behind it or, when
// Orderbrug runs already on this data directory, brings that one's window
// forward and returns.
func runGUI(ctx context.Context, dataDir string, hidden bool, logger *slog.Logger) error {
	if dataDir == "" {
		d, err := app.DefaultDataDir()
		if err != nil {
			return err
		}
		dataDir = d
	}
	inst, err := app.ClaimInstance(dataDir)
	if errors.Is(err, app.ErrAlreadyRunning) {
		logger.Info("Orderbrug runs already; its window is brought forward")
		return nil
	}
	if err != nil {
		return err
	}
	defer inst.Close()
	a := fyneapp.NewWithID("nl.orderbrug.app")
	svc, err := app.Open(ctx, app.Options{DataDir: dataDir, Logger: logger})
	if err != nil {
		return err
	}
	defer svc.Close()
	inst.RunCommands(svc) // sync, recheck, order book from the CLI run in this process
	defer inst.Close()    // before svc.Close: handed-off commands end first
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := svc.Start(ctx); err != nil {
		return err
	}
	if err := svc.StartWebhooks(ctx, ""); err != nil {
		// The window still works: polling needs no webhook server.
		logger.Warn("webhook server not started", "err", err)
	}
	return ui.Run(a, svc, ui.Options{DataDir: svc.DataDir(), StartHidden: hidden, Instance: inst})
}
