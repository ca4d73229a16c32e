package dbusapi_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// TestModularHost drives virtqemud's org.libvirt API, with the network, interface and
// node device daemons behind it, from godbus and busctl: what libvirt-dbus clients
// (cockpit-machines among them) rely on, and what virtunit adds.
func TestModularHost(t *testing.T) {
	h := modularHost(t)
	t.Run("Introspection", func(t *testing.T) { testIntrospection(t, h) })
	t.Run("GetAllShapes", func(t *testing.T) { testGetAllShapes(t, h) })
	t.Run("Errors", func(t *testing.T) { testErrors(t, h) })
	t.Run("DomainLifecycle", func(t *testing.T) { testDomainLifecycle(t, h) })
	t.Run("NetworkLeases", func(t *testing.T) { testNetworkLeases(t, h) })
	t.Run("InterfacesAndDevices", func(t *testing.T) { testInterfacesAndDevices(t, h) })
	if t.Failed() {
		t.Logf("virtqemud log:\n%s", h.qemu.Log())
	}
}

type introspection struct {
	Interfaces []struct {
		Name string `xml:"name,attr"`
	} `xml:"interface"`
	Nodes []struct {
		Name string `xml:"name,attr"`
	} `xml:"node"`
}

func (h *host) introspect(t *testing.T, path dbus.ObjectPath) (ifaces, nodes []string) {
	t.Helper()
	var s string
	h.call(t, path, "org.freedesktop.DBus.Introspectable.Introspect").Store(&s)
	var n introspection
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = false
	if err := d.Decode(&n); err != nil {
		t.Fatalf("introspection of %s: %v\n%s", path, err, s)
	}
	for _, i := range n.Interfaces {
		ifaces = append(ifaces, i.Name)
	}
	for _, c := range n.Nodes {
		nodes = append(nodes, c.Name)
	}
	return ifaces, nodes
}

// testIntrospection: the tree from / down to the objects, as libvirt-dbus's GDBus
// subtrees show it (children of a subtree root by absolute path, the root itself an
// object of the subtree's interface), with the object manager and virtunit's
// interfaces beside libvirt-dbus's.
func testIntrospection(t *testing.T, h *host) {
	for path, want := range map[dbus.ObjectPath]string{"/": "org", "/org": "libvirt", "/org/libvirt": "QEMU"} {
		if _, nodes := h.introspect(t, path); strings.Join(nodes, " ") != want {
			t.Errorf("%s lists %v, want [%s]", path, nodes, want)
		}
	}
	ifaces, nodes := h.introspect(t, connectPath)
	if got := strings.Join(ifaces, " "); got != "org.freedesktop.DBus.Properties org.freedesktop.DBus.Introspectable org.freedesktop.DBus.Peer org.freedesktop.DBus.ObjectManager org.libvirt.Connect" {
		t.Errorf("connection object's interfaces: %s", got)
	}
	if got := strings.Join(nodes, " "); got != "domainsnapshot storagepool storagevol interface nwfilter network secret domain nodedev" {
		t.Errorf("connection object's nodes: %s", got)
	}
	var path dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.DomainDefineXML", tinyDomain(t, "vu-intro")).Store(&path)
	defer h.call(t, path, "org.libvirt.Domain.Undefine", uint32(0))
	ifaces, nodes = h.introspect(t, connectPath+"/domain")
	if !contains(nodes, string(path)) || !contains(ifaces, "org.libvirt.Domain") {
		t.Errorf("domain subtree root: interfaces %v, nodes %v; want org.libvirt.Domain and %s", ifaces, nodes, path)
	}
	ifaces, _ = h.introspect(t, path)
	if !contains(ifaces, "org.libvirt.Domain") || !contains(ifaces, "org.virtunit.Domain") {
		t.Errorf("domain object's interfaces: %v", ifaces)
	}
	out, err := h.busctl(t, "tree", "--list", "org.libvirt")
	if err != nil || !strings.Contains(out, string(path)) || !strings.Contains(out, "/org/libvirt/QEMU/nodedev/computer") {
		t.Errorf("busctl tree: %v\n%s", err, out)
	}
}

