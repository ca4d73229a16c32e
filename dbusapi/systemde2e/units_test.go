package systemde2e

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
	"github.com/virtunit/virtunit/transient/systemdtest"
)

// TestGuestUnitAndMachine: a guest started through org.libvirt runs as
// machine-qemu\x2d1\x2dNAME.scope; org.virtunit.Domain names that unit and the
// machine qemu-1-NAME, with the objects systemd and machined have for them, and a
// client follows UnitPath to the unit's ActiveState.
func TestGuestUnitAndMachine(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: the daemon runs in system mode")
	}
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64")
	mgr := systemdtest.Current(t)
	d := daemontest.Start(t, "virtqemud", daemontest.Options{System: true, Config: "unit_backend = \"systemd\"\n",
		Env: []string{"DBUS_SYSTEM_BUS_ADDRESS=" + mgr.Bus}})
	c, err := dbus.Connect(mgr.Bus)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var has bool
		if c.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.libvirt").Store(&has) == nil && has {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("virtqemud does not own org.libvirt:\n%s", d.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	conn := c.Object("org.libvirt", "/org/libvirt/QEMU")
	xml := fmt.Sprintf(`<domain type='qemu'><name>vu-unit</name><memory unit='MiB'>16</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><loader type='rom'>%s</loader></os>
  <devices><controller type='usb' model='none'/><memballoon model='none'/></devices></domain>`, qemutest.Firmware)
	var path dbus.ObjectPath
	if err := conn.Call("org.libvirt.Connect.DomainCreateXML", 0, xml, uint32(0)).Store(&path); err != nil {
		t.Fatalf("DomainCreateXML: %v\n%s", err, d.Log())
	}
	defer c.Object("org.libvirt", path).Call("org.libvirt.Domain.Destroy", 0, uint32(0))
	get := func(dest string, obj dbus.ObjectPath, iface, prop string) any {
		var v dbus.Variant
		if err := c.Object(dest, obj).Call("org.freedesktop.DBus.Properties.Get", 0, iface, prop).Store(&v); err != nil {
			t.Fatalf("Get %s.%s of %s: %v", iface, prop, obj, err)
		}
		return v.Value()
	}
	const scope = `machine-qemu\x2d1\x2dvu\x2dunit.scope`
	if u := get("org.libvirt", path, "org.virtunit.Domain", "Unit"); u != scope {
		t.Errorf("Unit = %v, want %s", u, scope)
	}
	unitPath, _ := get("org.libvirt", path, "org.virtunit.Domain", "UnitPath").(dbus.ObjectPath)
	var want dbus.ObjectPath
	if err := c.Object("org.freedesktop.systemd1", "/org/freedesktop/systemd1").Call("org.freedesktop.systemd1.Manager.GetUnit", 0, scope).Store(&want); err != nil {
		t.Fatalf("systemd does not know %s: %v", scope, err)
	}
	if unitPath != want {
		t.Errorf("UnitPath = %s, systemd's is %s", unitPath, want)
	}
	if s := get("org.freedesktop.systemd1", unitPath, "org.freedesktop.systemd1.Unit", "ActiveState"); s != "active" {
		t.Errorf("ActiveState of %s = %v", unitPath, s)
	}
	if m := get("org.libvirt", path, "org.virtunit.Domain", "Machine"); m != "qemu-1-vu-unit" {
		t.Errorf("Machine = %v, want qemu-1-vu-unit", m)
	}
	machinePath, _ := get("org.libvirt", path, "org.virtunit.Domain", "MachinePath").(dbus.ObjectPath)
	if name := get("org.freedesktop.machine1", machinePath, "org.freedesktop.machine1.Machine", "Name"); name != "qemu-1-vu-unit" {
		t.Errorf("machine at %s is %v", machinePath, name)
	}
}
