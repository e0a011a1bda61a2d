package mbemu

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

var deliveryMethods = []string{"Email", "Simplerinvoicing", "Peppol", "Manual", "Post"}

// AddContact adds a contact as POST /contacts would (Contact's ID, times
// and, if empty, CustomerID are filled in) and returns it. It does not
// check the fields.
func (m *Moneybird) AddContact(c Contact) Contact {
	m.mu.Lock()
	defer m.mu.Unlock()
	return *m.insertContact(&c)
}

func (m *Moneybird) insertContact(c *Contact) *Contact {
	c.ID, c.AdministrationID = m.newID(), m.admin.ID
	c.CreatedAt, c.UpdatedAt, c.Version = m.stamp(), m.stamp(), m.now().Unix()
	if c.CustomerID == "" {
		for m.customerTaken(strconv.FormatInt(m.nextCustID, 10), "") {
			m.nextCustID++
		}
		c.CustomerID = strconv.FormatInt(m.nextCustID, 10)
		m.nextCustID++
	}
	if c.Country == "" {
		c.Country = m.admin.Country
	}
	if c.DeliveryMethod == "" {
		c.DeliveryMethod = "Email"
	}
	m.contacts[c.ID] = c
	return c
}

func (m *Moneybird) customerTaken(id, except string) bool {
	for _, c := range m.contacts {
		if c.CustomerID == id && c.ID != except {
			return true
		}
	}
	return false
}

func (m *Moneybird) serveContacts(w http.ResponseWriter, r *http.Request, parts []string) {
	get := r.Method == http.MethodGet
	switch {
	case len(parts) == 0 && get:
		m.listContacts(w, r, false)
	case len(parts) == 0 && r.Method == http.MethodPost:
		m.saveContact(w, r, "")
	case len(parts) == 1 && parts[0] == "filter" && get:
		m.listContacts(w, r, true)
	case len(parts) == 2 && parts[0] == "customer_id" && get:
		// The spec types this segment as ^\d+$ but its examples use
		// "customer-3" [?]: the emulator takes any value, percent-
		// decoded.
		cid := parts[1]
		m.mu.Lock()
		var found *Contact
		for _, c := range m.contacts {
			if c.CustomerID == cid {
				found = c
			}
		}
		var out Contact
		if found != nil {
			out = *found
		}
		m.mu.Unlock()
		if found == nil {
			notFound(w, map[string]any{"customer_id": "not_found"})
			return
		}
		writeJSON(w, http.StatusOK, out)
	case len(parts) == 1 && get:
		m.mu.Lock()
		c, ok := m.contacts[parts[0]]
		var out Contact
		if ok {
			out = *c
		}
		m.mu.Unlock()
		if !ok {
			notFound(w, map[string]any{"id": "not_found"})
			return
		}
		writeJSON(w, http.StatusOK, out)
	case len(parts) == 1 && r.Method == http.MethodPatch:
		m.saveContact(w, r, parts[0])
	default:
		notFound(w, nil)
	}
}

