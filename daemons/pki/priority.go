package pki

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// DefaultPriority is libvirt's build default for tls_priority (Debian builds with it).
const DefaultPriority = "NORMAL"

// priority is what of a gnutls priority string Go's TLS can honour: the protocol
// versions, the TLS 1.2 cipher suites, and the curves.
type priority struct {
	versions map[uint16]bool
	ciphers  map[string]bool // gnutls cipher names allowed; nil: Go's defaults
	curves   []tls.CurveID
}

var versionNames = map[string]uint16{
	"VERS-TLS1.0": tls.VersionTLS10, "VERS-TLS1.1": tls.VersionTLS11,
	"VERS-TLS1.2": tls.VersionTLS12, "VERS-TLS1.3": tls.VersionTLS13,
}

// The TLS 1.2 suites Go implements, by the gnutls cipher (and key exchange) they use.
var suiteCiphers = []struct {
	id     uint16
	cipher string
}{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "AES-128-GCM"},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "AES-128-GCM"},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "AES-256-GCM"},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "AES-256-GCM"},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "CHACHA20-POLY1305"},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "CHACHA20-POLY1305"},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "AES-128-CBC"},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "AES-128-CBC"},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "AES-256-CBC"},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "AES-256-CBC"},
}

var allCiphers = []string{"AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305", "AES-128-CBC", "AES-256-CBC"}

var curveNames = map[string]tls.CurveID{
	"GROUP-SECP256R1": tls.CurveP256, "GROUP-SECP384R1": tls.CurveP384,
	"GROUP-SECP521R1": tls.CurveP521, "GROUP-X25519": tls.X25519,
	"CURVE-SECP256R1": tls.CurveP256, "CURVE-SECP384R1": tls.CurveP384,
	"CURVE-SECP521R1": tls.CurveP521, "CURVE-X25519": tls.X25519,
}

// parsePriority reads a gnutls priority string ("NORMAL", "SECURE256:-VERS-TLS1.0",
// "NONE:+VERS-TLS1.2:+AES-256-GCM:..."). The keywords set a base, then "+X" adds and
// "-X"/"!X" removes an item; items Go has no knob for (key exchange, MACs,
// signatures, compression, "%" flags) are accepted and left to Go, which only offers
// what is safe. Anything gnutls does not know is an error, reported as libvirt
// reports gnutls refusing the string.
func parsePriority(s string) (*priority, error) {
	bad := func() error {
		return sysErr("Failed to set TLS session priority to %s: %s", s, "The request is invalid.")
	}
	p := &priority{versions: map[uint16]bool{tls.VersionTLS12: true, tls.VersionTLS13: true}}
	tokens := strings.Split(s, ":")
	switch base := strings.ToUpper(tokens[0]); base {
	case "NORMAL", "PERFORMANCE", "PFS", "SYSTEM", "@SYSTEM", "LEGACY":
	case "SECURE128", "SECURE192", "SECURE256", "SECURE", "SUITEB128", "SUITEB192":
		p.ciphers = map[string]bool{"AES-128-GCM": true, "AES-256-GCM": true, "CHACHA20-POLY1305": true}
		if base == "SECURE192" || base == "SECURE256" || base == "SUITEB192" {
			p.ciphers = map[string]bool{"AES-256-GCM": true, "CHACHA20-POLY1305": true}
		}
	case "NONE":
		p.versions = map[uint16]bool{}
		p.ciphers = map[string]bool{}
	default:
		return nil, bad()
	}
	for _, t := range tokens[1:] {
		if t == "" {
			return nil, bad()
		}
		if t[0] == '%' {
			continue // behaviour flags (%SERVER_PRECEDENCE, %COMPAT, ...)
		}
		add := t[0] == '+'
		if !add && t[0] != '-' && t[0] != '!' {
			return nil, bad()
		}
		item := strings.ToUpper(t[1:])
		switch {
		case item == "VERS-ALL" || item == "VERS-TLS-ALL":
			for _, v := range versionNames {
				p.setVersion(v, add)
			}
		case versionNames[item] != 0:
			p.setVersion(versionNames[item], add)
		case item == "CIPHER-ALL":
			p.ciphers = map[string]bool{}
			if add {
				for _, c := range allCiphers {
					p.ciphers[c] = true
				}
			}
		case isCipher(item):
			if p.ciphers == nil {
				p.ciphers = map[string]bool{}
				for _, c := range allCiphers {
					p.ciphers[c] = true
				}
			}
			p.ciphers[item] = add
		case curveNames[item] != 0:
			if add {
				p.curves = append(p.curves, curveNames[item])
			}
		case knownOther(item):
		default:
			return nil, bad()
		}
	}
	if len(p.versions) == 0 {
		return nil, bad()
	}
	return p, nil
}

func (p *priority) setVersion(v uint16, on bool) {
	if v < tls.VersionTLS12 {
		return // Go's TLS no longer speaks 1.0 and 1.1 safely: they stay off
	}
	if on {
		p.versions[v] = true
	} else {
		delete(p.versions, v)
	}
}

func isCipher(item string) bool {
	for _, c := range allCiphers {
		if c == item {
			return true
		}
	}
	return strings.HasPrefix(item, "AES-") || strings.HasPrefix(item, "CAMELLIA-") ||
		item == "3DES-CBC" || item == "ARCFOUR-128" || item == "NULL"
}

// knownOther are the gnutls items Go decides itself.
func knownOther(item string) bool {
	for _, prefix := range []string{"MAC-", "SIGN-", "COMP-", "KX-", "GROUP-", "CURVE-", "CTYPE-", "ECDHE-", "DHE-", "RSA", "PSK", "SRP", "ANON-", "AEAD", "SHA", "MD5", "VERS-DTLS"} {
		if strings.HasPrefix(item, prefix) {
			return true
		}
	}
	return false
}

// apply sets cfg's versions, suites and curves.
func (p *priority) apply(cfg *tls.Config) error {
	lo, hi := uint16(0), uint16(0)
	for v := range p.versions {
		if lo == 0 || v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	if lo == 0 {
		return fmt.Errorf("no TLS version left")
	}
	cfg.MinVersion, cfg.MaxVersion = lo, hi
	if p.ciphers != nil {
		cfg.CipherSuites = nil
		for _, s := range suiteCiphers {
			if p.ciphers[s.cipher] {
				cfg.CipherSuites = append(cfg.CipherSuites, s.id)
			}
		}
		if len(cfg.CipherSuites) == 0 && lo < tls.VersionTLS13 {
			return fmt.Errorf("no cipher suite left")
		}
	}
	if len(p.curves) > 0 {
		cfg.CurvePreferences = p.curves
	}
	return nil
}
