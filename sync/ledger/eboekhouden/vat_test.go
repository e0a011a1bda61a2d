package eboekhouden

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/ledger"
	"github.com/orderbrug/orderbrug/sync/ledger/eboekhouden/ebemu"
	"github.com/orderbrug/orderbrug/sync/order"
)

// TestCreditNote: a refund is a mutation of type 2 with negative amounts,
// its own invoice number, naming the invoice it corrects.
func TestCreditNote(t *testing.T) {
	f := start(t)
	o := mixedOrder("1042", consumer())
	o.Refunds = []order.Refund{{ID: "7", Reason: "Beschadigd", Amount: 1000}}
	inv := f.invoice("webwinkel", o)
	f.book(inv)
	cn, err := order.NewCreditNote(o, o.Refunds[0], inv, "woocommerce/webwinkel/1042/credit/7", paidAt.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	m := f.book(cn)
	if m.InvoiceNumber != "webwinkel-1042-C7" || m.Type != ebemu.InvoiceSent || m.Date != "2026-03-04" ||
		!strings.Contains(m.Description, "webwinkel-1042") || !strings.Contains(m.Description, "Beschadigd") {
		t.Errorf("credit note %+v", m)
	}
	for _, r := range m.Rows {
		if r.Amount >= 0 {
			t.Errorf("row %+v not negative", r)
		}
	}
	if g := ebemu.Gross(m); g != -1000 {
		t.Errorf("gross %d, want -1000", g)
	}
	f.reconciles(inv, cn)
	if f.emu.RelationCount() != 1 {
		t.Errorf("%d relations", f.emu.RelationCount())
	}
}

// TestInExChoice: e-Boekhouden's VAT per row equals the shop's: the
// shop's own price mode when it hits, the other when only that hits, a
// row per line where one row misses, and a warning where nothing hits.
func TestInExChoice(t *testing.T) {
	mug := func(id string) order.Line { // 2.93 incl. 21 %: 2.42 + 0.51
		return ln(order.Product, id, "Mok "+id, 1, 242, 51, order.RateHigh, order.Standard)
	}
	cheap := func(id string) order.Line { // 0.85 excl. 21 %: 0.18 VAT, rounded per line
		return ln(order.Product, id, "Sticker "+id, 1, 85, 18, order.RateHigh, order.Standard)
	}
	var stickers []order.Line
	for i := 0; i < 10; i++ {
		stickers = append(stickers, cheap(strconv.Itoa(i)))
	}
	for _, tc := range []struct {
		name    string
		incl    bool
		lines   []order.Line
		inEx    string
		rows    int
		warning map[string]string
	}{
		// 3 × 2.93: 8.79 holds 1.53 (IN hits); 7.26 × 21 % = 1.52 (EX misses).
		{"incl", true, []order.Line{mug("1"), mug("2"), mug("3")}, "IN", 1, nil},
		{"excl shop, incl hits", false, []order.Line{mug("1"), mug("2"), mug("3")}, "IN", 1, nil},
		{"excl", false, []order.Line{ln(order.Product, "1", "Thee", 4, 1000, 210, order.RateHigh, order.Standard)}, "EX", 1, nil},
		// 10 × 0.85: 8.50 × 21 % = 1.79 and 10.30 holds 1.79, the shop
		// charged 1.80: a row per line (0.18 each) hits.
		{"per line", false, stickers, "EX", 10, nil},
		// 21 % on two ledgers: 1.00 + 0.21 and 1.03 + 0.21 (the shop's
		// rounding). EX gives 0.43, IN with the VAT spread by net 0.21 +
		// 0.22; moving a cent between the rows (1.22 and 1.23) gives 0.42.
		{"two ledgers", true, []order.Line{
			ln(order.Product, "1", "Kaart", 1, 100, 21, order.RateHigh, order.Standard),
			ln(order.Shipping, "2", "Verzending", 1, 103, 21, order.RateHigh, order.Standard)}, "IN", 2, nil},
		// 0.49 with 0.11 VAT (a cent of the shop's rounding): one row gives
		// 0.10 either way; a rounding row cut off (0.03 + 0.46 excl.: 0.01
		// + 0.10, or incl. likewise) gives 0.11.
		{"rounding row", true, []order.Line{ln(order.Product, "1", "Zakje", 1, 49, 11, order.RateHigh, order.Standard)}, "IN", 2, nil},
		// 0.49 with 0.13 VAT: three cents off one line is no rounding;
		// IN gives 0.11, the closest.
		{"differs", true, []order.Line{ln(order.Product, "1", "Zakje", 1, 49, 13, order.RateHigh, order.Standard)}, "IN", 1,
			map[string]string{"rate": "21", "vat_code": "HOOG_VERK_21", "shop": "0.13", "ledger": "0.11", "diff": "-0.02"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := start(t)
			inv := f.invoice("webwinkel", shopOrder("1042", consumer(), tc.incl, tc.lines...))
			b, err := f.l.BookReport(f.ctx, inv)
			if err != nil {
				t.Fatal(err)
			}
			m := f.mutation(b.Ref)
			if m.InExVat != tc.inEx || len(m.Rows) != tc.rows {
				t.Errorf("inExVat %s with %d rows, want %s with %d", m.InExVat, len(m.Rows), tc.inEx, tc.rows)
			}
			if tc.warning == nil {
				if len(b.Warnings) != 0 {
					t.Errorf("warnings %v", b.Warnings)
				}
				f.reconciles(inv)
				return
			}
			if len(b.Warnings) != 1 || b.Warnings[0].Code != ledger.WarnVATDiffers {
				t.Fatalf("warnings %v", b.Warnings)
			}
			for k, v := range tc.warning {
				if b.Warnings[0].Args[k] != v {
					t.Errorf("warning %s = %q, want %q", k, b.Warnings[0].Args[k], v)
				}
			}
			if got := f.emu.Totals(ebemu.InvoiceSent)["HOOG_VERK_21"].VAT; got != 11 {
				t.Errorf("booked VAT %d", got)
			}
			// Kept in the journal: a repeat reports it again, sending nothing.
			n := f.emu.Requests()
			again, err := f.newLedger(apiToken).BookReport(f.ctx, inv)
			if err != nil || again.Ref != b.Ref || len(again.Warnings) != 1 || f.emu.Requests() != n {
				t.Errorf("again: %+v %v", again, err)
			}
		})
	}
}

// TestReconcileCases: orders of every VAT case book rows whose totals per
// VAT code are the shop's, to the cent.
func TestReconcileCases(t *testing.T) {
	f := start(t)
	de := order.Party{Name: "Hans Müller", Company: "Müller GmbH", Email: "hans@mueller.example", VATID: "DE123456789",
		Address: order.Address{Street: "Hauptstraße 5", Postcode: "10115", City: "Berlin", Country: "DE"}}
	us := order.Party{Name: "John Doe", Email: "john@example.com",
		Address: order.Address{Street: "1 Main St", Postcode: "10001", City: "New York", Country: "US"}}
	orders := []order.Order{
		mixedOrder("2001", consumer()),
		shopOrder("2002", consumer(), false,
			ln(order.Product, "1", "Boek", 3, 5997, 540, order.RateLow, order.Standard),
			ln(order.Product, "2", "Cadeaubon", 1, 2500, 0, order.RateZero, order.ZeroRated),
			ln(order.Shipping, "3", "Verzending", 1, 413, 87, order.RateHigh, order.Standard)),
		shopOrder("2003", de, false,
			ln(order.Product, "1", "Espressomachine", 1, 45000, 0, order.RateZero, order.IntraEU),
			ln(order.Shipping, "2", "Verzending", 1, 2000, 0, order.RateZero, order.IntraEU)),
		shopOrder("2004", de, false, ln(order.Product, "1", "Barista-cursus online", 1, 15000, 0, order.RateZero, order.ReverseCharge)),
		shopOrder("2005", us, false,
			ln(order.Product, "1", "Koffiebonen", 2, 3000, 0, order.RateZero, order.Export),
			ln(order.Fee, "2", "Exportdocumenten", 1, 1500, 0, order.RateZero, order.Export)),
	}
	var invs []order.Invoice
	for _, o := range orders {
		if o.Buyer.Address.Country == "DE" {
			o.Delivery = &order.Delivery{Name: o.Buyer.Company, Address: o.Buyer.Address}
		}
		inv := f.invoice("webwinkel", o)
		f.book(inv)
		invs = append(invs, inv)
	}
	f.reconciles(invs...)
	got := f.emu.Totals(ebemu.InvoiceSent)
	for _, code := range []string{"HOOG_VERK_21", "LAAG_VERK_9", "GEEN", "BI_EU_VERK", "BI_EU_VERK_D", "BU_EU_VERK"} {
		if got[code].Gross == 0 {
			t.Errorf("nothing booked with %s", code)
		}
	}
	if f.emu.RelationCount() != 3 {
		t.Errorf("%d relations, want 3", f.emu.RelationCount())
	}
}

// TestRandomOrders books random orders (line-rounded VAT at 21 % and 9 %,
// shipping, a fee, prices incl. or excl. VAT, some credit notes) and
// checks, per mutation, that e-Boekhouden's VAT per code is the shop's
// except where a warning says by how much (none does: every one is
// within the shop's rounding), and that the totals reconcile.
func TestRandomOrders(t *testing.T) {
	f := start(t)
	rnd := rand.New(rand.NewPCG(11, 2026))
	const n = 300
	warned, bookings, rounding := 0, 0, 0
	for i := 0; i < n; i++ {
		var lines []order.Line
		for j := 0; j < 1+rnd.IntN(6); j++ {
			rate := order.RateHigh
			if rnd.IntN(3) == 0 {
				rate = order.RateLow
			}
			qty := int64(1 + rnd.IntN(4))
			var net, vat order.Money
			if rnd.IntN(2) == 0 { // a price incl. VAT per unit, rounded per line
				gross := order.Money(qty) * order.Money(50+rnd.IntN(5000))
				vat = rate.OfGross(gross)
				net = gross - vat
			} else {
				net = order.Money(qty) * order.Money(20+rnd.IntN(4000))
				vat = rate.Of(net)
			}
			lines = append(lines, ln(order.Product, strconv.Itoa(j), "Artikel "+strconv.Itoa(j), qty, net, vat, rate, order.Standard))
		}
		if rnd.IntN(2) == 0 {
			lines = append(lines, ln(order.Shipping, "s", "Verzending", 1, 413, 87, order.RateHigh, order.Standard))
		}
		if rnd.IntN(4) == 0 {
			lines = append(lines, ln(order.Fee, "f", "Toeslag", 1, 83, 17, order.RateHigh, order.Standard))
		}
		o := shopOrder(strconv.Itoa(5000+i), consumer(), rnd.IntN(2) == 0, lines...)
		inv := f.invoice("webwinkel", o)
		check := func(inv order.Invoice) {
			b, err := f.l.BookReport(f.ctx, inv)
			if err != nil {
				t.Fatalf("order %s: %v", inv.ID, err)
			}
			m := f.mutation(b.Ref)
			sign := order.Money(1)
			if inv.Kind == order.KindCreditNote {
				sign = -1
			}
			shop := map[string]order.Money{}
			for _, s := range inv.TaxSubtotals {
				c, _ := ledger.VATCase(order.InvoiceLine{Category: s.Category, Rate: s.Rate})
				shop[f.mapping[c].VATCode] += sign * s.Tax
			}
			booked := map[string]order.Money{}
			for _, v := range m.VAT {
				booked[v.VATCode] += order.Money(math.Round(v.Amount * 100))
			}
			diffs := map[string]string{}
			for _, w := range b.Warnings {
				diffs[w.Args["vat_code"]] = w.Args["diff"]
			}
			if len(b.Warnings) > 0 {
				warned++
				t.Logf("%s %s incl %v lines %d: %v", inv.Kind, inv.ID, inv.PricesIncludeTax, len(inv.Lines), b.Warnings)
			}
			bookings++
			for _, r := range m.Rows {
				if strings.HasSuffix(r.Description, "afronding btw") {
					rounding++
					break
				}
			}
			for code, tax := range shop {
				want := "0.00"
				if d, ok := diffs[code]; ok {
					want = d
				}
				if got := (booked[code] - tax).String(); got != want {
					t.Errorf("order %s %s: booked %s, shop %s, warning says %s", inv.ID, code, booked[code], tax, want)
				}
			}
			if g := ebemu.Gross(m); len(b.Warnings) == 0 && g != int64(sign*inv.Total) {
				t.Errorf("order %s: gross %d, total %d", inv.ID, g, sign*inv.Total)
			}
		}
		check(inv)
		if rnd.IntN(5) == 0 {
			o.Refunds = []order.Refund{{ID: "1", Amount: inv.Total / 3}}
			cn, err := order.NewCreditNote(o, o.Refunds[0], inv, "", paidAt.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			check(cn)
		}
	}
	t.Logf("%d random orders, %d bookings: %d with a rounding row, %d with a VAT warning", n, bookings, rounding, warned)
	if warned != 0 {
		t.Errorf("%d of %d bookings differ in VAT", warned, bookings)
	}
}

// TestRowCap: the rows of every code count towards the most a mutation
// may have (MUT_101): a rounding row of the first code and a row per line
// of the second that would make 101 rows give a warning instead.
func TestRowCap(t *testing.T) {
	f := start(t)
	// 0.49 with 0.11 VAT: a rounding row (2 rows); 99 lines at 9 % whose
	// VAT only a row per line gives.
	lines := []order.Line{ln(order.Product, "z", "Zakje", 1, 49, 11, order.RateHigh, order.Standard)}
	for i := 0; i < 99; i++ {
		lines = append(lines, ln(order.Product, strconv.Itoa(i), "Sticker "+strconv.Itoa(i), 1, 85, 8, order.RateLow, order.Standard))
	}
	inv := f.invoice("webwinkel", shopOrder("1042", consumer(), true, lines...))
	b, err := f.l.BookReport(f.ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	m := f.mutation(b.Ref)
	if len(m.Rows) > ebemu.DefaultMaxRows || len(b.Warnings) == 0 {
		t.Errorf("%d rows, warnings %v", len(m.Rows), b.Warnings)
	}
}
