package iface_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestListAndDescribe sets up every kind of link this kernel has in a namespace and
// checks iface-list and iface-dumpxml against what ip(8) says.
func TestListAndDescribe(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	ipn(t, ns, "link add va type veth peer name vb")
	ipn(t, ns, "link add br0 type bridge")
	ipn(t, ns, "link set vb master br0")
	ipn(t, ns, "tuntap add tp0 mode tap")
	ipn(t, ns, "link add mv0 link va type macvlan")
	ipn(t, ns, "link add vx0 type vxlan id 42 dstport 4789")
	ipn(t, ns, "addr add 192.0.2.1/24 dev va")
	ipn(t, ns, "addr add 2001:db8::1/64 dev va nodad")
	ipn(t, ns, "link set va mtu 1400")
	for _, l := range []string{"va", "vb", "br0"} {
		ipn(t, ns, "link set "+l+" up")
	}
	d := startIn(t, ns)
	host := links(t, ns)

	list := ifaceList(t, d, "--all")
	want := map[string]string{"lo": "active", "va": "active", "br0": "active", "tp0": "inactive", "mv0": "inactive", "vx0": "inactive"}
	for name, state := range want {
		if got := list[name]; got[0] != state || (name != "lo" && got[1] != host[name].Address) {
			t.Errorf("iface-list: %s = %v, want %s %s", name, got, state, host[name].Address)
		}
	}
	if _, ok := list["vb"]; ok || len(list) != len(want) {
		t.Errorf("iface-list --all shows %v; the bridge port vb belongs in br0's XML only", list)
	}
	if active := ifaceList(t, d); len(active) != 3 {
		t.Errorf("iface-list (active only): %v", active)
	}
	if inactive := ifaceList(t, d, "--inactive"); len(inactive) != 3 {
		t.Errorf("iface-list --inactive: %v", inactive)
	}

	dump := func(name string) *libvirtxml.Interface {
		t.Helper()
		var x libvirtxml.Interface
		if err := x.Unmarshal(d.Virsh(t, "iface-dumpxml", name)); err != nil {
			t.Fatal(err)
		}
		return &x
	}
	va := dump("va")
	if va.MAC == nil || va.MAC.Address != host["va"].Address || va.MTU.Size != 1400 || va.Link.State != "up" || va.Link.Speed != 10000 {
		t.Errorf("va: %+v", va)
	}
	var addrs []string
	for _, p := range va.Protocol {
		for _, ip := range p.IPs {
			addrs = append(addrs, fmt.Sprintf("%s %s/%d", p.Family, ip.Address, ip.Prefix))
		}
	}
	if !contains(addrs, "ipv4 192.0.2.1/24") || !contains(addrs, "ipv6 2001:db8::1/64") {
		t.Errorf("va addresses %v", addrs)
	}
	br := dump("br0")
	if br.Bridge == nil || br.Link != nil || br.MAC != nil || len(br.Bridge.Interfaces) != 1 || *br.Bridge.Delay != 15 || br.Bridge.STP != "off" {
		t.Fatalf("br0: %+v", br)
	}
	if port := br.Bridge.Interfaces[0]; port.Name != "vb" || port.MAC.Address != host["vb"].Address || port.MTU != nil {
		t.Errorf("br0 port: %+v", port)
	}
	for _, name := range []string{"tp0", "mv0", "vx0"} {
		x := dump(name)
		if x.Bridge != nil || x.Bond != nil || x.VLAN != nil || x.MAC.Address != host[name].Address || x.Link.State != "down" {
			t.Errorf("%s: %+v", name, x)
		}
	}
	if got := strings.TrimSpace(d.Virsh(t, "iface-mac", "mv0")); got != host["mv0"].Address {
		t.Errorf("iface-mac mv0 = %q", got)
	}
	if got := strings.TrimSpace(d.Virsh(t, "iface-name", strings.ToUpper(host["vx0"].Address))); got != "vx0" {
		t.Errorf("iface-name = %q", got)
	}
	if got := strings.TrimSpace(d.Virsh(t, "iface-mac", "vb")); got != host["vb"].Address {
		t.Errorf("lookup of a bridge port by name: %q", got)
	}
}

