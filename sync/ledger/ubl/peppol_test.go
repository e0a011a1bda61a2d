package ubl

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// node is a generic XML element, enough to check rules by path.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// all returns the descendants reached by a path of local names.
func (n *node) all(path ...string) []*node {
	cur := []*node{n}
	for _, p := range path {
		var next []*node
		for _, c := range cur {
			for i := range c.Nodes {
				if c.Nodes[i].XMLName.Local == p {
					next = append(next, &c.Nodes[i])
				}
			}
		}
		cur = next
	}
	return cur
}

func (n *node) text(path ...string) string {
	if l := n.all(path...); len(l) > 0 {
		return strings.TrimSpace(l[0].Text)
	}
	return ""
}

func (n *node) walk(fn func(*node)) {
	fn(n)
	for i := range n.Nodes {
		n.Nodes[i].walk(fn)
	}
}

// peppolEAS is Peppol's own electronic address scheme list
// (PEPPOL-EN16931-CL008, Peppol BIS Billing 3.0 release 2025): narrower
// than the EN 16931 list, it has no EM (e-mail).
var peppolEAS = strings.Fields(`0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0170 0177 0183 0184 0188 0190 0191 0192 0193 0195 0196 0198 0199 0200 0201 0202 0204 0208 0209 0210 0211 0212 0213 0215 0216 0218 0221 0230 0235 9901 9906 9907 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959`)

var dateRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// peppolViolations checks a document against the Peppol BIS Billing 3.0
// rules and the Dutch national rules (NL-R-*) that the EN 16931 kit in
// /work/shared/ubl does not run, as they are written in Peppol's schematron
// (PEPPOL-EN16931-UBL.sch). It returns the ids of the broken rules with a
// detail.
func peppolViolations(doc []byte) ([]string, error) {
	var root node
	if err := xml.NewDecoder(bytes.NewReader(doc)).Decode(&root); err != nil {
		return nil, err
	}
	var v []string
	fail := func(id, format string, a ...any) { v = append(v, id+": "+fmt.Sprintf(format, a...)) }
	credit := root.XMLName.Local == "CreditNote"

	root.walk(func(n *node) {
		if len(n.Nodes) == 0 && strings.TrimSpace(n.Text) == "" {
			fail("PEPPOL-EN16931-R008", "empty element %s", n.XMLName.Local)
		}
		switch n.XMLName.Local {
		case "IssueDate", "DueDate", "TaxPointDate", "StartDate", "EndDate", "ActualDeliveryDate":
			if !dateRE.MatchString(n.Text) {
				fail("PEPPOL-EN16931-F001", "date %q", n.Text)
			}
		}
		// BT-111, the VAT in the accounting currency, is the exception.
		if c := n.attr("currencyID"); c != "" && c != root.text("DocumentCurrencyCode") &&
			!(n.XMLName.Local == "TaxAmount" && c == root.text("TaxCurrencyCode")) {
			fail("PEPPOL-EN16931-R051", "currency %s", c)
		}
	})
	if root.text("CustomizationID") != CustomizationID {
		fail("PEPPOL-EN16931-R004", "CustomizationID %q", root.text("CustomizationID"))
	}
	if root.text("ProfileID") != ProfileID {
		fail("PEPPOL-EN16931-R007", "ProfileID %q", root.text("ProfileID"))
	}
	if len(root.all("Note")) > 1 {
		fail("PEPPOL-EN16931-R002", "%d notes", len(root.all("Note")))
	}
	if root.text("BuyerReference") == "" && root.text("OrderReference", "ID") == "" {
		fail("PEPPOL-EN16931-R003", "no buyer or order reference")
	}
	if credit {
		if c := root.text("CreditNoteTypeCode"); c != "381" {
			fail("PEPPOL-EN16931-P0101", "type %q", c)
		}
		if root.text("BillingReference", "InvoiceDocumentReference", "ID") == "" {
			fail("NL-R-001", "credit note without invoice reference")
		}
	} else if c := root.text("InvoiceTypeCode"); c != "380" {
		fail("PEPPOL-EN16931-P0100", "type %q", c)
	}
	for _, side := range []struct{ path, rule string }{{"AccountingSupplierParty", "R020"}, {"AccountingCustomerParty", "R010"}} {
		ep := root.all(side.path, "Party", "EndpointID")
		if len(ep) == 0 {
			fail("PEPPOL-EN16931-"+side.rule, "no electronic address in %s", side.path)
			continue
		}
		if s := ep[0].attr("schemeID"); !contains(peppolEAS, s) {
			fail("PEPPOL-EN16931-CL008", "%s scheme %q", side.path, s)
		}
	}
	supplierNL := root.text("AccountingSupplierParty", "Party", "PostalAddress", "Country", "IdentificationCode") == "NL"
	customerNL := root.text("AccountingCustomerParty", "Party", "PostalAddress", "Country", "IdentificationCode") == "NL"
	if supplierNL {
		for _, p := range []struct {
			path, rule string
			need       bool
		}{{"AccountingSupplierParty", "NL-R-002", true}, {"AccountingCustomerParty", "NL-R-004", customerNL}} {
			if !p.need {
				continue
			}
			for _, f := range []string{"StreetName", "CityName", "PostalZone"} {
				if root.text(p.path, "Party", "PostalAddress", f) == "" {
					fail(p.rule, "%s has no %s", p.path, f)
				}
			}
		}
		for _, id := range root.all("AccountingSupplierParty", "Party", "PartyLegalEntity", "CompanyID") {
			if s := id.attr("schemeID"); s != "0106" && s != "0190" {
				fail("NL-R-003", "seller legal id scheme %q", s)
			}
		}
		if len(root.all("AccountingSupplierParty", "Party", "PartyLegalEntity", "CompanyID")) == 0 {
			fail("NL-R-003", "seller has no KvK number")
		}
		if customerNL {
			for _, id := range root.all("AccountingCustomerParty", "Party", "PartyLegalEntity", "CompanyID") {
				if s := id.attr("schemeID"); s != "0106" && s != "0190" {
					fail("NL-R-005", "buyer legal id scheme %q", s)
				}
			}
		}
		payable := root.text("LegalMonetaryTotal", "PayableAmount")
		if !credit && !strings.HasPrefix(payable, "-") && payable != "0.00" && len(root.all("PaymentMeans")) == 0 {
			fail("NL-R-007", "payable %s without payment means", payable)
		}
		for _, pm := range root.all("PaymentMeans") {
			if c := pm.text("PaymentMeansCode"); !contains([]string{"30", "48", "49", "57", "58", "59"}, c) {
				fail("NL-R-008", "payment means %q", c)
			}
		}
	}
	for _, pm := range root.all("PaymentMeans") {
		if c := pm.text("PaymentMeansCode"); (c == "49" || c == "59") && pm.text("PaymentMandate", "ID") == "" {
			fail("PEPPOL-EN16931-R061", "direct debit without mandate")
		}
	}
	withSubtotals := 0
	for _, tt := range root.all("TaxTotal") {
		if len(tt.all("TaxSubtotal")) > 0 {
			withSubtotals++
		}
	}
	if withSubtotals != 1 {
		fail("PEPPOL-EN16931-R053", "%d tax totals with subtotals", withSubtotals)
	}
	lineTag, qtyTag := "InvoiceLine", "InvoicedQuantity"
	if credit {
		lineTag, qtyTag = "CreditNoteLine", "CreditedQuantity"
	}
	for _, l := range root.all(lineTag) {
		qty := rat(l.text(qtyTag))
		price := rat(l.text("Price", "PriceAmount"))
		base := big.NewRat(1, 1)
		if bq := l.all("Price", "BaseQuantity"); len(bq) > 0 {
			base = rat(bq[0].Text)
			if base.Sign() <= 0 {
				fail("PEPPOL-EN16931-R121", "line %s base quantity %s", l.text("ID"), bq[0].Text)
				continue
			}
			if bq[0].attr("unitCode") != l.all(qtyTag)[0].attr("unitCode") {
				fail("PEPPOL-EN16931-R130", "line %s unit codes differ", l.text("ID"))
			}
		}
		// Exact, where Peppol allows 0.02: Orderbrug's prices reconcile.
		got := new(big.Rat).Mul(qty, new(big.Rat).Quo(price, base))
		if want := rat(l.text("LineExtensionAmount")); got.Cmp(want) != 0 {
			fail("PEPPOL-EN16931-R120", "line %s: %s × %s / %s = %s, not %s", l.text("ID"),
				qty.RatString(), price.RatString(), base.RatString(), got.FloatString(4), want.FloatString(2))
		}
		if price.Sign() < 0 {
			fail("BR-27", "line %s negative price", l.text("ID"))
		}
	}
	return v, nil
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return new(big.Rat)
	}
	return r
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
