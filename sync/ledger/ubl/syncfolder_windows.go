//go:build windows

package ubl

import (
	"os"

	"golang.org/x/sys/windows"
)

// placeNew gives the written and synced temporary file tmp the name path,
// only if path does not exist yet (else an error wrapping fs.ErrExist). On
// Windows this is MoveFileEx without MOVEFILE_REPLACE_EXISTING, so an
// existing name is never overwritten and of two processes only one wins, and
// with MOVEFILE_WRITE_THROUGH, which returns only once the move is on the
// disk: the name is durable when placeNew returns. (A hard link, as on other
// platforms, would work on NTFS too, but Windows has no documented way to
// flush the folder after it; see syncFolder.)
//
// When the move fails for another reason (a file system without it, a path
// beyond MAX_PATH), Book falls back to os.Rename guarded by its lock, which is
// not write-through: NTFS journals the new name and commits it within
// seconds, and a power cut in between can lose it (the invoice is then
// booked again, idempotently, on the next sync).
func placeNew(tmp, path string) error {
	from, err := windows.UTF16PtrFromString(tmp)
	if err != nil {
		return &os.LinkError{Op: "move", Old: tmp, New: path, Err: err}
	}
	to, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return &os.LinkError{Op: "move", Old: tmp, New: path, Err: err}
	}
	if err := windows.MoveFileEx(from, to, windows.MOVEFILE_WRITE_THROUGH); err != nil {
		return &os.LinkError{Op: "move", Old: tmp, New: path, Err: err}
	}
	return nil
}

// syncFolder does nothing on Windows. A folder cannot be flushed there: Go
// opens it read-only and FlushFileBuffers refuses it ("Access denied"), and
// Windows documents no folder flush at all (only a whole volume's, which
// needs an administrator). Nor is one needed for Book's own files: placeNew
// made each name with a write-through move. A file found under its name from
// a booking before (which Book adopts) was placed the same way, or by the
// rename fallback, whose name NTFS's metadata journal commits within seconds
// on its own.
func syncFolder(string) error { return nil }
