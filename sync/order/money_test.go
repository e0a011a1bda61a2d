package order

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Money
		bad  bool
	}{
		{"42.06", 4206, false},
		{"-5.00", -500, false},
		{"3.2", 320, false},
		{"1.0416", 104, false},
		{"2.268347", 227, false},
		{"0.005", 1, false},
		{"-0.005", -1, false},
		{"0.004999", 0, false},
		{"7", 700, false},
		{"+7.5", 750, false},
		{".5", 50, false},
		{"5.", 500, false},
		{"", 0, false},
		{"  12.30 ", 1230, false},
		{"000123.45", 12345, false},
		{"999999999999999.99", 99999999999999999, false},
		{"1000000000000000", 0, true},
		{"12,50", 0, true},
		{"1e5", 0, true},
		{"-", 0, true},
		{".", 0, true},
		{"--1", 0, true},
		{"1.2.3", 0, true},
		{"€5", 0, true},
		{"NaN", 0, true},
	} {
		got, err := ParseMoney(tc.in)
		if tc.bad {
			if err == nil || !errors.Is(err, ErrBadAmount) {
				t.Errorf("ParseMoney(%q) = %v, %v; want ErrBadAmount", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// FuzzParseMoney: never a panic; an accepted amount with at most two
// decimals survives a round trip through String exactly.
func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"42.06", "-5.00", "3.2", "1.0416", "7", "", ".5", "999999999999999.99", "-0.005", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		back, err := ParseMoney(m.String())
		if err != nil || back != m {
			t.Fatalf("ParseMoney(%q) = %v; String %q parses to %v, %v", s, m, m.String(), back, err)
		}
		t2 := strings.TrimSpace(s)
		if _, frac, ok := strings.Cut(t2, "."); !ok || len(frac) <= 2 {
			// Exact for two decimals: the value is the text.
			if want := canonical(t2); m.String() != want {
				t.Fatalf("ParseMoney(%q).String() = %q, want %q", s, m.String(), want)
			}
		}
	})
}

// canonical writes a decimal of at most two places as Money.String would.
func canonical(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	i, f, _ := strings.Cut(s, ".")
	i = strings.TrimLeft(i, "0")
	if i == "" {
		i = "0"
	}
	f = (f + "00")[:2]
	if neg && (i != "0" || f != "00") {
		return "-" + i + "." + f
	}
	return i + "." + f
}

func TestParseMicros(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "0.082569": 82569, "-2.5": -2500000, "5": 5000000, "+1.0000005": 1000001,
		"0.0000004": 0, "-0.0000005": -1, ".5": 500000, "12.": 12000000} {
		if got, err := ParseMicros(in); err != nil || got != want {
			t.Errorf("ParseMicros(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"-", ".", "1e-6", "1,5", "abc", "1234567890123.0"} {
		if _, err := ParseMicros(in); !errors.Is(err, ErrBadAmount) {
			t.Errorf("ParseMicros(%q): err = %v, want ErrBadAmount", in, err)
		}
	}
}

func TestIsEUR(t *testing.T) {
	for c, want := range map[string]bool{"": true, "EUR": true, "eur": true, " EUR ": true, "USD": false, "EURO": false} {
		if IsEUR(c) != want {
			t.Errorf("IsEUR(%q) = %v", c, !want)
		}
	}
}

func TestRateOfGross(t *testing.T) {
	for _, tt := range []struct {
		gross Money
		rate  Rate
		want  Money
	}{{109, 900, 9}, {121, 2100, 21}, {350, 900, 29}, {1050000, 900, 86697}, {-350, 900, -29}, {0, 2100, 0}, {100, 0, 0}, {5, 2100, 1}, {-5, 2100, -1}} {
		if got := tt.rate.OfGross(tt.gross); got != tt.want {
			t.Errorf("%s%% of gross %s = %s, want %s", tt.rate.Percent(), tt.gross, got, tt.want)
		}
		// Net plus VAT is the gross, and the VAT is within half a cent of
		// the exact share.
		if net := tt.gross - tt.rate.OfGross(tt.gross); tt.rate > 0 && (net+tt.rate.OfGross(tt.gross) != tt.gross) {
			t.Errorf("net %s + vat != gross %s", net, tt.gross)
		}
	}
}
