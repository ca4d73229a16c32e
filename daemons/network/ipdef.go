package network

import (
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"strconv"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// ipDef is one <ip> of a network, parsed: the bridge's address and prefix, its DHCP
// ranges and static hosts.
type ipDef struct {
	addr   netip.Addr
	prefix int
	ranges []dhcpRange
	hosts  []dhcpHost
	tftp   string
	boot   string
	server netip.Addr
}

type dhcpRange struct {
	start, end netip.Addr
	lease      string // dnsmasq lease time ("1h", "infinite"), "" for the default
}

type dhcpHost struct {
	mac, id, name string
	ip            netip.Addr
	lease         string
}

// v4 reports whether the address is IPv4.
func (ip *ipDef) v4() bool { return ip.addr.Is4() }

// net is the network the address is in.
func (ip *ipDef) net() netip.Prefix { return netip.PrefixFrom(ip.addr, ip.prefix).Masked() }

// dhcp reports whether the address serves DHCP.
func (ip *ipDef) dhcp() bool { return len(ip.ranges) > 0 || len(ip.hosts) > 0 }

// netmask is the IPv4 dotted netmask of the prefix.
func (ip *ipDef) netmask() string {
	return net.IP(net.CIDRMask(ip.prefix, 32)).String()
}

// ipDefs parses every <ip> of n.
func ipDefs(n *netDef) ([]ipDef, error) {
	var out []ipDef
	for i := range n.IPs {
		d, err := parseIP(n.Name, &n.IPs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func xmlErr(format string, args ...any) error {
	return virerror.New(libvirt.ErrXMLError, virerror.FromNetwork, format, args...)
}

func unsupported(format string, args ...any) error {
	return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromNetwork, format, args...)
}

func internalErr(format string, args ...any) error {
	return virerror.New(libvirt.ErrInternalError, virerror.FromNetwork, format, args...)
}

// parseIP is virNetworkIPDefParseXML with its DHCP and TFTP children.
func parseIP(name string, x *libvirtxml.NetworkIP) (ipDef, error) {
	var d ipDef
	if x.Address == "" {
		return d, xmlErr("Missing required address attribute in network '%s'", name)
	}
	a, err := netip.ParseAddr(x.Address)
	if err != nil || a.Zone() != "" {
		return d, xmlErr("Invalid address '%s' in network '%s'", x.Address, name)
	}
	d.addr = a.Unmap()
	switch x.Family {
	case "", "ipv4":
		if !d.addr.Is4() {
			fam := "no"
			if x.Family != "" {
				fam = "ipv4"
			}
			return d, unsupported("%s family specified for non-IPv4 address '%s' in network '%s'", fam, x.Address, name)
		}
		switch {
		case x.Netmask != "" && x.Prefix > 0:
			return d, unsupported("Network '%s' IP address cannot have both a prefix and a netmask", name)
		case x.Netmask != "":
			m, err := netip.ParseAddr(x.Netmask)
			ones, bits := net.IPMask(m.AsSlice()).Size()
			if err != nil || !m.Is4() || bits == 0 {
				return d, xmlErr("Invalid netmask '%s' in network '%s'", x.Netmask, name)
			}
			d.prefix = ones
		case x.Prefix > 32:
			return d, unsupported("Invalid IPv4 prefix '%d' in network '%s'", x.Prefix, name)
		case x.Prefix > 0:
			d.prefix = int(x.Prefix)
		default:
			d.prefix = classfulPrefix(d.addr)
		}
	case "ipv6":
		if !d.addr.Is6() {
			return d, unsupported("Family 'ipv6' specified for non-IPv6 address '%s' in network '%s'", x.Address, name)
		}
		if x.Netmask != "" {
			return d, unsupported("netmask not allowed for IPv6 address '%s' in network '%s'", x.Address, name)
		}
		if x.Prefix > 128 {
			return d, unsupported("Invalid IPv6 prefix '%d' in network '%s'", x.Prefix, name)
		}
		d.prefix = int(x.Prefix)
		if d.prefix == 0 {
			d.prefix = 64
		}
	default:
		return d, xmlErr("Unrecognized family '%s' in network '%s'", x.Family, name)
	}
	if d.prefix == 0 {
		return d, internalErr("bridge has an invalid netmask or IP address in network '%s'", name)
	}
	if x.TFTP != nil {
		if !d.v4() {
			return d, unsupported("Unsupported <tftp> element in an IPv6 element in network '%s'", name)
		}
		if !confSafe(x.TFTP.Root) || x.TFTP.Root == "" {
			return d, xmlErr("Invalid tftp root '%s' in network '%s'", x.TFTP.Root, name)
		}
		d.tftp = x.TFTP.Root
	}
	if x.DHCP != nil {
		if err := parseDHCP(name, x.DHCP, &d); err != nil {
			return d, err
		}
	}
	return d, nil
}

// classfulPrefix is the netmask an IPv4 address without one gets, as in libvirt.
func classfulPrefix(a netip.Addr) int {
	switch b := a.As4()[0]; {
	case b < 128:
		return 8
	case b < 192:
		return 16
	case b < 224:
		return 24
	}
	return 0
}

func parseDHCP(name string, x *libvirtxml.NetworkDHCP, d *ipDef) error {
	for i := range x.Ranges {
		r, err := parseRange(name, d, &x.Ranges[i])
		if err != nil {
			return err
		}
		d.ranges = append(d.ranges, r)
	}
	for i := range x.Hosts {
		h, err := parseHost(name, d, &x.Hosts[i], false)
		if err != nil {
			return err
		}
		d.hosts = append(d.hosts, h)
	}
	if len(x.Bootp) > 0 && d.v4() {
		b := x.Bootp[0]
		if b.File == "" {
			return xmlErr("Missing required 'file' attribute in <bootp> of network '%s'", name)
		}
		if !confSafe(b.File) {
			return xmlErr("Invalid bootp file '%s' in network '%s'", b.File, name)
		}
		d.boot = b.File
		if b.Server != "" {
			s, err := netip.ParseAddr(b.Server)
			if err != nil {
				return xmlErr("Invalid bootp server '%s' in network '%s'", b.Server, name)
			}
			d.server = s
		}
	}
	return nil
}

func parseRange(name string, d *ipDef, x *libvirtxml.NetworkDHCPRange) (dhcpRange, error) {
	var r dhcpRange
	if x.Start == "" {
		return r, xmlErr("Missing 'start' attribute in dhcp range for network '%s'", name)
	}
	start, err := netip.ParseAddr(x.Start)
	if err != nil {
		return r, xmlErr("Invalid dhcp range start '%s' in network '%s'", x.Start, name)
	}
	if x.End == "" {
		return r, xmlErr("Missing 'end' attribute in dhcp range for network '%s'", name)
	}
	end, err := netip.ParseAddr(x.End)
	if err != nil {
		return r, xmlErr("Invalid dhcp range end '%s' in network '%s'", x.End, name)
	}
	r.start, r.end = start.Unmap(), end.Unmap()
	if _, err := rangeSize(r.start, r.end, d); err != nil {
		return r, err
	}
	r.lease, err = leaseTime(x.Lease)
	return r, err
}

// rangeSize is virSocketAddrGetRange: the number of addresses from start to end, which
// must both lie in the network (and, for IPv4, be neither its network nor its broadcast
// address).
func rangeSize(start, end netip.Addr, d *ipDef) (int, error) {
	if start.Is4() != end.Is4() {
		return 0, internalErr("mismatch of address family in range %s - %s", start, end)
	}
	if start.Is4() != d.v4() {
		return 0, internalErr("mismatch of address family in range %s - %s for network %s/%d", start, end, d.addr, d.prefix)
	}
	p := d.net()
	if !p.Contains(start) || !p.Contains(end) {
		return 0, internalErr("range %s - %s is not entirely within network %s/%d", start, end, d.addr, d.prefix)
	}
	if end.Less(start) {
		if d.v4() {
			return 0, internalErr("range %s - %s is reversed ", start, end)
		}
		return 0, internalErr("range %s - %s start larger than end", start, end)
	}
	if d.v4() && d.prefix < 31 {
		bcast := lastAddr(p)
		if start == p.Addr() || end == p.Addr() {
			return 0, internalErr("range %s - %s includes network address %s", start, end, p.Addr())
		}
		if start == bcast || end == bcast {
			return 0, internalErr("range %s - %s includes broadcast address %s", start, end, bcast)
		}
	}
	n := new(big.Int).Sub(new(big.Int).SetBytes(end.AsSlice()), new(big.Int).SetBytes(start.AsSlice()))
	n.Add(n, big.NewInt(1))
	if !n.IsInt64() || n.Int64() > 1<<30 {
		return 0, internalErr("range %s - %s is too large", start, end)
	}
	return int(n.Int64()), nil
}

// lastAddr is the highest address of p (the IPv4 broadcast address).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func parseHost(name string, d *ipDef, x *libvirtxml.NetworkDHCPHost, partial bool) (dhcpHost, error) {
	var h dhcpHost
	if x.MAC != "" {
		if !d.v4() {
			return h, xmlErr("Invalid to specify MAC address '%s' in network '%s' IPv6 static host definition", x.MAC, name)
		}
		hw, err := net.ParseMAC(x.MAC)
		if err != nil || len(hw) != 6 {
			return h, xmlErr("Cannot parse MAC address '%s' in network '%s'", x.MAC, name)
		}
		if hw[0]&1 != 0 {
			return h, xmlErr("expected unicast mac address, found multicast '%s' in network '%s'", x.MAC, name)
		}
		h.mac = hw.String()
	}
	if x.ID != "" {
		for _, c := range x.ID {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':') {
				return h, xmlErr("Invalid character '%s' in id '%s' of network '%s'", printable(c), x.ID, name)
			}
		}
		h.id = x.ID
	}
	if x.Name != "" {
		if !validHostname(x.Name) {
			return h, xmlErr("Cannot use host name '%s' in network '%s'", x.Name, name)
		}
		h.name = x.Name
	}
	if x.IP != "" {
		a, err := netip.ParseAddr(x.IP)
		if err != nil {
			return h, xmlErr("Invalid IP address in static host definition for network '%s'", name)
		}
		h.ip = a.Unmap()
	}
	switch {
	case partial:
		if h.mac == "" && h.name == "" && !h.ip.IsValid() {
			return h, xmlErr("At least one of name, mac, or ip attribute must be specified for static host definition in network '%s'", name)
		}
	case !d.v4() && h.id == "" && h.name == "":
		return h, xmlErr("Static host definition in IPv6 network '%s' must have id or name attribute", name)
	case d.v4() && h.mac == "" && h.name == "":
		return h, xmlErr("Static host definition in IPv4 network '%s' must have mac or name attribute", name)
	case !h.ip.IsValid():
		return h, xmlErr("Missing IP address in static host definition for network '%s'", name)
	}
	if h.ip.IsValid() && !partial && h.ip.Is4() != d.v4() {
		return h, virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, "the address family of a host entry IP must match the address family of the dhcp element's parent")
	}
	var err error
	h.lease, err = leaseTime(x.Lease)
	return h, err
}

// leaseTime is the dnsmasq form of a <lease>: "infinite" for expiry 0, else the number
// with the unit's first letter; dnsmasq refuses leases under two minutes.
func leaseTime(l *libvirtxml.NetworkDHCPLease) (string, error) {
	if l == nil {
		return "", nil
	}
	if l.Expiry == 0 {
		return "infinite", nil
	}
	unit := l.Unit
	if unit == "" {
		unit = "minutes"
	}
	switch unit {
	case "seconds", "minutes", "hours":
	default:
		return "", xmlErr("Invalid value for attribute 'unit' in element 'lease': '%s'.", unit)
	}
	if unit == "seconds" && l.Expiry < 120 || unit == "minutes" && l.Expiry < 2 {
		return "", unsupported("The minimum lease time should be greater than 2 minutes")
	}
	return strconv.FormatUint(uint64(l.Expiry), 10) + unit[:1], nil
}

// String is the address with its prefix, as the firewall and messages show it.
func (ip *ipDef) String() string { return fmt.Sprintf("%s/%d", ip.addr, ip.prefix) }

func detailErr(format string, args ...any) error {
	return virerror.New(libvirt.ErrXMLDetail, virerror.FromNetwork, format, args...)
}
