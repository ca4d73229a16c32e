// Command virtstoraged is libvirt's storage daemon, as virtstoraged(8) describes it:
// storage pools and volumes for guests' disks. Options, paths, signals and sockets
// live in daemons/daemon.
package main

import (
	"os"

	"github.com/virtunit/virtunit/daemons/daemon"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/storage"
)

func main() {
	d := daemon.Daemon{
		Name:        "virtstoraged",
		Schemes:     []string{"storage"},
		Drivers:     []driver.Factory{storage.New},
		Description: "libvirt storage management daemon",
	}
	os.Exit(d.Main(os.Args[1:]))
}
