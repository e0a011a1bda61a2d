package order

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Reason codes of Failure. The user interface has a sentence for each, under
// the language key "reason.<code>", filled with Failure's args.
const (
	ReasonTotalsMismatch    = "totals_mismatch"       // field, got, want, diff, lines; rate, category when one rate missed
	ReasonVATSubtotal       = "vat_subtotal"          // rate, taxable, got, want
	ReasonBuyerNameMissing  = "buyer_name_missing"    // -
	ReasonBuyerVATIDMissing = "buyer_vat_id_missing"  // category
	ReasonBuyerVATIDInvalid = "buyer_vat_id_invalid"  // vat_id
	ReasonRefundTooLarge    = "refund_too_large"      // refunded, invoiced
	ReasonRefundAmount      = "refund_amount"         // amount
	ReasonCurrencyRate      = "currency_rate_missing" // currency
	ReasonLineCategory      = "line_category"         // line, category, rate
	ReasonLineVAT           = "line_vat"              // line
	ReasonOutOfScopeMixed   = "out_of_scope_mixed"    // -
	ReasonNoLines           = "no_lines"              // -
	ReasonNegativeTotal     = "negative_total"        // total
	ReasonSellerIncomplete  = "seller_incomplete"     // missing, invalid
	ReasonInvoiceInvalid    = "invoice_invalid"       // -
)

// detailError is an error of NewInvoice or NewCreditNote with the figures a
// person needs to fix it. It wraps a sentinel (ErrBuyerName, ...) and, when
// there is one, its cause.
type detailError struct {
	msg      string
	sentinel error
	cause    error
	args     map[string]string
}

func (e *detailError) Error() string { return e.msg }

func (e *detailError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.sentinel, e.cause}
	}
	return []error{e.sentinel}
}

// failf makes a detailError whose message is the formatted text followed by
// the sentinel's text (and the cause's, when there is one).
func failf(sentinel, cause error, args map[string]string, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...) + ": " + sentinel.Error()
	if cause != nil {
		msg += ": " + cause.Error()
	}
	return &detailError{msg: msg, sentinel: sentinel, cause: cause, args: args}
}

// sentinelCodes maps the sentinel errors to their reason codes, in the order
// Failure tries them.
var sentinelCodes = []struct {
	err  error
	code string
}{
	{ErrBuyerName, ReasonBuyerNameMissing},
	{ErrBuyerVATID, ReasonBuyerVATIDMissing},
	{ErrRefundTooLarge, ReasonRefundTooLarge},
	{ErrRefundAmount, ReasonRefundAmount},
	{ErrLineCategory, ReasonLineCategory},
	{ErrLineVAT, ReasonLineVAT},
	{ErrOutOfScopeMixed, ReasonOutOfScopeMixed},
	{ErrNoLines, ReasonNoLines},
	{ErrNegativeTotal, ReasonNegativeTotal},
}

// Failure classifies an error of NewInvoice, NewCreditNote or Seller.Check
// for people: a reason code (the Reason constants) and its figures as
// strings (amounts as "137.54", field names, ...). An error it does not know
// is ReasonInvoiceInvalid with no args; nil is "", nil.
func Failure(err error) (code string, args map[string]string) {
	if err == nil {
		return "", nil
	}
	args = map[string]string{}
	var re *ReconcileError
	if errors.As(err, &re) {
		if re.Field == FieldTaxSubtotal {
			args["rate"] = re.Rate.Percent()
			args["taxable"] = re.Taxable.String()
			args["got"] = re.Got.String()
			args["want"] = re.Want.String()
			args["category"] = string(re.Category)
			return ReasonVATSubtotal, args
		}
		args["field"] = string(re.Field)
		args["got"] = re.Got.String()
		args["want"] = re.Want.String()
		args["diff"] = (re.Got - re.Want).String()
		args["lines"] = strconv.Itoa(re.Lines)
		if re.Category != "" {
			args["rate"] = re.Rate.Percent()
			args["category"] = string(re.Category)
		}
		return ReasonTotalsMismatch, args
	}
	var se *SellerIncompleteError
	if errors.As(err, &se) {
		args["missing"] = strings.Join(se.Missing, ",")
		inv := make([]string, 0, len(se.Invalid))
		for f := range se.Invalid {
			inv = append(inv, f)
		}
		sort.Strings(inv)
		args["invalid"] = strings.Join(inv, ",")
		return ReasonSellerIncomplete, args
	}
	var ce *CurrencyError
	if errors.As(err, &ce) {
		args["currency"] = ce.Currency
		return ReasonCurrencyRate, args
	}
	var de *detailError
	if errors.As(err, &de) {
		for k, v := range de.args {
			args[k] = v
		}
	}
	for _, sc := range sentinelCodes {
		if errors.Is(err, sc.err) {
			code = sc.code
			break
		}
	}
	if code == ReasonBuyerVATIDMissing && args["vat_id"] != "" {
		code = ReasonBuyerVATIDInvalid
	}
	if code == "" {
		return ReasonInvoiceInvalid, args
	}
	return code, args
}

// CurrencyError says that an order in a currency other than EUR cannot be
// invoiced without the rate a person gives (InvoiceOptions.EURRate), or that
// the rate given is not a positive decimal.
type CurrencyError struct {
	Order    string
	Currency string
	// Rate is the rate given, "" when none was.
	Rate string
}

func (e *CurrencyError) Error() string {
	if e.Rate == "" {
		return fmt.Sprintf("order %s is in %s: an EUR rate is needed to state its VAT in EUR", e.Order, e.Currency)
	}
	return fmt.Sprintf("order %s is in %s: EUR rate %q is not a positive decimal", e.Order, e.Currency, e.Rate)
}
