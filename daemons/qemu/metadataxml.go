package qemu

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

// An application's element under <metadata> is kept the way libvirt keeps it: as a
// libxml2 node whose elements are all in the application's namespace under the key
// it chose (virsh metadata --key), and handed back without that namespace. Go's
// encoding/xml cannot re-encode prefixed names, so the element is a small tree of its
// own here, with names and prefixes as written.

// metaNode is one element: prefix and local name as written, its attributes,
// namespace declarations among them, and its content in order.
type metaNode struct {
	prefix, local string
	attrs         []xml.Attr
	content       []metaContent
	ns            string // the namespace the prefix resolves to, if declared
}

// metaContent is a child element or a run of text.
type metaContent struct {
	el   *metaNode
	text string
}

// parseMetaElement reads value, which must be exactly one element.
func parseMetaElement(value string) (*metaNode, error) {
	// libvirt reports libxml2's parser errors as they are; the two a client
	// meets most get libxml2's words.
	bad := func(why string) error {
		return virerror.New(libvirt.ErrXMLDetail, virerror.FromDomain, "(metadata_xml):1: %s", why)
	}
	dec := xml.NewDecoder(strings.NewReader(value))
	var root *metaNode
	var stack []*metaNode
	var scopes []map[string]string
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) && strings.Contains(se.Msg, "unexpected EOF") && len(stack) > 0 {
				return nil, bad(fmt.Sprintf("Premature end of data in tag %s line 1", stack[len(stack)-1].name()))
			}
			return nil, bad(err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxMetaDepth {
				return nil, bad("Excessive depth in document")
			}
			if len(stack) == 0 && root != nil {
				return nil, bad("Extra content at the end of the document")
			}
			scope := map[string]string{}
			if len(scopes) > 0 {
				for k, v := range scopes[len(scopes)-1] {
					scope[k] = v
				}
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					scope[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					scope[""] = a.Value
				}
			}
			n := &metaNode{prefix: t.Name.Space, local: t.Name.Local, attrs: append([]xml.Attr(nil), t.Attr...)}
			if uri, ok := scope[n.prefix]; ok {
				n.ns = uri
			} else if n.prefix != "" {
				// libxml2 warns and keeps "p:name" as a local name, which libvirt
				// then stores as "key:p:name": not XML a namespace-aware reader
				// takes back, so it is refused here.
				return nil, bad("Namespace prefix " + n.prefix + " on " + n.local + " is not defined")
			}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.content = append(p.content, metaContent{el: n})
			}
			stack = append(stack, n)
			scopes = append(scopes, scope)
		case xml.EndElement:
			// RawToken leaves the matching of end tags to its caller.
			end := t.Name.Local
			if t.Name.Space != "" {
				end = t.Name.Space + ":" + end
			}
			if len(stack) == 0 {
				return nil, bad("StartTag: invalid element name")
			}
			if top := stack[len(stack)-1]; top.name() != end {
				return nil, bad(fmt.Sprintf("Opening and ending tag mismatch: %s line 1 and %s", top.name(), end))
			}
			stack, scopes = stack[:len(stack)-1], scopes[:len(scopes)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(t)) != "" {
					if root == nil {
						return nil, bad("Start tag expected, '<' not found")
					}
					return nil, bad("Extra content at the end of the document")
				}
				continue
			}
			p := stack[len(stack)-1]
			p.content = append(p.content, metaContent{text: string(t)})
		}
	}
	switch {
	case root == nil:
		return nil, bad("Document is empty")
	case len(stack) > 0:
		return nil, bad(fmt.Sprintf("Premature end of data in tag %s line 1", stack[len(stack)-1].name()))
	}
	return root, nil
}

// maxMetaDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxMetaDepth = 256

// injectNamespace puts every element of n that is in no namespace into namespace uri
// under prefix key, as libvirt's virXMLInjectNamespace does; the declaration joins
// the root's.
func injectNamespace(n *metaNode, key, uri string) error {
	if !isNCName(key) {
		return virerror.New(libvirt.ErrInternalError, virerror.FromDomain, "failed to validate prefix for a new XML namespace")
	}
	last := 0
	for i, a := range n.attrs {
		if a.Name.Space == "xmlns" && a.Name.Local == key {
			return virerror.New(libvirt.ErrInternalError, virerror.FromDomain, "failed to create a new XML namespace")
		}
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
			last = i + 1
		}
	}
	decl := xml.Attr{Name: xml.Name{Space: "xmlns", Local: key}, Value: uri}
	n.attrs = append(n.attrs[:last], append([]xml.Attr{decl}, n.attrs[last:]...)...)
	n.walk(func(e *metaNode) {
		if e.ns == "" {
			e.prefix, e.ns = key, uri
		}
	})
	return nil
}

// stripNamespace is n as libvirt hands it back (virDomainGetMetadata): the elements
// of namespace uri without a prefix, and without uri's declaration.
func stripNamespace(n *metaNode, uri string) {
	n.walk(func(e *metaNode) {
		if e.ns == uri {
			e.prefix = ""
		}
		attrs := e.attrs[:0]
		for _, a := range e.attrs {
			if a.Name.Space == "xmlns" && a.Value == uri {
				continue
			}
			attrs = append(attrs, a)
		}
		e.attrs = attrs
	})
}

func (n *metaNode) walk(f func(*metaNode)) {
	f(n)
	for _, c := range n.content {
		if c.el != nil {
			c.el.walk(f)
		}
	}
}

// String is n as libxml2's xmlNodeDump writes it with formatting: elements that hold
// only elements one per line, two spaces deeper each level; any text, and the element
// stays on one line.
func (n *metaNode) String() string {
	var b strings.Builder
	n.write(&b, 0)
	return b.String()
}

// name is the element's name as written.
func (n *metaNode) name() string {
	if n.prefix != "" {
		return n.prefix + ":" + n.local
	}
	return n.local
}

func (n *metaNode) write(b *strings.Builder, depth int) {
	name := n.name()
	b.WriteByte('<')
	b.WriteString(name)
	for _, a := range n.attrs {
		b.WriteByte(' ')
		if a.Name.Space != "" {
			b.WriteString(a.Name.Space + ":")
		}
		b.WriteString(a.Name.Local)
		b.WriteString(`="`)
		xmlstyle.EscapeLibXML2Attr(b, a.Value)
		b.WriteByte('"')
	}
	elementsOnly := true
	var kids []*metaNode
	for _, c := range n.content {
		if c.el != nil {
			kids = append(kids, c.el)
		} else if strings.TrimSpace(c.text) != "" {
			elementsOnly = false
		}
	}
	switch {
	case len(n.content) == 0 || elementsOnly && len(kids) == 0:
		b.WriteString("/>")
		return
	case elementsOnly:
		b.WriteString(">\n")
		for _, k := range kids {
			b.WriteString(strings.Repeat("  ", depth+1))
			k.write(b, depth+1)
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("  ", depth))
	default:
		b.WriteByte('>')
		for _, c := range n.content {
			if c.el != nil {
				c.el.write(b, depth+1)
			} else {
				xmlstyle.EscapeLibXML2Text(b, c.text)
			}
		}
	}
	b.WriteString("</" + name + ">")
}

// isNCName reports whether s is an XML name without a colon (xmlValidateNCName), of
// ASCII only: encoding/xml knows fewer letters beyond ASCII than libxml2, and would
// not read back a prefix it does not know as one.
func isNCName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}
