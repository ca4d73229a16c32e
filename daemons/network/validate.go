package network

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/virtunit/virtunit/internal/ifname"
)

// validateDef holds a definition to libvirt's parser and validator rules
// (virNetworkDefParseXML, networkValidate) and to virtunit's stricter rule that no value
// bound for a dnsmasq or hosts file may carry a line break or a field separator.
func validateDef(n *netDef) error {
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

func validateForward(n *netDef, mode string) error {
	switch mode {
	case modeIsolated, modeNAT, modeRoute, modeOpen, modeBridge, modePrivate, modeVEPA, modePassthrough, modeHostdev:
	default:
		return unsupported("unknown forwarding type '%s'", mode)
	}
	f := n.Forward
	if f == nil {
		return nil
	}
	if f.Driver != nil && f.Driver.Name != "" && f.Driver.Name != "kvm" && f.Driver.Name != "vfio" {
		return unsupported("Unknown forward <driver name='%s'/> in network %s", f.Driver.Name, n.Name)
	}
	if f.Dev != "" && (len(f.Addresses) > 0 || len(f.PFs) > 0) {
		return xmlErr("the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network %s", n.Name)
	}
	seen := map[string]bool{}
	for i, it := range f.Interfaces {
		if it.Dev == "" {
			return xmlErr("Missing required dev attribute in <forward> <interface> element of network %s", n.Name)
		}
		if i == 0 && f.Dev != "" && it.Dev != f.Dev {
			return xmlErr("<forward dev='%s'> must match first <interface dev='%s'/> in network %s", f.Dev, it.Dev, n.Name)
		}
		if seen[it.Dev] {
			return xmlErr("interface '%s' can only be listed once in network %s", it.Dev, n.Name)
		}
		seen[it.Dev] = true
	}
	if f.Dev != "" {
		seen[f.Dev] = true
	}
	for d := range seen {
		if !ifname.Valid(d) {
			return xmlErr("Invalid forward dev '%s' in network '%s'", d, n.Name)
		}
	}
	if err := validateAddresses(n, mode); err != nil {
		return err
	}
	switch {
	case len(f.PFs) > 1:
		return xmlErr("Only one <pf> element is allowed in <forward> of network %s", n.Name)
	case len(f.PFs) == 1 && f.PFs[0].Dev == "":
		return xmlErr("Missing required dev attribute in <pf> element of network '%s'", n.Name)
	case len(f.PFs) == 1 && len(seen) == 0 && len(f.Addresses) == 0:
		// A PF names SR-IOV virtual functions to pool; without SR-IOV there are none.
		return unsupported("<pf dev='%s'> in network '%s': pools of SR-IOV virtual functions are not supported by virtunit; list the devices with <interface> or <address>", f.PFs[0].Dev, n.Name)
	}
	switch mode {
	case modeNAT, modeRoute, modeOpen:
		if len(n.IPs) == 0 {
			return xmlErr("%s forwarding requested, but no IP address provided for network '%s'", mode, n.Name)
		}
		if len(seen) > 1 {
			return xmlErr("multiple forwarding interfaces specified for network '%s', only one is supported", n.Name)
		}
		if mode == modeOpen && len(seen) > 0 {
			return xmlErr("forward dev not allowed for network '%s' with forward mode='%s'", n.Name, mode)
		}
	}
	if f.NAT != nil {
		return validateNAT(n, mode)
	}
	return nil
}

// validateAddresses checks a hostdev pool given by PCI address (networkValidate): only
// in hostdev mode, never mixed with netdevs, each an SR-IOV virtual function.
func validateAddresses(n *netDef, mode string) error {
	f := n.Forward
	if mode == modeHostdev {
		for _, it := range f.Interfaces {
			return unsupported("hostdev network '%s' lists '%s' in the device pool, but hostdev networks require all devices to be listed by PCI address, not network device name", n.Name, it.Dev)
		}
	}
	seen := map[string]bool{}
	for _, a := range f.Addresses {
		if a.PCI == nil {
			return unsupported("unknown address type in network %s", n.Name)
		}
		addr := pciAddr(a.PCI)
		if seen[addr] {
			return xmlErr("PCI device '%s' can only be listed once in network %s", addr, n.Name)
		}
		seen[addr] = true
		if mode != modeHostdev {
			return unsupported("network '%s' has forward mode '%s'  but lists a device by PCI address in the device pool. This is only supported for networks with forward mode 'hostdev'", n.Name, mode)
		}
	}
	if len(f.Addresses) > 0 && (len(f.PFs) > 0 || len(f.Interfaces) > 0) {
		return unsupported("<address>, <interface>, and <pf> elements of <forward> in network %s are mutually exclusive", n.Name)
	}
	for addr := range seen {
		if !isVirtualFunction(addr) {
			return unsupported("device '%s' in network '%s' is not an SR-IOV Virtual Function", pciSysfs(addr), n.Name)
		}
	}
	return nil
}

func validateNAT(n *netDef, mode string) error {
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

func validateBridge(n *netDef, mode string) error {
	b := n.Bridge
	ext := mode == modeBridge || mode == modePrivate || mode == modeVEPA || mode == modePassthrough || mode == modeHostdev
	if b != nil && b.Name != "" {
		name := b.Name
		if i := strings.Index(name, "%d"); i >= 0 && !ext {
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
	if b != nil {
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
	}
	if ext && mode != modeBridge && b != nil {
		switch {
		case b.Name != "":
			return xmlErr("bridge name not allowed in %s mode (network '%s')", mode, n.Name)
		case b.Zone != "":
			return xmlErr("bridge zone not allowed in %s mode (network '%s')", mode, n.Name)
		case b.MACTableManager != "":
			return xmlErr("bridge macTableManager setting not allowed in %s mode (network '%s')", mode, n.Name)
		}
	}
	if ext && b != nil {
		if (b.Delay != "" && b.Delay != "0") || b.STP != "" || b.Zone != "" {
			return xmlErr("bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in %s (network '%s')", mode, n.Name)
		}
		if b.Name != "" && n.Forward != nil && (len(n.Forward.Interfaces) > 0 || n.Forward.Dev != "" || len(n.Forward.PFs) > 0) {
			return xmlErr("A network with forward mode='%s' can specify a bridge name or a forward dev, but not both (network '%s')", mode, n.Name)
		}
	}
	if ext && n.MTU != nil {
		return xmlErr("mtu size only allowed in open, route, nat, and isolated mode, not in %s (network '%s')", mode, n.Name)
	}
	if b != nil && b.Zone != "" {
		return unsupported("zone %s requested for network %s but firewalld is not active", b.Zone, n.Name)
	}
	if mode == modeBridge && (b == nil || b.Name == "") && (n.Forward == nil || (n.Forward.Dev == "" && len(n.Forward.Interfaces) == 0 && len(n.Forward.PFs) == 0)) {
		return unsupported("forward mode 'bridge' of network '%s' needs a bridge name or a forward dev", n.Name)
	}
	if mode == modeBridge && b != nil && strings.Contains(b.Name, "%") {
		return unsupported("forward mode 'bridge' of network '%s' needs the name of an existing bridge", n.Name)
	}
	return nil
}

// validateIPs checks what depends on all addresses at once and on the forward mode
// (networkValidate).
func validateIPs(n *netDef, mode string, ips []ipDef) error {
	if external(n) {
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

// validateUnsupported holds a definition to networkValidate's rules on bandwidth,
// VLANs and portgroups, and refuses what virtunit cannot realize, so that nothing is
// silently ignored: Open vSwitch and 802.1Qbg/Qbh ports, isolated ports.
func validateUnsupported(n *netDef) error {
	mode := forwardMode(n)
	bandwidthAllowed := virtual(n) || (mode == modeBridge && !macvtap(n))
	if err := checkBandwidth(n.Bandwidth, bandwidthRule{}); err != nil {
		return err
	}
	if n.Bandwidth != nil && !bandwidthAllowed {
		return unsupported("Unsupported network-wide <bandwidth> element in network %s with forward mode='%s'", n.Name, mode)
	}
	switch {
	case n.VirtualPort != nil:
		return unsupported("<virtualport> in network '%s' is not supported by virtunit", n.Name)
	case n.PortOptions != nil && n.PortOptions.Isolated == "yes":
		return unsupported("<port isolated='yes'> in network '%s' is not supported by virtunit", n.Name)
	}
	// Only SR-IOV devices (hostdev, passthrough) and Open vSwitch carry VLAN tags in
	// libvirt; Linux bridges do not.
	vlanAllowed := mode == modeHostdev || mode == modePassthrough
	vlanUsed := n.VLAN != nil && len(n.VLAN.Tags) > 0
	var def string
	names := map[string]bool{}
	badVLAN := false
	for _, pg := range n.PortGroups {
		if pg.Name == "" {
			return xmlErr("Missing required name attribute in portgroup")
		}
		if pg.VirtualPort != nil {
			return unsupported("<virtualport> in portgroup '%s' of network '%s' is not supported by virtunit", pg.Name, n.Name)
		}
		if (vlanUsed || (pg.VLAN != nil && len(pg.VLAN.Tags) > 0)) && !vlanAllowed {
			badVLAN = true
		}
		if strings.EqualFold(pg.Default, "yes") {
			if def != "" {
				return unsupported("network '%s' has multiple default <portgroup> elements (%s and %s), but only one default is allowed", n.Name, def, pg.Name)
			}
			def = pg.Name
		}
		if names[pg.Name] {
			return unsupported("multiple <portgroup> elements with the same name (%s) in network '%s'", pg.Name, n.Name)
		}
		names[pg.Name] = true
		bw := n.portGroupBandwidth(pg.Name)
		if err := checkBandwidth(bw, bandwidthRule{}); err != nil {
			return err
		}
		if bw != nil && !bandwidthAllowed {
			return unsupported("Unsupported <bandwidth> element in network '%s' in portgroup '%s' with forward mode='%s'", n.Name, pg.Name, mode)
		}
		if bw != nil && mode == modeHostdev {
			return unsupported("unsupported <bandwidth> element in <portgroup name='%s'> of network '%s' with forward mode='%s'", pg.Name, n.Name, mode)
		}
	}
	if badVLAN || (vlanUsed && !vlanAllowed && def == "") {
		return unsupported("<vlan> element specified for network %s, whose type doesn't support vlan configuration", n.Name)
	}
	for name := range n.PortGroupBandwidth {
		if !names[name] {
			delete(n.PortGroupBandwidth, name)
		}
	}
	return nil
}
