package network

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// dnsmasqFiles is what dnsmasq reads for one network: its config and the two hosts
// files the config names (static DHCP hosts, DNS hosts). Host changes rewrite only the
// hosts files and SIGHUP dnsmasq; anything else rewrites the config and restarts it.
type dnsmasqFiles struct {
	Conf, Hosts, AddnHosts string
}

// dnsmasqPath is the file of network name with suffix in dir, named as libvirt names it
// (the name XML-escaped, as its virBufferEscapeString does).
func dnsmasqPath(dir, name, suffix string) string {
	return filepath.Join(dir, xmlEscape(name)+"."+suffix)
}

// needsDnsmasq reports whether a network runs dnsmasq (networkStartDhcpDaemon): it has
// addresses, and either serves DHCP or has DNS enabled.
func needsDnsmasq(n *netDef, ips []ipDef) bool {
	if !virtual(n) || len(ips) == 0 {
		return false
	}
	for i := range ips {
		if ips[i].dhcp() {
			return true
		}
	}
	return n.DNS == nil || n.DNS.Enable != "no"
}

// buildDnsmasq writes the files of networkDnsmasqConfContents for n, whose bridge name
// is set, with its files in dir and its PID in pidFile. It is pure: the definition in, the bytes out. Every
// line it writes is checked to be one line, whatever validation let through.
func buildDnsmasq(n *netDef, dir, pidFile string) (dnsmasqFiles, error) {
	ips, err := ipDefs(n)
	if err != nil {
		return dnsmasqFiles{}, err
	}
	c := &confWriter{}
	c.raw("##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n" +
		"##OVERWRITTEN AND LOST.  Changes to this configuration should be made using:\n")
	c.line("##    virsh net-edit %s", n.Name)
	c.raw("## or other application using the libvirt API.\n##\n## dnsmasq conf file created by libvirt\n")
	c.line("strict-order")
	dns := n.DNS
	if dns == nil {
		dns = &libvirtxml.NetworkDNS{}
	}
	wantDNS := dns.Enable != "no"
	if !wantDNS {
		c.line("port=0")
	}
	if wantDNS {
		writeForwarders(c, dns)
	}
	if n.Domain != nil && n.Domain.Name != "" {
		if n.Domain.LocalOnly == "yes" {
			c.line("local=/%s/", n.Domain.Name)
		}
		c.line("domain=%s", n.Domain.Name)
		c.line("expand-hosts")
	}
	if wantDNS {
		for i := range ips {
			if n.IPs[i].LocalPtr == "yes" {
				ptr, err := ptrDomain(ips[i])
				if err != nil {
					return dnsmasqFiles{}, err
				}
				c.line("local=/%s/", ptr)
			}
		}
		if dns.ForwardPlainNames == "no" {
			c.line("domain-needed")
			c.line("local=//")
		}
	}
	c.line("pid-file=%s", pidFile)
	c.line("except-interface=lo")
	c.line("bind-dynamic")
	c.line("interface=%s", n.Bridge.Name)
	if forwardMode(n) == modeIsolated {
		c.line("dhcp-option=3")
		c.line("no-resolv")
		c.line("ra-param=*,0,0")
	}
	if wantDNS {
		for _, t := range dns.TXTs {
			c.line("txt-record=%s,%s", t.Name, t.Value)
		}
		for _, s := range dns.SRVs {
			c.line("%s", srvHost(s))
		}
	}
	v4, v6 := dhcpIPs(ips)
	leases := 0
	var hosts []string
	for _, ip := range []*ipDef{v4, v6} {
		if ip == nil {
			continue
		}
		if ip.v4() && ip.tftp != "" {
			c.line("enable-tftp")
			c.line("tftp-root=%s", ip.tftp)
		}
		for _, r := range ip.ranges {
			mask := ip.netmask()
			if !ip.v4() {
				mask = fmt.Sprint(ip.prefix)
			}
			lease := ""
			if r.lease != "" {
				lease = "," + r.lease
			}
			c.line("dhcp-range=%s,%s,%s%s", r.start, r.end, mask, lease)
			size, err := rangeSize(r.start, r.end, ip)
			if err != nil {
				return dnsmasqFiles{}, err
			}
			leases += size
		}
		if len(ip.ranges) == 0 && len(ip.hosts) > 0 {
			if ip.v4() {
				c.line("dhcp-range=%s,static", ip.addr)
			} else {
				c.line("dhcp-range=%s,static,%d", ip.addr, ip.prefix)
			}
		}
		hosts = append(hosts, hostsLines(ip)...)
		if ip.v4() {
			c.line("dhcp-no-override")
			c.line("dhcp-authoritative")
			if ip.boot != "" {
				if ip.server.IsValid() {
					c.line("dhcp-boot=%s,,%s", ip.boot, ip.server)
				} else {
					c.line("dhcp-boot=%s", ip.boot)
				}
			}
		}
	}
	if leases > 0 {
		c.line("dhcp-lease-max=%d", leases)
	}
	if v4 != nil || v6 != nil {
		c.line("dhcp-hostsfile=%s", dnsmasqPath(dir, n.Name, "hostsfile"))
	}
	if wantDNS {
		c.line("addn-hosts=%s", dnsmasqPath(dir, n.Name, "addnhosts"))
	}
	if n.MTU != nil && n.MTU.Size > 0 {
		c.line("dhcp-option=option:mtu,%d", n.MTU.Size)
	}
	if v6 != nil {
		c.line("enable-ra")
	} else {
		for i := range ips {
			if !ips[i].v4() && !ips[i].dhcp() {
				c.line("dhcp-range=%s,ra-only", ips[i].addr)
			}
		}
	}
	if n.DnsmasqOptions != nil {
		for _, o := range n.DnsmasqOptions.Option {
			c.line("%s", o.Value)
		}
	}
	addn, err := addnHosts(dns)
	if err != nil {
		return dnsmasqFiles{}, err
	}
	for _, h := range hosts {
		if !confSafe(h) {
			return dnsmasqFiles{}, fmt.Errorf("dnsmasq hosts line %q of network %s spans lines", h, n.Name)
		}
	}
	if c.err != nil {
		return dnsmasqFiles{}, c.err
	}
	return dnsmasqFiles{Conf: c.b.String(), Hosts: joinLines(hosts), AddnHosts: addn}, nil
}

