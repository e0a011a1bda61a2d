package pos

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

func mustParse(t *testing.T, body []byte) order.Order {
	t.Helper()
	o, err := ParseCheck(body)
	if err != nil {
		t.Fatalf("ParseCheck: %v", err)
	}
	return o
}

func lineByID(t *testing.T, o order.Order, id string) order.Line {
	t.Helper()
	for _, l := range o.Lines {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("no line %q in %+v", id, o.Lines)
	return order.Line{}
}

// TestSharedFixture: the shared close-check sample (envelope, data a JSON
// string, 9 % food and 21 % beer inclusive, a 1,50 tip) is a closed check
// of 29,50: the tip is left out, the VAT is the check's per rate, and the
// invoice says exactly that.
func TestSharedFixture(t *testing.T) {
	o := mustParse(t, read(t, fixtureClose))
	if o.Source != order.POS || o.ID != fixtureID || o.Number != "3-201" || o.Status != StatusClosed {
		t.Fatalf("identity: %s %q %q %q", o.Source, o.ID, o.Number, o.Status)
	}
	if want := time.Date(2026, 12, 1, 18, 18, 4, 0, time.UTC); !o.Created.Equal(want) || o.Created.Location() != time.UTC {
		t.Errorf("Created %v", o.Created)
	}
	if want := time.Date(2026, 12, 1, 19, 8, 4, 0, time.UTC); !o.Paid.Equal(want) {
		t.Errorf("Paid %v", o.Paid)
	}
	if !o.Modified.IsZero() || o.BusinessDay != "2026-12-01" || o.Currency != "EUR" || !o.PricesIncludeTax {
		t.Errorf("modified %v day %q currency %q incl %v", o.Modified, o.BusinessDay, o.Currency, o.PricesIncludeTax)
	}
	if o.Buyer.Name != "Kassaverkoop" || o.Buyer.IsBusiness() {
		t.Errorf("buyer %+v", o.Buyer)
	}
	if o.Total != 2950 || o.TotalTax != 317 {
		t.Errorf("total %s VAT %s, want 29.50 (31,00 less 1,50 fooi) and 3.17", o.Total, o.TotalTax)
	}
	if len(o.Taxes) != 2 || o.Taxes[0] != (order.RateTax{Rate: 900, Tax: 178}) || o.Taxes[1] != (order.RateTax{Rate: 2100, Tax: 139}) {
		t.Errorf("taxes %+v", o.Taxes)
	}
	if len(o.Lines) != 3 {
		t.Fatalf("%d lines", len(o.Lines))
	}
	// Inclusive: Net is the item's totalAmount less its tax.
	u := lineByID(t, o, "33d4e95ea0958293e3f022fe")
	if u.Kind != order.Product || u.Name != "Uitsmijter" || u.ProductID != "35ebe2e8afa9d63998ef1f01" || u.Quantity != 1 ||
		u.Net != 963 || u.VAT != 87 || u.Rate != 900 {
		t.Errorf("Uitsmijter %+v", u)
	}
	if b := lineByID(t, o, "f7fadfeaf1ed52d9e6d2cfe0"); b.Quantity != 2 || b.Net != 661 || b.VAT != 139 || b.Rate != 2100 {
		t.Errorf("Heineken %+v", b)
	}
	if o.PaymentMethodTitle != "PIN" {
		t.Errorf("payment %q", o.PaymentMethodTitle)
	}
	inv := invoice(t, o)
	st := subtotals(inv)
	if st[900] != [2]order.Money{1972, 178} || st[2100] != [2]order.Money{661, 139} || len(st) != 2 {
		t.Errorf("subtotals %+v", inv.TaxSubtotals)
	}
	if inv.Prepaid != 2950 || inv.Payable != 0 || inv.Buyer.Name != "Kassaverkoop" {
		t.Errorf("prepaid %s payable %s buyer %+v", inv.Prepaid, inv.Payable, inv.Buyer)
	}
}

// TestGroupDinner: a group's check of 1.234,56 (envelope, data a string):
// a voided item is no revenue, the room hire is a fee at its own 21 %, the
// 50,00 group discount becomes negative lines at 9 % and 21 % in
// proportion to the items at each, and the 44,46 tip (gratuity, tipAmount
// and the card payment's tipAmount all say it) is left out once.
func TestGroupDinner(t *testing.T) {
	o := mustParse(t, read(t, dinnerClose))
	if o.Status != StatusClosed || o.Number != "7-114" {
		t.Fatalf("status %q number %q", o.Status, o.Number)
	}
	if o.Total != 119010 || o.TotalTax != 14414 {
		t.Fatalf("total %s VAT %s, want 1190.10 (1.234,56 less 44,46) and 144.14", o.Total, o.TotalTax)
	}
	var products, fees, discounts int
	for _, l := range o.Lines {
		switch {
		case strings.HasPrefix(l.ID, "discount-"):
			discounts++
		case l.Kind == order.Fee:
			fees++
		case l.Kind == order.Product:
			products++
		}
		if l.Name == "Biefstuk" && l.Quantity == 1 {
			t.Errorf("the voided Biefstuk is a line: %+v", l)
		}
	}
	if products != 14 || fees != 1 || discounts != 2 {
		t.Errorf("%d products, %d fees, %d discount lines; want 14 (15 less the void), 1, 2", products, fees, discounts)
	}
	room := lineByID(t, o, "service-"+serviceID(t, o))
	if room.Name != "Zaalhuur" || room.Rate != 2100 || room.Net+room.VAT != 7500 || room.VAT != 1302 {
		t.Errorf("room hire %+v", room)
	}
	// 50,00 over 716,60 at 9 % and 448,50 at 21 %: 30,75 and 19,25.
	var d9, d21 order.Line
	for _, l := range o.Lines {
		if strings.HasPrefix(l.ID, "discount-") {
			switch l.Rate {
			case 900:
				d9 = l
			case 2100:
				d21 = l
			}
		}
	}
	// The items' VAT at 9 %, rounded per item, is 59,15; the tax line,
	// rounded once over 685,85, says 56,63: the discount took 2,52 (not
	// the 2,54 of 30,75 by itself).
	if d9.Net+d9.VAT != -3075 || d21.Net+d21.VAT != -1925 || d9.VAT != -252 {
		t.Errorf("discount lines %+v %+v", d9, d21)
	}
	vat := map[order.Rate]order.Money{}
	for _, l := range o.Lines {
		vat[l.Rate] += l.VAT
	}
	if vat[900] != 5663 || vat[2100] != 8751 {
		t.Errorf("the lines' VAT %v, the tax lines say 56.63 and 87.51", vat)
	}
	if !strings.Contains(d9.Name, "Groepskorting") {
		t.Errorf("discount name %q", d9.Name)
	}
	inv := invoice(t, o)
	st := subtotals(inv)
	if st[900] != [2]order.Money{62922, 5663} || st[2100] != [2]order.Money{41674, 8751} {
		t.Errorf("subtotals %+v, want 9 %%: 629.22 + 56.63, 21 %%: 416.74 + 87.51", inv.TaxSubtotals)
	}
}

func serviceID(t *testing.T, o order.Order) string {
	t.Helper()
	for _, l := range o.Lines {
		if l.Kind == order.Fee {
			return strings.TrimPrefix(l.ID, "service-")
		}
	}
	t.Fatal("no fee line")
	return ""
}

// TestExclusiveLunch: a company lunch entered excluding VAT (Linga's Sync
// sample shape, inclusive false), data an object: Net is the item's
// amount and VAT comes on top; the customer's company makes it a business
// buyer; a voided discount is no revenue; two payments are named.
func TestExclusiveLunch(t *testing.T) {
	o := mustParse(t, read(t, lunchClose))
	if o.Status != StatusClosed || o.PricesIncludeTax {
		t.Fatalf("status %q incl %v", o.Status, o.PricesIncludeTax)
	}
	if o.Buyer.Company != "Bakker Horeca B.V." || o.Buyer.Name != "Piet Bakker" || o.Buyer.Email != "inkoop@bakker.example" || !o.Buyer.IsBusiness() {
		t.Errorf("buyer %+v", o.Buyer)
	}
	if o.Total != 19795 || o.TotalTax != 2570 || len(o.Lines) != 4 {
		t.Fatalf("total %s VAT %s lines %d", o.Total, o.TotalTax, len(o.Lines))
	}
	for _, l := range o.Lines {
		if strings.HasPrefix(l.ID, "discount-") {
			t.Errorf("the voided discount is a line: %+v", l)
		}
	}
	if l := o.Lines[0]; l.Name != "Broodje gezond" || l.Quantity != 5 || l.Net != 3625 || l.VAT != 326 {
		t.Errorf("first line %+v (5 × 7,25 excl., 9 %% on top)", l)
	}
	if o.PaymentMethodTitle != "PIN, Contant" {
		t.Errorf("payments %q", o.PaymentMethodTitle)
	}
	inv := invoice(t, o)
	st := subtotals(inv)
	if st[900] != [2]order.Money{8725, 785} || st[2100] != [2]order.Money{8500, 1785} {
		t.Errorf("subtotals %+v", inv.TaxSubtotals)
	}
	if inv.Buyer.Company != "Bakker Horeca B.V." {
		t.Errorf("invoice buyer %+v", inv.Buyer)
	}
}

// TestOpenBarTab: a bare check (no envelope) that is still open: status
// open, nothing paid; its figures are read all the same.
func TestOpenBarTab(t *testing.T) {
	o := mustParse(t, read(t, barTabOpen))
	if o.Status != StatusOpen || !o.Paid.IsZero() || o.Number != "5-310" || !strings.HasPrefix(o.ID, "5-310-") {
		t.Fatalf("%q %v %q %q", o.Status, o.Paid, o.Number, o.ID)
	}
	if o.Total != 2310 || o.TotalTax != 333 || len(o.Lines) != 2 {
		t.Errorf("total %s VAT %s lines %d", o.Total, o.TotalTax, len(o.Lines))
	}
}

// TestOnlineOrder: the OLO shape (uniqueOrderID, orderNumber,
// orderDetails, inclusiveTaxes): the id is uniqueOrderID, the number the
// order number; its time has no zone and is Amsterdam's; the delivery
// charge is shipping spread over 9 % and 21 %, the WELKOM5 code a
// discount, the driver's tip left out. Closed, it books to the cent.
func TestOnlineOrder(t *testing.T) {
	o := mustParse(t, read(t, onlineOpen))
	if o.Status != StatusOpen || o.Number != "1042" || !strings.HasPrefix(o.ID, "olo-") {
		t.Fatalf("%q %q %q", o.Status, o.Number, o.ID)
	}
	if want := time.Date(2026, 12, 1, 17, 42, 10, 0, time.UTC); !o.Created.Equal(want) || o.CreatedLocal != "2026-12-01T18:42:10" {
		t.Errorf("created %v local %q", o.Created, o.CreatedLocal)
	}
	if o.Total != 4940 || o.TotalTax != 577 {
		t.Errorf("total %s VAT %s, want 49.40 (51,40 less the 2,00 driver tip), 5.77", o.Total, o.TotalTax)
	}
	var ship order.Money
	for _, l := range o.Lines {
		if l.Kind == order.Shipping {
			ship += l.Net + l.VAT
		}
	}
	if ship != 395 {
		t.Errorf("delivery lines add up to %s", ship)
	}

	c := mustParse(t, read(t, onlineClosed))
	if c.Status != StatusClosed || c.ID != o.ID || c.Paid.IsZero() || c.BusinessDay != "2026-12-01" {
		t.Fatalf("closed: %q %q %v %q", c.Status, c.ID, c.Paid, c.BusinessDay)
	}
	inv := invoice(t, c)
	st := subtotals(inv)
	if st[900] != [2]order.Money{2830, 255} || st[2100] != [2]order.Money{1533, 322} {
		t.Errorf("subtotals %+v", inv.TaxSubtotals)
	}
}

// TestTwinsDisagree: a check whose *Str or actual* twin says another
// figure than its integer field is refused with both figures; a cent per
// tax line is rounding and accepted.
func TestTwinsDisagree(t *testing.T) {
	base := string(read(t, fixtureClose))
	for _, c := range []struct {
		name, from, to string
		field, twin    string // "" accepted
	}{
		{"total 50 cents off", `\"totalAmountStr\":\"31,00\"`, `\"totalAmountStr\":\"31,50\"`, "totalAmount", "totalAmountStr"},
		{"VAT text a cent off", `\"inclusiveTaxAmountStr\":\"3,17\"`, `\"inclusiveTaxAmountStr\":\"3,18\"`, "inclusiveTaxAmount", "inclusiveTaxAmountStr"},
		{"total text a cent off", `\"totalAmountStr\":\"31,00\"`, `\"totalAmountStr\":\"31,01\"`, "totalAmount", "totalAmountStr"},
		{"item text a cent off", `\"totalAmountStr\":\"10,50\"`, `\"totalAmountStr\":\"10,51\"`, "items[0].totalAmount", "items[0].totalAmountStr"},
		{"actual tax a cent off per tax line", `\"actualTax\":3163`, `\"actualTax\":3180`, "", ""},
		{"tax line actual within a cent", `\"actualTaxAmount\":1775`, `\"actualTaxAmount\":1784`, "", ""},
		{"VAT 3 cents off on 2 tax lines", `\"inclusiveTaxAmountStr\":\"3,17\"`, `\"inclusiveTaxAmountStr\":\"3,20\"`, "inclusiveTaxAmount", "inclusiveTaxAmountStr"},
		{"actual tax off", `\"actualTax\":3163`, `\"actualTax\":3263`, "totalTaxAmount", "actualTax"},
		{"tax line actual off", `\"actualTaxAmount\":1775`, `\"actualTaxAmount\":1875`, "taxes[0].totalTaxAmount", "taxes[0].actualTaxAmount"},
		{"rate text off", `\"taxRateStr\":\"9.000\"`, `\"taxRateStr\":\"6.000\"`, "taxes[0].taxRate", "taxes[0].taxRateStr"},
		{"item text off", `\"totalAmountStr\":\"10,50\"`, `\"totalAmountStr\":\"11,50\"`, "items[0].totalAmount", "items[0].totalAmountStr"},
		{"tip text off", `\"tipAmountStr\":\"1,50\",\"taxes\"`, `\"tipAmountStr\":\"2,50\",\"taxes\"`, "tipAmount", "tipAmountStr"},
	} {
		body := strings.Replace(base, c.from, c.to, 1)
		if body == base {
			t.Fatalf("%s: %s not in the fixture", c.name, c.from)
		}
		_, err := ParseCheck([]byte(body))
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: refused: %v", c.name, err)
			}
			continue
		}
		var me *MismatchError
		if !errors.As(err, &me) {
			t.Errorf("%s: %v, want a *MismatchError", c.name, err)
			continue
		}
		if me.Field != c.field || me.Twin != c.twin || me.Check != fixtureID {
			t.Errorf("%s: fields %q %q check %q", c.name, me.Field, me.Twin, me.Check)
		}
	}
	_, err := ParseCheck([]byte(strings.Replace(base, `\"totalAmountStr\":\"31,00\"`, `\"totalAmountStr\":\"31,50\"`, 1)))
	if want := `check ` + fixtureID + `: totalAmount 3100 (31.00) and totalAmountStr "31,50" (31.50) disagree by 0.500`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %v\nwant it to start %s", err, want)
	}
}

