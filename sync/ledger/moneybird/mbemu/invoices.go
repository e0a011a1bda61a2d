package mbemu

import (
	"encoding/json"
	"math/big"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)
	periodText   = regexp.MustCompile(`^(\d{8})\.\.(\d{8})$`)
	monthPeriod  = regexp.MustCompile(`^(\d{6})\.\.(\d{6})$`)
)

var manualActions = []string{"private_payment", "payment_without_proof", "cash_payment", "rounding_error",
	"bank_transfer", "balance_settlement", "invoices_settlement"}

func (m *Moneybird) sortedInvoices() []*invoice {
	out := make([]*invoice, 0, len(m.invoices))
	for _, inv := range m.invoices {
		out = append(out, inv)
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

func (m *Moneybird) serveInvoices(w http.ResponseWriter, r *http.Request, parts []string) {
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		m.listInvoices(w, r)
	case len(parts) == 0 && r.Method == http.MethodPost:
		m.saveInvoice(w, r, "")
	case len(parts) == 1 && r.Method == http.MethodGet:
		m.mu.Lock()
		inv, ok := m.invoices[parts[0]]
		var out Invoice
		if ok {
			out = m.render(inv)
		}
		m.mu.Unlock()
		if !ok {
			notFound(w, map[string]any{"id": "not_found"})
			return
		}
		writeJSON(w, http.StatusOK, out)
	case len(parts) == 1 && r.Method == http.MethodPatch:
		m.saveInvoice(w, r, parts[0])
	case len(parts) == 1 && r.Method == http.MethodDelete:
		m.mu.Lock()
		_, ok := m.invoices[parts[0]]
		delete(m.invoices, parts[0])
		m.mu.Unlock()
		if !ok {
			notFound(w, map[string]any{"id": "not_found"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case len(parts) == 2 && parts[1] == "attachment" && r.Method == http.MethodPost:
		m.attach(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "payments" && r.Method == http.MethodPost:
		m.createPayment(w, r, parts[0])
	case len(parts) == 3 && parts[1] == "payments" && r.Method == http.MethodDelete:
		m.deletePayment(w, parts[0], parts[2])
	default:
		notFound(w, nil)
	}
}

// validDate: Y-m-d.
func validDate(s string) bool {
	t, err := time.Parse("2006-01-02", s)
	return err == nil && t.Format("2006-01-02") == s
}

// boolField reads prices_are_incl_tax: a bool or a string ("true",
// "false", "1", "0") [M1].
func boolField(raw json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "t":
			return true, true
		case "false", "0", "f":
			return false, true
		}
	}
	return false, false
}

// detailsList reads details_attributes: an array, or an object keyed by
// index ("0", "1", ...) [M1], in the order of the index.
func detailsList(raw json.RawMessage) ([]map[string]json.RawMessage, bool) {
	var arr []map[string]json.RawMessage
	if json.Unmarshal(raw, &arr) == nil {
		return arr, true
	}
	var obj map[string]map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil, false
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		if _, err := strconv.Atoi(k); err != nil {
			return nil, false
		}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, _ := strconv.Atoi(keys[i])
		b, _ := strconv.Atoi(keys[j])
		return a < b
	})
	for _, k := range keys {
		arr = append(arr, obj[k])
	}
	return arr, true
}

// saveInvoice is POST /external_sales_invoices (id "") and PATCH
// /external_sales_invoices/{id}.
func (m *Moneybird) saveInvoice(w http.ResponseWriter, r *http.Request, id string) {
	body, ok := decodeBody(w, r)
	if !ok {
		return
	}
	obj, ok := object(w, body, "external_sales_invoice", "External sales invoice")
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var inv invoice
	if id != "" {
		old, ok := m.invoices[id]
		if !ok {
			notFound(w, map[string]any{"id": "not_found"})
			return
		}
		inv = *old
		inv.lines = append([]line(nil), old.lines...)
		inv.Payments = append([]Payment(nil), old.Payments...)
		inv.Attachments = append([]any(nil), old.Attachments...)
		inv.files = append([]AttachmentFile(nil), old.files...)
	} else {
		inv.Currency = m.admin.Currency
	}
	_, hasContact := obj["contact_id"]
	if id == "" || hasContact {
		cid, _ := str(obj, "contact_id")
		if _, ok := m.contacts[cid]; !ok {
			symbolic(w, http.StatusBadRequest, "Contact ID is invalid",
				map[string]any{"external_sales_invoice": map[string]any{"contact_id": "contact_invalid"}})
			return
		}
		inv.ContactID = cid
	}
	var v verrs
	if s, ok := str(obj, "reference"); ok {
		inv.Reference = s
	}
	if s, ok := str(obj, "date"); ok || obj["date"] != nil {
		inv.Date = s
	}
	if inv.Date == "" {
		v.add("date", "can't be blank", "blank", nil, false)
	} else if !validDate(inv.Date) {
		v.add("date", "is not a valid date", "is not a valid date", nil, false)
	}
	if s, ok := str(obj, "due_date"); ok {
		inv.DueDate = &s
		if !validDate(s) {
			v.add("due_date", "is not a valid date", "is not a valid date", nil, false)
		}
	} else if obj["due_date"] != nil {
		inv.DueDate = nil
	}
	if s, ok := str(obj, "currency"); ok {
		inv.Currency = s
		if !currencyCode.MatchString(s) {
			v.add("currency", "is invalid", "invalid", s, true)
		}
	}
	if raw, ok := obj["prices_are_incl_tax"]; ok {
		b, ok := boolField(raw)
		if !ok {
			v.add("prices_are_incl_tax", "is invalid", "invalid", nil, false)
		}
		inv.PricesAreInclTax = b
	}
	if s, ok := str(obj, "source"); ok {
		inv.Source = &s
	}
	if s, ok := str(obj, "source_url"); ok {
		inv.SourceURL = &s
	}
	if raw, ok := obj["details_attributes"]; ok {
		list, ok := detailsList(raw)
		if !ok {
			v.add("details", "is invalid", "invalid", nil, false)
		}
		for _, d := range list {
			m.applyDetail(&inv, d, &v)
		}
	}
	if v.any() {
		v.write(w)
		return
	}
	now := m.stamp()
	status := http.StatusOK
	if id == "" {
		status = http.StatusCreated
		inv.ID, inv.AdministrationID = m.newID(), m.admin.ID
		inv.EntryNumber = m.nextEntry
		m.nextEntry++
		inv.Origin = "api"
		inv.CreatedAt = now
		inv.Notes, inv.Attachments, inv.Payments = []any{}, []any{}, []Payment{}
		inv.Events = []Event{{AdministrationID: m.admin.ID, Action: "external_sales_invoice_created", CreatedAt: now}}
		m.created.Add(1)
	} else {
		inv.Events = append(append([]Event(nil), inv.Events...), Event{AdministrationID: m.admin.ID, Action: "external_sales_invoice_updated", CreatedAt: now})
	}
	for i := range inv.lines {
		if inv.lines[i].id == "" {
			inv.lines[i].id, inv.lines[i].createdAt = m.newID(), now
		}
	}
	inv.UpdatedAt, inv.Version = now, m.now().Unix()
	stored := inv
	m.invoices[inv.ID] = &stored
	writeJSON(w, status, m.render(&stored))
}

// applyDetail adds, changes (with "id") or removes (with "_destroy") a
// line of inv, collecting its errors as "details.<field>".
func (m *Moneybird) applyDetail(inv *invoice, d map[string]json.RawMessage, v *verrs) {
	idx := -1
	if id, ok := str(d, "id"); ok && id != "" {
		for i := range inv.lines {
			if inv.lines[i].id == id {
				idx = i
			}
		}
		if idx < 0 {
			v.add("details.id", "is invalid", "invalid", id, true)
			return
		}
	}
	if raw, ok := d["_destroy"]; ok {
		if b, _ := boolField(raw); b {
			if idx >= 0 {
				inv.lines = append(inv.lines[:idx], inv.lines[idx+1:]...)
			}
			return
		}
	}
	var l line
	if idx >= 0 {
		l = inv.lines[idx]
	} else {
		l.amount = "1.0"
	}
	if s, ok := str(d, "description"); ok {
		l.description = s
	}
	if raw, ok := d["price"]; ok || idx < 0 {
		p, ok := parseDecimal(raw)
		if !ok {
			var val any
			_ = json.Unmarshal(raw, &val)
			v.add("details.price", "is not a number", "not_a_number", val, true)
		} else {
			l.price = fmtRat(p)
		}
	}
	if raw, ok := d["amount"]; ok {
		a, ok := parseDecimal(raw)
		if !ok {
			var val any
			_ = json.Unmarshal(raw, &val)
			v.add("details.amount", "is not a number", "not_a_number", val, true)
		} else {
			l.amount = fmtRat(a)
		}
	}
	if s, ok := str(d, "tax_rate_id"); ok || idx < 0 {
		l.taxRateID = s
		tr := m.rateByID(s)
		switch {
		case s == "":
			v.add("details.tax_rate_id", "can't be blank", "blank", nil, false)
		case tr == nil || tr.TaxRateType != "sales_invoice" || !tr.Active:
			v.add("details.tax_rate_id", "is invalid", "invalid", s, true)
		}
	}
	if s, ok := str(d, "ledger_account_id"); ok || idx < 0 {
		l.ledgerID = s
		la := m.ledgerByID(s)
		switch {
		case s == "":
			v.add("details.ledger_account_id", "can't be blank", "blank", nil, false)
		case la == nil || !oneOf("external_sales_invoice", la.AllowedDocumentTypes):
			v.add("details.ledger_account_id", "is invalid", "invalid", s, true)
		case la.AccountID == nil && m.refuseUncoded:
			v.add("details.ledger_account_id", "has no account code", "invalid", s, true)
		}
	}
	if s, ok := str(d, "project_id"); ok {
		l.projectID = &s
	}
	if s, ok := str(d, "product_id"); ok {
		l.productID = &s
	}
	if s, ok := str(d, "period"); ok {
		mm := periodText.FindStringSubmatch(s)
		if mm == nil || !validDate(dashed(mm[1])) || !validDate(dashed(mm[2])) || mm[1] > mm[2] {
			v.add("details.period", "is invalid", "invalid", s, true)
		}
		l.period = &s
	}
	if s, ok := str(d, "row_order"); ok {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			v.add("details.row_order", "is not a number", "not_a_number", s, true)
		}
		l.rowOrder = n
	}
	if idx >= 0 {
		inv.lines[idx] = l
	} else {
		inv.lines = append(inv.lines, l)
	}
}

