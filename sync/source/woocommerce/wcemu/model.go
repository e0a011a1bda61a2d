package wcemu

// The types below follow the JSON of WooCommerce REST v3 field by field and
// in the same order, so that EncodePHP of an Order gives the bytes a real
// shop sends (see real-8.9.1/rest_order_13_get_after_refund.json).

// Order is a WooCommerce order as GET /wc/v3/orders/{id} returns it.
type Order struct {
	ID                 int64         `json:"id"`
	ParentID           int64         `json:"parent_id"`
	Status             string        `json:"status"`
	Currency           string        `json:"currency"`
	Version            string        `json:"version"`
	PricesIncludeTax   bool          `json:"prices_include_tax"`
	DateCreated        string        `json:"date_created"`
	DateModified       string        `json:"date_modified"`
	DiscountTotal      string        `json:"discount_total"`
	DiscountTax        string        `json:"discount_tax"`
	ShippingTotal      string        `json:"shipping_total"`
	ShippingTax        string        `json:"shipping_tax"`
	CartTax            string        `json:"cart_tax"`
	Total              string        `json:"total"`
	TotalTax           string        `json:"total_tax"`
	CustomerID         int64         `json:"customer_id"`
	OrderKey           string        `json:"order_key"`
	Billing            Billing       `json:"billing"`
	Shipping           ShippingAddr  `json:"shipping"`
	PaymentMethod      string        `json:"payment_method"`
	PaymentMethodTitle string        `json:"payment_method_title"`
	TransactionID      string        `json:"transaction_id"`
	CustomerIPAddress  string        `json:"customer_ip_address"`
	CustomerUserAgent  string        `json:"customer_user_agent"`
	CreatedVia         string        `json:"created_via"`
	CustomerNote       string        `json:"customer_note"`
	DateCompleted      *string       `json:"date_completed"`
	DatePaid           *string       `json:"date_paid"`
	CartHash           string        `json:"cart_hash"`
	Number             string        `json:"number"`
	MetaData           []Meta        `json:"meta_data"`
	LineItems          []LineItem    `json:"line_items"`
	TaxLines           []TaxLine     `json:"tax_lines"`
	ShippingLines      []ShipLine    `json:"shipping_lines"`
	FeeLines           []FeeLine     `json:"fee_lines"`
	CouponLines        []CouponLine  `json:"coupon_lines"`
	Refunds            []RefundBrief `json:"refunds"`
	PaymentURL         string        `json:"payment_url"`
	IsEditable         bool          `json:"is_editable"`
	NeedsPayment       bool          `json:"needs_payment"`
	NeedsProcessing    bool          `json:"needs_processing"`
	DateCreatedGMT     string        `json:"date_created_gmt"`
	DateModifiedGMT    string        `json:"date_modified_gmt"`
	DateCompletedGMT   *string       `json:"date_completed_gmt"`
	DatePaidGMT        *string       `json:"date_paid_gmt"`
	CurrencySymbol     string        `json:"currency_symbol"`
	Links              Links         `json:"_links"`
}

// Billing is an order's billing address.
type Billing struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

// ShippingAddr is an order's shipping address.
type ShippingAddr struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Phone     string `json:"phone"`
}

// Meta is one meta_data entry; Value can be any JSON.
type Meta struct {
	ID    int64  `json:"id"`
	Key   string `json:"key"`
	Value any    `json:"value"`
	// DisplayKey and DisplayValue appear on line and coupon meta only.
	DisplayKey   *string `json:"display_key,omitempty"`
	DisplayValue any     `json:"display_value,omitempty"`
}

// Tax is one entry of a line's taxes: the tax rate id and its amounts, which
// WooCommerce reports unrounded ("2.268347").
type Tax struct {
	ID       int64  `json:"id"`
	Total    string `json:"total"`
	Subtotal string `json:"subtotal"`
}

