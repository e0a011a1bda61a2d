package order

// Breakdown is the VAT breakdown an invoice of o would have, by category
// and rate, reconciled with the shop's totals as NewInvoice reconciles
// them: each subtotal's taxable amount and VAT, adding up to o.Total and
// o.TotalTax to the cent. Lines without a category are taken as a sale at
// home (a 0 % line zero-rated), as a till's are. A till's day summary adds
// the breakdowns of its checks.
func Breakdown(o Order) ([]TaxSubtotal, error) {
	number := orderNumber(o)
	if len(o.Lines) == 0 {
		if o.Total != 0 || o.TotalTax != 0 {
			return nil, failf(ErrNoLines, nil, nil, "order %s", number)
		}
		return nil, nil
	}
	lines, err := invoiceLines(number, o.Lines, ZeroRated)
	if err != nil {
		return nil, err
	}
	return reconcile(number, o, lines)
}
