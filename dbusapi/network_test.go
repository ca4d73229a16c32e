package dbusapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/internal/netnstest"
)

const leaseNetwork = `<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
  <name>vu-lease</name>
  <bridge name='vu-lease0' stp='off'/>
  <ip address='192.0.2.1' prefix='24'><dhcp><range start='192.0.2.100' end='192.0.2.150'/></dhcp></ip>
  <dnsmasq:options><dnsmasq:option value='no-ping'/></dnsmasq:options>
</network>`

// dhcpLease is one entry of GetDHCPLeases' a(sxisssuss).
type dhcpLease struct {
	Iface      string
	ExpiryTime int64
	Type       int32
	MAC, IAID  string
	IPAddr     string
	Prefix     uint32
	Hostname   string
	ClientID   string
}

// testNetworkLeases defines and starts a network by D-Bus, lets a guest (a namespace
// on a veth into the bridge, with busybox udhcpc) take a lease that GetDHCPLeases
// reports, adds a static host with Update, and follows the network's events, unit and
// properties to its end.
func testNetworkLeases(t *testing.T, h *host) {
	rec := h.record(t)
	var path dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.NetworkDefineXML", leaseNetwork).Store(&path)
	rec.wait(t, connectPath, "org.libvirt.Connect.NetworkEvent", event(path, 0)) // Defined
	h.call(t, path, "org.libvirt.Network.Create")
	rec.wait(t, connectPath, "org.libvirt.Connect.NetworkEvent", event(path, 2)) // Started
	rec.wait(t, path, "org.freedesktop.DBus.Properties.PropertiesChanged", changed("org.libvirt.Network", map[string]any{"Active": true}))
	rec.wait(t, path, "org.freedesktop.DBus.Properties.PropertiesChanged", changed("org.virtunit.Network", map[string]any{"Unit": `virtnetwork-vu\x2dlease.service`}))

	guest := netnstest.New(t)
	h.ns.MustRun(t, "ip", "link", "add", "vu-lg0", "type", "veth", "peer", "name", "eth0", "netns", guest.Name)
	h.ns.MustRun(t, "ip", "link", "set", "vu-lg0", "master", "vu-lease0", "up")
	guest.MustRun(t, "ip", "link", "set", "eth0", "address", "52:54:00:10:00:07", "up")
	out := guest.MustRun(t, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "10", "-T", "1", "-s", "/bin/true", "-x", "hostname:dbusguest")
	if !strings.Contains(out, "lease of 192.0.2.1") {
		t.Fatalf("udhcpc got no lease:\n%s", out)
	}
	// dnsmasq's lease script writes the lease file a moment after the reply.
	var leases []dhcpLease
	for deadline := time.Now().Add(5 * time.Second); len(leases) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		h.call(t, path, "org.libvirt.Network.GetDHCPLeases", "", uint32(0)).Store(&leases)
	}
	if len(leases) != 1 || leases[0].Iface != "vu-lease0" || leases[0].MAC != "52:54:00:10:00:07" || leases[0].Type != 0 ||
		!strings.HasPrefix(leases[0].IPAddr, "192.0.2.1") || leases[0].Prefix != 24 || leases[0].Hostname != "dbusguest" || leases[0].ExpiryTime == 0 {
		t.Errorf("GetDHCPLeases: %+v", leases)
	}
	var others []dhcpLease
	h.call(t, path, "org.libvirt.Network.GetDHCPLeases", "52:54:00:10:00:08", uint32(0)).Store(&others)
	if len(others) != 0 {
		t.Errorf("GetDHCPLeases of another MAC: %+v", others)
	}

	// add-last (3) an ip-dhcp-host (4) to the live and persistent network (3)
	host := "<host mac='52:54:00:10:00:07' name='fixed' ip='192.0.2.77'/>"
	h.call(t, path, "org.libvirt.Network.Update", uint32(3), uint32(4), int32(-1), host, uint32(3))
	for _, flags := range []uint32{0, 1} { // live, inactive
		var x string
		h.call(t, path, "org.libvirt.Network.GetXMLDesc", flags).Store(&x)
		if !strings.Contains(x, host) {
			t.Errorf("GetXMLDesc(%d) lacks the new host:\n%s", flags, x)
		}
	}

	h.call(t, path, "org.libvirt.Network.Destroy")
	rec.wait(t, connectPath, "org.libvirt.Connect.NetworkEvent", event(path, 3)) // Stopped
	rec.wait(t, path, "org.freedesktop.DBus.Properties.PropertiesChanged", changed("org.virtunit.Network", map[string]any{"Unit": ""}))
	h.call(t, path, "org.libvirt.Network.Undefine")
	rec.wait(t, connectPath, "org.libvirt.Connect.NetworkEvent", event(path, 1)) // Undefined
	rec.wait(t, connectPath, "org.freedesktop.DBus.ObjectManager.InterfacesRemoved", func(b []any) bool { return b[0] == path })
}

