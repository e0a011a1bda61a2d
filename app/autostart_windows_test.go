//go:build windows

package app

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// testAutostart is an Autostart under a test key of HKEY_CURRENT_USER
// (Software\Orderbrug-test-<pid>), removed when the test ends; the real
// Run key is not touched.
func testAutostart(t *testing.T, exec ...string) *Autostart {
	t.Helper()
	base := fmt.Sprintf(`Software\Orderbrug-test-%d-%d`, os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		for _, k := range []string{base + `\StartupApproved\Run`, base + `\StartupApproved`, base + `\Run`, base} {
			if err := registry.DeleteKey(registry.CURRENT_USER, k); err != nil && err != registry.ErrNotExist {
				t.Errorf("remove test key %s: %v", k, err)
			}
		}
		if k, err := registry.OpenKey(registry.CURRENT_USER, base, registry.QUERY_VALUE); err == nil {
			k.Close()
			t.Errorf("test key %s left behind", base)
		}
	})
	return &Autostart{Key: base + `\Run`, Approved: base + `\StartupApproved\Run`, Value: "Orderbrug", Exec: exec}
}

// runValueOf reads the Run value as Windows would: its type and data.
func runValueOf(t *testing.T, a *Autostart) (data string, typ uint32, ok bool) {
	t.Helper()
	k, err := registry.OpenKey(registry.CURRENT_USER, a.Key, registry.QUERY_VALUE)
	if err != nil {
		return "", 0, false
	}
	defer k.Close()
	data, typ, err = k.GetStringValue(a.Value)
	if err == registry.ErrNotExist {
		return "", 0, false
	}
	if err != nil {
		t.Fatalf("Run value: %v", err)
	}
	return data, typ, true
}