// TestTaxLinesDoNotAddUp: tax lines that add up to other VAT than the
// check's (all its own twins agreeing) are refused with both figures.
func TestTaxLinesDoNotAddUp(t *testing.T) {
	r := strings.NewReplacer(`\"totalTaxAmount\":317`, `\"totalTaxAmount\":330`, `\"actualTax\":3163`, `\"actualTax\":3300`,
		`\"inclusiveTaxAmount\":317,\"inclusiveTaxAmountStr\":\"3,17\"`, `\"inclusiveTaxAmount\":330,\"inclusiveTaxAmountStr\":\"3,30\"`)
	_, err := ParseCheck([]byte(r.Replace(string(read(t, fixtureClose)))))
	var me *MismatchError
	if !errors.As(err, &me) || me.Field != "totalTaxAmount" || me.Twin != "taxes[]" || me.Value != "3.30" || me.TwinValue != "3.17" {
		t.Fatalf("%v, want totalTaxAmount 3.30 against taxes[] 3.17", err)
	}
}

// TestLinesDoNotAddUp: a closed check whose items add up to more than its
// total (a shape misread, e.g. a modifier priced apart) is refused with the
// figures, not booked with a gap.
func TestLinesDoNotAddUp(t *testing.T) {
	base := string(read(t, fixtureClose))
	body := strings.Replace(base, `\"totalAmount\":1050,\"totalAmountStr\":\"10,50\"`, `\"totalAmount\":1150,\"totalAmountStr\":\"11,50\"`, 1)
	if body == base {
		t.Fatal("item not in the fixture")
	}
	_, err := ParseCheck([]byte(body))
	var re *ReconcileError
	if !errors.As(err, &re) || re.What != "total" || re.Lines != 3050 || re.Want != 2950 {
		t.Fatalf("%v, want a *ReconcileError 30.50 against 29.50", err)
	}
	if !strings.Contains(err.Error(), "less the tip 1.50") {
		t.Errorf("message %q does not say where 29.50 comes from", err)
	}
	// Open, the same check is only parked: it is read.
	open := strings.Replace(strings.Replace(body, `\"checkStatus\":\"Closed\"`, `\"checkStatus\":\"Open\"`, 1), `\"isClosed\":true`, `\"isClosed\":false`, 1)
	if o, err := ParseCheck([]byte(open)); err != nil || o.Status != StatusOpen {
		t.Errorf("open: %v %q", err, o.Status)
	}
}

