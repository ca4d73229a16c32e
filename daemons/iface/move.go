package iface

import (
	"errors"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// A bridge port carries no addresses: they, and the routes through it, belong on the
// bridge. So when a bridge starts with a port that had addresses (virsh iface-bridge
// makes exactly that: the bridge's definition takes the interface's <protocol>, the
// interface becomes its port), they move to the bridge, and when a bridge with a single
// port is destroyed (virsh iface-unbridge) they move back to the port. Without this the
// host would hold the same address and subnet route on both links.

// layer3 is what a link carries at layer 3: its addresses (but IPv6 link-local ones,
// which the kernel keeps per link) and the routes through it the kernel did not make
// for those addresses itself.
type layer3 struct {
	addrs  []netlink.Addr
	routes []netlink.Route
}

func (l layer3) empty() bool { return len(l.addrs) == 0 && len(l.routes) == 0 }

// carried reads what link carries.
func (d *Driver) carried(link netlink.Link) (layer3, error) {
	var out layer3
	addrs, err := d.nl.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return out, linkError(err, "cannot list addresses of interface '%s'", link.Attrs().Name)
	}
	for _, a := range addrs {
		if a.IP.To4() == nil && a.IP.IsLinkLocalUnicast() {
			continue
		}
		out.addrs = append(out.addrs, a)
	}
	routes, err := d.nl.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{LinkIndex: link.Attrs().Index, Table: unix.RT_TABLE_UNSPEC},
		netlink.RT_FILTER_OIF)
	if err != nil {
		return out, linkError(err, "cannot list routes of interface '%s'", link.Attrs().Name)
	}
	for _, r := range routes {
		if r.Protocol == unix.RTPROT_KERNEL || r.Table == unix.RT_TABLE_LOCAL || (r.Dst != nil && r.Dst.IP.IsLinkLocalUnicast()) ||
			r.Type == unix.RTN_MULTICAST {
			continue
		}
		out.routes = append(out.routes, r)
	}
	return out, nil
}

// strip removes the addresses of l3 from link (their subnet routes go with them).
func (d *Driver) strip(link netlink.Link, l3 layer3) error {
	for i := range l3.addrs {
		if err := d.nl.AddrDel(link, &l3.addrs[i]); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			return linkError(err, "cannot remove address %s from interface '%s'", l3.addrs[i].IPNet, link.Attrs().Name)
		}
	}
	return nil
}

// putAddrs gives link the addresses of l3 whose family keep allows.
func (d *Driver) putAddrs(link netlink.Link, l3 layer3, keep func(v4 bool) bool) error {
	for _, a := range l3.addrs {
		if !keep(a.IP.To4() != nil) {
			continue
		}
		c := netlink.Addr{IPNet: a.IPNet, Label: "", Flags: a.Flags &^ unix.IFA_F_TENTATIVE, Scope: a.Scope,
			PreferedLft: a.PreferedLft, ValidLft: a.ValidLft}
		if err := d.nl.AddrReplace(link, &c); err != nil {
			return linkError(err, "cannot add address %s to interface '%s'", a.IPNet, link.Attrs().Name)
		}
	}
	return nil
}

// putRoutes adds the routes of l3 through link instead of the link they were on. A
// route whose gateway link cannot reach (its addresses were not moved) is left out.
func (d *Driver) putRoutes(link netlink.Link, l3 layer3) error {
	for _, r := range l3.routes {
		c := r
		c.LinkIndex = link.Attrs().Index
		c.ILinkIndex = 0
		c.MultiPath = nil
		if err := d.nl.RouteReplace(&c); err != nil {
			if errors.Is(err, unix.ENETUNREACH) {
				continue
			}
			return linkError(err, "cannot move route %s to interface '%s'", routeString(r), link.Attrs().Name)
		}
	}
	return nil
}

func routeString(r netlink.Route) string {
	dst := "default"
	if r.Dst != nil {
		dst = r.Dst.String()
	}
	if r.Gw != nil {
		return dst + " via " + r.Gw.String()
	}
	return dst
}

// familiesOf reports which address families a definition's <protocol> configures.
func familiesOf(protocols []string) func(v4 bool) bool {
	var v4, v6 bool
	for _, f := range protocols {
		switch f {
		case "ipv4":
			v4 = true
		case "ipv6":
			v6 = true
		}
	}
	// What the definition configures comes from it; the rest moves.
	return func(isV4 bool) bool {
		if isV4 {
			return !v4
		}
		return !v6
	}
}
