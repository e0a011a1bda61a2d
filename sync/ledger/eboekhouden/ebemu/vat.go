package ebemu

import "math"

// VATCode is one of the static VAT codes (APIS.md §4.3: there is no
// VAT-code endpoint). Rate is in percent; Sale says a sales code, else a
// purchase code.
type VATCode struct {
	Code  string
	Rate  float64
	Sale  bool
	Label string
	// Before, when set, is the first date (YYYY-MM-DD) the code may no
	// longer be used: LAAG_VERK (6 %) stopped on 2019-01-01.
	Before string
	// Divergent codes (AFW_VERK, AFW) carry their VAT in vatAmount.
	Divergent bool
}

// VATCodes are the NL codes APIS.md §4.3 lists. BI_EU_VERK is a sales code
// (the docs' table mislabels it Purchase). The BE set is not in it: the
// emulated administration is Dutch, so a BE code is MUT_109.
var VATCodes = map[string]VATCode{
	"HOOG_VERK_21": {Code: "HOOG_VERK_21", Rate: 21, Sale: true, Label: "21%"},
	"LAAG_VERK_9":  {Code: "LAAG_VERK_9", Rate: 9, Sale: true, Label: "9%"},
	"LAAG_VERK":    {Code: "LAAG_VERK", Rate: 6, Sale: true, Label: "6%", Before: "2019-01-01"},
	"VERL_VERK":    {Code: "VERL_VERK", Sale: true, Label: "reverse charge 21%"},
	"VERL_VERK_L9": {Code: "VERL_VERK_L9", Sale: true, Label: "reverse charge 9%"},
	"BU_EU_VERK":   {Code: "BU_EU_VERK", Sale: true, Label: "outside the EU, 0%"},
	"BI_EU_VERK":   {Code: "BI_EU_VERK", Sale: true, Label: "intra-EU goods, 0%"},
	"BI_EU_VERK_D": {Code: "BI_EU_VERK_D", Sale: true, Label: "intra-EU services, 0%"},
	"AFST_VERK":    {Code: "AFST_VERK", Sale: true, Label: "distance selling within the EU, 0%"},
	"AFW_VERK":     {Code: "AFW_VERK", Sale: true, Label: "divergent", Divergent: true},
	"GEEN":         {Code: "GEEN", Sale: true, Label: "no VAT"},

	"HOOG_INK_21": {Code: "HOOG_INK_21", Rate: 21, Label: "21%"},
	"LAAG_INK_9":  {Code: "LAAG_INK_9", Rate: 9, Label: "9%"},
	"LAAG_INK":    {Code: "LAAG_INK", Rate: 6, Label: "6%", Before: "2019-01-01"},
	"VERL_INK":    {Code: "VERL_INK", Label: "reverse charge 21%"},
	"VERL_INK_L9": {Code: "VERL_INK_L9", Label: "reverse charge 9%"},
	"VERL_INK_L":  {Code: "VERL_INK_L", Label: "reverse charge low"},
	"BU_EU_INK":   {Code: "BU_EU_INK", Label: "outside the EU"},
	"BI_EU_INK":   {Code: "BI_EU_INK", Label: "within the EU"},
	"AFW":         {Code: "AFW", Label: "divergent", Divergent: true},
}

// cents rounds euros to cents, half away from zero.
func cents(eur float64) int64 { return int64(math.Round(eur * 100)) }

// Split is a row's amount split in net, VAT and gross, in cents.
type Split struct{ Net, VAT, Gross int64 }

// split computes a row's net, VAT and gross in cents: an IN amount holds
// the VAT (VAT = gross × r / (100 + r)), an EX amount does not (VAT =
// net × r / 100), each rounded to the cent; a divergent code takes its
// vatAmount.
func split(r MutationRow, inEx string) Split {
	c := VATCodes[r.VATCode]
	amt := cents(r.Amount)
	var vat int64
	switch {
	case c.Divergent:
		if r.VATAmount != nil {
			vat = cents(*r.VATAmount)
		}
	case inEx == "IN":
		vat = int64(math.Round(float64(amt) * c.Rate / (100 + c.Rate)))
	default:
		vat = int64(math.Round(float64(amt) * c.Rate / 100))
	}
	if inEx == "IN" {
		return Split{Net: amt - vat, VAT: vat, Gross: amt}
	}
	return Split{Net: amt, VAT: vat, Gross: amt + vat}
}
