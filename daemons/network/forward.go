package network

import (
	"fmt"
	"os"

	"libvirt.org/go/libvirtxml"
)

// The forward modes that hand guests a host device instead of a bridge: macvtap's
// modes (bridge without a <bridge name>, private, vepa, passthrough) and SR-IOV
// virtual functions by PCI address (hostdev).
const (
	modePrivate     = "private"
	modeVEPA        = "vepa"
	modePassthrough = "passthrough"
	modeHostdev     = "hostdev"
)

// macvtap reports whether guests of the network get a macvtap device on one of its
// forward interfaces: forward mode private, vepa or passthrough, or bridge without a
// bridge name (libvirt's "macvtap bridge mode").
func macvtap(n *netDef) bool {
	switch forwardMode(n) {
	case modePrivate, modeVEPA, modePassthrough:
		return true
	case modeBridge:
		return n.Bridge == nil || n.Bridge.Name == ""
	}
	return false
}

// external reports whether the network's devices exist outside virtunit and nothing is
// built for it: a host bridge, a macvtap pool, a hostdev pool.
func external(n *netDef) bool { return !virtual(n) }

// exclusive reports whether a port takes a pool device to itself, as libvirt requires
// for passthrough (a guest owns the whole device) and hostdev (a PCI function is
// assigned to one guest).
func exclusive(n *netDef) bool {
	m := forwardMode(n)
	return m == modePassthrough || m == modeHostdev
}

// pciAddr formats a <forward><address> as libvirt names PCI devices in messages.
func pciAddr(a *libvirtxml.NetworkForwardAddressPCI) string {
	v := func(p *uint) uint {
		if p == nil {
			return 0
		}
		return *p
	}
	return fmt.Sprintf("%04x:%02x:%02x.%x", v(a.Domain), v(a.Bus), v(a.Slot), v(a.Function))
}

// poolDevice is one device of a network's forward pool: a netdev name or a PCI address.
type poolDevice struct {
	dev string // netdev, for the macvtap modes
	pci string // PCI address (pciAddr), for hostdev
}

// pool lists the network's forward devices in definition order.
func pool(n *netDef) []poolDevice {
	f := n.Forward
	if f == nil {
		return nil
	}
	var out []poolDevice
	for _, i := range f.Interfaces {
		out = append(out, poolDevice{dev: i.Dev})
	}
	for _, a := range f.Addresses {
		if a.PCI != nil {
			out = append(out, poolDevice{pci: pciAddr(a.PCI)})
		}
	}
	return out
}

// portDevice is the pool device a port holds, if any.
func portDevice(p *libvirtxml.NetworkPort) (poolDevice, bool) {
	switch {
	case p.Plug == nil:
	case p.Plug.Direct != nil:
		return poolDevice{dev: p.Plug.Direct.Dev}, true
	case p.Plug.HostDevPCI != nil && p.Plug.HostDevPCI.Address != nil:
		a := p.Plug.HostDevPCI.Address
		return poolDevice{pci: pciAddr(&libvirtxml.NetworkForwardAddressPCI{Domain: a.Domain, Bus: a.Bus, Slot: a.Slot, Function: a.Function})}, true
	}
	return poolDevice{}, false
}

// connections counts the ports of a network per pool device, as libvirt's
// forward.ifs[].connections, which it recounts from the saved ports after a restart.
func connections(ports map[string]*libvirtxml.NetworkPort) map[poolDevice]int {
	out := map[poolDevice]int{}
	for _, p := range ports {
		if dev, ok := portDevice(p); ok {
			out[dev]++
		}
	}
	return out
}

// choosePoolDevice is networkAllocatePort's choice of device: for an exclusive mode the
// first device nobody uses, else the least used, the first of equals.
func choosePoolDevice(n *netDef, used map[poolDevice]int) (poolDevice, error) {
	devs := pool(n)
	if len(devs) == 0 {
		return poolDevice{}, internalErr("network '%s' uses a direct mode, but has no forward dev and no interface pool", n.Name)
	}
	if exclusive(n) {
		for _, d := range devs {
			if used[d] == 0 {
				return d, nil
			}
		}
		return poolDevice{}, internalErr("network '%s' requires exclusive access to interfaces, but none are available", n.Name)
	}
	best := devs[0]
	for _, d := range devs[1:] {
		if used[d] < used[best] {
			best = d
		}
	}
	return best, nil
}

// pciSysfs is the sysfs directory of a PCI device, as libvirt names it in messages.
func pciSysfs(addr string) string { return "/sys/bus/pci/devices/" + addr }

// isVirtualFunction reports whether the PCI device is an SR-IOV virtual function
// (libvirt's virPCIIsVirtualFunction): its sysfs directory links to its physical
// function.
func isVirtualFunction(addr string) bool {
	_, err := os.Lstat(pciSysfs(addr) + "/physfn")
	return err == nil
}
