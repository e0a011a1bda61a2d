package ubl

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/orderbrug/orderbrug/sync/order"
)

// Peppol BIS Billing 3.0 identifiers (BT-24, BT-23), and the plain EN 16931
// specification identifier of an invoice to a consumer.
const (
	CustomizationID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
	ProfileID       = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
	EN16931ID       = "urn:cen.eu:en16931:2017"
)

// ErrInvalid is wrapped by Marshal (and so by Book, as a permanent error) for
// an invoice that cannot become a valid Peppol document: totals that do not
// add up, missing seller details, no way to address the buyer.
var ErrInvalid = errors.New("invoice cannot be written as Peppol UBL")

// unitCode is UN/ECE Rec 20 "one": shops sell pieces, shipping and fees.
const unitCode = "C62"

// vatEAS maps a VAT id's country prefix to the Peppol electronic address
// scheme (EAS) for VAT numbers of that country. Only schemes in Peppol's own
// EAS list are used (PEPPOL-EN16931-CL008).
var vatEAS = map[string]string{
	"NL": "9944", "DE": "9930", "FR": "9957", "AT": "9914", "ES": "9920", "IT": "0211",
	"BG": "9926", "CY": "9928", "CZ": "9929", "EE": "9931", "EL": "9933", "HR": "9934",
	"IE": "9935", "LT": "9937", "LU": "9938", "LV": "9939", "MT": "9943", "PL": "9945",
	"PT": "9946", "RO": "9947", "SI": "9949", "SK": "9950", "HU": "9910", "BE": "9925",
	"XI": "9932", "FI": "0213", "DK": "0198",
}

// vatex are the exemption reason codes (BT-121, CEF VATEX list) of the
// categories that have exactly one; E needs the specific article and is left
// to the text.
var vatex = map[order.Category]string{
	order.ReverseCharge: "VATEX-EU-AE",
	order.Export:        "VATEX-EU-G",
	order.IntraEU:       "VATEX-EU-IC",
	order.OutOfScope:    "VATEX-EU-O",
}

// KeyMarker is the comment that carries the SHA-256 of the invoice's Key in
// every file, so that a later Book can tell its own file from another
// invoice's file of the same name without storing the Key itself.
func KeyMarker(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "<!-- orderbrug-key-sha256: " + hex.EncodeToString(sum[:]) + " -->"
}

