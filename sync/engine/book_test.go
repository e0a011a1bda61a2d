package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/engine"
	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/order"
	"github.com/orderbrug/orderbrug/sync/store"
)

// fakeLedger is a ledger as strict as the real ones where the engine relies
// on them: idempotent on Invoice.Key (a key booked before returns its first
// reference and books nothing), and every invoice it books is kept. fail,
// when set, decides an attempt's error before anything is written; after,
// when set, runs once a booking is written, before Book returns.
type fakeLedger struct {
	mu       sync.Mutex
	refs     map[string]string
	booked   []order.Invoice
	attempts map[string]int
	fail     func(inv order.Invoice, attempt int) error
	after    func(inv order.Invoice)
}

func newFakeLedger() *fakeLedger {
	return &fakeLedger{refs: map[string]string{}, attempts: map[string]int{}}
}

func (l *fakeLedger) Book(ctx context.Context, inv order.Invoice) (string, error) {
	if inv.Key == "" {
		return "", ledger.Permanent(errors.New("invoice without a key"))
	}
	l.mu.Lock()
	l.attempts[inv.Key]++
	n := l.attempts[inv.Key]
	fail, after := l.fail, l.after
	l.mu.Unlock()
	if fail != nil {
		if err := fail(inv, n); err != nil {
			return "", err
		}
	}
	l.mu.Lock()
	ref, ok := l.refs[inv.Key]
	if !ok {
		ref = fmt.Sprintf("ref-%d-%s", len(l.booked)+1, inv.ID)
		l.refs[inv.Key] = ref
		l.booked = append(l.booked, inv)
	}
	l.mu.Unlock()
	if !ok && after != nil {
		after(inv)
	}
	return ref, nil
}

func (l *fakeLedger) bookedKeys() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ks []string
	for _, inv := range l.booked {
		ks = append(ks, inv.Key)
	}
	return ks
}

// batchLedger is fakeLedger with BookBatch; it counts the batches.
type batchLedger struct {
	*fakeLedger
	batches, largest int
}

func (b *batchLedger) BookBatch(ctx context.Context, invs []order.Invoice) ([]string, []error) {
	b.batches++
	b.largest = max(b.largest, len(invs))
	refs, errs := make([]string, len(invs)), make([]error, len(invs))
	for i, inv := range invs {
		refs[i], errs[i] = b.Book(ctx, inv)
	}
	return refs, errs
}

type bookRig struct {
	st    *store.Store
	e     *engine.Engine
	sh    store.Shop
	l     *fakeLedger
	now   time.Time
	t0    time.Time
	decid store.DecideFunc
}

func testSeller() order.Seller {
	return order.Seller{Party: order.Party{Company: "De Boon B.V.", KvK: "12345678", VATID: "NL123456789B01",
		Address: order.Address{Street: "Oudegracht 1", Postcode: "3511 AA", City: "Utrecht", Country: "NL"}},
		IBAN: "NL91ABNA0417164300"}
}

