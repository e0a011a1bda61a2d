package order

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Sentinel errors of the identifier checks. Each check wraps one of them, so
// a user interface can choose its sentence with errors.Is and never has to
// parse an error string.
var (
	// ErrKvKFormat: a KvK number is exactly 8 digits.
	ErrKvKFormat = errors.New("KvK number is not 8 digits")
	// ErrVATIDCountry: the VAT id does not start with an EU country prefix
	// (Greece is "EL", Northern Ireland "XI").
	ErrVATIDCountry = errors.New("VAT id has no EU country prefix")
	// ErrVATIDFormat: the part after the prefix does not have the form that
	// country uses (NL: 9 digits, "B", 2 digits).
	ErrVATIDFormat = errors.New("VAT id does not have its country's format")
	// ErrIBANFormat: not two letters, two check digits and an account part.
	ErrIBANFormat = errors.New("IBAN has an invalid format")
	// ErrIBANLength: the length does not match the country (NL: 18).
	ErrIBANLength = errors.New("IBAN has the wrong length for its country")
	// ErrIBANChecksum: the ISO 13616 mod-97 check fails (a typing error).
	ErrIBANChecksum = errors.New("IBAN check digits do not match")
)

var kvkRE = regexp.MustCompile(`^[0-9]{8}$`)

// ValidKvK checks a Dutch Chamber of Commerce number: 8 digits. Surrounding
// spaces are ignored; the KvK has no check digit, so this is all one can check
// offline.
func ValidKvK(s string) error {
	if !kvkRE.MatchString(strings.TrimSpace(s)) {
		return fmt.Errorf("%q: %w", s, ErrKvKFormat)
	}
	return nil
}

// vatFormats are the national VAT id forms after the country prefix, as the
// EU's VIES service describes them. A form check catches typing errors and a
// missing prefix; only VIES can tell whether a number is issued.
var vatFormats = map[string]*regexp.Regexp{
	"AT": regexp.MustCompile(`^U[0-9]{8}$`),
	"BE": regexp.MustCompile(`^[01][0-9]{9}$`),
	"BG": regexp.MustCompile(`^[0-9]{9,10}$`),
	"CY": regexp.MustCompile(`^[0-9]{8}[A-Z]$`),
	"CZ": regexp.MustCompile(`^[0-9]{8,10}$`),
	"DE": regexp.MustCompile(`^[0-9]{9}$`),
	"DK": regexp.MustCompile(`^[0-9]{8}$`),
	"EE": regexp.MustCompile(`^[0-9]{9}$`),
	"EL": regexp.MustCompile(`^[0-9]{9}$`),
	"ES": regexp.MustCompile(`^[0-9A-Z][0-9]{7}[0-9A-Z]$`),
	"FI": regexp.MustCompile(`^[0-9]{8}$`),
	"FR": regexp.MustCompile(`^[0-9A-HJ-NP-Z]{2}[0-9]{9}$`),
	"HR": regexp.MustCompile(`^[0-9]{11}$`),
	"HU": regexp.MustCompile(`^[0-9]{8}$`),
	"IE": regexp.MustCompile(`^([0-9]{7}[A-W][A-IW]?|[0-9][A-Z+*][0-9]{5}[A-W])$`),
	"IT": regexp.MustCompile(`^[0-9]{11}$`),
	"LT": regexp.MustCompile(`^([0-9]{9}|[0-9]{12})$`),
	"LU": regexp.MustCompile(`^[0-9]{8}$`),
	"LV": regexp.MustCompile(`^[0-9]{11}$`),
	"MT": regexp.MustCompile(`^[0-9]{8}$`),
	"NL": regexp.MustCompile(`^[0-9]{9}B[0-9]{2}$`),
	"PL": regexp.MustCompile(`^[0-9]{10}$`),
	"PT": regexp.MustCompile(`^[0-9]{9}$`),
	"RO": regexp.MustCompile(`^[1-9][0-9]{1,9}$`),
	"SE": regexp.MustCompile(`^[0-9]{10}01$`),
	"SI": regexp.MustCompile(`^[0-9]{8}$`),
	"SK": regexp.MustCompile(`^[0-9]{10}$`),
	"XI": regexp.MustCompile(`^([0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})$`),
}

// NormalizeVATID upper-cases a VAT id and drops the spaces, dots and dashes
// people type in it ("nl 1234.56.789.B01" → "NL123456789B01").
func NormalizeVATID(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '\t':
			return -1
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// ValidVATID checks the form of an EU VAT identification number: an EU
// country prefix and the national format (NL: "NL" + 9 digits + "B" + 2
// digits). It checks the form only: Dutch numbers use two different check
// digit schemes (the old 11-test and, for sole traders since 2020, mod 97),
// and only VIES knows whether a number is issued.
func ValidVATID(s string) error {
	v := NormalizeVATID(s)
	if len(v) < 3 {
		return fmt.Errorf("%q: %w", s, ErrVATIDCountry)
	}
	re, ok := vatFormats[v[:2]]
	if !ok {
		return fmt.Errorf("%q: %w", s, ErrVATIDCountry)
	}
	if !re.MatchString(v[2:]) {
		return fmt.Errorf("%q: %w", s, ErrVATIDFormat)
	}
	return nil
}

// ibanLengths are the IBAN lengths of the SEPA countries (ISO 13616 registry).
// A country missing here is checked for its mod-97 sum only.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24,
	"DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
	"GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
	"LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18,
	"NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24,
	"SM": 27, "VA": 22,
}

// NormalizeIBAN upper-cases an IBAN and drops its spaces: the electronic
// form that UBL and banks expect ("nl91 abna 0417 1643 00" → "NL91ABNA0417164300").
func NormalizeIBAN(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\u00a0':
			return -1
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

var ibanRE = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$`)

// ValidIBAN checks an IBAN by ISO 13616: form, the length for its country
// (NL: 18) and the mod-97 check digits. Spaces and lower case are allowed;
// store NormalizeIBAN's form.
func ValidIBAN(s string) error {
	v := NormalizeIBAN(s)
	if !ibanRE.MatchString(v) {
		return fmt.Errorf("%q: %w", s, ErrIBANFormat)
	}
	if n, ok := ibanLengths[v[:2]]; ok && len(v) != n {
		return fmt.Errorf("%q: %w (%d characters, %s uses %d)", s, ErrIBANLength, len(v), v[:2], n)
	}
	// Move the first four characters to the end, read letters as 10..35,
	// and the number must be 1 mod 97. A running remainder needs no big ints.
	rem := 0
	for _, r := range v[4:] + v[:4] {
		if r >= 'A' {
			rem = (rem*100 + int(r-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(r-'0')) % 97
		}
	}
	if rem != 1 {
		return fmt.Errorf("%q: %w", s, ErrIBANChecksum)
	}
	return nil
}
