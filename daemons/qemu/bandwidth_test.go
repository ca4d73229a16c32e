package qemu_test

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// htbRates lists the htb classes of a device in the namespace as "1:2 8Mbit", from
// tc's own report.
func htbRates(t *testing.T, ns *netnstest.NS, dev string) map[string]string {
	t.Helper()
	out, err := ns.Run("tc", "class", "show", "dev", dev)
	m := map[string]string{}
	if err != nil {
		return m // the device is gone
	}
	for _, f := range regexp.MustCompile(`class htb (\S+) .*?rate (\S+)`).FindAllStringSubmatch(out, -1) {
		m[f[1]] = f[2]
	}
	return m
}

// targets maps a running guest's MACs to their host devices, from its live XML.
func targets(t *testing.T, d *daemontest.Daemon, name string) map[string]string {
	t.Helper()
	var dom libvirtxml.Domain
	if err := dom.Unmarshal(d.Virsh(t, "dumpxml", name)); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, n := range dom.Devices.Interfaces {
		if n.MAC != nil && n.Target != nil {
			m[n.MAC.Address] = n.Target.Dev
		}
	}
	return m
}

// TestGuestBandwidth runs a guest whose interfaces take their bandwidth from a
// portgroup named in <source>, from the network's default portgroup, from their own
// <bandwidth> with a floor the network guarantees, and on a direct interface; tc
// reports each class where libvirt puts it while the guest runs, and none of the
// guest's after it stops. A floor where libvirt refuses one is refused with its error
// code 84 (VIR_ERR_OPERATION_UNSUPPORTED), and a VLAN tag where libvirt refuses one
// with its error.
func TestGuestBandwidth(t *testing.T) {
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64", "ip", "tc", "nft")
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: system-mode daemons, bridges and traffic control")
	}
	ns := netnstest.New(t)
	ns.MustRun(t, "ip", "link", "add", "up0", "type", "veth", "peer", "name", "up0p")
	ns.MustRun(t, "ip", "link", "set", "up0", "up")
	d := startDaemon(t, "libvirtd", daemontest.Options{System: true, NetNS: ns.Name})
	d.Virsh(t, "net-define", xmlFile(t, `<network>
  <name>qnet</name>
  <bridge name='qbr0'/>
  <bandwidth><inbound average='1000' peak='2000'/><outbound average='500'/></bandwidth>
  <portgroup name='gold'><bandwidth><inbound average='200'/><outbound average='100'/></bandwidth></portgroup>
  <portgroup name='plain' default='yes'><bandwidth><inbound average='50'/></bandwidth></portgroup>
</network>`))
	d.Virsh(t, "net-define", xmlFile(t, `<network><name>plainnet</name><bridge name='pbr0'/></network>`))
	d.Virsh(t, "net-define", xmlFile(t, `<network><name>mvnet</name><forward mode='bridge'><interface dev='up0'/></forward></network>`))
	for _, n := range []string{"qnet", "plainnet", "mvnet"} {
		d.Virsh(t, "net-start", n)
	}
	if got := htbRates(t, ns, "qbr0"); got["1:1"] != "8Mbit" || got["1:2"] != "8Mbit" {
		t.Errorf("network classes on qbr0: %v, want 1:1 and 1:2 at 8Mbit", got)
	}
	define(t, d, domainXML("qosguest", `
<interface type='network'><mac address='52:54:00:00:0c:01'/><source network='qnet' portgroup='gold'/><model type='virtio'/></interface>
<interface type='network'><mac address='52:54:00:00:0c:02'/><source network='qnet'/><model type='virtio'/></interface>
<interface type='network'><mac address='52:54:00:00:0c:03'/><source network='qnet'/><model type='virtio'/>
  <bandwidth><inbound average='100' floor='300'/></bandwidth></interface>
<interface type='direct'><mac address='52:54:00:00:0c:04'/><source dev='up0' mode='bridge'/><model type='virtio'/>
  <bandwidth><outbound average='64'/></bandwidth></interface>`))
	d.Virsh(t, "start", "qosguest")
	dev := targets(t, d, "qosguest")
	for mac, want := range map[string]string{
		"52:54:00:00:0c:01": "1600Kbit", // the gold portgroup's inbound, on the tap's egress
		"52:54:00:00:0c:02": "400Kbit",  // the default portgroup's
		"52:54:00:00:0c:03": "800Kbit",  // its own
		"52:54:00:00:0c:04": "512Kbit",  // a macvtap shapes what the guest sends
	} {
		if got := htbRates(t, ns, dev[mac]); got["1:1"] != want {
			t.Errorf("%s (%s): classes %v, want 1:1 at %s", mac, dev[mac], got, want)
		}
	}
	// The floor: class 1:3 on the bridge, and the unguaranteed class left the peak
	// minus the floor, as libvirt computes it.
	if got := htbRates(t, ns, "qbr0"); got["1:3"] != "2400Kbit" || got["1:2"] != "13600Kbit" {
		t.Errorf("bridge classes with a floor plugged: %v, want 1:3 at 2400Kbit and 1:2 at 13600Kbit", got)
	}
	if out := ns.MustRun(t, "tc", "filter", "show", "dev", "qbr0"); !strings.Contains(out, "flowid 1:3") || !strings.Contains(out, "00000c03/ffffffff at -12") {
		t.Errorf("no filter sends the floor interface's frames to 1:3:\n%s", out)
	}
	ports := d.Virsh(t, "net-port-list", "qnet", "--uuid")
	if !strings.Contains(d.Virsh(t, "net-port-dumpxml", "qnet", strings.Fields(ports)[0]), "<bandwidth") {
		t.Errorf("the port does not show its bandwidth")
	}

	d.Virsh(t, "destroy", "qosguest")
	for mac, name := range dev {
		if _, err := ns.Run("ip", "link", "show", "ifb-"+name); err == nil {
			t.Errorf("ifb of %s (%s) left after the guest stopped", name, mac)
		}
		if got := htbRates(t, ns, name); len(got) != 0 {
			t.Errorf("classes of %s (%s) left after the guest stopped: %v", name, mac, got)
		}
	}
	if got := htbRates(t, ns, "qbr0"); got["1:3"] != "" || got["1:2"] != "16Mbit" {
		t.Errorf("bridge classes after the floor went: %v, want no 1:3 and 1:2 at the peak again", got)
	}

	// libvirt's refusals of a floor, through the API for the error code.
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(d.RW)))
	if err := l.ConnectToURI(libvirt.QEMUSystem); err != nil {
		t.Fatal(err)
	}
	defer l.Disconnect()
	for _, c := range []struct{ net, want string }{
		{"plainnet", "network 'plainnet' has no inbound QoS set"},
		{"mvnet", "'floor' is only supported for interface type 'network' with forward type 'nat', 'route', 'open' or none"},
	} {
		dom, err := l.DomainCreateXML(domainXML("floor-"+c.net, `<interface type='network'><source network='`+c.net+`'/>
  <bandwidth><inbound average='10' floor='5'/></bandwidth></interface>`), 0)
		var le libvirt.Error
		if err == nil {
			l.DomainDestroy(dom)
			t.Errorf("a floor on %s was accepted", c.net)
		} else if !errors.As(err, &le) || le.Code != uint32(libvirt.ErrOperationUnsupported) || !strings.Contains(le.Message, c.want) {
			t.Errorf("a floor on %s: %v, want error 84 saying %q", c.net, err, c.want)
		}
	}
	// A VLAN tag needs SR-IOV or Open vSwitch; a tap on a Linux bridge cannot carry one.
	_, err := l.DomainCreateXML(domainXML("vlan", `<interface type='bridge'><mac address='52:54:00:00:0c:09'/><source bridge='qbr0'/><vlan><tag id='42'/></vlan></interface>`), 0)
	var le libvirt.Error
	if !errors.As(err, &le) || le.Code != uint32(libvirt.ErrConfigUnsupported) || !strings.Contains(le.Message, "interface 52:54:00:00:0c:09 - vlan tag not supported for this connection type") {
		t.Errorf("a VLAN tag on a bridge interface: %v", err)
	}
	d.Virsh(t, "net-destroy", "qnet")
	if _, err := ns.Run("ip", "link", "show", "ifb-qbr0"); err == nil {
		t.Error("the network's ifb is left after net-destroy")
	}
}
