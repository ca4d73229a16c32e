package network

import (
	"net/netip"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// validateDNS checks <dns> (virNetworkDNSDefParseXML): forwarders, hosts, TXT and SRV
// records, every name among them bound for dnsmasq's files.
func validateDNS(n *netDef) error {
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
