// Package systemde2e holds the end-to-end test of the network driver under a real
// systemd manager: the units are transient systemd units, as on a host that systemd
// runs. It has no code of its own.
package systemde2e
