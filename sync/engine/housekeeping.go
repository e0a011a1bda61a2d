package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orderbrug/orderbrug/sync/store"
)

// Housekeeping are the settings of what Orderbrug tidies by itself. A zero
// value of a field turns that part off.
type Housekeeping struct {
	// InboxDays: processed webhook deliveries (their bodies hold customer
	// data) are removed this many days after they arrived (default 90).
	InboxDays int `json:"inbox_days"`
	// EventsDays: log lines are removed after this many days (default 365).
	EventsDays int `json:"events_days"`
	// UnbookableDays: an order that can never be booked (cancelled, failed,
	// trashed, an abandoned checkout draft) leaves the Open tab for "Niet te
	// boeken" after it was parked this many days (default 7).
	UnbookableDays int `json:"unbookable_days"`
	// BackupsKept: a backup of the database is made every day and this many
	// are kept (default 7).
	BackupsKept int `json:"backups_kept"`
}

// DefaultHousekeeping are the settings until a person changes them.
var DefaultHousekeeping = Housekeeping{InboxDays: 90, EventsDays: 365, UnbookableDays: 7, BackupsKept: 7}

// KeyHousekeeping is the setting that holds Housekeeping.
const KeyHousekeeping = "housekeeping"

// keyLastRecheck is the setting with the time the last recheck ran.
const keyLastRecheck = "last_recheck_at"

// HousekeepingSettings returns the settings, the defaults when none were
// saved.
func (e *Engine) HousekeepingSettings(ctx context.Context) (Housekeeping, error) {
	h := DefaultHousekeeping
	if err := e.Store.GetSetting(ctx, KeyHousekeeping, &h); err != nil && !errors.Is(err, store.ErrNotFound) {
		return h, err
	}
	return h, nil
}

// SetHousekeeping saves the settings; negative values are refused.
func (e *Engine) SetHousekeeping(ctx context.Context, h Housekeeping) error {
	if h.InboxDays < 0 || h.EventsDays < 0 || h.UnbookableDays < 0 || h.BackupsKept < 0 {
		return fmt.Errorf("housekeeping: negative value")
	}
	return e.Store.SetSetting(ctx, KeyHousekeeping, h)
}

// Tidied tells what Housekeep did.
type Tidied struct {
	Unbookable int          `json:"unbookable"`
	Pruned     store.Pruned `json:"pruned"`
	// Backup is the automatic backup made ("" when none was due).
	Backup string `json:"backup"`
}

// Housekeep does what the settings ask: parked orders that can never be
// booked and were parked longer than the grace period become unbookable;
// old processed deliveries and old events are removed; a daily backup is
// made into backupDir ("" for none) and the newest BackupsKept are kept.
// Each part runs even when an earlier one failed; the errors are joined.
func (e *Engine) Housekeep(ctx context.Context, backupDir string) (Tidied, error) {
	var t Tidied
	h, err := e.HousekeepingSettings(ctx)
	if err != nil {
		return t, err
	}
	now := e.now()
	var errs []error
	if h.UnbookableDays > 0 {
		n, err := e.Store.MarkUnbookable(ctx, now.AddDate(0, 0, -h.UnbookableDays), e.UnbookableRule(), "orders_unbookable")
		t.Unbookable = n
		if err != nil {
			errs = append(errs, err)
		}
	}
	var inboxBefore, eventsBefore time.Time
	if h.InboxDays > 0 {
		inboxBefore = now.AddDate(0, 0, -h.InboxDays)
	}
	if h.EventsDays > 0 {
		eventsBefore = now.AddDate(0, 0, -h.EventsDays)
	}
	if t.Pruned, err = e.Store.Prune(ctx, inboxBefore, eventsBefore); err != nil {
		errs = append(errs, err)
	}
	if t.Pruned.Deliveries > 0 || t.Pruned.Events > 0 {
		_ = e.Store.AddEvent(ctx, store.Event{Code: "housekeeping_pruned", Args: map[string]string{
			"deliveries": fmt.Sprint(t.Pruned.Deliveries), "events": fmt.Sprint(t.Pruned.Events)}})
	}
	if backupDir != "" && h.BackupsKept > 0 {
		made, err := e.Store.AutoBackup(ctx, backupDir, 24*time.Hour, h.BackupsKept)
		t.Backup = made
		if err != nil {
			errs = append(errs, err)
			_ = e.Store.AddEvent(ctx, store.Event{Level: store.Error, Code: "backup_failed", Detail: err.Error()})
		}
	}
	if t.Unbookable > 0 || t.Pruned.Deliveries > 0 {
		e.changed()
	}
	return t, errors.Join(errs...)
}

// LastRecheck is when the last recheck ran (zero if never recorded).
func (e *Engine) LastRecheck(ctx context.Context) (time.Time, error) {
	var t time.Time
	if err := e.Store.GetSetting(ctx, keyLastRecheck, &t); err != nil && !errors.Is(err, store.ErrNotFound) {
		return t, err
	}
	return t, nil
}

func (e *Engine) setLastRecheck(ctx context.Context, t time.Time) error {
	return e.Store.SetSetting(ctx, keyLastRecheck, t.UTC())
}

// Rechecked records that every shop was rechecked now (a recheck a person
// started): a start or wake later today runs no missed one.
func (e *Engine) Rechecked(ctx context.Context) error { return e.setLastRecheck(ctx, e.now()) }
