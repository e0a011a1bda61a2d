package mbemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	adminID = "300000000000000001"
	tok     = "secret-token"
)

type env struct {
	t  *testing.T
	mb *Moneybird
	ts *httptest.Server
}

func start(t *testing.T, scopes ...string) *env {
	t.Helper()
	mb := New(adminID, tok, scopes...)
	ts := httptest.NewServer(mb)
	t.Cleanup(ts.Close)
	mb.SetURL(ts.URL)
	return &env{t: t, mb: mb, ts: ts}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, into any) {
	t.Helper()
	if err := json.Unmarshal(r.body, into); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
}

// call sends method path (below /api/v2/) with token tk and body (nil,
// a string or a value to encode).
func (e *env) callAs(tk, method, path string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.ts.URL+"/api/v2/"+path, rd)
	if tk != "" {
		req.Header.Set("Authorization", "Bearer "+tk)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

func (e *env) call(method, path string, body any) resp {
	e.t.Helper()
	return e.callAs(tok, method, path, body)
}

func (e *env) admin(p string) string { return adminID + "/" + p }

// expect checks the status and, if body != "", the exact JSON body.
func expect(t *testing.T, r resp, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if body == "" {
		return
	}
	var got, want any
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatalf("want %s: %v", body, err)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Fatalf("body\n %s\nwant\n %s", g, w)
	}
}

