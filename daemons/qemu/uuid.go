package qemu

import (
	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/internal/uuid"
)

// The driver's UUIDs are libvirt's (internal/uuid); these short names keep its call
// sites readable.
func formatUUID(u libvirt.UUID) string { return uuid.Format(u) }

func parseUUID(s string) (libvirt.UUID, error) { return uuid.Parse(s) }

func newUUID() libvirt.UUID { return uuid.New() }
