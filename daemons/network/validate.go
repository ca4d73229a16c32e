package network

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// validateDef holds a definition to libvirt's parser and validator rules
// (virNetworkDefParseXML, networkValidate) and to virtunit's stricter rule that no value
// bound for a dnsmasq or hosts file may carry a line break or a field separator.
func validateDef(n *libvirtxml.Network) error {
	if err := checkNetworkName(n.Name); err != nil {
		return err
	}
	mode := forwardMode(n)
	if err := validateForward(n, mode); err != nil {
		return err
	}
	if err := validateBridge(n, mode); err != nil {
		return err
	}
	if n.MAC != nil && n.MAC.Address != "" {
		hw, err := net.ParseMAC(n.MAC.Address)
		if err != nil || len(hw) != 6 {
			return xmlErr("Invalid bridge mac address '%s' in network '%s'", n.MAC.Address, n.Name)
		}
		if hw[0]&1 != 0 {
			return xmlErr("Invalid multicast bridge mac address '%s' in network '%s'", n.MAC.Address, n.Name)
		}
	}
	if n.MTU != nil && (n.MTU.Size < 68 || n.MTU.Size > 65535) {
		return xmlErr("Invalid mtu size '%d' in network '%s'", n.MTU.Size, n.Name)
	}
	if n.Domain != nil && n.Domain.Name != "" && !validHostname(n.Domain.Name) {
		return xmlErr("Invalid domain name '%s' in network '%s'", n.Domain.Name, n.Name)
	}
	if err := validateDNS(n); err != nil {
		return err
	}
	ips, err := ipDefs(n)
	if err != nil {
		return err
	}
	if err := validateIPs(n, mode, ips); err != nil {
		return err
	}
	if err := validateRoutes(n, ips); err != nil {
		return err
	}
	if n.DnsmasqOptions != nil {
		for _, o := range n.DnsmasqOptions.Option {
			if !confSafe(o.Value) {
				return xmlErr("Invalid dnsmasq option '%s' in network '%s': line breaks and control characters are not allowed", o.Value, n.Name)
			}
		}
	}
	return validateUnsupported(n)
}

func validateForward(n *libvirtxml.Network, mode string) error {
	switch mode {
	case modeIsolated, modeNAT, modeRoute, modeOpen, modeBridge:
	case "private", "vepa", "passthrough", "hostdev":
		return unsupported("forward mode '%s' of network '%s' is not supported by virtunit", mode, n.Name)
	default:
		return unsupported("unknown forwarding type '%s'", mode)
	}
	f := n.Forward
	if f == nil {
		return nil
	}
	devs := map[string]bool{}
	if f.Dev != "" {
		devs[f.Dev] = true
	}
	for _, i := range f.Interfaces {
		if i.Dev == "" {
			return xmlErr("Missing required dev attribute in <forward> <interface> element of network %s", n.Name)
		}
		devs[i.Dev] = true
	}
	for d := range devs {
		if !validIfname(d) {
			return xmlErr("Invalid forward dev '%s' in network '%s'", d, n.Name)
		}
	}
	if len(f.PFs) > 0 || len(f.Addresses) > 0 || f.Driver != nil {
		return unsupported("<pf>, <address> and <driver> in <forward> of network '%s' are not supported by virtunit", n.Name)
	}
	switch mode {
	case modeNAT, modeRoute, modeOpen:
		if len(n.IPs) == 0 {
			return xmlErr("%s forwarding requested, but no IP address provided for network '%s'", mode, n.Name)
		}
		if len(devs) > 1 {
			return xmlErr("multiple forwarding interfaces specified for network '%s', only one is supported", n.Name)
		}
		if mode == modeOpen && len(devs) > 0 {
			return xmlErr("forward dev not allowed for network '%s' with forward mode='%s'", n.Name, mode)
		}
	case modeBridge:
		if len(devs) > 0 {
			return unsupported("forward mode 'bridge' with a forward dev (macvtap) in network '%s' is not supported by virtunit", n.Name)
		}
	}
	if f.NAT != nil {
		return validateNAT(n, mode)
	}
	return nil
}

