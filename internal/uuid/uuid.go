// Package uuid reads and writes UUIDs as libvirt does (src/util/viruuid.c): parsing
// accepts 32 hex digits with dashes anywhere between pairs and blanks around them;
// output is the lower-case 8-4-4-4-12 form; new ones are random (version 4).
package uuid

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
)

// ErrMalformed is what Parse returns for a string that is not a UUID.
var ErrMalformed = errors.New("malformed UUID")

// Parse reads s as virUUIDParse does.
func Parse(s string) (libvirt.UUID, error) {
	var u libvirt.UUID
	s = strings.TrimSpace(s)
	n := 0
	for i := 0; i < len(s); {
		if s[i] == '-' {
			i++
			continue
		}
		if n == len(u) || i+1 >= len(s) {
			return libvirt.UUID{}, ErrMalformed
		}
		b, err := hex.DecodeString(s[i : i+2])
		if err != nil {
			return libvirt.UUID{}, ErrMalformed
		}
		u[n] = b[0]
		n++
		i += 2
	}
	if n != len(u) {
		return libvirt.UUID{}, ErrMalformed
	}
	return u, nil
}

// Format writes u in the canonical form.
func Format(u libvirt.UUID) string {
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

// New returns a random version 4 UUID.
func New() libvirt.UUID {
	var u libvirt.UUID
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}
