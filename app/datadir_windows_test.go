//go:build windows

package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// fileAllAccess is FILE_ALL_ACCESS, "FA" in SDDL.
const fileAllAccess = 0x1F01FF

// ace is one entry of an access list, as read back.
type ace struct {
	typ, flags uint8
	mask       windows.ACCESS_MASK
	sid        *windows.SID
}

func (a ace) String() string {
	return fmt.Sprintf("(type %d flags %#x mask %#x %s)", a.typ, a.flags, a.mask, a.sid)
}

// daclOf reads path's access list back from Windows: whether it is
// protected, and its entries.
func daclOf(t *testing.T, path string) (protected bool, aces []ace, sddl string) {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatalf("GetNamedSecurityInfo(%s): %v", path, err)
	}
	ctl, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatalf("%s: DACL: %v", path, err)
	}
	if dacl == nil {
		t.Fatalf("%s: no DACL (everyone has full access)", path)
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var a *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &a); err != nil {
			t.Fatal(err)
		}
		sid, err := (*windows.SID)(unsafe.Pointer(&a.SidStart)).Copy()
		if err != nil {
			t.Fatal(err)
		}
		aces = append(aces, ace{a.Header.AceType, a.Header.AceFlags, a.Mask, sid})
	}
	return ctl&windows.SE_DACL_PROTECTED != 0, aces, sd.String()
}

// aclsKept skips t when the Windows it runs on does not keep an access list
// that is set: Wine (8.0) maps a DACL to Unix mode bits and reads back one
// made from those bits. It is told by setting one on a probe folder and
// reading it back, and only Wine is let off: on Windows a lost DACL fails
// the test that called this.
func aclsKept(t *testing.T) {
	t.Helper()
	wine := windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version")
	if wine.Find() != nil {
		return // not Wine
	}
	probe := filepath.Join(t.TempDir(), "probe")
	if err := os.Mkdir(probe, 0o700); err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;SY)")
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(probe, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		t.Fatalf("SetNamedSecurityInfo on a probe folder: %v", err)
	}
	if protected, _, got := daclOf(t, probe); !protected {
		t.Skipf("Wine does not keep access lists: a probe folder set to D:P(A;OICI;FA;;;SY) reads back as %s (made from its Unix mode bits); checked on Windows only", got)
	}
}

func wellKnown(t *testing.T, typ windows.WELL_KNOWN_SID_TYPE) *windows.SID {
	t.Helper()
	sid, err := windows.CreateWellKnownSid(typ)
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

// TestDataDirIsTheUsersAlone: a new data folder gets a protected access
// list with exactly two entries, full control for the current user and for
// SYSTEM, inherited by files and folders; a file and a folder made in it
// afterwards carry those entries as inherited ones and nothing for
// Everyone, Users or Authenticated Users.
func TestDataDirIsTheUsersAlone(t *testing.T) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	user := tu.User.Sid
	system := wellKnown(t, windows.WinLocalSystemSid)
	others := map[string]*windows.SID{
		"Everyone":            wellKnown(t, windows.WinWorldSid),
		"Users":               wellKnown(t, windows.WinBuiltinUsersSid),
		"Authenticated Users": wellKnown(t, windows.WinAuthenticatedUserSid),
	}

	dir := filepath.Join(t.TempDir(), "orderbrug", "data")
	if err := makeDataDir(dir); err != nil {
		t.Fatal(err)
	}
	aclsKept(t)
	protected, aces, sddl := daclOf(t, dir)
	t.Logf("data folder: %s", sddl)
	if !protected {
		t.Error("the folder's access list is not protected: it inherits from the folder above")
	}
	const oici = windows.OBJECT_INHERIT_ACE | windows.CONTAINER_INHERIT_ACE
	if len(aces) != 2 {
		t.Errorf("folder: %d entries %v, want 2 (user, SYSTEM)", len(aces), aces)
	}
	var haveUser, haveSystem bool
	for _, a := range aces {
		if a.typ != windows.ACCESS_ALLOWED_ACE_TYPE || a.flags != oici || a.mask != fileAllAccess {
			t.Errorf("folder entry %v, want allowed, OICI, full control", a)
		}
		switch {
		case a.sid.Equals(user):
			haveUser = true
		case a.sid.Equals(system):
			haveSystem = true
		default:
			t.Errorf("folder entry for %s, want only %s and SYSTEM", a.sid, user)
		}
	}
	if !haveUser || !haveSystem {
		t.Errorf("folder: user entry %v, SYSTEM entry %v, want both", haveUser, haveSystem)
	}

	file := filepath.Join(dir, "orderbrug.db")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "backups")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{file, sub} {
		_, aces, sddl := daclOf(t, p)
		t.Logf("%s: %s", filepath.Base(p), sddl)
		inherited := false
		for _, a := range aces {
			if a.sid.Equals(user) && a.typ == windows.ACCESS_ALLOWED_ACE_TYPE &&
				a.flags&windows.INHERITED_ACE != 0 && a.mask == fileAllAccess {
				inherited = true
			}
			if !a.sid.Equals(user) && !a.sid.Equals(system) {
				name := a.sid.String()
				for n, s := range others {
					if a.sid.Equals(s) {
						name = n
					}
				}
				t.Errorf("%s: an entry for %s %v, want only the user's and SYSTEM's", p, name, a)
			}
		}
		if !inherited {
			t.Errorf("%s: no inherited full-control entry for the user in %v", p, aces)
		}
	}
}

