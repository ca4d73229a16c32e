package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/virtunit/virtunit/internal/fnmatch"
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
// libvirt matches them, with fnmatch(3).
func MatchDN(patterns []string, dn string) bool {
	for _, p := range patterns {
		if fnmatch.Match(p, dn) {
			return true
		}
	}
	return false
}