func TestAuth(t *testing.T) {
	e := start(t)
	expect(t, e.callAs("", "GET", "administrations.json", nil), 401, `{"error":"No access token provided"}`)
	expect(t, e.callAs("wrong", "GET", "administrations.json", nil), 401, `{"error":"Token is invalid"}`)
	// A Basic or raw token is not a Bearer token.
	req, _ := http.NewRequest("GET", e.ts.URL+"/api/v2/administrations.json", nil)
	req.Header.Set("Authorization", tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 401 {
		t.Fatalf("raw token: %v %v", res, err)
	}
	res.Body.Close()
	if got := e.call("GET", "administrations.json", nil); got.status != 200 || got.header.Get("RateLimit-Limit") != "150" {
		t.Fatalf("administrations: %d %v", got.status, got.header)
	}
	e.mb.RevokeToken(tok)
	r := e.call("GET", "administrations.json", nil)
	expect(t, r, 401, `{"error":"Token is invalid"}`)
	if r.header.Get("RateLimit-Limit") != "" {
		t.Fatal("a refused token has no limit headers")
	}

	// Scopes: the default is sales_invoices; contacts need any scope but
	// time_entries.
	e.mb.AddToken("time", ScopeTimeEntries)
	e.mb.AddToken("settings", ScopeSettings)
	expect(t, e.callAs("time", "GET", e.admin("contacts.json"), nil), 401,
		`{"error":"No access to [:sales_invoices, :documents, :estimates, :bank, :settings]"}`)
	expect(t, e.callAs("settings", "GET", e.admin("contacts.json"), nil), 200, "")
	expect(t, e.callAs("settings", "GET", e.admin("external_sales_invoices.json"), nil), 401, `{"error":"No access to [:sales_invoices]"}`)

	e.mb.AddToken("ro")
	e.mb.SetReadOnly("ro", true)
	expect(t, e.callAs("ro", "GET", e.admin("contacts.json"), nil), 200, "")
	expect(t, e.callAs("ro", "POST", e.admin("contacts.json"), map[string]any{"contact": map[string]any{"company_name": "X"}}), 403,
		`{"error":"Token is read-only","symbolic":{"token":"read_only"}}`)
	if len(e.mb.Contacts()) != 0 {
		t.Fatal("a read-only token created a contact")
	}

	// A suspended administration: 402 on a change, reads still work.
	e.mb.SetSuspended(true)
	expect(t, e.callAs("settings", "POST", e.admin("contacts.json"), map[string]any{"contact": map[string]any{"company_name": "X"}}), 402,
		`{"error":"Payment required","symbolic":{"administration":"suspended"}}`)
	var admins []Administration
	e.callAs("settings", "GET", "administrations.json", nil).json(t, &admins)
	if !admins[0].Suspended {
		t.Fatal("not shown suspended")
	}
	expect(t, e.callAs("settings", "GET", e.admin("contacts.json"), nil), 200, "")
}

func TestAdministrationsAndRoutes(t *testing.T) {
	e := start(t)
	var admins []map[string]any
	r := e.call("GET", "administrations.json", nil)
	expect(t, r, 200, "")
	r.json(t, &admins)
	want := map[string]any{"id": adminID, "language": "nl", "currency": "EUR", "country": "NL",
		"time_zone": "Europe/Amsterdam", "access": "user", "suspended": false, "period_locked_until": nil}
	if len(admins) != 1 {
		t.Fatalf("%v", admins)
	}
	for k, v := range want {
		if admins[0][k] != v {
			t.Fatalf("administration %s = %v, want %v", k, admins[0][k], v)
		}
	}
	expect(t, e.call("GET", "administrations", nil), 200, "") // format empty
	expect(t, e.call("GET", e.admin("tax_rates"), nil), 200, "")
	expect(t, e.call("GET", "999/tax_rates.json", nil), 404, `{"error":"record not found","symbolic":{"administration_id":"not_found"}}`)
	expect(t, e.call("GET", e.admin("nothing.json"), nil), 404, `{"error":"record not found"}`)
	expect(t, e.call("GET", e.admin("tax_rates.xml"), nil), 406, "")
}

func (e *env) contact(fields map[string]any) map[string]any {
	e.t.Helper()
	r := e.call("POST", e.admin("contacts.json"), map[string]any{"contact": fields})
	expect(e.t, r, 201, "")
	var c map[string]any
	r.json(e.t, &c)
	return c
}

func TestContacts(t *testing.T) {
	e := start(t)
	c := e.contact(map[string]any{"company_name": "Bakkerij Jansen", "address1": "Dorpsstraat 1", "zipcode": "1234 AB",
		"city": "Utrecht", "country": "NL", "tax_number": "NL001234567B01", "chamber_of_commerce": "12345678",
		"send_invoices_to_email": "info@jansen.nl", "delivery_method": "Email"})
	if c["customer_id"] != "1" || c["id"] == "" || c["administration_id"] != adminID {
		t.Fatalf("customer_id assigned: %v", c)
	}
	p := e.contact(map[string]any{"firstname": "Piet", "lastname": "de Vries", "customer_id": "ob-woo-42", "country": "be"})
	if p["country"] != "BE" || p["customer_id"] != "ob-woo-42" {
		t.Fatalf("%v", p)
	}

	expect(t, e.call("POST", e.admin("contacts.json"), map[string]any{}), 400,
		`{"error":"Contact is required","symbolic":{"contact":"required"}}`)
	expect(t, e.call("POST", e.admin("contacts.json"), map[string]any{"contact": map[string]any{"firstname": "Piet"}}), 422,
		`{"error":{"company_name":["is required"]},"details":{"company_name":[{"error":"required"}]}}`)
	expect(t, e.call("POST", e.admin("contacts.json"), map[string]any{"contact": map[string]any{"company_name": "B", "customer_id": "ob-woo-42"}}), 422,
		`{"error":{"customer_id":["has already been taken"]},"details":{"customer_id":[{"error":"taken","value":"ob-woo-42"}]}}`)
	expect(t, e.call("POST", e.admin("contacts.json"), map[string]any{"contact": map[string]any{"company_name": "B", "delivery_method": "Fax", "country": "Nederland"}}), 422,
		`{"error":{"country":["is invalid"],"delivery_method":["is not included in the list"]},"details":{"country":[{"error":"invalid","value":"NEDERLAND"}],"delivery_method":[{"error":"inclusion","value":"Fax"}]}}`)
	expect(t, e.call("POST", e.admin("contacts.json"), "{not json"), 400, "")
	if n := len(e.mb.Contacts()); n != 2 {
		t.Fatalf("%d contacts after refusals", n)
	}

	// By customer id, percent-encoded, digits or not [?].
	var got map[string]any
	r := e.call("GET", e.admin("contacts/customer_id/"+url.PathEscape("ob-woo-42")+".json"), nil)
	expect(t, r, 200, "")
	r.json(t, &got)
	if got["id"] != p["id"] {
		t.Fatalf("by customer id: %v", got)
	}
	expect(t, e.call("GET", e.admin("contacts/customer_id/1.json"), nil), 200, "")
	e.mb.AddContact(Contact{Firstname: "Sla", Lastname: "Slash", CustomerID: "shop/7 a%"})
	r = e.call("GET", e.admin("contacts/customer_id/"+url.PathEscape("shop/7 a%")+".json"), nil)
	r.json(t, &got)
	if r.status != 200 || got["lastname"] != "Slash" {
		t.Fatalf("an escaped customer id: %d %s", r.status, r.body)
	}
	expect(t, e.call("GET", e.admin("contacts/customer_id/nobody.json"), nil), 404,
		`{"error":"record not found","symbolic":{"customer_id":"not_found"}}`)
	expect(t, e.call("GET", e.admin("contacts/"+p["id"].(string)+".json"), nil), 200, "")
	expect(t, e.call("GET", e.admin("contacts/1.json"), nil), 404, "")

	// Search.
	for q, want := range map[string]int{"jansen": 2 - 1, "VRIES": 1, "info@jansen.nl": 1, "ob-woo": 1, "nobody": 0} {
		var list []Contact
		r := e.call("GET", e.admin("contacts.json?query="+url.QueryEscape(q)), nil)
		expect(t, r, 200, "")
		r.json(t, &list)
		if len(list) != want {
			t.Fatalf("query %q: %d contacts, want %d", q, len(list), want)
		}
	}
	var companies []Contact
	r = e.call("GET", e.admin("contacts/filter.json?filter=contact_type:company"), nil)
	expect(t, r, 200, "")
	r.json(t, &companies)
	if len(companies) != 1 || companies[0].CompanyName != "Bakkerij Jansen" {
		t.Fatalf("filter: %v", companies)
	}
	expect(t, e.call("GET", e.admin("contacts/filter.json?filter=color:red"), nil), 400, `{"error":"Filter \"color:red\" is invalid","symbolic":{"filter":"invalid"}}`)

	// PATCH keeps customer_id unique too.
	expect(t, e.call("PATCH", e.admin("contacts/"+c["id"].(string)+".json"), map[string]any{"contact": map[string]any{"customer_id": "ob-woo-42"}}), 422, "")
	expect(t, e.call("PATCH", e.admin("contacts/"+c["id"].(string)+".json"), map[string]any{"contact": map[string]any{"city": "Zeist"}}), 200, "")
}

func TestTaxRatesAndLedgerAccounts(t *testing.T) {
	e := start(t)
	var rates []TaxRate
	r := e.call("GET", e.admin("tax_rates.json?filter=tax_rate_type:sales_invoice,percentage:21,active:true"), nil)
	expect(t, r, 200, "")
	r.json(t, &rates)
	var domestic, foreign int
	for _, tr := range rates {
		if tr.Percentage != "21.0" || tr.TaxRateType != "sales_invoice" || !tr.Active {
			t.Fatalf("filtered: %+v", tr)
		}
		if tr.Country == nil {
			domestic++
		} else {
			foreign++
		}
	}
	if domestic != 1 || foreign != 1 {
		t.Fatalf("21%% sales rates: %d domestic, %d foreign (OSS)", domestic, foreign)
	}
	var raw []map[string]any
	r.json(t, &raw)
	for _, k := range []string{"id", "name", "percentage", "tax_rate_type", "show_tax", "active", "country"} {
		if _, ok := raw[0][k]; !ok {
			t.Fatalf("tax rate lacks %s: %v", k, raw[0])
		}
	}
	r = e.call("GET", e.admin("tax_rates.json?filter=partial_name:verlegd"), nil)
	r.json(t, &rates)
	if len(rates) != 1 || rates[0].Name != "Btw verlegd" {
		t.Fatalf("partial_name: %v", rates)
	}
	r = e.call("GET", e.admin("tax_rates.json?filter=active:false"), nil)
	r.json(t, &rates)
	if len(rates) != 1 {
		t.Fatalf("inactive: %v", rates)
	}
	expect(t, e.call("GET", e.admin("tax_rates.json?filter=kind:x"), nil), 400, "")
	expect(t, e.call("GET", e.admin("tax_rates.json?filter=percentage:abc"), nil), 400, "")

	var ledgers []map[string]any
	r = e.call("GET", e.admin("ledger_accounts.json"), nil)
	expect(t, r, 200, "")
	r.json(t, &ledgers)
	if r.header.Get("X-Total-Count") != "" || r.header.Get("Link") != "" {
		t.Fatal("ledger accounts are unpaginated")
	}
	uncoded := 0
	for _, l := range ledgers {
		for _, k := range []string{"id", "name", "account_type", "account_id", "parent_id", "allowed_document_types", "financial_account_id", "taxonomy_item"} {
			if _, ok := l[k]; !ok {
				t.Fatalf("ledger lacks %s: %v", k, l)
			}
		}
		if l["account_id"] == nil {
			uncoded++
		}
	}
	if uncoded != 1 {
		t.Fatalf("%d ledgers without a code", uncoded)
	}
}

// invoiceBody is a create body; lines are [description, price, amount,
// tax rate name].
func (e *env) invoiceBody(contact, ref string, incl any, lines ...[4]any) map[string]any {
	var details []map[string]any
	for _, l := range lines {
		details = append(details, map[string]any{"description": l[0], "price": l[1], "amount": l[2],
			"tax_rate_id": e.mb.TaxRateID(l[3].(string)), "ledger_account_id": e.mb.LedgerAccountID("8000")})
	}
	return map[string]any{"external_sales_invoice": map[string]any{"contact_id": contact, "reference": ref,
		"date": "2026-11-30", "currency": "EUR", "prices_are_incl_tax": incl, "source": "Orderbrug",
		"source_url": "https://shop.example/wp-admin/post.php?post=1042", "details_attributes": details}}
}

func (e *env) createInvoice(body map[string]any) Invoice {
	e.t.Helper()
	r := e.call("POST", e.admin("external_sales_invoices.json"), body)
	expect(e.t, r, 201, "")
	var inv Invoice
	r.json(e.t, &inv)
	return inv
}

func totals(inv Invoice) string {
	s := inv.TotalPriceExclTax + "/" + inv.TotalPriceInclTax
	for _, tt := range inv.TaxTotals {
		s += " " + tt.TaxableAmount + "+" + tt.TaxAmount
	}
	return s
}

func TestInvoiceVAT(t *testing.T) {
	e := start(t)
	c := e.contact(map[string]any{"company_name": "Klant"})["id"].(string)
	cases := []struct {
		name    string
		mode    Rounding
		incl    any
		lines   [][4]any
		want    string
		details []string // each detail's total_price_excl_tax_with_discount
	}{
		// Excl.: 3 × 0.12 at 21 %: per line 0.0252 → 0.03 each; per rate
		// 0.36 × 21 % = 0.0756 → 0.08.
		{"excl per line", PerLine, false, [][4]any{{"a", "0.12", 1, "21% btw"}, {"b", "0,12", "1", "21% btw"}, {"c", 0.12, 1, "21% btw"}},
			"0.36/0.45 0.36+0.09", []string{"0.12", "0.12", "0.12"}},
		{"excl per rate", PerRate, false, [][4]any{{"a", "0.12", 1, "21% btw"}, {"b", "0.12", 1, "21% btw"}, {"c", "0.12", 1, "21% btw"}},
			"0.36/0.44 0.36+0.08", nil},
		// Incl.: 3 × 1.00 at 21 %: per line net 0.8264 → 0.83, VAT 0.17;
		// per rate 3.00 / 1.21 = 2.479 → 2.48, VAT 0.52.
		{"incl per line", PerLine, true, [][4]any{{"a", "1.00", 1, "21% btw"}, {"b", "1.00", 1, "21% btw"}, {"c", "1.00", 1, "21% btw"}},
			"2.49/3.0 2.49+0.51", []string{"0.83", "0.83", "0.83"}},
		{"incl per rate", PerRate, "true", [][4]any{{"a", "1.00", 1, "21% btw"}, {"b", "1.00", 1, "21% btw"}, {"c", "1.00", 1, "21% btw"}},
			"2.48/3.0 2.48+0.52", nil},
		// Two rates, a comma price, string amounts.
		{"mixed", PerLine, false, [][4]any{{"boek", "10,95", "2", "9% btw"}, {"pen", 4.5, 3, "21% btw"}, {"verzending", "4.95", 1, "21% btw"}},
			"40.35/46.2 21.9+1.97 18.45+3.88", []string{"21.9", "13.5", "4.95"}},
		// Half away from zero: 0.50 × 9 % = 0.045 → 0.05, and −0.05.
		{"half up", PerLine, false, [][4]any{{"a", "0.50", 1, "9% btw"}}, "0.5/0.55 0.5+0.05", nil},
		{"half up negative", PerLine, false, [][4]any{{"a", "-0.50", 1, "9% btw"}}, "-0.5/-0.55 -0.5+-0.05", nil},
		// A refund: negative prices, incl.
		{"refund", PerLine, true, [][4]any{{"retour", "-12.10", 1, "21% btw"}, {"verzending", "-4,95", 1, "21% btw"}},
			"-14.09/-17.05 -14.09+-2.96", []string{"-10.0", "-4.09"}},
		// A fractional amount and a price with more decimals: the line is
		// rounded to the cent first.
		{"fractions", PerLine, false, [][4]any{{"kaas", "12.345", "0,5", "9% btw"}}, "6.17/6.73 6.17+0.56", nil},
		{"zero rates", PerLine, false, [][4]any{{"export", "100", 1, "Buiten EU"}, {"icp", "50", 1, "Binnen EU"}},
			"150.0/150.0 100.0+0.0 50.0+0.0", nil},
	}
	for _, tc := range cases {
		e.mb.SetRounding(tc.mode)
		inv := e.createInvoice(e.invoiceBody(c, tc.name, tc.incl, tc.lines...))
		if got := totals(inv); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		for i, d := range tc.details {
			if inv.Details[i].TotalPriceExclTaxWithDiscount != d {
				t.Errorf("%s line %d: %s, want %s", tc.name, i, inv.Details[i].TotalPriceExclTaxWithDiscount, d)
			}
		}
		if inv.State != "open" && inv.TotalPriceInclTax != "0.0" {
			t.Errorf("%s: state %s", tc.name, inv.State)
		}
		if inv.TotalUnpaid != inv.TotalPriceInclTax || inv.TotalPaid != "0.0" {
			t.Errorf("%s: unpaid %s paid %s", tc.name, inv.TotalUnpaid, inv.TotalPaid)
		}
	}
	e.mb.SetRounding(PerLine)

	// The wire form: the documented fields.
	r := e.call("POST", e.admin("external_sales_invoices.json"), map[string]any{"external_sales_invoice": map[string]any{
		"contact_id": c, "reference": "WOO-1042", "date": "2026-11-30", "prices_are_incl_tax": "false",
		"details_attributes": map[string]any{
			"1": map[string]any{"description": "tweede", "price": "10", "tax_rate_id": e.mb.TaxRateID("21% btw"), "ledger_account_id": e.mb.LedgerAccountID("8000")},
			"0": map[string]any{"description": "eerste", "price": "5", "amount": "2", "tax_rate_id": e.mb.TaxRateID("Binnen EU"), "ledger_account_id": e.mb.LedgerAccountID("8100"), "period": "20261101..20261130"},
		}}})
	expect(t, r, 201, "")
	var raw map[string]any
	r.json(t, &raw)
	for _, k := range []string{"id", "administration_id", "contact_id", "contact", "date", "state", "due_date", "reference", "entry_number",
		"origin", "source", "source_url", "currency", "paid_at", "version", "details", "payments", "total_paid", "total_unpaid",
		"total_unpaid_base", "prices_are_incl_tax", "total_price_excl_tax", "total_price_excl_tax_base", "total_price_incl_tax",
		"total_price_incl_tax_base", "marked_dubious_on", "marked_uncollectible_on", "notes", "attachments", "events", "tax_totals"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("invoice lacks %s", k)
		}
	}
	var inv Invoice
	r.json(t, &inv)
	if inv.Origin != "api" || inv.Currency != "EUR" || inv.Events[0].Action != "external_sales_invoice_created" || inv.Contact.ID != c {
		t.Fatalf("%+v", inv)
	}
	d := inv.Details
	if len(d) != 2 || d[0].Description != "eerste" || d[0].Amount != "2 x" || d[0].AmountDecimal != "2.0" || d[0].Price != "5.0" ||
		d[0].TaxReportReference[0] != "NL/3b" || d[0].MandatoryTaxText == nil || d[1].TaxReportReference[0] != "NL/1a" {
		t.Fatalf("details %+v", d)
	}
	if totals(inv) != "20.0/22.1 10.0+0.0 10.0+2.1" {
		t.Fatalf("map details: %s", totals(inv))
	}

	// A USD invoice has its *_base amounts in EUR.
	e.mb.SetExchangeRate("USD", "0.9")
	body := e.invoiceBody(c, "USD-1", false, [4]any{"a", "100", 1, "21% btw"})
	body["external_sales_invoice"].(map[string]any)["currency"] = "USD"
	usd := e.createInvoice(body)
	if usd.TotalPriceInclTax != "121.0" || usd.TotalPriceInclTaxBase != "108.9" || usd.TaxTotals[0].TaxAmountBase != "18.9" {
		t.Fatalf("USD: %s %s %+v", usd.TotalPriceInclTax, usd.TotalPriceInclTaxBase, usd.TaxTotals)
	}
}

