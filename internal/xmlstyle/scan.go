package xmlstyle

import (
	"encoding/xml"
	"strconv"
	"strings"
	"unicode/utf8"
)

// scan builds the tree of a document in the shape encoding/xml writes — elements,
// double-quoted attributes, character data with entity references — without
// encoding/xml's tokenizer, which costs more than the marshalling itself. It reports
// false for anything outside that shape (comments, CDATA, processing instructions,
// single-quoted attributes, unknown entities: metadata a client embedded may hold
// them), and the caller falls back to Format's full parser. Where it succeeds, the
// tree is the one Format builds (FuzzScanAgreesWithFormat holds it to that).
func scan(s string) (*node, bool) {
	var root *node
	var stack []*node
	i := 0
	for i < len(s) {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			text, ok := unescape(s[i : i+j])
			if !ok {
				return nil, false
			}
			if len(stack) > 0 {
				if t := strings.TrimSpace(text); t != "" {
					stack[len(stack)-1].text += t
				}
			}
			i += j
			continue
		}
		i++
		if i >= len(s) {
			return nil, false
		}
		switch s[i] {
		case '!', '?':
			return nil, false
		case '/':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return nil, false
			}
			name := strings.TrimRight(s[i+1:i+end], " \t\r\n")
			if len(stack) == 0 || stack[len(stack)-1].name != name {
				return nil, false
			}
			stack = stack[:len(stack)-1]
			i += end + 1
			continue
		}
		n, next, selfClosed, ok := scanStart(s, i)
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
		if !selfClosed {
			stack = append(stack, n)
		}
		i = next
	}
	if root == nil || len(stack) != 0 {
		return nil, false
	}
	return root, true
}

// scanStart reads a start tag whose name begins at s[i]: the element, the index after
// the tag, and whether it closed itself.
func scanStart(s string, i int) (n *node, next int, selfClosed, ok bool) {
	j := i
	for j < len(s) && !isSpace(s[j]) && s[j] != '>' && s[j] != '/' {
		j++
	}
	if j == i || !validName(s[i:j]) {
		return nil, 0, false, false
	}
	n = &node{name: s[i:j]}
	for {
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return nil, 0, false, false
		}
		switch s[j] {
		case '>':
			return n, j + 1, false, true
		case '/':
			if j+1 < len(s) && s[j+1] == '>' {
				return n, j + 2, true, true
			}
			return nil, 0, false, false
		}
		eq := strings.IndexByte(s[j:], '=')
		if eq <= 0 {
			return nil, 0, false, false
		}
		name := s[j : j+eq]
		if !validName(name) {
			return nil, 0, false, false
		}
		j += eq + 1
		if j >= len(s) || s[j] != '"' {
			return nil, 0, false, false
		}
		end := strings.IndexByte(s[j+1:], '"')
		if end < 0 {
			return nil, 0, false, false
		}
		raw := s[j+1 : j+1+end]
		if strings.ContainsAny(raw, "<\t\n\r") {
			return nil, 0, false, false // the full parser normalizes these
		}
		value, ok := unescape(raw)
		if !ok {
			return nil, 0, false, false
		}
		n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
		j += end + 2
		if j < len(s) && !isSpace(s[j]) && s[j] != '>' && s[j] != '/' {
			return nil, 0, false, false
		}
	}
}

// validName accepts the names encoding/xml writes: letters, digits and . _ - : with
// no leading digit, dot, dash or colon. Anything rarer goes to the full parser.
func validName(s string) bool {
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case k > 0 && (c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':'):
		default:
			return false
		}
	}
	return s != "" && s[len(s)-1] != ':'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// unescape resolves the entity references encoding/xml writes: the five predefined
// ones and numeric ones. Anything else, or a bare '>' or invalid UTF-8, is reported.
func unescape(s string) (string, bool) {
	if !utf8.ValidString(s) || strings.ContainsAny(s, ">\r") {
		return "", false
	}
	for _, r := range s {
		if !xmlChar(r) {
			return "", false
		}
	}
	if !strings.Contains(s, "&") {
		return s, true
	}
	var b strings.Builder
	for {
		k := strings.IndexByte(s, '&')
		if k < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:k])
		s = s[k+1:]
		semi := strings.IndexByte(s, ';')
		if semi <= 0 {
			return "", false
		}
		ref := s[:semi]
		s = s[semi+1:]
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
			r, ok := charRef(ref)
			if !ok {
				return "", false
			}
			b.WriteRune(r)
		}
	}
}

// charRef decodes "#NN" or "#xHH" to a character XML allows.
func charRef(ref string) (rune, bool) {
	num, ok := strings.CutPrefix(ref, "#")
	if !ok || num == "" {
		return 0, false
	}
	base := 10
	if h, ok := strings.CutPrefix(num, "x"); ok {
		num, base = h, 16
	}
	v, err := strconv.ParseUint(num, base, 32)
	if err != nil {
		return 0, false
	}
	r := rune(v)
	return r, v <= utf8.MaxRune && xmlChar(r)
}

// xmlChar reports the characters XML 1.0 allows, as encoding/xml checks them, less
// the carriage return, which is left to the full parser (it normalizes line ends).
func xmlChar(r rune) bool {
	return r == '\t' || r == '\n' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