// testGetAllShapes: GetAll wraps each value in a second variant, as libvirt-dbus does
// and cockpit-machines unwraps; Get returns one variant; Set of a writable property
// works and is seen by the next Get.
func testGetAllShapes(t *testing.T, h *host) {
	var path dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.DomainDefineXML", tinyDomain(t, "vu-shape")).Store(&path)
	defer h.call(t, path, "org.libvirt.Domain.Undefine", uint32(0))
	// The body as decoded: godbus's Store would unwrap the inner variants.
	all := h.call(t, path, "org.freedesktop.DBus.Properties.GetAll", "org.libvirt.Domain").Body[0].(map[string]dbus.Variant)
	want := map[string]string{"Active": "b", "Autostart": "b", "Id": "u", "Name": "s", "OSType": "s", "Persistent": "b", "Updated": "b", "UUID": "s"}
	for name, sig := range want {
		v, ok := all[name]
		if !ok {
			t.Errorf("GetAll lacks %s", name)
			continue
		}
		inner, ok := v.Value().(dbus.Variant)
		if v.Signature().String() != "v" || !ok || inner.Signature().String() != sig {
			t.Errorf("GetAll %s = %s, want a variant holding a variant of %s", name, v, sig)
		}
	}
	if id := all["Id"].Value().(dbus.Variant).Value(); id != uint32(0) {
		t.Errorf("Id of an inactive domain = %v, want 0", id)
	}
	var v dbus.Variant
	h.call(t, connectPath, "org.freedesktop.DBus.Properties.Get", "org.libvirt.Connect", "LibVersion").Store(&v)
	if v.Value() != uint64(9000000) {
		t.Errorf("Get LibVersion = %v, want one variant of t 9000000", v)
	}
	h.call(t, path, "org.freedesktop.DBus.Properties.Set", "org.libvirt.Domain", "Autostart", dbus.MakeVariant(true))
	h.call(t, path, "org.freedesktop.DBus.Properties.Get", "org.libvirt.Domain", "Autostart").Store(&v)
	if v.Value() != true {
		t.Errorf("Autostart after Set(true) = %v", v)
	}
	out, err := h.busctl(t, "call", "org.libvirt", string(path), "org.freedesktop.DBus.Properties", "GetAll", "s", "org.libvirt.Domain")
	// busctl shows the two variants as one, for libvirt-dbus as here.
	if err != nil || !strings.Contains(out, `"Name" v s "vu-shape"`) {
		t.Errorf("busctl GetAll: %v\n%s", err, out)
	}
	// A path of no domain: GetAll is empty, Get is libvirt's error.
	none := connectPath + "/domain/_00000000_0000_0000_0000_000000000000"
	all = h.call(t, none, "org.freedesktop.DBus.Properties.GetAll", "org.libvirt.Domain").Body[0].(map[string]dbus.Variant)
	if len(all) != 0 {
		t.Errorf("GetAll of no domain: %v", all)
	}
}