func TestInvoiceErrors(t *testing.T) {
	e := start(t)
	c := e.contact(map[string]any{"company_name": "Klant"})["id"].(string)
	post := func(b any) resp { return e.call("POST", e.admin("external_sales_invoices.json"), b) }
	ok := e.invoiceBody(c, "R1", false, [4]any{"a", "10", 1, "21% btw"})
	with := func(field string, v any) map[string]any {
		b := e.invoiceBody(c, "R1", false, [4]any{"a", "10", 1, "21% btw"})
		inv := b["external_sales_invoice"].(map[string]any)
		if v == nil {
			delete(inv, field)
		} else {
			inv[field] = v
		}
		return b
	}
	detail := func(field string, v any) map[string]any {
		b := with("x", nil)
		d := b["external_sales_invoice"].(map[string]any)["details_attributes"].([]map[string]any)[0]
		if v == nil {
			delete(d, field)
		} else {
			d[field] = v
		}
		return b
	}
	expect(t, post(map[string]any{}), 400, `{"error":"External sales invoice is required","symbolic":{"external_sales_invoice":"required"}}`)
	contactInvalid := `{"error":"Contact ID is invalid","symbolic":{"external_sales_invoice":{"contact_id":"contact_invalid"}}}`
	expect(t, post(with("contact_id", "12345")), 400, contactInvalid)
	expect(t, post(with("contact_id", nil)), 400, contactInvalid)
	expect(t, post(with("date", nil)), 422, `{"error":{"date":["can't be blank"]},"details":{"date":[{"error":"blank"}]}}`)
	expect(t, post(with("date", "30-11-2026")), 422, `{"error":{"date":["is not a valid date"]},"details":{"date":[{"error":"is not a valid date"}]}}`)
	expect(t, post(with("currency", "euro")), 422, "")
	expect(t, post(with("prices_are_incl_tax", "maybe")), 422, "")
	expect(t, post(detail("price", "tien")), 422, `{"error":{"details.price":["is not a number"]},"details":{"details.price":[{"error":"not_a_number","value":"tien"}]}}`)
	expect(t, post(detail("price", "1.000,00")), 422, "")
	expect(t, post(detail("price", nil)), 422, `{"error":{"details.price":["is not a number"]},"details":{"details.price":[{"error":"not_a_number","value":null}]}}`)
	expect(t, post(detail("amount", "veel")), 422, "")
	expect(t, post(detail("tax_rate_id", nil)), 422, "")
	purchase := ""
	for _, tr := range e.mb.TaxRates() {
		if tr.TaxRateType == "purchase_invoice" {
			purchase = tr.ID
		}
	}
	expect(t, post(detail("tax_rate_id", purchase)), 422, `{"error":{"details.tax_rate_id":["is invalid"]},"details":{"details.tax_rate_id":[{"error":"invalid","value":"`+purchase+`"}]}}`)
	for _, tr := range e.mb.TaxRates() {
		if !tr.Active {
			expect(t, post(detail("tax_rate_id", tr.ID)), 422, "")
		}
	}
	expect(t, post(detail("ledger_account_id", e.mb.LedgerAccountID("1300"))), 422, "") // not for sales
	expect(t, post(detail("ledger_account_id", "1")), 422, "")
	expect(t, post(detail("period", "2026..2027")), 422, "")
	var uncoded string
	for _, l := range e.mb.LedgerAccounts() {
		if l.AccountID == nil {
			uncoded = l.ID
		}
	}
	expect(t, post(detail("ledger_account_id", uncoded)), 422, "")
	if e.mb.InvoiceCount() != 0 || e.mb.Created() != 0 {
		t.Fatal("a refused create made an invoice")
	}
	e.mb.SetRefuseUncodedLedger(false)
	expect(t, post(detail("ledger_account_id", uncoded)), 201, "")
	expect(t, post(ok), 201, "")

	expect(t, e.call("GET", e.admin("external_sales_invoices/1.json"), nil), 404, `{"error":"record not found","symbolic":{"id":"not_found"}}`)
	expect(t, e.call("POST", e.admin("external_sales_invoices/1/payments.json"), map[string]any{"payment": map[string]any{}}), 404, "")
	expect(t, e.call("GET", e.admin("external_sales_invoices.json?filter=state:bogus"), nil), 400, "")
	expect(t, e.call("GET", e.admin("external_sales_invoices.json?filter=reference:R1"), nil), 400, "") // no such filter
	expect(t, e.call("GET", e.admin("external_sales_invoices.json?filter=period:2026"), nil), 400, "")
}

