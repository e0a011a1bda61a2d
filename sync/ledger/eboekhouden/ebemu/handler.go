package ebemu

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// route dispatches a request that no fault took.
func (e *Emu) route(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	if len(parts) < 2 || parts[0] != "v1" {
		writeError(w, notFound("Not found"))
		return
	}
	parts = parts[1:]
	if len(parts) == 1 && parts[0] == "session" && r.Method == http.MethodPost {
		e.startSession(w, r)
		return
	}
	tok, er := e.authenticate(r)
	if er != nil {
		writeError(w, er)
		return
	}
	get := r.Method == http.MethodGet
	switch {
	case len(parts) == 1 && parts[0] == "session" && r.Method == http.MethodDelete:
		e.mu.Lock()
		delete(e.sessions, tok)
		e.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	case len(parts) == 1 && parts[0] == "ledger" && get:
		e.listLedgers(w, r)
	case len(parts) == 1 && parts[0] == "relation" && get:
		e.listRelations(w, r)
	case len(parts) == 1 && parts[0] == "relation" && r.Method == http.MethodPost:
		e.createRelation(w, r)
	case len(parts) == 2 && parts[0] == "relation" && get:
		e.showRelation(w, parts[1])
	case len(parts) == 2 && parts[0] == "relation" && r.Method == http.MethodPatch:
		e.patchRelation(w, r, parts[1])
	case len(parts) == 1 && parts[0] == "mutation" && get:
		e.listMutations(w, r)
	case len(parts) == 1 && parts[0] == "mutation" && r.Method == http.MethodPost:
		e.createMutation(w, r)
	case len(parts) == 2 && parts[0] == "mutation" && get:
		e.showMutation(w, parts[1])
	case len(parts) == 2 && parts[0] == "mutation" && (r.Method == http.MethodPatch || r.Method == http.MethodDelete):
		// The API offers no PATCH or DELETE for mutations (APIS.md §4.2).
		writeError(w, &Error{Type: "validation", Title: "Method not allowed", Status: http.StatusMethodNotAllowed})
	default:
		writeError(w, notFound("Not found"))
	}
}

// authenticate checks the session token in Authorization (raw, or after
// "Bearer "), and returns it.
func (e *Emu) authenticate(r *http.Request) (string, *Error) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		h = strings.TrimSpace(t)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	exp, ok := e.sessions[h]
	if ok && !e.now().Before(exp) {
		delete(e.sessions, h)
		ok = false
	}
	if h == "" || !ok {
		return "", security(e.unauthStatus, e.unauthCode, "Not authenticated, check the Authorization header")
	}
	return h, nil
}

func (e *Emu) startSession(w http.ResponseWriter, r *http.Request) {
	var in SessionRequest
	if er := decode(r, &in); er != nil {
		writeError(w, er)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	switch {
	case in.Source == "":
		writeError(w, invalid("API_SESSION_001", "source", "Source is missing"))
	case e.sourceMax > 0 && len([]rune(in.Source)) > e.sourceMax:
		writeError(w, invalid("API_SESSION_002", "source", "Source does not match the pattern"))
	case in.AccessToken == "":
		writeError(w, invalid("API_SESSION_003", "accessToken", "Access token is missing or empty"))
	case e.apiToken == "" || in.AccessToken != e.apiToken:
		writeError(w, security(http.StatusForbidden, "", "Login failed"))
	case !e.apiTokenEnd.IsZero() && !now.Before(e.apiTokenEnd):
		writeError(w, security(http.StatusForbidden, "API_SESSION_004", "Access token expired"))
	default:
		tok := newToken()
		e.sessions[tok] = now.Add(e.lifetime)
		e.made++
		writeJSON(w, http.StatusOK, Session{Token: tok, ExpiresIn: int(e.lifetime / time.Second)})
	}
}

// decode reads a JSON body: an empty one is DATA_01, another content type
// than JSON a 415 (ASP.NET's answer [I]), bad JSON or a wrong type a 400.
// Unknown fields are ignored, as System.Text.Json does.
func decode(r *http.Request, v any) *Error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return invalid("DATA_01", "", "No data in the request body")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return invalid("DATA_01", "", "No data in the request body")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &Error{Type: "validation", Title: "Unsupported Media Type", Status: http.StatusUnsupportedMediaType}
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		prop := ""
		if errors.As(err, &te) {
			prop = te.Field
		}
		return &Error{Type: "validation", Title: "The request body is not valid JSON for this call", Message: err.Error(),
			Status: http.StatusBadRequest, PropertyName: prop}
	}
	return nil
}

func parseID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
