package pos

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/webhook"
)

// FuzzParse feeds outside bytes to the parser and the receiver: never a
// panic; the receiver, with the right key, answers every body with one
// kept hook (a check, or unreadable with the reason) or a toggle's
// Ignored, never an error; and a check the parser accepts is one the
// engine can keep: an id, open, closed or void, a currency, a closed one
// paid and passing order.Breakdown, its lines at a rate between 0 and
// 100 %, every line and total within ±maxAmount. A hook names the id the
// body names, readable or not.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, "close")
		}
	}
	f.Add([]byte(`{"checkID":"1","data":"\"{\\\"checkStatus\\\":\\\"Closed\\\",\\\"totalAmount\\\":\\\"1.234,56\\\"}\""}`), "update")
	f.Add([]byte(`{"uniqueOrderID":7,"orderDetails":[{"quantity":"0,5","totalAmount":"€ 3,00","taxes":[{"taxRate":"9.000"}]}],"totalAmount":300}`), "open")
	f.Add([]byte(`{"checkID":"x","isClosed":"yes","dateCreated":"1764612484000","items":[{"totalAmount":-5,"taxes":[{"id":"a"},{"taxRate":21}]}],"discounts":[{"amount":99999999999999}],"totalAmount":1}`), "close")
	f.Add([]byte(`[{"checkID":"1"}]`), "open")
	f.Fuzz(func(t *testing.T, body []byte, route string) {
		o, err := ParseCheck(body)
		if err == nil {
			if o.Source != order.POS || strings.TrimSpace(o.ID) == "" || o.Currency == "" || !o.Modified.IsZero() {
				t.Fatalf("accepted %+v", o)
			}
			if o.Status != StatusOpen && o.Status != StatusClosed && o.Status != StatusVoid {
				t.Fatalf("status %q", o.Status)
			}
			if o.Status == StatusClosed && o.Paid.IsZero() {
				t.Fatal("closed, not paid")
			}
			for _, l := range o.Lines {
				if l.Rate < 0 || l.Rate > 10000 {
					t.Fatalf("line %+v", l)
				}
				if !within(int64(l.Net)) || !within(int64(l.VAT)) || !within(int64(l.Net+l.VAT)) {
					t.Fatalf("line beyond ±maxAmount: %+v", l)
				}
			}
			for _, x := range o.Taxes {
				if !within(int64(x.Tax)) {
					t.Fatalf("tax %+v beyond ±maxAmount", x)
				}
			}
			if !within(int64(o.Total)) || !within(int64(o.TotalTax)) {
				t.Fatalf("total %d VAT %d beyond ±maxAmount", o.Total, o.TotalTax)
			}
			if o.Status == StatusClosed {
				// A closed check is booked: its VAT breakdown must
				// reconcile as the invoice's will.
				if _, err := order.Breakdown(o); err != nil {
					t.Fatalf("accepted closed check %s fails the breakdown: %v", o.ID, err)
				}
			}
		} else if err.Error() == "" {
			t.Fatal("an error without a reason")
		}
		h := http.Header{}
		h.Set(Header, testKey)
		res, rerr := Receiver{}.Receive(webhook.Request{Route: route, Header: h, Body: body,
			Hooks: webhook.ShopHooks{Secret: testKey, Topics: allTopics()}})
		if rerr != nil || len(res.Hooks) != 1 {
			t.Fatalf("receive: %v %+v", rerr, res)
		}
		hk := res.Hooks[0]
		if (err == nil) != (hk.Unreadable == "") || err != nil && hk.Unreadable != err.Error() {
			t.Fatalf("parse %v, hook %+v", err, hk)
		}
		if p, _ := parse(body); hk.OrderID != p.id {
			t.Fatalf("hook names %q, the body %q", hk.OrderID, p.id)
		}
		if err == nil && hk.OrderID != o.ID {
			t.Fatalf("hook names %q, the check is %q", hk.OrderID, o.ID)
		}
		var me *MismatchError
		if errors.As(err, &me) && (me.Field == "" || me.Twin == "") {
			t.Fatalf("a mismatch without its fields: %v", err)
		}
	})
}

func within(v int64) bool { return v >= -maxAmount && v <= maxAmount }
