package pos

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

func allTopics() map[string]bool {
	return map[string]bool{TopicOpen: true, TopicUpdate: true, TopicClose: true, TopicThird: true}
}

func request(route string, body []byte, key string, topics map[string]bool) webhook.Request {
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"LingaPOS-Webhook/1.0"}}
	if key != "" {
		h.Set(Header, key)
	}
	return webhook.Request{Route: route, Header: h, Body: body, Hooks: webhook.ShopHooks{Secret: testKey, Topics: topics}}
}

// TestReceiveKey: a wrong, missing or empty key, or a shop without one, is
// 401 and names neither value; the right key passes.
func TestReceiveKey(t *testing.T) {
	body := read(t, fixtureClose)
	for _, c := range []struct {
		name   string
		key    string
		secret string
		want   error
	}{
		{"missing", "", testKey, ErrKeyMissing},
		{"wrong", "not-the-key", testKey, ErrKeyMismatch},
		{"a prefix of the key", testKey[:10], testKey, ErrKeyMismatch},
		{"the key and more", testKey + "x", testKey, ErrKeyMismatch},
		{"other case", strings.ToUpper(testKey), testKey, ErrKeyMismatch},
		{"no key set for the shop", testKey, "", ErrNoKey},
		{"no key set, none sent", "", "", ErrNoKey},
	} {
		req := request(TopicClose, body, c.key, allTopics())
		req.Hooks.Secret = c.secret
		res, err := Receiver{}.Receive(req)
		if !errors.Is(err, c.want) || len(res.Hooks) != 0 {
			t.Errorf("%s: %v %+v, want %v", c.name, err, res, c.want)
			continue
		}
		if status, code := webhook.Classify(err); status != http.StatusUnauthorized || code != webhook.CodeSignature {
			t.Errorf("%s: classified %d %s", c.name, status, code)
		}
		if strings.Contains(err.Error(), testKey[:10]) || c.key != "" && strings.Contains(err.Error(), c.key) {
			t.Errorf("%s: the error %q shows a value", c.name, err)
		}
	}
	res, err := Receiver{}.Receive(request(TopicClose, body, testKey, allTopics()))
	if err != nil || len(res.Hooks) != 1 {
		t.Fatalf("right key: %v %+v", err, res)
	}
	if h := res.Hooks[0].Headers; h.Get(Header) != "" || h.Get("User-Agent") != "LingaPOS-Webhook/1.0" {
		t.Errorf("kept headers %v", h)
	}
}

// TestReceiveTopics: the topic is the check's content, the route only
// where it came in: a closed check is close on every route, an open online
// order open, an open POS check update on the Update route and third on
// the Open route.
func TestReceiveTopics(t *testing.T) {
	for _, c := range []struct {
		file, route, topic string
	}{
		{fixtureClose, TopicClose, TopicClose},
		{fixtureClose, TopicOpen, TopicClose},
		{fixtureClose, TopicUpdate, TopicClose},
		{dinnerClose, TopicClose, TopicClose},
		{lunchClose, TopicClose, TopicClose},
		{onlineClosed, TopicClose, TopicClose},
		{onlineOpen, TopicOpen, TopicOpen},
		{onlineOpen, TopicUpdate, TopicOpen},
		{barTabOpen, TopicUpdate, TopicUpdate},
		{barTabOpen, TopicOpen, TopicThird},
		{barTabOpen, TopicClose, TopicThird},
	} {
		body := read(t, c.file)
		o, err := ParseCheck(body)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Receiver{}.Receive(request(c.route, body, testKey, allTopics()))
		if err != nil || len(res.Hooks) != 1 {
			t.Fatalf("%s on %s: %v %+v", c.file, c.route, err, res)
		}
		h := res.Hooks[0]
		if h.Topic != c.topic || h.OrderID != o.ID || h.Resource != "check" || h.Event != c.route || !h.Modified.IsZero() ||
			h.Unreadable != "" || h.Repeatable {
			t.Errorf("%s on %s: hook %+v, want topic %s", c.file, c.route, h, c.topic)
		}
	}
}

