package wcemu

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// listOrders serves GET /orders with WooCommerce's parameters. Filtering by
// modified date is a binary search on the index, so a poll against 100,000
// orders costs microseconds.
func (s *Shop) listOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	perPage, page := 10, 1
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeJSON(w, http.StatusBadRequest, bodyPerPageOutOfBounds)
			return
		}
		perPage = n
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, invalidParam("page", "rest_out_of_bounds", "page must be greater than or equal to 1"))
			return
		}
		page = n
	}
	gmt := q.Get("dates_are_gmt") == "true" || q.Get("dates_are_gmt") == "1"
	after, before := int64(-1<<62), int64(1<<62)
	for _, p := range []string{"modified_after", "modified_before", "after", "before"} {
		v := q.Get(p)
		if v == "" {
			continue
		}
		t, ok := s.parseRESTDate(v, gmt)
		if !ok {
			writeJSON(w, http.StatusBadRequest, invalidParam(p, "rest_invalid_date", "Invalid date."))
			return
		}
		switch p {
		case "modified_after":
			after = t
		case "modified_before":
			before = t
		}
	}
	createdAfter, createdBefore := int64(-1<<62), int64(1<<62)
	if v := q.Get("after"); v != "" {
		createdAfter, _ = s.parseRESTDate(v, gmt)
	}
	if v := q.Get("before"); v != "" {
		createdBefore, _ = s.parseRESTDate(v, gmt)
	}
	orderby := q.Get("orderby")
	if orderby == "" {
		orderby = "date"
	}
	switch orderby {
	case "date", "id", "modified", "include", "title", "slug":
	default:
		writeJSON(w, http.StatusBadRequest, invalidParam("orderby", "rest_not_in_enum", "orderby is not one of date, id, include, title, slug, and modified."))
		return
	}
	desc := true
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		desc = false
	default:
		writeJSON(w, http.StatusBadRequest, invalidParam("order", "rest_not_in_enum", "order is not one of asc and desc."))
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	statuses := map[string]bool{}
	enum := append([]string{"any", "trash", "auto-draft"}, slugs(s.statusDefs())...)
	for i, st := range splitList(q.Get("status")) {
		st = strings.TrimPrefix(st, "wc-")
		if !contains(enum, st) {
			writeJSON(w, http.StatusBadRequest, statusEnumError(i, enum))
			return
		}
		statuses[st] = true
	}
	if len(statuses) == 0 {
		statuses["any"] = true
	}
	match := func(rec *record) bool {
		st := rec.o.Status
		if !statuses[st] && !(statuses["any"] && st != "trash" && st != "auto-draft") {
			return false
		}
		return rec.mod > after && rec.mod < before && rec.made > createdAfter && rec.made < createdBefore
	}

	var hits []*record
	if inc := splitList(q.Get("include")); len(inc) > 0 {
		for _, v := range inc {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, invalidParam("include", "rest_invalid_type", "include[0] is not of type integer."))
				return
			}
			if rec, ok := s.orders[id]; ok && match(rec) && !containsRec(hits, rec) {
				hits = append(hits, rec)
			}
		}
	} else {
		lo := sort.Search(len(s.index), func(i int) bool { return s.index[i].mod > after })
		hi := sort.Search(len(s.index), func(i int) bool { return s.index[i].mod >= before })
		for _, e := range s.index[lo:max(lo, hi)] {
			if rec := s.orders[e.id]; match(rec) {
				hits = append(hits, rec)
			}
		}
	}
	// The index is already in (modified, id) order; other orders sort here.
	// WordPress breaks ties of the main key by ID.
	key := func(rec *record) int64 {
		switch orderby {
		case "modified":
			return rec.mod
		case "date":
			return rec.made
		}
		return rec.o.ID
	}
	inIndexOrder := orderby == "modified" && q.Get("include") == ""
	switch {
	case inIndexOrder && !desc:
	case inIndexOrder && desc:
		for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
			hits[i], hits[j] = hits[j], hits[i]
		}
	case orderby != "include":
		sort.SliceStable(hits, func(i, j int) bool {
			a, b := hits[i], hits[j]
			ka, kb := key(a), key(b)
			if ka == kb {
				ka, kb = a.o.ID, b.o.ID
			}
			if desc {
				return ka > kb
			}
			return ka < kb
		})
	}
	total := len(hits)
	pages := (total + perPage - 1) / perPage
	from := min((page-1)*perPage, total)
	to := min(from+perPage, total)

	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, rec := range hits[from:to] {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(s.encoded(rec))
	}
	buf.WriteByte(']')
	h := w.Header()
	h.Set("X-WP-Total", strconv.Itoa(total))
	h.Set("X-WP-TotalPages", strconv.Itoa(pages))
	var links []string
	if page > 1 {
		links = append(links, fmt.Sprintf(`<%s>; rel="prev"`, s.pageURL(r, min(page-1, max(pages, 1)))))
	}
	if page < pages {
		links = append(links, fmt.Sprintf(`<%s>; rel="next"`, s.pageURL(r, page+1)))
	}
	if len(links) > 0 {
		h.Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, buf.String())
}

func (s *Shop) pageURL(r *http.Request, page int) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if !strings.HasPrefix(k, "oauth_") && k != "consumer_key" && k != "consumer_secret" {
			q[k] = v
		}
	}
	q.Set("page", strconv.Itoa(page))
	return s.url + r.URL.Path + "?" + q.Encode()
}

func (s *Shop) getOrder(w http.ResponseWriter, idText string) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.orders[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, bodyOrderInvalidID)
		return
	}
	writeJSON(w, http.StatusOK, string(s.encoded(rec)))
}

func (s *Shop) listRefunds(w http.ResponseWriter, idText string) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[id]; !ok {
		writeJSON(w, http.StatusNotFound, bodyInvalidOrderID)
		return
	}
	refunds := s.refunds[id]
	if refunds == nil {
		refunds = []Refund{}
	}
	b, err := EncodePHP(refunds)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("X-WP-Total", strconv.Itoa(len(refunds)))
	w.Header().Set("X-WP-TotalPages", "1")
	writeJSON(w, http.StatusOK, string(b))
}

// statusTotals serves GET /reports/orders/totals: every registered status,
// custom ones included, with its number of orders.
func (s *Shop) statusTotals(w http.ResponseWriter) {
	type total struct {
		Slug  string `json:"slug"`
		Name  string `json:"name"`
		Total int    `json:"total"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := map[string]int{}
	for _, rec := range s.orders {
		counts[rec.o.Status]++
	}
	var out []total
	for _, d := range s.statusDefs() {
		out = append(out, total{d.Slug, d.Name, counts[d.Slug]})
	}
	b, _ := EncodePHP(out)
	writeJSON(w, http.StatusOK, string(b))
}

func slugs(defs []StatusDef) []string {
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = d.Slug
	}
	return out
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func containsRec(list []*record, rec *record) bool {
	for _, x := range list {
		if x == rec {
			return true
		}
	}
	return false
}
