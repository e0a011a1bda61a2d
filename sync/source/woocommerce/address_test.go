package woocommerce

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/source/woocommerce/wcemu"
)

// wpFront behaves like the WordPress in front of WooCommerce: a request
// for another host than the home URL's is redirected there (path and query
// kept, as redirect_canonical does), and every page names the REST root in
// a Link header.
type wpFront struct {
	home string // "http://127.0.0.1:PORT"
	next http.Handler
	hits atomic.Int64
}

func (f *wpFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	if !strings.HasSuffix(f.home, "://"+r.Host) {
		http.Redirect(w, r, f.home+r.URL.RequestURI(), http.StatusMovedPermanently)
		return
	}
	w.Header().Set("Link", `<`+f.home+`/wp-json/>; rel="https://api.w.org/"`)
	f.next.ServeHTTP(w, r)
}

func addrHint(t *testing.T, err error) *AddressError {
	t.Helper()
	var ae *AddressError
	if !errors.As(err, &ae) {
		t.Fatalf("no address hint in %v (kind %v)", err, source.KindOf(err))
	}
	for _, leak := range []string{testKey, testSecret, "oauth_"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("%q leaks %q", err, leak)
		}
	}
	return ae
}

// localhost for a shop whose home is 127.0.0.1: WordPress redirects, and a
// followed redirect would fail the OAuth signature (it signs the host) with
// "the shop refused the keys". The client says where the shop lives and
// makes one request, not two.
func TestRedirectToHomeSaysWhereTheShopLives(t *testing.T) {
	shop := wcemu.New(testKey, testSecret)
	front := &wpFront{next: shop}
	srv := httptest.NewServer(front)
	defer srv.Close()
	front.home = srv.URL
	shop.SetURL(srv.URL)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	c, err := New(Config{BaseURL: "http://localhost" + port, Key: testKey, Secret: testSecret, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Statuses(context.Background())
	ae := addrHint(t, err)
	if ae.Code != "moved" || ae.Use != srv.URL {
		t.Fatalf("hint %+v, want moved to %s", ae, srv.URL)
	}
	if source.KindOf(err) == source.Auth {
		t.Errorf("a redirect is not a key problem: %v", err)
	}
	if n := front.hits.Load(); n != 1 {
		t.Errorf("%d requests: the redirect was followed", n)
	}
	c, _ = New(Config{BaseURL: ae.Use, Key: testKey, Secret: testSecret, Timeout: 5 * time.Second})
	if _, err := c.Statuses(context.Background()); err != nil {
		t.Fatalf("at the address the hint gave: %v", err)
	}
}

// httpOnly serves HTTP on a port and hangs up on a TLS handshake, as PHP's
// built-in server and many plain-HTTP set-ups do: the client's TLS then
// sees only EOF.
func httpOnly(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn)
	pl := &peekListener{Listener: ln, conns: conns}
	srv := &http.Server{Handler: h}
	go pl.accept()
	go srv.Serve(pl)
	t.Cleanup(func() { srv.Close(); ln.Close() })
	return ln.Addr().String()
}

type peekListener struct {
	net.Listener
	conns chan net.Conn
	once  gosync.Once
}

func (p *peekListener) accept() {
	for {
		c, err := p.Listener.Accept()
		if err != nil {
			close(p.conns)
			return
		}
		go func() {
			br := bufio.NewReader(c)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			b, err := br.Peek(1)
			c.SetReadDeadline(time.Time{})
			if err != nil || b[0] == 0x16 { // a TLS handshake record
				c.Close()
				return
			}
			p.conns <- &peekedConn{Conn: c, r: br}
		}()
	}
}

func (p *peekListener) Accept() (net.Conn, error) {
	c, ok := <-p.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

func TestHTTPSOnPlainHTTPShop(t *testing.T) {
	// One server hangs up on TLS (EOF), one answers it with an HTTP 400
	// (Go's own server): both must say "no HTTPS here", not "EOF". Each is
	// its own shop, with its own home URL (WooCommerce signs against it).
	eofShop := wcemu.New(testKey, testSecret)
	eofAddr := httpOnly(t, eofShop)
	eofShop.SetURL("http://" + eofAddr)
	shop := wcemu.New(testKey, testSecret)
	answering := httptest.NewServer(shop)
	defer answering.Close()
	shop.SetURL(answering.URL)
	for name, addr := range map[string]string{"hangs up": eofAddr, "answers in HTTP": strings.TrimPrefix(answering.URL, "http://")} {
		t.Run(name, func(t *testing.T) {
			c, err := New(Config{BaseURL: "https://" + addr, Key: testKey, Secret: testSecret, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Statuses(context.Background())
			ae := addrHint(t, err)
			if ae.Code != "no_https" || ae.Use != "http://"+addr {
				t.Fatalf("hint %+v for %v", ae, err)
			}
			c, _ = New(Config{BaseURL: ae.Use, Key: testKey, Secret: testSecret, Timeout: 5 * time.Second})
			if _, err := c.Statuses(context.Background()); err != nil {
				t.Fatalf("at the address the hint gave: %v", err)
			}
		})
	}
	// A port where nothing listens stays a network error without a hint.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	c, _ := New(Config{BaseURL: "https://" + closed, Key: testKey, Secret: testSecret, Timeout: 2 * time.Second})
	_, err := c.Statuses(context.Background())
	var ae *AddressError
	if source.KindOf(err) != source.Network || errors.As(err, &ae) {
		t.Fatalf("nothing listening: %v", err)
	}
}

// WordPress in a subfolder (/winkel) and an address that names a page in
// it, or the folder left out: the client finds the REST root WordPress
// names (Link rel="https://api.w.org/") and says to use the site address.
func TestShopURLWithWrongPathFindsWordPress(t *testing.T) {
	shop := wcemu.New(testKey, testSecret)
	var srvURL string
	linkOnFailure := true
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/winkel/wp-json/"):
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/winkel")
			w.Header().Set("Link", `<`+srvURL+`/winkel/wp-json/>; rel="https://api.w.org/"`)
			shop.ServeHTTP(w, r2)
		case strings.HasPrefix(r.URL.Path, "/winkel/") && r.URL.Path != "/winkel/" && !linkOnFailure:
			w.WriteHeader(http.StatusNotFound) // a cache that strips headers
			io.WriteString(w, "<html>Pagina niet gevonden</html>")
		case strings.HasPrefix(r.URL.Path, "/winkel"):
			// WordPress's own pages, found or not, name the REST root.
			w.Header().Set("Link", `<`+srvURL+`/winkel/wp-json/>; rel="https://api.w.org/"`)
			w.Header().Set("Content-Type", "text/html; charset=UTF-8")
			if r.URL.Path != "/winkel/" {
				w.WriteHeader(http.StatusNotFound)
			}
			io.WriteString(w, "<html>Winkel</html>")
		default:
			io.WriteString(w, "<html>Welkom bij onze hosting</html>")
		}
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	srvURL = srv.URL
	shop.SetURL(srv.URL + "/winkel")
	try := func(base string) error {
		c, err := New(Config{BaseURL: base, Key: testKey, Secret: testSecret, HTTPClient: srv.Client(), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Statuses(context.Background())
		return err
	}
	if err := try(srv.URL + "/winkel"); err != nil {
		t.Fatalf("the right address: %v", err)
	}
	for _, strip := range []bool{false, true} {
		linkOnFailure = !strip
		ae := addrHint(t, try(srv.URL+"/winkel/producten"))
		if ae.Code != "wordpress_at" || ae.Use != srv.URL+"/winkel" {
			t.Fatalf("page address (link stripped %v): hint %+v", strip, ae)
		}
	}
	// The host's front page is not WordPress: no hint, the plain error.
	err := try(srv.URL)
	var ae *AddressError
	if errors.As(err, &ae) || source.KindOf(err) != source.BadResponse {
		t.Fatalf("front page of another site: %v", err)
	}
}

func TestPlainPermalinks(t *testing.T) {
	var srvURL string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<`+srvURL+`/index.php?rest_route=/>; rel="https://api.w.org/"`)
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<html>Pagina niet gevonden</html>")
	}))
	defer srv.Close()
	srvURL = srv.URL
	c, _ := New(Config{BaseURL: srv.URL, Key: testKey, Secret: testSecret, HTTPClient: srv.Client(), Timeout: 5 * time.Second})
	_, err := c.Statuses(context.Background())
	if ae := addrHint(t, err); ae.Code != "plain_permalinks" || ae.Use != srv.URL {
		t.Fatalf("hint %+v", ae)
	}
}

// A GET that meets a 503 or a dropped connection is tried once more, with
// a new nonce and timestamp: the real shop refuses a nonce it has seen
// (its answer is in the captures), and the emulator does too.
func TestRetrySignsAnew(t *testing.T) {
	for _, how := range []string{"503", "dropped"} {
		t.Run(how, func(t *testing.T) {
			shop := wcemu.New(testKey, testSecret)
			var mu gosync.Mutex
			var nonces, stamps []string
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				nonces = append(nonces, r.URL.Query().Get("oauth_nonce"))
				stamps = append(stamps, r.URL.Query().Get("oauth_timestamp"))
				mu.Unlock()
				if n.Add(1) == 1 {
					if how == "503" {
						w.WriteHeader(http.StatusServiceUnavailable)
						return
					}
					c, _, _ := w.(http.Hijacker).Hijack()
					c.Close()
					return
				}
				shop.ServeHTTP(w, r)
			}))
			defer srv.Close()
			shop.SetURL(srv.URL)
			c, _ := New(Config{BaseURL: srv.URL, Key: testKey, Secret: testSecret, Timeout: 5 * time.Second})
			now := time.Now()
			c.Now = func() time.Time { now = now.Add(2 * time.Second); return now }
			if _, err := c.Statuses(context.Background()); err != nil {
				t.Fatalf("after one %s: %v", how, err)
			}
			if len(nonces) != 2 || nonces[0] == nonces[1] || nonces[0] == "" || stamps[0] == stamps[1] {
				t.Fatalf("nonces %v, timestamps %v: want two different", nonces, stamps)
			}
		})
	}
	// Only once: a shop that keeps failing is an error, not a loop.
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL, Key: testKey, Secret: testSecret, Timeout: 5 * time.Second})
	if _, err := c.Statuses(context.Background()); err == nil || hits.Load() != 2 {
		t.Fatalf("always 502: %v after %d requests", err, hits.Load())
	}
}

// The captured 401 of a wrong secret stays an Auth error with its code.
func TestCapturedAuthErrorStaysAuth(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(fixtures(t), "real-8.9.1", "error_401_consumer_secret_invalid.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write(body)
	}))
	defer srv.Close()
	c, _ := New(Config{BaseURL: srv.URL, Key: testKey, Secret: testSecret, Timeout: 5 * time.Second})
	_, err = c.Statuses(context.Background())
	var ae *AddressError
	if source.KindOf(err) != source.Auth || errors.As(err, &ae) || !strings.Contains(err.Error(), "Consumer secret is invalid") {
		t.Fatalf("wrong secret: %v", err)
	}
}

// localhost for a shop whose home is 127.0.0.1, with nothing in front of
// WordPress: no redirect (REST requests are served before
// redirect_canonical), but WooCommerce checks the OAuth signature against
// its home URL and answers 401 "Invalid signature". That must not read as
// wrong keys: the REST index names the home, and the client says to use it.
func TestSignatureAgainstHomeSaysWhereTheShopLives(t *testing.T) {
	shop := wcemu.New(testKey, testSecret)
	srv := httptest.NewServer(shop)
	defer srv.Close()
	shop.SetURL(srv.URL)
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	c, err := New(Config{BaseURL: "http://localhost" + port, Key: testKey, Secret: testSecret, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Statuses(context.Background())
	ae := addrHint(t, err)
	if ae.Code != "moved" || ae.Use != srv.URL {
		t.Fatalf("hint %+v, want moved to %s (%v)", ae, srv.URL, err)
	}
	if source.KindOf(err) == source.Auth {
		t.Errorf("another name of the shop is not a key problem: %v", err)
	}
	// At its home address the same keys work; a wrong secret there is
	// still the keys.
	c, _ = New(Config{BaseURL: ae.Use, Key: testKey, Secret: testSecret, Timeout: 5 * time.Second})
	if _, err := c.Statuses(context.Background()); err != nil {
		t.Fatalf("at the address the hint gave: %v", err)
	}
	c, _ = New(Config{BaseURL: srv.URL, Key: testKey, Secret: "cs_wrong", Timeout: 5 * time.Second})
	if _, err := c.Statuses(context.Background()); source.KindOf(err) != source.Auth {
		t.Fatalf("wrong secret at the home address: %v (kind %v)", err, source.KindOf(err))
	}
}
