package ebemu

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Paging (APIS.md §4.1): limit 1..2000 (default 100) else PAGE_001,
// offset ≥ 0 else PAGE_002.
const (
	DefaultLimit = 100
	MaxLimit     = 2000
)

func paging(q url.Values) (limit, offset int, er *Error) {
	limit = DefaultLimit
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > MaxLimit {
			return 0, 0, invalid("PAGE_001", "limit", "Limit must be between 1 and 2000")
		}
		limit = n
	}
	if v, ok := q["offset"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return 0, 0, invalid("PAGE_002", "offset", "Offset must be 0 or more")
		}
		offset = n
	}
	return limit, offset, nil
}

// field is a filterable parameter: its value in an item, and whether it
// compares as a number (else as text; dates are YYYY-MM-DD text, which
// sorts as the date).
type field[T any] struct {
	get func(T) string
	num bool
}

type cond[T any] struct {
	f    field[T]
	op   string
	vals []string
	re   *regexp.Regexp
}

var ops = map[string]bool{"eq": true, "not_eq": true, "like": true, "not_like": true, "gt": true, "gte": true,
	"lt": true, "lte": true, "range": true}

// filters parses ?param=v and param[op]=v for the fields known; other
// parameters are ignored. One filter per parameter.
func filters[T any](q url.Values, fields map[string]field[T], fold bool) ([]cond[T], *Error) {
	var out []cond[T]
	seen := map[string]bool{}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, op := k, "eq"
		if i := strings.IndexByte(k, '['); i > 0 && strings.HasSuffix(k, "]") {
			name, op = k[:i], k[i+1:len(k)-1]
		}
		f, ok := fields[name]
		if !ok {
			continue
		}
		if !ops[op] {
			return nil, &Error{Type: "validation", Title: "Unknown filter operator " + op, Status: 400, PropertyName: name}
		}
		if seen[name] || len(q[k]) > 1 {
			return nil, &Error{Type: "validation", Title: "Only one filter per parameter", Status: 400, PropertyName: name}
		}
		seen[name] = true
		c := cond[T]{f: f, op: op, vals: []string{q[k][0]}}
		if op == "range" {
			a, b, ok := strings.Cut(q[k][0], ",")
			if !ok {
				return nil, &Error{Type: "validation", Title: "A range is two values: from,to", Status: 400, PropertyName: name}
			}
			c.vals = []string{a, b}
		}
		for _, v := range c.vals {
			if f.num {
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					return nil, &Error{Type: "validation", Title: "Invalid filter value", Status: 400, PropertyName: name}
				}
			}
		}
		if op == "like" || op == "not_like" {
			c.re = likeRE(c.vals[0], fold)
		}
		out = append(out, c)
	}
	return out, nil
}

// likeRE: % is any run, ? one character; a backslash escapes either.
func likeRE(p string, fold bool) *regexp.Regexp {
	var b strings.Builder
	if fold {
		b.WriteString("(?is)")
	} else {
		b.WriteString("(?s)")
	}
	b.WriteString("^")
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; {
		case c == '\\' && i+1 < len(rs):
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case c == '%':
			b.WriteString(".*")
		case c == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

func (c cond[T]) match(item T, fold bool) bool {
	v := c.f.get(item)
	cmp := func(x string) int {
		if c.f.num {
			a, _ := strconv.ParseFloat(v, 64)
			b, _ := strconv.ParseFloat(x, 64)
			switch {
			case a < b:
				return -1
			case a > b:
				return 1
			}
			return 0
		}
		if fold {
			return strings.Compare(strings.ToLower(v), strings.ToLower(x))
		}
		return strings.Compare(v, x)
	}
	switch c.op {
	case "eq":
		return cmp(c.vals[0]) == 0
	case "not_eq":
		return cmp(c.vals[0]) != 0
	case "like":
		return c.re.MatchString(v)
	case "not_like":
		return !c.re.MatchString(v)
	case "gt":
		return cmp(c.vals[0]) > 0
	case "gte":
		return cmp(c.vals[0]) >= 0
	case "lt":
		return cmp(c.vals[0]) < 0
	case "lte":
		return cmp(c.vals[0]) <= 0
	case "range":
		return cmp(c.vals[0]) >= 0 && cmp(c.vals[1]) <= 0
	}
	return false
}

// page filters items (sorted by the caller) and cuts the page.
func page[T any](q url.Values, items []T, fields map[string]field[T], fold bool) (List[T], *Error) {
	limit, offset, er := paging(q)
	if er != nil {
		return List[T]{}, er
	}
	conds, er := filters(q, fields, fold)
	if er != nil {
		return List[T]{}, er
	}
	hits := []T{}
	for _, it := range items {
		ok := true
		for _, c := range conds {
			ok = ok && c.match(it, fold)
		}
		if ok {
			hits = append(hits, it)
		}
	}
	out := List[T]{Items: []T{}, Count: len(hits)}
	if offset < len(hits) {
		out.Items = hits[offset:min(len(hits), offset+limit)]
	}
	return out, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