// testInterfacesAndDevices: a veth pair added in the host's namespace appears as node
// devices with NodeDeviceEvent and InterfacesAdded and goes with NodeDeviceEvent and
// InterfacesRemoved; its host interface is listed and described; a bridge defined and
// started through the API is an object the manager reports.
func testInterfacesAndDevices(t *testing.T, h *host) {
	rec := h.record(t)
	h.ns.MustRun(t, "ip", "link", "add", "vu-dv0", "type", "veth", "peer", "name", "vu-dv1")
	mac := strings.TrimSpace(h.ns.MustRun(t, "cat", "/sys/class/net/vu-dv0/address"))
	dev := connectPath + "/nodedev/net_5fvu_5fdv0_5f" + dbus.ObjectPath(strings.ReplaceAll(mac, ":", "_5f"))
	rec.wait(t, connectPath, "org.libvirt.Connect.NodeDeviceEvent", event(dev, 0)) // Created
	rec.wait(t, connectPath, "org.freedesktop.DBus.ObjectManager.InterfacesAdded", func(b []any) bool { return b[0] == dev })
	var parent dbus.Variant
	h.call(t, dev, "org.freedesktop.DBus.Properties.Get", "org.libvirt.NodeDevice", "Parent").Store(&parent)
	if parent.Value() != "computer" {
		t.Errorf("Parent of %s = %v", dev, parent)
	}

	var ifaces []dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.ListInterfaces", uint32(3)).Store(&ifaces) // active | inactive
	veth := connectPath + "/interface/" + dbus.ObjectPath(strings.ReplaceAll(mac, ":", "_3a"))
	if !contains(pathStrings(ifaces), string(veth)) {
		t.Errorf("ListInterfaces %v lacks %s", ifaces, veth)
	}
	var x string
	h.call(t, veth, "org.libvirt.Interface.GetXMLDesc", uint32(0)).Store(&x)
	if !strings.Contains(x, "name='vu-dv0'") {
		t.Errorf("GetXMLDesc of %s:\n%s", veth, x)
	}

	h.ns.MustRun(t, "ip", "link", "del", "vu-dv0")
	rec.wait(t, connectPath, "org.libvirt.Connect.NodeDeviceEvent", event(dev, 1)) // Deleted
	rec.wait(t, connectPath, "org.freedesktop.DBus.ObjectManager.InterfacesRemoved", func(b []any) bool { return b[0] == dev })

	var br dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.InterfaceDefineXML",
		"<interface type='bridge' name='vu-br7'><mac address='52:54:00:00:07:07'/><bridge stp='off'/></interface>", uint32(0)).Store(&br)
	rec.wait(t, connectPath, "org.freedesktop.DBus.ObjectManager.InterfacesAdded", func(b []any) bool { return b[0] == br })
	h.call(t, br, "org.libvirt.Interface.Create", uint32(0))
	rec.wait(t, br, "org.freedesktop.DBus.Properties.PropertiesChanged", changed("org.libvirt.Interface", map[string]any{"Active": true}))
	h.call(t, br, "org.libvirt.Interface.Destroy", uint32(0))
	h.call(t, br, "org.libvirt.Interface.Undefine")
	rec.wait(t, connectPath, "org.freedesktop.DBus.ObjectManager.InterfacesRemoved", func(b []any) bool { return b[0] == br })
}

func pathStrings(ps []dbus.ObjectPath) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}