// Marshal writes inv as a UBL 2.1 Invoice (type 380) or CreditNote (type
// 381): Peppol BIS Billing 3.0 for a business buyer with a Peppol address
// (see Peppol), plain EN 16931 for anyone else. Amounts are positive in
// both, as the Invoice type holds them; a negative line (a discount fee) gets
// a negative quantity so that its price stays positive (BR-27).
func Marshal(inv order.Invoice) ([]byte, error) {
	if err := check(inv); err != nil {
		return nil, err
	}
	credit := inv.Kind == order.KindCreditNote
	root, typeTag, typeCode, lineTag, qtyTag := "Invoice", "cbc:InvoiceTypeCode", "380", "cac:InvoiceLine", "cbc:InvoicedQuantity"
	if credit {
		root, typeTag, typeCode, lineTag, qtyTag = "CreditNote", "cbc:CreditNoteTypeCode", "381", "cac:CreditNoteLine", "cbc:CreditedQuantity"
	}
	outOfScope := false
	intraEU := false
	for _, s := range inv.TaxSubtotals {
		outOfScope = outOfScope || s.Category == order.OutOfScope
		intraEU = intraEU || s.Category == order.IntraEU
	}

	w := &writer{currency: inv.Currency}
	w.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.b.WriteString(KeyMarker(inv.Key) + "\n")
	w.open(root,
		"xmlns", "urn:oasis:names:specification:ubl:schema:xsd:"+root+"-2",
		"xmlns:cac", "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
		"xmlns:cbc", "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2")
	peppol := Peppol(inv.Buyer)
	if peppol {
		w.leaf("cbc:CustomizationID", CustomizationID)
		w.leaf("cbc:ProfileID", ProfileID)
	} else {
		w.leaf("cbc:CustomizationID", EN16931ID)
	}
	w.leaf("cbc:ID", inv.ID)
	w.leaf("cbc:IssueDate", date(inv.IssueDate))
	if !credit && inv.Payable > 0 {
		// BR-CO-25: an amount due needs a due date or terms. A web shop
		// order is due when it is placed.
		w.leaf("cbc:DueDate", date(inv.IssueDate))
	}
	w.leaf(typeTag, typeCode)
	w.leaf("cbc:Note", inv.Note) // Peppol allows one note (R002)
	w.leaf("cbc:DocumentCurrencyCode", inv.Currency)
	taxEUR := inv.Currency != "EUR" && inv.EURRate != ""
	if taxEUR {
		w.leaf("cbc:TaxCurrencyCode", "EUR") // BT-6: VAT also stated in EUR
	}
	// The order number is the OrderReference, which also meets Peppol's
	// "buyer reference or order reference" (R003).
	w.open("cac:OrderReference")
	w.leaf("cbc:ID", inv.OrderNumber)
	w.close("cac:OrderReference")
	if inv.BillingReference != "" {
		w.open("cac:BillingReference")
		w.open("cac:InvoiceDocumentReference")
		w.leaf("cbc:ID", inv.BillingReference)
		if !inv.BillingReferenceDate.IsZero() {
			w.leaf("cbc:IssueDate", date(inv.BillingReferenceDate))
		}
		w.close("cac:InvoiceDocumentReference")
		w.close("cac:BillingReference")
	}

	writeSeller(w, inv.Seller, outOfScope)
	writeBuyer(w, inv.Buyer, outOfScope, peppol)

	writeDelivery(w, inv, intraEU)

	code, name := paymentMeans(inv.PaymentMethod)
	w.open("cac:PaymentMeans")
	w.leaf("cbc:PaymentMeansCode", code, "name", name)
	w.leaf("cbc:PaymentID", firstNonEmpty(inv.PaymentID, inv.ID))
	w.open("cac:PayeeFinancialAccount")
	w.leaf("cbc:ID", order.NormalizeIBAN(inv.Seller.IBAN))
	w.leaf("cbc:Name", inv.Seller.LegalName())
	if inv.Seller.BIC != "" {
		w.open("cac:FinancialInstitutionBranch")
		w.leaf("cbc:ID", inv.Seller.BIC)
		w.close("cac:FinancialInstitutionBranch")
	}
	w.close("cac:PayeeFinancialAccount")
	w.close("cac:PaymentMeans")

	w.open("cac:TaxTotal")
	w.amount("cbc:TaxAmount", inv.TaxTotal)
	for _, s := range inv.TaxSubtotals {
		w.open("cac:TaxSubtotal")
		w.amount("cbc:TaxableAmount", s.Taxable)
		w.amount("cbc:TaxAmount", s.Tax)
		w.open("cac:TaxCategory")
		w.leaf("cbc:ID", string(s.Category))
		if s.Category != order.OutOfScope {
			w.leaf("cbc:Percent", s.Rate.Percent())
		}
		w.leaf("cbc:TaxExemptionReasonCode", vatex[s.Category])
		w.leaf("cbc:TaxExemptionReason", firstNonEmpty(s.ExemptionReason, order.ExemptionReason(s.Category)))
		taxScheme(w)
		w.close("cac:TaxCategory")
		w.close("cac:TaxSubtotal")
	}
	w.close("cac:TaxTotal")
	if taxEUR {
		// BT-111: the total VAT in the accounting currency, in a second
		// TaxTotal without subtotals (PEPPOL-EN16931-R054).
		w.open("cac:TaxTotal")
		w.leaf("cbc:TaxAmount", inv.TaxTotalEUR.String(), "currencyID", "EUR")
		w.close("cac:TaxTotal")
	}

	w.open("cac:LegalMonetaryTotal")
	w.amount("cbc:LineExtensionAmount", inv.LineTotal)
	w.amount("cbc:TaxExclusiveAmount", inv.LineTotal)
	w.amount("cbc:TaxInclusiveAmount", inv.Total)
	if inv.Prepaid != 0 {
		w.amount("cbc:PrepaidAmount", inv.Prepaid)
	}
	w.amount("cbc:PayableAmount", inv.Payable)
	w.close("cac:LegalMonetaryTotal")

	for _, l := range inv.Lines {
		qty, price, base := linePrice(l)
		w.open(lineTag)
		w.leaf("cbc:ID", l.ID)
		w.leaf("cbc:Note", l.Note)
		w.leaf(qtyTag, strconv.FormatInt(qty, 10), "unitCode", unitCode)
		w.amount("cbc:LineExtensionAmount", l.Net)
		w.open("cac:Item")
		w.leaf("cbc:Name", l.Name)
		if l.SKU != "" {
			w.open("cac:SellersItemIdentification")
			w.leaf("cbc:ID", l.SKU)
			w.close("cac:SellersItemIdentification")
		}
		w.open("cac:ClassifiedTaxCategory")
		w.leaf("cbc:ID", string(l.Category))
		if l.Category != order.OutOfScope {
			w.leaf("cbc:Percent", l.Rate.Percent())
		}
		taxScheme(w)
		w.close("cac:ClassifiedTaxCategory")
		w.close("cac:Item")
		w.open("cac:Price")
		w.amount("cbc:PriceAmount", price)
		if base != 1 {
			w.leaf("cbc:BaseQuantity", strconv.FormatInt(base, 10), "unitCode", unitCode)
		}
		w.close("cac:Price")
		w.close(lineTag)
	}
	w.close(root)
	return w.b.Bytes(), nil
}