func validateNAT(n *libvirtxml.Network, mode string) error {
	nat := n.Forward.NAT
	if mode != modeNAT {
		return xmlErr("The <nat> element can only be used when <forward> 'mode' is 'nat' in network %s", n.Name)
	}
	if nat.IPv6 != "" && nat.IPv6 != "yes" && nat.IPv6 != "no" {
		return xmlErr("Invalid value for attribute 'ipv6' in element 'nat': '%s'.", nat.IPv6)
	}
	if len(nat.Addresses) > 1 {
		return xmlErr("Only one <address> element is allowed in <nat> in <forward> in network %s", n.Name)
	}
	if len(nat.Addresses) == 1 {
		a := nat.Addresses[0]
		if a.Start == "" {
			return xmlErr("missing 'start' attribute in <address> element in <nat> in <forward> in network %s", n.Name)
		}
		if a.End == "" {
			return xmlErr("missing 'end' attribute in <address> element in <nat> in <forward> in network %s", n.Name)
		}
		s, err := netip.ParseAddr(a.Start)
		if err != nil || !s.Is4() {
			return xmlErr("Bad ipv4 start address '%s' in <nat> in <forward> in network '%s'", a.Start, n.Name)
		}
		e, err := netip.ParseAddr(a.End)
		if err != nil || !e.Is4() {
			return xmlErr("Bad ipv4 end address '%s' in <nat> in <forward> in network '%s'", a.End, n.Name)
		}
		if e.Less(s) {
			return internalErr("range %s - %s is reversed ", s, e)
		}
	}
	if len(nat.Ports) > 1 {
		return xmlErr("Only one <port> element is allowed in <nat> in <forward> in network %s", n.Name)
	}
	if len(nat.Ports) == 1 {
		p := nat.Ports[0]
		if p.Start > 65535 {
			return xmlErr("Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network %s", n.Name)
		}
		if p.End > 65535 || p.End < p.Start {
			return xmlErr("Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network %s", n.Name)
		}
	}
	return nil
}

func validateBridge(n *libvirtxml.Network, mode string) error {
	b := n.Bridge
	if b == nil {
		if mode == modeBridge {
			return unsupported("forward mode 'bridge' of network '%s' needs <bridge name=...> (macvtap is not supported by virtunit)", n.Name)
		}
		return nil
	}
	if b.Name != "" {
		name := b.Name
		if i := strings.Index(name, "%d"); i >= 0 && mode != modeBridge {
			// A template (virbr%d): the allocated name must still be an interface name.
			if strings.Count(name, "%") != 1 {
				return xmlErr("Invalid bridge name template '%s' in network '%s'", b.Name, n.Name)
			}
			name = name[:i] + "255" + name[i+2:]
		}
		if !validIfname(name) {
			return xmlErr("Invalid bridge name '%s' in network '%s'", b.Name, n.Name)
		}
	}
	if b.STP != "" && b.STP != "on" && b.STP != "off" {
		return xmlErr("Invalid value for attribute 'stp' in element 'bridge': '%s'.", b.STP)
	}
	if b.Delay != "" {
		if _, err := strconv.ParseUint(b.Delay, 10, 32); err != nil {
			return xmlErr("Invalid delay value in network '%s'", n.Name)
		}
	}
	switch b.MACTableManager {
	case "", "kernel", "libvirt":
	default:
		return xmlErr("Invalid macTableManager setting '%s' in network '%s'", b.MACTableManager, n.Name)
	}
	if b.Zone != "" {
		return unsupported("zone %s requested for network %s but firewalld is not active", b.Zone, n.Name)
	}
	if mode == modeBridge {
		if b.Name == "" || strings.Contains(b.Name, "%") {
			return unsupported("forward mode 'bridge' of network '%s' needs the name of an existing bridge", n.Name)
		}
		if b.STP != "" || b.Delay != "" {
			return xmlErr("bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in bridge (network '%s')", n.Name)
		}
	}
	return nil
}

