package pos

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orderbrug/orderbrug/sync/order"
)

// bigCheck is a closed check of n items of amount v each at 0 %, whose
// totalAmount is what they would add up to modulo 2^64.
func bigCheck(n int, v int64) []byte {
	var b strings.Builder
	total := int64(0)
	b.WriteString(`{"checkID":"big","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z","items":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","name":"x","totalAmount":%d}`, i, v)
		total += v // wraps, as the parser's sum did
	}
	fmt.Fprintf(&b, `],"totalAmount":%d,"totalTaxAmount":0}`, total)
	return []byte(b.String())
}

// TestSumsBounded: a check whose items add up beyond any check is refused
// (the sums wrapped to a small total before), and so is one of more items
// than any till rings up.
func TestSumsBounded(t *testing.T) {
	if _, err := ParseCheck(bigCheck(18447, 999999999999999)); err == nil || !strings.Contains(err.Error(), "18447 items, more than the 5000") {
		t.Errorf("18447 items: %v", err)
	}
	if _, err := ParseCheck(bigCheck(2000, 999999999999999)); err == nil || !strings.Contains(err.Error(), "add up to more than any check") {
		t.Errorf("2000 items of 9.999.999.999.999,99: %v", err)
	}
	o, err := ParseCheck(bigCheck(3, 1050))
	if err != nil || o.Total != 3150 {
		t.Errorf("3 items: %v %+v", err, o.Total)
	}
}