func dashed(ymd string) string { return ymd[:4] + "-" + ymd[4:6] + "-" + ymd[6:] }

// fxRate is currency's rate to EUR; called with m.mu held.
func (m *Moneybird) fxRate(cur string) *big.Rat {
	r := big.NewRat(1, 1)
	if cur == m.admin.Currency {
		return r
	}
	if s, ok := m.fx[cur]; ok {
		if x, ok := new(big.Rat).SetString(s); ok {
			return x
		}
	}
	return r
}

// render is inv as the API shows it, its VAT computed from its lines and
// their tax rates; called with m.mu held.
func (m *Moneybird) render(inv *invoice) Invoice {
	out := inv.Invoice
	if c, ok := m.contacts[out.ContactID]; ok {
		out.Contact = *c
	}
	fx := m.fxRate(out.Currency)
	base := func(c int64) string { return fmtCents(toCents(new(big.Rat).Mul(big.NewRat(c, 100), fx))) }
	totals := make([]*big.Rat, len(inv.lines))
	pcts := make([]string, len(inv.lines))
	ids := make([]string, len(inv.lines))
	for i, l := range inv.lines {
		p, _ := new(big.Rat).SetString(l.price)
		a, _ := new(big.Rat).SetString(l.amount)
		totals[i] = new(big.Rat).Mul(p, a)
		pcts[i], ids[i] = "0", l.taxRateID
		if tr := m.rateByID(l.taxRateID); tr != nil {
			pcts[i] = tr.Percentage
		}
	}
	lines, sums := computeVAT(m.rounding, out.PricesAreInclTax, totals, pcts, ids)
	out.Details = make([]Detail, len(inv.lines))
	for i, l := range inv.lines {
		d := Detail{ID: l.id, AdministrationID: out.AdministrationID, TaxRateID: l.taxRateID, LedgerAccountID: l.ledgerID,
			ProjectID: l.projectID, ProductID: l.productID, AmountDecimal: l.amount, Amount: amountText(l.amount),
			Description: l.description, Price: l.price, Period: l.period, RowOrder: l.rowOrder,
			TotalPriceExclTaxWithDiscount:    fmtCents(lines[i].net),
			TotalPriceExclTaxWithDiscountBas: base(lines[i].net),
			TaxReportReference:               []string{}, CreatedAt: l.createdAt, UpdatedAt: out.UpdatedAt}
		if d.RowOrder == 0 {
			d.RowOrder = int64(i + 1)
		}
		if tr := m.rateByID(l.taxRateID); tr != nil {
			d.TaxReportReference = append(d.TaxReportReference, tr.ReportReference...)
			d.MandatoryTaxText = tr.MandatoryText
		}
		out.Details[i] = d
	}
	var net, gross int64
	out.TaxTotals = []TaxTotal{}
	for _, s := range sums {
		net, gross = net+s.net, gross+s.gross
		out.TaxTotals = append(out.TaxTotals, TaxTotal{TaxRateID: s.id, TaxableAmount: fmtCents(s.net),
			TaxableAmountBase: base(s.net), TaxAmount: fmtCents(s.tax), TaxAmountBase: base(s.tax)})
	}
	var paid int64
	var lastPaid string
	for _, p := range inv.Payments {
		c, _ := new(big.Rat).SetString(p.Price)
		paid += toCents(c)
		if p.PaymentDate > lastPaid {
			lastPaid = p.PaymentDate
		}
	}
	out.Payments = append([]Payment{}, inv.Payments...)
	out.TotalPriceExclTax, out.TotalPriceExclTaxBase = fmtCents(net), base(net)
	out.TotalPriceInclTax, out.TotalPriceInclTaxBase = fmtCents(gross), base(gross)
	out.TotalPaid = fmtCents(paid)
	out.TotalUnpaid, out.TotalUnpaidBase = fmtCents(gross-paid), base(gross-paid)
	switch {
	case gross-paid == 0:
		out.State = "paid"
		if lastPaid != "" {
			out.PaidAt = strPtr(lastPaid)
		} else {
			out.PaidAt = strPtr(out.Date)
		}
	case out.DueDate != nil && *out.DueDate < m.today():
		out.State = "late"
	default:
		out.State = "open"
	}
	out.Notes = append([]any{}, inv.Notes...)
	out.Attachments = append([]any{}, inv.Attachments...)
	out.Events = append([]Event{}, inv.Events...)
	return out
}

