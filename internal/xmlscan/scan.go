// Package xmlscan reads plain XML — elements, attributes, text and the character
// references encoding/xml writes, nothing else — several times faster than
// encoding/xml's tokenizer. That subset is every document libvirtxml marshals and what
// virt-install and libvirt send, and each define and dumpxml reads one or two of them.
//
// A document outside the subset (a declaration, a comment other than one before the
// root element, CDATA, a carriage return, anything malformed) is refused with
// ErrNotPlain, never misread: the caller then takes encoding/xml's general path, which
// also words the errors.
package xmlscan

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNotPlain means the document is not in the subset this package reads.
var ErrNotPlain = errors.New("not a plain XML document")

// MaxDepth bounds nesting so hostile input cannot exhaust a caller's stack.
const MaxDepth = 256

// Kind says what a Token is.
type Kind uint8

const (
	Start Kind = iota + 1 // an element's start tag
	End                   // its end tag, also after a self-closing start tag
	Text                  // character data inside the root element, unescaped
)

// Token is one piece of the document. Attr is reused by the next call of Next.
type Token struct {
	Kind Kind
	Name string     // Start, End: the element's name as written, "prefix:local" or "local"
	Attr []xml.Attr // Start: names split at the colon as encoding/xml's RawToken splits them
	Text string     // Text
}

// Scanner reads a document token by token.
type Scanner struct {
	in        string
	pos       int
	stack     []string
	root      bool   // the root element has started
	selfClose string // a self-closing element whose End is the next token
	attr      []xml.Attr
}

// NewScanner returns a scanner of in, or ErrNotPlain if in holds a character that
// encoding/xml refuses or rewrites ('\r').
func NewScanner(in string) (*Scanner, error) {
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' {
				return nil, ErrNotPlain
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(in[i:])
		if r == utf8.RuneError || r == 0xfffe || r == 0xffff {
			return nil, ErrNotPlain
		}
		i += n
	}
	return &Scanner{in: in}, nil
}

// Next returns the next token, io.EOF after the root element's end, or ErrNotPlain.
func (s *Scanner) Next() (Token, error) {
	if s.selfClose != "" {
		name := s.selfClose
		s.selfClose = ""
		return Token{Kind: End, Name: name}, nil
	}
	for s.pos < len(s.in) {
		in := s.in[s.pos:]
		lt := strings.IndexByte(in, '<')
		if lt < 0 {
			lt = len(in)
		}
		if lt > 0 {
			text, ok := unescape(in[:lt])
			s.pos += lt
			if !ok {
				return Token{}, ErrNotPlain
			}
			if len(s.stack) > 0 {
				return Token{Kind: Text, Text: text}, nil
			}
			if strings.TrimSpace(text) != "" {
				return Token{}, ErrNotPlain
			}
			continue
		}
		if strings.HasPrefix(in, "<!--") && !s.root {
			// A comment before the root element, such as the warning libvirt heads
			// every stored definition with: nothing to anyone who decodes or formats
			// the document. What encoding/xml refuses in a comment is not plain.
			end := strings.Index(in[4:], "-->")
			if end < 0 || strings.Contains(in[4:4+end], "--") || strings.HasSuffix(in[4:4+end], "-") {
				return Token{}, ErrNotPlain
			}
			s.pos += 4 + end + 3
			continue
		}
		gt := strings.IndexByte(in, '>')
		if gt < 0 {
			return Token{}, ErrNotPlain
		}
		tag := in[1:gt]
		s.pos += gt + 1
		switch {
		case tag == "" || tag[0] == '?' || tag[0] == '!':
			return Token{}, ErrNotPlain
		case tag[0] == '/':
			name := tag[1:]
			if len(s.stack) == 0 || s.stack[len(s.stack)-1] != name {
				return Token{}, ErrNotPlain
			}
			s.stack = s.stack[:len(s.stack)-1]
			return Token{Kind: End, Name: name}, nil
		default:
			if len(s.stack) == 0 && s.root || len(s.stack) >= MaxDepth {
				return Token{}, ErrNotPlain
			}
			selfClosing := strings.HasSuffix(tag, "/")
			if selfClosing {
				tag = tag[:len(tag)-1]
			}
			name, ok := s.parseTag(tag)
			if !ok {
				return Token{}, ErrNotPlain
			}
			s.root = true
			if selfClosing {
				s.selfClose = name
			} else {
				s.stack = append(s.stack, name)
			}
			return Token{Kind: Start, Name: name, Attr: s.attr}, nil
		}
	}
	if !s.root || len(s.stack) != 0 {
		return Token{}, ErrNotPlain
	}
	return Token{}, io.EOF
}

// Offset is how far into the document the tokens so far reach: a Text token is the
// document's bytes just before it, unchanged where it is as long as it was written.
func (s *Scanner) Offset() int { return s.pos }

// parseTag reads `name attr="value" ...` into s.attr and returns the name.
func (s *Scanner) parseTag(tag string) (string, bool) {
	end := 0
	for end < len(tag) && !isSpace(tag[end]) {
		end++
	}
	name := tag[:end]
	if !validName(name) {
		return "", false
	}
	s.attr = s.attr[:0]
	rest := tag[end:]
	for {
		for rest != "" && isSpace(rest[0]) {
			rest = rest[1:]
		}
		if rest == "" {
			return name, true
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 || eq+1 >= len(rest) {
			return "", false
		}
		an := rest[:eq]
		q := rest[eq+1]
		if !validName(an) || (q != '"' && q != '\'') {
			return "", false
		}
		closing := strings.IndexByte(rest[eq+2:], q)
		if closing < 0 {
			return "", false
		}
		raw := rest[eq+2 : eq+2+closing]
		for i := 0; i < len(raw); i++ {
			if c := raw[i]; c == '<' || c == '\t' || c == '\n' {
				return "", false
			}
		}
		val, ok := unescape(raw)
		if !ok {
			return "", false
		}
		n := splitName(an)
		for _, a := range s.attr {
			if a.Name == n {
				return "", false
			}
		}
		s.attr = append(s.attr, xml.Attr{Name: n, Value: val})
		rest = rest[eq+2+closing+1:]
		if rest != "" && !isSpace(rest[0]) {
			return "", false
		}
	}
}

// isSpace is the white space the scanner allows between a tag's parts.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

// splitName splits a valid name at its colon, as encoding/xml does.
func splitName(s string) xml.Name {
	if space, local, ok := strings.Cut(s, ":"); ok {
		return xml.Name{Space: space, Local: local}
	}
	return xml.Name{Local: s}
}

// validName accepts the names libvirt's documents use: ASCII letters, digits and
// "_-.:", starting with a letter or '_', at most one ':' and not at either end.
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
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] != '&' && s[i] != '>'
	}
	if plain {
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
