package iface

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"libvirt.org/go/libvirtxml"
)

// describe is the live XML of a link as libvirt's udevGetIfaceDef reports it (type,
// MTU, link state and speed, MAC of ethernet interfaces, a bridge's STP, delay and
// members, a bond's mode, monitoring and slaves, a VLAN's tag and parent), plus what
// the udev backend leaves out and its netcf backend reported: the addresses, and the
// default gateway when the route goes through this link.
func (d *Driver) describe(l netlink.Link) (*libvirtxml.Interface, error) {
	def := d.describeLink(l, true)
	addrs, err := d.nl.AddrList(l, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("addresses of %s: %w", l.Attrs().Name, err)
	}
	routes, err := d.defaultRoutes()
	if err != nil {
		return nil, err
	}
	v4 := libvirtxml.InterfaceProtocol{Family: "ipv4"}
	v6 := libvirtxml.InterfaceProtocol{Family: "ipv6"}
	for _, a := range addrs {
		ones, _ := a.Mask.Size()
		ip := libvirtxml.InterfaceIP{Address: a.IP.String(), Prefix: uint(ones)}
		if a.IP.To4() != nil {
			v4.IPs = append(v4.IPs, ip)
		} else {
			v6.IPs = append(v6.IPs, ip)
		}
	}
	for _, r := range routes {
		if r.LinkIndex != l.Attrs().Index || r.Gw == nil {
			continue
		}
		if r.Gw.To4() != nil {
			v4.Route = append(v4.Route, libvirtxml.InterfaceRoute{Gateway: r.Gw.String()})
		} else {
			v6.Route = append(v6.Route, libvirtxml.InterfaceRoute{Gateway: r.Gw.String()})
		}
	}
	for _, p := range []libvirtxml.InterfaceProtocol{v4, v6} {
		if len(p.IPs) > 0 || len(p.Route) > 0 {
			def.Protocol = append(def.Protocol, p)
		}
	}
	return def, nil
}

// describeLink describes one link; top is false for bridge ports and bond slaves,
// which carry neither MTU nor addresses (they inherit the top-level interface's).
func (d *Driver) describeLink(l netlink.Link, top bool) *libvirtxml.Interface {
	a := l.Attrs()
	def := &libvirtxml.Interface{Name: a.Name}
	if top && a.MTU > 0 {
		def.MTU = &libvirtxml.InterfaceMTU{Size: uint(a.MTU)}
	}
	switch k := l.(type) {
	case *netlink.Bridge:
		def.Bridge = d.describeBridge(a)
		return def // libvirt shows no link state for a bridge
	case *netlink.Bond:
		def.Bond = d.describeBond(k)
	case *netlink.Vlan:
		tag := uint(k.VlanId)
		def.VLAN = &libvirtxml.InterfaceVLAN{Tag: &tag, Interface: &libvirtxml.Interface{Name: d.links.nameOf(a.ParentIndex)}}
	default:
		if mac := macOf(l); mac != "" {
			def.MAC = &libvirtxml.InterfaceMAC{Address: mac}
		}
	}
	def.Link = d.linkState(a)
	return def
}

// linkState is virNetDevGetLinkInfo: the operational state, and the speed of a link
// that is up and whose driver knows it.
func (d *Driver) linkState(a *netlink.LinkAttrs) *libvirtxml.InterfaceLink {
	state := a.OperState.String()
	if state == "" {
		return nil
	}
	link := &libvirtxml.InterfaceLink{State: state}
	if a.OperState == netlink.OperUp {
		if n, err := strconv.ParseUint(d.sysAttr(a.Name, "speed"), 10, 32); err == nil && n != 1<<32-1 {
			link.Speed = uint(n)
		}
	}
	return link
}

// describeBridge reads STP and forward delay from sysfs (netlink does not carry them)
// and lists the ports, leaving out guests' taps as libvirt's udevBridgeScanDirFilter.
func (d *Driver) describeBridge(a *netlink.LinkAttrs) *libvirtxml.InterfaceBridge {
	b := &libvirtxml.InterfaceBridge{}
	if stp := d.sysAttr(a.Name, "bridge/stp_state"); stp != "" {
		b.STP = "off"
		if stp != "0" {
			b.STP = "on"
		}
	}
	// forward_delay is in USER_HZ (centiseconds); the XML's delay is in seconds.
	if cs, err := strconv.ParseFloat(d.sysAttr(a.Name, "bridge/forward_delay"), 64); err == nil {
		delay := cs / 100
		b.Delay = &delay
	}
	for _, m := range d.links.members(a.Index) {
		if guestTap(m) {
			continue
		}
		b.Interfaces = append(b.Interfaces, *d.describeLink(m, false))
	}
	return b
}

// describeBond reports mode, link monitoring and slaves from the kernel's bond
// attributes.
func (d *Driver) describeBond(k *netlink.Bond) *libvirtxml.InterfaceBond {
	b := &libvirtxml.InterfaceBond{}
	if k.Mode >= 0 && int(k.Mode) < len(bondModes) {
		b.Mode = bondModes[k.Mode]
	}
	switch {
	case k.ArpInterval > 0:
		var targets []string
		for _, ip := range k.ArpIpTargets {
			targets = append(targets, ip.String())
		}
		b.ARPMon = &libvirtxml.InterfaceBondARPMon{Interval: uint(k.ArpInterval), Target: strings.Join(targets, ",")}
		if v := arpValidate(k.ArpValidate); v != "none" {
			b.ARPMon.Validate = v
		}
	case k.Miimon > 0:
		b.MIIMon = &libvirtxml.InterfaceBondMIIMon{Freq: uint(k.Miimon), Carrier: "ioctl"}
		if k.UpDelay > 0 {
			b.MIIMon.UpDelay = uint(k.UpDelay)
		}
		if k.UseCarrier == 1 {
			b.MIIMon.Carrier = "netif"
		}
	}
	for _, m := range d.links.members(k.Index) {
		b.Interfaces = append(b.Interfaces, *d.describeLink(m, false))
	}
	return b
}

// arpValidates are the kernel's arp_validate values that libvirt's XML names.
var arpValidates = []string{"none", "active", "backup", "all"}

func arpValidate(v netlink.BondArpValidate) string {
	if v >= 0 && int(v) < len(arpValidates) {
		return arpValidates[v]
	}
	return "none"
}

// sysAttr reads /sys/class/net/NAME/attr, trimmed; "" when unreadable.
func (d *Driver) sysAttr(name, attr string) string {
	b, err := os.ReadFile(filepath.Join(d.sysNet, name, attr))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// defaultRoutes lists the main table's IPv4 and IPv6 default routes.
func (d *Driver) defaultRoutes() ([]netlink.Route, error) {
	var out []netlink.Route
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := d.nl.RouteList(nil, fam)
		if err != nil {
			return nil, fmt.Errorf("list routes: %w", err)
		}
		for _, r := range routes {
			if isDefault(r.Dst) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// isDefault recognises a default route's destination, which netlink reports as nil
// or as the all-zero prefix.
func isDefault(dst *net.IPNet) bool {
	if dst == nil {
		return true
	}
	ones, _ := dst.Mask.Size()
	return ones == 0
}