// amountText is the display form of an amount: "1 x", "2.5 x".
func amountText(dec string) string {
	return strings.TrimSuffix(dec, ".0") + " x"
}

// listInvoices is GET /external_sales_invoices?filter=state:..,period:..,
// contact_id:.. paginated; without a state every invoice is listed (the
// emulator's reading of "all").
func (m *Moneybird) listInvoices(w http.ResponseWriter, r *http.Request) {
	f, ok := filters(w, r, "state", "period", "contact_id")
	if !ok {
		return
	}
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	states := map[string]bool{}
	if v, ok := f["state"]; ok {
		for _, s := range strings.Split(v, "|") {
			if !oneOf(s, []string{"all", "new", "open", "late", "paid"}) {
				symbolic(w, http.StatusBadRequest, "Filter state is invalid", map[string]any{"filter": "invalid"})
				return
			}
			states[s] = true
		}
	}
	m.mu.Lock()
	from, to := "", ""
	if v, ok := f["period"]; ok {
		var good bool
		from, to, good = m.period(v)
		if !good {
			m.mu.Unlock()
			symbolic(w, http.StatusBadRequest, "Filter period is invalid", map[string]any{"filter": "invalid"})
			return
		}
	}
	var out []Invoice
	for _, inv := range m.sortedInvoices() {
		if v, ok := f["contact_id"]; ok && inv.ContactID != v {
			continue
		}
		if from != "" && (inv.Date < from || inv.Date > to) {
			continue
		}
		x := m.render(inv)
		if len(states) > 0 && !states["all"] && !states[x.State] {
			continue
		}
		out = append(out, x)
	}
	m.mu.Unlock()
	writePage(m, w, r, out, page, per)
}

