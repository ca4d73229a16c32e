package network

import (
	"net/netip"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

func opInvalid(format string, args ...any) error {
	return virerror.New(libvirt.ErrOperationInvalid, virerror.FromNetwork, format, args...)
}

// updateDHCPHost is virNetworkDefUpdateIPDHCPHost.
func updateDHCPHost(def *netDef, command uint32, parent int32, frag string) error {
	var x libvirtxml.NetworkDHCPHost
	if err := decodeFragment(def, frag, "host", &x); err != nil {
		return err
	}
	xip, ip, err := ipForUpdate(def, parent)
	if err != nil {
		return err
	}
	h, err := parseHost(def.Name, ip, &x, command == cmdDelete)
	if err != nil {
		return err
	}
	if xip.DHCP == nil {
		xip.DHCP = &libvirtxml.NetworkDHCP{}
	}
	hosts := xip.DHCP.Hosts
	describe := func() string {
		mac, a := h.mac, "unknown"
		if mac == "" {
			mac = "unknown"
		}
		if h.ip.IsValid() {
			a = h.ip.String()
		}
		return "mac='" + mac + "' name='" + h.name + "' ip='" + a + "'"
	}
	switch command {
	case cmdModify:
		for i := range ip.hosts {
			e := ip.hosts[i]
			if h.mac != "" && e.mac == h.mac || h.ip.IsValid() && e.ip == h.ip || h.name != "" && e.name == h.name {
				hosts[i] = x
				return nil
			}
		}
		return opInvalid("couldn't locate an existing dhcp host entry with \"%s\" in network '%s'", describeQuoted(h), def.Name)
	case cmdAddFirst, cmdAddLast:
		if err := checkMultiDHCP(def, xip, ip); err != nil {
			return err
		}
		for _, e := range ip.hosts {
			if h.mac != "" && e.mac == h.mac || h.name != "" && e.name == h.name || h.ip.IsValid() && e.ip == h.ip {
				return opInvalid("there is an existing dhcp host entry in network '%s' that matches \"<host %s/>\"", def.Name, describe())
			}
		}
		xip.DHCP.Hosts = insertAt(hosts, command == cmdAddFirst, x)
	case cmdDelete:
		for i, e := range ip.hosts {
			if (h.mac == "" || e.mac == "" || e.mac == h.mac) && (h.name == "" || e.name == h.name) && (!h.ip.IsValid() || e.ip == h.ip) {
				xip.DHCP.Hosts = append(hosts[:i:i], hosts[i+1:]...)
				return nil
			}
		}
		return opInvalid("couldn't locate a matching dhcp host entry in network '%s'", def.Name)
	}
	return nil
}

func describeQuoted(h dhcpHost) string {
	mac, a := h.mac, "unknown"
	if mac == "" {
		mac = "unknown"
	}
	if h.ip.IsValid() {
		a = h.ip.String()
	}
	return "mac='" + mac + "'\" \"name='" + h.name + "'\" \"ip='" + a + "'"
}

// updateDHCPRange is virNetworkDefUpdateIPDHCPRange.
func updateDHCPRange(def *netDef, command uint32, parent int32, frag string) error {
	if command == cmdModify {
		return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNetwork, "dhcp ranges cannot be modified, only added or deleted")
	}
	var x libvirtxml.NetworkDHCPRange
	if err := decodeFragment(def, frag, "range", &x); err != nil {
		return err
	}
	xip, ip, err := ipForUpdate(def, parent)
	if err != nil {
		return err
	}
	r, err := parseRange(def.Name, ip, &x)
	if err != nil {
		return err
	}
	if xip.DHCP == nil {
		xip.DHCP = &libvirtxml.NetworkDHCP{}
	}
	found := -1
	for i, e := range ip.ranges {
		if e.start == r.start && e.end == r.end {
			found = i
		}
	}
	switch command {
	case cmdAddFirst, cmdAddLast:
		if err := checkMultiDHCP(def, xip, ip); err != nil {
			return err
		}
		if found >= 0 {
			return opInvalid("there is an existing dhcp range entry in network '%s' that matches \"<range start='%s' end='%s'/>\"", def.Name, r.start, r.end)
		}
		xip.DHCP.Ranges = insertAt(xip.DHCP.Ranges, command == cmdAddFirst, x)
	case cmdDelete:
		if found < 0 {
			return opInvalid("couldn't locate a matching dhcp range entry in network '%s'", def.Name)
		}
		xip.DHCP.Ranges = append(xip.DHCP.Ranges[:found:found], xip.DHCP.Ranges[found+1:]...)
	}
	return nil
}

// updateDNSHost is virNetworkDefUpdateDNSHost.
func updateDNSHost(def *netDef, command uint32, frag string) error {
	if command == cmdModify {
		return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNetwork, "DNS HOST records cannot be modified, only added or deleted")
	}
	var x libvirtxml.NetworkDNSHost
	if err := decodeFragment(def, frag, "host", &x); err != nil {
		return err
	}
	add := command != cmdDelete
	if err := checkDNSHost(def.Name, x, !add); err != nil {
		return err
	}
	if def.DNS == nil {
		def.DNS = &libvirtxml.NetworkDNS{}
	}
	xa, _ := netip.ParseAddr(x.IP)
	found, idx := 0, -1
	for i, e := range def.DNS.Host {
		ea, _ := netip.ParseAddr(e.IP)
		match := xa.IsValid() && ea == xa
		for _, hn := range x.Hostnames {
			for _, en := range e.Hostnames {
				match = match || !add && hn.Hostname == en.Hostname
			}
		}
		if match {
			found, idx = found+1, i
		}
	}
	switch {
	case add && found > 0:
		return opInvalid("there is already at least one DNS HOST record with a matching field in network %s", def.Name)
	case add:
		def.DNS.Host = insertAt(def.DNS.Host, command == cmdAddFirst, x)
	case found == 0:
		return opInvalid("couldn't locate a matching DNS HOST record in network %s", def.Name)
	case found > 1:
		return opInvalid("multiple matching DNS HOST records were found in network %s", def.Name)
	default:
		def.DNS.Host = append(def.DNS.Host[:idx:idx], def.DNS.Host[idx+1:]...)
	}
	return nil
}

// updateDNSTxt is virNetworkDefUpdateDNSTxt.
func updateDNSTxt(def *netDef, command uint32, frag string) error {
	if command == cmdModify {
		return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNetwork, "DNS TXT records cannot be modified, only added or deleted")
	}
	var x libvirtxml.NetworkDNSTXT
	if err := decodeFragment(def, frag, "txt", &x); err != nil {
		return err
	}
	add := command != cmdDelete
	if x.Name == "" {
		return detailErr("missing required name attribute in DNS TXT record of network %s", def.Name)
	}
	if add {
		if err := checkTXT(def.Name, x); err != nil {
			return err
		}
	}
	if def.DNS == nil {
		def.DNS = &libvirtxml.NetworkDNS{}
	}
	idx := -1
	for i, e := range def.DNS.TXTs {
		if e.Name == x.Name {
			idx = i
		}
	}
	switch {
	case add && idx >= 0:
		return opInvalid("there is already a DNS TXT record with name '%s' in network %s", x.Name, def.Name)
	case add:
		def.DNS.TXTs = insertAt(def.DNS.TXTs, command == cmdAddFirst, x)
	case idx < 0:
		return opInvalid("couldn't locate a matching DNS TXT record in network %s", def.Name)
	default:
		def.DNS.TXTs = append(def.DNS.TXTs[:idx:idx], def.DNS.TXTs[idx+1:]...)
	}
	return nil
}
