package app

import (
	"errors"
	"fmt"

	"github.com/orderbrug/orderbrug/sync/source"
	"github.com/orderbrug/orderbrug/sync/store"
)

// Error is an error of the service API with a stable Code that the GUI turns
// into a sentence (lang key "error.<code>") and the CLI prints. Field names
// the input at fault, if any. Err is the detail (English, no secrets).
type Error struct {
	Code  string
	Field string
	Err   error
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Error codes.
const (
	CodeInvalid      = "invalid"        // an input is not valid (see Field)
	CodeRequired     = "required"       // an input is missing (see Field)
	CodeShopExists   = "shop_exists"    // a shop with that name exists
	CodeNoSuchShop   = "no_such_shop"   // no shop with that name
	CodeNoSuchOrder  = "no_such_order"  // no such order in that shop
	CodeAuth         = "auth"           // the shop refused the keys
	CodeNotFound     = "not_found"      // the shop's API is not at that URL
	CodeNetwork      = "network"        // the shop cannot be reached
	CodeBadResponse  = "bad_response"   // the shop answered something else
	CodeBadRequest   = "bad_request"    // the shop refused the request
	CodeNotAllowed   = "not_allowed"    // the action does not fit the order's state
	CodeNewerDB      = "newer_database" // the database is from a newer Orderbrug
	CodeInternal     = "internal"       // anything else
	CodeUnsupported  = "unsupported"    // a source or ledger kind not built in
	CodeTunnelNeeded = "tunnel_needed"  // the action needs the tunnel to be up
	// The shop is at another address than the one given; SuggestedURL says
	// which, when known.
	CodeMoved           = "moved"            // the shop redirects to its home address
	CodeNoHTTPS         = "no_https"         // https:// on a shop that speaks only HTTP
	CodeWordPressAt     = "wordpress_at"     // WordPress lives at another path
	CodePlainPermalinks = "plain_permalinks" // permalinks "plain" hide the REST API
	// CodeNothingToCredit: a change after booking leaves nothing to credit
	// (a raised total, or all credited already); the mark is taken off.
	CodeNothingToCredit = "nothing_to_credit"
	// CodeWaiting: the command did its work, but bookings wait on something
	// a person must fix (seller details, a ledger, a failed booking).
	CodeWaiting = "waiting"
)

// Error codes of the online ledgers (Moneybird, e-Boekhouden).
const (
	CodeLedgerAuth    = "ledger_auth"    // the package refuses the token
	CodeLedgerNetwork = "ledger_network" // the package cannot be reached
	CodeLedgerBusy    = "ledger_busy"    // the package's rate limit: try again later
	CodeLedgerError   = "ledger_error"   // the package answered with an error
	// CodeChooseAdministration: the token reaches several administrations
	// and none was chosen (the error lists them: AdministrationsError).
	CodeChooseAdministration = "choose_administration"
	// CodeLedgerNoAdministration: the token reaches no administration.
	CodeLedgerNoAdministration = "no_administration"
	// CodeNoOnlineLedger: the action needs an online ledger (the VAT
	// mapping, a connection test) while bookings go to the UBL folder.
	CodeNoOnlineLedger = "no_online_ledger"
)

// Fields of errors that have a sentence of their own (lang key
// "error.<code>.<field>"), not the field's generic one.
const (
	// FieldCheck with CodeUnsupported: the shop's kind cannot be asked for
	// an order (the till sends every check itself).
	FieldCheck = "check"
	// FieldCounted with CodeNotAllowed: a till's check counted in a day
	// summary is neither booked, ignored nor un-ignored on its own.
	FieldCounted = "counted"
)

// addressHinter is implemented by source errors that know where the shop
// really lives (woocommerce.AddressError).
type addressHinter interface {
	AddressHint() (code, use string)
}

// SuggestedURL is the address to use instead of the one given, for an
// error with code CodeMoved, CodeNoHTTPS or CodeWordPressAt; "" otherwise.
func SuggestedURL(err error) string {
	var h addressHinter
	if errors.As(err, &h) {
		_, use := h.AddressHint()
		return use
	}
	return ""
}

// CodeOf gives the Code of any error the service returns.
func CodeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var h addressHinter
	if errors.As(err, &h) {
		code, _ := h.AddressHint()
		switch code {
		case CodeMoved, CodeNoHTTPS, CodeWordPressAt, CodePlainPermalinks:
			return code
		}
	}
	switch {
	case errors.Is(err, store.ErrNewerSchema):
		return CodeNewerDB
	case errors.Is(err, store.ErrShopExists):
		return CodeShopExists
	}
	switch source.KindOf(err) {
	case source.Auth:
		return CodeAuth
	case source.NotFound:
		return CodeNotFound
	case source.Network:
		return CodeNetwork
	case source.BadResponse:
		return CodeBadResponse
	case source.BadRequest:
		return CodeBadRequest
	}
	return CodeInternal
}

// FieldOf gives the input field an error is about, if any.
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func invalid(field string, err error) error {
	return &Error{Code: CodeInvalid, Field: field, Err: err}
}

func required(field string) error {
	return &Error{Code: CodeRequired, Field: field, Err: fmt.Errorf("%s is required", field)}
}
