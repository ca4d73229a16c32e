package dbusapi

import (
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/godbus/dbus/v5"
)

// Object paths say which object they are, as libvirt-dbus encodes them
// (src/util.c): a UUID as "_" and its hex groups joined by "_"; any other name with
// every byte outside [A-Za-z0-9] written "_xx" in lower-case hex.

// uuidElement is the path element of an object identified by UUID.
func uuidElement(u libvirt.UUID) string {
	return "_" + strings.ReplaceAll(formatUUID(u), "-", "_")
}

// uuidFromElement is the UUID string a path element stands for: libvirt-dbus drops
// the first character and turns "_" back into "-", leaving the check to libvirt's
// lookup.
func uuidFromElement(e string) string {
	if e == "" {
		return ""
	}
	return strings.ReplaceAll(e[1:], "_", "-")
}

// nameElement encodes a name (a MAC address, a node device name) as a path element.
func nameElement(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
	}
	return b.String()
}

// nameFromElement decodes a path element as libvirt-dbus does: "_" and the next two
// characters as hex digits, whatever they are; a "_" among the last two characters
// stays.
func nameFromElement(e string) string {
	var b strings.Builder
	for i := 0; i < len(e); i++ {
		if e[i] != '_' || i+2 >= len(e) {
			b.WriteByte(e[i])
			continue
		}
		b.WriteByte(hexValue(e[i+1])<<4 + hexValue(e[i+2]))
		i += 2
	}
	return b.String()
}

// hexValue is libvirt-dbus's lenient hex digit: lower-case letters from 'a', anything
// else as if a decimal digit.
func hexValue(c byte) byte {
	if c >= 'a' {
		return 10 + c - 'a'
	}
	return c - '0'
}

// formatUUID is the canonical text of a UUID.
func formatUUID(u libvirt.UUID) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hex[c>>4], hex[c&0xf])
	}
	return string(b)
}

// parseUUID reads a UUID as libvirt's virUUIDParse does: 32 hex digits in pairs, with
// any number of '-' or ' ' between the pairs and white space around them.
func parseUUID(s string) (libvirt.UUID, bool) {
	var u libvirt.UUID
	s = strings.TrimSpace(s)
	i := 0
	for n := 0; n < len(u); {
		if i >= len(s) {
			return u, false
		}
		if s[i] == '-' || s[i] == ' ' {
			i++
			continue
		}
		if i+1 >= len(s) {
			return u, false
		}
		hi, ok1 := hexDigit(s[i])
		lo, ok2 := hexDigit(s[i+1])
		if !ok1 || !ok2 {
			return u, false
		}
		u[n] = hi<<4 | lo
		n++
		i += 2
	}
	return u, i == len(s)
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// child is the path of an object in one of the connection's subtrees.
func (s *Server) child(node, element string) dbus.ObjectPath {
	return dbus.ObjectPath(string(s.path) + "/" + node + "/" + element)
}