// testErrors: the errors libvirt-dbus 1.4.1 gives in front of libvirtd 9.0 for the same
// calls (measured with busctl and python3-dbus): GDBus's for the bus-level mistakes,
// org.libvirt.Error with libvirt's message for the rest.
func testErrors(t *testing.T, h *host) {
	var dom dbus.ObjectPath
	h.call(t, connectPath, "org.libvirt.Connect.DomainDefineXML", tinyDomain(t, "vu-err")).Store(&dom)
	defer h.call(t, dom, "org.libvirt.Domain.Undefine", uint32(0))
	const (
		invalidArgs   = "org.freedesktop.DBus.Error.InvalidArgs"
		unknownMethod = "org.freedesktop.DBus.Error.UnknownMethod"
		libvirtErr    = "org.libvirt.Error"
	)
	for _, c := range []struct {
		path         dbus.ObjectPath
		method       string
		args         []any
		name, starts string
	}{
		{connectPath, "org.libvirt.Connect.DomainLookupByName", []any{uint32(1)}, invalidArgs, "Type of message, “(u)”, does not match expected type “(s)”"},
		{connectPath, "org.libvirt.Connect.NoSuch", nil, unknownMethod, "No such method “NoSuch”"},
		{connectPath, "org.libvirt.Nope.NoSuch", nil, unknownMethod, "No such interface “org.libvirt.Nope” on object at path /org/libvirt/QEMU"},
		{"/nowhere", "org.libvirt.Connect.DomainLookupByName", []any{"x"}, unknownMethod, "Object does not exist at path “/nowhere”"},
		{connectPath, "org.libvirt.Connect.DomainLookupByName", []any{"nope"}, libvirtErr, "Domain not found: no domain with matching name 'nope'"},
		{connectPath, "org.libvirt.Connect.DomainLookupByUUID", []any{"xyz"}, libvirtErr, "Invalid UUID"},
		{connectPath, "org.libvirt.Connect.NetworkLookupByUUID", []any{"xyz"}, libvirtErr, "uuidstr in virNetworkLookupByUUIDString must be a valid UUID"},
		{connectPath, "org.libvirt.Connect.ListDomains", []any{uint32(1 << 20)}, libvirtErr, "unsupported flags (0x100000) in function "},
		{connectPath, "org.libvirt.Connect.NodeGetCPUStats", []any{int32(-5), uint32(0)}, libvirtErr, "cpuNum in virNodeGetCPUStats only accepts -1 as a negative value"},
		{connectPath, "org.libvirt.Connect.NodeGetCPUStats", []any{int32(555), uint32(0)}, libvirtErr, "Invalid cpuNum in virHostCPUGetStatsLinux"},
		{connectPath, "org.libvirt.Connect.ListSecrets", []any{uint32(0)}, libvirtErr, "this function is not supported by the connection driver: virConnectListAllSecrets"},
		{connectPath + "/domain/xyz", "org.libvirt.Domain.GetXMLDesc", []any{uint32(0)}, libvirtErr, "Invalid UUID"},
		{connectPath + "/domain/_00000000_0000_0000_0000_000000000000", "org.libvirt.Domain.GetXMLDesc", []any{uint32(0)}, libvirtErr, "Domain not found: no domain with matching uuid '00000000-0000-0000-0000-000000000000'"},
		{dom + "/deeper", "org.libvirt.Domain.GetXMLDesc", []any{uint32(0)}, unknownMethod, "Object does not exist at path “" + string(dom) + "/deeper”"},
		{dom, "org.libvirt.Domain.SnapshotCurrent", []any{uint32(0)}, libvirtErr, "Domain snapshot not found: the domain does not have a current snapshot"},
		{dom, "org.libvirt.Domain.GetSecurityLabelList", nil, libvirtErr, "this function is not supported by the connection driver: virDomainGetSecurityLabelList"},
		{dom, "org.freedesktop.DBus.Properties.Get", []any{"org.libvirt.Domain", "Nope"}, invalidArgs, "No such property “Nope”"},
		{dom, "org.freedesktop.DBus.Properties.Get", []any{"org.libvirt.Nope", "Name"}, invalidArgs, "No such interface “org.libvirt.Nope”"},
		{dom, "org.freedesktop.DBus.Properties.Get", []any{"org.libvirt.Domain"}, unknownMethod, "Method “Get” on interface “org.freedesktop.DBus.Properties” with signature “s” does not exist"},
		{dom, "org.freedesktop.DBus.Properties.Set", []any{"org.libvirt.Domain", "Name", dbus.MakeVariant("x")}, invalidArgs, "Property “Name” is not writable"},
		{dom, "org.freedesktop.DBus.Properties.Set", []any{"org.libvirt.Domain", "Autostart", dbus.MakeVariant("x")}, invalidArgs, "Error setting property “Autostart”: Expected type “b” but got “s”"},
		{connectPath + "/nodedev/computer", "org.freedesktop.DBus.Properties.Get", []any{"org.libvirt.NodeDevice", "Parent"}, libvirtErr, "unknown error"},
		{connectPath + "/storagepool/xyz", "org.libvirt.StoragePool.GetXMLDesc", []any{uint32(0)}, libvirtErr, "uuidstr in virStoragePoolLookupByUUIDString must be a valid UUID"},
		{connectPath + "/domainsnapshot/xyz", "org.libvirt.DomainSnapshot.GetXMLDesc", []any{uint32(0)}, libvirtErr, "invalid domain pointer in virDomainSnapshotLookupByName"},
	} {
		err := h.callErr(c.path, c.method, c.args...)
		if err == nil {
			t.Errorf("%s on %s succeeded, want %s", c.method, c.path, c.name)
			continue
		}
		msg, _ := err.Body[0].(string)
		if err.Name != c.name || !strings.HasPrefix(msg, c.starts) {
			t.Errorf("%s on %s: %s %q\nwant %s %q", c.method, c.path, err.Name, msg, c.name, c.starts)
		}
	}
	// A call that names no interface is not dispatched, as GDBus does not for subtrees.
	if err := h.callErr(dom, "GetState", uint32(0)); err == nil || err.Name != unknownMethod ||
		err.Body[0] != "Method “GetState” on interface “(null)” with signature “u” does not exist" {
		t.Errorf("call without interface: %v", err)
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