// period turns a period filter into Y-m-d bounds, inclusive: a preset
// (this_month, prev_month, next_month, this_quarter, prev_quarter,
// next_quarter, this_year, prev_year, next_year) on the administration's
// clock, YYYYMMDD..YYYYMMDD or YYYYMM..YYYYMM; called with m.mu held.
func (m *Moneybird) period(v string) (string, string, bool) {
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	now := m.now().In(m.loc)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, m.loc)
	quarter := time.Date(now.Year(), (now.Month()-1)/3*3+1, 1, 0, 0, 0, 0, m.loc)
	year := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, m.loc)
	span := func(start time.Time, months int) (string, string, bool) {
		return day(start), day(start.AddDate(0, months, -1)), true
	}
	switch v {
	case "this_month":
		return span(month, 1)
	case "prev_month":
		return span(month.AddDate(0, -1, 0), 1)
	case "next_month":
		return span(month.AddDate(0, 1, 0), 1)
	case "this_quarter":
		return span(quarter, 3)
	case "prev_quarter":
		return span(quarter.AddDate(0, -3, 0), 3)
	case "next_quarter":
		return span(quarter.AddDate(0, 3, 0), 3)
	case "this_year":
		return span(year, 12)
	case "prev_year":
		return span(year.AddDate(-1, 0, 0), 12)
	case "next_year":
		return span(year.AddDate(1, 0, 0), 12)
	}
	if mm := periodText.FindStringSubmatch(v); mm != nil {
		a, b := dashed(mm[1]), dashed(mm[2])
		return a, b, validDate(a) && validDate(b) && a <= b
	}
	if mm := monthPeriod.FindStringSubmatch(v); mm != nil {
		a, b := dashed(mm[1]+"01"), dashed(mm[2]+"01")
		if !validDate(a) || !validDate(b) || a > b {
			return "", "", false
		}
		end, _ := time.Parse("2006-01-02", b)
		return a, day(end.AddDate(0, 1, -1)), true
	}
	return "", "", false
}

