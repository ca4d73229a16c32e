// Command virtqemud is libvirt's QEMU daemon, as virtqemud(8) describes it. Options,
// paths, signals and sockets live in daemons/daemon; this file says what it serves.
package main

import (
	"context"
	"os"

	"github.com/virtunit/virtunit/daemons/daemon"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/forward"
	"github.com/virtunit/virtunit/daemons/qemu"
	"github.com/virtunit/virtunit/dbusapi"
)

func main() {
	d := daemon.Daemon{
		Name:    "virtqemud",
		Schemes: []string{"qemu"},
		Drivers: []driver.Factory{
			qemu.New,
			// Network, interface, node-device and storage calls go to their own
			// daemons, as with libvirt's virtqemud.
			forward.Driver(forward.Network, forward.Interface, forward.NodeDevice, forward.Storage),
		},
		// The daemon of the QEMU connection owns org.libvirt on a modular host.
		Bus:         libvirtBus,
		Description: "libvirt QEMU management daemon",
	}
	os.Exit(d.Main(os.Args[1:]))
}

func libvirtBus(ctx context.Context, env *driver.Env, drivers []driver.Driver) (daemon.Bus, error) {
	return dbusapi.ForDrivers(ctx, env, drivers)
}