// TestReceiveToggles: a topic switched off is answered 200 and not kept;
// the others still are.
func TestReceiveToggles(t *testing.T) {
	noClose := map[string]bool{TopicOpen: true, TopicUpdate: true, TopicThird: true}
	res, err := Receiver{}.Receive(request(TopicClose, read(t, fixtureClose), testKey, noClose))
	if err != nil || len(res.Hooks) != 0 || !strings.Contains(res.Ignored, `"close"`) {
		t.Fatalf("close off: %v %+v", err, res)
	}
	res, err = Receiver{}.Receive(request(TopicUpdate, read(t, barTabOpen), testKey, noClose))
	if err != nil || len(res.Hooks) != 1 {
		t.Fatalf("update on: %v %+v", err, res)
	}
	noOpen := map[string]bool{TopicUpdate: true, TopicClose: true, TopicThird: true}
	for _, route := range []string{TopicOpen, TopicUpdate, TopicClose} {
		res, err = Receiver{}.Receive(request(route, read(t, onlineOpen), testKey, noOpen))
		if err != nil || len(res.Hooks) != 0 || !strings.Contains(res.Ignored, `"open"`) {
			t.Errorf("open off: an online order on %s: %v %+v", route, err, res)
		}
	}
	noUpdate := map[string]bool{TopicOpen: true, TopicClose: true, TopicThird: true}
	open := strings.Replace(strings.Replace(string(read(t, fixtureClose)), `\"checkStatus\":\"Closed\"`, `\"checkStatus\":\"Open\"`, 1),
		`\"isClosed\":true`, `\"isClosed\":false`, 1)
	res, err = Receiver{}.Receive(request(TopicUpdate, []byte(open), testKey, noUpdate))
	if err != nil || len(res.Hooks) != 0 || !strings.Contains(res.Ignored, `"update"`) {
		t.Errorf("update off: an envelope open check on the Update route: %v %+v", err, res)
	}
	res, err = Receiver{}.Receive(request(TopicOpen, []byte(open), testKey, noUpdate))
	if err != nil || len(res.Hooks) != 1 || res.Hooks[0].Topic != TopicThird {
		t.Errorf("update off: the same on the Open route is third: %v %+v", err, res)
	}
	noThird := map[string]bool{TopicOpen: true, TopicUpdate: true, TopicClose: true}
	res, err = Receiver{}.Receive(request(TopicOpen, read(t, barTabOpen), testKey, noThird))
	if err != nil || len(res.Hooks) != 0 || res.Ignored == "" {
		t.Fatalf("third off: a POS check on the Open route: %v %+v", err, res)
	}
}

// TestReceiveUnreadable: a verified body that is not a check, or a check
// whose twins disagree, is kept for replay with the reason (answered
// 400), whatever the toggles, with the check's id when the body names one.
func TestReceiveUnreadable(t *testing.T) {
	bad := strings.Replace(string(read(t, fixtureClose)), `\"totalAmountStr\":\"31,00\"`, `\"totalAmountStr\":\"13,00\"`, 1)
	for _, c := range []struct {
		body, want, id string
	}{
		{`{"event":"ping"}`, "expected a Linga check: an object with checkID and data, or an online order with uniqueOrderID", ""},
		{`<html>`, "expected a Linga check", ""},
		{`{"node":"A005","data":"{}"}`, "an envelope without checkID", ""},
		{bad, `totalAmount 3100 (31.00) and totalAmountStr "13,00" (13.00) disagree by 18.000`, fixtureID},
		{`{"checkID":"open-1","checkStatus":"Open","isClosed":true}`, `checkStatus "Open" and isClosed true disagree`, "open-1"},
	} {
		res, err := Receiver{}.Receive(request(TopicClose, []byte(c.body), testKey, map[string]bool{}))
		if err != nil || len(res.Hooks) != 1 {
			t.Fatalf("%.20q: %v %+v", c.body, err, res)
		}
		h := res.Hooks[0]
		if !strings.Contains(h.Unreadable, c.want) || h.Topic != TopicClose || h.Event != TopicClose || h.OrderID != c.id {
			t.Errorf("%.20q: hook %+v, want the reason %q", c.body, h, c.want)
		}
	}
}

