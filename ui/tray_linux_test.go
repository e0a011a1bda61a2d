package ui

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestNoTrayWithoutASessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/orderbrug-test-bus")
	if trayAvailable() {
		t.Fatal("a tray without a session bus: Fyne would panic on quit")
	}
}

// TestNoTrayWithABusButNoHost: a real session bus without a
// StatusNotifierWatcher, as on a desktop without a tray host.
func TestNoTrayWithABusButNoHost(t *testing.T) {
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon not installed")
	}
	cmd := exec.Command(daemon, "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", strings.TrimSpace(addr))
	if trayAvailable() {
		t.Fatal("a tray on a bus without a StatusNotifier host")
	}
	// Once a host owns the watcher name, the tray is there.
	host, err := dbus.SessionBusPrivate()
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	if err := host.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := host.Hello(); err != nil {
		t.Fatal(err)
	}
	if r, err := host.RequestName(statusNotifierWatcher, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claim watcher name: %v %v", r, err)
	}
	if !trayAvailable() {
		t.Fatal("no tray although a StatusNotifier host is on the bus")
	}
}
