package eboekhouden

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

// VATCode is one of e-Boekhouden's sale VAT codes. There is no VAT-code
// endpoint (APIS.md §4.3): the list is static. Rate is the percentage
// e-Boekhouden charges with the code, in basis points (0 for the codes
// whose VAT is not charged by the seller).
type VATCode struct {
	Code  string
	Rate  int64
	Label string
}

// VATCodes are the sale codes a person can map a case to, in the order
// the mapping screen offers them. LAAG_VERK (6 %, not after 2018) and
// AFW_VERK (divergent: the VAT given per row) are left out.
var VATCodes = []VATCode{
	{"HOOG_VERK_21", 2100, "btw hoog, 21%"},
	{"LAAG_VERK_9", 900, "btw laag, 9%"},
	{"GEEN", 0, "geen btw (0% of vrijgesteld)"},
	{"BI_EU_VERK", 0, "levering van goederen binnen de EU (ICP), 0%"},
	{"BI_EU_VERK_D", 0, "diensten binnen de EU, btw verlegd, 0%"},
	{"BU_EU_VERK", 0, "export buiten de EU, 0%"},
	{"AFST_VERK", 0, "afstandsverkopen binnen de EU, 0%"},
	{"VERL_VERK", 0, "btw verlegd binnen Nederland (21%)"},
	{"VERL_VERK_L9", 0, "btw verlegd binnen Nederland (9%)"},
}

// vatCode returns the code's entry; ok is false for a code not in
// VATCodes.
func vatCode(code string) (VATCode, bool) {
	for _, c := range VATCodes {
		if c.Code == code {
			return c, true
		}
	}
	return VATCode{}, false
}

// defaultCodes are the VAT codes of the cases (issue 11).
var defaultCodes = map[ledger.Case]string{
	ledger.Case21:            "HOOG_VERK_21",
	ledger.Case9:             "LAAG_VERK_9",
	ledger.Case0:             "GEEN",
	ledger.CaseReverseCharge: "BI_EU_VERK_D",
	ledger.CaseIntraEUGoods:  "BI_EU_VERK",
	ledger.CaseExport:        "BU_EU_VERK",
}

// ledgerItem is a ledger account as GET /v1/ledger lists it.
type ledgerItem struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Category    string `json:"category"`
}

// Check starts a session and reads one ledger: the token works and reaches
// an administration. e-Boekhouden names no administration, so the
// account's Name is "e-Boekhouden" and its ID is empty: a renewed token
// reaches the same administration, and nothing may tell it from the old
// one (an ID made from the token would be the token's fingerprint, and
// would give the renewed token another journal).
func (l *Ledger) Check(ctx context.Context) (ledger.Account, error) {
	var page struct {
		Items []ledgerItem `json:"items"`
	}
	if err := l.call(ctx, http.MethodGet, "/v1/ledger", url.Values{"limit": {"1"}}, nil, &page); err != nil {
		return ledger.Account{}, err
	}
	return ledger.Account{Name: "e-Boekhouden"}, nil
}

// revenueLedgers are the ledgers of category VW (profit and loss), by code.
func (l *Ledger) revenueLedgers(ctx context.Context) ([]ledgerItem, error) {
	items, err := list[ledgerItem](ctx, l, "/v1/ledger", url.Values{"category": {"VW"}})
	if err != nil {
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool { return codeLess(items[i].Code, items[j].Code) })
	return items, nil
}

// codeLess orders ledger codes as numbers where they are, else as text.
func codeLess(a, b string) bool {
	x, ex := strconv.Atoi(a)
	y, ey := strconv.Atoi(b)
	if ex == nil && ey == nil && x != y {
		return x < y
	}
	return a < b
}

// Choices are the static sale VAT codes ("HOOG_VERK_21 – btw hoog, 21%")
// and the ledgers of category VW ("8000 Omzet hoog tarief"); an account's
// ID is the ledger's id.
func (l *Ledger) Choices(ctx context.Context) (ledger.Choices, error) {
	vw, err := l.revenueLedgers(ctx)
	if err != nil {
		return ledger.Choices{}, err
	}
	var ch ledger.Choices
	for _, c := range VATCodes {
		ch.VATCodes = append(ch.VATCodes, ledger.Choice{ID: c.Code, Name: c.Code + " – " + c.Label})
	}
	ch.Accounts = []ledger.Choice{}
	for _, it := range vw {
		ch.Accounts = append(ch.Accounts, ledger.Choice{ID: strconv.FormatInt(it.ID, 10), Name: strings.TrimSpace(it.Code + " " + it.Description)})
	}
	return ch, nil
}

// Defaults maps the VAT cases to the codes HOOG_VERK_21, LAAG_VERK_9,
// GEEN, BI_EU_VERK_D (reverse charge), BI_EU_VERK (intra-EU goods) and
// BU_EU_VERK (export), each on the revenue ledger its description names
// ("hoog", "laag", "0%"/"vrijgesteld", "binnen de EU", "buiten de EU"),
// else on the lowest 8xxx ledger of category VW; shipping on a ledger
// named "Verzend…" when there is one (else it follows its VAT case). With
// no revenue ledger at all the cases get their codes but no account.
func (l *Ledger) Defaults(ctx context.Context) (ledger.Mapping, error) {
	vw, err := l.revenueLedgers(ctx)
	if err != nil {
		return nil, err
	}
	return defaultMapping(vw), nil
}

// defaultMapping is Defaults on the ledgers of category VW.
func defaultMapping(vw []ledgerItem) ledger.Mapping {
	vw = append([]ledgerItem(nil), vw...)
	sort.Slice(vw, func(i, j int) bool { return codeLess(vw[i].Code, vw[j].Code) })
	var omzet []ledgerItem // the 8xxx ledgers
	for _, it := range vw {
		if strings.HasPrefix(it.Code, "8") {
			omzet = append(omzet, it)
		}
	}
	if len(omzet) == 0 {
		omzet = vw
	}
	named := func(from []ledgerItem, words ...string) string {
		for _, it := range from {
			d := strings.ToLower(it.Description)
			for _, w := range words {
				if strings.Contains(d, w) {
					return strconv.FormatInt(it.ID, 10)
				}
			}
		}
		return ""
	}
	fallback := ""
	if len(omzet) > 0 {
		fallback = strconv.FormatInt(omzet[0].ID, 10)
	}
	words := map[ledger.Case][]string{
		ledger.Case21:            {"hoog"},
		ledger.Case9:             {"laag"},
		ledger.Case0:             {"0%", "vrijgesteld", "nul"},
		ledger.CaseReverseCharge: {"binnen de eu", "binnen eu", "verlegd"},
		ledger.CaseIntraEUGoods:  {"binnen de eu", "binnen eu", "icp"},
		ledger.CaseExport:        {"buiten de eu", "buiten eu", "export"},
	}
	m := ledger.Mapping{}
	for c, code := range defaultCodes {
		acct := named(omzet, words[c]...)
		if acct == "" {
			acct = fallback
		}
		m[c] = ledger.Target{VATCode: code, Account: acct}
	}
	if acct := named(vw, "verzend"); acct != "" {
		m[ledger.CaseShipping] = ledger.Target{Account: acct}
	}
	return m
}