// linePrice gives a line's quantity, net price and price base quantity so
// that quantity × price / base is the line's net amount exactly
// (PEPPOL-EN16931-R120): the unit price when it is a whole cent, else the
// line amount per the whole quantity. The price is never negative (BR-27):
// a negative line has a negative quantity.
func linePrice(l order.InvoiceLine) (qty int64, price order.Money, base int64) {
	q := l.Quantity
	if q < 0 {
		q = -q
	}
	if q == 0 {
		q = 1
	}
	net := l.Net.Abs()
	qty = q
	if l.Net < 0 {
		qty = -q
	}
	if net%order.Money(q) == 0 {
		return qty, net / order.Money(q), 1
	}
	return qty, net, q
}

// writeDelivery writes where the goods went (BG-13): the order's delivery
// address when it has one. An intra-community supply always states it, with
// the delivery date (BR-IC-11, BR-IC-12): the country the goods were
// shipped to, the buyer's when the order has no delivery address.
func writeDelivery(w *writer, inv order.Invoice, intraEU bool) {
	d := inv.Delivery
	if d == nil && !intraEU {
		return
	}
	if d == nil {
		d = &order.Delivery{Address: order.Address{Country: inv.Buyer.Address.Country}}
	}
	w.open("cac:Delivery")
	if intraEU {
		w.leaf("cbc:ActualDeliveryDate", date(inv.IssueDate))
	}
	w.open("cac:DeliveryLocation")
	w.open("cac:Address")
	a := d.Address
	w.leaf("cbc:StreetName", a.Street)
	w.leaf("cbc:AdditionalStreetName", a.Street2)
	w.leaf("cbc:CityName", a.City)
	w.leaf("cbc:PostalZone", a.Postcode)
	w.leaf("cbc:CountrySubentity", a.Region)
	w.open("cac:Country")
	w.leaf("cbc:IdentificationCode", strings.ToUpper(a.Country))
	w.close("cac:Country")
	w.close("cac:Address")
	w.close("cac:DeliveryLocation")
	if strings.TrimSpace(d.Name) != "" {
		w.open("cac:DeliveryParty")
		w.open("cac:PartyName")
		w.leaf("cbc:Name", d.Name)
		w.close("cac:PartyName")
		w.close("cac:DeliveryParty")
	}
	w.close("cac:Delivery")
}

func taxScheme(w *writer) {
	w.open("cac:TaxScheme")
	w.leaf("cbc:ID", "VAT")
	w.close("cac:TaxScheme")
}

func writeAddress(w *writer, a order.Address) {
	w.open("cac:PostalAddress")
	w.leaf("cbc:StreetName", a.Street)
	w.leaf("cbc:AdditionalStreetName", a.Street2)
	w.leaf("cbc:CityName", a.City)
	w.leaf("cbc:PostalZone", a.Postcode)
	w.leaf("cbc:CountrySubentity", a.Region)
	w.open("cac:Country")
	w.leaf("cbc:IdentificationCode", strings.ToUpper(a.Country))
	w.close("cac:Country")
	w.close("cac:PostalAddress")
}

