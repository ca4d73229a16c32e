package network

import (
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
)

const updBase = `<network><name>u</name><forward mode='nat'/><bridge name='virbr9'/>
<dns><host ip='192.0.2.50'><hostname>a</hostname></host></dns>
<ip address='192.0.2.1' prefix='24'><dhcp><range start='192.0.2.100' end='192.0.2.150'/>
<host mac='52:54:00:00:00:01' name='one' ip='192.0.2.10'/></dhcp></ip>
<ip family='ipv6' address='2001:db8::1' prefix='64'/></network>`

func TestUpdatedDef(t *testing.T) {
	base, err := parseDef(updBase)
	if err != nil {
		t.Fatal(err)
	}
	host, rng, dns, txt := uint32(libvirt.NetworkSectionIPDhcpHost), uint32(libvirt.NetworkSectionIPDhcpRange),
		uint32(libvirt.NetworkSectionDNSHost), uint32(libvirt.NetworkSectionDNSTxt)
	cases := []struct {
		name             string
		command, section uint32
		parent           int32
		xml              string
		check            func(*netDef) bool
		err              string
	}{
		{"add host first", cmdAddFirst, host, -1, "<host mac='52:54:00:00:00:02' name='two' ip='192.0.2.11'/>",
			func(n *netDef) bool {
				return n.IPs[0].DHCP.Hosts[0].Name == "two" && len(n.IPs[0].DHCP.Hosts) == 2
			}, ""},
		{"add host duplicate ip", cmdAddLast, host, -1, "<host mac='52:54:00:00:00:02' ip='192.0.2.10'/>", nil,
			`there is an existing dhcp host entry in network 'u' that matches "<host mac='52:54:00:00:00:02' name='' ip='192.0.2.10'/>"`},
		{"modify host by mac", cmdModify, host, -1, "<host mac='52:54:00:00:00:01' name='uno' ip='192.0.2.12'/>",
			func(n *netDef) bool { return n.IPs[0].DHCP.Hosts[0].IP == "192.0.2.12" }, ""},
		{"modify missing host", cmdModify, host, -1, "<host mac='52:54:00:00:00:09' ip='192.0.2.19'/>", nil,
			"couldn't locate an existing dhcp host entry"},
		{"delete host by name", cmdDelete, host, -1, "<host name='one'/>",
			func(n *netDef) bool { return len(n.IPs[0].DHCP.Hosts) == 0 }, ""},
		{"delete host mismatch", cmdDelete, host, -1, "<host name='one' ip='192.0.2.11'/>", nil,
			"couldn't locate a matching dhcp host entry in network 'u'"},
		{"host with mac on ipv6", cmdAddLast, host, 1, "<host mac='52:54:00:00:00:02' name='x' ip='2001:db8::5'/>", nil,
			"Invalid to specify MAC address"},
		{"host outside ip index", cmdAddLast, host, 5, "<host mac='52:54:00:00:00:02' ip='192.0.2.11'/>", nil,
			"no <ip> element found at index 5"},
		{"wrong element", cmdAddLast, host, -1, "<range start='192.0.2.1' end='192.0.2.2'/>", nil,
			"unexpected element <range>, expecting <host>, while updating network 'u'"},
		{"add range", cmdAddLast, rng, -1, "<range start='192.0.2.200' end='192.0.2.210'/>",
			func(n *netDef) bool { return len(n.IPs[0].DHCP.Ranges) == 2 }, ""},
		{"modify range", cmdModify, rng, -1, "<range start='192.0.2.200' end='192.0.2.210'/>", nil,
			"dhcp ranges cannot be modified, only added or deleted"},
		{"add dns host", cmdAddLast, dns, 0, "<host ip='192.0.2.51'><hostname>b</hostname></host>",
			func(n *netDef) bool { return len(n.DNS.Host) == 2 }, ""},
		{"add dns host same ip", cmdAddLast, dns, 0, "<host ip='192.0.2.50'><hostname>c</hostname></host>", nil,
			"there is already at least one DNS HOST record with a matching field in network u"},
		{"delete dns host by name", cmdDelete, dns, 0, "<host><hostname>a</hostname></host>",
			func(n *netDef) bool { return len(n.DNS.Host) == 0 }, ""},
		{"dns host injection", cmdAddLast, dns, 0, "<host ip='192.0.2.52'><hostname>b&#10;evil</hostname></host>", nil,
			"Invalid hostname"},
		{"add txt", cmdAddLast, txt, 0, "<txt name='k' value='v'/>",
			func(n *netDef) bool { return n.DNS.TXTs[0].Value == "v" }, ""},
		{"ip section", cmdAddLast, uint32(libvirt.NetworkSectionIP), 0, "<ip/>", nil, "can't update 'ip' section of network 'u'"},
		{"bad command", 9, host, 0, "<host/>", nil, "unrecognized network update command code 9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := updatedDef(base, c.command, c.section, c.parent, c.xml)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(n) {
				t.Errorf("result %+v", n)
			}
		})
	}
	if len(base.IPs[0].DHCP.Hosts) != 1 || len(base.DNS.Host) != 1 {
		t.Error("updatedDef changed its input")
	}
}