// TestBusinessDateZoned: a businessDate with a time and a zone is the
// date in Amsterdam, not its first ten characters.
func TestBusinessDateZoned(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-30T23:00:00.000Z":  "2026-12-01",
		"2026-11-30T22:59:59Z":      "2026-11-30",
		"2026-06-30T22:30:00+00:00": "2026-07-01",
		"2026-12-01T01:00:00+01:00": "2026-12-01",
		"2026-12-01 00:30":          "2026-12-01",
		"2026-12-01":                "2026-12-01",
		"01-Dec-2026":               "2026-12-01",
	} {
		got, err := parseDay(in)
		if err != nil || got != want {
			t.Errorf("%s: %q %v, want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"2026-12-01Tjunk", "20261201", "morgen"} {
		if got, err := parseDay(in); err == nil {
			t.Errorf("%s: read as %s", in, got)
		}
	}
}

// roundedPerItem is a closed check of five items of 10,05 excl. 9 % whose
// VAT the till rounded per item (0,90 each) while its tax line and totals
// round once (4,52): the lines miss the totals by two cents, a cent per
// line at most.
const roundedPerItem = `{"checkID":"r5","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z","totalAmount":5477,"totalTaxAmount":452,
	"taxes":[{"id":"t9","taxRate":9,"inclusive":false,"totalTaxAmount":452}],
	"items":[{"id":"1","name":"Soep","totalAmount":1005,"taxes":[{"id":"t9","taxAmount":90}]},
		{"id":"2","name":"Soep","totalAmount":1005,"taxes":[{"id":"t9","taxAmount":90}]},
		{"id":"3","name":"Soep","totalAmount":1005,"taxes":[{"id":"t9","taxAmount":90}]},
		{"id":"4","name":"Soep","totalAmount":1005,"taxes":[{"id":"t9","taxAmount":90}]},
		{"id":"5","name":"Soep","totalAmount":1005,"taxes":[{"id":"t9","taxAmount":90}]}]}`

// TestCentPerLine: lines that miss the check's totals by a cent per line
// are the shop's rounding, not a cent per tax line only; more is refused.
func TestCentPerLine(t *testing.T) {
	o := mustParse(t, []byte(roundedPerItem))
	if o.Total != 5477 || o.TotalTax != 452 {
		t.Fatalf("total %s VAT %s", o.Total, o.TotalTax)
	}
	invoice(t, o)
	far := strings.Replace(strings.Replace(roundedPerItem, `"totalAmount":5477,"totalTaxAmount":452`, `"totalAmount":5481,"totalTaxAmount":456`, 1),
		`"totalTaxAmount":452}`, `"totalTaxAmount":456}`, 1)
	if _, err := ParseCheck([]byte(far)); err == nil || !strings.Contains(err.Error(), "0.06 apart, more than the 0.05 of rounding allowed") &&
		!strings.Contains(err.Error(), "by 0.06, more than the 0.05 of rounding allowed") {
		t.Errorf("six cents on five lines: %v", err)
	}
}

// TestRateVATAgrees: VAT that moved from one rate to the other, the total
// VAT unchanged, is refused naming the tax line and both figures.
func TestRateVATAgrees(t *testing.T) {
	// The fixture's tax lines say 1,78 at 9 % and 1,39 at 21 %; its lines
	// carry 1,78 and 1,39. Move 20 cents of VAT from 9 % to 21 % on the
	// tax lines (their twins along).
	r := strings.NewReplacer(
		`\"taxAmount\":178,\"actualTaxAmount\":1775,\"totalTaxAmount\":178,\"actualTax\":1775`, `\"taxAmount\":158,\"actualTaxAmount\":1575,\"totalTaxAmount\":158,\"actualTax\":1575`,
		`\"totalTaxAmountStr\":\"1,78\",\"actualTaxStr\":\"1,775\"`, `\"totalTaxAmountStr\":\"1,58\",\"actualTaxStr\":\"1,575\"`,
		`\"taxAmount\":139,\"actualTaxAmount\":1388,\"totalTaxAmount\":139,\"actualTax\":1388`, `\"taxAmount\":159,\"actualTaxAmount\":1588,\"totalTaxAmount\":159,\"actualTax\":1588`,
		`\"totalTaxAmountStr\":\"1,39\",\"actualTaxStr\":\"1,388\"`, `\"totalTaxAmountStr\":\"1,59\",\"actualTaxStr\":\"1,588\"`)
	base := string(read(t, fixtureClose))
	body := r.Replace(base)
	if strings.Count(body, `\"totalTaxAmount\":158`) != 1 || strings.Count(body, "1588") != 2 {
		t.Fatal("the fixture changed")
	}
	_, err := ParseCheck([]byte(body))
	var me *MismatchError
	if !errors.As(err, &me) || me.Field != "taxes[0] (9%)" || me.Value != "1.58" || me.Twin != "the lines at 9%" || me.TwinValue != "1.78" || me.Check != fixtureID {
		t.Fatalf("VAT moved between rates: %v", err)
	}
	if _, err := ParseCheck([]byte(roundedPerItem)); err != nil {
		t.Errorf("a cent per line at the rate: %v", err)
	}
}

// TestTotalSaleAmount: totalSaleAmount says whether the tip is inside
// totalAmount (the fixture: 29,50 = 31,00 − 1,50), where the lines alone
// cannot tell; one that is neither is refused.
func TestTotalSaleAmount(t *testing.T) {
	o := mustParse(t, read(t, fixtureClose))
	if o.Total != 2950 {
		t.Errorf("fixture total %s", o.Total)
	}
	// A tip of one cent on top of 10,90: the lines are within the rounding
	// of both readings; totalSaleAmount 10,90 says it is not inside.
	body := `{"checkID":"c1","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z","totalAmount":1090,"totalSaleAmount":1090,"totalTaxAmount":90,
		"taxes":[{"id":"t9","taxRate":9,"inclusive":true,"totalTaxAmount":90}],
		"items":[{"id":"i1","name":"Pasta","totalAmount":1090,"taxes":[{"id":"t9","taxAmount":90}]}],
		"payments":[{"name":"PIN","amount":1091,"tipAmount":1}]}`
	if o := mustParse(t, []byte(body)); o.Total != 1090 {
		t.Errorf("tip on top: total %s, want 10.90", o.Total)
	}
	inside := strings.NewReplacer(`"totalAmount":1090,"totalSaleAmount":1090`, `"totalAmount":1091,"totalSaleAmount":1090`).Replace(body)
	if o := mustParse(t, []byte(inside)); o.Total != 1090 {
		t.Errorf("tip inside: total %s, want 10.90", o.Total)
	}
	_, err := ParseCheck([]byte(strings.Replace(string(read(t, fixtureClose)), `\"totalSaleAmount\":2950`, `\"totalSaleAmount\":2900`, 1)))
	var me *MismatchError
	if !errors.As(err, &me) || me.Field != "totalSaleAmount" || me.Value != "29.00" {
		t.Errorf("totalSaleAmount off: %v", err)
	}
}

// TestGratuityAsServiceCharge: a service charge that is the gratuity (its
// id, or its name and amount) is refused, not booked as revenue.
func TestGratuityAsServiceCharge(t *testing.T) {
	body := `{"checkID":"g","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z","totalAmount":1150,"totalTaxAmount":95,
		"gratuity":{"id":"g1","name":"Fooi","amount":150},"tipAmount":150,
		"taxes":[{"id":"t9","taxRate":9,"inclusive":true,"totalTaxAmount":95}],
		"items":[{"id":"i1","name":"Pasta","totalAmount":1000,"taxes":[{"id":"t9","taxAmount":83}]}],
		"serviceCharges":[{"id":"g1","name":"Service","amount":150,"taxes":[{"id":"t9","taxAmount":12}]}]}`
	for name, b := range map[string]string{
		"same id":              body,
		"same name and amount": strings.Replace(body, `{"id":"g1","name":"Service"`, `{"id":"s1","name":"fooi"`, 1),
	} {
		if _, err := ParseCheck([]byte(b)); err == nil || !strings.Contains(err.Error(), "is the gratuity") {
			t.Errorf("%s: %v", name, err)
		}
	}
	other := strings.Replace(body, `{"id":"g1","name":"Service","amount":150`, `{"id":"s1","name":"Service","amount":150`, 1)
	if _, err := ParseCheck([]byte(other)); err != nil && strings.Contains(err.Error(), "is the gratuity") {
		t.Errorf("another service charge: %v", err)
	}
}

// TestQuantitySign: a quantity whose sign disagrees with its amount, or
// quantity 0 with an amount, is refused; a returned item (both negative)
// is read.
func TestQuantitySign(t *testing.T) {
	body := func(q string, amt int) string {
		return fmt.Sprintf(`{"checkID":"q","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z","totalAmount":%d,"totalTaxAmount":0,
			"items":[{"id":"i1","name":"Bier","quantity":%s,"totalAmount":%d}]}`, amt, q, amt)
	}
	for _, c := range []struct {
		q    string
		amt  int
		want string // "" accepted
	}{
		{"-2", 800, "disagree in sign"},
		{"2", -800, "disagree in sign"},
		{`"-0,5"`, 800, "disagree in sign"},
		{"0", 800, "quantity 0 with an amount of 8.00"},
		{"-2", -800, ""},
		{"2", 800, ""},
		{"0", 0, ""},
	} {
		_, err := ParseCheck([]byte(body(c.q, c.amt)))
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("quantity %s amount %d: %v, want %q", c.q, c.amt, err, c.want)
		}
	}
}

