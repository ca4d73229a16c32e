package network

import (
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

func wrap(body string) string { return "<network><name>n</name>" + body + "</network>" }

// TestParseDefRejects lists definitions libvirt refuses, and those virtunit refuses
// because a value would reach a dnsmasq or hosts file as more than one value.
func TestParseDefRejects(t *testing.T) {
	ip := "<ip address='192.0.2.1' prefix='24'>%s</ip>"
	withIP := func(inner string) string { return strings.Replace(ip, "%s", inner, 1) }
	cases := []struct {
		name, xml string
		code      libvirt.ErrorNumber
		want      string
	}{
		{"not XML", "<network><name>x</name>", libvirt.ErrXMLError, "XML error"},
		{"wrong root", "<domain><name>x</name></domain>", libvirt.ErrXMLError, "unexpected root element <domain>, expecting <network>"},
		{"no name", "<network/>", libvirt.ErrNoName, "missing name information in network"},
		{"slash in name", "<network><name>a/b</name></network>", libvirt.ErrXMLDetail, "invalid char in name: /"},
		{"newline in name", "<network><name>a&#10;dhcp-range=x</name></network>", libvirt.ErrXMLDetail, `invalid char in name: '\n'`},
		{"hash in name", "<network><name>a #b</name></network>", libvirt.ErrXMLDetail, "invalid char in name: #"},
		{"bad uuid", wrap("<uuid>1234</uuid>"), libvirt.ErrInternalError, "malformed uuid element"},
		{"unknown mode", wrap("<forward mode='tunnel'/>"), libvirt.ErrConfigUnsupported, "unknown forwarding type 'tunnel'"},
		{"hostdev netdev", wrap("<forward mode='hostdev'><interface dev='eth0'/></forward>"), libvirt.ErrConfigUnsupported, "hostdev network 'n' lists 'eth0' in the device pool, but hostdev networks require all devices to be listed by PCI address"},
		{"hostdev not a vf", wrap("<forward mode='hostdev'><address type='pci' domain='0' bus='0x7f' slot='0x1f' function='7'/></forward>"), libvirt.ErrConfigUnsupported, "device '/sys/bus/pci/devices/0000:7f:1f.7' in network 'n' is not an SR-IOV Virtual Function"},
		{"pci in macvtap pool", wrap("<forward mode='vepa'><address type='pci' domain='0' bus='0' slot='1' function='0'/></forward>"), libvirt.ErrConfigUnsupported, "but lists a device by PCI address in the device pool"},
		{"forward dev mismatch", wrap("<forward mode='private' dev='up0'><interface dev='up1'/></forward>"), libvirt.ErrXMLError, "<forward dev='up0'> must match first <interface dev='up1'/> in network n"},
		{"forward dev twice", wrap("<forward mode='vepa'><interface dev='up0'/><interface dev='up0'/></forward>"), libvirt.ErrXMLError, "interface 'up0' can only be listed once in network n"},
		{"macvtap with bridge", wrap("<forward mode='bridge'><interface dev='up0'/></forward><bridge name='br0'/>"), libvirt.ErrXMLError, "can specify a bridge name or a forward dev, but not both"},
		{"private with bridge", wrap("<forward mode='private'/><bridge name='br0'/>"), libvirt.ErrXMLError, "bridge name not allowed in private mode (network 'n')"},
		{"macvtap mtu", wrap("<forward mode='vepa'><interface dev='up0'/></forward><mtu size='9000'/>"), libvirt.ErrXMLError, "mtu size only allowed in open, route, nat, and isolated mode, not in vepa"},
		{"macvtap bandwidth", wrap("<forward mode='passthrough'><interface dev='up0'/></forward><bandwidth><inbound average='10'/></bandwidth>"), libvirt.ErrConfigUnsupported, "Unsupported network-wide <bandwidth> element in network n with forward mode='passthrough'"},
		{"macvtap vlan", wrap("<forward mode='vepa'><interface dev='up0'/></forward><vlan><tag id='42'/></vlan>"), libvirt.ErrConfigUnsupported, "<vlan> element specified for network n, whose type doesn't support vlan configuration"},
		{"two default portgroups", wrap("<portgroup name='a' default='yes'/><portgroup name='b' default='yes'/>"), libvirt.ErrConfigUnsupported, "has multiple default <portgroup> elements (a and b)"},
		{"portgroup twice", wrap("<portgroup name='a'/><portgroup name='a'/>"), libvirt.ErrConfigUnsupported, "multiple <portgroup> elements with the same name (a)"},
		{"portgroup floor", wrap("<portgroup name='a'><bandwidth><inbound average='10' floor='5'/></bandwidth></portgroup>"), libvirt.ErrConfigUnsupported, "floor attribute is not supported for this config"},
		{"nat without ip", wrap("<forward mode='nat'/>"), libvirt.ErrXMLError, "nat forwarding requested, but no IP address provided for network 'n'"},
		{"bridge name with space", wrap("<bridge name='br 0'/>"), libvirt.ErrXMLError, "Invalid bridge name 'br 0'"},
		{"bridge name too long", wrap("<bridge name='averyveryverylongname'/>"), libvirt.ErrXMLError, "Invalid bridge name"},
		{"bad delay", wrap("<bridge delay='x'/>"), libvirt.ErrXMLError, "Invalid delay value in network 'n'"},
		{"multicast mac", wrap("<mac address='01:00:5e:00:00:01'/>"), libvirt.ErrXMLError, "Invalid multicast bridge mac address"},
		{"bad mac", wrap("<mac address='zz'/>"), libvirt.ErrXMLError, "Invalid bridge mac address 'zz'"},
		{"domain injection", wrap("<domain name='a&#10;server=/x/1.2.3.4'/>"), libvirt.ErrXMLError, "Invalid domain name"},
		{"dns hostname injection", wrap("<dns><host ip='192.0.2.5'><hostname>a b</hostname></host></dns>"), libvirt.ErrXMLDetail, "Invalid hostname 'a b'"},
		{"dns host without ip", wrap("<dns><host><hostname>a</hostname></host></dns>"), libvirt.ErrXMLDetail, "Missing IP address in network 'n' DNS HOST record"},
		{"txt newline", wrap("<dns><txt name='t' value='a&#10;b'/></dns>"), libvirt.ErrXMLDetail, "prohibited character in DNS TXT record value"},
		{"txt name comma", wrap("<dns><txt name='a,b' value='v'/></dns>"), libvirt.ErrXMLDetail, "prohibited character in DNS TXT record name 'a,b'"},
		{"srv service", wrap("<dns><srv service='a.b' protocol='tcp'/></dns>"), libvirt.ErrXMLDetail, "invalid character in service attribute 'a.b'"},
		{"dns disabled with hosts", wrap("<dns enable='no'><host ip='192.0.2.5'><hostname>a</hostname></host></dns>"), libvirt.ErrXMLError, "Extra data in disabled network 'n'"},
		{"bad address", wrap("<ip address='192.0.2.256'/>"), libvirt.ErrXMLError, "Invalid address '192.0.2.256' in network 'n'"},
		{"prefix and netmask", wrap("<ip address='192.0.2.1' prefix='24' netmask='255.255.255.0'/>"), libvirt.ErrConfigUnsupported, "cannot have both a prefix and a netmask"},
		{"ipv6 family mismatch", wrap("<ip family='ipv6' address='192.0.2.1'/>"), libvirt.ErrConfigUnsupported, "Family 'ipv6' specified for non-IPv6 address"},
		{"range outside", wrap(withIP("<dhcp><range start='192.0.2.10' end='198.51.100.5'/></dhcp>")), libvirt.ErrInternalError, "range 192.0.2.10 - 198.51.100.5 is not entirely within network 192.0.2.1/24"},
		{"range reversed", wrap(withIP("<dhcp><range start='192.0.2.20' end='192.0.2.10'/></dhcp>")), libvirt.ErrInternalError, "range 192.0.2.20 - 192.0.2.10 is reversed"},
		{"range broadcast", wrap(withIP("<dhcp><range start='192.0.2.20' end='192.0.2.255'/></dhcp>")), libvirt.ErrInternalError, "includes broadcast address"},
		{"host name injection", wrap(withIP("<dhcp><host mac='52:54:00:00:00:01' name='a,192.0.2.9' ip='192.0.2.9'/></dhcp>")), libvirt.ErrXMLError, "Cannot use host name 'a,192.0.2.9' in network 'n'"},
		{"host without ip", wrap(withIP("<dhcp><host mac='52:54:00:00:00:01'/></dhcp>")), libvirt.ErrXMLError, "Missing IP address in static host definition for network 'n'"},
		{"host without mac or name", wrap(withIP("<dhcp><host ip='192.0.2.9'/></dhcp>")), libvirt.ErrXMLError, "must have mac or name attribute"},
		{"host bad id", wrap(withIP("<dhcp><host id='0x1' name='a' ip='192.0.2.9'/></dhcp>")), libvirt.ErrXMLError, "Invalid character 'x' in id '0x1'"},
		{"short lease", wrap(withIP("<dhcp><range start='192.0.2.10' end='192.0.2.20'><lease expiry='1'/></range></dhcp>")), libvirt.ErrConfigUnsupported, "The minimum lease time should be greater than 2 minutes"},
		{"tftp newline", wrap(withIP("<tftp root='/srv&#10;enable-ra'/>")), libvirt.ErrXMLError, "Invalid tftp root"},
		{"two ipv4 dhcp", wrap(withIP("<dhcp><range start='192.0.2.10' end='192.0.2.20'/></dhcp>") +
			"<ip address='198.51.100.1' prefix='24'><dhcp><range start='198.51.100.10' end='198.51.100.20'/></dhcp></ip>"),
			libvirt.ErrConfigUnsupported, "Multiple IPv4 dhcp sections found"},
		{"unreachable route", wrap(withIP("") + "<route address='198.51.100.0' prefix='24' gateway='203.0.113.1'/>"), libvirt.ErrConfigUnsupported, "unreachable static route gateway '203.0.113.1'"},
		{"dnsmasq option newline", `<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'><name>n</name>` +
			`<dnsmasq:options><dnsmasq:option value='no-ping&#10;dhcp-script=/tmp/x'/></dnsmasq:options></network>`, libvirt.ErrXMLError, "line breaks and control characters are not allowed"},
		{"network floor", wrap("<bandwidth><inbound average='1000' floor='10'/></bandwidth>"), libvirt.ErrConfigUnsupported, "floor attribute is not supported for this config"},
		{"outbound floor", wrap("<bandwidth><outbound average='1000' floor='10'/></bandwidth>"), libvirt.ErrConfigUnsupported, "'floor' attribute allowed only in <inbound> element"},
		{"peak without average", wrap("<bandwidth><outbound peak='1000'/></bandwidth>"), libvirt.ErrXMLDetail, "Missing mandatory average or floor attributes"},
		{"bridge mode with ip", wrap("<forward mode='bridge'/><bridge name='br0'/>" + withIP("")), libvirt.ErrConfigUnsupported, "Unsupported <ip> element in network n with forward mode='bridge'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseDef(c.xml)
			if err == nil {
				t.Fatalf("accepted %s", c.xml)
			}
			if virerror.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %d %q, want code %d containing %q", virerror.CodeOf(err), err, c.code, c.want)
			}
		})
	}
}

