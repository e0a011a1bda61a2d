package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Backup writes a consistent copy of the database to dst (VACUUM INTO: one
// read transaction, so writes that go on meanwhile are either wholly in the
// copy or not at all). The copy is written next to dst under a temporary
// name, synced and renamed, so dst is never a half-written file; it is
// 0600, as the database is. An existing dst is replaced.
func (s *Store) Backup(ctx context.Context, dst string) error {
	abs, err := filepath.Abs(dst)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if abs == s.path {
		return fmt.Errorf("backup: %s is the database itself", dst)
	}
	dir := filepath.Dir(abs)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(abs)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO wants a file that does not exist or is empty: this one is
	// empty and already 0600.
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, tmpName); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f, err := os.OpenFile(tmpName, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Chmod(tmpName, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmpName, abs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Automatic backups are named by the time they were made, so that their
// names sort by age.
const (
	autoBackupPrefix = "orderbrug-"
	autoBackupLayout = "20060102-150405"
	autoBackupSuffix = ".db"
)

// AutoBackup is one automatic backup in a backup folder.
type AutoBackup struct {
	Path string    `json:"path"`
	At   time.Time `json:"at"`
}

// AutoBackups lists the automatic backups in dir, newest first.
func AutoBackups(dir string) ([]AutoBackup, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []AutoBackup
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, autoBackupPrefix) || !strings.HasSuffix(name, autoBackupSuffix) {
			continue
		}
		at, err := time.ParseInLocation(autoBackupLayout,
			strings.TrimSuffix(strings.TrimPrefix(name, autoBackupPrefix), autoBackupSuffix), time.UTC)
		if err != nil {
			continue // not one of ours
		}
		out = append(out, AutoBackup{Path: filepath.Join(dir, name), At: at})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}

// AutoBackup makes an automatic backup in dir (0700, created if needed)
// when the newest there is older than every (or there is none), and then
// keeps only the newest keep. made is the new backup's path ("" when none
// was due).
func (s *Store) AutoBackup(ctx context.Context, dir string, every time.Duration, keep int) (made string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup folder: %w", err)
	}
	now := s.Now().UTC()
	have, err := AutoBackups(dir)
	if err != nil {
		return "", fmt.Errorf("backup folder: %w", err)
	}
	if len(have) == 0 || now.Sub(have[0].At) >= every {
		made = filepath.Join(dir, autoBackupPrefix+now.Format(autoBackupLayout)+autoBackupSuffix)
		if err := s.Backup(ctx, made); err != nil {
			return "", err
		}
		have = append([]AutoBackup{{Path: made, At: now}}, have...)
	}
	if keep < 1 {
		keep = 1
	}
	for _, b := range have[min(keep, len(have)):] {
		if err := os.Remove(b.Path); err != nil && !os.IsNotExist(err) {
			return made, fmt.Errorf("remove old backup: %w", err)
		}
	}
	return made, nil
}
