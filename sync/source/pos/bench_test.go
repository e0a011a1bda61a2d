package pos

import (
	"net/http"
	"testing"

	"github.com/orderbrug/orderbrug/sync/webhook"
)

// BenchmarkReceive: the receiver alone on the 9 KB group dinner (envelope
// with data as a string, 15 items): key check, both JSON decodes, twins,
// lines and the reconciliation, no HTTP.
func BenchmarkReceive(b *testing.B) {
	body := read(b, dinnerClose)
	h := http.Header{}
	h.Set(Header, testKey)
	req := webhook.Request{Route: TopicClose, Header: h, Body: body, Hooks: webhook.ShopHooks{Secret: testKey, Topics: allTopics()}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Receiver{}.Receive(req)
		if err != nil || len(res.Hooks) != 1 || res.Hooks[0].Unreadable != "" {
			b.Fatalf("%v %+v", err, res)
		}
	}
}