// Image is a line item's product image.
type Image struct {
	ID  any    `json:"id"`
	Src string `json:"src"`
}

// LineItem is a product line. Total is after discounts, excluding tax.
type LineItem struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	ProductID   int64   `json:"product_id"`
	VariationID int64   `json:"variation_id"`
	Quantity    int64   `json:"quantity"`
	TaxClass    string  `json:"tax_class"`
	Subtotal    string  `json:"subtotal"`
	SubtotalTax string  `json:"subtotal_tax"`
	Total       string  `json:"total"`
	TotalTax    string  `json:"total_tax"`
	Taxes       []Tax   `json:"taxes"`
	MetaData    []Meta  `json:"meta_data"`
	SKU         string  `json:"sku"`
	Price       float64 `json:"price"`
	Image       Image   `json:"image"`
	ParentName  *string `json:"parent_name"`
}

// TaxLine is one tax rate applied to the order.
type TaxLine struct {
	ID               int64   `json:"id"`
	RateCode         string  `json:"rate_code"`
	RateID           int64   `json:"rate_id"`
	Label            string  `json:"label"`
	Compound         bool    `json:"compound"`
	TaxTotal         string  `json:"tax_total"`
	ShippingTaxTotal string  `json:"shipping_tax_total"`
	RatePercent      float64 `json:"rate_percent"`
	MetaData         []Meta  `json:"meta_data"`
}

// ShipLine is a shipping line; Total excludes tax.
type ShipLine struct {
	ID          int64  `json:"id"`
	MethodTitle string `json:"method_title"`
	MethodID    string `json:"method_id"`
	InstanceID  string `json:"instance_id"`
	Total       string `json:"total"`
	TotalTax    string `json:"total_tax"`
	Taxes       []Tax  `json:"taxes"`
	MetaData    []Meta `json:"meta_data"`
}

// FeeLine is a fee (or, negative, a discount entered as a fee).
type FeeLine struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	TaxClass  string `json:"tax_class"`
	TaxStatus string `json:"tax_status"`
	Amount    string `json:"amount"`
	Total     string `json:"total"`
	TotalTax  string `json:"total_tax"`
	Taxes     []Tax  `json:"taxes"`
	MetaData  []Meta `json:"meta_data"`
}

// CouponLine is a coupon used on the order.
type CouponLine struct {
	ID            int64   `json:"id"`
	Code          string  `json:"code"`
	Discount      string  `json:"discount"`
	DiscountTax   string  `json:"discount_tax"`
	MetaData      []Meta  `json:"meta_data"`
	DiscountType  string  `json:"discount_type"`
	NominalAmount float64 `json:"nominal_amount"`
	FreeShipping  bool    `json:"free_shipping"`
}

// RefundBrief is the summary of a refund inside an order; Total is negative.
type RefundBrief struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
	Total  string `json:"total"`
}

// Link is one HAL link.
type Link struct {
	Href string `json:"href"`
}

// Links are an object's _links.
type Links struct {
	Self       []Link `json:"self"`
	Collection []Link `json:"collection"`
	Up         []Link `json:"up,omitempty"`
}

// Refund is a refund as GET /wc/v3/orders/{id}/refunds returns it. Its line
// amounts are negative, as WooCommerce stores them.
type Refund struct {
	ID              int64            `json:"id"`
	DateCreated     string           `json:"date_created"`
	DateCreatedGMT  string           `json:"date_created_gmt"`
	Amount          string           `json:"amount"`
	Reason          string           `json:"reason"`
	RefundedBy      int64            `json:"refunded_by"`
	RefundedPayment bool             `json:"refunded_payment"`
	MetaData        []Meta           `json:"meta_data"`
	LineItems       []RefundLineItem `json:"line_items"`
	ShippingLines   []ShipLine       `json:"shipping_lines"`
	TaxLines        []TaxLine        `json:"tax_lines"`
	FeeLines        []FeeLine        `json:"fee_lines"`
	Links           Links            `json:"_links"`
}

