package xmlstyle

import (
	"encoding/xml"
	"strings"

	"github.com/virtunit/virtunit/internal/xmlscan"
)

// formatPlain writes a plain document (xmlscan's subset, which is all libvirtxml
// marshals) in one pass, element by element, without the tree formatTokens builds. It
// gives up (false) where it would not write what formatTokens writes: on a document
// outside the subset, and on mixed content, whose text formatTokens gathers in front
// of all the children.
func formatPlain(in string) (string, bool) {
	s, err := xmlscan.NewScanner(in)
	if err != nil {
		return "", false
	}
	var w writer
	w.b.Grow(len(in))
	for {
		tok, err := s.Next()
		if err != nil {
			if err != xmlscan.ErrNotPlain && w.depth() == 0 {
				return w.b.String(), true // io.EOF after the root
			}
			return "", false
		}
		switch tok.Kind {
		case xmlscan.Text:
			if !w.text(tok.Text) {
				return "", false
			}
		case xmlscan.Start:
			w.open(tok.Name)
			for _, a := range tok.Attr {
				w.attr(a.Name.Space, a.Name.Local, a.Value)
			}
		case xmlscan.End:
			w.close(tok.Name)
		}
	}
}

// writer lays out a plain document in libvirt's style as its pieces arrive, in
// document order: whether an element closes with "/>", its text or its children is
// known at its first child or at its end, so each start tag is left open until then.
// formatPlain feeds it from a scanner and Encode from Go values, so the two write the
// same text for the same document.
type writer struct {
	b strings.Builder
	// stack holds the elements whose end is still to come: whether each has had a
	// child yet, and its text so far.
	stack []openElement
	// attrs are the attributes of the start tag open now, written at its end in
	// libvirt's order (libvirtAttrs).
	attrs []xml.Attr
}

type openElement struct {
	name     string
	children bool
	text     string
	// metadata marks the <metadata> child of the root and everything inside it,
	// which libvirt writes as libxml2 dumps a node (see libxml2Style).
	metadata bool
}

// libxml2Style reports whether e is inside a root's <metadata>: libvirt keeps that
// subtree as a libxml2 node and writes it with xmlNodeDump, so its attributes are in
// double quotes and its text escapes no quotes, unlike the rest of the document.
func (e *openElement) libxml2Style(depth int) bool { return e.metadata && depth > 2 }

func (w *writer) depth() int { return len(w.stack) }

// open starts an element; its attributes follow through attr.
func (w *writer) open(name string) {
	w.endAttrs()
	depth := len(w.stack)
	if depth > 0 {
		if parent := &w.stack[depth-1]; !parent.children {
			parent.children = true
			w.b.WriteString(">\n")
			if t := strings.TrimSpace(parent.text); t != "" {
				indent(&w.b, depth)
				parent.textEscaper(depth).WriteString(&w.b, t)
				w.b.WriteByte('\n')
			}
		}
	}
	indent(&w.b, depth)
	w.b.WriteByte('<')
	w.b.WriteString(name)
	meta := depth == 1 && name == "metadata" || depth > 1 && w.stack[depth-1].metadata
	w.stack = append(w.stack, openElement{name: name, metadata: meta})
}

// attr adds an attribute to the element open just now; space is its prefix, if any.
func (w *writer) attr(space, local, value string) {
	w.attrs = append(w.attrs, xml.Attr{Name: xml.Name{Space: space, Local: local}, Value: value})
}

// endAttrs writes the attributes of the start tag open now.
func (w *writer) endAttrs() {
	if len(w.attrs) == 0 {
		return
	}
	depth := len(w.stack)
	top, parent := &w.stack[depth-1], ""
	if depth > 1 {
		parent = w.stack[depth-2].name
	}
	for _, a := range libvirtAttrs(parent, top.name, w.attrs) {
		w.writeAttr(top, a.Name.Space, a.Name.Local, a.Value)
	}
	clear(w.attrs)
	w.attrs = w.attrs[:0]
}

func (w *writer) writeAttr(top *openElement, space, local, value string) {
	w.b.WriteByte(' ')
	if space != "" {
		w.b.WriteString(space)
		w.b.WriteByte(':')
	}
	w.b.WriteString(local)
	if top.libxml2Style(len(w.stack)) {
		w.b.WriteString("=\"")
		libxml2AttrEscaper.WriteString(&w.b, value)
		w.b.WriteByte('"')
		return
	}
	w.b.WriteString("='")
	escaper.WriteString(&w.b, value)
	w.b.WriteByte('\'')
}

// textEscaper is how the text of e, at depth, is escaped.
func (e *openElement) textEscaper(depth int) *strings.Replacer {
	if e.libxml2Style(depth) {
		return libxml2TextEscaper
	}
	return escaper
}

// EscapeLibXML2Attr and EscapeLibXML2Text write s escaped as libxml2 escapes an
// attribute value and text, for the parts of libvirt's documents it keeps as libxml2
// nodes (an application's <metadata>).
func EscapeLibXML2Attr(b *strings.Builder, s string) { libxml2AttrEscaper.WriteString(b, s) }
func EscapeLibXML2Text(b *strings.Builder, s string) { libxml2TextEscaper.WriteString(b, s) }

// libxml2's escapes, in attribute values and in text (xmlAttrSerializeTxtContent,
// xmlEscapeContent).
var (
	libxml2AttrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;",
		"\n", "&#10;", "\r", "&#13;", "\t", "&#9;")
	libxml2TextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#13;")
)

// text adds character data to the innermost open element. It reports false for text
// after a child (mixed content), which this writer does not lay out.
func (w *writer) text(s string) bool {
	top := &w.stack[len(w.stack)-1]
	if top.children {
		return strings.TrimSpace(s) == ""
	}
	top.text += s
	return true
}

// close ends the innermost open element, name.
func (w *writer) close(name string) {
	w.endAttrs()
	depth := len(w.stack)
	top := w.stack[depth-1]
	w.stack = w.stack[:depth-1]
	switch {
	case top.children:
		indent(&w.b, depth-1)
		w.b.WriteString("</")
		w.b.WriteString(name)
		w.b.WriteString(">\n")
	case top.text == "":
		w.b.WriteString("/>\n")
	default:
		w.b.WriteByte('>')
		top.textEscaper(depth).WriteString(&w.b, top.text)
		w.b.WriteString("</")
		w.b.WriteString(name)
		w.b.WriteString(">\n")
	}
}

// indent writes depth levels of libvirt's two-space indentation.
func indent(b *strings.Builder, depth int) {
	const spaces = "                                                                "
	for n := 2 * depth; n > 0; {
		k := min(n, len(spaces))
		b.WriteString(spaces[:k])
		n -= k
	}
}
