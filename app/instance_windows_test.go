//go:build windows

package app

import (
	"errors"
	"testing"

	"golang.org/x/sys/windows"
)

// TestAllowForeground: a second start passes its right to raise a window on
// to the running Orderbrug through user32's AllowSetForegroundWindow
// (ASFW_ANY). A test process may have no such right itself (it is not the
// foreground process): Windows then answers Access denied, which is no
// failure; any other error is.
func TestAllowForeground(t *testing.T) {
	if err := procAllowSetForegroundWindow.Find(); err != nil {
		t.Fatalf("user32.dll has no AllowSetForegroundWindow: %v", err)
	}
	if asfwAny != uint32(^uint32(0)) {
		t.Fatalf("ASFW_ANY is %#x, want (DWORD)-1", asfwAny)
	}
	if err := allowForeground(); err != nil && !errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		t.Errorf("AllowSetForegroundWindow(ASFW_ANY): %v", err)
	}
}
