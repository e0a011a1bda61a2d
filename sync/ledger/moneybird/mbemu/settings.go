package mbemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// seed gives the administration the tax rates and ledger accounts of a new
// Dutch one; called from New.
func (m *Moneybird) seed() {
	ts := m.stamp()
	rate := func(name, pct, kind string, active bool, country *string, ref []string, text *string) {
		m.rates = append(m.rates, &TaxRate{ID: m.newID(), AdministrationID: m.admin.ID, Name: name, Percentage: pct,
			TaxRateType: kind, ShowTax: true, Active: active, Country: country, CreatedAt: ts, UpdatedAt: ts,
			ReportReference: ref, MandatoryText: text})
	}
	rate("21% btw", "21.0", "sales_invoice", true, nil, []string{"NL/1a"}, nil)
	rate("9% btw", "9.0", "sales_invoice", true, nil, []string{"NL/1b"}, nil)
	rate("0% btw", "0.0", "sales_invoice", true, nil, []string{"NL/1e"}, nil)
	rate("Btw verlegd", "0.0", "sales_invoice", true, nil, []string{"NL/1e"}, strPtr("Btw verlegd"))
	rate("Binnen EU", "0.0", "sales_invoice", true, nil, []string{"NL/3b"}, strPtr("Intracommunautaire levering, btw verlegd"))
	rate("Buiten EU", "0.0", "sales_invoice", true, nil, []string{"NL/3a"}, nil)
	rate("BE 21% btw (OSS)", "21.0", "sales_invoice", true, strPtr("BE"), []string{"OSS/BE"}, nil)
	rate("6% btw (oud)", "6.0", "sales_invoice", false, nil, []string{"NL/1b"}, nil)
	rate("21% btw", "21.0", "purchase_invoice", true, nil, []string{"NL/5b"}, nil)
	rate("9% btw", "9.0", "purchase_invoice", true, nil, []string{"NL/5b"}, nil)
	ledger := func(name, kind string, code *string, docs ...string) {
		if docs == nil {
			docs = []string{}
		}
		m.ledgers = append(m.ledgers, &LedgerAccount{ID: m.newID(), AdministrationID: m.admin.ID, Name: name,
			AccountType: kind, AccountID: code, AllowedDocumentTypes: docs, CreatedAt: ts, UpdatedAt: ts})
	}
	sales := []string{"sale_invoice", "external_sales_invoice", "financial_mutation"}
	ledger("Omzet", "revenue", strPtr("8000"), sales...)
	ledger("Omzet laag tarief", "revenue", strPtr("8010"), sales...)
	ledger("Omzet buitenland", "revenue", strPtr("8100"), sales...)
	ledger("Verzendkosten", "revenue", strPtr("8200"), sales...)
	ledger("Omzet zonder code", "revenue", nil, sales...)
	ledger("Debiteuren", "current_assets", strPtr("1300"))
	ledger("Kas", "current_assets", strPtr("1000"), "financial_mutation")
	ledger("Inkopen", "direct_costs", strPtr("7000"), "purchase_invoice", "receipt")
}

// AddTaxRate adds a tax rate (its ID, AdministrationID and times are
// filled in) and returns its id.
func (m *Moneybird) AddTaxRate(tr TaxRate) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	tr.ID, tr.AdministrationID = m.newID(), m.admin.ID
	tr.CreatedAt, tr.UpdatedAt = m.stamp(), m.stamp()
	m.rates = append(m.rates, &tr)
	return tr.ID
}

// AddLedgerAccount adds a ledger account and returns its id.
func (m *Moneybird) AddLedgerAccount(la LedgerAccount) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	la.ID, la.AdministrationID = m.newID(), m.admin.ID
	la.CreatedAt, la.UpdatedAt = m.stamp(), m.stamp()
	if la.AllowedDocumentTypes == nil {
		la.AllowedDocumentTypes = []string{}
	}
	m.ledgers = append(m.ledgers, &la)
	return la.ID
}

// TaxRates returns the tax rates, in the order /tax_rates lists them.
func (m *Moneybird) TaxRates() []TaxRate {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]TaxRate, len(m.rates))
	for i, r := range m.rates {
		out[i] = *r
	}
	return out
}

// LedgerAccounts returns the ledger accounts.
func (m *Moneybird) LedgerAccounts() []LedgerAccount {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]LedgerAccount, len(m.ledgers))
	for i, l := range m.ledgers {
		out[i] = *l
	}
	return out
}

