// Command virtqemud is libvirt's QEMU daemon, as virtqemud(8) describes it. Options,
// paths, signals and sockets live in daemons/daemon; this file says what it serves.
package main

import (
	"os"

	"github.com/virtunit/virtunit/daemons/daemon"
	"github.com/virtunit/virtunit/daemons/qemu"
)

func main() {
	d := daemon.Daemon{
		Name:        "virtqemud",
		Schemes:     []string{"qemu"},
		Drivers:     []daemon.DriverFactory{qemu.New},
		Description: "libvirt QEMU management daemon",
	}
	os.Exit(d.Main(os.Args[1:]))
}
