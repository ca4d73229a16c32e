// Command virtnodedevd is libvirt's host device daemon, as virtnodedevd(8) describes
// it. Options, paths, signals and sockets live in daemons/daemon.
package main

import (
	"os"

	"github.com/virtunit/virtunit/daemons/daemon"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/nodedev"
)

func main() {
	d := daemon.Daemon{
		Name:        "virtnodedevd",
		Schemes:     []string{"nodedev"},
		Drivers:     []driver.Factory{nodedev.New},
		Description: "libvirt host device management daemon",
	}
	os.Exit(d.Main(os.Args[1:]))
}
