package main

import (
	"os"
	"path/filepath"
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

// console gives a command line of orderbrug.exe a console to print to, and
// a window start a log.
//
// orderbrug.exe is built for the Windows GUI subsystem, so that a
// double-click opens the window without a console beside it. Such a program
// starts without standard handles: typed in cmd.exe or PowerShell, its
// output would go nowhere. When it is started with a command (anything but
// --data-dir and --hidden, which open the window), it attaches to the
// console it was started from and uses it for what is not redirected. The
// shell does not wait for a GUI program, so the prompt comes back before the
// output; orderbrug-cli.exe (the same program for the console subsystem) is
// the one for scripts and exit codes (README, Windows).
//
// A window start without a console (a double-click, the login start) logs
// to %LOCALAPPDATA%\orderbrug\orderbrug.log, panics included, and a start
// that fails says why in a message box (startFailed). orderbrug-cli.exe
// started by a double-click (a console of its own, that closes with the
// program) lets go of that console, which then closes instead of standing
// behind the window.
func console(args []string) {
	if !opensWindow(args) {
		if !invalid(os.Stdout) && !invalid(os.Stderr) && !invalid(os.Stdin) {
			return // a console program, or all redirected
		}
		if ok, _, _ := attachConsole.Call(attachParentProcess); ok != 0 {
			reopen(&os.Stdout, "CONOUT$", windows.STD_OUTPUT_HANDLE, os.O_RDWR)
			reopen(&os.Stderr, "CONOUT$", windows.STD_ERROR_HANDLE, os.O_RDWR)
			reopen(&os.Stdin, "CONIN$", windows.STD_INPUT_HANDLE, os.O_RDWR)
		}
		return
	}
	var pids [2]uint32
	if n, _, _ := getConsoleProcessList.Call(uintptr(unsafe.Pointer(&pids[0])), uintptr(len(pids))); n == 1 {
		_, _, _ = freeConsole.Call()
		logToFile()
		return
	}
	if invalid(os.Stderr) {
		logToFile()
	}
}

// windowed: this window start has no console; logPath is its log.
var (
	windowed bool
	logPath  string
)

// logToFile sends standard error (the log, and a panic's report) to
// %LOCALAPPDATA%\orderbrug\orderbrug.log; one older log of 1 MB is kept
// as orderbrug.log.1. The log says what the terminal would: never a secret.
func logToFile() {
	windowed = true
	base := os.Getenv("LOCALAPPDATA")
	if base == "" {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "orderbrug")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	logPath = filepath.Join(dir, "orderbrug.log")
	if fi, err := os.Stat(logPath); err == nil && fi.Size() > 1<<20 {
		_ = os.Rename(logPath, logPath+".1")
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	_ = windows.SetStdHandle(windows.STD_ERROR_HANDLE, windows.Handle(f.Fd()))
	os.Stderr = f
}

// startFailed shows why a window start without a console failed, in a
// message box (printed: what the command line printed).
func startFailed(printed string) {
	if !windowed {
		return
	}
	text, _ := windows.UTF16PtrFromString(failureText(printed, logPath))
	title, _ := windows.UTF16PtrFromString("Orderbrug")
	_, _ = windows.MessageBox(0, text, title, windows.MB_OK|windows.MB_ICONERROR)
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

func reopen(f **os.File, name string, std uint32, flag int) {
	if !invalid(*f) {
		return
	}
	c, err := os.OpenFile(name, flag, 0)
	if err != nil {
		return
	}
	_ = windows.SetStdHandle(std, windows.Handle(c.Fd()))
	*f = c
}
