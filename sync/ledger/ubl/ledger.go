// Package ubl is the default ledger: it books each invoice and credit note as
// a UBL 2.1 file in a folder, written atomically: Peppol BIS Billing 3.0 for
// business buyers, plain EN 16931 for consumers (who have no Peppol address).
package ubl

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
)

var _ ledger.BatchLedger = (*Ledger)(nil)

// ErrNotWritable is wrapped when the folder cannot be created or written
// (permissions, a file in its place, a full or read-only disk). It is not
// permanent: once a person fixes the folder, the retry succeeds.
var ErrNotWritable = errors.New("invoice folder is not writable")

// staleTemp is how old a temporary file must be before Book removes it: older
// than any write in progress, so a crash's leftovers go and a concurrent
// writer's file stays.
const staleTemp = 10 * time.Minute

// Ledger writes UBL files into one folder. It is safe for concurrent use,
// also by several processes on the same folder.
type Ledger struct {
	dir     string
	mu      sync.Mutex
	cleaned bool
}

// New returns a Ledger that writes into dir. The folder is created (0700:
// the files hold customers' names and addresses) on the first Book.
func New(dir string) *Ledger { return &Ledger{dir: dir} }

// Validate says whether Book would refuse inv for what it is (a
// ledger.Permanent error), without writing anything: the UBL copy beside
// an online ledger is checked before the online ledger books.
func (l *Ledger) Validate(inv order.Invoice) error {
	if _, err := Marshal(inv); err != nil {
		return ledger.Permanent(fmt.Errorf("ubl: %w", err))
	}
	return nil
}

// Book writes inv as one UBL file and returns its path. It is idempotent on
// inv.Key: every file carries a hash of its Key, and a Key that already has
// a file returns that file's path without writing. The file appears whole or
// not at all (temporary file in the same folder, fsync, hard link or rename,
// fsync of the folder; on Windows a write-through move instead of the last
// three), so a crash never leaves a half file under the real
// name. An invoice that cannot be a valid Peppol document is a permanent
// error; a folder problem wraps ErrNotWritable and is retried.
func (l *Ledger) Book(ctx context.Context, inv order.Invoice) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	data, err := Marshal(inv)
	if err != nil {
		return "", ledger.Permanent(fmt.Errorf("ubl: %w", err))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return "", fmt.Errorf("ubl: create folder %s: %w: %w", l.dir, ErrNotWritable, err)
	}
	if !l.cleaned {
		// Once per Ledger value: booking never rescans the folder.
		l.removeStaleTemps()
		l.cleaned = true
	}
	return l.bookLocked(inv, data)
}

// bookLocked is Book with l.mu held and the folder made.
func (l *Ledger) bookLocked(inv order.Invoice, data []byte) (string, error) {
	// Each lost race takes a name; one more look finds a race lost to
	// this very invoice on the last name.
	for attempt := 0; attempt <= len(FileNames(inv)); attempt++ {
		booked, free, err := l.lookup(inv, nil)
		if err != nil {
			return "", err
		}
		if booked != "" {
			// Booked before, perhaps by a process killed before it synced
			// the folder: make the name durable before anyone records it.
			if err := syncDir(l.dir); err != nil {
				return "", fmt.Errorf("ubl: sync folder %s: %w", l.dir, err)
			}
			return booked, nil
		}
		if free == "" {
			break
		}
		won, err := l.writeNew(free, data)
		if err != nil {
			return "", err
		}
		if won {
			return free, nil
		}
		// Another process created the name between our check and our
		// link: it may be this very invoice; look again.
	}
	return "", ledger.Permanent(fmt.Errorf("ubl: every file name for invoice %s is taken by another invoice", inv.ID))
}

// lookup finds inv's file: booked is the file that carries its Key's marker
// (or its LegacyKey's, a file booked before the key changed), else free is
// the first of FileNames that does not exist yet ("" when every one is
// another invoice's). Paths in skip (names a batch is about to create) are
// passed over.
func (l *Ledger) lookup(inv order.Invoice, skip map[string]bool) (booked, free string, err error) {
	marker := []byte(KeyMarker(inv.Key))
	var legacy []byte
	if inv.LegacyKey != "" && inv.LegacyKey != inv.Key {
		legacy = []byte(KeyMarker(inv.LegacyKey))
	}
	write := len(FileNames(inv))
	for i, name := range lookupNames(inv) {
		path := filepath.Join(l.dir, name)
		if skip[path] {
			continue
		}
		owner, err := readMarker(path)
		switch {
		case err == nil && (bytes.Equal(owner, marker) || legacy != nil && bytes.Equal(owner, legacy)):
			return path, "", nil
		case err == nil:
			continue // another invoice's file has this name
		case !errors.Is(err, fs.ErrNotExist):
			return "", "", fmt.Errorf("ubl: read %s: %w", path, err)
		}
		if free == "" && i < write {
			free = path
		}
	}
	return "", free, nil
}

