package pos

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// The JSON shapes the parser reads. Every field is optional and of a
// tolerant type (flexString, flexBool, amount): a field Orderbrug does not
// know is skipped, an id may be a string or a number, an amount a number or
// a string. Only the lists (items, taxes, ...) must be lists when present.
// See doc.go for what each field is taken to mean.

// flexString is a string, or the text of a number or a bool; null, an
// object or a list are "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*f = ""
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		if s, ok := unquote(b); ok {
			*f = flexString(strings.TrimSpace(s))
		}
	case '{', '[', 'n':
	default:
		*f = flexString(b)
	}
	return nil
}

func (f flexString) String() string { return string(f) }

// unquote reads a JSON string; without escapes (nearly every field of a
// check) without a second pass of the decoder.
func unquote(b []byte) (string, bool) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		return string(b[1 : len(b)-1]), true
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return "", false
	}
	return s, true
}

// flexBool is true, false, "true", "1", "yes" and their opposites; it is
// unset otherwise.
type flexBool struct{ set, v bool }

func (f *flexBool) UnmarshalJSON(b []byte) error {
	var s flexString
	_ = s.UnmarshalJSON(b)
	switch strings.ToLower(string(s)) {
	case "true", "1", "yes", "y":
		*f = flexBool{true, true}
	case "false", "0", "no", "n":
		*f = flexBool{true, false}
	default:
		*f = flexBool{}
	}
	return nil
}

// taxLine is one of a check's taxes[] (and an online order's
// inclusiveTaxes[]), and also the shape of an item's taxes[] entries,
// which carry fewer of its fields.
type taxLine struct {
	ID                flexString `json:"id"`
	Name              flexString `json:"name"`
	TaxRate           amount     `json:"taxRate"`
	TaxRateStr        amount     `json:"taxRateStr"`
	TaxAmount         amount     `json:"taxAmount"`
	TaxAmountStr      amount     `json:"taxAmountStr"`
	TotalTaxAmount    amount     `json:"totalTaxAmount"`
	TotalTaxAmountStr amount     `json:"totalTaxAmountStr"`
	ActualTaxAmount   amount     `json:"actualTaxAmount"`
	ActualTax         amount     `json:"actualTax"`
	ActualTaxStr      amount     `json:"actualTaxStr"`
	Inclusive         flexBool   `json:"inclusive"`
}

// item is one of a check's items[], an online order's orderDetails[] or a
// check's serviceCharges[].
type item struct {
	ID             flexString `json:"id"`
	MenuItemID     flexString `json:"menuItemID"`
	Name           flexString `json:"name"`
	ItemName       flexString `json:"itemName"`
	MenuItemName   flexString `json:"menuItemName"`
	Quantity       amount     `json:"quantity"`
	Price          amount     `json:"price"`
	PriceStr       amount     `json:"priceStr"`
	TotalAmount    amount     `json:"totalAmount"`
	TotalAmountStr amount     `json:"totalAmountStr"`
	Amount         amount     `json:"amount"`
	AmountStr      amount     `json:"amountStr"`
	Taxes          []taxLine  `json:"taxes"`
	IsVoid         flexBool   `json:"isVoid"`
}

// discount is one of a check's discounts[].
type discount struct {
	ID                flexString `json:"id"`
	Name              flexString `json:"name"`
	Amount            amount     `json:"amount"`
	AmountStr         amount     `json:"amountStr"`
	DiscountAmount    amount     `json:"discountAmount"`
	DiscountAmountStr amount     `json:"discountAmountStr"`
	Taxes             []taxLine  `json:"taxes"`
	IsVoid            flexBool   `json:"isVoid"`
}

// payment is one of a check's payments[].
type payment struct {
	Name         flexString `json:"name"`
	PaymentType  flexString `json:"paymentType"`
	Amount       amount     `json:"amount"`
	AmountStr    amount     `json:"amountStr"`
	TipAmount    amount     `json:"tipAmount"`
	TipAmountStr amount     `json:"tipAmountStr"`
}

// gratuity is a check's gratuity{} ({} when there is none).
type gratuity struct {
	ID        flexString `json:"id"`
	Name      flexString `json:"name"`
	Amount    amount     `json:"amount"`
	AmountStr amount     `json:"amountStr"`
}

