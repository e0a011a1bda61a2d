package app

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"time"
)

// ErrAlreadyRunning is returned by ClaimInstance when another Orderbrug uses
// the data directory; that one has been asked to show its window.
var ErrAlreadyRunning = errors.New("orderbrug is already running for this data directory")

// Instance is the claim of one running Orderbrug on a data directory: two
// engines on one database would poll and book side by side. The first start
// holds a lock on instance.lock and listens on a loopback port written to
// instance.addr (with a random token; the file is 0600, so only the same
// user can talk to it); a second start of the window finds the lock taken,
// connects, asks the first to show its window and exits. A command that
// books (sync, recheck, order book) started next to a running Orderbrug
// hands its command line to that one, which runs it and sends back its
// output and exit code (see OnRun and HandOff).
type Instance struct {
	lock *os.File
	ln   net.Listener
	addr string

	mu     gosync.Mutex
	onShow func()
	onRun  RunFunc
	done   chan struct{}
	// running counts handed-off commands under way; Close waits for them.
	running   gosync.WaitGroup
	closeOnce gosync.Once
	closeErr  error
	// transient: claimed by a command for its duration (ClaimForCommand).
	transient bool
}

// RunFunc runs a handed-off command line (the command and its flags, as
// typed) and returns what it printed and its exit code.
type RunFunc func(ctx context.Context, args []string) (stdout, stderr []byte, code int)

const (
	instanceLock = "instance.lock"
	instanceAddr = "instance.addr"
)

// ClaimInstance claims dataDir for this process, or, when another process
// holds it, tells that one to show its window and returns
// ErrAlreadyRunning.
func ClaimInstance(dataDir string) (*Instance, error) {
	return claim(dataDir, true)
}

// ClaimForCommand claims dataDir for one command's duration, as
// ClaimInstance does, but without asking a running Orderbrug to show its
// window: ErrAlreadyRunning then means "hand the command to it".
func ClaimForCommand(dataDir string) (*Instance, error) {
	return claim(dataDir, false)
}

// errBusy is a command's answer to "show": it holds the directory only
// while it runs, so a window starting meanwhile waits for it to end.
var errBusy = errors.New("a command runs on this data directory")

// busyWait bounds how long a window waits for a command to end.
var busyWait = 10 * time.Minute

func claim(dataDir string, show bool) (*Instance, error) {
	deadline := time.Now().Add(busyWait)
	for {
		in, err := claimOnce(dataDir, show)
		if !errors.Is(err, errBusy) || time.Now().After(deadline) {
			if errors.Is(err, errBusy) {
				err = fmt.Errorf("%w (%v)", ErrAlreadyRunning, err)
			}
			return in, err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func claimOnce(dataDir string, show bool) (*Instance, error) {
	if err := makeDataDir(dataDir); err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dataDir, instanceLock), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: %w", err)
	}
	locked, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("instance lock: %w", err)
	}
	addrFile := filepath.Join(dataDir, instanceAddr)
	signalFn := signalShow
	if !show {
		signalFn = signalPing
	}
	if !lockingSupported {
		// No lock to tell: a running Orderbrug is one that answers.
		switch err := signalFn(addrFile); {
		case errors.Is(err, errBusy):
			f.Close()
			return nil, err
		case err == nil:
			locked = false
		}
	}
	if !locked {
		f.Close()
		if !lockingSupported {
			return nil, ErrAlreadyRunning // it answered above
		}
		if err := signalFn(addrFile); errors.Is(err, errBusy) {
			return nil, err
		} else if err != nil {
			return nil, fmt.Errorf("%w (and it did not answer: %v)", ErrAlreadyRunning, err)
		}
		return nil, ErrAlreadyRunning
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("instance listen: %w", err)
	}
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	token := hex.EncodeToString(tok)
	if err := writeFileAtomic(addrFile, []byte(ln.Addr().String()+" "+token+"\n")); err != nil {
		ln.Close()
		f.Close()
		return nil, fmt.Errorf("instance: %w", err)
	}
	in := &Instance{lock: f, ln: ln, addr: addrFile, done: make(chan struct{}), transient: !show}
	go in.serve(token)
	return in, nil
}

// OnShow sets what a second start does here: show the window. Calls that
// come before OnShow is set are kept and delivered when it is.
func (in *Instance) OnShow(fn func()) {
	in.mu.Lock()
	in.onShow = fn
	in.mu.Unlock()
}

// OnRun sets what runs a command handed off by another process (nil: such
// commands are refused, and the other process says so).
func (in *Instance) OnRun(fn RunFunc) {
	in.mu.Lock()
	in.onRun = fn
	in.mu.Unlock()
}

// Close releases the claim, after the handed-off commands under way have
// ended.
func (in *Instance) Close() error {
	in.closeOnce.Do(func() {
		err := in.ln.Close()
		<-in.done
		in.running.Wait()
		os.Remove(in.addr)
		in.closeErr = errors.Join(err, in.lock.Close())
	})
	return in.closeErr
}

func (in *Instance) serve(token string) {
	defer close(in.done)
	for {
		c, err := in.ln.Accept()
		if err != nil {
			return
		}
		go in.handle(c, token)
	}
}