// listAll pages through a list with per_page 100.
func (e *env) listAll(path string) []Invoice {
	e.t.Helper()
	var out []Invoice
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for page := 1; ; page++ {
		r := e.call("GET", e.admin(path+sep+"per_page=100&page="+strconv.Itoa(page)), nil)
		expect(e.t, r, 200, "")
		var list []Invoice
		r.json(e.t, &list)
		out = append(out, list...)
		if !strings.Contains(r.header.Get("Link"), `rel="next"`) {
			return out
		}
	}
}

func byRef(list []Invoice, ref string) []Invoice {
	var out []Invoice
	for _, inv := range list {
		if inv.Reference == ref {
			out = append(out, inv)
		}
	}
	return out
}

func TestNoDeduplicationAndFindByReference(t *testing.T) {
	e := start(t)
	c := e.contact(map[string]any{"company_name": "Klant"})["id"].(string)
	other := e.contact(map[string]any{"company_name": "Ander"})["id"].(string)
	body := e.invoiceBody(c, "WOO-1042", false, [4]any{"a", "10", 1, "21% btw"})
	a, b := e.createInvoice(body), e.createInvoice(body)
	if a.ID == b.ID || e.mb.Created() != 2 || len(e.mb.InvoicesByReference("WOO-1042")) != 2 || b.EntryNumber != a.EntryNumber+1 {
		t.Fatalf("Moneybird does not deduplicate: %s %s, %d created", a.ID, b.ID, e.mb.Created())
	}
	e.createInvoice(e.invoiceBody(other, "WOO-1043", false, [4]any{"a", "10", 1, "21% btw"}))
	old := e.invoiceBody(c, "WOO-900", false, [4]any{"a", "10", 1, "21% btw"})
	old["external_sales_invoice"].(map[string]any)["date"] = "2026-10-15"
	e.createInvoice(old)

	if got := byRef(e.listAll("external_sales_invoices.json?filter=contact_id:"+c+",period:20261101..20261130"), "WOO-1042"); len(got) != 2 {
		t.Fatalf("by contact and period: %d", len(got))
	}
	if got := e.listAll("external_sales_invoices.json?filter=contact_id:" + c + ",period:202611..202611"); len(got) != 2 {
		t.Fatalf("month period: %d", len(got))
	}
	if got := e.listAll("external_sales_invoices.json?filter=period:20261001..20261031"); len(got) != 1 || got[0].Reference != "WOO-900" {
		t.Fatalf("October: %v", got)
	}
	e.mb.SetClock(func() time.Time { return time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC) }) // 00:30 on 1 Dec in Amsterdam
	if got := e.listAll("external_sales_invoices.json?filter=period:prev_month"); len(got) != 3 {
		t.Fatalf("prev_month on Amsterdam's clock: %d", len(got))
	}
	if got := e.listAll("external_sales_invoices.json?filter=state:paid"); len(got) != 0 {
		t.Fatalf("paid: %d", len(got))
	}
	if got := e.listAll("external_sales_invoices.json?filter=state:open|paid"); len(got) != 4 {
		t.Fatalf("open|paid: %d", len(got))
	}

	// Deleting one leaves the other; Created still counts both.
	expect(t, e.call("DELETE", e.admin("external_sales_invoices/"+b.ID+".json"), nil), 204, "")
	expect(t, e.call("DELETE", e.admin("external_sales_invoices/"+b.ID+".json"), nil), 404, "")
	if e.mb.InvoiceCount() != 3 || e.mb.Created() != 4 {
		t.Fatalf("%d invoices, %d created", e.mb.InvoiceCount(), e.mb.Created())
	}

	// PATCH changes a line and recomputes.
	r := e.call("PATCH", e.admin("external_sales_invoices/"+a.ID+".json"), map[string]any{"external_sales_invoice": map[string]any{
		"details_attributes": []map[string]any{{"id": a.Details[0].ID, "price": "20"}}}})
	expect(t, r, 200, "")
	var patched Invoice
	r.json(t, &patched)
	if patched.TotalPriceInclTax != "24.2" || patched.Reference != "WOO-1042" || len(patched.Details) != 1 {
		t.Fatalf("patched: %s", totals(patched))
	}
	// A line added, the first destroyed.
	r = e.call("PATCH", e.admin("external_sales_invoices/"+a.ID+".json"), map[string]any{"external_sales_invoice": map[string]any{
		"details_attributes": []map[string]any{{"id": a.Details[0].ID, "_destroy": true},
			{"description": "b", "price": "5", "tax_rate_id": e.mb.TaxRateID("9% btw"), "ledger_account_id": e.mb.LedgerAccountID("8010")}}}})
	expect(t, r, 200, "")
	r.json(t, &patched)
	if totals(patched) != "5.0/5.45 5.0+0.45" || len(patched.Details) != 1 || patched.Details[0].ID == a.Details[0].ID {
		t.Fatalf("patched: %s", totals(patched))
	}
	expect(t, e.call("PATCH", e.admin("external_sales_invoices/"+a.ID+".json"), map[string]any{"external_sales_invoice": map[string]any{
		"details_attributes": []map[string]any{{"id": "1", "price": "5"}}}}), 422, "")
}

