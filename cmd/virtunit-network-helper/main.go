// Command virtunit-network-helper sets a virtual network's bridge and firewall up and
// down as the ExecStart and ExecStop of its unit, and records DHCP leases as dnsmasq's
// --dhcp-script. See package helper.
package main

import (
	"os"

	"github.com/virtunit/virtunit/daemons/network/helper"
)

func main() {
	os.Exit(helper.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
