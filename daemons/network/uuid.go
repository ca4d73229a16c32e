package network

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/internal/uuid"
)

// The driver's UUIDs are libvirt's (internal/uuid); these short names keep its call
// sites readable.
func parseUUID(s string) (libvirt.UUID, error) { return uuid.Parse(s) }

func formatUUID(u libvirt.UUID) string { return uuid.Format(u) }

// newUUID is a new UUID in its written form, as definitions carry it.
func newUUID() string { return uuid.Format(uuid.New()) }