// TestStatusDisagrees: checkStatus and isClosed that say different things
// are refused naming both.
func TestStatusDisagrees(t *testing.T) {
	base := string(read(t, barTabOpen))
	for _, to := range []string{`"checkStatus":"Closed","isClosed":false`, `"checkStatus":"open","isClosed":true`} {
		_, err := ParseCheck([]byte(strings.Replace(base, `"checkStatus":"Open","isClosed":false`, to, 1)))
		var me *MismatchError
		if !errors.As(err, &me) || me.Field != "checkStatus" || me.Twin != "isClosed" || !strings.Contains(err.Error(), "disagree") {
			t.Errorf("%s: %v", to, err)
		}
	}
}

// TestVoidCheck: a voided check is no sale: status void, not final, not
// forwarded, undoing a sale (Gone); on any route it comes with the closes
// (topic close, which cannot be switched off), so no toggle keeps a voided
// sale booked.
func TestVoidCheck(t *testing.T) {
	body := strings.Replace(string(read(t, fixtureClose)), `\"checkStatus\":\"Closed\",\"isClosed\":true`, `\"checkStatus\":\"Voided\",\"isClosed\":true`, 1)
	o, err := ParseCheck([]byte(body))
	if err != nil || o.Status != StatusVoid {
		t.Fatalf("void: %v %q", err, o.Status)
	}
	d := Descriptor()
	for _, s := range append(append([]order.Status(nil), d.Final...), d.DefaultForward...) {
		if s == StatusVoid {
			t.Errorf("void is final or forwarded: %v %v", d.Final, d.DefaultForward)
		}
	}
	if len(d.Gone) != 1 || d.Gone[0] != StatusVoid {
		t.Errorf("void does not undo a sale: Gone %v", d.Gone)
	}
	for _, route := range []string{TopicOpen, TopicUpdate, TopicClose} {
		res, err := Receiver{}.Receive(request(route, []byte(body), testKey, map[string]bool{TopicClose: true}))
		if err != nil || len(res.Hooks) != 1 || res.Hooks[0].Topic != TopicClose || res.Hooks[0].Unreadable != "" {
			t.Errorf("void on the %s route: %v %+v", route, err, res)
		}
	}
}

