package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Kind says what went wrong in plain terms, so the UI can tell the user
// what to do (and translate it).
type Kind int

// Error kinds.
const (
	// KindUnknown is anything else; retried.
	KindUnknown Kind = iota
	// KindNoAuthtoken: no ngrok authtoken was entered. Not retried.
	KindNoAuthtoken
	// KindBadAuthtoken: ngrok refused the authtoken (mistyped, reset).
	KindBadAuthtoken
	// KindNetwork: the ngrok service could not be reached (offline,
	// DNS, firewall).
	KindNetwork
	// KindTimeout: no tunnel within the start deadline.
	KindTimeout
	// KindRejected: ngrok refused the endpoint (domain not on the account,
	// policy invalid, plan limits); Code tells which.
	KindRejected
	// KindLocal: the local listener could not be opened (port in use).
	KindLocal
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case KindNoAuthtoken:
		return "no_authtoken"
	case KindBadAuthtoken:
		return "bad_authtoken"
	case KindNetwork:
		return "network"
	case KindTimeout:
		return "timeout"
	case KindRejected:
		return "rejected"
	case KindLocal:
		return "local"
	}
	return "unknown"
}

// Error is a tunnel failure. Its text and its whole chain are free of the
// authtoken: ngrok's own messages quote it ("Your authtoken: ..."), so the
// cause is kept only as redacted text.
type Error struct {
	Kind Kind
	// Code is ngrok's error code (ERR_NGROK_107), when it sent one.
	Code string
	// Err is the redacted cause; for a start that ran out of time it
	// matches context.DeadlineExceeded with errors.Is.
	Err error
}

func (e *Error) Error() string {
	msg := e.message()
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) message() string {
	switch e.Kind {
	case KindNoAuthtoken:
		return "webhooks need an ngrok authtoken"
	case KindBadAuthtoken:
		return "ngrok refused the authtoken; copy it again from the ngrok dashboard"
	case KindNetwork:
		return "cannot reach the ngrok service; is this computer online?"
	case KindTimeout:
		return "the ngrok tunnel did not start in time"
	case KindRejected:
		return "ngrok refused the tunnel"
	case KindLocal:
		return "cannot open the local webhook port"
	}
	return "the tunnel failed"
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, KindUnknown if it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// ngrok error codes that mean the authtoken is wrong: 105 malformed, 106
// v1 token, 107 valid form but revoked or reset, 4018 none given.
var authCodes = map[string]bool{
	"ERR_NGROK_105": true, "ERR_NGROK_106": true, "ERR_NGROK_107": true, "ERR_NGROK_4018": true,
}

// coded is what ngrok's errors implement (ngrok.Error).
type coded interface {
	error
	Code() string
}

// classify turns what ngrok returned into an *Error without secret.
// timedOut says the start deadline passed; canceled that the caller gave
// up.
func classify(err error, secret string, timedOut, canceled bool) *Error {
	out := &Error{Kind: KindUnknown}
	var c coded
	if errors.As(err, &c) {
		out.Code = c.Code()
	}
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case authCodes[out.Code]:
		out.Kind = KindBadAuthtoken
	case errors.As(err, &dns) || errors.As(err, &op) || strings.Contains(errText(err), "failed to dial ngrok server"):
		out.Kind = KindNetwork
	case out.Code != "":
		out.Kind = KindRejected
	case timedOut:
		out.Kind = KindTimeout
	}
	var causes []error
	switch {
	case timedOut:
		causes = append(causes, context.DeadlineExceeded)
	case canceled:
		causes = append(causes, context.Canceled)
	}
	if text := lastLine(redact(errText(err), secret)); text != "" {
		causes = append(causes, errors.New(text))
	}
	switch len(causes) {
	case 1:
		out.Err = causes[0]
	case 2:
		out.Err = fmt.Errorf("%w: %w", causes[0], causes[1])
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// lastLine keeps a long multi-error short: ngrok retries every few seconds,
// joins the failures with "; " and appends a docs link after a blank line.
// The last failure that is not the context's own ending says enough.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "\n\n"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, "; ")
	s = ""
	for i := len(parts) - 1; i >= 0; i-- {
		p := strings.TrimSpace(parts[i])
		if p != "" && p != context.DeadlineExceeded.Error() && p != context.Canceled.Error() {
			s = p
			break
		}
	}
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// redact removes secret from s.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[authtoken]")
}
