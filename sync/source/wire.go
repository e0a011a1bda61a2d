package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Helpers every kind's client shares: the JSON shapes shop APIs send their
// amounts and ids in, and the classification of a failed round trip.

// DecimalText is the text of an amount as a shop API sends it: a decimal
// string ("12.10"), or from some senders a JSON number, read as text so no
// float touches the cents; null is "".
func DecimalText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return "", nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", fmt.Errorf("amount %.40s is neither a string nor a number", b)
	}
	return n.String(), nil
}

// IntegerID is an id sent as a JSON number or as a string ("77"); null or
// "" is 0.
func IntegerID(b []byte) (int64, error) {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("id %.40s is not an integer", b)
	}
	return v, nil
}

// TransportError classifies an error of an HTTP round trip to peer (in
// "cannot reach <peer>"). A *url.Error's URL is dropped, and the rest goes
// through scrub, which removes the client's credentials.
func TransportError(what, peer string, err error, scrub func(string) string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	inner := errors.New(scrub(err.Error()))
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return &Error{Kind: Network, Message: what + ": timed out", Err: inner}
	case errors.Is(err, context.Canceled):
		return &Error{Kind: Unknown, Message: what + ": canceled", Err: context.Canceled}
	}
	return &Error{Kind: Network, Message: what + ": cannot reach " + peer, Err: inner}
}
