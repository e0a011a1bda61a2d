package order

import (
	"errors"
	"testing"
)

func TestValidKvK(t *testing.T) {
	for _, tt := range []struct {
		in  string
		err error
	}{
		{"12345678", nil},
		{" 69599084 ", nil},
		{"1234567", ErrKvKFormat},
		{"123456789", ErrKvKFormat},
		{"1234 5678", ErrKvKFormat},
		{"1234567a", ErrKvKFormat},
		{"", ErrKvKFormat},
	} {
		if err := ValidKvK(tt.in); !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ValidKvK(%q) = %v, want %v", tt.in, err, tt.err)
		}
	}
}

func TestValidVATID(t *testing.T) {
	for _, tt := range []struct {
		in  string
		err error
	}{
		{"NL123456789B01", nil},
		{"nl 1234.56.789.b01", nil},
		{"NL123456789B1", ErrVATIDFormat},
		{"NL123456789C01", ErrVATIDFormat},
		{"NL12345678B01", ErrVATIDFormat},
		{"123456789B01", ErrVATIDCountry},
		{"DE123456789", nil},
		{"DE12345678", ErrVATIDFormat},
		{"BE0123456789", nil},
		{"ATU12345678", nil},
		{"AT12345678", ErrVATIDFormat},
		{"FRXX123456789", nil},
		{"EL123456789", nil},
		{"GR123456789", ErrVATIDCountry}, // Greece's VAT prefix is EL
		{"GB123456789", ErrVATIDCountry}, // not in the EU since 2021
		{"ESX1234567X", nil},
		{"IE1234567WA", nil},
		{"SE123456789001", nil},
		{"", ErrVATIDCountry},
	} {
		if err := ValidVATID(tt.in); !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ValidVATID(%q) = %v, want %v", tt.in, err, tt.err)
		}
	}
}

func TestValidIBAN(t *testing.T) {
	for _, tt := range []struct {
		in  string
		err error
	}{
		{"NL91ABNA0417164300", nil},
		{"nl91 abna 0417 1643 00", nil},
		{"NL91ABNA0417164301", ErrIBANChecksum},
		{"NL19ABNA0417164300", ErrIBANChecksum}, // swapped check digits
		{"NL91ABNA041716430", ErrIBANLength},
		{"DE89370400440532013000", nil},
		{"BE68539007547034", nil},
		{"GB82WEST12345698765432", nil},
		{"NL91-ABNA-0417-1643-00", ErrIBANFormat},
		{"91ABNA0417164300", ErrIBANFormat},
		{"", ErrIBANFormat},
	} {
		if err := ValidIBAN(tt.in); !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ValidIBAN(%q) = %v, want %v", tt.in, err, tt.err)
		}
	}
	if got := NormalizeIBAN(" nl91 abna\t0417 1643 00 "); got != "NL91ABNA0417164300" {
		t.Errorf("NormalizeIBAN = %q", got)
	}
}
