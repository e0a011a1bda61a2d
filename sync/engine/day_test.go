package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl"
	"github.com/orderbrug/orderbrug/sync/ledger/ubl/ubltest"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// tillSource is a push-only kind for the engine's tests: its deliveries
// carry the order as JSON, it cannot be polled or asked for an order.
type tillSource struct{}

func (tillSource) Kind() order.Source { return "till" }

func (tillSource) ParseWebhook(topic string, body []byte) (order.Order, bool, error) {
	var o order.Order
	err := json.Unmarshal(body, &o)
	return o, err == nil, err
}

func tillKind() source.Descriptor {
	return source.Descriptor{Kind: "till", Name: "Till",
		Options: []source.Option{
			{Key: source.OptionBooking, Kind: source.OptionChoice, Default: source.BookingDaily,
				Choices: []string{source.BookingDaily, source.BookingPerCheck}},
			{Key: source.OptionCutoff, Kind: source.OptionClock, Default: "04:00"},
		},
		DefaultForward: []order.Status{"closed"},
		Final:          []order.Status{"closed"},
		New:            func(source.Config) (source.Source, error) { return tillSource{}, nil }}
}

type tillRig struct {
	st  *store.Store
	e   *engine.Engine
	sh  store.Shop
	dir string
	now time.Time
}

var ams, _ = time.LoadLocation("Europe/Amsterdam")

func newTillRig(t *testing.T, options map[string]string) *tillRig { return newTillRigTB(t, options) }

func newTillRigTB(t testing.TB, options map[string]string) *tillRig {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &tillRig{st: st, dir: t.TempDir(), now: time.Date(2026, 12, 1, 11, 0, 0, 0, ams)}
	st.Now = func() time.Time { return r.now }
	sh, err := st.AddShop(ctx, store.Shop{Name: "Eetcafé", Source: "till", Forward: []order.Status{"closed"},
		StartAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Options: options})
	if err != nil {
		t.Fatal(err)
	}
	r.sh = sh
	r.e = &engine.Engine{Store: st, Kinds: source.NewRegistry(tillKind()),
		Source: func(store.Shop) (source.Source, error) { return tillSource{}, nil },
		Ledger: func(context.Context) (ledger.Ledger, error) { return ubl.New(r.dir), nil },
		Seller: func(context.Context) (order.Seller, error) { return testSeller(), nil },
		Now:    func() time.Time { return r.now }}
	return r
}

// check is a closed check of two items: food at 9 % and drinks at 21 %,
// prices incl. VAT, closed at the given local time.
func check(id string, closed time.Time, food, drinks order.Money) order.Order {
	o := order.Order{Source: "till", ID: id, Number: id, Status: "closed", Currency: "EUR", PricesIncludeTax: true,
		Created: closed.Add(-time.Hour).UTC(), Paid: closed.UTC(), Buyer: order.Party{Name: "Kassaverkoop"}}
	add := func(name string, gross order.Money, rate order.Rate) {
		if gross == 0 {
			return
		}
		vat := gross - gross*10000/(10000+order.Money(rate))
		o.Lines = append(o.Lines, order.Line{Kind: order.Product, ID: name, Name: name, Quantity: 1, Net: gross - vat, VAT: vat, Rate: rate})
		o.Total += gross
		o.TotalTax += vat
		o.Taxes = append(o.Taxes, order.RateTax{Rate: rate, Tax: vat})
	}
	add("eten", food, 900)
	add("drinken", drinks, 2100)
	return o
}

