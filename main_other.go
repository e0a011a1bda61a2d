//go:build !windows

package main

// console: a console program has its terminal already (see main_windows.go).
func console([]string) {}

// startFailed: the terminal shows what went wrong already.
func startFailed(string) {}
