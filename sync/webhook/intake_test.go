package webhook_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/orderbrug/orderbrug/sync/webhook"
)

// TestTooLargeIsReceived: a body over the limit is answered 413 and the
// sender really reads that answer: a Go client with and without
// Content-Length, and a sender that, like PHP's curl in WordPress, writes
// the whole request before it reads anything (a server that closes with
// unread data makes the kernel reset the connection: the sender then sees
// "connection reset" or "broken pipe" instead of the 413). The connection
// then closes; the next request on a new one is served.
func TestTooLargeIsReceived(t *testing.T) {
	const secret = "s"
	inbox := &memInbox{}
	ts := startServer(t, Config{Shops: mapShops{"woocommerce/s": {Secret: secret, Topics: allTopics()}}, Inbox: inbox}, nil)
	big := bytes.Repeat([]byte("x"), DefaultMaxBody+3<<20) // 8 MiB
	url := ts.URL + "/hooks/woocommerce/s"
	for i := 0; i < 5; i++ {
		for _, chunked := range []bool{false, true} {
			req := wooRequest(t, url, TopicOrderUpdated, "1", big, secret)
			if chunked {
				req.Body = io.NopCloser(bytes.NewReader(big))
				req.ContentLength = -1
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("chunked=%v: the sender got %v, want a 413", chunked, err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "larger than") {
				t.Fatalf("chunked=%v: %d %q, want 413", chunked, resp.StatusCode, msg)
			}
		}
	}
	// Write everything, then read.
	for i := 0; i < 5; i++ {
		conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
		head := fmt.Sprintf("POST /hooks/woocommerce/s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
			"X-WC-Webhook-Topic: order.updated\r\nX-WC-Webhook-Signature: %s\r\nContent-Length: %d\r\n\r\n", sign(big, secret), len(big))
		if _, err := conn.Write(append([]byte(head), big...)); err != nil {
			t.Fatalf("writing the request: %v (the server cut the connection)", err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Fatalf("status %d, close %v: want 413 and the connection closed", resp.StatusCode, resp.Close)
		}
	}
	// A sender that asks "Expect: 100-continue" and waits: answered 413 at
	// once, without its body (the drain must not wait for one).
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /hooks/woocommerce/s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(big))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	conn.Close()
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("Expect: 100-continue: %v %v", resp, err)
	}
	if n := len(inbox.Rejections()); n != 16 {
		t.Fatalf("%d rejections counted, want 16", n)
	}
	good := phpJSON(t, map[string]any{"id": 13, "date_modified_gmt": "2026-11-22T19:48:26"})
	if status, msg, _ := do(t, http.DefaultClient, wooRequest(t, url, TopicOrderUpdated, "1", good, secret)); status != 200 {
		t.Fatalf("after the 413s: %d %q", status, msg)
	}
}

// TestRejectionWarningsAreBounded: a flood of forged deliveries to a known
// shop is one warning in the log per minute; every one is still handed to
// the Inbox to be counted. A flood to an unknown shop is never a warning
// and never reaches the Inbox.
func TestRejectionWarningsAreBounded(t *testing.T) {
	inbox := &memInbox{}
	ts := startServer(t, Config{Shops: mapShops{"woocommerce/s": {Secret: "s", Topics: allTopics()}}, Inbox: inbox}, nil)
	good := phpJSON(t, map[string]any{"id": 13, "date_modified_gmt": "2026-11-22T19:48:26"})
	for i := 0; i < 200; i++ {
		shop := "s"
		if i%2 == 1 {
			shop = fmt.Sprintf("nope%d", i)
		}
		status, _, _ := do(t, http.DefaultClient, wooRequest(t, ts.URL+"/hooks/woocommerce/"+shop, TopicOrderUpdated, "1", good, "forged"))
		if want := map[bool]int{true: 401, false: 404}[shop == "s"]; status != want {
			t.Fatalf("%s: %d, want %d", shop, status, want)
		}
	}
	if n := len(inbox.Rejections()); n != 100 {
		t.Fatalf("%d rejections handed to the inbox, want 100 (the known shop's)", n)
	}
	logs := ts.Logs.String()
	if n := strings.Count(logs, `level=WARN msg="webhook: rejected"`); n != 1 {
		t.Fatalf("%d warnings for 200 bad requests, want 1:\n%s", n, logs)
	}
	if strings.Contains(logs, "level=WARN msg=\"webhook: unknown shop\"") {
		t.Fatalf("an unknown shop is a warning")
	}
}
