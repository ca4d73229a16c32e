package sasl

import (
	"errors"
	"strings"
)

// A directive is one name=value pair of a DIGEST-MD5 challenge or response (RFC 2831
// section 7.1's #rule list): the name as sent, the value unquoted.
type directive struct {
	name, value string
}

var errDirectives = errors.New("parse error")

// parseDirectives splits a digest-response into its directives as Cyrus SASL's
// get_pair does: empty list elements and linear white space around the separators are
// allowed, a value is a token or a quoted-string with backslash escapes, and anything
// else (a missing '=', an unbalanced quote, junk after a value) is a parse error.
func parseDirectives(s string) ([]directive, error) {
	var out []directive
	i := 0
	for {
		// Skip LWS and empty elements ("a=b, ,c=d").
		for i < len(s) && (isLWS(s[i]) || s[i] == ',') {
			i++
		}
		if i == len(s) {
			return out, nil
		}
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		name := s[start:i]
		for i < len(s) && isLWS(s[i]) {
			i++
		}
		if name == "" || i == len(s) || s[i] != '=' {
			return nil, errDirectives
		}
		i++
		for i < len(s) && isLWS(s[i]) {
			i++
		}
		var value string
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				i++
				if c == '\\' && i < len(s) {
					b.WriteByte(s[i])
					i++
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, errDirectives
			}
			value = b.String()
		} else {
			start := i
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			value = s[start:i]
		}
		for i < len(s) && isLWS(s[i]) {
			i++
		}
		if i < len(s) && s[i] != ',' {
			return nil, errDirectives
		}
		out = append(out, directive{name, value})
	}
}

func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// isTokenChar is RFC 2616's token: a visible ASCII character that is no separator.
func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune("()<>@,;:\\\"/[]?={}", rune(c))
}

// quote makes a quoted-string of s, escaping '"' and '\' as Cyrus's add_to_challenge.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
