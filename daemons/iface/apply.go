package iface

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/vishvananda/netlink"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// involved lists the links starting def changes: the interface and its bridge ports
// or bond slaves, recursively, and with parents a VLAN's parent, which is only brought
// up (and so does not concern the default-route guard).
func involved(def *libvirtxml.Interface, parents bool) []string {
	names := []string{def.Name}
	var members []libvirtxml.Interface
	switch {
	case def.Bridge != nil:
		members = def.Bridge.Interfaces
	case def.Bond != nil:
		members = def.Bond.Interfaces
	case def.VLAN != nil && def.VLAN.Interface != nil && parents:
		names = append(names, def.VLAN.Interface.Name)
	}
	for i := range members {
		names = append(names, involved(&members[i], parents)...)
	}
	return names
}

// checkStartable refuses, before anything changes, what this driver cannot apply:
// addresses from DHCP need a DHCP client, which libvirt's netcf backend delegated to
// the distribution's ifup scripts.
func checkStartable(def *libvirtxml.Interface) error {
	for _, p := range def.Protocol {
		if p.DHCP != nil {
			return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromInterface,
				"interface '%s': DHCP addressing (%s) is not supported; define static addresses", def.Name, p.Family)
		}
	}
	return nil
}

// start applies a definition: creates the links it describes that do not exist,
// enslaves ports and slaves, sets MTU, bridge STP and forward delay, and the
// addresses, brings the interface up and adds its default gateway. Links created here
// are removed again if a later step fails.
func (d *Driver) start(def *libvirtxml.Interface) (err error) {
	if err := checkStartable(def); err != nil {
		return err
	}
	var created []netlink.Link
	defer func() {
		if err != nil {
			for i := len(created) - 1; i >= 0; i-- {
				d.nl.LinkDel(created[i])
			}
		}
		for _, n := range involved(def, true) {
			d.links.refreshName(n)
		}
	}()
	joining, err := d.joining(def)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// The ports get back what they carried; it stays theirs when the
			// deferred call above deletes the bridge.
			for _, j := range joining {
				d.putAddrs(j.port, j.l3, func(bool) bool { return true })
				d.putRoutes(j.port, j.l3)
			}
		}
	}()
	l, err := d.ensure(def, true, &created)
	if err != nil {
		return err
	}
	var families []string
	for _, p := range def.Protocol {
		families = append(families, p.Family)
	}
	for _, j := range joining {
		if err := d.strip(j.port, j.l3); err != nil {
			return err
		}
		if err := d.putAddrs(l, j.l3, familiesOf(families)); err != nil {
			return err
		}
	}
	if err := d.applyAddresses(l, def); err != nil {
		return err
	}
	if err := d.nl.LinkSetUp(l); err != nil {
		return linkError(err, "cannot bring up interface '%s'", def.Name)
	}
	for _, j := range joining {
		if err := d.putRoutes(l, j.l3); err != nil {
			return err
		}
	}
	if l3, ok := d.released[def.Name]; ok {
		// What the bridge it was the port of carried (see stop).
		delete(d.released, def.Name)
		if err := d.putAddrs(l, l3, familiesOf(families)); err != nil {
			return err
		}
		if err := d.putRoutes(l, l3); err != nil {
			return err
		}
	}
	for _, p := range def.Protocol {
		for _, r := range p.Route {
			route := &netlink.Route{LinkIndex: l.Attrs().Index, Gw: net.ParseIP(r.Gateway)}
			if err := d.nl.RouteReplace(route); err != nil {
				return linkError(err, "cannot add default route via %s to interface '%s'", r.Gateway, def.Name)
			}
		}
	}
	return nil
}

// joiner is a link about to become a port of a bridge, with what it carries.
type joiner struct {
	port netlink.Link
	l3   layer3
}

// joining lists the existing links a bridge definition makes its ports that are not
// its ports yet and carry addresses or routes, which move to the bridge.
func (d *Driver) joining(def *libvirtxml.Interface) ([]joiner, error) {
	if def.Bridge == nil {
		return nil, nil
	}
	brIdx := -1
	if br, err := d.nl.LinkByName(def.Name); err == nil {
		brIdx = br.Attrs().Index
	}
	var out []joiner
	for _, m := range def.Bridge.Interfaces {
		l, err := d.nl.LinkByName(m.Name)
		if err != nil || l.Attrs().MasterIndex == brIdx {
			continue
		}
		l3, err := d.carried(l)
		if err != nil {
			return nil, err
		}
		if !l3.empty() {
			out = append(out, joiner{port: l, l3: l3})
		}
	}
	return out, nil
}

