package ui

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/orderbrug/orderbrug/sync/order"
)

// current is the interface language, "nl" or "en"; the formatters read it
// from any goroutine.
var current atomic.Value

func init() { current.Store("en") }

// language returns the interface language in use.
func language() string { return current.Load().(string) }

// groupDigits writes a non-negative integer with a thousands separator.
func groupDigits(n int64, sep string) string {
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	first := len(s) % 3
	if first > 0 {
		b.WriteString(s[:first])
	}
	for i := first; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// formatNumber writes a count as the language does: 10.000 in Dutch,
// 10,000 in English.
func formatNumber(n int) string {
	neg := n < 0
	v := int64(n)
	if neg {
		v = -v
	}
	sep := ","
	if language() == "nl" {
		sep = "."
	}
	s := groupDigits(v, sep)
	if neg {
		return "-" + s
	}
	return s
}

// formatMoney writes an amount in cents: "€ 1.234,56" in Dutch and
// "€1,234.56" in English. Other currencies show their ISO code.
func formatMoney(m order.Money, currency string) string {
	neg := m < 0
	v := int64(m)
	if neg {
		v = -v
	}
	units, cents := v/100, v%100
	nl := language() == "nl"
	thousands, decimal := ",", "."
	if nl {
		thousands, decimal = ".", ","
	}
	num := groupDigits(units, thousands) + decimal + pad2(cents)
	sym := "€"
	if currency != "" && currency != "EUR" {
		sym = currency + " "
	}
	switch {
	case nl && neg:
		return strings.TrimSpace(sym) + " -" + num
	case nl:
		return strings.TrimSpace(sym) + " " + num
	case neg:
		return "-" + sym + num
	}
	return sym + num
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

var (
	nlMonths = [...]string{"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}
	enMonths = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// formatDate writes a day in local time: "5 mrt 2024" / "5 Mar 2024".
func formatDate(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.Local()
	m := enMonths[t.Month()-1]
	if language() == "nl" {
		m = nlMonths[t.Month()-1]
	}
	return strconv.Itoa(t.Day()) + " " + m + " " + strconv.Itoa(t.Year())
}

// formatDateTime writes a moment in local time: "5 mrt 2024 14:03".
func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return formatDate(t) + " " + t.Local().Format("15:04")
}

// formatAge writes how long ago t was, in the largest whole unit: "3 dagen",
// "5 uur", "12 min".
func formatAge(now, t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return lang.L("age.now")
	case d < time.Hour:
		n := int(d / time.Minute)
		return lang.N("age.minutes", n, map[string]any{"N": n})
	case d < 48*time.Hour:
		n := int(d / time.Hour)
		return lang.N("age.hours", n, map[string]any{"N": n})
	}
	n := int(d / (24 * time.Hour))
	return lang.N("age.days", n, map[string]any{"N": formatNumber(n)})
}

// formatDuration writes a poll interval: "15 min", "2 uur".
func formatInterval(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		n := int(d / time.Hour)
		return lang.N("age.hours", n, map[string]any{"N": n})
	}
	n := int(d / time.Minute)
	return lang.N("age.minutes", n, map[string]any{"N": n})
}

func orderStatus(s string) order.Status { return order.Status(s) }
