package dbusapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestMonolithicHost: libvirtd owns org.libvirt and serves every kind of object from
// its own drivers, events included.
func TestMonolithicHost(t *testing.T) {
	h := monolithicHost(t)
	rec := h.record(t)
	var v dbus.Variant
	h.call(t, connectPath, "org.freedesktop.DBus.Properties.Get", "org.libvirt.Connect", "Version").Store(&v)
	if ver, _ := v.Value().(uint64); ver < 7_000_000 {
		t.Errorf("Version = %v, want QEMU's (7.x or later)", v)
	}
	var net dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.NetworkCreateXML",
		"<network><name>vu-mono</name><bridge name='vu-mono0' stp='off'/><ip address='198.51.100.1' prefix='24'/></network>").Store(&net)
	rec.wait(t, connectPath, "org.libvirt.Connect.NetworkEvent", event(net, 2)) // Started
	var dom dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.DomainDefineXML", tinyDomain(t, "vu-mono")).Store(&dom)
	rec.wait(t, connectPath, "org.libvirt.Connect.DomainEvent", event(dom, 0, 0))
	var devs []dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.ListNodeDevices", uint32(0)).Store(&devs)
	if !contains(pathStrings(devs), string(connectPath+"/nodedev/computer")) {
		t.Errorf("ListNodeDevices: %v", devs)
	}
	var ifaces []dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.ListInterfaces", uint32(0)).Store(&ifaces)
	if !contains(pathStrings(ifaces), string(connectPath+"/interface/00_3a00_3a00_3a00_3a00_3a00")) {
		t.Errorf("ListInterfaces: %v, want lo", ifaces)
	}
	// Storage from libvirtd's own driver, its events included.
	pool := definePool(t, h, "vu-mono-pool")
	rec.wait(t, connectPath, "org.libvirt.Connect.StoragePoolEvent", event(pool, 0)) // Defined
	var pools []dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.ListStoragePools", uint32(0)).Store(&pools)
	if !contains(pathStrings(pools), string(pool)) {
		t.Errorf("ListStoragePools: %v, want %s", pools, pool)
	}
	h.call(t, pool, "org.libvirt.StoragePool.Undefine")
	rec.wait(t, connectPath, "org.libvirt.Connect.StoragePoolEvent", event(pool, 1)) // Undefined
	h.call(t, dom, "org.libvirt.Domain.Undefine", uint32(0))
	h.call(t, net, "org.libvirt.Network.Destroy")
	rec.wait(t, connectPath, "org.freedesktop.DBus.ObjectManager.InterfacesRemoved", func(b []any) bool { return b[0] == net })
}

// TestSessionBus: a session-mode virtqemud (an unprivileged user) owns org.libvirt on
// the session bus DBUS_SESSION_BUS_ADDRESS names, and a session client defines and
// lists a guest there with busctl.
func TestSessionBus(t *testing.T) {
	daemontest.RequireTool(t, "busctl", "qemu-system-x86_64")
	b := startBus(t)
	d := daemontest.Start(t, "virtqemud", daemontest.Options{Args: []string{"-v"}, Env: []string{"DBUS_SESSION_BUS_ADDRESS=" + b.addr}})
	h := &host{bus: b, conn: b.client(t), qemu: d}
	b.waitOwner(t, h.conn, "org.libvirt", d.Log)
	dom, err := h.busctl(t, "call", "org.libvirt", string(connectPath), "org.libvirt.Connect", "DomainDefineXML", "s", tinyDomain(t, "vu-session"))
	if err != nil || !strings.HasPrefix(dom, "o \"/org/libvirt/QEMU/domain/_") {
		t.Fatalf("busctl DomainDefineXML: %v %s", err, dom)
	}
	list, err := h.busctl(t, "call", "org.libvirt", string(connectPath), "org.libvirt.Connect", "ListDomains", "u", "0")
	if err != nil || !strings.Contains(list, strings.Fields(dom)[1]) {
		t.Errorf("busctl ListDomains: %v %s, want %s", err, list, dom)
	}
	if out := d.Virsh(t, "list", "--all", "--name"); !strings.Contains(out, "vu-session") {
		t.Errorf("virsh list of the session daemon: %s", out)
	}
	if !strings.Contains(d.Log(), "serving the D-Bus API") || !strings.Contains(d.Log(), "bus=session") {
		t.Errorf("the daemon did not log its D-Bus service:\n%s", d.Log())
	}
}

// TestNoBus: without a bus the daemon logs that it does not serve the D-Bus API and
// serves its sockets as before.
func TestNoBus(t *testing.T) {
	daemontest.RequireTool(t, "virsh")
	d := daemontest.Start(t, "virtqemud", daemontest.Options{Args: []string{"-v"}})
	d.Virsh(t, "list", "--all")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(d.Log(), "not serving the D-Bus API: no session bus") {
		if time.Now().After(deadline) {
			t.Fatalf("no log line saying the D-Bus API is not served:\n%s", d.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
