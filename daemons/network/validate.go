package network

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/internal/ifname"
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
		if !ifname.Valid(d) {
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
		if !ifname.Valid(name) {
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