func writeSeller(w *writer, s order.Seller, outOfScope bool) {
	w.open("cac:AccountingSupplierParty")
	w.open("cac:Party")
	w.leaf("cbc:EndpointID", s.KvK, "schemeID", "0106")
	w.open("cac:PartyName")
	w.leaf("cbc:Name", firstNonEmpty(s.Name, s.LegalName()))
	w.close("cac:PartyName")
	writeAddress(w, s.Address)
	if !outOfScope { // BR-O-02: no seller VAT id when not subject to VAT
		w.open("cac:PartyTaxScheme")
		w.leaf("cbc:CompanyID", order.NormalizeVATID(s.VATID))
		taxScheme(w)
		w.close("cac:PartyTaxScheme")
	}
	w.open("cac:PartyLegalEntity")
	w.leaf("cbc:RegistrationName", s.LegalName())
	w.leaf("cbc:CompanyID", s.KvK, "schemeID", "0106")
	w.close("cac:PartyLegalEntity")
	if s.Email != "" || s.Phone != "" {
		w.open("cac:Contact")
		w.leaf("cbc:Telephone", s.Phone)
		w.leaf("cbc:ElectronicMail", s.Email)
		w.close("cac:Contact")
	}
	w.close("cac:Party")
	w.close("cac:AccountingSupplierParty")
}

// buyerEndpoint picks the buyer's Peppol electronic address: the KvK number
// of a Dutch company (0106), else an EU VAT id under its country's Peppol
// scheme (NL 9944, BE 9925, DE 9930, ...). A buyer with neither (a consumer)
// has no Peppol address: "" and "".
func buyerEndpoint(p order.Party) (scheme, id string) {
	if strings.EqualFold(p.Address.Country, "NL") && order.ValidKvK(p.KvK) == nil {
		return "0106", strings.TrimSpace(p.KvK)
	}
	if p.VATID != "" && order.ValidVATID(p.VATID) == nil {
		v := order.NormalizeVATID(p.VATID)
		if s, ok := vatEAS[v[:2]]; ok {
			return s, v
		}
	}
	return "", ""
}

// Peppol reports whether an invoice to p is a Peppol BIS Billing 3.0
// document: p is a business with a Peppol address (a KvK number or an EU VAT
// id with an EAS scheme) and, in the Netherlands, a full address (NL-R-004).
// Anyone else (a consumer, who has no Peppol address) gets a plain EN 16931
// invoice, which Peppol's rules do not apply to.
func Peppol(p order.Party) bool {
	if s, _ := buyerEndpoint(p); s == "" {
		return false
	}
	a := p.Address
	if strings.EqualFold(a.Country, "NL") && (strings.TrimSpace(a.Street) == "" || strings.TrimSpace(a.City) == "" || strings.TrimSpace(a.Postcode) == "") {
		return false
	}
	return true
}

func buyerName(p order.Party) string {
	return firstNonEmpty(strings.TrimSpace(p.Company), strings.TrimSpace(p.Name), strings.TrimSpace(p.Email))
}

func writeBuyer(w *writer, p order.Party, outOfScope, peppol bool) {
	w.open("cac:AccountingCustomerParty")
	w.open("cac:Party")
	if peppol {
		scheme, id := buyerEndpoint(p)
		w.leaf("cbc:EndpointID", id, "schemeID", scheme)
	}
	w.open("cac:PartyName")
	w.leaf("cbc:Name", buyerName(p))
	w.close("cac:PartyName")
	writeAddress(w, p.Address)
	// A VAT id that is no EU VAT id (a typing error, a number from
	// elsewhere) stays off: BR-CO-09 wants a country prefix, and an S or Z
	// invoice needs none. K and AE invoices have a valid one (NewInvoice).
	if p.VATID != "" && !outOfScope && order.ValidVATID(p.VATID) == nil {
		w.open("cac:PartyTaxScheme")
		w.leaf("cbc:CompanyID", order.NormalizeVATID(p.VATID))
		taxScheme(w)
		w.close("cac:PartyTaxScheme")
	}
	w.open("cac:PartyLegalEntity")
	w.leaf("cbc:RegistrationName", buyerName(p))
	if strings.EqualFold(p.Address.Country, "NL") && order.ValidKvK(p.KvK) == nil {
		// NL-R-005: a Dutch buyer's legal id is a KvK number (0106).
		w.leaf("cbc:CompanyID", strings.TrimSpace(p.KvK), "schemeID", "0106")
	}
	w.close("cac:PartyLegalEntity")
	contact := ""
	if p.Company != "" {
		contact = p.Name
	}
	if contact != "" || p.Phone != "" || p.Email != "" {
		w.open("cac:Contact")
		w.leaf("cbc:Name", contact)
		w.leaf("cbc:Telephone", p.Phone)
		w.leaf("cbc:ElectronicMail", p.Email)
		w.close("cac:Contact")
	}
	w.close("cac:Party")
	w.close("cac:AccountingCustomerParty")
}

