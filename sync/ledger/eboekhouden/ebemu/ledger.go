package ebemu

import (
	"net/http"
	"sort"
	"strings"
)

// Categories are the ledger categories of APIS.md §4.4.
var Categories = []string{"BAL", "VW", "AF6", "AF19", "AFOVERIG", "VOOR", "BTWRC", "FIN", "DEB", "CRED", "AF"}

// DefaultLedgers is the chart a new administration has: a Dutch standard
// chart's essentials (ids are given in order, from 11000). The revenue
// ledgers are 8000-8200, category VW (profit and loss); Group is the
// emulator's own reading (APIS.md names the field only).
var DefaultLedgers = []Ledger{
	{Code: "1000", Description: "Kas", Category: "FIN", Group: "LIQ"},
	{Code: "1100", Description: "Bank", Category: "FIN", Group: "LIQ"},
	{Code: "1300", Description: "Debiteuren", Category: "DEB", Group: "VOR"},
	{Code: "1600", Description: "Crediteuren", Category: "CRED", Group: "SCH"},
	{Code: "1500", Description: "Te betalen btw", Category: "BTWRC", Group: "SCH"},
	{Code: "4000", Description: "Algemene kosten", Category: "VW", Group: "KST"},
	{Code: "8000", Description: "Omzet hoog tarief", Category: "VW", Group: "OMZ"},
	{Code: "8010", Description: "Omzet laag tarief", Category: "VW", Group: "OMZ"},
	{Code: "8020", Description: "Omzet vrijgesteld / 0%", Category: "VW", Group: "OMZ"},
	{Code: "8100", Description: "Omzet binnen de EU", Category: "VW", Group: "OMZ"},
	{Code: "8110", Description: "Omzet buiten de EU", Category: "VW", Group: "OMZ"},
	{Code: "8200", Description: "Verzendkosten", Category: "VW", Group: "OMZ"},
}

func (e *Emu) addLedger(l Ledger) int64 {
	l.ID = e.nextLedger
	e.nextLedger++
	e.ledgers[l.ID] = &l
	return l.ID
}

// AddLedger adds a ledger and returns its id.
func (e *Emu) AddLedger(l Ledger) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addLedger(l)
}

// Ledgers returns the chart, by id.
func (e *Emu) Ledgers() []Ledger {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ledgerList()
}

func (e *Emu) ledgerList() []Ledger {
	out := make([]Ledger, 0, len(e.ledgers))
	for _, l := range e.ledgers {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LedgerByCode returns the ledger with code.
func (e *Emu) LedgerByCode(code string) (Ledger, bool) {
	for _, l := range e.Ledgers() {
		if l.Code == code {
			return l, true
		}
	}
	return Ledger{}, false
}

// RevenueLedgers are the ledgers of group OMZ (revenue) in the default
// chart, by id.
func (e *Emu) RevenueLedgers() []Ledger {
	var out []Ledger
	for _, l := range e.Ledgers() {
		if l.Category == "VW" && (l.Group == "OMZ" || strings.HasPrefix(l.Code, "8")) {
			out = append(out, l)
		}
	}
	return out
}

var ledgerFields = map[string]field[Ledger]{
	"id":       {get: func(l Ledger) string { return itoa(l.ID) }, num: true},
	"code":     {get: func(l Ledger) string { return l.Code }},
	"category": {get: func(l Ledger) string { return l.Category }},
}

func (e *Emu) listLedgers(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	all, fold := e.ledgerList(), e.foldCase
	e.mu.Unlock()
	out, er := page(r.URL.Query(), all, ledgerFields, fold)
	if er != nil {
		writeError(w, er)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