func TestPayments(t *testing.T) {
	e := start(t)
	c := e.contact(map[string]any{"company_name": "Klant"})["id"].(string)
	inv := e.createInvoice(e.invoiceBody(c, "WOO-1", true, [4]any{"a", "121", 1, "21% btw"}))
	pay := func(id string, p any) resp {
		return e.call("POST", e.admin("external_sales_invoices/"+id+"/payments.json"), p)
	}
	expect(t, pay(inv.ID, map[string]any{}), 400, `{"error":"Payment is required","symbolic":{"payment":"required"}}`)
	// The spec's own example body [M1], to the letter.
	expect(t, pay(inv.ID, map[string]any{"payment": map[string]any{"manual_payment_action": "bank_transfer"}}), 422,
		`{"error":{"payment_date":["can't be blank","is not a valid date"],"price":["is not a number"]},"details":{"payment_date":[{"error":"blank"},{"error":"is not a valid date"}],"price":[{"error":"not_a_number","value":null}]}}`)
	expect(t, pay(inv.ID, map[string]any{"payment": map[string]any{"payment_date": "2026-12-01", "price": "2000000000"}}), 422, "")
	expect(t, pay(inv.ID, map[string]any{"payment": map[string]any{"payment_date": "2026-12-01", "price": "121", "manual_payment_action": "cheque"}}), 422, "")

	r := pay(inv.ID, map[string]any{"payment": map[string]any{"payment_date": "2026-12-01", "price": "121.0", "manual_payment_action": "bank_transfer"}})
	expect(t, r, 201, "")
	var p Payment
	r.json(t, &p)
	if p.InvoiceType != "ExternalSalesInvoice" || p.InvoiceID != inv.ID || p.Price != "121.0" || p.PriceBase != "121.0" || p.PaymentDate != "2026-12-01" {
		t.Fatalf("payment %+v", p)
	}
	got, _ := e.mb.Invoice(inv.ID)
	if got.State != "paid" || got.TotalUnpaid != "0.0" || got.TotalPaid != "121.0" || got.PaidAt == nil || *got.PaidAt != "2026-12-01" || len(got.Payments) != 1 {
		t.Fatalf("paid invoice: %s %s %v", got.State, got.TotalUnpaid, got.PaidAt)
	}
	expect(t, e.call("DELETE", e.admin("external_sales_invoices/"+inv.ID+"/payments/"+p.ID+".json"), nil), 204, "")
	if got, _ := e.mb.Invoice(inv.ID); got.State != "open" {
		t.Fatalf("after the payment's deletion: %s", got.State)
	}

	// A refund: a negative invoice, paid with a negative price.
	refund := e.createInvoice(e.invoiceBody(c, "WOO-1-C1", true, [4]any{"retour", "-121", 1, "21% btw"}))
	expect(t, pay(refund.ID, map[string]any{"payment": map[string]any{"payment_date": "2026-12-02", "price": -121}}), 201, "")
	if got, _ := e.mb.Invoice(refund.ID); got.State != "paid" || got.TotalPriceInclTax != "-121.0" || got.TaxTotals[0].TaxAmount != "-21.0" {
		t.Fatalf("refund: %s %s", got.State, totals(got))
	}

	// A foreign invoice needs price_base.
	body := e.invoiceBody(c, "USD", false, [4]any{"a", "100", 1, "21% btw"})
	body["external_sales_invoice"].(map[string]any)["currency"] = "USD"
	usd := e.createInvoice(body)
	expect(t, pay(usd.ID, map[string]any{"payment": map[string]any{"payment_date": "2026-12-01", "price": "121"}}), 422,
		`{"error":{"price_base":["is not a number"]},"details":{"price_base":[{"error":"not_a_number","value":null}]}}`)
	expect(t, pay(usd.ID, map[string]any{"payment": map[string]any{"payment_date": "2026-12-01", "price": "121", "price_base": "110,5"}}), 201, "")

	// Late: open past its due date on the clock.
	body = e.invoiceBody(c, "LATE", false, [4]any{"a", "1", 1, "21% btw"})
	body["external_sales_invoice"].(map[string]any)["due_date"] = "2026-12-14"
	late := e.createInvoice(body)
	e.mb.SetClock(func() time.Time { return time.Date(2026, 12, 20, 12, 0, 0, 0, time.UTC) })
	if got, _ := e.mb.Invoice(late.ID); got.State != "late" {
		t.Fatalf("late: %s", got.State)
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRateLimit(t *testing.T) {
	e := start(t)
	clock := &fakeClock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	e.mb.SetClock(clock.now)
	reset := strconv.FormatInt(clock.t.Add(5*time.Minute).Unix(), 10)
	for i := 1; i <= 150; i++ {
		r := e.call("GET", e.admin("tax_rates.json"), nil)
		if r.status != 200 || r.header.Get("RateLimit-Limit") != "150" ||
			r.header.Get("RateLimit-Remaining") != strconv.Itoa(150-i) || r.header.Get("RateLimit-Reset") != reset {
			t.Fatalf("request %d: %d %v", i, r.status, r.header)
		}
		clock.add(time.Second) // 150 s in all: one window
	}
	r := e.call("POST", e.admin("contacts.json"), map[string]any{"contact": map[string]any{"company_name": "X"}})
	expect(t, r, 429, `"Retry later"`)
	if r.header.Get("Retry-After") != reset || r.header.Get("RateLimit-Remaining") != "0" || r.header.Get("RateLimit-Reset") != reset {
		t.Fatalf("429 headers %v", r.header)
	}
	if len(e.mb.Contacts()) != 0 {
		t.Fatal("a 429 created a contact")
	}
	// Another token has its own limit.
	e.mb.AddToken("other")
	expect(t, e.callAs("other", "GET", e.admin("tax_rates.json"), nil), 200, "")

	// Seconds to wait instead of the epoch second, the other reading.
	e.mb.SetRetryAfterDelta(true)
	r = e.call("GET", e.admin("tax_rates.json"), nil)
	if r.status != 429 || r.header.Get("Retry-After") != "150" {
		t.Fatalf("delta Retry-After %q", r.header.Get("Retry-After"))
	}
	// Just before the reset it is still refused, at the reset a new
	// window starts.
	clock.add(5*time.Minute - 151*time.Second)
	expect(t, e.call("GET", e.admin("tax_rates.json"), nil), 429, "")
	clock.add(time.Second)
	r = e.call("GET", e.admin("tax_rates.json"), nil)
	if r.status != 200 || r.header.Get("RateLimit-Remaining") != "149" ||
		r.header.Get("RateLimit-Reset") != strconv.FormatInt(clock.now().Add(5*time.Minute).Unix(), 10) {
		t.Fatalf("after the reset: %d %v", r.status, r.header)
	}
}

func TestPagination(t *testing.T) {
	e := start(t)
	for i := 0; i < 250; i++ {
		e.mb.AddContact(Contact{CompanyName: fmt.Sprintf("Klant %03d", i)})
	}
	seen := map[string]bool{}
	next := e.ts.URL + "/api/v2/" + e.admin("contacts.json?per_page=100")
	pages := 0
	for next != "" {
		req, _ := http.NewRequest("GET", next, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var list []Contact
		_ = json.NewDecoder(res.Body).Decode(&list)
		res.Body.Close()
		pages++
		if res.Header.Get("X-Total-Count") != "250" {
			t.Fatalf("X-Total-Count %q", res.Header.Get("X-Total-Count"))
		}
		want := 100
		if pages == 3 {
			want = 50
		}
		if len(list) != want {
			t.Fatalf("page %d: %d", pages, len(list))
		}
		for _, c := range list {
			seen[c.ID] = true
		}
		link := res.Header.Get("Link")
		if (pages > 1) != strings.Contains(link, `rel="prev"`) {
			t.Fatalf("page %d Link %q", pages, link)
		}
		next = ""
		for _, part := range strings.Split(link, ",") {
			if strings.Contains(part, `rel="next"`) {
				next = strings.Trim(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]), "<>")
			}
		}
	}
	if pages != 3 || len(seen) != 250 {
		t.Fatalf("%d pages, %d contacts", pages, len(seen))
	}
	var list []Contact
	r := e.call("GET", e.admin("contacts.json"), nil)
	r.json(t, &list)
	if len(list) != DefaultPerPage {
		t.Fatalf("default page: %d", len(list))
	}
	r = e.call("GET", e.admin("contacts.json?page=9&per_page=100"), nil)
	expect(t, r, 200, `[]`)
	for _, q := range []string{"per_page=101", "per_page=0", "per_page=x", "page=0", "page=-1"} {
		expect(t, e.call("GET", e.admin("contacts.json?"+q), nil), 400, "")
	}
	expect(t, e.call("GET", e.admin("contacts.json?per_page=101"), nil), 400,
		`{"error":"per_page must be between 1 and 100","symbolic":{"per_page":"invalid"}}`)
}

func TestLostAnswer(t *testing.T) {
	e := start(t)
	c := e.contact(map[string]any{"company_name": "Klant"})["id"].(string)
	e.mb.LoseNext(1, "POST /api/v2/"+adminID+"/external_sales_invoices")
	body, _ := json.Marshal(e.invoiceBody(c, "WOO-7", false, [4]any{"a", "10", 1, "21% btw"}))
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v2/"+e.admin("external_sales_invoices.json"), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("a lost answer was answered: %d", res.StatusCode)
	}
	if e.mb.InvoiceCount() != 1 || e.mb.Created() != 1 {
		t.Fatalf("the create was not committed: %d", e.mb.InvoiceCount())
	}
	// The retry finds it by reference and creates nothing.
	if got := byRef(e.listAll("external_sales_invoices.json?filter=contact_id:"+c+",period:20261130..20261130"), "WOO-7"); len(got) != 1 {
		t.Fatalf("found %d", len(got))
	}
	if e.mb.Created() != 1 {
		t.Fatal("a duplicate")
	}
	// Only the next one is lost.
	e.createInvoice(e.invoiceBody(c, "WOO-8", false, [4]any{"a", "10", 1, "21% btw"}))
}