func newBookRig(t *testing.T, l ledger.Ledger, fl *fakeLedger) *bookRig {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &bookRig{st: st, l: fl, t0: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	r.now = r.t0
	st.Now = func() time.Time { return r.now }
	sh, err := st.AddShop(ctx, store.Shop{Name: "Koffiebar", Source: order.WooCommerce, BaseURL: "https://w.example",
		Forward: []order.Status{"processing", "completed"}, PollInterval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	r.sh = sh
	r.decid = engine.Decide(sh, wooKind)
	r.e = &engine.Engine{Store: st, Kinds: kinds,
		Ledger:  func(context.Context) (ledger.Ledger, error) { return l, nil },
		Seller:  func(context.Context) (order.Seller, error) { return testSeller(), nil },
		Now:     func() time.Time { return r.now },
		Backoff: func(n int) time.Duration { return time.Duration(n) * time.Minute },
	}
	return r
}

// apply applies snapshots of orders, as a poll would.
func (r *bookRig) apply(t *testing.T, os ...order.Order) {
	t.Helper()
	obs := make([]store.Observation, len(os))
	for i, o := range os {
		obs[i] = store.Observation{ShopID: r.sh.ID, Order: o}
	}
	if _, err := r.st.Apply(context.Background(), obs, r.decid); err != nil {
		t.Fatal(err)
	}
}

func (r *bookRig) bookDue(t *testing.T) engine.BookResult {
	t.Helper()
	res, err := r.e.BookDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (r *bookRig) rec(t *testing.T, id string) store.Record {
	t.Helper()
	rec, err := r.st.Record(context.Background(), r.sh.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (r *bookRig) bookings(t *testing.T, id string) map[string]store.OutboxItem {
	t.Helper()
	bs, err := r.st.Bookings(context.Background(), r.sh.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.OutboxItem{}
	for _, b := range bs {
		m[b.Key] = b
	}
	return m
}

// reasonArgs decodes a booking failure's reason_arg.
func reasonArgs(t *testing.T, rec store.Record) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(rec.ReasonArg), &m); err != nil {
		t.Fatalf("reason_arg %q of order %s is not a JSON object: %v", rec.ReasonArg, rec.ExtID, err)
	}
	return m
}

// dutchOrder is a valid Dutch consumer order of 42.06 incl. 7.30 VAT at 21 %.
func dutchOrder(id string, mod time.Time) order.Order {
	o := benchOrder(0, "processing", mod)
	o.ID, o.Number = id, id
	return o
}

func withRefund(o order.Order, id string, amount order.Money, at time.Time) order.Order {
	o.Refunds = append(append([]order.Refund(nil), o.Refunds...), order.Refund{ID: id, Amount: amount, Reason: "retour", Created: at})
	o.Modified = at
	return o
}

// TestBookingStep: the booking step against a fake ledger, one case per way
// a booking can go.
func TestBookingStep(t *testing.T) {
	transient := errors.New("ledger busy")
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, r *bookRig)
	}{
		{"transient errors are retried with backoff, then booked once", func(t *testing.T, r *bookRig) {
			r.l.fail = func(inv order.Invoice, n int) error {
				if n <= 2 {
					return transient
				}
				return nil
			}
			r.apply(t, dutchOrder("1", r.t0))
			key := engine.InvoiceKey(r.sh, "1")
			for attempt := 1; attempt <= 2; attempt++ {
				if res := r.bookDue(t); res.Retrying != 1 || res.Booked != 0 {
					t.Fatalf("attempt %d: %+v", attempt, res)
				}
				b := r.bookings(t, "1")[key]
				wantNext := r.now.Add(time.Duration(attempt) * time.Minute)
				if b.State != "pending" || b.Attempts != attempt || !b.NextAt.Equal(wantNext) || !strings.Contains(b.LastError, "busy") {
					t.Fatalf("attempt %d: booking %+v, want pending, next at %v", attempt, b, wantNext)
				}
				rec := r.rec(t, "1")
				if rec.State != store.Queued || rec.Reason != engine.ReasonLedgerUnavailable || reasonArgs(t, rec)["kind"] != "invoice" {
					t.Fatalf("attempt %d: order %s/%s (%s)", attempt, rec.State, rec.Reason, rec.ReasonArg)
				}
				// Not due before its time.
				if res := r.bookDue(t); res != (engine.BookResult{}) {
					t.Fatalf("booked before the backoff passed: %+v", res)
				}
				r.now = wantNext
			}
			if res := r.bookDue(t); res.Booked != 1 {
				t.Fatalf("third attempt: %+v", res)
			}
			if rec := r.rec(t, "1"); rec.State != store.Booked || rec.Reason != "" || rec.BookingRef == "" {
				t.Fatalf("order %s/%s ref %q", rec.State, rec.Reason, rec.BookingRef)
			}
			if got := r.l.bookedKeys(); len(got) != 1 || got[0] != key {
				t.Fatalf("ledger booked %v", got)
			}
		}},
		{"a permanent ledger error fails the order with the reason", func(t *testing.T, r *bookRig) {
			r.l.fail = func(order.Invoice, int) error { return ledger.Permanent(errors.New("duplicate number")) }
			r.apply(t, dutchOrder("2", r.t0))
			if res := r.bookDue(t); res.Failed != 1 {
				t.Fatalf("%+v", res)
			}
			rec := r.rec(t, "2")
			if rec.State != store.Failed || rec.Reason != engine.ReasonLedgerRejected || !strings.Contains(rec.Detail, "duplicate number") {
				t.Fatalf("order %s/%s: %s", rec.State, rec.Reason, rec.Detail)
			}
			if b := r.bookings(t, "2")[engine.InvoiceKey(r.sh, "2")]; b.State != "failed" {
				t.Fatalf("booking is %s", b.State)
			}
			r.now = r.now.Add(24 * time.Hour)
			if res := r.bookDue(t); res != (engine.BookResult{}) {
				t.Fatalf("a permanent failure was tried again: %+v", res)
			}
		}},
		{"an invoice that does not reconcile fails with its own reason and figures", func(t *testing.T, r *bookRig) {
			o := dutchOrder("3", r.t0)
			o.Total += 500 // the shop says 47.06, the lines add up to 42.06
			r.apply(t, o)
			if res := r.bookDue(t); res.Failed != 1 {
				t.Fatalf("%+v", res)
			}
			rec := r.rec(t, "3")
			args := reasonArgs(t, rec)
			if rec.State != store.Failed || rec.Reason != order.ReasonTotalsMismatch || args["kind"] != "invoice" ||
				args["want"] != "47.06" || args["field"] == "" {
				t.Fatalf("order %s/%s %v", rec.State, rec.Reason, args)
			}
			if len(r.l.bookedKeys()) != 0 {
				t.Fatal("booked anyway")
			}
		}},
		{"seller details missing: waits with the missing fields, not the order's fault", func(t *testing.T, r *bookRig) {
			r.e.Seller = func(context.Context) (order.Seller, error) {
				s := testSeller()
				s.VATID, s.IBAN = "", ""
				return s, nil
			}
			r.apply(t, dutchOrder("4", r.t0))
			if res := r.bookDue(t); res.Retrying != 1 {
				t.Fatalf("%+v", res)
			}
			rec := r.rec(t, "4")
			args := reasonArgs(t, rec)
			if rec.State != store.Queued || rec.Reason != engine.ReasonSellerIncomplete ||
				!strings.Contains(args["missing"], "vat_id") || !strings.Contains(args["missing"], "iban") {
				t.Fatalf("order %s/%s %v", rec.State, rec.Reason, args)
			}
		}},
		{"a crash between the ledger's write and the record: the retry gets the same ref", func(t *testing.T, r *bookRig) {
			ctx, crash := context.WithCancel(context.Background())
			r.l.after = func(order.Invoice) { crash() } // the process dies right after the file is written
			r.apply(t, dutchOrder("5", r.t0))
			if _, err := r.e.BookDue(ctx); err == nil {
				t.Fatal("the booking was recorded with the process gone")
			}
			key := engine.InvoiceKey(r.sh, "5")
			if b := r.bookings(t, "5")[key]; b.State != "pending" {
				t.Fatalf("booking is %s after the crash", b.State)
			}
			first := r.l.refs[key]
			r.l.after = nil
			if res := r.bookDue(t); res.Booked != 1 {
				t.Fatalf("after restart: %+v", res)
			}
			rec := r.rec(t, "5")
			if rec.State != store.Booked || rec.BookingRef != first {
				t.Fatalf("order %s ref %q, want booked with the first ref %q", rec.State, rec.BookingRef, first)
			}
			if got := r.l.bookedKeys(); len(got) != 1 || r.l.attempts[key] != 2 {
				t.Fatalf("ledger booked %v in %d attempts", got, r.l.attempts[key])
			}
		}},
		{"an order whose newest payload cannot be read is not booked from its old snapshot", func(t *testing.T, r *bookRig) {
			r.apply(t, dutchOrder("7", r.t0))
			if err := r.st.KeepUnreadable(context.Background(), []store.Unreadable{{ShopID: r.sh.ID, ExtID: "7",
				Modified: r.t0.Add(time.Minute), Raw: []byte(`{"id":7}`), Detail: "bad total"}},
				engine.ReasonUnparseable, order.WooCommerce, store.Event{Code: "order_unreadable"}); err != nil {
				t.Fatal(err)
			}
			if res := r.bookDue(t); res.Cancelled != 1 || res.Booked != 0 {
				t.Fatalf("%+v", res)
			}
			if rec := r.rec(t, "7"); rec.State != store.Failed || rec.Reason != engine.ReasonUnparseable {
				t.Fatalf("order %s/%s", rec.State, rec.Reason)
			}
			if len(r.l.bookedKeys()) != 0 {
				t.Fatal("booked from the old snapshot")
			}
		}},
		{"a failed credit note after a booked invoice: the order stays booked", func(t *testing.T, r *bookRig) {
			o := dutchOrder("6", r.t0)
			r.apply(t, o)
			if res := r.bookDue(t); res.Booked != 1 {
				t.Fatalf("invoice: %+v", res)
			}
			r.l.fail = func(inv order.Invoice, _ int) error {
				if inv.Kind == order.KindCreditNote && strings.HasSuffix(inv.Key, "/credit/14") {
					return ledger.Permanent(errors.New("credit notes refused"))
				}
				return nil
			}
			o = withRefund(o, "14", 500, r.t0.Add(time.Hour))
			r.apply(t, o)
			if res := r.bookDue(t); res.Failed != 1 {
				t.Fatalf("credit note: %+v", res)
			}
			rec := r.rec(t, "6")
			args := reasonArgs(t, rec)
			if rec.State != store.Booked || rec.Reason != engine.ReasonCreditFailed || args["kind"] != "credit_note" ||
				args["refund"] != "14" || args["code"] != engine.ReasonLedgerRejected {
				t.Fatalf("order %s/%s %v", rec.State, rec.Reason, args)
			}
			// Not in the Open tab as un-booked, and later snapshots keep it booked.
			o.Modified = o.Modified.Add(time.Minute)
			o.Status = "completed"
			r.apply(t, o)
			if rec := r.rec(t, "6"); rec.State != store.Booked || rec.Reason != engine.ReasonCreditFailed {
				t.Fatalf("after a new snapshot: %s/%s", rec.State, rec.Reason)
			}
			// A later refund is still booked.
			o = withRefund(o, "15", 300, r.t0.Add(2*time.Hour))
			r.apply(t, o)
			if res := r.bookDue(t); res.Booked != 1 {
				t.Fatalf("later refund: %+v", res)
			}
			// The failed one can be retried, and then the reason goes.
			r.l.fail = nil
			if n, err := r.st.RetryBookings(context.Background(), r.sh.ID, "6", store.Event{Code: "retry_by_user"}); err != nil || n != 1 {
				t.Fatalf("retry: %d, %v", n, err)
			}
			if res := r.bookDue(t); res.Booked != 1 {
				t.Fatalf("retried credit note: %+v", res)
			}
			if rec := r.rec(t, "6"); rec.State != store.Booked || rec.Reason != "" {
				t.Fatalf("after the retry: %s/%s", rec.State, rec.Reason)
			}
			if n := len(r.l.bookedKeys()); n != 3 {
				t.Fatalf("%d bookings, want invoice and two credit notes", n)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newFakeLedger()
			tc.run(t, newBookRig(t, l, l))
		})
	}
}

// TestBookDueBatches: with a BatchLedger, due bookings go in batches and are
// all recorded; a credit note in the same round as its invoice is booked in
// the same run (after the invoice), not left waiting.
func TestBookDueBatches(t *testing.T) {
	fl := newFakeLedger()
	bl := &batchLedger{fakeLedger: fl}
	r := newBookRig(t, bl, fl)
	var os []order.Order
	for i := 1; i <= 120; i++ {
		o := dutchOrder(fmt.Sprint(i), r.t0.Add(time.Duration(i)*time.Second))
		if i%10 == 0 {
			o = withRefund(o, fmt.Sprint(1000+i), 200, o.Modified)
		}
		os = append(os, o)
	}
	r.apply(t, os...)
	fl.fail = func(inv order.Invoice, _ int) error {
		if inv.OrderID == "7" {
			return ledger.Permanent(errors.New("refused"))
		}
		return nil
	}
	res := r.bookDue(t)
	if res.Booked != 120+12-1 || res.Failed != 1 || res.Retrying != 0 {
		t.Fatalf("%+v", res)
	}
	if bl.batches < 2 || bl.largest < 50 {
		t.Fatalf("%d batches, largest %d: not booked in batches", bl.batches, bl.largest)
	}
	n, err := r.st.Count(context.Background(), r.sh.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if n.ByState[store.Booked] != 119 || n.ByState[store.Failed] != 1 {
		t.Fatalf("states %v", n.ByState)
	}
	if rec := r.rec(t, "20"); rec.BookedInvoice == nil {
		t.Fatal("the booked invoice is not kept")
	}
}

// TestChangeAfterBooking: a booked order edited in the shop stays booked, is
// marked with what changed, and later refunds are spread over the invoice as
// it was booked; CreditChange credits the difference, and for a cancelled
// order the rest of the invoice.
func TestChangeAfterBooking(t *testing.T) {
	l := newFakeLedger()
	r := newBookRig(t, l, l)
	ctx := context.Background()
	o := dutchOrder("9", r.t0)
	r.apply(t, o)
	r.bookDue(t)
	if rec := r.rec(t, "9"); rec.State != store.Booked || rec.ChangedAfterBooking {
		t.Fatalf("%s changed=%v", rec.State, rec.ChangedAfterBooking)
	}

	// The shop edits the order: its lines now at 9 % and a lower total.
	edited := o
	edited.Modified = r.t0.Add(time.Hour)
	edited.Lines = []order.Line{{Kind: order.Product, ID: "1", Name: "Koffiemok", Quantity: 1, Net: 3211, VAT: 289, Rate: 900, Category: order.Standard}}
	edited.Total, edited.TotalTax = 3500, 289
	r.apply(t, edited)
	rec := r.rec(t, "9")
	if rec.State != store.Booked || !rec.ChangedAfterBooking || rec.ChangeNote != "total 42.06 -> 35.00" {
		t.Fatalf("%s changed=%v note %q", rec.State, rec.ChangedAfterBooking, rec.ChangeNote)
	}
	if got, _ := rec.Order(); got.Total != 3500 {
		t.Fatal("the snapshot is not the shop's newest")
	}
	changed, err := r.st.Records(ctx, store.Filter{ShopID: r.sh.ID, Changed: true})
	if err != nil || len(changed) != 1 || changed[0].ExtID != "9" {
		t.Fatalf("changed filter: %v, %v", changed, err)
	}

	// A refund now: spread over the invoice as booked (21 %), not the edit (9 %).
	refunded := withRefund(edited, "20", 121, r.t0.Add(2*time.Hour))
	r.apply(t, refunded)
	if res := r.bookDue(t); res.Booked != 1 {
		t.Fatalf("refund: %+v", res)
	}
	cn := l.booked[len(l.booked)-1]
	if cn.Kind != order.KindCreditNote || len(cn.TaxSubtotals) != 1 || cn.TaxSubtotals[0].Rate != 2100 || cn.Total != 121 {
		t.Fatalf("credit note %+v", cn.TaxSubtotals)
	}
	if rec := r.rec(t, "9"); !rec.ChangedAfterBooking {
		t.Fatal("the refund cleared the change mark")
	}

	// Credit the lowered total: 42.06 - 35.00.
	if err := r.e.CreditChange(ctx, r.sh, "9"); err != nil {
		t.Fatal(err)
	}
	if rec := r.rec(t, "9"); rec.ChangedAfterBooking || rec.State != store.Booked {
		t.Fatalf("after CreditChange: changed=%v %s", rec.ChangedAfterBooking, rec.State)
	}
	if res := r.bookDue(t); res.Booked != 1 {
		t.Fatalf("change credit: %+v", res)
	}
	cn = l.booked[len(l.booked)-1]
	if cn.Kind != order.KindCreditNote || cn.Total != 706 || cn.BillingReference != l.booked[0].ID || cn.TaxSubtotals[0].Rate != 2100 {
		t.Fatalf("change credit note: total %s ref %s", cn.Total, cn.BillingReference)
	}
	if err := r.e.CreditChange(ctx, r.sh, "9"); !errors.Is(err, engine.ErrNotChanged) {
		t.Fatalf("second CreditChange: %v", err)
	}

	// Then cancelled: the rest of the booked invoice, 42.06 - 1.21 - 7.06.
	cancelled := refunded
	cancelled.Status, cancelled.Modified = "cancelled", r.t0.Add(3*time.Hour)
	r.apply(t, cancelled)
	rec = r.rec(t, "9")
	if !rec.ChangedAfterBooking || !strings.Contains(rec.ChangeNote, "status cancelled") || rec.State != store.Booked {
		t.Fatalf("cancelled: changed=%v %q %s", rec.ChangedAfterBooking, rec.ChangeNote, rec.State)
	}
	if err := r.e.CreditChange(ctx, r.sh, "9"); err != nil {
		t.Fatal(err)
	}
	if res := r.bookDue(t); res.Booked != 1 {
		t.Fatalf("cancel credit: %+v", res)
	}
	var credited order.Money
	for _, inv := range l.booked[1:] {
		credited += inv.Total
	}
	if credited != l.booked[0].Total {
		t.Fatalf("credited %s of invoice %s", credited, l.booked[0].Total)
	}
	if err := r.e.CreditChange(ctx, r.sh, "9"); err == nil {
		t.Fatal("credited more than the invoice")
	}
	// The shop records a refund afterwards: everything is credited already.
	late := withRefund(cancelled, "21", 1000, r.t0.Add(4*time.Hour))
	r.apply(t, late)
	if res := r.bookDue(t); res.Failed != 1 || res.Booked != 0 {
		t.Fatalf("a refund after the whole invoice was credited: %+v", res)
	}
	if rec := r.rec(t, "9"); rec.State != store.Booked || rec.Reason != engine.ReasonCreditFailed ||
		reasonArgs(t, rec)["code"] != order.ReasonRefundTooLarge {
		t.Fatalf("late refund: %s/%s %s", rec.State, rec.Reason, rec.ReasonArg)
	}
	if invoices := r.bookings(t, "9")[engine.InvoiceKey(r.sh, "9")]; invoices.Attempts != 1 {
		t.Fatalf("invoice booked %d times", invoices.Attempts)
	}
}

// TestRaisedTotalAfterBookingIsHandledOnce: a total raised after booking
// leaves nothing to credit; CreditChange says so and takes the mark off, so
// the order stops waiting on a person (Overzicht, tray, sync's exit code).
func TestRaisedTotalAfterBookingIsHandledOnce(t *testing.T) {
	l := newFakeLedger()
	r := newBookRig(t, l, l)
	ctx := context.Background()
	o := dutchOrder("12", r.t0)
	r.apply(t, o)
	r.bookDue(t)
	raised := o
	raised.Modified = r.t0.Add(time.Hour)
	raised.Lines = append([]order.Line(nil), o.Lines...)
	raised.Lines[0].Net += 1000
	raised.Lines[0].VAT += 210
	raised.Total, raised.TotalTax = o.Total+1210, o.TotalTax+210
	r.apply(t, raised)
	if rec := r.rec(t, "12"); !rec.ChangedAfterBooking {
		t.Fatal("a raised total is not shown")
	}
	if err := r.e.CreditChange(ctx, r.sh, "12"); !errors.Is(err, engine.ErrNothingToCredit) {
		t.Fatalf("CreditChange of a raised total: %v", err)
	}
	if rec := r.rec(t, "12"); rec.ChangedAfterBooking || rec.State != store.Booked {
		t.Fatalf("after CreditChange: changed=%v %s", rec.ChangedAfterBooking, rec.State)
	}
	if res := r.bookDue(t); res != (engine.BookResult{}) {
		t.Fatalf("something was booked: %+v", res)
	}
	// A later save that changes nothing more does not mark it again.
	again := raised
	again.Modified, again.Status = r.t0.Add(2*time.Hour), "completed"
	r.apply(t, again)
	if rec := r.rec(t, "12"); rec.ChangedAfterBooking {
		t.Fatalf("marked again: %q", rec.ChangeNote)
	}
}

// TestNonEURIsParkedUntilARateIsGiven: a forwarded order in USD parks with
// its currency; with a rate stored and the order queued, it books.
func TestNonEURIsParkedUntilARateIsGiven(t *testing.T) {
	l := newFakeLedger()
	r := newBookRig(t, l, l)
	ctx := context.Background()
	o := dutchOrder("11", r.t0)
	o.Currency = "USD"
	r.apply(t, o)
	rec := r.rec(t, "11")
	if rec.State != store.Parked || rec.Reason != engine.ReasonCurrency || rec.ReasonArg != "USD" {
		t.Fatalf("%s/%s(%s)", rec.State, rec.Reason, rec.ReasonArg)
	}
	queue := func() {
		t.Helper()
		if err := r.st.Queue(ctx, r.sh.ID, "11", engine.ReasonBookedByUser,
			[]store.Booking{{Key: engine.InvoiceKey(r.sh, "11"), Kind: order.KindInvoice}}, store.Event{Code: "booked_by_user"}); err != nil {
			t.Fatal(err)
		}
	}
	// Queued without a rate, the invoice cannot be made: it fails with the
	// currency, for a person to give the rate.
	queue()
	if res := r.bookDue(t); res.Failed != 1 {
		t.Fatalf("without a rate: %+v", res)
	}
	if rec := r.rec(t, "11"); rec.State != store.Failed || rec.Reason != order.ReasonCurrencyRate || reasonArgs(t, rec)["currency"] != "USD" {
		t.Fatalf("without a rate: %s/%s(%s)", rec.State, rec.Reason, rec.ReasonArg)
	}
	if err := r.st.SetEURRate(ctx, r.sh.ID, "11", "0.9213"); err != nil {
		t.Fatal(err)
	}
	queue()
	if res := r.bookDue(t); res.Booked != 1 {
		t.Fatalf("%+v (%s)", res, r.rec(t, "11").Detail)
	}
	if rec := r.rec(t, "11"); rec.EURRate != "0.9213" || rec.State != store.Booked {
		t.Fatalf("rate %q state %s", rec.EURRate, rec.State)
	}
	inv := l.booked[len(l.booked)-1]
	if inv.Currency != "USD" || inv.EURRate != "0.9213" || inv.TaxTotalEUR == 0 {
		t.Fatalf("invoice in %s at rate %q, VAT in EUR %s", inv.Currency, inv.EURRate, inv.TaxTotalEUR)
	}
	// A new snapshot of a queued order with a rate does not park it again.
	o.Modified = o.Modified.Add(time.Minute)
	r.apply(t, o)
	if rec := r.rec(t, "11"); rec.State != store.Booked {
		t.Fatalf("after a new snapshot: %s", rec.State)
	}
}