// customer is a check's customer{}, when it names one.
type customer struct {
	Name        flexString `json:"name"`
	FirstName   flexString `json:"firstName"`
	LastName    flexString `json:"lastName"`
	Email       flexString `json:"email"`
	Phone       flexString `json:"phone"`
	Company     flexString `json:"company"`
	CompanyName flexString `json:"companyName"`
	VATNumber   flexString `json:"vatNumber"`
}

// check is the check itself: the envelope's data, a bare check, or an
// online order; the fields of all three in one, since they share most.
type check struct {
	// Data is the envelope's check (an object, or a string holding one).
	Data          json.RawMessage `json:"data"`
	CheckID       flexString      `json:"checkID"`
	UniqueOrderID flexString      `json:"uniqueOrderID"`
	CheckNumber   flexString      `json:"checkNumber"`
	OrderNumber   flexString      `json:"orderNumber"`
	CheckStatus   flexString      `json:"checkStatus"`
	IsClosed      flexBool        `json:"isClosed"`

	DateCreated    flexString `json:"dateCreated"`
	DateClosed     flexString `json:"dateClosed"`
	OrderedDateStr flexString `json:"orderedDateStr"`
	BusinessDate   flexString `json:"businessDate"`
	Currency       flexString `json:"currency"`
	CurrencyCode   flexString `json:"currencyCode"`

	TotalAmount           amount `json:"totalAmount"`
	TotalAmountStr        amount `json:"totalAmountStr"`
	TotalSaleAmount       amount `json:"totalSaleAmount"`
	TotalSaleAmountStr    amount `json:"totalSaleAmountStr"`
	TotalTaxAmount        amount `json:"totalTaxAmount"`
	TotalTaxAmountStr     amount `json:"totalTaxAmountStr"`
	ActualTax             amount `json:"actualTax"`
	ActualTaxStr          amount `json:"actualTaxStr"`
	InclusiveTaxAmount    amount `json:"inclusiveTaxAmount"`
	InclusiveTaxAmountStr amount `json:"inclusiveTaxAmountStr"`
	SubTotal              amount `json:"subTotal"`
	SubTotalStr           amount `json:"subTotalStr"`
	TaxAmount             amount `json:"taxAmount"`
	TaxAmountStr          amount `json:"taxAmountStr"`
	TotalTax              amount `json:"totalTax"`
	TotalTaxStr           amount `json:"totalTaxStr"`
	TipAmount             amount `json:"tipAmount"`
	TipAmountStr          amount `json:"tipAmountStr"`
	DriverTipAmount       amount `json:"driverTipAmount"`
	DriverTipAmountStr    amount `json:"driverTipAmountStr"`
	DeliveryCharge        amount `json:"deliveryCharge"`
	DeliveryChargeStr     amount `json:"deliveryChargeStr"`

	Gratuity       json.RawMessage `json:"gratuity"`
	Taxes          []taxLine       `json:"taxes"`
	InclusiveTaxes []taxLine       `json:"inclusiveTaxes"`
	Items          []item          `json:"items"`
	OrderDetails   []item          `json:"orderDetails"`
	Discounts      []discount      `json:"discounts"`
	ServiceCharges []item          `json:"serviceCharges"`
	Payments       []payment       `json:"payments"`
	PaymentType    flexString      `json:"paymentType"`

	Customer      json.RawMessage `json:"customer"`
	CustomerName  flexString      `json:"customerName"`
	CustomerEmail flexString      `json:"customerEmail"`
	CustomerPhone flexString      `json:"customerPhone"`
	CompanyName   flexString      `json:"companyName"`
}

// gratuities reads gratuity: an object, a list of them, or anything else
// (none).
func (c *check) gratuities() []gratuity {
	raw := bytes.TrimSpace(c.Gratuity)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '{':
		var g gratuity
		if json.Unmarshal(raw, &g) == nil {
			return []gratuity{g}
		}
	case '[':
		var gs []gratuity
		if json.Unmarshal(raw, &gs) == nil {
			return gs
		}
	}
	return nil
}

// customer reads customer: an object, or a string that is the name.
func (c *check) customer() customer {
	raw := bytes.TrimSpace(c.Customer)
	var cu customer
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &cu)
	} else {
		_ = cu.Name.UnmarshalJSON(raw)
	}
	return cu
}
