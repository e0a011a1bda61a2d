//go:build !windows && !((linux && !android) || freebsd || openbsd || netbsd || dragonfly)

package app

// Not built here (macOS: it would be a LaunchAgent): NewAutostart returns
// ErrAutostartUnsupported.
const autostartSupported = false

// Autostart is "Start bij inloggen", which is not supported here.
type Autostart struct {
	// Exec is the program and its arguments.
	Exec []string
}

func newAutostart([]string) (*Autostart, error) { return nil, ErrAutostartUnsupported }

func (a *Autostart) enabled() bool  { return false }
func (a *Autostart) enable() error  { return ErrAutostartUnsupported }
func (a *Autostart) disable() error { return nil } // nothing was set up
func (a *Autostart) stale() bool    { return false }
func (a *Autostart) rewrite() error { return ErrAutostartUnsupported }
