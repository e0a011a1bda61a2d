package ebemu

import (
	"encoding/json"
	"math/big"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	vatNumberRE = regexp.MustCompile(`^[A-Z]{2}[0-9A-Z]{2,12}$`)
	vatNLRE     = regexp.MustCompile(`^NL[0-9]{9}B[0-9]{2}$`)
	ibanRE      = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[0-9A-Z]{11,30}$`)
	digitsRE    = regexp.MustCompile(`^[0-9]+$`)
)

// validIBAN checks an IBAN's shape and its mod-97 check digits.
func validIBAN(s string) bool {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if !ibanRE.MatchString(s) {
		return false
	}
	var b strings.Builder
	for _, c := range s[4:] + s[:4] {
		if c >= 'A' && c <= 'Z' {
			b.WriteString(strconv.Itoa(int(c-'A') + 10))
		} else {
			b.WriteRune(c)
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// checkRelation is the documented validation of a relation (APIS.md
// §4.4): name REL_002, vatNumber REL_035, iban REL_007, a numeric
// companyRegistrationNumber REL_008, code REL_049 when taken by another.
// Called with e.mu held.
func (e *Emu) checkRelation(rel *Relation) *Error {
	if rel.Type == "" {
		rel.Type = "B"
	}
	if rel.Type != "B" && rel.Type != "P" {
		return &Error{Type: "validation", Title: "Type must be B or P", Status: http.StatusBadRequest, PropertyName: "type"}
	}
	if strings.TrimSpace(rel.Name) == "" {
		return invalid("REL_002", "name", "Name is required")
	}
	if v := strings.ReplaceAll(rel.VATNumber, " ", ""); v != "" && (!vatNumberRE.MatchString(v) || strings.HasPrefix(v, "NL") && !vatNLRE.MatchString(v)) {
		return invalid("REL_035", "vatNumber", "VAT number is invalid")
	}
	if rel.IBAN != "" && !validIBAN(rel.IBAN) {
		return invalid("REL_007", "iban", "IBAN is invalid")
	}
	if rel.CompanyRegistrationNumber != "" && !digitsRE.MatchString(rel.CompanyRegistrationNumber) {
		return invalid("REL_008", "companyRegistrationNumber", "Company registration number must be numeric")
	}
	for _, o := range e.relations {
		if o.ID != rel.ID && rel.Code != "" && o.Code == rel.Code {
			return invalid("REL_049", "code", "Code already exists")
		}
	}
	return nil
}

// AddRelation adds a relation as POST /v1/relation does and returns its
// id and code.
func (e *Emu) AddRelation(rel Relation) (Created, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, er := e.addRelation(rel)
	if er != nil {
		return Created{}, er
	}
	return c, nil
}

func (e *Emu) addRelation(rel Relation) (Created, *Error) {
	rel.ID = 0
	if er := e.checkRelation(&rel); er != nil {
		return Created{}, er
	}
	if rel.Code == "" {
		for {
			code := strconv.FormatInt(e.nextCode, 10)
			e.nextCode++
			if !e.codeTaken(code) {
				rel.Code = code
				break
			}
		}
	}
	rel.ID = e.nextRel
	e.nextRel++
	e.relations[rel.ID] = &rel
	return Created{ID: rel.ID, Code: rel.Code}, nil
}

func (e *Emu) codeTaken(code string) bool {
	for _, o := range e.relations {
		if o.Code == code {
			return true
		}
	}
	return false
}

// Relations returns the relations, by id.
func (e *Emu) Relations() []Relation {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.relationList()
}

func (e *Emu) relationList() []Relation {
	out := make([]Relation, 0, len(e.relations))
	for _, r := range e.relations {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Relation returns relation id.
func (e *Emu) Relation(id int64) (Relation, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.relations[id]
	if !ok {
		return Relation{}, false
	}
	return *r, true
}

// RelationsByEmail returns the relations whose emailAddress is email,
// exactly: more than one is a duplicate contact.
func (e *Emu) RelationsByEmail(email string) []Relation {
	var out []Relation
	for _, r := range e.Relations() {
		if r.EmailAddress == email {
			out = append(out, r)
		}
	}
	return out
}

var relationFields = map[string]field[Relation]{
	"id":      {get: func(r Relation) string { return itoa(r.ID) }, num: true},
	"code":    {get: func(r Relation) string { return r.Code }},
	"type":    {get: func(r Relation) string { return r.Type }},
	"email":   {get: func(r Relation) string { return r.EmailAddress }},
	"name":    {get: func(r Relation) string { return r.Name }},
	"contact": {get: func(r Relation) string { return r.Contact }},
	"city":    {get: func(r Relation) string { return r.City }},
}

func (e *Emu) listRelations(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	all, fold := e.relationList(), e.foldCase
	e.mu.Unlock()
	out, er := page(r.URL.Query(), all, relationFields, fold)
	if er != nil {
		writeError(w, er)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Emu) showRelation(w http.ResponseWriter, idText string) {
	id, _ := parseID(idText)
	rel, ok := e.Relation(id)
	if !ok {
		writeError(w, notFound("Relation not found"))
		return
	}
	writeJSON(w, http.StatusOK, rel)
}

func (e *Emu) createRelation(w http.ResponseWriter, r *http.Request) {
	var in Relation
	if er := decode(r, &in); er != nil {
		writeError(w, er)
		return
	}
	e.mu.Lock()
	c, er := e.addRelation(in)
	status := e.created
	e.mu.Unlock()
	if er != nil {
		writeError(w, er)
		return
	}
	writeJSON(w, status, c)
}

// patchRelation changes the fields the body names, validated as a create.
func (e *Emu) patchRelation(w http.ResponseWriter, r *http.Request, idText string) {
	var raw map[string]json.RawMessage
	if er := decode(r, &raw); er != nil {
		writeError(w, er)
		return
	}
	id, _ := parseID(idText)
	e.mu.Lock()
	defer e.mu.Unlock()
	cur, ok := e.relations[id]
	if !ok {
		writeError(w, notFound("Relation not found"))
		return
	}
	next := *cur
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &next); err != nil {
		writeError(w, &Error{Type: "validation", Title: "The request body is not valid JSON for this call", Message: err.Error(), Status: http.StatusBadRequest})
		return
	}
	next.ID = id
	if er := e.checkRelation(&next); er != nil {
		writeError(w, er)
		return
	}
	if next.Code == "" {
		next.Code = cur.Code
	}
	*cur = next
	writeJSON(w, http.StatusOK, next)
}