// TestClosedBy: closed is checkStatus "Closed" in any case, or isClosed
// true (also as text); void is checkStatus "Void", "Voided" or "Deleted"
// in any case; anything else is open.
func TestClosedBy(t *testing.T) {
	base := string(read(t, barTabOpen))
	const both = `"checkStatus":"Open","isClosed":false`
	for _, c := range []struct {
		from, to string
		want     order.Status
	}{
		{both, `"checkStatus":"CLOSED"`, StatusClosed},
		{both, `"checkStatus":"closed"`, StatusClosed},
		{both, `"checkStatus":"Closed","isClosed":true`, StatusClosed},
		{both, `"isClosed":true`, StatusClosed},
		{both, `"isClosed":"true"`, StatusClosed},
		{`"checkStatus":"Open"`, `"checkStatus":"Printed"`, StatusOpen},
		{`"isClosed":false`, `"isClosed":null`, StatusOpen},
		{both, `"checkStatus":"Void","isClosed":true`, StatusVoid},
		{both, `"checkStatus":"VOIDED"`, StatusVoid},
		{`"checkStatus":"Open"`, `"checkStatus":"deleted"`, StatusVoid},
	} {
		body := strings.Replace(base, c.from, c.to, 1)
		if body == base {
			t.Fatalf("%s not in the check", c.from)
		}
		o, err := ParseCheck([]byte(body))
		if err != nil || o.Status != c.want {
			t.Errorf("%s: %v %q, want %q", c.to, err, o.Status, c.want)
		}
		if c.want == StatusClosed && !o.Paid.Equal(o.Created) {
			t.Errorf("%s: a closed check without dateClosed is paid %v, created %v", c.to, o.Paid, o.Created)
		}
	}
}

