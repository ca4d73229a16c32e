package xmlstyle

import (
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
}

type openElement struct {
	children bool
	text     string
}

func (w *writer) depth() int { return len(w.stack) }

// open starts an element; its attributes follow through attr.
func (w *writer) open(name string) {
	depth := len(w.stack)
	if depth > 0 {
		if parent := &w.stack[depth-1]; !parent.children {
			parent.children = true
			w.b.WriteString(">\n")
			if t := strings.TrimSpace(parent.text); t != "" {
				indent(&w.b, depth)
				escaper.WriteString(&w.b, t)
				w.b.WriteByte('\n')
			}
		}
	}
	indent(&w.b, depth)
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.stack = append(w.stack, openElement{})
}

// attr adds an attribute to the element open just now; space is its prefix, if any.
func (w *writer) attr(space, local, value string) {
	w.b.WriteByte(' ')
	if space != "" {
		w.b.WriteString(space)
		w.b.WriteByte(':')
	}
	w.b.WriteString(local)
	w.b.WriteString("='")
	escaper.WriteString(&w.b, value)
	w.b.WriteByte('\'')
}

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
		escaper.WriteString(&w.b, top.text)
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
