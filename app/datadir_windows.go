//go:build windows

package app

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// mkPrivateDir makes dir on a local fixed drive with a protected access
// list (nothing inherited from the folder above, %AppData% say) that grants
// full control to the current user and to SYSTEM only, both inherited by
// every file and folder made in it later (OICI): other users of the PC,
// Users and Everyone get nothing. An administrator can still take
// ownership; that is Windows. The list is given to CreateDirectory itself,
// so the folder never exists without it: a failure leaves no folder.
//
// Elsewhere (see restrictOn: a network share, where the share's own
// permissions apply; a removable drive, FAT or exFAT on a USB stick, which
// keeps no access lists) the folder is made as it is, and note says so.
// On a fixed drive without access lists (FAT) Windows ignores the list.
func mkPrivateDir(dir string) (note string, err error) {
	if t := driveTypeOf(filepath.Dir(dir)); !restrictOn(t) {
		return fmt.Sprintf("on %s the folder's access is what the drive gives", driveName(t)), os.Mkdir(dir, 0o700)
	}
	sddl, err := userOnlySDDL()
	if err != nil {
		return "", fmt.Errorf("data folder %s: %w", dir, err)
	}
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return "", fmt.Errorf("data folder %s: %w", dir, err)
	}
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return "", &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	sa := &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	if err := windows.CreateDirectory(p, sa); err != nil {
		return "", &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return "", nil
}

// restrictOn reports whether a new data folder on a drive of type t
// (GetDriveType) gets an access list of its own: on a local fixed drive
// only, and when the type cannot be told (DRIVE_UNKNOWN, DRIVE_NO_ROOT_DIR),
// as the safe side. A network share (DRIVE_REMOTE: a UNC path or a mapped
// drive) has the share's permissions, a removable drive (DRIVE_REMOVABLE)
// or a CD or RAM disk usually a file system without access lists.
func restrictOn(t uint32) bool {
	switch t {
	case windows.DRIVE_REMOTE, windows.DRIVE_REMOVABLE, windows.DRIVE_CDROM, windows.DRIVE_RAMDISK:
		return false
	}
	return true
}

// driveName names a drive type for the log.
func driveName(t uint32) string {
	switch t {
	case windows.DRIVE_REMOTE:
		return "a network share"
	case windows.DRIVE_REMOVABLE:
		return "a removable drive"
	case windows.DRIVE_CDROM:
		return "a CD drive"
	case windows.DRIVE_RAMDISK:
		return "a RAM disk"
	case windows.DRIVE_FIXED:
		return "a fixed drive"
	}
	return "a drive of unknown type"
}

// driveTypeOf is GetDriveType of the volume that holds path (an existing
// folder): its root (C:\, \\server\share\ for a UNC path, a mounted
// folder). DRIVE_UNKNOWN when that cannot be told.
func driveTypeOf(path string) uint32 {
	abs, err := filepath.Abs(path)
	if err != nil {
		return windows.DRIVE_UNKNOWN
	}
	p, err := windows.UTF16PtrFromString(abs)
	if err != nil {
		return windows.DRIVE_UNKNOWN
	}
	var root [windows.MAX_PATH + 1]uint16
	if err := windows.GetVolumePathName(p, &root[0], uint32(len(root))); err != nil {
		return windows.DRIVE_UNKNOWN
	}
	return windows.GetDriveType(&root[0])
}

// userOnlySDDL is the access list of mkPrivateDir in SDDL: protected (P),
// full access (FA) for the current user's SID and for SYSTEM (SY),
// inherited by files (OI) and folders (CI).
func userOnlySDDL() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("current user: %w", err)
	}
	return "D:P(A;OICI;FA;;;" + u.User.Sid.String() + ")(A;OICI;FA;;;SY)", nil
}
