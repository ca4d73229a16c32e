package network

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
)

// parseUUID reads a UUID as virUUIDParse does: 32 hex digits, dashes anywhere between
// them, surrounding blanks ignored.
func parseUUID(s string) (libvirt.UUID, error) {
	var u libvirt.UUID
	h := strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	if len(h) != 32 {
		return u, fmt.Errorf("malformed UUID %q", s)
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, fmt.Errorf("malformed UUID %q: %w", s, err)
	}
	return u, nil
}

// formatUUID is the canonical lower-case 8-4-4-4-12 form.
func formatUUID(u libvirt.UUID) string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var u libvirt.UUID
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}
