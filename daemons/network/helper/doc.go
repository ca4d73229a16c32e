// Package helper is the program a network's units run: the daemon's own executable
// in another role (see Role and Invoked),
//
//	DAEMON network-helper up PLAN      bridge and firewall of a network (ExecStart)
//	DAEMON network-helper down PLAN    remove them again (ExecStop)
//	DAEMON add|old|del|init ...        dnsmasq's --dhcp-script
//
// A network is a oneshot unit with RemainAfterExit (systemctl shows it active while the
// network is up), so its setup must be a program, not a call inside the daemon: the unit
// manager runs it, and the daemon may be restarted or gone in between. The daemon writes
// the plan (PLAN, JSON: the bridge's configuration and the firewall spec) before starting
// the unit; "up" builds the bridge, installs the rules and saves their removal list next
// to the plan; "down" reads that list and removes exactly those rules and the bridge.
//
// As dnsmasq's --dhcp-script it maintains the lease file named by $VIRTUNIT_LEASE_FILE
// (package leases).
package helper
