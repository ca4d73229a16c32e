// Command virtqemud is libvirt's QEMU daemon, as virtqemud(8) describes it. Options,
// paths, signals and sockets live in daemons/daemon; this file says what it serves.
package main

import (
	"os"

	"github.com/virtunit/virtunit/daemons/daemon"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/forward"
	"github.com/virtunit/virtunit/daemons/qemu"
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
		Description: "libvirt QEMU management daemon",
	}
	os.Exit(d.Main(os.Args[1:]))
}
