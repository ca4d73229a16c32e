package storage

import (
	"fmt"
	"strings"
)

// xmlWriter writes XML the way libvirt's virBuffer code does: two spaces per level,
// single-quoted attributes, one element per line.
type xmlWriter struct {
	b      strings.Builder
	indent int
}

// line writes one line at the current depth; format's %s arguments are not escaped.
func (w *xmlWriter) line(format string, args ...any) {
	w.b.WriteString(strings.Repeat(" ", w.indent))
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

// open writes an opening line and goes one level deeper; close undoes both.
func (w *xmlWriter) open(format string, args ...any) {
	w.line(format, args...)
	w.indent += 2
}

func (w *xmlWriter) close(tag string) {
	w.indent -= 2
	w.line("</%s>", tag)
}

// text writes <tag>escaped value</tag>, or nothing for an empty value, as
// virBufferEscapeString does with a NULL string.
func (w *xmlWriter) text(tag, value string) {
	if value != "" {
		w.line("<%s>%s</%s>", tag, xmlEscape(value), tag)
	}
}

func (w *xmlWriter) String() string { return w.b.String() }