func validateDNS(n *libvirtxml.Network) error {
	d := n.DNS
	if d == nil {
		return nil
	}
	for attr, v := range map[string]string{"enable": d.Enable, "forwardPlainNames": d.ForwardPlainNames} {
		if v != "" && v != "yes" && v != "no" {
			return xmlErr("Invalid value for attribute '%s' in element 'dns': '%s'.", attr, v)
		}
	}
	for _, f := range d.Forwarders {
		if f.Addr == "" && f.Domain == "" {
			return xmlErr("Invalid forwarder element, must contain at least one of addr or domain")
		}
		if _, err := netip.ParseAddr(f.Addr); f.Addr != "" && err != nil {
			return xmlErr("Invalid forwarder IP address '%s' in network '%s'", f.Addr, n.Name)
		}
		if f.Domain != "" && !validHostname(f.Domain) {
			return xmlErr("Invalid forwarder domain '%s' in network '%s'", f.Domain, n.Name)
		}
	}
	for _, h := range d.Host {
		if err := checkDNSHost(n.Name, h, false); err != nil {
			return err
		}
	}
	for _, t := range d.TXTs {
		if err := checkTXT(n.Name, t); err != nil {
			return err
		}
	}
	for _, s := range d.SRVs {
		if err := checkSRV(n.Name, s); err != nil {
			return err
		}
	}
	if d.Enable == "no" && (len(d.Forwarders) > 0 || len(d.Host) > 0 || len(d.SRVs) > 0 || len(d.TXTs) > 0) {
		return xmlErr("Extra data in disabled network '%s'", n.Name)
	}
	return nil
}

// checkDNSHost is virNetworkDNSHostDefParseXML; partial allows the match-only form
// net-update delete uses.
func checkDNSHost(name string, h libvirtxml.NetworkDNSHost, partial bool) error {
	if len(h.Hostnames) == 0 && !partial {
		return detailErr("Missing hostname in network '%s' DNS HOST record", name)
	}
	for _, hn := range h.Hostnames {
		if hn.Hostname == "" {
			return detailErr("Missing hostname in network '%s' DNS HOST record", name)
		}
		if !validHostname(hn.Hostname) {
			return detailErr("Invalid hostname '%s' in network '%s' DNS HOST record", hn.Hostname, name)
		}
	}
	if h.IP == "" {
		if !partial {
			return detailErr("Missing IP address in network '%s' DNS HOST record", name)
		}
		if len(h.Hostnames) == 0 {
			return detailErr("Missing ip and hostname in network '%s' DNS HOST record", name)
		}
		return nil
	}
	if _, err := netip.ParseAddr(h.IP); err != nil {
		return detailErr("Invalid IP address in network '%s' DNS HOST record", name)
	}
	return nil
}

func checkTXT(name string, t libvirtxml.NetworkDNSTXT) error {
	if t.Name == "" {
		return detailErr("missing required name attribute in DNS TXT record of network %s", name)
	}
	if strings.ContainsAny(t.Name, " ,") || !confSafe(t.Name) {
		return detailErr("prohibited character in DNS TXT record name '%s' of network %s", t.Name, name)
	}
	if t.Value == "" {
		return detailErr("missing required value attribute in DNS TXT record named '%s' of network %s", t.Name, name)
	}
	if !confSafe(t.Value) {
		return detailErr("prohibited character in DNS TXT record value '%s' of network %s", t.Value, name)
	}
	return nil
}

