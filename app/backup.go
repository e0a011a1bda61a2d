package app

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/store"
)

// Housekeeping are the settings of what Orderbrug tidies by itself: how
// long processed webhook bodies (inbox_days, default 90) and log lines
// (events_days, 365) are kept, after how many days an order that can never
// be booked leaves the Open tab (unbookable_days, 7), and how many daily
// backups are kept (backups_kept, 7). 0 turns a part off.
type Housekeeping = engine.Housekeeping

// BackupDir is where the daily automatic backups go: "backups" in the data
// directory.
func (s *Service) BackupDir() string { return filepath.Join(s.dataDir, "backups") }

// Backup writes a consistent copy of the database to file, also while the
// engine runs and writes (VACUUM INTO: one read transaction).
func (s *Service) Backup(ctx context.Context, file string) error {
	if file == "" {
		return required("file")
	}
	return s.store.Backup(ctx, file)
}

// Backups lists the automatic backups, newest first.
func (s *Service) Backups() ([]store.AutoBackup, error) {
	return store.AutoBackups(s.BackupDir())
}

// Housekeeping returns the housekeeping settings (the defaults until saved).
func (s *Service) Housekeeping(ctx context.Context) (Housekeeping, error) {
	return s.engine.HousekeepingSettings(ctx)
}

// SetHousekeeping saves the housekeeping settings; negative values are
// refused. The next housekeeping run (hourly) applies them.
func (s *Service) SetHousekeeping(ctx context.Context, h Housekeeping) error {
	for field, v := range map[string]int{"inbox_days": h.InboxDays, "events_days": h.EventsDays,
		"unbookable_days": h.UnbookableDays, "backups_kept": h.BackupsKept} {
		if v < 0 {
			return invalid(field, errors.New("must not be negative"))
		}
	}
	if err := s.engine.SetHousekeeping(ctx, h); err != nil {
		return err
	}
	s.notify()
	return nil
}

// Housekeep runs housekeeping now: unbookable orders, retention and the
// daily backup (made only when the newest is a day old).
func (s *Service) Housekeep(ctx context.Context) (engine.Tidied, error) {
	var t engine.Tidied
	var err error
	if r := s.running(); r != nil {
		t, err = r.Housekeep(ctx)
	} else {
		t, err = s.engine.Housekeep(ctx, s.BackupDir())
	}
	s.notify()
	return t, err
}
