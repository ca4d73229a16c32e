// Command libvirtd is libvirt's monolithic daemon, as libvirtd(8) describes it: every
// driver in one process, on the legacy libvirt-sock sockets.
package main

import (
	"context"
	"os"

	"github.com/virtunit/virtunit/daemons/daemon"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/iface"
	"github.com/virtunit/virtunit/daemons/network"
	"github.com/virtunit/virtunit/daemons/network/helper"
	"github.com/virtunit/virtunit/daemons/nodedev"
	"github.com/virtunit/virtunit/daemons/qemu"
	"github.com/virtunit/virtunit/daemons/storage"
	"github.com/virtunit/virtunit/dbusapi"
)

func main() {
	d := daemon.Daemon{
		Name:         "libvirtd",
		SocketPrefix: "libvirt",
		Schemes:      []string{"qemu", "network", "interface", "nodedev", "storage"},
		IP:           daemon.IPWithListen,
		// In libvirt's order: networks and storage come up before the guests that use
		// them.
		Drivers: []driver.Factory{network.New, iface.New, nodedev.New, storage.New, qemu.New},
		// On a monolithic host libvirtd serves the QEMU connection, and org.libvirt.
		Bus:         libvirtBus,
		Description: "libvirt management daemon",
	}
	// A network's units run this executable as the network helper.
	d.Roles = []daemon.Role{{Match: helper.Invoked, Main: helper.Main}}
	os.Exit(d.Main(os.Args[1:]))
}

func libvirtBus(ctx context.Context, env *driver.Env, drivers []driver.Driver) (daemon.Bus, error) {
	return dbusapi.ForDrivers(ctx, env, drivers)
}
