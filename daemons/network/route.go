package network

import (
	"net"
	"net/netip"
	"strconv"

	"libvirt.org/go/libvirtxml"
)

// validateRoutes checks the static <route>s: each gateway must be reachable through one
// of the bridge's own networks, as libvirt requires.
func validateRoutes(n *netDef, ips []ipDef) error {
	for _, r := range n.Routes {
		if _, err := parseRoute(n.Name, r); err != nil {
			return err
		}
		gw, _ := netip.ParseAddr(r.Gateway)
		reachable := false
		for i := range ips {
			if ips[i].addr.Is4() == gw.Is4() && ips[i].net().Contains(gw) {
				reachable = true
			}
		}
		if !reachable {
			return unsupported("unreachable static route gateway '%s' specified for network '%s'", r.Gateway, n.Name)
		}
	}
	return nil
}

// route is one static <route> through the bridge.
type route struct {
	dst    netip.Prefix
	gw     netip.Addr
	metric int
}

func parseRoute(name string, r libvirtxml.NetworkRoute) (route, error) {
	var out route
	a, err := netip.ParseAddr(r.Address)
	if err != nil {
		return out, xmlErr("Bad network address '%s' in route definition of network '%s'", r.Address, name)
	}
	gw, err := netip.ParseAddr(r.Gateway)
	if err != nil || gw.Is4() != a.Is4() {
		return out, xmlErr("Bad gateway address '%s' in route definition of network '%s'", r.Gateway, name)
	}
	bits := int(r.Prefix)
	if r.Netmask != "" {
		m, err := netip.ParseAddr(r.Netmask)
		ones, total := net.IPMask(m.AsSlice()).Size()
		if err != nil || !a.Is4() || total == 0 {
			return out, xmlErr("Bad netmask address '%s' in route definition of network '%s'", r.Netmask, name)
		}
		bits = ones
	} else if r.Prefix == 0 {
		bits = a.BitLen()
		if a.Is4() {
			bits = classfulPrefix(a)
		}
	}
	if bits > a.BitLen() {
		return out, xmlErr("Invalid prefix %d in route definition of network '%s'", bits, name)
	}
	out.dst = netip.PrefixFrom(a, bits).Masked()
	out.gw = gw
	if r.Metric != "" {
		m, err := strconv.ParseUint(r.Metric, 10, 32)
		if err != nil || m == 0 {
			return out, xmlErr("Invalid metric '%s' in route definition of network '%s'", r.Metric, name)
		}
		out.metric = int(m)
	}
	return out, nil
}