// lookupNames are the names inv's file can have: FileNames, then the name
// with the hash of its LegacyKey that a booking before the key changed took
// when another invoice held the readable name.
func lookupNames(inv order.Invoice) []string {
	names := FileNames(inv)
	if inv.LegacyKey != "" && inv.LegacyKey != inv.Key {
		legacy := inv
		legacy.Key = inv.LegacyKey
		names = append(names, FileNames(legacy)[1])
	}
	return names
}

// BookBatch books invs as Book does, one result per invoice, but makes them
// durable as a group: it writes every new file to a temporary file, syncs
// them all (concurrently, so the file system commits them together), links
// each under its name and syncs the folder once. Every ref without an error
// is durable when BookBatch returns; an invoice whose Key was booked before
// (or earlier in the same batch) gets the first booking's ref.
func (l *Ledger) BookBatch(ctx context.Context, invs []order.Invoice) (refs []string, errs []error) {
	refs, errs = make([]string, len(invs)), make([]error, len(invs))
	if err := ctx.Err(); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return refs, errs
	}
	type pending struct {
		i    int
		path string
		data []byte
		tmp  string
	}
	var todo []*pending
	datas := make([][]byte, len(invs))
	for i, inv := range invs {
		data, err := Marshal(inv)
		if err != nil {
			errs[i] = ledger.Permanent(fmt.Errorf("ubl: %w", err))
			continue
		}
		datas[i] = data
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		err = fmt.Errorf("ubl: create folder %s: %w: %w", l.dir, ErrNotWritable, err)
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return refs, errs
	}
	if !l.cleaned {
		l.removeStaleTemps()
		l.cleaned = true
	}
	byKey := map[string]int{}     // first index of each key in this batch
	reserved := map[string]bool{} // names this batch will create
	dupOf := map[int]int{}
	var adopted []int // booked before: the folder is synced for them too
	for i, inv := range invs {
		if errs[i] != nil {
			continue
		}
		if first, ok := byKey[inv.Key]; ok {
			dupOf[i] = first
			continue
		}
		byKey[inv.Key] = i
		booked, free, err := l.lookup(inv, reserved)
		switch {
		case err != nil:
			errs[i] = err
		case booked != "":
			refs[i] = booked // booked before; made durable below
			adopted = append(adopted, i)
		case free == "":
			errs[i] = ledger.Permanent(fmt.Errorf("ubl: every file name for invoice %s is taken by another invoice", inv.ID))
		default:
			reserved[free] = true
			todo = append(todo, &pending{i: i, path: free, data: datas[i]})
		}
	}

	// Write every temporary file, then sync them as a group.
	for _, p := range todo {
		tmp, err := os.CreateTemp(l.dir, "."+filepath.Base(p.path)+".*.tmp")
		if err != nil {
			errs[p.i] = fmt.Errorf("ubl: %w: %w", ErrNotWritable, err)
			continue
		}
		p.tmp = tmp.Name()
		_, err = tmp.Write(p.data)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			errs[p.i] = fmt.Errorf("ubl: write %s: %w: %w", tmp.Name(), ErrNotWritable, err)
		}
	}
	defer func() {
		for _, p := range todo {
			if p.tmp != "" {
				os.Remove(p.tmp) // after a link the file lives on under its name
			}
		}
	}()
	syncFiles(todo, func(p *pending) string { return p.tmp }, func(p *pending, err error) {
		errs[p.i] = fmt.Errorf("ubl: sync %s: %w: %w", p.tmp, ErrNotWritable, err)
	}, func(p *pending) bool { return p.tmp != "" && errs[p.i] == nil })

	// Link each under its name; a name that appeared meanwhile (another
	// process) is resolved the slow way, by Book's own path.
	var linked []*pending
	for _, p := range todo {
		if errs[p.i] != nil {
			continue
		}
		if err := placeNew(p.tmp, p.path); err != nil {
			if _, serr := os.Lstat(p.path); serr == nil || errors.Is(err, fs.ErrExist) {
				refs[p.i], errs[p.i] = l.bookLocked(invs[p.i], p.data)
				continue
			}
			if err := os.Rename(p.tmp, p.path); err != nil {
				errs[p.i] = fmt.Errorf("ubl: rename to %s: %w: %w", p.path, ErrNotWritable, err)
				continue
			}
			p.tmp = ""
		}
		linked = append(linked, p)
	}
	if len(linked) > 0 || len(adopted) > 0 {
		// One folder sync for the new names and for the files booked
		// before (a process killed before its own sync may have left them).
		if err := syncDir(l.dir); err != nil {
			err = fmt.Errorf("ubl: sync folder %s: %w", l.dir, err)
			for _, p := range linked {
				errs[p.i] = err
			}
			for _, i := range adopted {
				refs[i], errs[i] = "", err
			}
		} else {
			for _, p := range linked {
				refs[p.i] = p.path
			}
		}
	}
	for i, first := range dupOf {
		refs[i], errs[i] = refs[first], errs[first]
	}
	return refs, errs
}

