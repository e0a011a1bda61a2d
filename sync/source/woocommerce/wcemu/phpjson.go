package wcemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// EncodePHP encodes v the way WordPress's wp_json_encode does with PHP's
// default flags: "/" is written as "\/", every non-ASCII character as a
// \uXXXX escape (UTF-16 surrogate pairs beyond the BMP), and <, >, & are
// left as they are. WooCommerce signs exactly these bytes, so a receiver
// that re-encodes parsed JSON computes a different signature.
func EncodePHP(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return phpEscape(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// phpEscape rewrites Go's JSON output into PHP's. A '/' or a non-ASCII byte
// can only occur inside a JSON string, so a byte scan is enough.
func phpEscape(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/16)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '/':
			out = append(out, '\\', '/')
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			i += size
			if r >= 0x10000 {
				r -= 0x10000
				out = appendU(out, 0xD800+(r>>10))
				out = appendU(out, 0xDC00+(r&0x3FF))
			} else {
				out = appendU(out, r)
			}
		}
	}
	return out
}

func appendU(out []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(out, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
}