// paymentMeans maps the shop's payment method to a UNCL4461 code. Dutch
// sellers may use only 30, 48, 49, 57, 58 and 59 (NL-R-008), and 49 and 59
// need a mandate id (PEPPOL-EN16931-R061) that a shop does not have. So
// cards and wallets that charge a card are 48 (bank card); everything else
// (bank transfer, iDEAL, Bancontact, PayPal, unknown) is 30, credit transfer
// to the seller's IBAN. The method's own title is kept as the code's name
// (BT-82).
func paymentMeans(method string) (code, name string) {
	m := strings.ToLower(method)
	if strings.Contains(m, "gift") || strings.Contains(m, "cadeau") {
		// A gift card is no bank card; no allowed code fits, and the
		// order is prepaid anyway.
		return "30", method
	}
	for _, card := range []string{"card", "kaart", "visa", "mastercard", "maestro", "amex", "american express", "apple pay", "google pay", "pinnen", "pinbetaling"} {
		if strings.Contains(m, card) {
			return "48", firstNonEmpty(method, "Bank card")
		}
	}
	return "30", firstNonEmpty(method, "Credit transfer")
}

// check refuses an invoice that would make an invalid document, before any
// file is written.
func check(inv order.Invoice) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: invoice %s: %s", ErrInvalid, inv.ID, fmt.Sprintf(format, a...))
	}
	if inv.Kind != order.KindInvoice && inv.Kind != order.KindCreditNote {
		return bad("unknown kind %q", inv.Kind)
	}
	if inv.Key == "" || strings.TrimSpace(inv.ID) == "" || strings.TrimSpace(inv.OrderNumber) == "" {
		return bad("key, number and order number are required")
	}
	if len(inv.Currency) != 3 {
		return bad("currency %q is not an ISO 4217 code", inv.Currency)
	}
	if inv.IssueDate.IsZero() {
		return bad("no issue date")
	}
	if len(inv.Lines) == 0 || len(inv.TaxSubtotals) == 0 {
		return bad("no lines or no VAT breakdown")
	}
	if inv.Kind == order.KindCreditNote && inv.BillingReference == "" {
		return bad("a credit note must name the invoice it corrects (NL-R-001)")
	}
	if err := inv.Seller.Check(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if buyerName(inv.Buyer) == "" || len(inv.Buyer.Address.Country) != 2 {
		return bad("buyer needs a name and a country code")
	}
	if inv.Delivery != nil && len(strings.TrimSpace(inv.Delivery.Address.Country)) != 2 {
		return bad("delivery address needs a country code")
	}
	if inv.Currency != "EUR" && inv.EURRate == "" {
		return bad("an invoice in %s must state its VAT in EUR too (BT-6, BT-111): no EUR rate", inv.Currency)
	}
	var lines, taxable, tax order.Money
	ids := map[string]bool{}
	for _, l := range inv.Lines {
		if l.ID == "" || ids[l.ID] || strings.TrimSpace(l.Name) == "" {
			return bad("line ids must be unique and lines named")
		}
		ids[l.ID] = true
		lines += l.Net
	}
	for _, s := range inv.TaxSubtotals {
		taxable += s.Taxable
		tax += s.Tax
	}
	if lines != inv.LineTotal || taxable != inv.LineTotal || tax != inv.TaxTotal ||
		inv.Total != inv.LineTotal+inv.TaxTotal || inv.Payable != inv.Total-inv.Prepaid {
		return bad("totals do not add up (lines %s, taxable %s, VAT %s, total %s, prepaid %s, payable %s)",
			lines, taxable, tax, inv.Total, inv.Prepaid, inv.Payable)
	}
	return nil
}

func date(t interface{ Format(string) string }) string { return t.Format("2006-01-02") }

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