// handle answers one request: "show <token>" (show the window), "ping
// <token>" (are you there) or "run <token> <base64 JSON of the command
// line>". A wrong token (another local program guessing the port) gets no
// answer and changes nothing.
func (in *Instance) handle(c net.Conn, token string) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	verb, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	tok, arg, _ := strings.Cut(rest, " ")
	if tok != token {
		return
	}
	switch verb {
	case "show":
		if in.transient {
			_, _ = c.Write([]byte("busy\n"))
			return
		}
		in.mu.Lock()
		fn := in.onShow
		in.mu.Unlock()
		if fn != nil {
			fn()
		}
		_, _ = c.Write([]byte("ok\n"))
	case "ping":
		_, _ = c.Write([]byte("ok\n"))
	case "run":
		in.runHandedOff(c, arg)
	}
}

// handOffAnswer is the answer to a "run" request.
type handOffAnswer struct {
	Stdout  []byte `json:"stdout"`
	Stderr  []byte `json:"stderr"`
	Code    int    `json:"code"`
	Refused string `json:"refused,omitempty"`
}

func (in *Instance) runHandedOff(c net.Conn, arg string) {
	in.running.Add(1)
	defer in.running.Done()
	var ans handOffAnswer
	var args []string
	raw, err := base64.StdEncoding.DecodeString(arg)
	if err == nil {
		err = json.Unmarshal(raw, &args)
	}
	in.mu.Lock()
	fn := in.onRun
	in.mu.Unlock()
	switch {
	case err != nil || len(args) == 0:
		ans.Refused = "malformed command"
	case fn == nil:
		ans.Refused = "this Orderbrug does not run commands for others"
	default:
		// A sync may take minutes; the caller waits as long as it runs. The
		// command ends early when the caller goes away.
		_ = c.SetDeadline(time.Time{})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			// The caller sends nothing more: a read that returns means it
			// closed the connection (Ctrl+C).
			var b [1]byte
			_, _ = c.Read(b[:])
			cancel()
		}()
		ans.Stdout, ans.Stderr, ans.Code = fn(ctx, args)
		cancel()
	}
	b, _ := json.Marshal(ans)
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = c.Write(append(b, '\n'))
}

// ErrHandOffRefused is returned by HandOff when the running Orderbrug does
// not run commands for others.
var ErrHandOffRefused = errors.New("the running Orderbrug did not take the command")

// HandOff gives a command line (the command and its flags) to the
// Orderbrug that runs on dataDir, waits for it to run it there and returns
// its output and exit code. Ending ctx ends the command there too.
func HandOff(ctx context.Context, dataDir string, args []string) (stdout, stderr []byte, code int, err error) {
	addr, token, err := readAddr(filepath.Join(dataDir, instanceAddr))
	if err != nil {
		return nil, nil, 0, err
	}
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	c, err := d.DialContext(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return nil, nil, 0, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	cmd, _ := json.Marshal(args)
	if _, err := c.Write([]byte("run " + token + " " + base64.StdEncoding.EncodeToString(cmd) + "\n")); err != nil {
		return nil, nil, 0, err
	}
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, 0, ctx.Err()
		}
		return nil, nil, 0, fmt.Errorf("%w: %v", ErrHandOffRefused, err)
	}
	var ans handOffAnswer
	if err := json.Unmarshal(line, &ans); err != nil {
		return nil, nil, 0, fmt.Errorf("%w: %v", ErrHandOffRefused, err)
	}
	if ans.Refused != "" {
		return nil, nil, 0, fmt.Errorf("%w: %s", ErrHandOffRefused, ans.Refused)
	}
	return ans.Stdout, ans.Stderr, ans.Code, nil
}

func readAddr(addrFile string) (addr, token string, err error) {
	b, err := os.ReadFile(addrFile)
	if err != nil {
		return "", "", err
	}
	addr, token, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok {
		return "", "", errors.New("malformed " + instanceAddr)
	}
	return addr, token, nil
}

// signalPing asks the running instance whether it is there.
func signalPing(addrFile string) error { return signalVerb(addrFile, "ping") }

// signalShow asks the running instance to show its window. On Windows that
// one is a background process, which Windows does not let bring its window
// to the front; this process, just started by the user, may, and first
// passes that right on (allowForeground).
func signalShow(addrFile string) error {
	_ = allowForeground()
	return signalVerb(addrFile, "show")
}

func signalVerb(addrFile, verb string) error {
	addr, token, err := readAddr(addrFile)
	if err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte(verb + " " + token + "\n")); err != nil {
		return err
	}
	ans, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	switch strings.TrimSpace(ans) {
	case "ok":
		return nil
	case "busy":
		return errBusy
	}
	return errors.New("unexpected answer " + ans)
}

// writeFileAtomic writes b to path through a temporary file renamed over
// it, so that a reader sees the old content or the new, never a part.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := renameRetrying(tmp, path, time.Second, os.Rename); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// renameRetrying renames from to to, trying again every 20 ms for up to
// within while it fails: on Windows a rename over a file that another
// process has open (a second start reading instance.addr; Go opens files
// without FILE_SHARE_DELETE) fails with Access denied or a sharing
// violation until that one closes it, a moment later.
func renameRetrying(from, to string, within time.Duration, rename func(from, to string) error) error {
	deadline := time.Now().Add(within)
	for {
		err := rename(from, to)
		if err == nil || !time.Now().Before(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
