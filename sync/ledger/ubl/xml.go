package ubl

import (
	"bytes"
	"encoding/xml"
	"strings"

	"github.com/orderbrug/orderbrug/sync/order"
)

// writer writes indented XML. Every text and attribute value goes through
// xml.EscapeText, which escapes & < > " ' and the line breaks, and replaces
// characters XML cannot hold (control characters, invalid UTF-8) with U+FFFD.
type writer struct {
	b        bytes.Buffer
	depth    int
	currency string
}

func (w *writer) indent() {
	for i := 0; i < w.depth; i++ {
		w.b.WriteString("  ")
	}
}

func (w *writer) startTag(tag string, attrs []string) {
	w.indent()
	w.b.WriteByte('<')
	w.b.WriteString(tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" {
			continue
		}
		w.b.WriteByte(' ')
		w.b.WriteString(attrs[i])
		w.b.WriteString(`="`)
		_ = xml.EscapeText(&w.b, []byte(attrs[i+1]))
		w.b.WriteByte('"')
	}
	w.b.WriteByte('>')
}

// open starts an element that holds elements; attrs are name, value pairs
// (an empty value leaves the attribute out).
func (w *writer) open(tag string, attrs ...string) {
	w.startTag(tag, attrs)
	w.b.WriteByte('\n')
	w.depth++
}

func (w *writer) close(tag string) {
	w.depth--
	w.indent()
	w.b.WriteString("</")
	w.b.WriteString(tag)
	w.b.WriteString(">\n")
}

// leaf writes an element with text. Peppol forbids empty elements
// (PEPPOL-EN16931-R008), so blank text writes nothing.
func (w *writer) leaf(tag, text string, attrs ...string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	w.startTag(tag, attrs)
	_ = xml.EscapeText(&w.b, []byte(text))
	w.b.WriteString("</")
	w.b.WriteString(tag)
	w.b.WriteString(">\n")
}

// amount writes a monetary amount in the document's currency.
func (w *writer) amount(tag string, m order.Money) {
	w.leaf(tag, m.String(), "currencyID", w.currency)
}