// deliver stores o as a delivery received now and processes the inbox.
func (r *tillRig) deliver(t *testing.T, o order.Order, extra string) string {
	t.Helper()
	ctx := context.Background()
	body, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if extra != "" { // other bytes, same check: a field the parser does not read
		body = append(body[:len(body)-1], []byte(`,"x":"`+extra+`"}`)...)
	}
	id, err := r.st.AddDelivery(ctx, store.Delivery{Source: "till", Shop: r.sh.Slug, Topic: "close", OrderID: o.ID,
		Body: body, ReceivedAt: r.now, Status: 200, Dedupe: store.DedupeKey(body)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := r.st.Delivery(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	r.now = r.now.Add(time.Second)
	return d.Result
}

func (r *tillRig) rec(t *testing.T, id string) store.Record {
	t.Helper()
	rec, err := r.st.Record(context.Background(), r.sh.ID, id)
	if err != nil {
		t.Fatalf("order %s: %v", id, err)
	}
	return rec
}

func (r *tillRig) closeAndBook(t *testing.T) int {
	t.Helper()
	n, err := r.e.CloseDays(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.BookDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	return n
}

func invoiceOf(t *testing.T, rec store.Record) order.Invoice {
	t.Helper()
	inv, ok, err := rec.Invoice()
	if err != nil || !ok {
		t.Fatalf("%s: no booked invoice (%v), state %s %s %s", rec.ExtID, err, rec.State, rec.Reason, rec.Detail)
	}
	return inv
}

func events(t *testing.T, st *store.Store, code string) []store.Event {
	t.Helper()
	evs, err := st.Events(context.Background(), store.EventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Event
	for _, e := range evs {
		if e.Code == code {
			out = append(out, e)
		}
	}
	return out
}

// TestDaySummary: the closed checks of a business day are counted in one
// summary, parked while the day collects; a check closed at 01:30 belongs
// to the day before; an open check is parked on its own; at the cut-off
// (04:00 local) the summary is closed and booked, one line per VAT rate
// with the number of checks, and the file is valid.
func TestDaySummary(t *testing.T) {
	r := newTillRig(t, nil)
	r.now = time.Date(2026, 12, 1, 13, 0, 0, 0, ams)
	r.deliver(t, check("1-101", time.Date(2026, 12, 1, 12, 58, 0, 0, ams), 2150, 800), "")
	r.deliver(t, check("1-102", time.Date(2026, 12, 1, 13, 0, 0, 0, ams), 1050, 0), "")
	r.now = time.Date(2026, 12, 2, 1, 31, 0, 0, ams)
	late := check("1-103", time.Date(2026, 12, 2, 1, 30, 0, 0, ams), 0, 1240)
	r.deliver(t, late, "")
	open := check("1-104", time.Date(2026, 12, 2, 1, 30, 0, 0, ams), 900, 0)
	open.Status, open.Paid = "open", time.Time{}
	r.deliver(t, open, "")

	day := r.rec(t, "day/2026-12-01")
	if day.State != store.Parked || day.Reason != engine.ReasonDayCollecting {
		t.Fatalf("day: %s %s", day.State, day.Reason)
	}
	var arg map[string]string
	if err := json.Unmarshal([]byte(day.ReasonArg), &arg); err != nil || arg["checks"] != "3" || arg["day"] != "2026-12-01" ||
		arg["closes"] != "2026-12-02T04:00:00+01:00" {
		t.Fatalf("day arg %q (%v)", day.ReasonArg, err)
	}
	if want := order.Money(2150 + 800 + 1050 + 1240); day.Total != want {
		t.Fatalf("day total %s, want %s", day.Total, want)
	}
	if c := r.rec(t, "1-103"); c.State != store.Ignored || c.Reason != engine.ReasonInDaySummary || c.ReasonArg != "2026-12-01" {
		t.Fatalf("late check: %s %s %q", c.State, c.Reason, c.ReasonArg)
	}
	if c := r.rec(t, "1-104"); c.State != store.Parked || c.Reason != engine.ReasonNotForwarded {
		t.Fatalf("open check: %s %s", c.State, c.Reason)
	}

	r.now = time.Date(2026, 12, 2, 3, 59, 59, 0, ams)
	if n := r.closeAndBook(t); n != 0 {
		t.Fatalf("closed %d days before the cut-off", n)
	}
	r.now = time.Date(2026, 12, 2, 4, 0, 0, 0, ams)
	if n := r.closeAndBook(t); n != 1 {
		t.Fatalf("closed %d days at the cut-off, want 1", n)
	}
	day = r.rec(t, "day/2026-12-01")
	inv := invoiceOf(t, day)
	if day.State != store.Booked || inv.Total != 5240 || inv.IssueDate.Format(time.DateOnly) != "2026-12-01" ||
		inv.Note != "Aantal bonnen: 3" || len(inv.Lines) != 2 || inv.Buyer.Name != "Kassaverkopen" {
		t.Fatalf("day invoice: state %s total %s date %s note %q lines %+v", day.State, inv.Total, inv.IssueDate, inv.Note, inv.Lines)
	}
	food, drinks := check("", time.Now(), 2150+1050, 0), check("", time.Now(), 0, 800+1240)
	for _, want := range []struct {
		rate     order.Rate
		net, vat order.Money
	}{{2100, drinks.Lines[0].Net, drinks.Lines[0].VAT}, {900, food.Lines[0].Net, food.Lines[0].VAT}} {
		var got *order.TaxSubtotal
		for i := range inv.TaxSubtotals {
			if inv.TaxSubtotals[i].Rate == want.rate {
				got = &inv.TaxSubtotals[i]
			}
		}
		// Each check's VAT is its own, rounded per check: the summary adds
		// them, a cent off VAT on the sum at most here.
		if got == nil || abs(got.Taxable+got.Tax-(want.net+want.vat)) != 0 || abs(got.Tax-want.vat) > 1 {
			t.Fatalf("rate %s: %+v, want net %s vat %s", want.rate.Percent(), got, want.net, want.vat)
		}
	}
	if n := len(events(t, r.st, "day_closed")); n != 1 {
		t.Fatalf("%d day_closed events", n)
	}
	ubltest.Validate(t, ubltest.XMLFiles(t, r.dir)...)
}

func abs(m order.Money) order.Money {
	if m < 0 {
		return -m
	}
	return m
}

// TestCheckClosedAgain: the same close again books nothing more; an update
// after the close is recorded, not applied; closed again with other totals
// while the day collects, the day's summary has the new totals; after the
// day was booked, the difference is a correction on the next day's summary
// and the booked one stays as it was.
func TestCheckClosedAgain(t *testing.T) {
	r := newTillRig(t, nil)
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	c := check("3-201", at, 2950, 0)
	r.deliver(t, c, "")
	r.deliver(t, check("3-202", at, 1000, 500), "")
	if got := r.deliver(t, c, "again"); got == "" {
		t.Fatal("the second close was not processed")
	}
	if n := len(events(t, r.st, "check_repeat")); n != 1 {
		t.Fatalf("%d check_repeat events, want 1", n)
	}
	if day := r.rec(t, "day/2026-12-01"); day.Total != 4450 {
		t.Fatalf("day total %s after a repeated close", day.Total)
	}
	upd := c
	upd.Status, upd.Paid = "open", time.Time{}
	upd.Lines = append(upd.Lines, order.Line{ID: "x", Name: "koffie", Net: 275, VAT: 25, Rate: 900})
	if got := r.deliver(t, upd, ""); got != "after close" {
		t.Fatalf("update after close: %q", got)
	}
	if rec := r.rec(t, "3-201"); rec.Status != "closed" || rec.Total != 2950 {
		t.Fatalf("update after close applied: %s %s", rec.Status, rec.Total)
	}
	if n := len(events(t, r.st, "check_after_close")); n != 1 {
		t.Fatalf("%d check_after_close events", n)
	}

	// Reopened and closed again the same evening: the day has the new totals.
	r.deliver(t, check("3-201", at.Add(time.Hour), 3250, 0), "")
	day := r.rec(t, "day/2026-12-01")
	if day.Total != 4750 {
		t.Fatalf("day total %s, want 47.50", day.Total)
	}
	o, _ := day.Order()
	if len(o.Lines) != 2 || strings.Contains(o.Lines[0].Name+o.Lines[1].Name, "Correctie") || o.Note != "Aantal bonnen: 2" {
		t.Fatalf("day lines %+v note %q", o.Lines, o.Note)
	}

	r.now = time.Date(2026, 12, 2, 4, 1, 0, 0, ams)
	r.closeAndBook(t)
	booked := invoiceOf(t, r.rec(t, "day/2026-12-01"))
	if booked.Total != 4750 {
		t.Fatalf("booked %s", booked.Total)
	}

	// Reopened the next day and closed for less: a correction on the 2nd.
	r.now = time.Date(2026, 12, 2, 12, 0, 0, 0, ams)
	again := check("3-201", r.now, 2950, 0) // closed now, its business day the 1st
	again.BusinessDay = "2026-12-01"
	r.deliver(t, again, "reclosed")
	if got := invoiceOf(t, r.rec(t, "day/2026-12-01")); got.Total != 4750 {
		t.Fatalf("booked summary changed: %s", got.Total)
	}
	next := r.rec(t, "day/2026-12-02")
	o, _ = next.Order()
	if next.Total != -300 || len(o.Lines) != 1 || !strings.Contains(o.Lines[0].Name, "Correctie kassabonnen van 2026-12-01") {
		t.Fatalf("next day: total %s lines %+v", next.Total, o.Lines)
	}
	// A till that sends the older close again is not obeyed.
	if got := r.deliver(t, check("3-201", at.Add(time.Hour), 3250, 0), "retried"); got != "older close" {
		t.Fatalf("an older close again: %q", got)
	}
	corr := events(t, r.st, "check_correction")
	if len(corr) == 0 || corr[0].Args["into"] != "2026-12-02" || corr[0].Args["day"] != "2026-12-01" || corr[0].Args["amount"] != "-3.00" {
		t.Fatalf("correction events %+v", corr)
	}
	// A sale on the 2nd as well; the summary is the sale less the correction.
	r.deliver(t, check("4-001", r.now, 1090, 1210), "")
	r.now = time.Date(2026, 12, 3, 4, 0, 0, 0, ams)
	r.closeAndBook(t)
	inv := invoiceOf(t, r.rec(t, "day/2026-12-02"))
	if inv.Total != 1090+1210-300 || inv.Note != "Aantal bonnen: 1; correcties van eerdere dagen: 1" {
		t.Fatalf("day 2: total %s note %q lines %+v", inv.Total, inv.Note, inv.Lines)
	}
	ubltest.Validate(t, ubltest.XMLFiles(t, r.dir)...)
	files := ubltest.XMLFiles(t, r.dir)
	if len(files) != 2 {
		t.Fatalf("%d files, want 2 summaries", len(files))
	}
	b, _ := os.ReadFile(files[len(files)-1])
	if !strings.Contains(string(b), "Correctie kassabonnen van 2026-12-01") {
		t.Fatal("the correction line is not in the file")
	}
}

// TestPerCheckBooking: booking per check books every closed check as its
// own invoice, dated on its day; an open one is parked.
func TestPerCheckBooking(t *testing.T) {
	r := newTillRig(t, map[string]string{source.OptionBooking: source.BookingPerCheck})
	at := time.Date(2026, 12, 1, 20, 0, 0, 0, ams)
	r.now = at
	r.deliver(t, check("5-001", at, 1050, 400), "")
	open := check("5-002", at, 800, 0)
	open.Status, open.Paid = "open", time.Time{}
	r.deliver(t, open, "")
	if _, err := r.e.BookDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	inv := invoiceOf(t, r.rec(t, "5-001"))
	if inv.Total != 1450 || inv.ID != "5-001" {
		t.Fatalf("invoice %s %s", inv.ID, inv.Total)
	}
	if c := r.rec(t, "5-002"); c.State != store.Parked {
		t.Fatalf("open check %s", c.State)
	}
	if _, err := r.st.Record(context.Background(), r.sh.ID, "day/2026-12-01"); err == nil {
		t.Fatal("a day summary was made per check")
	}
	ubltest.Validate(t, ubltest.XMLFiles(t, r.dir)...)
}

// TestUncountedCheckIsCountedLater: a closed check recorded but not yet
// counted (the process died between the two) is counted at the next
// CloseDays, once.
func TestUncountedCheckIsCountedLater(t *testing.T) {
	r := newTillRig(t, nil)
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	c := check("7-001", at, 2000, 0)
	c.Modified = at.UTC()
	if _, err := r.st.Apply(context.Background(), []store.Observation{{ShopID: r.sh.ID, Order: c}}, r.e.Decide(r.sh)); err != nil {
		t.Fatal(err)
	}
	if rec := r.rec(t, "7-001"); rec.Reason != engine.ReasonInDaySummary || rec.ReasonArg != "" {
		t.Fatalf("recorded check: %s %q", rec.Reason, rec.ReasonArg)
	}
	for range 2 {
		if _, err := r.e.CloseDays(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if day := r.rec(t, "day/2026-12-01"); day.Total != 2000 {
		t.Fatalf("day total %s", day.Total)
	}
	parts, err := r.st.DayParts(context.Background(), r.sh.ID, "2026-12-01")
	if err != nil || len(parts) != 1 {
		t.Fatalf("parts %+v %v", parts, err)
	}
}

// TestBusinessDay: the till's business day wins; else the close time on
// the Amsterdam wall clock with the day ending at the cut-off, also on the
// night the clocks change.
func TestBusinessDay(t *testing.T) {
	cut := 4 * time.Hour
	for _, tt := range []struct {
		o    order.Order
		want string
	}{
		{order.Order{BusinessDay: "2026-12-01", Paid: time.Date(2026, 12, 2, 6, 0, 0, 0, ams)}, "2026-12-01"},
		{order.Order{Paid: time.Date(2026, 12, 2, 3, 59, 0, 0, ams)}, "2026-12-01"},
		{order.Order{Paid: time.Date(2026, 12, 2, 4, 0, 0, 0, ams)}, "2026-12-02"},
		{order.Order{Paid: time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)}, "2026-12-01"}, // 00:30 local
		{order.Order{Paid: time.Date(2026, 3, 29, 3, 30, 0, 0, ams)}, "2026-03-28"},       // summer time began at 02:00
		{order.Order{Paid: time.Date(2026, 10, 25, 3, 30, 0, 0, ams)}, "2026-10-24"},      // winter time
		{order.Order{Created: time.Date(2026, 12, 1, 12, 0, 0, 0, ams)}, "2026-12-01"},    // open: by its creation
	} {
		if got := engine.BusinessDay(tt.o, cut); got != tt.want {
			t.Errorf("BusinessDay(%+v) = %s, want %s", tt.o, got, tt.want)
		}
	}
	end, err := engine.DayEnd("2026-03-28", cut)
	if err != nil || !end.Equal(time.Date(2026, 3, 29, 4, 0, 0, 0, ams)) {
		t.Fatalf("DayEnd %s %v", end, err)
	}
}

// BenchmarkCountChecks measures Orderbrug's engine on a busy till day:
// closed checks taken from the inbox, applied, counted in the day summary
// and the summary made again, one check per op, into a real SQLite file;
// the day grows to b.N checks (2 VAT rates each).
func BenchmarkCountChecks(b *testing.B) {
	r := newTillRigTB(b, nil)
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, ams)
	r.now = at
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		c := check(fmt.Sprintf("B-%06d", i), at, 1050+order.Money(i%7)*100, 400)
		body, _ := json.Marshal(c)
		if _, err := r.st.AddDelivery(ctx, store.Delivery{Source: "till", Shop: r.sh.Slug, Topic: "close", OrderID: c.ID,
			Body: body, ReceivedAt: r.now, Status: 200, Dedupe: store.DedupeKey(body)}); err != nil {
			b.Fatal(err)
		}
		if _, err := r.e.ProcessInbox(ctx); err != nil {
			b.Fatal(err)
		}
		r.now = r.now.Add(time.Millisecond)
	}
	b.StopTimer()
	day, err := r.st.Record(ctx, r.sh.ID, "day/2026-12-01")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
	if b.N > 1 && day.Total == 0 {
		b.Fatal("nothing counted")
	}
}

// TestDayOfOnlyACorrectionDown: the day after a booked day has no sales,
// only a check of the day before closed again for less: its summary is
// negative and is booked as a credit note referring to the day it
// corrects, valid UBL.
func TestDayOfOnlyACorrectionDown(t *testing.T) {
	r := newTillRig(t, nil)
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	r.deliver(t, check("A-1", at, 2950, 0), "")
	r.now = time.Date(2026, 12, 2, 4, 1, 0, 0, ams)
	r.closeAndBook(t)
	first := invoiceOf(t, r.rec(t, "day/2026-12-01"))
	r.now = time.Date(2026, 12, 2, 12, 0, 0, 0, ams)
	r.deliver(t, check("A-1", at, 950, 0), "reclosed")
	r.now = time.Date(2026, 12, 3, 4, 1, 0, 0, ams)
	r.closeAndBook(t)
	rec := r.rec(t, "day/2026-12-02")
	cn := invoiceOf(t, rec)
	if rec.State != store.Booked || cn.Kind != order.KindCreditNote || cn.Total != 2000 || cn.BillingReference != first.ID ||
		!cn.BillingReferenceDate.Equal(first.IssueDate) {
		t.Fatalf("day 2: %s, %s of %s referring to %q %s (first %s %s)", rec.State, cn.Kind, cn.Total, cn.BillingReference,
			cn.BillingReferenceDate, first.ID, first.IssueDate)
	}
	ubltest.Validate(t, ubltest.XMLFiles(t, r.dir)...)
}

// TestBusyDayVAT: a day of 1,200 coffees at 3.50, each check's VAT rounded
// to the cent, is booked: its VAT is computed on the day's gross (the
// checks' VAT added would lie 1.21 from taxable × rate, beyond BR-CO-17),
// the total is what the customers paid, and the file is valid.
func TestBusyDayVAT(t *testing.T) {
	r := newTillRig(t, nil)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, ams)
	r.now = at
	var obs []store.Observation
	for i := range 1200 {
		c := check(fmt.Sprintf("F-%05d", i), at, 350, 0)
		c.Lines[0].VAT, c.Lines[0].Net = 29, 321 // rounded as a till rounds: 350 × 9/109 = 28.90
		c.TotalTax, c.Taxes[0].Tax = 29, 29
		c.Modified = at.UTC()
		obs = append(obs, store.Observation{ShopID: r.sh.ID, Order: c})
	}
	if _, err := r.st.Apply(ctx, obs, r.e.Decide(r.sh)); err != nil {
		t.Fatal(err)
	}
	r.now = time.Date(2026, 12, 2, 4, 1, 0, 0, ams)
	r.closeAndBook(t)
	inv := invoiceOf(t, r.rec(t, "day/2026-12-01"))
	if inv.Total != 1200*350 || inv.TaxTotal != order.Rate(900).OfGross(1200*350) ||
		!strings.Contains(inv.Note, "Aantal bonnen: 1200; btw berekend op de dagomzet 346.79 (op de bonnen opgeteld 348.00)") {
		t.Fatalf("busy day: total %s VAT %s note %q", inv.Total, inv.TaxTotal, inv.Note)
	}
	ubltest.Validate(t, ubltest.XMLFiles(t, r.dir)...)
}

// TestCheckAfterTheCutOff: the first check of a day processed only the
// next morning (the computer was off at night) is that day's revenue: its
// own summary, dated that day, closed and booked at once; not a
// correction on the next day's.
func TestCheckAfterTheCutOff(t *testing.T) {
	r := newTillRig(t, nil)
	ctx := context.Background()
	at := time.Date(2027, 3, 31, 22, 0, 0, 0, ams)
	c := check("D-1", at, 2950, 0)
	body, _ := json.Marshal(c)
	if _, err := r.st.AddDelivery(ctx, store.Delivery{Source: "till", Shop: r.sh.Slug, Topic: "close", OrderID: c.ID,
		Body: body, ReceivedAt: at, Status: 200, Dedupe: store.DedupeKey(body)}); err != nil {
		t.Fatal(err)
	}
	r.now = time.Date(2027, 4, 1, 10, 0, 0, 0, ams)
	if _, err := r.e.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	if rec := r.rec(t, "D-1"); rec.ReasonArg != "2027-03-31" {
		t.Fatalf("counted in %q", rec.ReasonArg)
	}
	r.closeAndBook(t)
	inv := invoiceOf(t, r.rec(t, "day/2027-03-31"))
	if inv.IssueDate.Format(time.DateOnly) != "2027-03-31" || inv.Total != 2950 {
		t.Fatalf("%s %s", inv.IssueDate, inv.Total)
	}
	if _, err := r.st.Record(ctx, r.sh.ID, "day/2027-04-01"); err == nil {
		t.Fatal("a summary of 1 April was made")
	}
}

// TestIgnoredDayKeepsItsChecks: a summary a person ignored (booked by hand)
// keeps the checks of its day that come later: counted in it, not booked,
// and not put on the next day's.
func TestIgnoredDayKeepsItsChecks(t *testing.T) {
	r := newTillRig(t, nil)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	r.deliver(t, check("C-1", at, 2950, 0), "")
	if err := r.st.SetState(ctx, r.sh.ID, "day/2026-12-01", store.Ignored, engine.ReasonIgnoredByUser, store.Event{}); err != nil {
		t.Fatal(err)
	}
	r.deliver(t, check("C-2", at.Add(time.Hour), 1000, 0), "")
	if c := r.rec(t, "C-2"); c.ReasonArg != "2026-12-01" {
		t.Fatalf("C-2 counted in %q", c.ReasonArg)
	}
	d := r.rec(t, "day/2026-12-01")
	if d.State != store.Ignored || d.Total != 3950 {
		t.Fatalf("ignored day: %s %s", d.State, d.Total)
	}
	r.now = time.Date(2026, 12, 2, 4, 1, 0, 0, ams)
	r.closeAndBook(t)
	if files := ubltest.XMLFiles(t, r.dir); len(files) != 0 {
		t.Fatalf("booked %v", files)
	}
	if _, err := r.st.Record(ctx, r.sh.ID, "day/2026-12-02"); err == nil {
		t.Fatal("C-2 went to the next day")
	}
}

// TestBookingModeSwitch: switching from per day to per check decides the
// counted checks again without uncounting them (nothing recounted, no
// event); the collecting day is still closed and booked; a new check is
// booked on its own.
func TestBookingModeSwitch(t *testing.T) {
	r := newTillRig(t, nil)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	for i := range 5 {
		r.deliver(t, check(fmt.Sprintf("E-%d", i), at, 1000, 0), "")
	}
	opts := map[string]string{source.OptionBooking: source.BookingPerCheck}
	if err := r.st.SaveOptions(ctx, r.sh.ID, opts); err != nil {
		t.Fatal(err)
	}
	r.sh.Options = opts
	if _, err := r.st.Redecide(ctx, r.sh.ID, []store.State{store.Parked, store.Queued, store.Ignored}, r.e.Decide(r.sh)); err != nil {
		t.Fatal(err)
	}
	if arg := r.rec(t, "E-0").ReasonArg; arg != "2026-12-01" {
		t.Fatalf("E-0 uncounted by the switch: %q", arg)
	}
	r.deliver(t, check("E-9", at, 700, 0), "")
	r.now = time.Date(2026, 12, 2, 4, 1, 0, 0, ams)
	r.closeAndBook(t)
	if n := len(events(t, r.st, "check_repeat")); n != 0 {
		t.Fatalf("%d check_repeat events", n)
	}
	if inv := invoiceOf(t, r.rec(t, "day/2026-12-01")); inv.Total != 5000 {
		t.Fatalf("day %s", inv.Total)
	}
	if inv := invoiceOf(t, r.rec(t, "E-9")); inv.Total != 700 {
		t.Fatalf("E-9 %s", inv.Total)
	}
}

// TestCheckCorrectedTwice: a check of a booked day closed again twice the
// next day is one check corrected on that day's summary.
func TestCheckCorrectedTwice(t *testing.T) {
	r := newTillRig(t, nil)
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	r.deliver(t, check("G-1", at, 2950, 0), "")
	r.now = time.Date(2026, 12, 2, 4, 1, 0, 0, ams)
	r.closeAndBook(t)
	r.now = time.Date(2026, 12, 2, 12, 0, 0, 0, ams)
	r.deliver(t, check("G-1", at, 2500, 0), "a")
	r.deliver(t, check("G-1", at, 2000, 0), "b")
	r.deliver(t, check("X-1", r.now, 5000, 0), "")
	o, _ := r.rec(t, "day/2026-12-02").Order()
	if o.Total != 5000-950 || !strings.HasPrefix(o.Note, "Aantal bonnen: 1; correcties van eerdere dagen: 1") {
		t.Fatalf("day 2: %s %q", o.Total, o.Note)
	}
}

// TestTillUnreadableAndEmpty: a delivery the till's parser refuses but
// that names its check is kept as a failed order with its bytes (the till
// cannot be asked for it); per check, a closed check with nothing sold is
// not booked; a check of a booked day that comes late is told as late.
func TestTillUnreadableAndEmpty(t *testing.T) {
	r := newTillRig(t, map[string]string{source.OptionBooking: source.BookingPerCheck})
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	body := []byte(`{"id":"9-001","status":`)
	id, err := r.st.AddDelivery(ctx, store.Delivery{Source: "till", Shop: r.sh.Slug, Topic: "close", OrderID: "9-001",
		Body: body, ReceivedAt: r.now, Status: 400, Dedupe: store.DedupeKey(body)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.ProcessInbox(ctx); err != nil {
		t.Fatal(err)
	}
	rec := r.rec(t, "9-001")
	raw, _ := r.st.Raw(ctx, r.sh.ID, "9-001")
	if rec.State != store.Failed || rec.Reason != engine.ReasonUnparseable || !bytes.Equal(raw, body) {
		t.Fatalf("unreadable check: %s %s, raw %q", rec.State, rec.Reason, raw)
	}
	if d, _ := r.st.Delivery(ctx, id); !strings.HasPrefix(d.Result, "error: kept as unreadable") {
		t.Fatalf("delivery result %q", d.Result)
	}
	// Readable later (a replay once the parser learned it): applied.
	r.deliver(t, check("9-001", at, 1000, 0), "")
	if rec := r.rec(t, "9-001"); rec.State != store.Queued {
		t.Fatalf("the check read at last: %s %s", rec.State, rec.Reason)
	}

	empty := check("9-002", at, 0, 0)
	r.deliver(t, empty, "")
	if rec := r.rec(t, "9-002"); rec.State != store.Ignored || rec.Reason != engine.ReasonCheckEmpty {
		t.Fatalf("empty check: %s %s", rec.State, rec.Reason)
	}
}

// TestLateCheck: a check of a day whose summary was booked, counted for
// the first time, is a late check on the day being collected, not a check
// closed again.
func TestLateCheck(t *testing.T) {
	r := newTillRig(t, nil)
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	r.deliver(t, check("L-1", at, 1000, 0), "")
	r.now = time.Date(2026, 12, 2, 4, 1, 0, 0, ams)
	r.closeAndBook(t)
	r.now = time.Date(2026, 12, 2, 9, 0, 0, 0, ams)
	late := check("L-2", r.now, 500, 0)
	late.BusinessDay = "2026-12-01"
	r.deliver(t, late, "")
	evs := events(t, r.st, "check_late")
	if len(evs) != 1 || evs[0].Args["day"] != "2026-12-01" || evs[0].Args["into"] != "2026-12-02" || len(events(t, r.st, "check_correction")) != 0 {
		t.Fatalf("late events %+v", evs)
	}
	var arg map[string]string
	if err := json.Unmarshal([]byte(r.rec(t, "day/2026-12-02").ReasonArg), &arg); err != nil || arg["late"] != "1" || arg["checks"] != "0" {
		t.Fatalf("collecting arg %v %v", arg, err)
	}
}

// TestVoidAfterClose: a check voided after it was closed counts nothing
// from then on: while its day collects, the day loses it; booked per
// check, the booked check is changed after booking, for a credit note.
// A void of a check never closed is parked.
func TestVoidAfterClose(t *testing.T) {
	r := newTillRig(t, nil)
	r.e.Kinds = source.NewRegistry(voidKind())
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	r.deliver(t, check("V-1", at, 2950, 800), "")
	r.deliver(t, check("V-2", at, 1000, 0), "")
	void := check("V-1", at, 2950, 800)
	void.Status, void.Paid = "void", time.Time{}
	if got := r.deliver(t, void, ""); got == "after close" {
		t.Fatal("a void after the close was not applied")
	}
	if day := r.rec(t, "day/2026-12-01"); day.Total != 1000 {
		t.Fatalf("day total %s after the void, want 10.00", day.Total)
	}
	if c := r.rec(t, "V-1"); c.State != store.Ignored || c.ReasonArg != "2026-12-01" {
		t.Fatalf("voided check: %s %s %q", c.State, c.Reason, c.ReasonArg)
	}
	never := check("V-3", at, 500, 0)
	never.Status, never.Paid = "void", time.Time{}
	r.deliver(t, never, "")
	if c := r.rec(t, "V-3"); c.State != store.Parked {
		t.Fatalf("void never closed: %s", c.State)
	}

	p := newTillRig(t, map[string]string{source.OptionBooking: source.BookingPerCheck})
	p.e.Kinds = source.NewRegistry(voidKind())
	p.now = at
	p.deliver(t, check("W-1", at, 1500, 0), "")
	if _, err := p.e.BookDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	wv := check("W-1", at, 1500, 0)
	wv.Status, wv.Paid = "void", time.Time{}
	p.deliver(t, wv, "")
	if c := p.rec(t, "W-1"); c.State != store.Booked || !c.ChangedAfterBooking {
		t.Fatalf("booked check voided: %s changed %v", c.State, c.ChangedAfterBooking)
	}
}

func voidKind() source.Descriptor {
	k := tillKind()
	k.Gone, k.Unbookable = []order.Status{"void"}, []order.Status{"void"}
	return k
}

// TestRemovedTillClosesItsDay: a till removed while its day collects still
// has that day closed and booked at the cut-off: the sales were made.
func TestRemovedTillClosesItsDay(t *testing.T) {
	r := newTillRig(t, nil)
	at := time.Date(2026, 12, 1, 19, 0, 0, 0, ams)
	r.now = at
	r.deliver(t, check("R-1", at, 2950, 0), "")
	if err := r.st.RemoveShop(context.Background(), r.sh.ID); err != nil {
		t.Fatal(err)
	}
	r.now = time.Date(2026, 12, 2, 4, 1, 0, 0, ams)
	if n := r.closeAndBook(t); n != 1 {
		t.Fatalf("closed %d days", n)
	}
	if inv := invoiceOf(t, r.rec(t, "day/2026-12-01")); inv.Total != 2950 {
		t.Fatalf("booked %s", inv.Total)
	}
}
