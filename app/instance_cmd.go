package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// Commands that book (sync, recheck, order book|retry|unignore|credit) run
// in one process per data directory only: two engines side by side would
// poll and book on one database at the same time. Such a command claims the
// instance for its duration; when Orderbrug runs already (the window,
// serve, or another command), it hands its command line to that process,
// which runs it with its own engine, and prints what that one printed, with
// its exit code.

// handOffCommands may be run for another process.
var handOffCommands = map[string]bool{"sync": true, "recheck": true, "order": true}

// svcKey carries the running process's Service into a handed-off command.
type svcKey struct{}

// exitCode is the exit code of a command run by another process, whose
// output was printed already.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit code %d", int(e)) }

// ExitCodeOf returns the exit code carried by err, if it carries one.
func ExitCodeOf(err error) (int, bool) {
	var e exitCode
	if errors.As(err, &e) {
		return int(e), true
	}
	return 0, false
}

// RunCommands makes in run the commands other processes hand off, with
// svc: the window and serve call it once their service is open.
func (in *Instance) RunCommands(svc *Service) {
	in.OnRun(func(ctx context.Context, args []string) ([]byte, []byte, int) {
		var out, errb bytes.Buffer
		if len(args) == 0 || !handOffCommands[args[0]] {
			fmt.Fprintf(&errb, "orderbrug: %q is not run for another process\n", args)
			return nil, errb.Bytes(), 2
		}
		c := &CLI{Stdout: &out, Stderr: &errb, Options: Options{DataDir: svc.DataDir()}}
		code := c.Run(context.WithValue(ctx, svcKey{}, svc), args)
		return out.Bytes(), errb.Bytes(), code
	})
}

// exclusive runs fn with the one Service that books on opt's data
// directory. cmdline is the command line to hand off (the command and its
// arguments, as typed). Inside a handed-off command, fn gets the running
// process's Service; otherwise the command claims the instance for its
// duration (serving commands handed to it meanwhile), or, when another
// process holds it, hands cmdline to that one and prints its output.
func exclusive(ctx context.Context, c *CLI, opt Options, cmdline []string, fn func(ctx context.Context, svc *Service) error) error {
	if svc, ok := ctx.Value(svcKey{}).(*Service); ok {
		return fn(ctx, svc)
	}
	if opt.DataDir == "" {
		d, err := DefaultDataDir()
		if err != nil {
			return err
		}
		opt.DataDir = d
	}
	// The holder may be ending just as this one starts: try again briefly.
	for attempt := 0; ; attempt++ {
		inst, err := ClaimForCommand(opt.DataDir)
		if err == nil {
			return runClaimed(ctx, inst, opt, fn)
		}
		if !errors.Is(err, ErrAlreadyRunning) {
			return err
		}
		stdout, stderr, code, herr := HandOff(ctx, opt.DataDir, cmdline)
		if herr == nil {
			c.Stdout.Write(stdout)
			c.Stderr.Write(stderr)
			if code == 0 {
				return nil
			}
			return exitCode(code)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= 20 {
			return fmt.Errorf("Orderbrug runs already for this data directory and did not take the command: %w", herr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func runClaimed(ctx context.Context, inst *Instance, opt Options, fn func(ctx context.Context, svc *Service) error) error {
	svc, err := open(ctx, opt)
	if err != nil {
		inst.Close()
		return err
	}
	inst.RunCommands(svc)
	err = fn(ctx, svc)
	// Commands handed to this one meanwhile end before the service closes.
	return errors.Join(err, inst.Close(), svc.Close())
}
