package main

import "strings"

// opensWindow: a command line with only --data-dir and --hidden opens the
// window (as a double-click and the login start do); anything else is a
// command for the console.
func opensWindow(args []string) bool {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--hidden" || strings.HasPrefix(a, "--hidden=") || strings.HasPrefix(a, "--data-dir="):
		case a == "--data-dir":
			i++
		default:
			return false
		}
	}
	return true
}
