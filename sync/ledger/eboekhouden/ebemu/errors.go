package ebemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// Error is the API's error body (APIS.md §4.1, the OpenAPI's Error and
// SecurityError): Type is "validation" or "security"; SecurityType is set
// (0, 1 or 2) only on a SecurityError.
type Error struct {
	Type         string  `json:"type"`
	Code         string  `json:"code,omitempty"`
	Title        string  `json:"title"`
	Message      string  `json:"message,omitempty"`
	Status       int     `json:"status"`
	TraceID      string  `json:"traceId,omitempty"`
	PropertyName string  `json:"propertyName,omitempty"`
	Errors       []Error `json:"errors,omitempty"`
	SecurityType *int    `json:"securityType,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Title }

// invalid is a 400 validation Error with the documented code.
func invalid(code, prop, title string) *Error {
	return &Error{Type: "validation", Code: code, Title: title, Status: http.StatusBadRequest, PropertyName: prop}
}

// security is a SecurityError. The emulator's reading of securityType
// (0|1|2, meaning not documented): always 0.
func security(status int, code, title string) *Error {
	zero := 0
	return &Error{Type: "security", Code: code, Title: title, Status: status, SecurityType: &zero}
}

func notFound(title string) *Error {
	return &Error{Type: "validation", Title: title, Status: http.StatusNotFound}
}

func traceID() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return "00-" + h[:32] + "-" + h[32:48] + "-00"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *Error) {
	c := *e
	if c.TraceID == "" {
		c.TraceID = traceID()
	}
	writeJSON(w, c.Status, &c)
}
