package network

import (
	"net/netip"
	"strconv"

	"github.com/virtunit/virtunit/daemons/network/bridge"
	"github.com/virtunit/virtunit/daemons/network/firewall"
	"github.com/virtunit/virtunit/daemons/network/helper"
)

// firewallTag names a network's rules (their nftables comment). The UUID keeps two
// networks of the same name over time apart.
func firewallTag(def *netDef) string { return "libvirt network " + def.UUID }

// buildPlan is what the helper does to bring a virtual network up: its bridge and, but
// for an open network, its firewall.
func (d *Driver) buildPlan(def *netDef) (*helper.Plan, error) {
	ips, err := ipDefs(def)
	if err != nil {
		return nil, err
	}
	mode := forwardMode(def)
	delay, _ := strconv.Atoi(def.Bridge.Delay)
	b := bridge.Config{
		Name:          def.Bridge.Name,
		MAC:           def.MAC.Address,
		STP:           def.Bridge.STP != "off",
		Delay:         delay,
		Forward:       mode != modeIsolated,
		VLANFiltering: def.Bridge.MACTableManager == "libvirt",
	}
	if def.MTU != nil {
		b.MTU = int(def.MTU.Size)
	}
	var nets []netip.Prefix
	for i := range ips {
		b.Addrs = append(b.Addrs, netip.PrefixFrom(ips[i].addr, ips[i].prefix))
		nets = append(nets, ips[i].net())
	}
	for _, r := range def.Routes {
		rt, err := parseRoute(def.Name, r)
		if err != nil {
			return nil, err
		}
		b.Routes = append(b.Routes, bridge.Route{Dst: rt.dst, Via: rt.gw, Metric: rt.metric})
	}
	ns, err := helper.NetNSID()
	if err != nil {
		return nil, err
	}
	p := &helper.Plan{
		Network:     def.Name,
		NetNS:       ns,
		Bridge:      b,
		RemovalFile: d.paths.removalFile(def.Name),
		LockFile:    d.paths.firewallLock(),
	}
	if mode == modeOpen {
		return p, nil
	}
	fw := &firewall.Spec{Tag: firewallTag(def), Bridge: b.Name, Mode: mode, Nets: nets, IPv6Isolated: def.IPv6 == "yes"}
	if f := def.Forward; f != nil {
		fw.ForwardDev = f.Dev
		if fw.ForwardDev == "" && len(f.Interfaces) > 0 {
			fw.ForwardDev = f.Interfaces[0].Dev
		}
		if nat := f.NAT; nat != nil {
			fw.NATIPv6 = nat.IPv6 == "yes"
			if len(nat.Addresses) == 1 {
				fw.NATStart, _ = netip.ParseAddr(nat.Addresses[0].Start)
				fw.NATEnd, _ = netip.ParseAddr(nat.Addresses[0].End)
			}
			if len(nat.Ports) == 1 {
				fw.PortStart, fw.PortEnd = uint16(nat.Ports[0].Start), uint16(nat.Ports[0].End)
			}
		}
	}
	p.Firewall = fw
	return p, nil
}