const (
	serviceChars  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+/*"
	protocolChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+/"
)

func checkSRV(name string, s libvirtxml.NetworkDNSSRV) error {
	if s.Service == "" {
		return detailErr("missing required service attribute in DNS SRV record of network '%s'", name)
	}
	if len(s.Service) > 15 {
		return detailErr("service attribute '%s' in network '%s' is too long, limit is 15 bytes", s.Service, name)
	}
	if strings.Trim(s.Service, serviceChars) != "" {
		return detailErr("invalid character in service attribute '%s' in DNS SRV record of network '%s'", s.Service, name)
	}
	if s.Protocol == "" {
		return detailErr("missing required protocol attribute in DNS SRV record '%s' of network '%s'", s.Service, name)
	}
	if strings.Trim(s.Protocol, protocolChars) != "" {
		return detailErr("invalid character in protocol attribute '%s' in DNS SRV record of network '%s'", s.Protocol, name)
	}
	for _, v := range []string{s.Domain, s.Target} {
		if v != "" && v != "." && !validHostname(v) {
			return detailErr("invalid name '%s' in DNS SRV record of network '%s'", v, name)
		}
	}
	if s.Target == "" && (s.Port != 0 || s.Priority != 0 || s.Weight != 0) {
		return detailErr("DNS SRV port attribute not permitted without target for service '%s' in network '%s'", s.Service, name)
	}
	if s.Port > 65535 || s.Priority > 65535 || s.Weight > 65535 {
		return detailErr("invalid DNS SRV port, priority or weight attribute for service '%s' in network '%s'", s.Service, name)
	}
	return nil
}

// validateIPs checks what depends on all addresses at once and on the forward mode
// (networkValidate).
func validateIPs(n *libvirtxml.Network, mode string, ips []ipDef) error {
	if mode == modeBridge {
		switch {
		case n.MAC != nil:
			return unsupported("Unsupported <mac> element in network %s with forward mode='%s'", n.Name, mode)
		case len(ips) > 0:
			return unsupported("Unsupported <ip> element in network %s with forward mode='%s'", n.Name, mode)
		case n.DNS != nil && (len(n.DNS.TXTs) > 0 || len(n.DNS.Host) > 0 || len(n.DNS.SRVs) > 0):
			return unsupported("Unsupported <dns> element in network %s with forward mode='%s'", n.Name, mode)
		case n.Domain != nil:
			return unsupported("Unsupported <domain> element in network %s with forward mode='%s'", n.Name, mode)
		}
	}
	var v4, v6 bool
	for i := range ips {
		if !ips[i].dhcp() {
			continue
		}
		if ips[i].v4() {
			if v4 {
				return unsupported("Multiple IPv4 dhcp sections found -- dhcp is supported only for a single IPv4 address on each network")
			}
			v4 = true
		} else {
			if v6 {
				return unsupported("Multiple IPv6 dhcp sections found -- dhcp is supported only for a single IPv6 address on each network")
			}
			v6 = true
		}
	}
	return nil
}

func validateRoutes(n *libvirtxml.Network, ips []ipDef) error {
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

// validateUnsupported refuses what virtunit cannot realize, so that nothing is
// silently ignored: QoS, VLANs, Open vSwitch ports.
func validateUnsupported(n *libvirtxml.Network) error {
	switch {
	case n.Bandwidth != nil:
		return unsupported("network-wide <bandwidth> in network '%s' is not supported by virtunit", n.Name)
	case n.VLAN != nil:
		return unsupported("<vlan> element specified for network %s, whose type doesn't support vlan configuration", n.Name)
	case n.VirtualPort != nil:
		return unsupported("<virtualport> in network '%s' is not supported by virtunit", n.Name)
	case n.PortOptions != nil && n.PortOptions.Isolated == "yes":
		return unsupported("<port isolated='yes'> in network '%s' is not supported by virtunit", n.Name)
	}
	for _, pg := range n.PortGroups {
		if pg.Name == "" {
			return xmlErr("Missing required name attribute in portgroup")
		}
		if pg.VLAN != nil || pg.VirtualPort != nil {
			return unsupported("<vlan> and <virtualport> in portgroup '%s' of network '%s' are not supported by virtunit", pg.Name, n.Name)
		}
	}
	return nil
}