// TaxRateID returns the id of the sales rate named name ("21% btw",
// "Btw verlegd", "Binnen EU", "Buiten EU", ...), or "".
func (m *Moneybird) TaxRateID(name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.rates {
		if r.Name == name && r.TaxRateType == "sales_invoice" {
			return r.ID
		}
	}
	return ""
}

// LedgerAccountID returns the id of the ledger account with code code, or
// "".
func (m *Moneybird) LedgerAccountID(code string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.ledgers {
		if l.AccountID != nil && *l.AccountID == code {
			return l.ID
		}
	}
	return ""
}

func (m *Moneybird) rateByID(id string) *TaxRate {
	for _, r := range m.rates {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func (m *Moneybird) ledgerByID(id string) *LedgerAccount {
	for _, l := range m.ledgers {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// filters parses filter=key:value,key:value; a key not in allowed is a
// 400.
func filters(w http.ResponseWriter, r *http.Request, allowed ...string) (map[string]string, bool) {
	out := map[string]string{}
	v := r.URL.Query().Get("filter")
	if v == "" {
		return out, true
	}
	for _, part := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(part, ":")
		known := false
		for _, a := range allowed {
			known = known || a == k
		}
		if !ok || !known {
			symbolic(w, http.StatusBadRequest, fmt.Sprintf("Filter %q is invalid", part), map[string]any{"filter": "invalid"})
			return nil, false
		}
		out[k] = val
	}
	return out, true
}

// afterFilter checks created_after / updated_after values: ISO 8601 times.
func afterFilter(w http.ResponseWriter, f map[string]string, key string) (time.Time, bool) {
	v, ok := f[key]
	if !ok {
		return time.Time{}, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	symbolic(w, http.StatusBadRequest, fmt.Sprintf("Filter %s is invalid", key), map[string]any{"filter": "invalid"})
	return time.Time{}, false
}

func stampAfter(stamp string, t time.Time) bool {
	s, err := time.Parse("2006-01-02T15:04:05.000Z", stamp)
	return err == nil && s.After(t)
}

// paging reads page and per_page (1..MaxPerPage); anything else is a 400
// (the emulator's reading: APIS.md gives the range, not the error).
func paging(w http.ResponseWriter, r *http.Request) (page, per int, ok bool) {
	page, per = 1, DefaultPerPage
	q := r.URL.Query()
	for _, p := range []struct {
		name   string
		into   *int
		hi     int
		errMsg string
	}{{"page", &page, 0, "page must be a positive number"}, {"per_page", &per, MaxPerPage, "per_page must be between 1 and 100"}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || p.hi > 0 && n > p.hi {
			symbolic(w, http.StatusBadRequest, p.errMsg, map[string]any{p.name: "invalid"})
			return 0, 0, false
		}
		*p.into = n
	}
	return page, per, true
}

// writePage writes items[page] with X-Total-Count and a Link header (next,
// prev) [M1].
func writePage[T any](m *Moneybird, w http.ResponseWriter, r *http.Request, items []T, page, per int) {
	total := len(items)
	from := min(total, (page-1)*per)
	to := min(total, from+per)
	m.mu.Lock()
	base := m.url
	m.mu.Unlock()
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	link := func(p int, rel string) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(per))
		return fmt.Sprintf("<%s%s?%s>; rel=\"%s\"", base, r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if to < total {
		links = append(links, link(page+1, "next"))
	}
	if page > 1 {
		links = append(links, link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	writeJSON(w, http.StatusOK, append([]T{}, items[from:to]...))
}

func (m *Moneybird) listTaxRates(w http.ResponseWriter, r *http.Request) {
	f, ok := filters(w, r, "tax_rate_type", "percentage", "active", "name", "partial_name", "country", "created_after", "updated_after")
	if !ok {
		return
	}
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	cAfter, ok1 := afterFilter(w, f, "created_after")
	if !ok1 {
		return
	}
	uAfter, ok2 := afterFilter(w, f, "updated_after")
	if !ok2 {
		return
	}
	var pct *float64
	if v, ok := f["percentage"]; ok {
		p, err := strconv.ParseFloat(v, 64)
		if err != nil {
			symbolic(w, http.StatusBadRequest, "Filter percentage is invalid", map[string]any{"filter": "invalid"})
			return
		}
		pct = &p
	}
	m.mu.Lock()
	var out []TaxRate
	for _, tr := range m.rates {
		if v, ok := f["tax_rate_type"]; ok && !oneOfBar(tr.TaxRateType, v) {
			continue
		}
		if pct != nil {
			p, _ := strconv.ParseFloat(tr.Percentage, 64)
			if p != *pct {
				continue
			}
		}
		if v, ok := f["active"]; ok && strconv.FormatBool(tr.Active) != v {
			continue
		}
		if v, ok := f["name"]; ok && tr.Name != v {
			continue
		}
		if v, ok := f["partial_name"]; ok && !strings.Contains(strings.ToLower(tr.Name), strings.ToLower(v)) {
			continue
		}
		if v, ok := f["country"]; ok && (tr.Country == nil || !strings.EqualFold(*tr.Country, v)) {
			continue
		}
		if _, ok := f["created_after"]; ok && !stampAfter(tr.CreatedAt, cAfter) {
			continue
		}
		if _, ok := f["updated_after"]; ok && !stampAfter(tr.UpdatedAt, uAfter) {
			continue
		}
		out = append(out, *tr)
	}
	m.mu.Unlock()
	writePage(m, w, r, out, page, per)
}

// oneOfBar: v matches "a|b|c".
func oneOfBar(v, alts string) bool {
	for _, a := range strings.Split(alts, "|") {
		if a == v {
			return true
		}
	}
	return false
}

// serveLedgers: GET /ledger_accounts (unpaginated [T]) and /{id}.
func (m *Moneybird) serveLedgers(w http.ResponseWriter, r *http.Request, parts []string) {
	if r.Method != http.MethodGet || len(parts) > 1 {
		notFound(w, nil)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(parts) == 1 {
		if l := m.ledgerByID(parts[0]); l != nil {
			writeJSON(w, http.StatusOK, l)
			return
		}
		notFound(w, map[string]any{"id": "not_found"})
		return
	}
	out := make([]LedgerAccount, len(m.ledgers))
	for i, l := range m.ledgers {
		out[i] = *l
	}
	writeJSON(w, http.StatusOK, out)
}

func (m *Moneybird) webhookList() []Webhook {
	out := make([]Webhook, 0, len(m.hooks))
	for _, h := range m.hooks {
		out = append(out, *h)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && idLess(out[j].ID, out[j-1].ID); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// serveWebhooks: POST, GET, DELETE /webhooks [M1].
func (m *Moneybird) serveWebhooks(w http.ResponseWriter, r *http.Request, parts []string) {
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		m.mu.Lock()
		out := m.webhookList()
		m.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	case len(parts) == 0 && r.Method == http.MethodPost:
		m.createWebhook(w, r)
	case len(parts) == 1 && r.Method == http.MethodDelete:
		m.mu.Lock()
		_, ok := m.hooks[parts[0]]
		delete(m.hooks, parts[0])
		m.mu.Unlock()
		if !ok {
			notFound(w, map[string]any{"id": "not_found"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		notFound(w, nil)
	}
}

func (m *Moneybird) createWebhook(w http.ResponseWriter, r *http.Request) {
	body, ok := decodeBody(w, r)
	if !ok {
		return
	}
	if _, old := body["events"]; old {
		// APIS.md §3.6 gives the message only; the emulator's reading
		// wraps it as the other 400s, in "error".
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "'events' has been removed from webhooks, use 'enabled_events'"})
		return
	}
	var v verrs
	u, _ := str(body, "url")
	pu, err := url.Parse(u)
	if u == "" {
		v.add("url", "can't be blank", "blank", nil, false)
	} else if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		v.add("url", "is invalid", "invalid", u, true)
	}
	var events []string
	if raw, ok := body["enabled_events"]; ok && json.Unmarshal(raw, &events) != nil {
		v.add("enabled_events", "is invalid", "invalid", nil, false)
	}
	if events == nil {
		events = []string{}
	}
	if v.any() {
		v.write(w)
		return
	}
	m.mu.Lock()
	check, client := m.checkWebhookURLs, m.hookClient
	m.mu.Unlock()
	if check {
		resp, err := client.Post(u, "application/json", bytes.NewReader([]byte(`{}`)))
		if err == nil {
			resp.Body.Close()
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			v.add("url", "did not respond with 200", "invalid", u, true)
			v.write(w)
			return
		}
	}
	m.mu.Lock()
	h := &Webhook{ID: m.newID(), AdministrationID: m.admin.ID, URL: u, EnabledEvents: events, Token: "tok" + m.newID()}
	m.hooks[h.ID] = h
	out := *h
	m.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}
