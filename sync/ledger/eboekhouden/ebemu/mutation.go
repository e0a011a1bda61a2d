package ebemu

import (
	"math"
	"net/http"
	"sort"
	"time"
)

// Mutation types (APIS.md §4.2).
const (
	InvoiceReceived        = 1
	InvoiceSent            = 2
	InvoicePaymentReceived = 3
	InvoicePaymentSent     = 4
	MoneyReceived          = 5
	MoneySent              = 6
	JournalEntry           = 7
)

// parseDate takes YYYY-MM-DD, or a date-time whose date part is that (the
// OpenAPI's date may arrive as either [?]), and returns YYYY-MM-DD.
func parseDate(s string) (string, bool) {
	if len(s) < 10 {
		return "", false
	}
	d := s[:10]
	if _, err := time.Parse("2006-01-02", d); err != nil {
		return "", false
	}
	if len(s) > 10 {
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			if _, err := time.Parse("2006-01-02T15:04:05", s); err != nil {
				return "", false
			}
		}
	}
	return d, true
}

// check validates a mutation to book as APIS.md §4.2 documents it, in
// the order of its table, and normalises it (date, vat[]). Called with
// e.mu held.
func (e *Emu) check(m *Mutation) *Error {
	t := m.Type
	if t < 1 || t > 7 {
		return invalid("MUT_001", "type", "Type is invalid")
	}
	if m.Date == "" {
		return invalid("MUT_003", "date", "Date is required")
	}
	d, ok := parseDate(m.Date)
	if !ok {
		return invalid("MUT_004", "date", "Date is invalid")
	}
	m.Date = d
	if e.closedUntil != "" && d <= e.closedUntil {
		return invalid("MUT_005", "date", "The period is closed")
	}
	if e.acctUntil != "" && d <= e.acctUntil {
		return security(http.StatusForbidden, "SECURITY_007", "The period is closed by the accountant")
	}
	if m.LedgerID == 0 {
		return invalid("MUTA_001", "ledgerId", "Ledger is required")
	}
	l, ok := e.ledgers[m.LedgerID]
	if !ok {
		return invalid("MUT_007", "ledgerId", "Ledger not found")
	}
	if t == InvoiceSent && l.Category != "DEB" {
		return invalid("MUT_011", "ledgerId", "Ledger must be of category debtor")
	}
	if t == InvoiceReceived && l.Category != "CRED" {
		return invalid("MUT_010", "ledgerId", "Ledger must be of category creditor")
	}
	invoice := t == InvoiceReceived || t == InvoiceSent
	if invoice && m.InvoiceNumber == "" {
		return invalid("MUT_002", "invoiceNumber", "Invoice number is required")
	}
	if len([]rune(m.InvoiceNumber)) > e.maxInvoice {
		return invalid("MUT_018", "invoiceNumber", "Invoice number is too long")
	}
	if invoice && m.RelationID == 0 {
		return invalid("MUT_012", "relationId", "Relation is required")
	}
	if _, ok := e.relations[m.RelationID]; m.RelationID != 0 && !ok {
		return invalid("MUT_013", "relationId", "Relation not found")
	}
	if invoice {
		for _, o := range e.mutations {
			if o.Type != t || o.InvoiceNumber != m.InvoiceNumber {
				continue
			}
			code := e.dupCode
			if code == "" {
				code = "MUT_019"
				if o.RelationID == m.RelationID {
					code = "MUT_020"
				}
			}
			if code == "MUT_020" {
				return invalid(code, "invoiceNumber", "The combination of relation and invoice number already exists")
			}
			return invalid(code, "invoiceNumber", "Invoice number already exists")
		}
	}
	if invoice && m.InExVat == "" {
		return invalid("MUTA_005", "inExVat", "InExVat is required")
	}
	if m.InExVat != "" && m.InExVat != "IN" && m.InExVat != "EX" {
		return invalid("MUT_017", "inExVat", "InExVat must be IN or EX")
	}
	if m.TermOfPayment != nil && *m.TermOfPayment < 0 {
		return invalid("MUT_015", "termOfPayment", "Term of payment is invalid")
	}
	if m.CheckPaymentReference && m.PaymentReference != "" {
		for _, o := range e.mutations {
			if o.PaymentReference == m.PaymentReference {
				return invalid("MUTA_008", "paymentReference", "Payment reference already exists")
			}
		}
	}
	if len(m.Rows) == 0 {
		return invalid("MUT_100", "rows", "Rows are required")
	}
	if len(m.Rows) > e.maxRows {
		return invalid("MUT_101", "rows", "Too many rows")
	}
	for i := range m.Rows {
		if er := e.checkRow(m, &m.Rows[i]); er != nil {
			er.PropertyName = "rows[" + itoa(int64(i)) + "]." + er.PropertyName
			return er
		}
	}
	m.VAT = vatLines(m)
	return nil
}

