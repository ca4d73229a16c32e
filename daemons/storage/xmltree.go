package storage

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// maxXML bounds a pool or volume document; libvirt's limit is the RPC string limit,
// far above any real definition.
const maxXML = 1 << 20

// maxDepth bounds the nesting of a document, so a hostile one cannot exhaust the stack
// or memory with a deep tree.
const maxDepth = 64

// node is an element of a parsed document. libvirt's storage parser reads documents
// with XPath (string(./name), ./target/permissions, @type); these few methods give
// the same answers, which is why the parser does not unmarshal into structs: an empty
// element counts as absent, the first of several wins, and a number is checked where
// libvirt checks it, with libvirt's message.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	children []*node
	text     strings.Builder // character data directly inside
}

// parseDoc reads a whole document whose root element must be root. what names the
// document in syntax errors, as libvirt's parser does ("(storage_pool_definition)").
func parseDoc(text, root, what string) (*node, error) {
	if len(text) > maxXML {
		return nil, virerror.New(libvirt.ErrXMLError, virerror.FromStorage, "%s of %d bytes is too large", what, len(text))
	}
	dec := xml.NewDecoder(strings.NewReader(text))
	var stack []*node
	var top *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, virerror.New(libvirt.ErrXMLDetail, virerror.FromStorage, "%s:%d: %s", what, se.Line, se.Msg)
			}
			return nil, virerror.New(libvirt.ErrXMLDetail, virerror.FromStorage, "%s: %v", what, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, virerror.New(libvirt.ErrXMLDetail, virerror.FromStorage, "%s: elements nested too deeply", what)
			}
			n := &node{name: t.Name, attrs: t.Copy().Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if top == nil {
				top = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if top == nil {
		return nil, virerror.New(libvirt.ErrXMLDetail, virerror.FromStorage, "%s:1: Document is empty", what)
	}
	if top.name.Local != root {
		return nil, virerror.New(libvirt.ErrXMLError, virerror.FromXML, "expecting root element of '%s', not '%s'", root, top.name.Local)
	}
	return top, nil
}

// child is the first child element named name (in no namespace), or nil. A nil node
// has no children, so lookups chain: n.child("target").child("path").
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name.Local == name && c.name.Space == "" {
			return c
		}
	}
	return nil
}

// all are the child elements named name.
func (n *node) all(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.name.Local == name && c.name.Space == "" {
			out = append(out, c)
		}
	}
	return out
}

// string is XPath's string() of the element: all the text inside it, descendants'
// included; "" for a missing element, which libvirt's virXPathString treats as absent.
func (n *node) string() string {
	if n == nil {
		return ""
	}
	if len(n.children) == 0 {
		return n.text.String()
	}
	var b strings.Builder
	n.appendText(&b)
	return b.String()
}

func (n *node) appendText(b *strings.Builder) {
	// Character data and children interleave in the document; a definition's text
	// lives in leaves, so the order of the two in a mixed element does not matter here.
	b.WriteString(n.text.String())
	for _, c := range n.children {
		c.appendText(b)
	}
}

// attr is the attribute's value, and whether it is there.
func (n *node) attr(name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// xmlEscape escapes text as libvirt's virBufferEscapeString does: the five markup
// characters become entities and control characters other than tab, newline and
// carriage return are left out.
func xmlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '&':
			b.WriteString("&amp;")
		case c == '"':
			b.WriteString("&quot;")
		case c == '\'':
			b.WriteString("&apos;")
		case c >= 0x20 || c == '\t' || c == '\n' || c == '\r':
			b.WriteByte(c)
		}
	}
	return b.String()
}