// ensure finds or creates the link of def and configures what its type needs: a
// bridge's ports, a bond's slaves, a VLAN's parent.
func (d *Driver) ensure(def *libvirtxml.Interface, top bool, created *[]netlink.Link) (netlink.Link, error) {
	l, err := d.findOrCreate(def, top, created)
	if err != nil {
		return nil, err
	}
	switch interfaceType(def) {
	case typeBridge:
		if err = d.bridgeSettings(def.Name, def.Bridge); err == nil {
			err = d.enslave(l, def.Bridge.Interfaces, created)
		}
	case typeBond:
		err = d.enslave(l, def.Bond.Interfaces, created)
	case typeVLAN:
		var parent netlink.Link
		if parent, err = d.nl.LinkByName(def.VLAN.Interface.Name); err == nil {
			err = d.nl.LinkSetUp(parent)
		}
		if err != nil {
			err = linkError(err, "cannot bring up '%s', the parent of vlan interface '%s'", def.VLAN.Interface.Name, def.Name)
		}
	}
	if err != nil {
		return nil, err
	}
	// Last, since a bridge takes the smallest MTU of its ports as they join.
	if top && def.MTU != nil {
		if err := d.nl.LinkSetMTU(l, int(def.MTU.Size)); err != nil {
			return nil, linkError(err, "cannot set MTU %d on interface '%s'", def.MTU.Size, def.Name)
		}
	}
	// A MAC address in the definition is the link's, as netcf's MACADDR made it; the
	// D-Bus API names host interfaces by it.
	if def.MAC != nil && def.MAC.Address != "" {
		mac, err := net.ParseMAC(def.MAC.Address)
		if err == nil {
			err = d.nl.LinkSetHardwareAddr(l, mac)
		}
		if err != nil {
			return nil, linkError(err, "cannot set MAC address %s on interface '%s'", def.MAC.Address, def.Name)
		}
	}
	return l, nil
}

// findOrCreate returns the link of def, creating it when it does not exist and its
// type can be created. An existing link of another type is an error.
func (d *Driver) findOrCreate(def *libvirtxml.Interface, top bool, created *[]netlink.Link) (netlink.Link, error) {
	l, err := d.nl.LinkByName(def.Name)
	var nf netlink.LinkNotFoundError
	switch {
	case errors.As(err, &nf):
		req, err := linkRequest(def, top, d.parentIndex)
		if err != nil {
			return nil, err
		}
		if err := d.nl.LinkAdd(req); err != nil {
			return nil, createError(req, err)
		}
		if l, err = d.nl.LinkByName(def.Name); err != nil {
			d.nl.LinkDel(req)
			return nil, linkError(err, "cannot read new interface '%s'", def.Name)
		}
		*created = append(*created, l)
		return l, nil
	case err != nil:
		return nil, linkError(err, "cannot read interface '%s'", def.Name)
	case kindOf(l) != interfaceType(def):
		return nil, virerror.New(libvirt.ErrOperationFailed, virerror.FromInterface,
			"interface '%s' exists and is a %s, not a %s", def.Name, l.Type(), interfaceType(def))
	}
	return l, nil
}

// enslave makes each member a port of master (a bridge) or a slave (a bond), and
// brings it up. A bond takes only slaves that are down.
func (d *Driver) enslave(master netlink.Link, members []libvirtxml.Interface, created *[]netlink.Link) error {
	for i := range members {
		m, err := d.ensure(&members[i], false, created)
		if err != nil {
			return err
		}
		if m.Attrs().MasterIndex != master.Attrs().Index {
			if master.Type() == "bond" {
				if err := d.nl.LinkSetDown(m); err != nil {
					return linkError(err, "cannot take down '%s' to enslave it", m.Attrs().Name)
				}
			}
			if err := d.nl.LinkSetMaster(m, master); err != nil {
				return linkError(err, "cannot add '%s' to '%s'", m.Attrs().Name, master.Attrs().Name)
			}
		}
		if err := d.nl.LinkSetUp(m); err != nil {
			return linkError(err, "cannot bring up '%s'", m.Attrs().Name)
		}
	}
	return nil
}

// parentIndex is the index of an existing link, for a VLAN's parent.
func (d *Driver) parentIndex(name string) (int, error) {
	l, err := d.nl.LinkByName(name)
	if err != nil {
		return 0, virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromInterface, "parent interface '%s' of the vlan does not exist", name)
	}
	return l.Attrs().Index, nil
}

