package iface

import (
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/xmlstyle"
)

const bridgeDef = `<interface type='bridge' name='br1'>
  <start mode='onboot'/>
  <mtu size='1400'/>
  <protocol family='ipv4'>
    <ip address='192.0.2.1' prefix='24'/>
    <route gateway='192.0.2.254'/>
  </protocol>
  <protocol family='ipv6'>
    <ip address='2001:db8::1' prefix='64'/>
  </protocol>
  <bridge stp='off' delay='0.5'>
    <interface type='ethernet' name='veth1'>
      <mac address='52:54:00:12:34:56'/>
    </interface>
    <interface type='vlan' name='veth2.42'>
      <vlan tag='42'>
        <interface name='veth2'/>
      </vlan>
    </interface>
  </bridge>
</interface>
`

const bondDef = `<interface type='bond' name='bond0'>
  <bond mode='active-backup'>
    <miimon freq='100' updelay='10' carrier='netif'/>
    <interface type='ethernet' name='veth1'/>
    <interface type='ethernet' name='veth2'/>
  </bond>
</interface>
`

const vlanDef = `<interface type='vlan' name='veth1.42'>
  <vlan tag='42'>
    <interface name='veth1'/>
  </vlan>
</interface>
`

func TestParseDefinition(t *testing.T) {
	def, err := parseDefinition(bridgeDef)
	if err != nil {
		t.Fatal(err)
	}
	if def.Name != "br1" || def.MTU.Size != 1400 || def.Bridge.STP != "off" || *def.Bridge.Delay != 0.5 || len(def.Bridge.Interfaces) != 2 {
		t.Fatalf("bridge parsed as %+v", def)
	}
	if m := def.Bridge.Interfaces[1]; m.VLAN == nil || *m.VLAN.Tag != 42 || m.VLAN.Interface.Name != "veth2" {
		t.Fatalf("vlan port parsed as %+v", m)
	}
	for _, doc := range []string{bondDef, vlanDef, `<interface type='ethernet' name='eth0'><mac address='52:54:00:12:34:56'/></interface>`} {
		if _, err := parseDefinition(doc); err != nil {
			t.Errorf("%v\n%s", err, doc)
		}
	}
	// What define stores reads back the same.
	x, err := xmlstyle.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	again, err := parseDefinition(x)
	if err != nil {
		t.Fatalf("formatted definition does not parse: %v\n%s", err, x)
	}
	if y, _ := xmlstyle.Marshal(again); y != x {
		t.Fatalf("round trip changed the definition:\n%s\n%s", x, y)
	}
}

