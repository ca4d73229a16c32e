// Package daemon is the life cycle every virtunit daemon shares, as libvirt's daemon
// man pages specify it: command-line options, root and session paths, the config file
// and its reload on SIGHUP, the unix sockets (created, or taken from systemd socket
// activation), the PID file, -d, --timeout, sd_notify, and an orderly shutdown on
// SIGTERM. A daemon's main names the daemon and its drivers and calls Main.
package daemon
