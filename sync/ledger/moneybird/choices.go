package moneybird

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/orderbrug/orderbrug/sync/ledger"
)

// taxRate is an entry of /tax_rates [M1]. Country is set only for a
// foreign rate (OSS).
type taxRate struct {
	ID          json64  `json:"id"`
	Name        string  `json:"name"`
	Percentage  string  `json:"percentage"`
	TaxRateType string  `json:"tax_rate_type"`
	Active      bool    `json:"active"`
	Country     *string `json:"country"`
}

// ledgerAccount is an entry of /ledger_accounts [M1]; AccountID is its
// code, nullable.
type ledgerAccount struct {
	ID                   json64   `json:"id"`
	Name                 string   `json:"name"`
	AccountType          string   `json:"account_type"`
	AccountID            *string  `json:"account_id"`
	AllowedDocumentTypes []string `json:"allowed_document_types"`
}

// salesRates are the active tax rates of sales invoices (GET /tax_rates,
// every page).
func (l *Ledger) salesRates(ctx context.Context) ([]taxRate, error) {
	var out []taxRate
	q := url.Values{"filter": {"tax_rate_type:sales_invoice,active:true"}}
	err := getAll(ctx, l.c, l.path("tax_rates"), q, func(r taxRate) {
		if r.TaxRateType == "sales_invoice" && r.Active {
			out = append(out, r)
		}
	})
	return out, err
}

// revenueAccounts are the revenue ledger accounts an external sales
// invoice may book on and that have a code (Plug&Pay's plugin fails on one
// without [P13]), by code. Ledger accounts are not paginated [T].
func (l *Ledger) revenueAccounts(ctx context.Context) ([]ledgerAccount, error) {
	var all []ledgerAccount
	if _, err := l.c.do(ctx, http.MethodGet, l.path("ledger_accounts"), nil, nil, &all); err != nil {
		return nil, err
	}
	var out []ledgerAccount
	for _, a := range all {
		if a.AccountType != "revenue" || a.AccountID == nil || strings.TrimSpace(*a.AccountID) == "" {
			continue
		}
		if len(a.AllowedDocumentTypes) > 0 && !contains(a.AllowedDocumentTypes, "external_sales_invoice") {
			continue
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return codeLess(*out[i].AccountID, *out[j].AccountID) })
	return out, nil
}

// codeLess orders account codes as numbers where both are, else as text.
func codeLess(a, b string) bool {
	x, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	y, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err1 == nil && err2 == nil {
		return x < y
	}
	return a < b
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Choices are the administration's active sales tax rates and its coded
// revenue accounts ("8000 Omzet"), for the VAT mapping screen.
func (l *Ledger) Choices(ctx context.Context) (ledger.Choices, error) {
	rates, err := l.salesRates(ctx)
	if err != nil {
		return ledger.Choices{}, err
	}
	accounts, err := l.revenueAccounts(ctx)
	if err != nil {
		return ledger.Choices{}, err
	}
	ch := ledger.Choices{TaxRates: []ledger.Choice{}, Accounts: []ledger.Choice{}}
	for _, r := range rates {
		ch.TaxRates = append(ch.TaxRates, ledger.Choice{ID: string(r.ID), Name: r.Name})
	}
	for _, a := range accounts {
		ch.Accounts = append(ch.Accounts, ledger.Choice{ID: string(a.ID), Name: strings.TrimSpace(*a.AccountID) + " " + a.Name})
	}
	return ch, nil
}

// Defaults read the mapping a new Dutch administration suggests: 21 and 9
// on the Dutch 21 % and 9 % rates, 0 on "0% btw", intra-EU goods and
// reverse charge on "Binnen EU" (box 3b), export on "Buiten EU"; every
// case on the revenue account with the lowest code, shipping on one named
// "Verzendkosten" when there is one. A case without a fitting rate is left
// out.
func (l *Ledger) Defaults(ctx context.Context) (ledger.Mapping, error) {
	rates, err := l.salesRates(ctx)
	if err != nil {
		return nil, err
	}
	accounts, err := l.revenueAccounts(ctx)
	if err != nil {
		return nil, err
	}
	return defaults(rates, accounts), nil
}

// defaults is Defaults on rates and accounts read.
func defaults(rates []taxRate, accounts []ledgerAccount) ledger.Mapping {
	var home []taxRate
	for _, r := range rates {
		if r.Country == nil || strings.TrimSpace(*r.Country) == "" || strings.EqualFold(*r.Country, "NL") {
			home = append(home, r)
		}
	}
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	byName := func(pred func(name string, pct float64) bool) string {
		for _, r := range home {
			pct, err := strconv.ParseFloat(strings.TrimSpace(r.Percentage), 64)
			if err == nil && pred(norm(r.Name), pct) {
				return string(r.ID)
			}
		}
		return ""
	}
	atPct := func(p float64) string {
		// The plain rate first ("21% btw"), else any home rate of p.
		if id := byName(func(n string, pct float64) bool {
			return pct == p && strings.HasPrefix(n, strconv.FormatFloat(p, 'f', -1, 64)+"%")
		}); id != "" {
			return id
		}
		return byName(func(_ string, pct float64) bool { return pct == p })
	}
	special := func(n string) bool {
		return strings.Contains(n, "eu") || strings.Contains(n, "verlegd")
	}
	rate := map[ledger.Case]string{
		ledger.Case21: atPct(21),
		ledger.Case9:  atPct(9),
		ledger.Case0: byName(func(n string, pct float64) bool {
			return pct == 0 && strings.HasPrefix(n, "0%") && !special(n)
		}),
		ledger.CaseIntraEUGoods:  byName(func(n string, pct float64) bool { return pct == 0 && strings.Contains(n, "binnen eu") }),
		ledger.CaseReverseCharge: byName(func(n string, pct float64) bool { return pct == 0 && strings.Contains(n, "binnen eu") }),
		ledger.CaseExport:        byName(func(n string, pct float64) bool { return pct == 0 && strings.Contains(n, "buiten eu") }),
	}
	account, shipping := "", ""
	if len(accounts) > 0 {
		account = string(accounts[0].ID)
	}
	for _, a := range accounts {
		if strings.Contains(norm(a.Name), "verzend") {
			shipping = string(a.ID)
			break
		}
	}
	m := ledger.Mapping{}
	for _, c := range ledger.Cases {
		t := ledger.Target{Account: account}
		switch {
		case c == ledger.CaseShipping:
			if shipping != "" {
				t.Account = shipping
			}
		case c.AccountOnly():
		default:
			t.TaxRate = rate[c]
			if t.TaxRate == "" {
				continue
			}
		}
		if t.Account == "" && t.TaxRate == "" {
			continue
		}
		m[c] = t
	}
	return m
}
