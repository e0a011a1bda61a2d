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
// returns what it read (for the rejection's prefix) and a *TooLargeError;
// the rest of the body is left unread for drain.
func readBody(r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, &TooLargeError{Limit: max}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return b, &ReadError{Err: err}
	}
	if int64(len(b)) > max {
		return b[:max], &TooLargeError{Limit: max}
	}
	return b, nil
}

// maxDrain is how much of an unwanted body is read and thrown away after
// the answer, so that the sender receives the answer instead of a
// connection reset (closing a socket with unread data makes the kernel
// send RST, which can destroy the answer before the sender reads it).
// Beyond it the connection is cut; the server's ReadTimeout bounds the time.
const maxDrain = 64 << 20

// drainAndClose prepares an answer given before the body was read: the
// connection closes after it, and the body may still be read after the
// answer is written (full duplex), see drain.
func drainAndClose(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).EnableFullDuplex()
}

// drain flushes the answer written, then reads and discards what is left of
// the body (at most maxDrain), so the sender gets to read that answer. A
// sender that waits for "100 Continue" never sends the body: nothing to
// drain then.
func drain(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil || r.Header.Get("Expect") != "" {
		return
	}
	_, _ = io.CopyN(io.Discard, r.Body, maxDrain)
}
