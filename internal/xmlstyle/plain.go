package xmlstyle

import (
	"strings"

	"github.com/virtunit/virtunit/internal/xmlscan"
)

// formatPlain writes a plain document (xmlscan's subset, which is all libvirtxml
// marshals) in one pass, element by element, without the tree formatTokens builds.
// Each element's start tag is written as soon as it is read; whether it closes with
// "/>", its text or its children is known at its first child or at its end. It gives
// up (false) where it would not write what formatTokens writes: on a document outside
// the subset, and on mixed content, whose text formatTokens gathers in front of all
// the children.
func formatPlain(in string) (string, bool) {
	s, err := xmlscan.NewScanner(in)
	if err != nil {
		return "", false
	}
	// open is the stack of elements whose end is still to come: whether each has
	// had a child yet, and its text so far.
	type open struct {
		children bool
		text     string
	}
	var stack []open
	var b strings.Builder
	b.Grow(len(in))
	for {
		tok, err := s.Next()
		if err != nil {
			if err != xmlscan.ErrNotPlain && len(stack) == 0 {
				return b.String(), true // io.EOF after the root
			}
			return "", false
		}
		depth := len(stack)
		switch tok.Kind {
		case xmlscan.Text:
			top := &stack[depth-1]
			if top.children {
				if strings.TrimSpace(tok.Text) != "" {
					return "", false
				}
				continue
			}
			top.text += tok.Text
		case xmlscan.Start:
			if depth > 0 {
				if parent := &stack[depth-1]; !parent.children {
					parent.children = true
					b.WriteString(">\n")
					if t := strings.TrimSpace(parent.text); t != "" {
						indent(&b, depth)
						escaper.WriteString(&b, t)
						b.WriteByte('\n')
					}
				}
			}
			indent(&b, depth)
			b.WriteByte('<')
			b.WriteString(tok.Name)
			for _, a := range tok.Attr {
				b.WriteByte(' ')
				if a.Name.Space != "" {
					b.WriteString(a.Name.Space)
					b.WriteByte(':')
				}
				b.WriteString(a.Name.Local)
				b.WriteString("='")
				escaper.WriteString(&b, a.Value)
				b.WriteByte('\'')
			}
			stack = append(stack, open{})
		case xmlscan.End:
			top := stack[depth-1]
			stack = stack[:depth-1]
			switch {
			case top.children:
				indent(&b, depth-1)
				b.WriteString("</")
				b.WriteString(tok.Name)
				b.WriteString(">\n")
			case top.text == "":
				b.WriteString("/>\n")
			default:
				b.WriteByte('>')
				escaper.WriteString(&b, top.text)
				b.WriteString("</")
				b.WriteString(tok.Name)
				b.WriteString(">\n")
			}
		}
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
