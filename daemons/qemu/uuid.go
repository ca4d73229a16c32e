package qemu

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
)

// formatUUID writes u the way libvirt prints UUIDs.
func formatUUID(u libvirt.UUID) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// parseUUID accepts what libvirt's virUUIDParse accepts: 32 hex digits, with dashes
// anywhere between pairs and surrounding blanks.
func parseUUID(s string) (libvirt.UUID, error) {
	var u libvirt.UUID
	s = strings.TrimSpace(s)
	n := 0
	for i := 0; i < len(s); {
		if s[i] == '-' {
			i++
			continue
		}
		if n == len(u) || i+1 >= len(s) {
			return u, fmt.Errorf("malformed uuid %q", s)
		}
		if _, err := hex.Decode(u[n:n+1], []byte(s[i:i+2])); err != nil {
			return u, fmt.Errorf("malformed uuid %q", s)
		}
		n++
		i += 2
	}
	if n != len(u) {
		return u, fmt.Errorf("malformed uuid %q", s)
	}
	return u, nil
}

// newUUID is a random (version 4) UUID for a definition that has none.
func newUUID() libvirt.UUID {
	var u libvirt.UUID
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}