// TestNotACheck: bodies that are no check in any shape say what was
// expected.
func TestNotACheck(t *testing.T) {
	for _, body := range []string{``, `   `, `[]`, `[{"checkID":"1"}]`, `"hello"`, `null`, `42`, `{`, `not json`,
		`{"foo":1}`, `{"id":"5e41596c9463670001a89bca"}`, `{"node":"A005","data":{}}`, `{"checkID":"1","data":"[1,2]"}`,
		`{"checkID":"1","data":"{broken"}`, `{"checkID":"1","data":""}`} {
		_, err := ParseCheck([]byte(body))
		if !errors.Is(err, ErrNotACheck) {
			t.Errorf("%q: %v, want ErrNotACheck", body, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "expected a Linga check: an object with checkID and data, or an online order with uniqueOrderID; got ") {
			t.Errorf("%q: message %q", body, err)
		}
	}
	// A check of a shape it cannot read names the field.
	_, err := ParseCheck([]byte(`{"checkID":"9","items":"none","totalAmount":0}`))
	if err == nil || errors.Is(err, ErrNotACheck) || !strings.Contains(err.Error(), "items is a JSON string, not the list expected") {
		t.Errorf("items as a string: %v", err)
	}
	_, err = ParseCheck([]byte(`{"checkID":"9","checkStatus":"Closed","dateClosed":"2026-12-01T19:00:00Z","items":[{"name":"Bier","totalAmount":11.5}],"totalAmount":1150}`))
	if err == nil || !strings.Contains(err.Error(), "items[0].totalAmount is 11.5, not a whole number of cents") {
		t.Errorf("a fractional cent: %v", err)
	}
}

// TestTipNotInTotal: where the lines add up to totalAmount itself, the
// tip was given on top of it and nothing is taken off.
func TestTipNotInTotal(t *testing.T) {
	body := `{"checkID":"c1","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z","totalAmount":1090,"totalTaxAmount":90,
		"taxes":[{"id":"t9","taxRate":9,"inclusive":true,"totalTaxAmount":90}],
		"items":[{"id":"i1","name":"Pasta","totalAmount":1090,"taxes":[{"id":"t9","taxAmount":90}]}],
		"payments":[{"name":"PIN","amount":1290,"tipAmount":200}]}`
	o := mustParse(t, []byte(body))
	if o.Total != 1090 || o.TotalTax != 90 || o.Lines[0].Rate != 900 || o.Lines[0].Net != 1000 {
		t.Fatalf("total %s VAT %s line %+v", o.Total, o.TotalTax, o.Lines[0])
	}
	invoice(t, o)
}

// TestItemTaxFromCheck: an item whose tax entry names only the id gets
// rate and inclusiveness from the check's tax line; an item without taxes
// on a check of one rate gets that rate; on a check of two it is refused.
func TestItemTaxFromCheck(t *testing.T) {
	one := `{"checkID":"c2","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z","totalAmount":2180,"totalTaxAmount":180,
		"taxes":[{"id":"t9","taxRate":9,"inclusive":true,"totalTaxAmount":180}],
		"items":[{"id":"a","name":"Soep","totalAmount":1090,"taxes":[{"id":"t9"}]},{"id":"b","name":"Salade","totalAmount":1090}]}`
	o := mustParse(t, []byte(one))
	for _, l := range o.Lines {
		if l.Rate != 900 || l.VAT != 90 || l.Net != 1000 {
			t.Errorf("line %+v", l)
		}
	}
	invoice(t, o)
	two := strings.Replace(one, `"taxes":[{"id":"t9","taxRate":9,`, `"taxes":[{"id":"t21","taxRate":21,"inclusive":true,"totalTaxAmount":0},{"id":"t9","taxRate":9,`, 1)
	if _, err := ParseCheck([]byte(two)); err == nil || !strings.Contains(err.Error(), "items[1] (Salade) names no tax, and the check has taxes at 21%, 9%") {
		t.Errorf("two rates: %v", err)
	}
}

// TestClientParseWebhook: the engine's view: every delivery carries the
// whole check.
func TestClientParseWebhook(t *testing.T) {
	c := &Client{}
	o, ok, err := c.ParseWebhook(TopicClose, read(t, fixtureClose))
	if err != nil || !ok || o.ID != fixtureID || o.Total != 2950 {
		t.Fatalf("%v %v %+v", err, ok, o)
	}
	if _, ok, err := c.ParseWebhook(TopicOpen, []byte(`{"hello":"world"}`)); err == nil || ok || !errors.Is(err, ErrNotACheck) {
		t.Errorf("not a check: %v %v", ok, err)
	}
}

// TestExclusiveDiscount: a discount on a check entered excluding VAT is
// spread excluding VAT (the items' terms), its VAT off on top; a discount
// whose taxes[] name a rate stays at that rate; a weighed item keeps its
// quantity in the name.
func TestExclusiveDiscount(t *testing.T) {
	body := `{"checkID":"c3","checkNumber":"3","checkStatus":"Closed","dateClosed":"2026-12-01T22:00:00Z","totalAmount":3159,"totalTaxAmount":459,
		"taxes":[{"id":"t9","taxRate":9,"inclusive":false,"totalTaxAmount":81},{"id":"t21","taxRate":21,"inclusive":false,"totalTaxAmount":378}],
		"items":[{"id":"a","name":"Kaas (kg)","quantity":0.5,"price":2000,"totalAmount":1000,"taxes":[{"id":"t9","taxAmount":90}]},
			{"id":"b","name":"Wijn","quantity":2,"totalAmount":2000,"taxes":[{"id":"t21","taxAmount":420}]}],
		"discounts":[{"id":"d","name":"Vaste klant","amount":300}]}`
	o := mustParse(t, []byte(body))
	if l := lineByID(t, o, "a"); l.Quantity != 1 || l.Name != "0.5 × Kaas (kg)" || l.Net != 1000 || l.VAT != 90 {
		t.Errorf("weighed item %+v", l)
	}
	if d := lineByID(t, o, "discount-d-9"); d.Net != -100 || d.VAT != -9 || d.Rate != 900 {
		t.Errorf("discount at 9 %% %+v", d)
	}
	if d := lineByID(t, o, "discount-d-21"); d.Net != -200 || d.VAT != -42 || d.Rate != 2100 {
		t.Errorf("discount at 21 %% %+v", d)
	}
	st := subtotals(invoice(t, o))
	if st[900] != [2]order.Money{900, 81} || st[2100] != [2]order.Money{1800, 378} {
		t.Errorf("subtotals %v", st)
	}

	own := strings.Replace(body, `"amount":300}`, `"amount":300,"taxes":[{"id":"t21","taxRate":21,"taxAmount":63}]}`, 1)
	own = strings.NewReplacer(`"totalTaxAmount":81}`, `"totalTaxAmount":90}`, `"totalTaxAmount":378}`, `"totalTaxAmount":357}`,
		`"totalAmount":3159,"totalTaxAmount":459`, `"totalAmount":3147,"totalTaxAmount":447`).Replace(own)
	o = mustParse(t, []byte(own))
	if d := lineByID(t, o, "discount-d"); d.Net != -300 || d.VAT != -63 || d.Rate != 2100 {
		t.Errorf("discount at its own rate %+v", d)
	}
	st = subtotals(invoice(t, o))
	if st[900] != [2]order.Money{1000, 90} || st[2100] != [2]order.Money{1700, 357} {
		t.Errorf("subtotals %v", st)
	}
}
