//go:build windows

package app

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// restrictNewDir gives a folder Orderbrug has just made a protected access
// list (nothing inherited from the folder above, %AppData% say) that grants
// full control to the current user and to SYSTEM only, both inherited by
// every file and folder made in it later (OICI): other users of the PC,
// Users and Everyone get nothing. An administrator can still take
// ownership; that is Windows.
//
// On a file system without access lists (FAT, exFAT: a USB stick) there is
// nothing to set; the folder is then used as it is.
func restrictNewDir(dir string) error {
	sddl, err := userOnlySDDL()
	if err != nil {
		return fmt.Errorf("data folder %s: %w", dir, err)
	}
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return fmt.Errorf("data folder %s: %w", dir, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("data folder %s: %w", dir, err)
	}
	err = windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
	if err != nil && !persistentACLs(dir) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("data folder %s: access for the user only: %w", dir, err)
	}
	return nil
}

// userOnlySDDL is the access list of restrictNewDir in SDDL: protected (P),
// full access (FA) for the current user's SID and for SYSTEM (SY),
// inherited by files (OI) and folders (CI).
func userOnlySDDL() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("current user: %w", err)
	}
	return "D:P(A;OICI;FA;;;" + u.User.Sid.String() + ")(A;OICI;FA;;;SY)", nil
}

// persistentACLs reports whether the file system of path keeps access
// lists (NTFS, ReFS); true when that cannot be told.
func persistentACLs(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return true
	}
	p, err := windows.UTF16PtrFromString(abs)
	if err != nil {
		return true
	}
	var root [windows.MAX_PATH + 1]uint16
	if err := windows.GetVolumePathName(p, &root[0], uint32(len(root))); err != nil {
		return true
	}
	var flags uint32
	if err := windows.GetVolumeInformation(&root[0], nil, 0, nil, nil, &flags, nil, 0); err != nil {
		return true
	}
	return flags&windows.FILE_PERSISTENT_ACLS != 0
}
