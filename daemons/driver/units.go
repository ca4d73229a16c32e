package driver

import (
	"context"

	libvirt "github.com/digitalocean/go-libvirt"
)

// Unit names what a running object runs as on the host.
type Unit struct {
	// Name is the unit ("machine-qemu\x2d1\x2dvm1.scope").
	Name string
	// Machine is the name it is registered under with systemd-machined ("qemu-1-vm1"),
	// or "" when the driver does not register it (session mode).
	Machine string
}

// DomainUnits is a hypervisor driver that can say which unit a running domain is,
// for front ends that link a guest to its unit (the D-Bus API's org.virtunit.Domain).
// libvirt has no such call, so neither has the REMOTE program.
type DomainUnits interface {
	// DomainUnit reports the unit of a running domain; an inactive one is
	// VIR_ERR_OPERATION_INVALID.
	DomainUnit(ctx context.Context, dom libvirt.Domain) (Unit, error)
}
