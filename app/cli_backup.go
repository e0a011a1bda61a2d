package app

import (
	"context"
	"fmt"
	"os"
)

// Commands that keep Orderbrug tidy: a backup, and the housekeeping
// settings.

func cmdBackup(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("backup", c)
	pos, err := parseN(fs, args, 1, "backup FILE")
	if err != nil {
		return err
	}
	// Reading next to a running Orderbrug is safe: the copy is one read
	// transaction (the database is in WAL mode).
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := svc.Backup(ctx, pos[0]); err != nil {
		return err
	}
	fi, err := os.Stat(pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "backup written to %s (%d bytes)\n", pos[0], fi.Size())
	return nil
}

// housekeepingView is `housekeeping --json`.
type housekeepingView struct {
	Housekeeping
	BackupDir string   `json:"backup_dir"`
	Backups   []string `json:"backups"`
}

func cmdHousekeeping(ctx context.Context, c *CLI, opt Options, args []string) error {
	fs := newFlags("housekeeping", c)
	asJSON := fs.Bool("json", false, "JSON output")
	inbox := fs.Int("inbox-days", -1, "days processed webhook bodies are kept (0: always)")
	events := fs.Int("events-days", -1, "days log lines are kept (0: always)")
	unbookable := fs.Int("unbookable-days", -1, "days before an order that can never be booked leaves Open (0: never)")
	backups := fs.Int("backups", -1, "daily backups kept (0: no automatic backup)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	action := "show"
	if len(pos) > 0 {
		action = pos[0]
	}
	if len(pos) > 1 || (action != "show" && action != "set" && action != "run") {
		return usagef("housekeeping [show|set|run]")
	}
	svc, err := open(ctx, opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	switch action {
	case "set":
		h, err := svc.Housekeeping(ctx)
		if err != nil {
			return err
		}
		set := false
		for _, f := range []struct {
			v   int
			dst *int
		}{{*inbox, &h.InboxDays}, {*events, &h.EventsDays}, {*unbookable, &h.UnbookableDays}, {*backups, &h.BackupsKept}} {
			if f.v >= 0 {
				*f.dst, set = f.v, true
			}
		}
		if !set {
			return usagef("housekeeping set: give --inbox-days, --events-days, --unbookable-days or --backups")
		}
		if err := svc.SetHousekeeping(ctx, h); err != nil {
			return err
		}
	case "run":
		// Housekeeping next to a running Orderbrug is safe: its parts are
		// single statements and a backup is a read.
		t, err := svc.Housekeep(ctx)
		if *asJSON {
			if jerr := printJSON(c.Stdout, t); jerr != nil {
				return jerr
			}
		} else {
			fmt.Fprintf(c.Stdout, "%d orders to Niet te boeken, %d webhook deliveries and %d log lines removed", t.Unbookable,
				t.Pruned.Deliveries, t.Pruned.Events)
			if t.Backup != "" {
				fmt.Fprintf(c.Stdout, ", backup %s", t.Backup)
			}
			fmt.Fprintln(c.Stdout)
		}
		return err
	}
	h, err := svc.Housekeeping(ctx)
	if err != nil {
		return err
	}
	bs, err := svc.Backups()
	if err != nil {
		return err
	}
	v := housekeepingView{Housekeeping: h, BackupDir: svc.BackupDir(), Backups: []string{}}
	for _, b := range bs {
		v.Backups = append(v.Backups, b.Path)
	}
	if *asJSON {
		return printJSON(c.Stdout, v)
	}
	fmt.Fprintf(c.Stdout, "processed webhook bodies kept %s\nlog lines kept %s\norders that can never be booked leave Open after %s\ndaily backups kept: %d, in %s\n",
		days(h.InboxDays, "always"), days(h.EventsDays, "always"), days(h.UnbookableDays, "never"), h.BackupsKept, v.BackupDir)
	for _, b := range v.Backups {
		fmt.Fprintln(c.Stdout, "  "+b)
	}
	return nil
}

func days(n int, zero string) string {
	if n == 0 {
		return zero
	}
	return fmt.Sprintf("%d %s", n, plural(n, "day", "days"))
}