func (e *Emu) checkRow(m *Mutation, r *MutationRow) *Error {
	t := m.Type
	if t != InvoicePaymentReceived && t != InvoicePaymentSent {
		if r.LedgerID == 0 {
			return invalid("MUTA_004", "ledgerId", "Ledger is required")
		}
	}
	if r.LedgerID != 0 {
		l, ok := e.ledgers[r.LedgerID]
		if !ok {
			return invalid("MUT_104", "ledgerId", "Ledger not found")
		}
		if t <= MoneySent && t != InvoicePaymentReceived && t != InvoicePaymentSent &&
			(l.Category == "FIN" || l.Category == "CRED" || l.Category == "DEB") {
			return invalid("MUT_106", "ledgerId", "Ledger may not be of category FIN, CRED or DEB")
		}
	}
	if r.VATCode != "" || t == InvoiceReceived || t == InvoiceSent {
		c, ok := VATCodes[r.VATCode]
		if !ok || c.Before != "" && m.Date >= c.Before {
			return invalid("MUT_109", "vatCode", "VAT code is invalid")
		}
		if t == InvoiceSent && !c.Sale {
			return invalid("MUT_111", "vatCode", "VAT code must be a sales code")
		}
		if t == InvoiceReceived && c.Sale {
			return invalid("MUT_110", "vatCode", "VAT code must be a purchase code")
		}
		if r.VATAmount != nil && !c.Divergent {
			return invalid("MUTA_003", "vatAmount", "VAT amount is only allowed with AFW_VERK or AFW")
		}
		if t == InvoiceReceived && m.InExVat == "IN" && (r.VATCode == "VERL_INK" || r.VATCode == "VERL_INK_L9" ||
			r.VATCode == "VERL_INK_L" || r.VATCode == "BI_EU_INK") {
			return invalid("MUT_026", "inExVat", "InExVat must be EX for reverse-charged purchases")
		}
	} else if r.VATAmount != nil {
		return invalid("MUTA_003", "vatAmount", "VAT amount is only allowed with AFW_VERK or AFW")
	}
	if math.IsNaN(r.Amount) || math.IsInf(r.Amount, 0) {
		return invalid("", "amount", "Amount is invalid")
	}
	if t == InvoicePaymentReceived || t == InvoicePaymentSent {
		if r.InvoiceNumber == "" {
			return invalid("MUT_120", "invoiceNumber", "Invoice number is required")
		}
		want := InvoiceSent
		if t == InvoicePaymentSent {
			want = InvoiceReceived
		}
		found := false
		for _, o := range e.mutations {
			found = found || o.Type == want && o.InvoiceNumber == r.InvoiceNumber
		}
		if !found {
			return invalid("MUT_115", "invoiceNumber", "Invoice not found")
		}
	}
	if _, ok := e.relations[r.RelationID]; r.RelationID != 0 && !ok {
		return invalid("MUT_113", "relationId", "Relation not found")
	}
	if r.CostCenterID != 0 && !e.costCenters[r.CostCenterID] {
		return invalid("MUT_117", "costCenterId", "Cost centre not found")
	}
	return nil
}

// vatLines sums the VAT per code of an invoice mutation, in the order the
// codes first appear.
func vatLines(m *Mutation) []VATLine {
	if m.Type != InvoiceReceived && m.Type != InvoiceSent {
		return nil
	}
	var out []VATLine
	idx := map[string]int{}
	sum := map[string]int64{}
	for _, r := range m.Rows {
		if _, ok := idx[r.VATCode]; !ok {
			idx[r.VATCode] = len(out)
			out = append(out, VATLine{VATCode: r.VATCode})
		}
		sum[r.VATCode] += split(r, m.InExVat).VAT
	}
	for i := range out {
		out[i].Amount = float64(sum[out[i].VATCode]) / 100
	}
	return out
}

// Book books m as POST /v1/mutation does (for seeding) and returns its id;
// the error is an *Error with the documented code.
func (e *Emu) Book(m Mutation) (int64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id, er := e.book(m)
	if er != nil {
		return 0, er
	}
	return id, nil
}