// bridgeSettings writes STP and forward delay to sysfs, where the kernel takes them
// (netlink's bridge attributes do not carry them in this library).
func (d *Driver) bridgeSettings(name string, b *libvirtxml.InterfaceBridge) error {
	if b.STP != "" {
		v := "0"
		if b.STP == "on" {
			v = "1"
		}
		if err := d.writeSys(name, "bridge/stp_state", v); err != nil {
			return err
		}
	}
	if b.Delay != nil {
		return d.writeSys(name, "bridge/forward_delay", strconv.Itoa(int(*b.Delay*100)))
	}
	return nil
}

func (d *Driver) writeSys(name, attr, value string) error {
	p := filepath.Join(d.sysNet, name, attr)
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(value)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return linkError(err, "cannot set %s of interface '%s'", attr, name)
	}
	return nil
}

// applyAddresses makes the addresses of each family the definition configures exactly
// those it lists (IPv6 link-local addresses, which the kernel manages, stay), and
// turns on IPv6 autoconfiguration where asked. Families without a <protocol> are left
// as they are.
func (d *Driver) applyAddresses(l netlink.Link, def *libvirtxml.Interface) error {
	for _, p := range def.Protocol {
		family := netlink.FAMILY_V4
		if p.Family == "ipv6" {
			family = netlink.FAMILY_V6
		}
		want := map[string]bool{}
		for _, ip := range p.IPs {
			prefix := ip.Prefix
			if prefix == 0 {
				prefix = map[int]uint{netlink.FAMILY_V4: 32, netlink.FAMILY_V6: 128}[family]
			}
			cidr := fmt.Sprintf("%s/%d", ip.Address, prefix)
			a, err := netlink.ParseAddr(cidr)
			if err != nil {
				return xmlError("invalid address %s", cidr)
			}
			want[a.IPNet.String()] = true
			if err := d.nl.AddrReplace(l, a); err != nil {
				return linkError(err, "cannot add address %s to interface '%s'", cidr, def.Name)
			}
		}
		have, err := d.nl.AddrList(l, family)
		if err != nil {
			return linkError(err, "cannot list addresses of interface '%s'", def.Name)
		}
		for _, a := range have {
			if want[a.IPNet.String()] || a.IP.IsLinkLocalUnicast() && a.IP.To4() == nil {
				continue
			}
			if err := d.nl.AddrDel(l, &a); err != nil {
				return linkError(err, "cannot remove address %s from interface '%s'", a.IPNet, def.Name)
			}
		}
		if p.AutoConf != nil {
			if err := os.WriteFile(filepath.Join("/proc/sys/net/ipv6/conf", def.Name, "autoconf"), []byte("1"), 0o644); err != nil {
				return linkError(err, "cannot enable IPv6 autoconfiguration on interface '%s'", def.Name)
			}
		}
	}
	return nil
}

// stop takes an interface down, as ifdown: a bridge, bond or VLAN the definitions
// describe is deleted (its ports and slaves are released); anything else is set down,
// since it is hardware or belongs to whoever created it.
func (d *Driver) stop(name string) error {
	l, err := d.nl.LinkByName(name)
	if err != nil {
		return linkError(err, "cannot read interface '%s'", name)
	}
	defer d.links.refreshName(name)
	if _, defined := d.defs.get(name); defined && kindOf(l) != typeEthernet {
		// A bridge's single port goes down with it (as ifdown of a bridge takes its
		// ports down) and takes what the bridge carried when it is started again:
		// virsh iface-unbridge destroys the bridge, then starts the port.
		var port netlink.Link
		var l3 layer3
		if ports := d.links.members(l.Attrs().Index); kindOf(l) == typeBridge && len(ports) == 1 {
			port = ports[0]
			if l3, err = d.carried(l); err != nil {
				return err
			}
		}
		if err := d.nl.LinkDel(l); err != nil {
			return linkError(err, "cannot delete interface '%s'", name)
		}
		if port != nil {
			defer d.links.refreshName(port.Attrs().Name)
			if err := d.nl.LinkSetDown(port); err != nil {
				return linkError(err, "cannot take down '%s', the port of bridge '%s'", port.Attrs().Name, name)
			}
			if !l3.empty() {
				d.released[port.Attrs().Name] = l3
			}
		}
		return nil
	}
	if err := d.nl.LinkSetDown(l); err != nil {
		return linkError(err, "cannot take down interface '%s'", name)
	}
	return nil
}
