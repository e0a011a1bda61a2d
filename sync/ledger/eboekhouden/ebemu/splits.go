package ebemu

// RowSplits sums one mutation's rows per VAT code, in cents, as
// e-Boekhouden computes them: what one booking reconciles with.
func RowSplits(m Mutation) map[string]Split {
	out := map[string]Split{}
	for _, r := range m.Rows {
		s, t := split(r, m.InExVat), out[r.VATCode]
		out[r.VATCode] = Split{Net: t.Net + s.Net, VAT: t.VAT + s.VAT, Gross: t.Gross + s.Gross}
	}
	return out
}
