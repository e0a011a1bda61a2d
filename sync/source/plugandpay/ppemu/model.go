package ppemu

// The wire shapes of Plug&Pay API v2 as ../shared/APIS.md §1.4 documents
// them (the SDK's fields [S], a few of the tap schema's extras [T]).

// Order is an order as GET /v2/orders/{id} returns it under "data". The
// include-only parts are pointers or slices left out when not included.
type Order struct {
	ID            int64   `json:"id"`
	Amount        string  `json:"amount"`
	AmountWithTax string  `json:"amount_with_tax"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
	DeletedAt     *string `json:"deleted_at"`
	InvoiceNumber *string `json:"invoice_number"`
	InvoiceStatus string  `json:"invoice_status"`
	// InvoiceDate is the tap schema's extra [T], Y-m-d on the shop's wall
	// clock (Europe/Amsterdam); null while the invoice is a concept.
	InvoiceDate   *string `json:"invoice_date"`
	IsFirst       bool    `json:"is_first"`
	IsHidden      bool    `json:"is_hidden"`
	IsTaxIncluded bool    `json:"is_tax_included"`
	Mode          string  `json:"mode"`
	Reference     string  `json:"reference"`
	// Source is checkout, recurring, upsell, api, admin, import, upgrade or
	// unknown.
	Source       string   `json:"source"`
	ProductGroup *string  `json:"product_group"`
	Tags         []string `json:"tags,omitempty"`

	Billing        *Billing   `json:"billing,omitempty"`
	Items          []Item     `json:"items,omitempty"`
	Payment        *Payment   `json:"payment,omitempty"`
	Taxes          []Tax      `json:"taxes,omitempty"`
	TotalDiscounts []Discount `json:"total_discounts,omitempty"`
	// RelatedOrders links a credit invoice and the order it credits, both
	// ways: the emulator's documented reading of the tap's related_orders
	// [T] is a list of {"id", "invoice_number", "payment_status"}.
	RelatedOrders []Related `json:"related_orders,omitempty"`
	// Shipping is the tap schema's shipping{amount,amount_with_tax,
	// taxes[]} [T], served with include=shipping. The emulator's reading:
	// the order's amounts and taxes[] include it.
	Shipping *Shipping `json:"shipping,omitempty"`
}

// Shipping is an order's shipping costs.
type Shipping struct {
	Amount        string `json:"amount"`
	AmountWithTax string `json:"amount_with_tax"`
	Taxes         []Tax  `json:"taxes"`
}

// Related is one entry of related_orders.
type Related struct {
	ID            int64   `json:"id"`
	InvoiceNumber *string `json:"invoice_number"`
	PaymentStatus string  `json:"payment_status"`
}

// Billing is the buyer.
type Billing struct {
	Address Address `json:"address"`
	Contact Contact `json:"contact"`
}

// Address is the billing address.
type Address struct {
	Street      string `json:"street"`
	HouseNumber string `json:"housenumber"`
	Zipcode     string `json:"zipcode"`
	City        string `json:"city"`
	Country     string `json:"country"`
}

// Contact is the billing contact. TaxExempt is none, reverse or unknown.
type Contact struct {
	Company      *string `json:"company"`
	Email        string  `json:"email"`
	Firstname    string  `json:"firstname"`
	Lastname     string  `json:"lastname"`
	InvoiceEmail *string `json:"invoice_email"`
	Telephone    *string `json:"telephone"`
	Website      *string `json:"website"`
	VATIDNumber  *string `json:"vat_id_number"`
	TaxExempt    string  `json:"tax_exempt"`
}

// Item is an order line. The emulator's reading of the unsure `amount`
// (APIS.md §1.4 [?]): Amount and AmountWithTax are the UNIT price excl.
// and incl. VAT, Tax.Amount the VAT of one unit; Discounts are for the
// whole line.
type Item struct {
	ID            int64       `json:"id"`
	ProductID     int64       `json:"product_id"`
	Label         string      `json:"label"`
	Quantity      int64       `json:"quantity"`
	Type          *string     `json:"type"`
	Amount        string      `json:"amount"`
	AmountWithTax string      `json:"amount_with_tax"`
	Discounts     []Discount  `json:"discounts"`
	Tax           ItemTax     `json:"tax"`
	Subscription  *ItemSubRef `json:"subscription,omitempty"`
}

// ItemSubRef is the tap schema's item subscription [T], id and status only.
type ItemSubRef struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

// ItemTax is an item's VAT.
type ItemTax struct {
	Amount string  `json:"amount"`
	Rate   TaxRate `json:"rate"`
}

// TaxRate is a VAT rate; Percentage is "21.0".
type TaxRate struct {
	ID         int64  `json:"id"`
	Country    string `json:"country"`
	Percentage string `json:"percentage"`
}

// Tax is the order's VAT of one rate.
type Tax struct {
	Amount string  `json:"amount"`
	Rate   TaxRate `json:"rate"`
}

// Discount is a discount (promotion, sale or tier).
type Discount struct {
	Amount        string `json:"amount"`
	AmountWithTax string `json:"amount_with_tax"`
	Code          string `json:"code"`
	Type          string `json:"type"`
}

// Payment is the order's payment; Status is always present.
type Payment struct {
	Status        string  `json:"status"`
	Method        string  `json:"method"`
	Provider      string  `json:"provider"`
	Type          string  `json:"type"`
	PaidAt        *string `json:"paid_at"`
	TransactionID *string `json:"transaction_id"`
	MandateID     *string `json:"mandate_id"`
	CustomerID    *string `json:"customer_id"`
	OrderID       int64   `json:"order_id"`
	URL           string  `json:"url"`
}

// Subscription is GET /v2/subscriptions/{id}'s data (the SDK mock's shape,
// the parts the emulator keeps).
type Subscription struct {
	ID          int64   `json:"id"`
	CancelledAt *string `json:"cancelled_at"`
	CreatedAt   string  `json:"created_at"`
	DeletedAt   *string `json:"deleted_at"`
	Mode        string  `json:"mode"`
	Source      string  `json:"source"`
	// Status is active, cancelled, ended or inactive.
	Status    string   `json:"status"`
	UpdatedAt string   `json:"updated_at"`
	Billing   *Billing `json:"billing,omitempty"`
	Product   *Product `json:"product,omitempty"`
}

// Product is a subscription's product.
type Product struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	PublicTitle string `json:"public_title"`
	Type        string `json:"type"`
}

// Rule is a rule of /v2/rules.
type Rule struct {
	ID            int64          `json:"id"`
	ActionType    string         `json:"action_type"`
	ActionData    map[string]any `json:"action_data"`
	TriggerType   string         `json:"trigger_type"`
	ConditionData map[string]any `json:"condition_data"`
	Name          string         `json:"name"`
	Readonly      bool           `json:"readonly"`
	CreatedAt     string         `json:"created_at"`
	UpdatedAt     *string        `json:"updated_at"`
	DeletedAt     *string        `json:"deleted_at"`
	Driver        string         `json:"driver"`
}