// TestOnlineOrderInEnvelope: an online order sent in the envelope shape
// is classified by its content: open, as an online order.
func TestOnlineOrderInEnvelope(t *testing.T) {
	inner := read(t, onlineOpen)
	env, _ := json.Marshal(map[string]any{"node": "A005", "checkID": "olo-env-1", "data": string(inner)})
	p, err := parse(env)
	if err != nil || p.shape != ShapeEnvelope || p.o.Status != StatusOpen {
		t.Fatalf("%v %+v", err, p.shape)
	}
	for _, route := range []string{TopicOpen, TopicUpdate, TopicClose} {
		res, err := Receiver{}.Receive(request(route, env, testKey, allTopics()))
		if err != nil || len(res.Hooks) != 1 || res.Hooks[0].Topic != TopicOpen {
			t.Errorf("on %s: %v %+v", route, err, res)
		}
	}
}

// TestLongIDClipped: a check id of a kilobyte is clipped in error texts,
// as dates and amounts are.
func TestLongIDClipped(t *testing.T) {
	long := strings.Repeat("é", 600)
	for name, body := range map[string]string{
		"mismatch":  `{"checkID":"` + long + `","checkStatus":"Closed","isClosed":false}`,
		"reconcile": `{"checkID":"` + long + `","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z","totalAmount":500,"items":[{"name":"` + long + `","totalAmount":100}]}`,
		"other":     `{"checkID":"` + long + `","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z"}`,
		"item":      `{"checkID":"` + long + `","items":[{"name":"` + long + `"}],"totalAmount":1}`,
	} {
		_, err := ParseCheck([]byte(body))
		if err == nil || len(err.Error()) > 400 || !strings.Contains(err.Error(), "…") || !utf8.ValidString(err.Error()) {
			t.Errorf("%s: %d bytes: %.200v", name, len(fmt.Sprint(err)), err)
		}
	}
}

// TestLineBounded: an item or discount whose own VAT puts its net beyond
// any check, or a tip that puts the total beyond it, is refused, open or
// closed.
func TestLineBounded(t *testing.T) {
	for name, body := range map[string]string{
		"item VAT": `{"checkID":"b","totalAmount":1,"taxes":[{"id":"t","taxRate":9,"inclusive":true}],
			"items":[{"totalAmount":999999999999999,"taxes":[{"id":"t","taxAmount":-2}]}]}`,
		"tip": `{"checkID":"b","totalAmount":-999999999999999,"gratuity":{"amount":999999999999999}}`,
	} {
		_, err := ParseCheck([]byte(body))
		if err == nil || !strings.Contains(err.Error(), "any check") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