func TestFailNext(t *testing.T) {
	e := start(t)
	c := e.contact(map[string]any{"company_name": "Klant"})["id"].(string)
	e.mb.FailNext(2, "external_sales_invoices")
	expect(t, e.call("GET", e.admin("tax_rates.json"), nil), 200, "") // not matched
	body := e.invoiceBody(c, "WOO-9", false, [4]any{"a", "10", 1, "21% btw"})
	for i := 0; i < 2; i++ {
		expect(t, e.call("POST", e.admin("external_sales_invoices.json"), body), 500, `{"error":"Internal server error"}`)
	}
	if e.mb.Created() != 0 {
		t.Fatal("a 500 committed")
	}
	e.createInvoice(body)
	e.mb.FailNext(1, "")
	expect(t, e.call("GET", e.admin("ledger_accounts.json"), nil), 500, "")
	expect(t, e.call("GET", e.admin("ledger_accounts.json"), nil), 200, "")
	if e.mb.Created() != 1 {
		t.Fatal(e.mb.Created())
	}
}

func TestWebhooks(t *testing.T) {
	e := start(t)
	expect(t, e.call("POST", e.admin("webhooks.json"), map[string]any{"url": "https://x.example/h", "events": []string{"payment_registered"}}), 400,
		`{"error":"'events' has been removed from webhooks, use 'enabled_events'"}`)
	expect(t, e.call("POST", e.admin("webhooks.json"), map[string]any{}), 422,
		`{"error":{"url":["can't be blank"]},"details":{"url":[{"error":"blank"}]}}`)
	r := e.call("POST", e.admin("webhooks.json"), map[string]any{"url": "https://x.example/h?k=1", "enabled_events": []string{"external_sales_invoice_state_changed_to_paid"}})
	expect(t, r, 201, "")
	var h Webhook
	r.json(t, &h)
	if h.Token == "" || h.AdministrationID != adminID || h.EnabledEvents[0] != "external_sales_invoice_state_changed_to_paid" {
		t.Fatalf("%+v", h)
	}
	var list []Webhook
	e.call("GET", e.admin("webhooks.json"), nil).json(t, &list)
	if len(list) != 1 {
		t.Fatal(list)
	}
	expect(t, e.call("DELETE", e.admin("webhooks/"+h.ID+".json"), nil), 204, "")
	expect(t, e.call("DELETE", e.admin("webhooks/"+h.ID+".json"), nil), 404, "")

	// The URL must answer 200 when it is registered.
	status := 500
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	defer hook.Close()
	e.mb.SetWebhookCheck(true, hook.Client())
	expect(t, e.call("POST", e.admin("webhooks.json"), map[string]any{"url": hook.URL}), 422, "")
	status = 200
	expect(t, e.call("POST", e.admin("webhooks.json"), map[string]any{"url": hook.URL}), 201, "")
}

