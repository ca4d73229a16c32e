package network

import (
	"path/filepath"

	"github.com/virtunit/virtunit/daemons/driver"
)

// paths are where the driver keeps its files, libvirt's layout (networkStateInitialize).
type paths struct {
	config    string // persistent XML: /etc/libvirt/qemu/networks
	autostart string // autostart links: .../networks/autostart
	state     string // live status, plans, removal lists: /run/libvirt/network
	pid       string // dnsmasq's pid files: /run/libvirt/network
	dnsmasq   string // dnsmasq config, hosts and lease files: /var/lib/libvirt/dnsmasq
}

func pathsFor(p driver.Paths) paths {
	config := filepath.Join(p.ConfigDir, "qemu", "networks")
	out := paths{config: config, autostart: filepath.Join(config, "autostart")}
	if p.Privileged {
		out.state = filepath.Join(p.RunDir, "network")
		out.pid = out.state
		out.dnsmasq = filepath.Join(p.StateDir, "dnsmasq")
	} else {
		out.state = filepath.Join(p.RunDir, "network", "lib")
		out.pid = filepath.Join(p.RunDir, "network", "run")
		out.dnsmasq = filepath.Join(p.RunDir, "dnsmasq", "lib")
	}
	return out
}

func (p paths) configFile(name string) string { return filepath.Join(p.config, name+".xml") }
func (p paths) autostartLink(name string) string {
	return filepath.Join(p.autostart, name+".xml")
}
func (p paths) statusFile(name string) string  { return filepath.Join(p.state, name+".xml") }
func (p paths) planFile(name string) string    { return filepath.Join(p.state, name+".plan") }
func (p paths) removalFile(name string) string { return filepath.Join(p.state, name+".fw") }
func (p paths) portDir(name string) string     { return filepath.Join(p.state, name) }
func (p paths) firewallLock() string           { return filepath.Join(p.state, "firewall.lock") }

// pidFile is where a network's dnsmasq records its PID (virPidFileBuildPath): the
// config names it, so dnsmasq never writes its compiled-in default, which another
// dnsmasq on the host may own.
func (p paths) pidFile(name string) string { return filepath.Join(p.pid, name+".pid") }

// leaseFile is libvirt's custom lease file, named after the bridge.
func (p paths) leaseFile(bridge string) string {
	return filepath.Join(p.dnsmasq, bridge+".status")
}

// logFile receives the output of the network's units.
func (p paths) logFile(name string) string { return filepath.Join(p.state, name+".log") }
