// Command virtinterfaced is libvirt's host interface daemon, as virtinterfaced(8)
// describes it. Options, paths, signals and sockets live in daemons/daemon.
package main

import (
	"os"

	"github.com/virtunit/virtunit/daemons/daemon"
	"github.com/virtunit/virtunit/daemons/driver"
	"github.com/virtunit/virtunit/daemons/iface"
)

func main() {
	d := daemon.Daemon{
		Name:        "virtinterfaced",
		Schemes:     []string{"interface"},
		Drivers:     []driver.Factory{iface.New},
		Description: "libvirt host interface management daemon",
	}
	os.Exit(d.Main(os.Args[1:]))
}
