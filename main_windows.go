package main

import (
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Console functions golang.org/x/sys/windows does not wrap.
var (
	kernel32              = windows.NewLazySystemDLL("kernel32.dll")
	attachConsole         = kernel32.NewProc("AttachConsole")
	freeConsole           = kernel32.NewProc("FreeConsole")
	getConsoleProcessList = kernel32.NewProc("GetConsoleProcessList")
)

// attachParentProcess is AttachConsole's ATTACH_PARENT_PROCESS ((DWORD)-1).
const attachParentProcess = ^uintptr(0)

// console gives a command line of orderbrug.exe a console to print to.
//
// orderbrug.exe is built for the Windows GUI subsystem, so that a
// double-click opens the window without a console beside it. Such a program
// starts without standard handles: typed in cmd.exe or PowerShell, its
// output would go nowhere. When it is started with a command (anything but
// --data-dir and --hidden, which open the window) and its output is not
// redirected, it attaches to the console it was started from and prints
// there. The shell does not wait for a GUI program, so the prompt comes back
// before the output; orderbrug-cli.exe (the same program for the console
// subsystem) is the one for scripts and exit codes (README, Windows).
//
// orderbrug-cli.exe started by a double-click (a console of its own, that
// closes with the program, and no command) opens the window: it lets go of
// that console, which then closes instead of standing behind the window.
func console(args []string) {
	if !opensWindow(args) {
		if !invalid(os.Stdout) {
			return // a console program, or redirected: it prints already
		}
		if ok, _, _ := attachConsole.Call(attachParentProcess); ok != 0 {
			reopen(&os.Stdout, "CONOUT$", windows.STD_OUTPUT_HANDLE)
			reopen(&os.Stderr, "CONOUT$", windows.STD_ERROR_HANDLE)
		}
		return
	}
	var pids [2]uint32
	if n, _, _ := getConsoleProcessList.Call(uintptr(unsafe.Pointer(&pids[0])), uintptr(len(pids))); n == 1 {
		_, _, _ = freeConsole.Call()
	}
}

// invalid: the file has no usable handle (a GUI program's standard handles
// when nothing was redirected).
func invalid(f *os.File) bool {
	if f == nil {
		return true
	}
	h := windows.Handle(f.Fd())
	if h == 0 || h == windows.InvalidHandle {
		return true
	}
	_, err := windows.GetFileType(h)
	return err != nil
}

func reopen(f **os.File, name string, std uint32) {
	if !invalid(*f) {
		return
	}
	c, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return
	}
	_ = windows.SetStdHandle(std, windows.Handle(c.Fd()))
	*f = c
}
