package app

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
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
// instance.addr (with a random token); a second start finds the lock taken,
// connects, asks the first to show its window and exits.
type Instance struct {
	lock *os.File
	ln   net.Listener
	addr string

	mu     gosync.Mutex
	onShow func()
	done   chan struct{}
}

const (
	instanceLock = "instance.lock"
	instanceAddr = "instance.addr"
)

// ClaimInstance claims dataDir for this process, or, when another process
// holds it, tells that one to show its window and returns
// ErrAlreadyRunning.
func ClaimInstance(dataDir string) (*Instance, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
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
	if !locked || (!lockingSupported && signalShow(addrFile) == nil) {
		f.Close()
		if !locked {
			if err := signalShow(addrFile); err != nil {
				return nil, fmt.Errorf("%w (and it did not answer: %v)", ErrAlreadyRunning, err)
			}
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
	in := &Instance{lock: f, ln: ln, addr: addrFile, done: make(chan struct{})}
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

// Close releases the claim.
func (in *Instance) Close() error {
	err := in.ln.Close()
	<-in.done
	os.Remove(in.addr)
	return errors.Join(err, in.lock.Close())
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

// handle answers one "show <token>" request. A wrong token (another local
// program guessing the port) gets no answer and changes nothing.
func (in *Instance) handle(c net.Conn, token string) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "show "+token {
		return
	}
	in.mu.Lock()
	fn := in.onShow
	in.mu.Unlock()
	if fn != nil {
		fn()
	}
	_, _ = c.Write([]byte("ok\n"))
}

// signalShow asks the running instance to show its window.
func signalShow(addrFile string) error {
	b, err := os.ReadFile(addrFile)
	if err != nil {
		return err
	}
	addr, token, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok {
		return errors.New("malformed " + instanceAddr)
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte("show " + token + "\n")); err != nil {
		return err
	}
	ans, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(ans) != "ok" {
		return errors.New("unexpected answer " + ans)
	}
	return nil
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