// dhcpIPs are the one IPv4 and the one IPv6 address that serve DHCP, if any.
func dhcpIPs(ips []ipDef) (v4, v6 *ipDef) {
	for i := range ips {
		switch {
		case !ips[i].dhcp():
		case ips[i].v4() && v4 == nil:
			v4 = &ips[i]
		case !ips[i].v4() && v6 == nil:
			v6 = &ips[i]
		}
	}
	return v4, v6
}

func writeForwarders(c *confWriter, dns *libvirtxml.NetworkDNS) {
	noResolv := false
	for _, f := range dns.Forwarders {
		v := ""
		if f.Domain != "" {
			v = "/" + f.Domain + "/"
		}
		if f.Addr != "" {
			a, _ := netip.ParseAddr(f.Addr)
			v += a.String()
			if f.Domain == "" {
				noResolv = true
			}
		} else {
			v += "#"
		}
		c.line("server=%s", v)
	}
	if noResolv {
		c.line("no-resolv")
	}
}

// srvHost is the srv-host line of an SRV record: port, priority and weight are
// positional, so a later one present forces the earlier ones out (port defaulting to 1).
func srvHost(s libvirtxml.NetworkDNSSRV) string {
	v := "srv-host=_" + s.Service + "._" + s.Protocol
	if s.Domain != "" {
		v += "." + s.Domain
	}
	if s.Target != "" && s.Target != "." {
		v += "," + s.Target
		port := s.Port
		if port == 0 {
			port = 1
		}
		if s.Port != 0 || s.Priority != 0 || s.Weight != 0 {
			v += fmt.Sprintf(",%d", port)
		}
		if s.Priority != 0 || s.Weight != 0 {
			v += fmt.Sprintf(",%d", s.Priority)
		}
		if s.Weight != 0 {
			v += fmt.Sprintf(",%d", s.Weight)
		}
	}
	return v
}

// hostsLines are the dhcp-hostsfile lines of an address's static hosts
// (dnsmasqAddDhcpHost).
func hostsLines(ip *ipDef) []string {
	var out []string
	for _, h := range ip.hosts {
		var v string
		switch {
		case !ip.v4():
			var parts []string
			if h.id != "" {
				parts = append(parts, "id:"+h.id)
			}
			if h.name != "" {
				parts = append(parts, h.name)
			}
			v = strings.Join(append(parts, "["+h.ip.String()+"]"), ",")
		case h.name != "" && h.mac != "":
			v = h.mac + "," + h.ip.String() + "," + h.name
		case h.name != "":
			v = h.name + "," + h.ip.String()
		default:
			v = h.mac + "," + h.ip.String()
		}
		if h.lease != "" {
			v += "," + h.lease
		}
		out = append(out, v)
	}
	return out
}

// addnHosts is the addn-hosts file: one line per address, its names tab-separated (and
// tab-terminated, as libvirt writes them).
func addnHosts(dns *libvirtxml.NetworkDNS) (string, error) {
	var order []string
	names := map[string][]string{}
	for _, h := range dns.Host {
		a, err := netip.ParseAddr(h.IP)
		if err != nil {
			continue
		}
		ip := a.String()
		if _, ok := names[ip]; !ok {
			order = append(order, ip)
		}
		for _, hn := range h.Hostnames {
			if !validHostname(hn.Hostname) {
				return "", fmt.Errorf("DNS host name %q is not a host name", hn.Hostname)
			}
			names[ip] = append(names[ip], hn.Hostname)
		}
	}
	var b strings.Builder
	for _, ip := range order {
		b.WriteString(ip + "\t")
		for _, n := range names[ip] {
			b.WriteString(n + "\t")
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// ptrDomain is the reverse-lookup zone of an address's network (virSocketAddrPTRDomain):
// whole octets for IPv4, whole nibbles for IPv6.
func ptrDomain(ip ipDef) (string, error) {
	step, suffix := 8, "in-addr.arpa"
	if !ip.v4() {
		step, suffix = 4, "ip6.arpa"
	}
	if ip.prefix%step != 0 || ip.prefix == 0 {
		fam := "IPv4"
		if !ip.v4() {
			fam = "IPv6"
		}
		return "", unsupported("PTR domain for %s network with prefix %d cannot be automatically created", fam, ip.prefix)
	}
	b := ip.net().Addr().AsSlice()
	var parts []string
	for i := ip.prefix/step - 1; i >= 0; i-- {
		if step == 8 {
			parts = append(parts, fmt.Sprint(b[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%x", b[i/2]>>(4*(1-i%2))&0xf))
		}
	}
	return strings.Join(append(parts, suffix), "."), nil
}

func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// confWriter builds a config file line by line and refuses a value that would make a
// line into two.
type confWriter struct {
	b   strings.Builder
	err error
}

func (c *confWriter) raw(s string) { c.b.WriteString(s) }

func (c *confWriter) line(format string, args ...any) {
	l := fmt.Sprintf(format, args...)
	if !confSafe(l) && c.err == nil {
		c.err = fmt.Errorf("dnsmasq config line %q spans lines", l)
		return
	}
	c.b.WriteString(l + "\n")
}
