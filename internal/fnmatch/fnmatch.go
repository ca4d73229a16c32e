// Package fnmatch matches shell wildcard patterns as C's fnmatch(3) does, for the
// libvirt settings that are lists of such patterns (tls_allowed_dn_list,
// sasl_allowed_username_list).
package fnmatch

import "unicode/utf8"

// Match is fnmatch(3) with flags 0: '*' matches any run, '?' one character,
// '[...]' a set ('!' or '^' negating it, '-' a range), '\\' quotes the next
// character. It is the classic matcher that, on a mismatch, retries from the last
// '*' one character further on.
func Match(pattern, s string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(s) {
		if p < len(pattern) {
			switch pattern[p] {
			case '*':
				star, mark = p, n
				p++
				continue
			case '?':
				_, size := utf8.DecodeRuneInString(s[n:])
				p, n = p+1, n+size
				continue
			case '[':
				r, size := utf8.DecodeRuneInString(s[n:])
				if end, ok := matchSet(pattern[p:], r); end > 0 {
					if ok {
						p, n = p+end, n+size
						continue
					}
				} else if s[n] == '[' { // an unclosed '[' is literal
					p, n = p+1, n+1
					continue
				}
			case '\\':
				if p+1 < len(pattern) && pattern[p+1] == s[n] {
					p, n = p+2, n+1
					continue
				}
			default:
				if pattern[p] == s[n] {
					p, n = p+1, n+1
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		p = star + 1
		_, size := utf8.DecodeRuneInString(s[mark:])
		mark += size
		n = mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchSet matches r against the bracket expression at the start of pattern; end is
// the expression's length, 0 when it is not closed.
func matchSet(pattern string, r rune) (end int, ok bool) {
	i := 1
	negate := false
	if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
		negate = true
		i++
	}
	first := true
	for i < len(pattern) {
		if pattern[i] == ']' && !first {
			return i + 1, ok != negate
		}
		first = false
		lo, size := utf8.DecodeRuneInString(pattern[i:])
		i += size
		hi := lo
		if i+1 < len(pattern) && pattern[i] == '-' && pattern[i+1] != ']' {
			hi, size = utf8.DecodeRuneInString(pattern[i+1:])
			i += 1 + size
		}
		if lo <= r && r <= hi {
			ok = true
		}
	}
	return 0, false
}
