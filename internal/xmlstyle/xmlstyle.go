// Package xmlstyle writes XML the way libvirt does: two-space indentation, attributes
// in single quotes, empty elements self-closed, no XML declaration. libvirtxml marshals
// with encoding/xml's conventions; passing its output through Format makes dumpxml,
// capabilities and friends read exactly like libvirt's, for people and for scripts that
// compare text.
package xmlstyle

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/virtunit/virtunit/internal/xmlscan"
)

// node is an element with its children. raw is its character data as written, which a
// leaf keeps verbatim (libvirt writes a name or a description back as it was given,
// spaces included); text is the same data trimmed chunk by chunk, what an element
// with children keeps of its mixed content.
type node struct {
	name     string
	attrs    []xml.Attr
	children []*node
	text     string
	raw      string
}

// addText records a chunk of n's character data.
func (n *node) addText(chunk string) {
	n.raw += chunk
	if t := strings.TrimSpace(chunk); t != "" {
		n.text += t
	}
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = xmlscan.MaxDepth

// Format re-indents an XML document in libvirt's style. Comments, processing
// instructions and whitespace between elements are dropped; text in mixed content is
// kept, trimmed, and the text of an element without children verbatim.
func Format(in string) (string, error) {
	if out, ok := formatPlain(in); ok {
		return out, nil
	}
	return formatTokens(in)
}

// formatTokens is Format through encoding/xml's tokenizer, for any document.
func formatTokens(in string) (string, error) {
	d := xml.NewDecoder(strings.NewReader(in))
	var root *node
	var stack []*node
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("reformat XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return "", fmt.Errorf("reformat XML: elements nested deeper than %d", maxDepth)
			}
			n := &node{name: qname(t.Name), attrs: t.Attr}
			if len(stack) == 0 {
				if root != nil {
					return "", fmt.Errorf("reformat XML: more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1].name != qname(t.Name) {
				return "", fmt.Errorf("reformat XML: unexpected </%s>", qname(t.Name))
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].addText(string(t))
			}
		}
	}
	if root == nil || len(stack) != 0 {
		return "", fmt.Errorf("reformat XML: incomplete document")
	}
	var b bytes.Buffer
	write(&b, root, "", 0, false)
	return b.String(), nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// write lays n out at depth; inMetadata says n is inside the root's <metadata>,
// which libvirt writes as libxml2 does (openElement.libxml2Style).
func write(b *bytes.Buffer, n *node, parent string, depth int, inMetadata bool) {
	indent := strings.Repeat("  ", depth)
	attrEsc, textEsc, quote := escaper, escaper, "'"
	if inMetadata {
		attrEsc, textEsc, quote = libxml2AttrEscaper, libxml2TextEscaper, "\""
	}
	b.WriteString(indent)
	b.WriteByte('<')
	b.WriteString(n.name)
	for _, a := range libvirtAttrs(parent, n.name, slices.Clone(n.attrs)) {
		b.WriteByte(' ')
		b.WriteString(qname(a.Name))
		b.WriteString("=" + quote)
		b.WriteString(attrEsc.Replace(a.Value))
		b.WriteString(quote)
	}
	switch {
	case len(n.children) == 0 && n.raw == "":
		b.WriteString("/>\n")
	case len(n.children) == 0:
		b.WriteByte('>')
		b.WriteString(textEsc.Replace(n.raw))
		b.WriteString("</" + n.name + ">\n")
	default:
		b.WriteString(">\n")
		if n.text != "" {
			b.WriteString(indent + "  " + textEsc.Replace(n.text) + "\n")
		}
		for _, c := range n.children {
			write(b, c, n.name, depth+1, inMetadata || depth == 1 && n.name == "metadata")
		}
		b.WriteString(indent + "</" + n.name + ">\n")
	}
}

// escape is libvirt's virBufferEscapeString for XML.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", "\"", "&quot;")

// Marshal formats what a libvirtxml document marshals to. Every libvirtxml document's
// Marshal is xml.MarshalIndent of itself, which encode writes in one pass where it
// can; the rest take that Marshal and Format.
func Marshal(doc interface{ Marshal() (string, error) }) (string, error) {
	if out, ok := encode(doc); ok {
		return out, nil
	}
	s, err := doc.Marshal()
	if err != nil {
		return "", err
	}
	return Format(s)
}