// syncFiles fsyncs the files of items (those for which want holds)
// concurrently: the file system then commits them in one go instead of one
// journal commit per file.
func syncFiles[T any](items []T, name func(T) string, fail func(T, error), want func(T) bool) {
	const workers = 8
	work := make(chan T)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				f, err := os.OpenFile(name(it), os.O_RDWR, 0)
				if err == nil {
					err = f.Sync()
					if cerr := f.Close(); err == nil {
						err = cerr
					}
				}
				if err != nil {
					mu.Lock()
					fail(it, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, it := range items {
		if want(it) {
			work <- it
		}
	}
	close(work)
	wg.Wait()
}

// writeNew writes data to a temporary file beside path and links it to path
// only if path does not exist yet. won is false when path appeared meanwhile.
func (l *Ledger) writeNew(path string, data []byte) (won bool, err error) {
	tmp, err := os.CreateTemp(l.dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return false, fmt.Errorf("ubl: %w: %w", ErrNotWritable, err)
	}
	defer os.Remove(tmp.Name()) // after a link the file lives on under path
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, fmt.Errorf("ubl: write %s: %w: %w", tmp.Name(), ErrNotWritable, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("ubl: sync %s: %w: %w", tmp.Name(), ErrNotWritable, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("ubl: close %s: %w: %w", tmp.Name(), ErrNotWritable, err)
	}
	// placeNew creates path only if it does not exist (a hard link; a
	// write-through move on Windows): two processes booking the same Key
	// cannot both win, and nothing is overwritten.
	if err := placeNew(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		// Some file systems (FAT on a USB stick, some network shares) have
		// no hard links: fall back to rename, guarded by this process's
		// lock and a fresh check.
		if _, serr := os.Lstat(path); serr == nil {
			return false, nil
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return false, fmt.Errorf("ubl: rename to %s: %w: %w", path, ErrNotWritable, err)
		}
	}
	if err := syncDir(l.dir); err != nil {
		return false, fmt.Errorf("ubl: sync folder %s: %w", l.dir, err)
	}
	return true, nil
}

// syncDir makes the names made in a folder survive a crash (syncFolder, per
// platform). A variable, so that tests can see the syncs.
var syncDir = syncFolder

// removeStaleTemps removes temporary files that a crashed Book left behind.
// They never count as booked: Book looks only at final names.
func (l *Ledger) removeStaleTemps() {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".tmp") || !strings.Contains(n, ".xml.") {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			os.Remove(filepath.Join(l.dir, n))
		}
	}
}

// readMarker returns the key marker line of an existing file (its second
// line), or an error wrapping fs.ErrNotExist.
func readMarker(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 256)
	for i := 0; i < 2; i++ {
		line, err := r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return []byte{}, nil // short or foreign file: not ours
		}
		if i == 1 {
			return bytes.TrimRight(line, "\n"), nil
		}
	}
	return []byte{}, nil
}

// FileNames are the names Book tries for inv, in order: the readable name
// "<shop>_<number>.xml" or "<shop>_<number>_creditnota_<refund>.xml", then
// the same with a hash of the Key, for when another invoice (another source
// with the same shop name, or a name that sanitizes alike) holds the first.
// Both follow from the Key and the order number, which never change for an
// order.
func FileNames(inv order.Invoice) []string {
	base := safe(inv.Shop) + "_" + safe(inv.OrderNumber)
	if inv.Kind == order.KindCreditNote {
		refund := inv.ID
		if i := strings.LastIndex(inv.Key, "/credit/"); i >= 0 {
			refund = inv.Key[i+len("/credit/"):]
		}
		base += "_creditnota_" + safe(refund)
	}
	sum := KeyMarker(inv.Key)
	hash := sum[len("<!-- orderbrug-key-sha256: "):][:12]
	return []string{base + ".xml", base + "_" + hash + ".xml"}
}

// safe keeps letters, digits, '-' and '.' of s (ASCII only, so every file
// system and archive takes the name), turns the rest into '-', and never
// starts with a dot.
func safe(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-'
		if !ok {
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		b.WriteRune(r)
		dash = false
	}
	out := strings.Trim(b.String(), ".-")
	if len(out) > 60 {
		out = strings.TrimRight(out[:60], ".-")
	}
	if out == "" {
		return "x"
	}
	return out
}
