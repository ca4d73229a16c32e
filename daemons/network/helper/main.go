package helper

import (
	"fmt"
	"io"
	"time"

	"github.com/virtunit/virtunit/daemons/network/leases"
)

// LeaseFileEnv names the lease file for the dhcp-script role; the daemon sets it in
// dnsmasq's environment, which dnsmasq passes on to its script.
const LeaseFileEnv = "VIRTUNIT_LEASE_FILE"

// Main runs the helper with the command-line arguments after the program name and
// returns the exit status.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: virtunit-network-helper up|down PLAN, or as dnsmasq's --dhcp-script")
		return 2
	}
	var err error
	switch args[0] {
	case "up", "down":
		if len(args) != 2 {
			fmt.Fprintf(stderr, "usage: virtunit-network-helper %s PLAN\n", args[0])
			return 2
		}
		var p *Plan
		if p, err = ReadPlan(args[1]); err == nil {
			if args[0] == "up" {
				err = Up(p, stdout)
			} else {
				err = Down(p, stdout)
			}
		}
	default:
		err = dhcpScript(args, getenv, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "virtunit-network-helper %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// dhcpScript handles dnsmasq's calls: "init", and "ACTION MAC|DUID IP [HOSTNAME]".
func dhcpScript(args []string, getenv func(string) string, stdout io.Writer) error {
	path := getenv(LeaseFileEnv)
	if path == "" {
		return fmt.Errorf("$%s is not set", LeaseFileEnv)
	}
	now := time.Now()
	if args[0] == "init" {
		return leases.Init(path, stdout, now)
	}
	if len(args) < 3 {
		return nil // tftp, arp and other events carry nothing for the lease file
	}
	e := leases.Event{Action: args[0], ID: args[1], IP: args[2], Env: getenv}
	if len(args) > 3 {
		e.Hostname = args[3]
	}
	return leases.Update(path, e, now)
}