// Parallel creates and payments keep their counts (run with -race).
func TestConcurrent(t *testing.T) {
	e := start(t)
	c := e.contact(map[string]any{"company_name": "Klant"})["id"].(string)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 9; j++ { // 1 + 144 requests: within the limit
				inv := e.createInvoice(e.invoiceBody(c, fmt.Sprintf("R-%d-%d", i, j), false, [4]any{"a", "10", 1, "21% btw"}))
				r := e.call("POST", e.admin("external_sales_invoices/"+inv.ID+"/payments.json"),
					map[string]any{"payment": map[string]any{"payment_date": "2026-12-01", "price": "12.1"}})
				if r.status != 201 {
					t.Errorf("payment: %d", r.status)
				}
			}
		}()
	}
	wg.Wait()
	if e.mb.Created() != 72 || e.mb.InvoiceCount() != 72 {
		t.Fatal(e.mb.Created())
	}
	for _, inv := range e.mb.Invoices() {
		if inv.State != "paid" {
			t.Fatalf("%s: %s", inv.Reference, inv.State)
		}
	}
}

func TestAttachment(t *testing.T) {
	e := start(t)
	c := e.contact(map[string]any{"company_name": "Klant"})["id"].(string)
	inv := e.createInvoice(e.invoiceBody(c, "WOO-5", false, [4]any{"a", "10", 1, "21% btw"}))
	send := func(id, field string) resp {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile(field, "WOO-5.xml")
		_, _ = fw.Write([]byte("<Invoice/>"))
		_ = mw.Close()
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v2/"+e.admin("external_sales_invoices/"+id+"/attachment.json"), &buf)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return resp{res.StatusCode, res.Header, b}
	}
	expect(t, send(inv.ID, "document"), 400, `{"error":"File is required","symbolic":{"file":"required"}}`)
	expect(t, send("1", "file"), 404, "")
	if r := send(inv.ID, "file"); r.status != 200 {
		t.Fatalf("attach: %d %s", r.status, r.body)
	}
	files := e.mb.Attachments(inv.ID)
	if len(files) != 1 || files[0].Filename != "WOO-5.xml" || string(files[0].Data) != "<Invoice/>" {
		t.Fatalf("%+v", files)
	}
	got, _ := e.mb.Invoice(inv.ID)
	if len(got.Attachments) != 1 {
		t.Fatal(got.Attachments)
	}
}

// A scaled-down limit on the real clock, for a benchmark.
func TestScaledLimitRealClock(t *testing.T) {
	e := start(t)
	e.mb.SetRateLimit(3, 300*time.Millisecond)
	for i := 0; i < 3; i++ {
		r := e.call("GET", e.admin("tax_rates.json"), nil)
		if r.status != 200 || r.header.Get("RateLimit-Limit") != "3" {
			t.Fatalf("%d %v", r.status, r.header)
		}
	}
	r := e.call("GET", e.admin("tax_rates.json"), nil)
	expect(t, r, 429, `"Retry later"`)
	time.Sleep(310 * time.Millisecond) // the window began before the 429

	expect(t, e.call("GET", e.admin("tax_rates.json"), nil), 200, "")
}