// TestDataDirExistingIsLeftAlone: a folder that exists keeps its access
// list (its owner may have shared it).
func TestDataDirExistingIsLeftAlone(t *testing.T) {
	aclsKept(t)
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	protected, _, before := daclOf(t, dir)
	if protected {
		t.Fatalf("a new folder from os.Mkdir is protected already (%s): the test cannot tell", before)
	}
	if err := makeDataDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, _, after := daclOf(t, dir); after != before {
		t.Errorf("existing folder changed:\n before %s\n after  %s", before, after)
	}
}

// TestDataDirFileInTheWay: a file where the folder should be is an error.
func TestDataDirFileInTheWay(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := makeDataDir(file); err == nil {
		t.Error("a file in the way: no error")
	}
}

// The SDDL is what the contract says, with this process's user.
func TestDataDirSDDL(t *testing.T) {
	s, err := userOnlySDDL()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "D:P(A;OICI;FA;;;S-1-5-") || !strings.HasSuffix(s, ")(A;OICI;FA;;;SY)") {
		t.Errorf("SDDL %q", s)
	}
}

// TestDataDirRestrictOnlyOnFixedDrives: a new folder gets an access list of
// its own on a local fixed drive (and when the drive's type cannot be
// told), not on a network share (a UNC path, a mapped drive), a removable
// drive (a FAT USB stick), a CD or RAM disk; there it is made as it is.
func TestDataDirRestrictOnlyOnFixedDrives(t *testing.T) {
	for typ, want := range map[uint32]bool{
		windows.DRIVE_FIXED:       true,
		windows.DRIVE_UNKNOWN:     true,
		windows.DRIVE_NO_ROOT_DIR: true,
		windows.DRIVE_REMOTE:      false,
		windows.DRIVE_REMOVABLE:   false,
		windows.DRIVE_CDROM:       false,
		windows.DRIVE_RAMDISK:     false,
	} {
		if got := restrictOn(typ); got != want {
			t.Errorf("restrictOn(%s, %d) = %v, want %v", driveName(typ), typ, got, want)
		}
	}
	tmp := t.TempDir()
	typ := driveTypeOf(tmp)
	t.Logf("%s is on %s (%d)", tmp, driveName(typ), typ)
	if typ == windows.DRIVE_FIXED {
		dir := filepath.Join(tmp, "new")
		if note, err := mkPrivateDir(dir); err != nil || note != "" {
			t.Errorf("on a fixed drive: note %q, err %v; want none", note, err)
		}
		if _, err := mkPrivateDir(dir); !os.IsExist(err) {
			t.Errorf("a second mkPrivateDir: %v, want it exists", err)
		}
	}
}