// RefundLineItem is a refunded product line; amounts and quantity are
// negative.
type RefundLineItem struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	ProductID   int64   `json:"product_id"`
	VariationID int64   `json:"variation_id"`
	Quantity    int64   `json:"quantity"`
	TaxClass    string  `json:"tax_class"`
	Subtotal    string  `json:"subtotal"`
	SubtotalTax string  `json:"subtotal_tax"`
	Total       string  `json:"total"`
	TotalTax    string  `json:"total_tax"`
	Taxes       []Tax   `json:"taxes"`
	MetaData    []Meta  `json:"meta_data"`
	SKU         string  `json:"sku"`
	Price       float64 `json:"price"`
	RefundTotal float64 `json:"refund_total"`
}

// Webhook is a webhook as the REST API returns it (never with its secret).
type Webhook struct {
	ID              int64    `json:"id"`
	Name            string   `json:"name"`
	Status          string   `json:"status"`
	Topic           string   `json:"topic"`
	Resource        string   `json:"resource"`
	Event           string   `json:"event"`
	Hooks           []string `json:"hooks"`
	DeliveryURL     string   `json:"delivery_url"`
	DateCreated     string   `json:"date_created"`
	DateCreatedGMT  string   `json:"date_created_gmt"`
	DateModified    *string  `json:"date_modified"`
	DateModifiedGMT *string  `json:"date_modified_gmt"`
	Links           Links    `json:"_links"`
}

// normalize replaces nil slices by empty ones: PHP writes [] where Go would
// write null.
func (o *Order) normalize() {
	o.MetaData = orEmpty(o.MetaData)
	o.LineItems = orEmpty(o.LineItems)
	for i := range o.LineItems {
		o.LineItems[i].Taxes = orEmpty(o.LineItems[i].Taxes)
		o.LineItems[i].MetaData = orEmpty(o.LineItems[i].MetaData)
		if o.LineItems[i].Image.ID == nil {
			o.LineItems[i].Image.ID = ""
		}
	}
	o.TaxLines = orEmpty(o.TaxLines)
	for i := range o.TaxLines {
		o.TaxLines[i].MetaData = orEmpty(o.TaxLines[i].MetaData)
	}
	o.ShippingLines = orEmpty(o.ShippingLines)
	for i := range o.ShippingLines {
		o.ShippingLines[i].Taxes = orEmpty(o.ShippingLines[i].Taxes)
		o.ShippingLines[i].MetaData = orEmpty(o.ShippingLines[i].MetaData)
	}
	o.FeeLines = orEmpty(o.FeeLines)
	for i := range o.FeeLines {
		o.FeeLines[i].Taxes = orEmpty(o.FeeLines[i].Taxes)
		o.FeeLines[i].MetaData = orEmpty(o.FeeLines[i].MetaData)
	}
	o.CouponLines = orEmpty(o.CouponLines)
	for i := range o.CouponLines {
		o.CouponLines[i].MetaData = orEmpty(o.CouponLines[i].MetaData)
	}
	o.Refunds = orEmpty(o.Refunds)
	o.Links.Self = orEmpty(o.Links.Self)
	o.Links.Collection = orEmpty(o.Links.Collection)
}

func (r *Refund) normalize() {
	r.MetaData = orEmpty(r.MetaData)
	r.LineItems = orEmpty(r.LineItems)
	for i := range r.LineItems {
		r.LineItems[i].Taxes = orEmpty(r.LineItems[i].Taxes)
		r.LineItems[i].MetaData = orEmpty(r.LineItems[i].MetaData)
	}
	r.ShippingLines = orEmpty(r.ShippingLines)
	r.TaxLines = orEmpty(r.TaxLines)
	r.FeeLines = orEmpty(r.FeeLines)
}

// orEmpty makes a nil slice an empty one, so it encodes as [] like PHP's
// empty arrays, never null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
