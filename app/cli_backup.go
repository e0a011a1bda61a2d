package app

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Commands that keep Orderbrug tidy: a backup, and the housekeeping
// settings.

func (r *cmdline) backupCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "a consistent copy of the database, also while Orderbrug runs",
		Args:  exactArgs(1, "backup FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Reading next to a running Orderbrug is safe: the copy is one read
			// transaction (the database is in WAL mode).
			return r.withService(cmd.Context(), func(svc *Service) error {
				if err := svc.Backup(cmd.Context(), args[0]); err != nil {
					return err
				}
				fi, err := os.Stat(args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(r.c.Stdout, "backup written to %s (%d bytes)\n", args[0], fi.Size())
				return nil
			})
		},
	}
}

// housekeepingView is `housekeeping --json`.
type housekeepingView struct {
	Housekeeping
	BackupDir string   `json:"backup_dir"`
	Backups   []string `json:"backups"`
}

const housekeepingUse = "housekeeping [show|set|run]"

func (r *cmdline) housekeepingCmd() *cobra.Command {
	show := func(cmd *cobra.Command, _ []string) error {
		return r.withService(cmd.Context(), func(svc *Service) error { return r.housekeepingShow(cmd, svc) })
	}
	cmd := &cobra.Command{
		Use:   "housekeeping [show|set|run]",
		Short: `retention, "Niet te boeken" and backup settings, and backups`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{housekeepingUse}
			}
			return show(cmd, args)
		},
	}
	jsonFlag(cmd, true)
	cmd.AddCommand(&cobra.Command{
		Use:   "show [--json]",
		Short: "the settings and the backups",
		Args:  exactArgs(0, housekeepingUse),
		RunE:  show,
	}, r.housekeepingSetCmd(), r.housekeepingRunCmd())
	return cmd
}

func (r *cmdline) housekeepingShow(cmd *cobra.Command, svc *Service) error {
	h, err := svc.Housekeeping(cmd.Context())
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
	return r.printer(cmd).print(v, func(w io.Writer) {
		fmt.Fprintf(w, "processed webhook bodies kept %s\nlog lines kept %s\norders that can never be booked leave Open after %s\ndaily backups kept: %d, in %s\n",
			days(h.InboxDays, "always"), days(h.EventsDays, "always"), days(h.UnbookableDays, "never"), h.BackupsKept, v.BackupDir)
		for _, b := range v.Backups {
			fmt.Fprintln(w, "  "+b)
		}
	})
}

func (r *cmdline) housekeepingSetCmd() *cobra.Command {
	var inbox, events, unbookable, backups int
	cmd := &cobra.Command{
		Use:   "set [--inbox-days 90] [--events-days 365] [--unbookable-days 7] [--backups 7]",
		Short: "change the settings (0: keep always, never leave Open, no automatic backup)",
		Args:  exactArgs(0, housekeepingUse),
		RunE: func(cmd *cobra.Command, _ []string) error {
			set := false
			for _, name := range []string{"inbox-days", "events-days", "unbookable-days", "backups"} {
				set = set || cmd.Flags().Changed(name)
			}
			if !set {
				return usagef("housekeeping set: give --inbox-days, --events-days, --unbookable-days or --backups")
			}
			for name, v := range map[string]int{"inbox-days": inbox, "events-days": events, "unbookable-days": unbookable, "backups": backups} {
				if v < 0 {
					return usagef("--%s %d: give 0 or more", name, v)
				}
			}
			return r.withService(cmd.Context(), func(svc *Service) error {
				h, err := svc.Housekeeping(cmd.Context())
				if err != nil {
					return err
				}
				for _, f := range []struct {
					flag string
					v    int
					dst  *int
				}{{"inbox-days", inbox, &h.InboxDays}, {"events-days", events, &h.EventsDays},
					{"unbookable-days", unbookable, &h.UnbookableDays}, {"backups", backups, &h.BackupsKept}} {
					if cmd.Flags().Changed(f.flag) {
						*f.dst = f.v
					}

				}
				if err := svc.SetHousekeeping(cmd.Context(), h); err != nil {
					return err
				}
				return r.housekeepingShow(cmd, svc)
			})
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&inbox, "inbox-days", 0, "days processed webhook bodies are kept (0: always)")
	fs.IntVar(&events, "events-days", 0, "days log lines are kept (0: always)")
	fs.IntVar(&unbookable, "unbookable-days", 0, "days before an order that can never be booked leaves Open (0: never)")
	fs.IntVar(&backups, "backups", 0, "daily backups kept (0: no automatic backup)")
	return cmd
}

func (r *cmdline) housekeepingRunCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run [--json]",
		Short: "tidy now (also done hourly while Orderbrug runs)",
		Args:  exactArgs(0, housekeepingUse),
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Housekeeping next to a running Orderbrug is safe: its parts are
			// single statements and a backup is a read.
			return r.withService(cmd.Context(), func(svc *Service) error {
				t, err := svc.Housekeep(cmd.Context())
				if perr := r.printer(cmd).print(t, func(w io.Writer) {
					fmt.Fprintf(w, "%d orders to Niet te boeken, %d webhook deliveries and %d log lines removed", t.Unbookable,
						t.Pruned.Deliveries, t.Pruned.Events)
					if t.Backup != "" {
						fmt.Fprintf(w, ", backup %s", t.Backup)
					}
					fmt.Fprintln(w)
				}); perr != nil {
					return perr
				}
				return err
			})
		},
	}
}

func days(n int, zero string) string {
	if n == 0 {
		return zero
	}
	return fmt.Sprintf("%d %s", n, plural(n, "day", "days"))
}