// TestUnknownNamesAndBadXML checks libvirt's errors: NO_INTERFACE (57) for names and
// MAC addresses that match nothing, XML_DETAIL (35) for a document that is not XML,
// XML_ERROR (27) for one libvirt's parser refuses.
func TestUnknownNamesAndBadXML(t *testing.T) {
	t.Parallel()
	d := startIn(t, netNS(t))
	if e := virshFails(t, d, "iface-dumpxml", "nope"); !strings.Contains(e, "Interface not found: couldn't find interface named 'nope'") {
		t.Errorf("virsh iface-dumpxml nope: %s", e)
	}
	got := python(t, d, errorOf("conn.interfaceLookupByName('nope')")+
		errorOf("conn.interfaceLookupByMACString('52:54:00:00:00:99')")+
		errorOf("conn.interfaceDefineXML('<interface type=\"bridge\" name=\"br0\"')")+
		errorOf("conn.interfaceDefineXML('<interface type=\"bridge\" name=\"br0\"/>')")+
		errorOf("conn.interfaceDefineXML('<interface type=\"ethernet\"/>')"))
	want := []string{
		"57 26 Interface not found: couldn't find interface named 'nope'",
		"57 26 Interface not found: couldn't find interface with MAC address '52:54:00:00:00:99'",
		"35 26 (interface_definition):1: unexpected EOF",
		"27 26 XML error: bridge interface misses the bridge element",
		"27 26 XML error: interface has no name",
	}
	if lines := strings.Split(got, "\n"); !reflect.DeepEqual(lines, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if e := virshFails(t, d, "iface-define", writeXML(t, "<interface type='vlan' name='v'><vlan tag='7'/></interface>")); !strings.Contains(e, "XML error: vlan interface misses name attribute") {
		t.Errorf("virsh iface-define: %s", e)
	}
}

const bridgeXML = `<interface type='bridge' name='br1'>
  <start mode='onboot'/>
  <mac address='52:54:00:1f:00:01'/>
  <mtu size='1400'/>
  <protocol family='ipv4'>
    <ip address='198.51.100.1' prefix='24'/>
  </protocol>
  <bridge stp='off' delay='0.5'>
    <interface type='ethernet' name='vc'/>
  </bridge>
</interface>
`

// TestBridgeLifecycle defines, starts, stops and undefines a bridge with a port.
func TestBridgeLifecycle(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	ipn(t, ns, "link add vc type veth peer name vd")
	d := startIn(t, ns)
	d.Virsh(t, "iface-define", writeXML(t, bridgeXML))
	if got := ifaceList(t, d, "--all")["br1"]; got[0] != "inactive" {
		t.Fatalf("defined br1 listed as %v", got)
	}
	if x := d.Virsh(t, "iface-dumpxml", "br1"); !strings.Contains(x, "<start mode='onboot'/>") {
		t.Errorf("dumpxml of a defined, absent interface:\n%s", x)
	}
	d.Virsh(t, "iface-start", "br1")
	host := links(t, ns)
	if br := host["br1"]; !br.up() || br.MTU != 1400 || br.Address != "52:54:00:1f:00:01" || !reflect.DeepEqual(br.addrs(), []string{"198.51.100.1/24"}) {
		t.Errorf("br1 after start: %+v", br)
	}
	if vc := host["vc"]; vc.Master != "br1" || !vc.up() {
		t.Errorf("vc after start: %+v", vc)
	}
	if got := ifaceList(t, d)["br1"]; got[0] != "active" {
		t.Errorf("br1 after start listed as %v", got)
	}
	live := d.Virsh(t, "iface-dumpxml", "br1")
	for _, s := range []string{"<mtu size='1400'/>", "<ip address='198.51.100.1' prefix='24'/>", "<bridge stp='off' delay='0.5'>", "<interface type='ethernet' name='vc'>"} {
		if !strings.Contains(live, s) {
			t.Errorf("live XML lacks %s:\n%s", s, live)
		}
	}
	if inactive := d.Virsh(t, "iface-dumpxml", "--inactive", "br1"); inactive == live || !strings.Contains(inactive, "<start mode='onboot'/>") {
		t.Errorf("--inactive XML:\n%s", inactive)
	}
	if e := virshFails(t, d, "iface-start", "br1"); !strings.Contains(e, "interface 'br1' is already active") {
		t.Errorf("second start: %s", e)
	}
	destroy(t, d, "br1")
	host = links(t, ns)
	if _, ok := host["br1"]; ok || host["vc"].Master != "" {
		t.Errorf("after destroy: br1 present %v, vc master %q", ok, host["vc"].Master)
	}
	if e := virshFails(t, d, "iface-destroy", "br1"); !strings.Contains(e, "interface 'br1' is not active") {
		t.Errorf("second destroy: %s", e)
	}
	d.Virsh(t, "iface-undefine", "br1")
	if _, ok := ifaceList(t, d, "--all")["br1"]; ok {
		t.Error("br1 still listed after undefine")
	}
	if e := virshFails(t, d, "iface-undefine", "vc"); !strings.Contains(e, "cannot undefine transient interface 'vc'") {
		t.Errorf("undefine of a host interface: %s", e)
	}
}

// TestVLANAndBondNeedKernelSupport defines a VLAN and a bond: the definitions are
// kept, and starting them fails with an error naming the kernel support this machine
// lacks (8021q, bonding), leaving nothing behind.
func TestVLANAndBondNeedKernelSupport(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	ipn(t, ns, "link add ve type veth peer name vf")
	d := startIn(t, ns)
	d.Virsh(t, "iface-define", writeXML(t, "<interface type='vlan' name='ve.42'><vlan tag='42'><interface name='ve'/></vlan></interface>"))
	d.Virsh(t, "iface-define", writeXML(t, "<interface type='bond' name='bond0'><bond mode='active-backup'><miimon freq='100'/><interface type='ethernet' name='vf'/></bond></interface>"))
	if x := d.Virsh(t, "iface-dumpxml", "ve.42"); !strings.Contains(x, "<vlan tag='42'>") || !strings.Contains(x, "name='ve'") {
		t.Errorf("vlan definition:\n%s", x)
	}
	if e := virshFails(t, d, "iface-start", "ve.42"); !strings.Contains(e, "cannot create vlan interface 've.42': this kernel has no 8021q support") {
		t.Errorf("vlan start: %s", e)
	}
	if e := virshFails(t, d, "iface-start", "bond0"); !strings.Contains(e, "cannot create bond interface 'bond0': this kernel has no bonding support") {
		t.Errorf("bond start: %s", e)
	}
	host := links(t, ns)
	if _, ok := host["ve.42"]; ok {
		t.Error("vlan link left behind")
	}
	if vf := host["vf"]; vf.Master != "" {
		t.Errorf("vf enslaved by a failed bond: %+v", vf)
	}
	d.Virsh(t, "iface-undefine", "ve.42")
	d.Virsh(t, "iface-undefine", "bond0")
	if list := ifaceList(t, d, "--all"); len(list) != 3 {
		t.Errorf("after undefine: %v", list)
	}
}

// TestTransactionRollback changes interfaces inside a transaction and rolls back:
// the links, addresses and definitions of begin come back.
func TestTransactionRollback(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	ipn(t, ns, "link add vc type veth peer name vd")
	ipn(t, ns, "link add vg type veth peer name vh")
	ipn(t, ns, "addr add 203.0.113.7/24 dev vg")
	ipn(t, ns, "link set vg up")
	d := startIn(t, ns)
	before := links(t, ns)

	if e := virshFails(t, d, "iface-commit"); !strings.Contains(e, "no transaction running, nothing to be committed.") {
		t.Errorf("commit without begin: %s", e)
	}
	if e := virshFails(t, d, "iface-rollback"); !strings.Contains(e, "no transaction running, nothing to rollback.") {
		t.Errorf("rollback without begin: %s", e)
	}
	d.Virsh(t, "iface-begin")
	if e := virshFails(t, d, "iface-begin"); !strings.Contains(e, "there is another transaction running.") {
		t.Errorf("second begin: %s", e)
	}
	d.Virsh(t, "iface-define", writeXML(t, bridgeXML))
	d.Virsh(t, "iface-start", "br1")
	destroy(t, d, "vg")
	d.Virsh(t, "iface-define", writeXML(t, "<interface type='ethernet' name='vg'><protocol family='ipv4'><ip address='192.0.2.9' prefix='25'/></protocol></interface>"))
	d.Virsh(t, "iface-start", "vg")
	mid := links(t, ns)
	if _, ok := mid["br1"]; !ok || !reflect.DeepEqual(mid["vg"].addrs(), []string{"192.0.2.9/25"}) {
		t.Fatalf("changes not made: br1 %v, vg %v", mid["br1"], mid["vg"].addrs())
	}

	d.Virsh(t, "iface-rollback")
	after := links(t, ns)
	if _, ok := after["br1"]; ok {
		t.Error("br1 survived the rollback")
	}
	for _, n := range []string{"vc", "vd", "vg", "vh", "lo"} {
		b, a := before[n], after[n]
		if a.up() != b.up() || a.Master != b.Master || a.MTU != b.MTU || !reflect.DeepEqual(a.addrs(), b.addrs()) {
			t.Errorf("%s after rollback: up %v master %q mtu %d %v; before: up %v master %q mtu %d %v",
				n, a.up(), a.Master, a.MTU, a.addrs(), b.up(), b.Master, b.MTU, b.addrs())
		}
	}
	if list := ifaceList(t, d, "--all"); len(list) != 5 || list["vg"][0] != "active" || list["vc"][0] != "inactive" {
		t.Errorf("after rollback: %v", list)
	}
	if _, _, err := d.VirshErr("iface-dumpxml", "--inactive", "br1"); err == nil {
		t.Error("br1's definition survived the rollback")
	}

	// A committed transaction keeps its changes.
	d.Virsh(t, "iface-begin")
	d.Virsh(t, "iface-define", writeXML(t, bridgeXML))
	d.Virsh(t, "iface-commit")
	if got := ifaceList(t, d, "--all")["br1"]; got[0] != "inactive" {
		t.Errorf("after commit br1 is %v", got)
	}
}

// TestDefaultRouteGuard refuses to take down the interface carrying the default route
// unless the caller forces it.
func TestDefaultRouteGuard(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	ipn(t, ns, "link add up0 type veth peer name up1")
	ipn(t, ns, "addr add 192.0.2.10/24 dev up0")
	ipn(t, ns, "link set up0 up")
	ipn(t, ns, "link set up1 up")
	ipn(t, ns, "route add default via 192.0.2.1 dev up0")
	d := startIn(t, ns)
	e := virshFails(t, d, "iface-destroy", "up0")
	if !strings.Contains(e, "interface 'up0' carries the host's default route via 192.0.2.1; refusing to stop it") {
		t.Errorf("destroy of the default route's interface: %s", e)
	}
	if !links(t, ns)["up0"].up() {
		t.Fatal("up0 went down despite the refusal")
	}
	d.Virsh(t, "iface-define", writeXML(t, "<interface type='bridge' name='brx'><bridge><interface type='ethernet' name='up0'/></bridge></interface>"))
	if e := virshFails(t, d, "iface-start", "brx"); !strings.Contains(e, "refusing to start it") {
		t.Errorf("enslaving the default route's interface: %s", e)
	}
	if got := python(t, d, "conn.interfaceLookupByName('up0').destroy(1 << 31)\nprint('forced')"); got != "forced" {
		t.Fatal(got)
	}
	if links(t, ns)["up0"].up() {
		t.Error("forced destroy left up0 up")
	}
}

// TestFollowsLinkChanges checks that links made and removed behind the driver's back
// reach iface-list through the netlink subscription.
func TestFollowsLinkChanges(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	d := startIn(t, ns)
	ipn(t, ns, "link add late0 type veth peer name late1")
	waitLog(t, d, "interface appeared", "late0")
	waitLog(t, d, "interface appeared", "late1")
	if list := ifaceList(t, d, "--all"); list["late0"][0] != "inactive" || list["late1"][0] != "inactive" {
		t.Fatalf("new veths: %v", list)
	}
	ipn(t, ns, "link set late0 up")
	ipn(t, ns, "link del late0")
	waitLog(t, d, "interface vanished", "late1")
	if list := ifaceList(t, d, "--all"); len(list) != 1 {
		t.Errorf("after deletion: %v", list)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLibvirtdServesBoth checks that libvirtd carries the interface and node-device
// drivers: a qemu:/// connection lists the namespace's interfaces and net devices.
func TestLibvirtdServesBoth(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	ipn(t, ns, "link add lv0 type veth peer name lv1")
	d := daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: ns})
	if list := ifaceList(t, d, "--all"); list["lv0"][0] != "inactive" || list["lv1"][0] != "inactive" {
		t.Errorf("libvirtd iface-list: %v", list)
	}
	net := d.Virsh(t, "nodedev-list", "--cap", "net")
	if !strings.Contains(net, "net_lv0_") || !strings.Contains(net, "net_lv1_") {
		t.Errorf("libvirtd nodedev-list --cap net:\n%s", net)
	}
}