// memInbox keeps what the handler accepts and counts what it rejects.
type memInbox struct {
	mu       sync.Mutex
	accepted []webhook.Delivery
	rejected []webhook.Rejection
}

func (m *memInbox) Accept(_ context.Context, d webhook.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d.Body = bytes.Clone(d.Body)
	m.accepted = append(m.accepted, d)
	return nil
}

func (m *memInbox) Reject(_ context.Context, r webhook.Rejection) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rejected = append(m.rejected, r)
	return nil
}

type shops map[string]webhook.ShopHooks

func (s shops) Lookup(src order.Source, shop string) (webhook.ShopHooks, bool) {
	h, ok := s[string(src)+"/"+shop]
	return h, ok
}

// TestThroughHandler: the real handler with this receiver: the three
// routes and no root, 401 for a wrong key with nothing kept, 400 for a
// body that is no check and kept with its bytes, 200 for a check.
func TestThroughHandler(t *testing.T) {
	inbox := &memInbox{}
	h := webhook.New(webhook.Config{
		Shops:     shops{"pos/eetcafe": {Secret: testKey, Topics: allTopics()}},
		Inbox:     inbox,
		Receivers: map[order.Source]webhook.Receiver{order.POS: Descriptor().Hooks},
		Logger:    slog.New(slog.DiscardHandler),
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(path, key string, body []byte) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set(Header, key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	closed := read(t, fixtureClose)
	if code, _ := post("/hooks/pos/eetcafe/close", "wrong", closed); code != http.StatusUnauthorized {
		t.Errorf("wrong key: %d", code)
	}
	if code, _ := post("/hooks/pos/eetcafe/close", "", closed); code != http.StatusUnauthorized {
		t.Errorf("no key: %d", code)
	}
	if n := len(inbox.accepted); n != 0 {
		t.Fatalf("%d deliveries kept without the key", n)
	}
	if len(inbox.rejected) != 2 || inbox.rejected[0].Code != webhook.CodeSignature || strings.Contains(inbox.rejected[0].Reason, testKey) {
		t.Errorf("rejections %+v", inbox.rejected)
	}
	if code, _ := post("/hooks/pos/eetcafe", testKey, closed); code != http.StatusNotFound {
		t.Errorf("root route: %d, want 404 (a till has no root route)", code)
	}
	code, msg := post("/hooks/pos/eetcafe/open", testKey, []byte(`{"hello":"world"}`))
	if code != http.StatusBadRequest || !strings.Contains(msg, "expected a Linga check") {
		t.Errorf("not a check: %d %q", code, msg)
	}
	for _, r := range []string{"open", "update", "close"} {
		if code, msg := post("/hooks/pos/eetcafe/"+r, testKey, closed); code != http.StatusOK {
			t.Errorf("%s: %d %q", r, code, msg)
		}
	}
	if len(inbox.accepted) != 4 {
		t.Fatalf("%d kept, want the unreadable one and 3 checks", len(inbox.accepted))
	}
	u := inbox.accepted[0]
	if u.Unreadable == "" || string(u.Body) != `{"hello":"world"}` || u.Route != "open" {
		t.Errorf("unreadable kept as %+v", u)
	}
	for _, d := range inbox.accepted[1:] {
		if d.Source != order.POS || d.Shop != "eetcafe" || d.Topic != TopicClose || d.OrderID != fixtureID || !bytes.Equal(d.Body, closed) ||
			d.Headers.Get(Header) != "" {
			t.Errorf("delivery %+v", d)
		}
	}
}