// createPayment is POST /external_sales_invoices/{id}/payments.
func (m *Moneybird) createPayment(w http.ResponseWriter, r *http.Request, id string) {
	m.mu.Lock()
	_, ok := m.invoices[id]
	m.mu.Unlock()
	if !ok {
		notFound(w, map[string]any{"id": "not_found"})
		return
	}
	body, ok := decodeBody(w, r)
	if !ok {
		return
	}
	obj, ok := object(w, body, "payment", "Payment")
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, ok := m.invoices[id]
	if !ok {
		notFound(w, map[string]any{"id": "not_found"})
		return
	}
	var v verrs
	date, _ := str(obj, "payment_date")
	if date == "" {
		// As the spec's own example: a blank date is both [M1].
		v.add("payment_date", "can't be blank", "blank", nil, false)
		v.add("payment_date", "is not a valid date", "is not a valid date", nil, false)
	} else if !validDate(date) {
		v.add("payment_date", "is not a valid date", "is not a valid date", nil, false)
	}
	limit := big.NewRat(1_000_000_000, 1)
	amount := func(key string, required bool) string {
		raw, present := obj[key]
		if !present && !required {
			return ""
		}
		p, ok := parseDecimal(raw)
		if !ok {
			var val any
			_ = json.Unmarshal(raw, &val)
			// A missing price is not_a_number with value null, as the
			// spec's example [M1].
			v.add(key, "is not a number", "not_a_number", val, true)
			return ""
		}
		if p.Cmp(new(big.Rat).Neg(limit)) < 0 {
			v.add(key, "must be greater than or equal to -1000000000", "greater_than_or_equal_to", fmtRat(p), true)
		} else if p.Cmp(limit) > 0 {
			v.add(key, "must be less than or equal to 1000000000", "less_than_or_equal_to", fmtRat(p), true)
		}
		return fmtRat(p)
	}
	price := amount("price", true)
	foreign := inv.Currency != m.admin.Currency
	priceBase := amount("price_base", foreign)
	p := Payment{ID: m.newID(), AdministrationID: m.admin.ID, InvoiceType: "ExternalSalesInvoice", InvoiceID: id,
		Price: price, PaymentDate: date, CreatedAt: m.stamp(), UpdatedAt: m.stamp()}
	if priceBase == "" && price != "" {
		pr, _ := new(big.Rat).SetString(price)
		priceBase = fmtCents(toCents(new(big.Rat).Mul(pr, m.fxRate(inv.Currency))))
	}
	p.PriceBase = priceBase
	for key, into := range map[string]**string{"financial_account_id": &p.FinancialAccountID,
		"financial_mutation_id": &p.FinancialMutationID, "transaction_identifier": &p.TransactionIdentifier,
		"ledger_account_id": &p.LedgerAccountID, "manual_payment_action": &p.ManualPaymentAction} {
		if s, ok := str(obj, key); ok {
			*into = strPtr(s)
		}
	}
	if p.ManualPaymentAction != nil && !oneOf(*p.ManualPaymentAction, manualActions) {
		v.add("manual_payment_action", "is not included in the list", "inclusion", *p.ManualPaymentAction, true)
	}
	if p.LedgerAccountID != nil && m.ledgerByID(*p.LedgerAccountID) == nil {
		v.add("ledger_account_id", "is invalid", "invalid", *p.LedgerAccountID, true)
	}
	if v.any() {
		v.write(w)
		return
	}
	inv.Payments = append(inv.Payments, p)
	inv.Events = append(inv.Events, Event{AdministrationID: m.admin.ID, Action: "payment_registered", CreatedAt: p.CreatedAt})
	inv.UpdatedAt, inv.Version = p.CreatedAt, m.now().Unix()
	writeJSON(w, http.StatusCreated, p)
}

func (m *Moneybird) deletePayment(w http.ResponseWriter, id, pid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, ok := m.invoices[id]
	if !ok {
		notFound(w, map[string]any{"id": "not_found"})
		return
	}
	for i, p := range inv.Payments {
		if p.ID == pid {
			inv.Payments = append(inv.Payments[:i:i], inv.Payments[i+1:]...)
			inv.Events = append(inv.Events, Event{AdministrationID: m.admin.ID, Action: "payment_destroyed", CreatedAt: m.stamp()})
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	notFound(w, map[string]any{"payment_id": "not_found"})
}
