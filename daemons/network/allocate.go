package network

import (
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// portGroup is virPortGroupFindByName: the named portgroup, or with no name the
// network's default one; nil when there is none (an unknown name is not an error).
func portGroup(def *netDef, name string) *libvirtxml.NetworkPortGroup {
	for i := range def.PortGroups {
		pg := &def.PortGroups[i]
		if (name != "" && pg.Name == name) || (name == "" && strings.EqualFold(pg.Default, "yes")) {
			return pg
		}
	}
	return nil
}

// allocatePort is networkAllocatePort: a new port p of the active network n gets what
// its portgroup (or the network) gives it, a plug for its forward mode (for the
// macvtap and hostdev modes a device of the pool, chosen as libvirt chooses) and its
// floor. Called with n.op held; nothing is changed on failure.
func (d *Driver) allocatePort(n *network, p *libvirtxml.NetworkPort) error {
	def := n.def
	pg := portGroup(def, p.Group)
	if p.Bandwidth == nil && pg != nil {
		if bw := def.portGroupBandwidth(pg.Name); bw != nil {
			c := *bw
			p.Bandwidth = &c
		}
	}
	if p.VLAN == nil || len(p.VLAN.Tags) == 0 {
		vlan := def.VLAN
		if pg != nil && pg.VLAN != nil && len(pg.VLAN.Tags) > 0 {
			vlan = pg.VLAN
		}
		if vlan != nil && len(vlan.Tags) > 0 {
			return unsupported("network '%s' would give the port a VLAN tag, which needs an SR-IOV virtual function or Open vSwitch; virtunit supports neither", def.Name)
		}
	}
	if p.RXFilters == nil {
		trust := def.TrustGuestRxFilters
		if pg != nil && pg.TrustGuestRxFilters != "" {
			trust = pg.TrustGuestRxFilters
		}
		if trust != "" {
			p.RXFilters = &libvirtxml.NetworkPortRXFilters{TrustGuest: trust}
		}
	}
	switch {
	case virtual(def):
		p.Plug = plugFor(def)
	case forwardMode(def) == modeBridge && !macvtap(def):
		p.Plug = plugFor(def)
	default:
		dev, err := choosePoolDevice(def, connections(n.ports))
		if err != nil {
			return err
		}
		p.Plug = plugOn(def, dev)
	}
	if err := d.plugFloor(n, p); err != nil {
		p.Plug = nil
		return err
	}
	return nil
}

// plugOn is the plug of a port holding pool device dev: a macvtap on it in the
// network's mode, or the PCI function for hostdev.
func plugOn(def *netDef, dev poolDevice) *libvirtxml.NetworkPortPlug {
	if dev.pci == "" {
		return &libvirtxml.NetworkPortPlug{Direct: &libvirtxml.NetworkPortPlugDirect{Dev: dev.dev, Mode: forwardMode(def)}}
	}
	var dom, bus, slot, fn uint
	for _, a := range def.Forward.Addresses {
		if a.PCI != nil && pciAddr(a.PCI) == dev.pci {
			dom, bus, slot, fn = deref(a.PCI.Domain), deref(a.PCI.Bus), deref(a.PCI.Slot), deref(a.PCI.Function)
		}
	}
	h := &libvirtxml.NetworkPortPlugHostDevPCI{Managed: def.Forward.Managed,
		Address: &libvirtxml.NetworkPortPlugHostDevPCIAddress{Domain: &dom, Bus: &bus, Slot: &slot, Function: &fn}}
	if def.Forward.Driver != nil && def.Forward.Driver.Name != "" {
		h.Driver = &libvirtxml.NetworkPortPlugHostDevPCIDriver{Name: def.Forward.Driver.Name}
	}
	return &libvirtxml.NetworkPortPlug{HostDevPCI: h}
}

func deref(p *uint) uint {
	if p == nil {
		return 0
	}
	return *p
}

// notifyPort is networkNotifyPort: a port reclaimed after a restart (of the network or
// of the guest's daemon) must name a device of the pool, and one an exclusive mode has
// not given to another port.
func (d *Driver) notifyPort(n *network, p *libvirtxml.NetworkPort) error {
	def := n.def
	switch {
	case p.Plug.Network != nil || p.Plug.Bridge != nil:
		if bridgeOf(def) == "" {
			return internalErr("Unexpectedly got a network port without a network bridge")
		}
	case p.Plug.Direct != nil || p.Plug.HostDevPCI != nil:
		dev, _ := portDevice(p)
		found := false
		for _, x := range pool(def) {
			found = found || x == dev
		}
		name := dev.dev
		if dev.pci != "" {
			name = dev.pci
		}
		if !found {
			return internalErr("network '%s' doesn't have dev='%s' in use by network port '%s'", def.Name, name, p.UUID)
		}
		if exclusive(def) && connections(n.ports)[dev] > 0 {
			return internalErr("network '%s' claims dev='%s' is already in use by a different port", def.Name, name)
		}
	default:
		return internalErr("Unexpectedly got a network port without a plug")
	}
	return nil
}

// checkPlugType refuses a reclaimed port whose plug cannot be the network's.
func checkPlugType(def *netDef, p *libvirtxml.NetworkPortPlug) error {
	ok := false
	switch {
	case virtual(def):
		ok = p.Network != nil
	case forwardMode(def) == modeHostdev:
		ok = p.HostDevPCI != nil
	case macvtap(def):
		ok = p.Direct != nil
	default:
		ok = p.Bridge != nil
	}
	if !ok {
		return virerror.New(libvirt.ErrInternalError, virerror.FromNetwork, "network '%s' cannot reclaim a port with that plug type", def.Name)
	}
	return nil
}
