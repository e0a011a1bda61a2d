package ui

import (
	"testing"
	"time"

	"github.com/orderbrug/orderbrug/sync/order"
)

func TestFormatMoneyAndNumbers(t *testing.T) {
	defer current.Store(language())
	for _, c := range []struct {
		lang     string
		cents    order.Money
		currency string
		want     string
	}{
		{"nl", 123456, "EUR", "€ 1.234,56"},
		{"en", 123456, "EUR", "€1,234.56"},
		{"nl", 5, "EUR", "€ 0,05"},
		{"en", -1050, "EUR", "-€10.50"},
		{"nl", -1050, "EUR", "€ -10,50"},
		{"nl", 123456789, "", "€ 1.234.567,89"},
		{"en", 2500, "USD", "USD 25.00"},
	} {
		current.Store(c.lang)
		if got := formatMoney(c.cents, c.currency); got != c.want {
			t.Errorf("%s %d %s: %q, want %q", c.lang, c.cents, c.currency, got, c.want)
		}
	}
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{{"nl", 10000, "10.000"}, {"en", 10000, "10,000"}, {"nl", 999, "999"}, {"en", 1234567, "1,234,567"}, {"nl", -1000, "-1.000"}} {
		current.Store(c.lang)
		if got := formatNumber(c.n); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestFormatDatesAndAges(t *testing.T) {
	svc := newService(t)
	newTestUI(t, svc, "nl")
	d := time.Date(2024, 3, 5, 14, 3, 0, 0, time.Local)
	if got := formatDateTime(d); got != "5 mrt 2024 14:03" {
		t.Errorf("nl date %q", got)
	}
	for _, c := range []struct {
		ago  time.Duration
		want string
	}{{30 * time.Second, "zojuist"}, {5 * time.Minute, "5 min"}, {3 * time.Hour, "3 uur"}, {24 * time.Hour, "24 uur"},
		{72 * time.Hour, "3 dagen"}, {1000 * 24 * time.Hour, "1.000 dagen"}} {
		if got := formatAge(d.Add(c.ago), d); got != c.want {
			t.Errorf("nl age %v: %q, want %q", c.ago, got, c.want)
		}
	}
	applyLanguage("en")
	defer applyLanguage("nl")
	if got := formatDate(d); got != "5 Mar 2024" {
		t.Errorf("en date %q", got)
	}
	if got := formatAge(d.Add(49*time.Hour), d); got != "2 days" {
		t.Errorf("en age %q", got)
	}
	if got := formatAge(d.Add(time.Hour), d); got != "1 hour" {
		t.Errorf("en age %q", got)
	}
}
