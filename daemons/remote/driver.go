package remote

import (
	"context"

	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/rpc"
)

// Driver is what a driver (qemu, network, interface, nodedev) adds to the REMOTE
// program.
type Driver interface {
	// Procedures is the driver's dispatch table.
	Procedures() []rpc.Procedure
}

// Hypervisor is implemented by a driver that is the connection's hypervisor for some
// URI schemes: it reports the hypervisor version and adds guests to the capabilities.
type Hypervisor interface {
	// Schemes lists the URI schemes the driver is the hypervisor of ("qemu").
	Schemes() []string
	// HypervisorVersion is virConnectGetVersion: major*1000000 + minor*1000 + micro.
	HypervisorVersion(ctx context.Context) (uint64, error)
	// AddCapabilities adds the driver's <guest> sections and security models.
	AddCapabilities(ctx context.Context, caps *libvirtxml.Caps) error
}