func TestParseDefNormalizes(t *testing.T) {
	n, err := parseDef(`<network><name>n</name><forward/><ip address='10.1.2.3'/></network>`)
	if err != nil {
		t.Fatal(err)
	}
	if n.Forward.Mode != "nat" || n.Bridge.STP != "on" || n.Bridge.Delay != "0" || !strings.HasPrefix(n.MAC.Address, "52:54:00:") || len(n.UUID) != 36 {
		t.Errorf("normalized to %+v %+v %+v %q", n.Forward, n.Bridge, n.MAC, n.UUID)
	}
	ips, _ := ipDefs(n)
	if ips[0].prefix != 8 {
		t.Errorf("classful prefix of 10.1.2.3 = %d", ips[0].prefix)
	}
	b, err := parseDef(`<network><name>b</name><forward mode='bridge'/><bridge name='br0'/></network>`)
	if err != nil || b.MAC != nil || b.Bridge.STP != "" {
		t.Errorf("bridge mode network: %+v, %v", b, err)
	}
}

func FuzzParseDef(f *testing.F) {
	f.Add(`<network><name>n</name><forward mode='nat'/><ip address='192.0.2.1' prefix='24'><dhcp><range start='192.0.2.2' end='192.0.2.9'/><host mac='52:54:00:00:00:01' name='h' ip='192.0.2.3'/></dhcp></ip></network>`)
	f.Add(`<network><name>n</name><domain name='d'/><dns><host ip='192.0.2.5'><hostname>a</hostname></host><txt name='t' value='v'/><srv service='s' protocol='tcp' target='t' port='1'/></dns><ip family='ipv6' address='2001:db8::1' prefix='64'><dhcp><range start='2001:db8::10' end='2001:db8::20'/></dhcp></ip></network>`)
	f.Fuzz(func(t *testing.T, doc string) {
		n, err := parseDef(doc)
		if err != nil {
			return
		}
		// Whatever parses must give one-value-per-line dnsmasq files.
		n.Bridge = nil
		if virtual(n) {
			normalizeDef(n)
			n.Bridge.Name = "virbr0"
			f, err := buildDnsmasq(n, "/d", "/p/x.pid")
			if err != nil {
				return
			}
			for _, l := range strings.Split(f.Conf+f.Hosts, "\n") {
				if !confSafe(l) {
					t.Fatalf("line %q", l)
				}
			}
		}
		if _, err := formatDef(n); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStatusRoundTrip(t *testing.T) {
	d := &Driver{paths: paths{state: t.TempDir()}}
	def, err := parseDef(`<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'><name>s</name><bridge name='virbr3'/><ip address='192.0.2.1' prefix='24'/><dnsmasq:options><dnsmasq:option value='no-ping'/></dnsmasq:options></network>`)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.saveStatus(def); err != nil {
		t.Fatal(err)
	}
	got, err := readStatus(d.paths.statusFile("s"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := formatDef(def)
	b, _ := formatDef(got)
	if a != b {
		t.Errorf("status file round trip:\n%s\nbecame\n%s", a, b)
	}
}
