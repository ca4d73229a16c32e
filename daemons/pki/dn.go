package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// attrNames are the attribute types gnutls names in a DN (its _oid2str table); any
// other is written as its dotted OID.
var attrNames = map[string]string{
	"2.5.4.6":                    "C",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.3":                    "CN",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.4":                    "surName",
	"2.5.4.42":                   "givenName",
	"2.5.4.43":                   "initials",
	"2.5.4.44":                   "generationQualifier",
	"2.5.4.12":                   "title",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
	"2.5.4.17":                   "postalCode",
	"2.5.4.41":                   "name",
	"2.5.4.15":                   "businessCategory",
	"0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1":  "UID",
	"1.2.840.113549.1.9.1":       "EMAIL",
}

// DN formats a certificate's subject (its raw DER) the way gnutls_x509_crt_get_dn
// does and libvirt shows and matches it: the RDNs in the order the certificate holds
// them ("C=GB,O=Example Org,CN=client1", not RFC 4514's reversed order),
// multi-valued RDNs joined with '+', and the characters RFC 4514 reserves escaped
// with a backslash.
func DN(rawSubject []byte) (string, error) {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(rawSubject, &seq); err != nil {
		return "", err
	} else if len(rest) > 0 {
		return "", fmt.Errorf("trailing data after the subject")
	}
	var b strings.Builder
	for i, rdn := range seq {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, atv := range rdn {
			if j > 0 {
				b.WriteByte('+')
			}
			oid := atv.Type.String()
			s, ok := atv.Value.(string)
			if name, known := attrNames[oid]; known && ok {
				b.WriteString(name)
				b.WriteByte('=')
				b.WriteString(escapeDN(s))
				continue
			}
			// An unknown type, or a value that is not a string, is its DER in hex.
			der, err := asn1.Marshal(atv.Value)
			if err != nil {
				return "", err
			}
			b.WriteString(oid)
			b.WriteString("=#")
			b.WriteString(hex.EncodeToString(der))
		}
	}
	return b.String(), nil
}

// escapeDN escapes a value as RFC 4514 section 2.4 says.
func escapeDN(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case strings.ContainsRune(",+\"\\<>;", r),
			i == 0 && (r == ' ' || r == '#'),
			i == len(s)-utf8.RuneLen(r) && r == ' ':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == 0:
			b.WriteString(`\00`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MatchDN reports whether dn matches one of the patterns of tls_allowed_dn_list, as
// fnmatch(3) without flags matches them: '*' any run, '?' one character, '[...]' a
// set, '\' quoting the next character.
func MatchDN(patterns []string, dn string) bool {
	for _, p := range patterns {
		if fnmatch(p, dn) {
			return true
		}
	}
	return false
}

// fnmatch is fnmatch(3) with flags 0, by backtracking on the last '*'.
func fnmatch(pattern, s string) bool {
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