// saveContact is POST /contacts (id "") and PATCH /contacts/{id}.
func (m *Moneybird) saveContact(w http.ResponseWriter, r *http.Request, id string) {
	body, ok := decodeBody(w, r)
	if !ok {
		return
	}
	obj, ok := object(w, body, "contact", "Contact")
	if !ok {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var c Contact
	if id != "" {
		old, ok := m.contacts[id]
		if !ok {
			notFound(w, map[string]any{"id": "not_found"})
			return
		}
		c = *old
	}
	set := func(key string, into *string) {
		if v, ok := str(obj, key); ok || obj[key] != nil {
			*into = strings.TrimSpace(v)
		}
	}
	set("company_name", &c.CompanyName)
	set("firstname", &c.Firstname)
	set("lastname", &c.Lastname)
	set("attention", &c.Attention)
	set("address1", &c.Address1)
	set("address2", &c.Address2)
	set("zipcode", &c.Zipcode)
	set("city", &c.City)
	set("country", &c.Country)
	set("phone", &c.Phone)
	set("delivery_method", &c.DeliveryMethod)
	set("customer_id", &c.CustomerID)
	set("tax_number", &c.TaxNumber)
	set("chamber_of_commerce", &c.ChamberOfCommerce)
	set("send_invoices_to_email", &c.SendInvoicesToEmail)
	set("si_identifier", &c.SIIdentifier)
	if v, ok := str(obj, "si_identifier_type"); ok {
		c.SIIdentifierType = strPtr(v)
	}
	if v, ok := str(obj, "invoice_workflow_id"); ok {
		c.InvoiceWorkflowID = strPtr(v)
	}
	var v verrs
	if c.CompanyName == "" && (c.Firstname == "" || c.Lastname == "") {
		v.add("company_name", "is required", "required", nil, false)
	}
	if c.Country != "" {
		c.Country = strings.ToUpper(c.Country)
		if len(c.Country) != 2 || strings.Trim(c.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			v.add("country", "is invalid", "invalid", c.Country, true)
		}
	}
	if c.DeliveryMethod != "" && !oneOf(c.DeliveryMethod, deliveryMethods) {
		v.add("delivery_method", "is not included in the list", "inclusion", c.DeliveryMethod, true)
	}
	if c.CustomerID != "" && m.customerTaken(c.CustomerID, id) {
		v.add("customer_id", "has already been taken", "taken", c.CustomerID, true)
	}
	if c.SendInvoicesToEmail != "" && !strings.Contains(c.SendInvoicesToEmail, "@") {
		v.add("send_invoices_to_email", "is invalid", "invalid", c.SendInvoicesToEmail, true)
	}
	if v.any() {
		v.write(w)
		return
	}
	if id == "" {
		out := *m.insertContact(&c)
		writeJSON(w, http.StatusCreated, out)
		return
	}
	c.UpdatedAt, c.Version = m.stamp(), m.now().Unix()
	*m.contacts[id] = c
	writeJSON(w, http.StatusOK, c)
}

func oneOf(v string, list []string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// listContacts is GET /contacts?query= and GET /contacts/filter?filter=.
// query matches, case-insensitively, a part of company_name, attention,
// firstname, lastname, and (the emulator's reading of APIS.md's "...")
// customer_id, send_invoices_to_email, city, zipcode, tax_number and
// chamber_of_commerce.
func (m *Moneybird) listContacts(w http.ResponseWriter, r *http.Request, filtered bool) {
	var f map[string]string
	if filtered {
		var ok bool
		if f, ok = filters(w, r, "created_after", "updated_after", "contact_type", "first_contact_char"); !ok {
			return
		}
		if v, ok := f["contact_type"]; ok && v != "company" && v != "person" {
			symbolic(w, http.StatusBadRequest, "Filter contact_type is invalid", map[string]any{"filter": "invalid"})
			return
		}
	}
	cAfter, ok := afterFilter(w, f, "created_after")
	if !ok {
		return
	}
	uAfter, ok := afterFilter(w, f, "updated_after")
	if !ok {
		return
	}
	page, per, ok := paging(w, r)
	if !ok {
		return
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("query")))
	m.mu.Lock()
	var out []Contact
	for _, c := range m.contacts {
		if q != "" && !filtered {
			hit := false
			for _, s := range []string{c.CompanyName, c.Attention, c.Firstname, c.Lastname, c.CustomerID,
				c.SendInvoicesToEmail, c.City, c.Zipcode, c.TaxNumber, c.ChamberOfCommerce} {
				hit = hit || strings.Contains(strings.ToLower(s), q)
			}
			if !hit {
				continue
			}
		}
		if _, ok := f["created_after"]; ok && !stampAfter(c.CreatedAt, cAfter) {
			continue
		}
		if _, ok := f["updated_after"]; ok && !stampAfter(c.UpdatedAt, uAfter) {
			continue
		}
		if v, ok := f["contact_type"]; ok && (v == "company") != (c.CompanyName != "") {
			continue
		}
		if v, ok := f["first_contact_char"]; ok && !strings.HasPrefix(strings.ToLower(c.CompanyName+c.Lastname), strings.ToLower(v)) {
			continue
		}
		out = append(out, *c)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	writePage(m, w, r, out, page, per)
}
