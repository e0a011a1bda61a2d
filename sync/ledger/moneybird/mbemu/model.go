package mbemu

// The wire shapes of Moneybird API v2 as ../shared/APIS.md §3 documents
// them (Moneybird's own OpenAPI [M1]). Ids are strings of digits, as
// Moneybird writes its 18-digit ids (the emulator's reading: APIS.md does
// not type them); amounts are decimal strings such as "121.0".

// Administration is an entry of GET /api/v2/administrations.json.
type Administration struct {
	ID                string  `json:"id"`
	Name              string  `json:"name"`
	Language          string  `json:"language"`
	Currency          string  `json:"currency"`
	Country           string  `json:"country"`
	TimeZone          string  `json:"time_zone"`
	Access            string  `json:"access"`
	Suspended         bool    `json:"suspended"`
	PeriodLockedUntil *string `json:"period_locked_until"`
}

// Contact is a contact as /contacts returns it.
type Contact struct {
	ID                  string  `json:"id"`
	AdministrationID    string  `json:"administration_id"`
	CompanyName         string  `json:"company_name"`
	Firstname           string  `json:"firstname"`
	Lastname            string  `json:"lastname"`
	Attention           string  `json:"attention"`
	Address1            string  `json:"address1"`
	Address2            string  `json:"address2"`
	Zipcode             string  `json:"zipcode"`
	City                string  `json:"city"`
	Country             string  `json:"country"`
	Phone               string  `json:"phone"`
	DeliveryMethod      string  `json:"delivery_method"`
	CustomerID          string  `json:"customer_id"`
	TaxNumber           string  `json:"tax_number"`
	ChamberOfCommerce   string  `json:"chamber_of_commerce"`
	SendInvoicesToEmail string  `json:"send_invoices_to_email"`
	SIIdentifierType    *string `json:"si_identifier_type"`
	SIIdentifier        string  `json:"si_identifier"`
	InvoiceWorkflowID   *string `json:"invoice_workflow_id"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
	Version             int64   `json:"version"`
}

// TaxRate is an entry of /tax_rates. Country is set only for foreign
// rates (OSS).
type TaxRate struct {
	ID               string  `json:"id"`
	AdministrationID string  `json:"administration_id"`
	Name             string  `json:"name"`
	Percentage       string  `json:"percentage"`
	TaxRateType      string  `json:"tax_rate_type"`
	ShowTax          bool    `json:"show_tax"`
	Active           bool    `json:"active"`
	Country          *string `json:"country"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
	// ReportReference is the tax return box the details of this rate
	// carry as tax_report_reference; MandatoryText their
	// mandatory_tax_text. Neither is on the wire of /tax_rates.
	ReportReference []string `json:"-"`
	MandatoryText   *string  `json:"-"`
}

// LedgerAccount is an entry of /ledger_accounts. AccountID is the code,
// nullable.
type LedgerAccount struct {
	ID                   string   `json:"id"`
	AdministrationID     string   `json:"administration_id"`
	Name                 string   `json:"name"`
	AccountType          string   `json:"account_type"`
	AccountID            *string  `json:"account_id"`
	ParentID             *string  `json:"parent_id"`
	AllowedDocumentTypes []string `json:"allowed_document_types"`
	FinancialAccountID   *string  `json:"financial_account_id"`
	TaxonomyItem         *string  `json:"taxonomy_item"`
	CreatedAt            string   `json:"created_at"`
	UpdatedAt            string   `json:"updated_at"`
}

