package eboekhouden

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
)

// otherVAT is an e-Boekhouden that computes a code's VAT otherwise than
// the ledger predicts: GET /v1/mutation/{id} shows add cents more of it.
type otherVAT struct {
	next http.RoundTripper
	code string
	add  float64
}

func (o otherVAT) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := o.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v1/mutation/") || resp.StatusCode != 200 {
		return resp, err
	}
	var m map[string]any
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Unmarshal(data, &m) == nil {
		vat, _ := m["vat"].([]any)
		for _, v := range vat {
			if line := v.(map[string]any); line["vatCode"] == o.code {
				line["amount"] = line["amount"].(float64) + o.add/100
			}
		}
		data, _ = json.Marshal(m)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// TestVATReadBack: the VAT difference is e-Boekhouden's answer, not the
// ledger's prediction: a cent more in the mutation's vat[] is a warning
// (kept in the journal), and a lost read-back books all the same with a
// warning that the VAT is unchecked.
func TestVATReadBack(t *testing.T) {
	f := start(t)
	inv := f.invoice("webwinkel", mixedOrder("1042", consumer()))
	l, _ := New(ledger.Config{APIURL: f.srv.URL, Token: apiToken, Now: f.clk.Now, Journal: f.journal,
		HTTP: &http.Client{Transport: otherVAT{next: f.spy, code: "LAAG_VERK_9", add: 1}}, Mapping: f.l.mapping})
	b, err := l.BookReport(f.ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"rate": "9", "vat_code": "LAAG_VERK_9", "shop": "1.65", "ledger": "1.66", "diff": "0.01"}
	if len(b.Warnings) != 1 || b.Warnings[0].Code != ledger.WarnVATDiffers {
		t.Fatalf("warnings %v", b.Warnings)
	}
	for k, v := range want {
		if b.Warnings[0].Args[k] != v {
			t.Errorf("%s = %q, want %q", k, b.Warnings[0].Args[k], v)
		}
	}
	n := f.emu.Requests()
	if again, err := f.newLedger(apiToken).BookReport(f.ctx, inv); err != nil || again.Ref != b.Ref ||
		len(again.Warnings) != 1 || again.Warnings[0].Args["diff"] != "0.01" || f.emu.Requests() != n {
		t.Errorf("again: %+v %v", again, err)
	}

	// The read-back fails (a 500; a lost answer Go's transport replays
	// the GET once): booked, and said to be unchecked.
	inv2 := f.invoice("webwinkel", mixedOrder("1043", consumer()))
	f.emu.Inject(ebemu.Fault{Method: "GET", Path: "/v1/mutation/*"})
	b, err = f.l.BookReport(f.ctx, inv2)
	if err != nil || b.Ref == "" {
		t.Fatalf("lost read-back: %+v %v", b, err)
	}
	if len(b.Warnings) != 1 || b.Warnings[0].Code != WarnVATUnchecked || !strings.Contains(b.Warnings[0].Args["vat_codes"], "HOOG_VERK_21") {
		t.Errorf("warnings %v", b.Warnings)
	}
	if e, _, _ := f.journal.Get(f.ctx, "inv/"+inv2.Key); e.State != ledger.StateDone || e.Ref != b.Ref || !strings.Contains(e.Data, WarnVATUnchecked) {
		t.Errorf("journal %+v", e)
	}
	// Created, not yet read back (the app stopped in between): the next
	// attempt reads it back and sends nothing else.
	f.journal.Put(f.ctx, "inv/"+inv2.Key, ledger.Entry{State: ledger.StateCreated, Ref: b.Ref,
		Data: `{"inExVat":"IN","shop":[{"code":"HOOG_VERK_21","rate":"21","vat":503},{"code":"LAAG_VERK_9","rate":"9","vat":165}]}`})
	n = f.emu.Requests()
	if again, err := f.l.BookReport(f.ctx, inv2); err != nil || again.Ref != b.Ref || len(again.Warnings) != 0 || f.emu.Requests() != n+1 {
		t.Errorf("created: %+v %v, %d requests", again, err, f.emu.Requests()-n)
	}
	if f.emu.MutationCount() != 2 {
		t.Errorf("%d mutations", f.emu.MutationCount())
	}
	f.reconciles(inv, inv2)
}