func (e *Emu) book(m Mutation) (int64, *Error) {
	m.ID = 0
	m.Rows = append([]MutationRow(nil), m.Rows...)
	if er := e.check(&m); er != nil {
		return 0, er
	}
	m.ID = e.nextMut
	e.nextMut++
	e.mutations[m.ID] = &m
	return m.ID, nil
}

func (e *Emu) createMutation(w http.ResponseWriter, r *http.Request) {
	var in Mutation
	if er := decode(r, &in); er != nil {
		writeError(w, er)
		return
	}
	e.mu.Lock()
	id, er := e.book(in)
	status := e.created
	e.mu.Unlock()
	if er != nil {
		writeError(w, er)
		return
	}
	writeJSON(w, status, Created{ID: id})
}

// Mutations returns the mutations booked, by id.
func (e *Emu) Mutations() []Mutation {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mutationList()
}

func (e *Emu) mutationList() []Mutation {
	out := make([]Mutation, 0, len(e.mutations))
	for _, m := range e.mutations {
		c := *m
		c.Rows = append([]MutationRow(nil), m.Rows...)
		c.VAT = append([]VATLine(nil), m.VAT...)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// MutationCount is the number of mutations booked.
func (e *Emu) MutationCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.mutations)
}

// RelationCount is the number of relations.
func (e *Emu) RelationCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.relations)
}

// Mutation returns mutation id.
func (e *Emu) Mutation(id int64) (Mutation, bool) {
	for _, m := range e.Mutations() {
		if m.ID == id {
			return m, true
		}
	}
	return Mutation{}, false
}

// MutationsByInvoice returns the mutations with invoice number n (at most
// one per invoice type: the API refuses a second).
func (e *Emu) MutationsByInvoice(n string) []Mutation {
	var out []Mutation
	for _, m := range e.Mutations() {
		if m.InvoiceNumber == n {
			out = append(out, m)
		}
	}
	return out
}

// Totals sums the rows of the mutations of type typ per VAT code, in
// cents: what a booking reconciles with the shop's VAT per rate.
func (e *Emu) Totals(typ int) map[string]Split {
	out := map[string]Split{}
	for _, m := range e.Mutations() {
		if m.Type != typ {
			continue
		}
		for _, r := range m.Rows {
			s, t := split(r, m.InExVat), out[r.VATCode]
			out[r.VATCode] = Split{Net: t.Net + s.Net, VAT: t.VAT + s.VAT, Gross: t.Gross + s.Gross}
		}
	}
	return out
}

// Gross is a mutation's total incl. VAT in cents (the sum of its rows for
// a type without VAT).
func Gross(m Mutation) int64 {
	var g int64
	for _, r := range m.Rows {
		if m.InExVat == "" {
			g += cents(r.Amount)
			continue
		}
		g += split(r, m.InExVat).Gross
	}
	return g
}

var mutationFields = map[string]field[MutationItem]{
	"id":            {get: func(m MutationItem) string { return itoa(m.ID) }, num: true},
	"type":          {get: func(m MutationItem) string { return itoa(int64(m.Type)) }, num: true},
	"invoiceNumber": {get: func(m MutationItem) string { return m.InvoiceNumber }},
	"date":          {get: func(m MutationItem) string { return m.Date }},
}

func (e *Emu) listMutations(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	all, fold := e.mutationList(), e.foldCase
	e.mu.Unlock()
	items := make([]MutationItem, len(all))
	desc := map[int64]string{}
	for i, m := range all {
		items[i] = MutationItem{ID: m.ID, Type: m.Type, Date: m.Date, InvoiceNumber: m.InvoiceNumber, LedgerID: m.LedgerID,
			Amount: float64(Gross(m)) / 100, EntryNumber: m.EntryNumber}
		desc[m.ID] = m.Description
	}
	fields := map[string]field[MutationItem]{"description": {get: func(m MutationItem) string { return desc[m.ID] }}}
	for k, v := range mutationFields {
		fields[k] = v
	}
	out, er := page(r.URL.Query(), items, fields, fold)
	if er != nil {
		writeError(w, er)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Emu) showMutation(w http.ResponseWriter, idText string) {
	id, _ := parseID(idText)
	m, ok := e.Mutation(id)
	if !ok {
		writeError(w, notFound("Mutation not found"))
		return
	}
	writeJSON(w, http.StatusOK, m)
}
