// Command virtnetworkd is libvirt's virtual network daemon, as virtnetworkd(8)
// describes it. Options, paths, signals and sockets live in daemons/daemon.
package main

import (
	"os"

	"github.com/virtunit/virtunit/daemons/daemon"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/network"
	"github.com/virtunit/virtunit/daemons/network/helper"
)

func main() {
	d := daemon.Daemon{
		Name:        "virtnetworkd",
		Schemes:     []string{"network"},
		Drivers:     []driver.Factory{network.New},
		Description: "libvirt virtual network management daemon",
	}
	// A network's units run this executable as the network helper.
	d.Roles = []daemon.Role{{Match: helper.Invoked, Main: helper.Main}}
	os.Exit(d.Main(os.Args[1:]))
}
