// Package clocale keeps Fyne's start-up quiet on the command line.
//
// Fyne's lang package reads the locale in its package init, before main
// runs: LANG=C.UTF-8 (Debian's default in containers and minimal installs),
// POSIX.UTF-8 or a modifier such as de_DE@euro make it log "Error parsing
// user locale C" on every start, even for a command that never opens a
// window. This package sets LC_ALL=C for the time of the package inits (a C
// locale, which Fyne takes as "no locale" and does not parse) and Restore
// puts the environment back as it was, first thing in main.
//
// It must import nothing but os: Go initialises packages in the order of
// their import paths, each as soon as its imports are, so a package that
// needs only os runs before "log" (which needs os, and sorts after this
// path) and so before fyne.io/fyne/v2 and its lang package (which need log).
package clocale

import "os"

var (
	saved   string
	wasSet  bool
	pending bool
)

func init() {
	saved, wasSet = os.LookupEnv("LC_ALL")
	if os.Setenv("LC_ALL", "C") == nil {
		pending = true
	}
}

// Restore puts LC_ALL back as it was before the package inits. Call it first
// in main, before anything reads the locale or starts a process.
func Restore() {
	if !pending {
		return
	}
	pending = false
	if wasSet {
		_ = os.Setenv("LC_ALL", saved)
	} else {
		_ = os.Unsetenv("LC_ALL")
	}
}
