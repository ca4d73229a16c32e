package xmlstyle

import (
	"encoding/xml"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseSimple reads the documents libvirtxml marshals (elements, attributes, text
// and the five named and numeric character references, nothing else) several times
// faster than encoding/xml's tokenizer, which matters on every define and dumpxml.
// It builds the same tree formatTokens would; anything outside that subset (a
// declaration, a comment, CDATA, a carriage return, a malformed document) makes it
// give up, and Format takes the general path, which also words the errors.
func parseSimple(in string) (*node, bool) {
	for _, r := range in {
		// What encoding/xml refuses as a character, and '\r', which it rewrites.
		if r == utf8.RuneError || r < 0x20 && r != '\t' && r != '\n' || r == 0xfffe || r == 0xffff {
			return nil, false
		}
	}
	var root *node
	var stack []*node
	i := 0
	for i < len(in) {
		lt := strings.IndexByte(in[i:], '<')
		if lt < 0 {
			lt = len(in) - i
		}
		if text := in[i : i+lt]; text != "" {
			t, ok := unescape(text)
			if !ok {
				return nil, false
			}
			if len(stack) > 0 {
				stack[len(stack)-1].addText(t)
			} else if strings.TrimSpace(t) != "" {
				return nil, false
			}
		}
		i += lt
		if i >= len(in) {
			break
		}
		gt := strings.IndexByte(in[i:], '>')
		if gt < 0 {
			return nil, false
		}
		tag := in[i+1 : i+gt]
		i += gt + 1
		switch {
		case tag == "" || tag[0] == '?' || tag[0] == '!':
			return nil, false
		case tag[0] == '/':
			name := tag[1:]
			if len(stack) == 0 || stack[len(stack)-1].name != name {
				return nil, false
			}
			stack = stack[:len(stack)-1]
		default:
			selfClosing := strings.HasSuffix(tag, "/")
			if selfClosing {
				tag = tag[:len(tag)-1]
			}
			n, ok := parseTag(tag)
			if !ok || len(stack) >= maxDepth {
				return nil, false
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, false
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			if !selfClosing {
				stack = append(stack, n)
			}
		}
	}
	if root == nil || len(stack) != 0 {
		return nil, false
	}
	return root, true
}

// parseTag reads `name attr="value" ...`.
func parseTag(tag string) (*node, bool) {
	end := strings.IndexAny(tag, " \t\n")
	if end < 0 {
		end = len(tag)
	}
	n := &node{name: tag[:end]}
	if !validName(n.name) {
		return nil, false
	}
	rest := tag[end:]
	for {
		rest = strings.TrimLeft(rest, " \t\n")
		if rest == "" {
			return n, true
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 || eq+1 >= len(rest) {
			return nil, false
		}
		name := rest[:eq]
		q := rest[eq+1]
		if !validName(name) || (q != '"' && q != '\'') {
			return nil, false
		}
		close := strings.IndexByte(rest[eq+2:], q)
		if close < 0 {
			return nil, false
		}
		raw := rest[eq+2 : eq+2+close]
		if strings.ContainsAny(raw, "<\t\n") {
			return nil, false
		}
		val, ok := unescape(raw)
		if !ok {
			return nil, false
		}
		for _, a := range n.attrs {
			if qname(a.Name) == name {
				return nil, false
			}
		}
		an := xml.Name{Local: name}
		if sp, local, ok := strings.Cut(name, ":"); ok {
			an = xml.Name{Space: sp, Local: local}
		}
		n.attrs = append(n.attrs, xml.Attr{Name: an, Value: val})
		rest = rest[eq+2+close+1:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\n' {
			return nil, false
		}
	}
}

// validName accepts the names libvirt's documents use: ASCII letters, digits and
// "_-.:", starting with a letter or '_', at most one ':'.
func validName(s string) bool {
	if s == "" || strings.Count(s, ":") > 1 || s[0] == ':' || s[len(s)-1] == ':' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':'):
		default:
			return false
		}
	}
	return true
}

// unescape replaces character references; any other '&' or a '>' in text is left
// to the general path.
func unescape(s string) (string, bool) {
	if !strings.ContainsAny(s, "&>") {
		return s, true
	}
	var b strings.Builder
	for {
		amp := strings.IndexByte(s, '&')
		if amp < 0 {
			break
		}
		if strings.IndexByte(s[:amp], '>') >= 0 {
			return "", false
		}
		b.WriteString(s[:amp])
		semi := strings.IndexByte(s[amp:], ';')
		if semi < 0 {
			return "", false
		}
		ref := s[amp+1 : amp+semi]
		switch ref {
		case "amp":
			b.WriteByte('&')
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			var v uint64
			var err error
			switch {
			case strings.HasPrefix(ref, "#x"):
				v, err = strconv.ParseUint(ref[2:], 16, 32)
			case strings.HasPrefix(ref, "#"):
				v, err = strconv.ParseUint(ref[1:], 10, 32)
			default:
				return "", false
			}
			if err != nil || v == 0 || v > 0x7e || (v < 0x20 && v != '\t' && v != '\n') {
				return "", false // only the plain ASCII references encoding/xml writes
			}
			b.WriteByte(byte(v))
		}
		s = s[amp+semi+1:]
	}
	if strings.IndexByte(s, '>') >= 0 {
		return "", false
	}
	b.WriteString(s)
	return b.String(), true
}