func TestParseDefinitionErrors(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		code libvirt.ErrorNumber
		msg  string
	}{
		{`<interface type='bridge' name='br0'`, libvirt.ErrXMLDetail, "(interface_definition):1: "},
		{``, libvirt.ErrXMLDetail, "Document is empty"},
		{`<network><name>x</name></network>`, libvirt.ErrXMLError, "XML error: expecting root element of 'interface', not 'network'"},
		{`<interface name='x'/>`, libvirt.ErrXMLError, "Missing required attribute 'type' in element 'interface'"},
		{`<interface type='tunnel' name='x'/>`, libvirt.ErrXMLError, "Invalid value for attribute 'type' in element 'interface': 'tunnel'."},
		{`<interface type='ethernet'/>`, libvirt.ErrXMLError, "interface has no name"},
		{`<interface type='ethernet' name='../../etc/passwd'/>`, libvirt.ErrXMLError, "is not a valid Linux interface name"},
		{`<interface type='ethernet' name='averyveryverylongname'/>`, libvirt.ErrXMLError, "is not a valid Linux interface name"},
		{`<interface type='bridge' name='br0'/>`, libvirt.ErrXMLError, "bridge interface misses the bridge element"},
		{`<interface type='bridge' name='br0'><bridge stp='maybe'/></interface>`, libvirt.ErrXMLError, "bridge interface stp should be on or off got maybe"},
		{`<interface type='bridge' name='br0'><bridge><interface type='bridge' name='br1'><bridge/></interface></bridge></interface>`, libvirt.ErrXMLError, "interface has unsupported type 'bridge'"},
		{`<interface type='bond' name='b0'><bond><interface type='vlan' name='v'/></bond></interface>`, libvirt.ErrXMLError, "interface has unsupported type 'vlan'"},
		{`<interface type='bond' name='b0'><bond mode='fastest'/></interface>`, libvirt.ErrXMLError, "unknown bonding mode fastest"},
		{`<interface type='bond' name='b0'><bond><miimon/></bond></interface>`, libvirt.ErrXMLError, "bond interface miimon freq missing or invalid"},
		{`<interface type='bond' name='b0'><bond><arpmon interval='100'/></bond></interface>`, libvirt.ErrXMLError, "bond interface arpmon target missing"},
		{`<interface type='bond' name='b0'><bond><arpmon interval='100' target='nowhere'/></bond></interface>`, libvirt.ErrXMLError, "invalid bond arpmon target 'nowhere'"},
		{`<interface type='vlan' name='v'><vlan><interface name='eth0'/></vlan></interface>`, libvirt.ErrXMLError, "vlan interface misses the tag attribute"},
		{`<interface type='vlan' name='v'><vlan tag='5'/></interface>`, libvirt.ErrXMLError, "vlan interface misses name attribute"},
		{`<interface type='vlan' name='v'><vlan tag='5000'><interface name='eth0'/></vlan></interface>`, libvirt.ErrXMLError, "vlan tag must be between 0 and 4095"},
		{`<interface type='vlan' name='v'><vlan tag='x'><interface name='eth0'/></vlan></interface>`, libvirt.ErrXMLError, "XML error: "},
		{`<interface type='ethernet' name='e'><mtu size='200000'/></interface>`, libvirt.ErrXMLError, "value of the 'size' attribute of 'mtu' element must be at most 100000"},
		{`<interface type='ethernet' name='e'><start mode='sometimes'/></interface>`, libvirt.ErrXMLError, "unknown interface startmode sometimes"},
		{`<interface type='ethernet' name='e'><protocol/></interface>`, libvirt.ErrXMLError, "protocol misses the family attribute"},
		{`<interface type='ethernet' name='e'><protocol family='ipx'/></interface>`, libvirt.ErrXMLError, "unsupported protocol family 'ipx'"},
		{`<interface type='ethernet' name='e'><protocol family='ipv4'><ip address='2001:db8::1'/></protocol></interface>`, libvirt.ErrXMLError, "invalid ipv4 address '2001:db8::1'"},
		{`<interface type='ethernet' name='e'><protocol family='ipv6'><ip address='2001:db8::1' prefix='129'/></protocol></interface>`, libvirt.ErrXMLError, "invalid prefix 129"},
		{`<interface type='vlan' name='v'><bridge/></interface>`, libvirt.ErrXMLError, "vlan interface misses the vlan element"},
	} {
		_, err := parseDefinition(tc.doc)
		if virerror.CodeOf(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s:\n got %v (code %d)\nwant code %d containing %q", tc.doc, err, virerror.CodeOf(err), tc.code, tc.msg)
		}
	}
}

// FuzzParseDefinition feeds arbitrary documents to the parser: it must refuse with a
// libvirt XML error, or return a definition with a valid name that formats and parses
// again.
func FuzzParseDefinition(f *testing.F) {
	for _, doc := range []string{bridgeDef, bondDef, vlanDef, `<interface type='ethernet' name='e'/>`, `<interface`} {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		def, err := parseDefinition(doc)
		if err != nil {
			if c := virerror.CodeOf(err); c != libvirt.ErrXMLError && c != libvirt.ErrXMLDetail {
				t.Fatalf("error of code %d: %v", c, err)
			}
			return
		}
		if checkName(def.Name) != nil {
			t.Fatalf("accepted name %q", def.Name)
		}
		x, err := xmlstyle.Marshal(def)
		if err != nil {
			t.Fatalf("cannot format %+v: %v", def, err)
		}
		if _, err := parseDefinition(x); err != nil {
			t.Fatalf("formatted definition does not parse: %v\n%s\nfrom %q", err, x, doc)
		}
	})
}

// TestParseKeepsOwnType reads only the details of an interface's own type, as libvirt
// does: a vlan with a stray <bridge> stays a vlan, and virsh iface-unbridge's ethernet
// definition, which keeps the bridge's <bridge> element, is an ethernet interface.
func TestParseKeepsOwnType(t *testing.T) {
	for doc, want := range map[string]string{
		`<interface type='vlan' name='v'><vlan tag='5'><interface name='e'/></vlan><bridge/></interface>`:                                                        "vlan",
		`<interface type='ethernet' name='ib0'><bridge stp='off'><interface type='ethernet' name='ib0'/></bridge><mac address='52:54:00:00:00:01'/></interface>`: "ethernet",
	} {
		def, err := parseDefinition(doc)
		if err != nil {
			t.Errorf("%s: %v", doc, err)
			continue
		}
		if got := interfaceType(def); got != want {
			t.Errorf("%s parses as a %s, want a %s", doc, got, want)
		}
	}
}