// TestAutostartRunValue: Enable writes the Run value as a REG_SZ command
// line, the program and each argument quoted by Windows' rules, that
// parses back to the same arguments; Disable removes it, and a second
// Disable is no error.
func TestAutostartRunValue(t *testing.T) {
	exec := []string{`C:\Program Files\Order Brug\orderbrug.exe`, "--hidden", "--data-dir", `D:\data "x"\`, "100%", ""}
	a := testAutostart(t, exec...)
	if a.Enabled() {
		t.Fatal("enabled before Enable")
	}
	if err := a.Enable(); err != nil {
		t.Fatal(err)
	}
	if !a.Enabled() {
		t.Fatal("not enabled after Enable")
	}
	data, typ, ok := runValueOf(t, a)
	if !ok {
		t.Fatal("no Run value after Enable")
	}
	const want = `"C:\Program Files\Order Brug\orderbrug.exe" --hidden --data-dir "D:\data \"x\"\\" 100% ""`
	if data != want || typ != registry.SZ {
		t.Errorf("Run value %q (type %d),\n want %q (REG_SZ)", data, typ, want)
	}
	if args, err := windows.DecomposeCommandLine(data); err != nil || !slices.Equal(args, exec) {
		t.Errorf("the command line parses back (CommandLineToArgvW) as %q (%v), want %q", args, err, exec)
	}
	if err := a.Disable(); err != nil {
		t.Fatal(err)
	}
	if a.Enabled() {
		t.Fatal("enabled after Disable")
	}
	if _, _, ok := runValueOf(t, a); ok {
		t.Fatal("Run value left after Disable")
	}
	if err := a.Disable(); err != nil {
		t.Fatalf("second Disable: %v", err)
	}
}

// TestAutostartTurnedOffInTaskManager: an app the Task Manager turned off
// (StartupApproved\Run, first byte odd) counts as off although its Run
// value is there; ticking the box again (Enable) turns it back on, and
// Disable leaves nothing in either key.
func TestAutostartTurnedOffInTaskManager(t *testing.T) {
	a := testAutostart(t, `C:\Orderbrug\orderbrug.exe`, "--hidden")
	if err := a.Enable(); err != nil {
		t.Fatal(err)
	}
	approve := func(first byte) {
		t.Helper()
		k, _, err := registry.CreateKey(registry.CURRENT_USER, a.Approved, registry.SET_VALUE)
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		if err := k.SetBinaryValue(a.Value, []byte{first, 0, 0, 0, 0xd4, 0x0d, 0x43, 0x8d, 0xc8, 0x3b, 0xd9, 0x01}); err != nil {
			t.Fatal(err)
		}
	}
	approved := func() bool {
		t.Helper()
		k, err := registry.OpenKey(registry.CURRENT_USER, a.Approved, registry.QUERY_VALUE)
		if err != nil {
			return false
		}
		defer k.Close()
		_, _, err = k.GetBinaryValue(a.Value)
		return err == nil
	}
	approve(3)
	if a.Enabled() {
		t.Error("turned off in the Task Manager (03 ...) counts as on")
	}
	approve(2)
	if !a.Enabled() {
		t.Error("turned on in the Task Manager (02 ...) counts as off")
	}
	approve(3)
	if err := a.Enable(); err != nil {
		t.Fatal(err)
	}
	if !a.Enabled() || approved() {
		t.Errorf("after Enable: enabled %v, Task Manager's value still there %v; want on, gone", a.Enabled(), approved())
	}
	approve(3)
	if err := a.Disable(); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := runValueOf(t, a); ok || approved() {
		t.Errorf("after Disable: Run value there %v, Task Manager's value there %v; want neither", ok, approved())
	}
}

// TestNewAutostartIsTheRunKey: the login start of this program is the
// value "Orderbrug" of the per-user Run key (not written here).
func TestNewAutostartIsTheRunKey(t *testing.T) {
	a, err := NewAutostart("--hidden")
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if a.Key != `Software\Microsoft\Windows\CurrentVersion\Run` || a.Value != "Orderbrug" ||
		a.Approved != `Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run` ||
		!slices.Equal(a.Exec, []string{exe, "--hidden"}) {
		t.Fatalf("%+v", a)
	}
}

// TestAutostartStartsTheGUIBuild: started from orderbrug-cli.exe, the login
// start is orderbrug.exe beside it, when it is there.
func TestAutostartStartsTheGUIBuild(t *testing.T) {
	dir := t.TempDir()
	cli, gui := filepath.Join(dir, "orderbrug-cli.exe"), filepath.Join(dir, "orderbrug.exe")
	if err := os.WriteFile(cli, nil, 0o700); err != nil {
		t.Fatal(err)
	}
	if got := guiExe(cli); got != cli {
		t.Errorf("without orderbrug.exe beside it: %s, want %s", got, cli)
	}
	if err := os.WriteFile(gui, nil, 0o700); err != nil {
		t.Fatal(err)
	}
	if got := guiExe(cli); got != gui {
		t.Errorf("with orderbrug.exe beside it: %s, want %s", got, gui)
	}
	if other := filepath.Join(dir, "app.test.exe"); guiExe(other) != other {
		t.Errorf("another program: %s", guiExe(other))
	}
}

// TestAutostartRefresh: a Run value that is on but starts another program
// (Orderbrug was moved or unzipped elsewhere) is rewritten with this one; a
// current one, a missing one and one the Task Manager turned off are left
// as they are.
func TestAutostartRefresh(t *testing.T) {
	moved := testAutostart(t, `D:\Nieuw\Order Brug\orderbrug.exe`, "--hidden")
	old := *moved
	old.Exec = []string{`C:\Users\x\Downloads\orderbrug\orderbrug.exe`, "--hidden"}
	if changed, err := moved.Refresh(); changed || err != nil {
		t.Fatalf("no Run value: Refresh %v, %v", changed, err)
	}
	if _, _, ok := runValueOf(t, moved); ok {
		t.Fatal("Refresh without a login start made one")
	}
	if err := old.Enable(); err != nil {
		t.Fatal(err)
	}
	if changed, err := moved.Refresh(); !changed || err != nil {
		t.Fatalf("a Run value of the old place: Refresh %v, %v; want rewritten", changed, err)
	}
	const want = `"D:\Nieuw\Order Brug\orderbrug.exe" --hidden`
	if data, _, _ := runValueOf(t, moved); data != want {
		t.Errorf("after Refresh: %q, want %q", data, want)
	}
	if changed, err := moved.Refresh(); changed || err != nil {
		t.Errorf("a current Run value: Refresh %v, %v; want left alone", changed, err)
	}

	if err := old.Enable(); err != nil {
		t.Fatal(err)
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, moved.Approved, registry.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	err = k.SetBinaryValue(moved.Value, []byte{3, 0, 0, 0, 0xd4, 0x0d, 0x43, 0x8d, 0xc8, 0x3b, 0xd9, 0x01})
	k.Close()
	if err != nil {
		t.Fatal(err)
	}
	if changed, err := moved.Refresh(); changed || err != nil {
		t.Errorf("turned off in the Task Manager: Refresh %v, %v; want left alone", changed, err)
	}
	if data, _, _ := runValueOf(t, moved); data != windows.ComposeCommandLine(old.Exec) {
		t.Errorf("turned off in the Task Manager, the Run value changed to %q", data)
	}
}