// Invoice is an external sales invoice as /external_sales_invoices
// returns it.
type Invoice struct {
	ID                    string     `json:"id"`
	AdministrationID      string     `json:"administration_id"`
	ContactID             string     `json:"contact_id"`
	Contact               Contact    `json:"contact"`
	Date                  string     `json:"date"`
	State                 string     `json:"state"`
	DueDate               *string    `json:"due_date"`
	Reference             string     `json:"reference"`
	EntryNumber           int64      `json:"entry_number"`
	Origin                string     `json:"origin"`
	Source                *string    `json:"source"`
	SourceURL             *string    `json:"source_url"`
	Currency              string     `json:"currency"`
	PaidAt                *string    `json:"paid_at"`
	Version               int64      `json:"version"`
	Details               []Detail   `json:"details"`
	Payments              []Payment  `json:"payments"`
	TotalPaid             string     `json:"total_paid"`
	TotalUnpaid           string     `json:"total_unpaid"`
	TotalUnpaidBase       string     `json:"total_unpaid_base"`
	PricesAreInclTax      bool       `json:"prices_are_incl_tax"`
	TotalPriceExclTax     string     `json:"total_price_excl_tax"`
	TotalPriceExclTaxBase string     `json:"total_price_excl_tax_base"`
	TotalPriceInclTax     string     `json:"total_price_incl_tax"`
	TotalPriceInclTaxBase string     `json:"total_price_incl_tax_base"`
	MarkedDubiousOn       *string    `json:"marked_dubious_on"`
	MarkedUncollectibleOn *string    `json:"marked_uncollectible_on"`
	Notes                 []any      `json:"notes"`
	Attachments           []any      `json:"attachments"`
	Events                []Event    `json:"events"`
	TaxTotals             []TaxTotal `json:"tax_totals"`
	CreatedAt             string     `json:"created_at"`
	UpdatedAt             string     `json:"updated_at"`
}

// Detail is an invoice line.
type Detail struct {
	ID                               string   `json:"id"`
	AdministrationID                 string   `json:"administration_id"`
	TaxRateID                        string   `json:"tax_rate_id"`
	LedgerAccountID                  string   `json:"ledger_account_id"`
	ProjectID                        *string  `json:"project_id"`
	ProductID                        *string  `json:"product_id"`
	Amount                           string   `json:"amount"`
	AmountDecimal                    string   `json:"amount_decimal"`
	Description                      string   `json:"description"`
	Price                            string   `json:"price"`
	Period                           *string  `json:"period"`
	RowOrder                         int64    `json:"row_order"`
	TotalPriceExclTaxWithDiscount    string   `json:"total_price_excl_tax_with_discount"`
	TotalPriceExclTaxWithDiscountBas string   `json:"total_price_excl_tax_with_discount_base"`
	TaxReportReference               []string `json:"tax_report_reference"`
	MandatoryTaxText                 *string  `json:"mandatory_tax_text"`
	CreatedAt                        string   `json:"created_at"`
	UpdatedAt                        string   `json:"updated_at"`
}

// Payment is a payment registered on an external sales invoice.
type Payment struct {
	ID                    string  `json:"id"`
	AdministrationID      string  `json:"administration_id"`
	InvoiceType           string  `json:"invoice_type"`
	InvoiceID             string  `json:"invoice_id"`
	FinancialAccountID    *string `json:"financial_account_id"`
	FinancialMutationID   *string `json:"financial_mutation_id"`
	TransactionIdentifier *string `json:"transaction_identifier"`
	ManualPaymentAction   *string `json:"manual_payment_action"`
	Price                 string  `json:"price"`
	PriceBase             string  `json:"price_base"`
	PaymentDate           string  `json:"payment_date"`
	LedgerAccountID       *string `json:"ledger_account_id"`
	CreatedAt             string  `json:"created_at"`
	UpdatedAt             string  `json:"updated_at"`
}

// Event is an entry of an invoice's events.
type Event struct {
	AdministrationID string `json:"administration_id"`
	Action           string `json:"action"`
	CreatedAt        string `json:"created_at"`
}

// TaxTotal is the VAT of one tax rate on an invoice.
type TaxTotal struct {
	TaxRateID         string `json:"tax_rate_id"`
	TaxableAmount     string `json:"taxable_amount"`
	TaxableAmountBase string `json:"taxable_amount_base"`
	TaxAmount         string `json:"tax_amount"`
	TaxAmountBase     string `json:"tax_amount_base"`
}

// Webhook is a registered webhook.
type Webhook struct {
	ID               string   `json:"id"`
	AdministrationID string   `json:"administration_id"`
	URL              string   `json:"url"`
	EnabledEvents    []string `json:"enabled_events"`
	LastHTTPStatus   *int     `json:"last_http_status"`
	LastHTTPBody     *string  `json:"last_http_body"`
	Token            string   `json:"token"`
}
