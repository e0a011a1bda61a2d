package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Code is a stable kind of rejection, for the UI to translate and for
// scripts to match; it never changes with the wording of a reason.
type Code string

// Rejection codes.
const (
	CodeMethod      Code = "method"       // 405
	CodeUnknownShop Code = "unknown_shop" // 404
	CodeSignature   Code = "signature"    // 401
	CodeTooLarge    Code = "too_large"    // 413
	CodeParse       Code = "parse"        // 400
	CodeRead        Code = "read"         // 400
	CodeInbox       Code = "inbox"        // 503
	CodeInternal    Code = "internal"     // 500
)

// MethodError is a request with a method other than Allow.
type MethodError struct {
	Method string
	Allow  string
}

func (e *MethodError) Error() string {
	return fmt.Sprintf("method %s not allowed, use %s", e.Method, e.Allow)
}

// UnknownShopError is a delivery for a shop Orderbrug does not know (or
// whose webhooks are off).
type UnknownShopError struct{ Shop string }

func (e *UnknownShopError) Error() string { return fmt.Sprintf("unknown shop %q", e.Shop) }

// SignatureError is a delivery whose signature is missing or wrong. Reason
// is fixed text: never the signature received nor the secret.
type SignatureError struct{ Reason string }

func (e *SignatureError) Error() string { return "signature: " + e.Reason }

// Sentinel reasons of SignatureError, comparable with errors.Is.
var (
	ErrSignatureMissing   = &SignatureError{Reason: "missing X-WC-Webhook-Signature header"}
	ErrSignatureMalformed = &SignatureError{Reason: "header is not base64 of a SHA-256 HMAC"}
	ErrSignatureMismatch  = &SignatureError{Reason: "does not match the body and the webhook secret"}
	ErrNoSecret           = &SignatureError{Reason: "no secret configured for this webhook"}
)

// Is makes two SignatureErrors with the same reason match in errors.Is.
func (e *SignatureError) Is(target error) bool {
	t, ok := target.(*SignatureError)
	return ok && t.Reason == e.Reason
}

// TooLargeError is a body over the configured limit.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("body larger than %d bytes", e.Limit)
}

// ParseError is a verified body that is not what the topic promises.
type ParseError struct {
	Topic string
	Err   error
}

func (e *ParseError) Error() string {
	if e.Topic == "" {
		return "parse body: " + e.Err.Error()
	}
	return fmt.Sprintf("parse %s body: %v", e.Topic, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// ReadError is a body that could not be read (client gone, read timeout).
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "read body: " + e.Err.Error() }

func (e *ReadError) Unwrap() error { return e.Err }

// InboxError is a delivery the inbox could not commit. The sender is told
// 503; the next poll fetches the order anyway.
type InboxError struct{ Err error }

// Error does not repeat the cause: it is sent to the shop, and a database
// error message is of no use there. The cause is in Unwrap and the log.
func (e *InboxError) Error() string { return "inbox unavailable, try again later" }

func (e *InboxError) Unwrap() error { return e.Err }

// Classify maps an error to the HTTP status the handler answers and its
// Code. It is the one place where error types become status codes.
func Classify(err error) (int, Code) {
	switch {
	case isA[*MethodError](err):
		return http.StatusMethodNotAllowed, CodeMethod
	case isA[*UnknownShopError](err):
		return http.StatusNotFound, CodeUnknownShop
	case isA[*SignatureError](err):
		return http.StatusUnauthorized, CodeSignature
	case isA[*TooLargeError](err):
		return http.StatusRequestEntityTooLarge, CodeTooLarge
	case isA[*ParseError](err):
		return http.StatusBadRequest, CodeParse
	case isA[*ReadError](err):
		return http.StatusBadRequest, CodeRead
	case isA[*InboxError](err):
		return http.StatusServiceUnavailable, CodeInbox
	}
	return http.StatusInternalServerError, CodeInternal
}

func errorAs[T error](err error) (T, bool) {
	var t T
	ok := errors.As(err, &t)
	return t, ok
}

func isA[T error](err error) bool {
	_, ok := errorAs[T](err)
	return ok
}

// readBody reads the whole body, at most max bytes. Over the limit it
// returns what it read (for the rejection's prefix) and a *TooLargeError.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, &TooLargeError{Limit: max}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		if _, ok := errorAs[*http.MaxBytesError](err); ok {
			return b, &TooLargeError{Limit: max}
		}
		return b, &ReadError{Err: err}
	}
	return b, nil
}
