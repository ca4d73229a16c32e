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

// Role is the first argument that makes a daemon's executable the helper: a network's
// unit runs "DAEMON network-helper up PLAN". The daemon's own executable serves, so a
// daemon needs no other program installed, not even when built with a lone go build.
const Role = "network-helper"

// dnsmasqActions are the first arguments dnsmasq gives its --dhcp-script.
var dnsmasqActions = map[string]bool{"init": true, "add": true, "old": true, "del": true,
	"tftp": true, "arp-add": true, "arp-del": true, "relay-snoop": true}

// Invoked says whether a daemon's executable was started as the helper, and returns
// the helper's arguments. dnsmasq runs its --dhcp-script (the daemon's executable)
// with arguments of its own, so that role is told by its action and the lease file in
// the environment, which only dnsmasq's unit sets.
func Invoked(args []string, getenv func(string) string) ([]string, bool) {
	switch {
	case len(args) > 0 && args[0] == Role:
		return args[1:], true
	case len(args) > 0 && dnsmasqActions[args[0]] && getenv(LeaseFileEnv) != "":
		return args, true
	}
	return nil, false
}

// Main runs the helper with its arguments and returns the exit status.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: "+Role+" up|down PLAN, or as dnsmasq's --dhcp-script")
		return 2
	}
	var err error
	switch args[0] {
	case "up", "down":
		if len(args) != 2 {
			fmt.Fprintf(stderr, "usage: %s %s PLAN\n", Role, args[0])
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
		fmt.Fprintf(stderr, "%s %s: %v\n", Role, args[0], err)
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
