package ebemu

// The wire shapes of the e-Boekhouden REST API as APIS.md §4 names them
// (the OpenAPI's serde wire names [E1]).

// SessionRequest is POST /v1/session's body.
type SessionRequest struct {
	AccessToken string `json:"accessToken"`
	Source      string `json:"source"`
}

// Session is POST /v1/session's answer; ExpiresIn is in seconds.
type Session struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expiresIn"`
}

// Ledger is a ledger account as GET /v1/ledger lists it. Category is one
// of BAL, VW, AF6, AF19, AFOVERIG, VOOR, BTWRC, FIN, DEB, CRED, AF.
type Ledger struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Category    string `json:"category"`
	Group       string `json:"group"`
}

// Relation is a relation (customer or supplier) as POST /v1/relation takes
// it and GET /v1/relation/{id} shows it. Type is B (business, the default)
// or P (person).
type Relation struct {
	ID                        int64  `json:"id"`
	Type                      string `json:"type"`
	Code                      string `json:"code"`
	Name                      string `json:"name"`
	Contact                   string `json:"contact,omitempty"`
	Address                   string `json:"address,omitempty"`
	PostalCode                string `json:"postalCode,omitempty"`
	City                      string `json:"city,omitempty"`
	Country                   string `json:"country,omitempty"`
	PhoneNumber               string `json:"phoneNumber,omitempty"`
	EmailAddress              string `json:"emailAddress,omitempty"`
	EmailAddressInvoice       string `json:"emailAddressInvoice,omitempty"`
	VATNumber                 string `json:"vatNumber,omitempty"`
	IBAN                      string `json:"iban,omitempty"`
	CompanyRegistrationNumber string `json:"companyRegistrationNumber,omitempty"`
	TermOfPayment             int    `json:"termOfPayment,omitempty"`
	LedgerID                  int64  `json:"ledgerId,omitempty"`
	Inactive                  bool   `json:"inactive"`
}

// Created is the answer of a create: {id} for a mutation
// (CreatedMutation), {id, code} for a relation.
type Created struct {
	ID   int64  `json:"id"`
	Code string `json:"code,omitempty"`
}

// MutationRow is one row of a mutation. Amount is incl. or excl. VAT as
// the mutation's InExVat says; VATAmount only with AFW_VERK or AFW.
type MutationRow struct {
	LedgerID      int64    `json:"ledgerId,omitempty"`
	VATCode       string   `json:"vatCode,omitempty"`
	VATAmount     *float64 `json:"vatAmount,omitempty"`
	Amount        float64  `json:"amount"`
	InvoiceNumber string   `json:"invoiceNumber,omitempty"`
	RelationID    int64    `json:"relationId,omitempty"`
	CostCenterID  int64    `json:"costCenterId,omitempty"`
	Description   string   `json:"description,omitempty"`
}

// Mutation is a booked mutation as GET /v1/mutation/{id} shows it, and
// (without id and vat) POST /v1/mutation's body. Type 2 is "invoice sent".
type Mutation struct {
	ID                    int64         `json:"id,omitempty"`
	Type                  int           `json:"type"`
	Date                  string        `json:"date"`
	Description           string        `json:"description,omitempty"`
	TermOfPayment         *int          `json:"termOfPayment,omitempty"`
	LedgerID              int64         `json:"ledgerId"`
	RelationID            int64         `json:"relationId,omitempty"`
	InExVat               string        `json:"inExVat,omitempty"`
	InvoiceNumber         string        `json:"invoiceNumber,omitempty"`
	EntryNumber           string        `json:"entryNumber,omitempty"`
	PaymentReference      string        `json:"paymentReference,omitempty"`
	CheckPaymentReference bool          `json:"checkPaymentReference,omitempty"`
	Rows                  []MutationRow `json:"rows"`
	VAT                   []VATLine     `json:"vat,omitempty"`
}

// VATLine is the VAT of one code in a mutation's vat[]. The shape is the
// emulator's reading (APIS.md names vat[] but not its fields): the code
// and the VAT amount in euros.
type VATLine struct {
	VATCode string  `json:"vatCode"`
	Amount  float64 `json:"amount"`
}

// MutationItem is one item of GET /v1/mutation. Amount is the emulator's
// reading: the mutation's total incl. VAT.
type MutationItem struct {
	ID            int64   `json:"id"`
	Type          int     `json:"type"`
	Date          string  `json:"date"`
	InvoiceNumber string  `json:"invoiceNumber,omitempty"`
	LedgerID      int64   `json:"ledgerId"`
	Amount        float64 `json:"amount"`
	EntryNumber   string  `json:"entryNumber,omitempty"`
}

// List is the shape of every list: the page's items and count, the number
// of matches over all pages (the emulator's reading of count).
type List[T any] struct {
	Items []T `json:"items"`
	Count int `json:"count"`
}
