package dbusapi_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
)

// python is Debian's interpreter, which python3-dbus and python3-gi install for.
const python = "/usr/bin/python3"

func requirePythonDBus(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import dbus, dbus.mainloop.glib; from gi.repository import GLib").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import dbus and gi (install python3-dbus and python3-gi): %v\n%s", python, err, out)
	}
}

// TestLibvirtDBusSuite runs the ports of libvirt-dbus 1.4.1's own tests
// (testdata/python, one file per test file of libvirt-dbus) against virtqemud with the
// network, interface, node device and storage daemons behind it: each test makes the
// domains, networks, host interfaces, devices, pools and volumes it needs through the
// API, in the host's network namespace.
func TestLibvirtDBusSuite(t *testing.T) {
	requirePythonDBus(t)
	h := modularHost(t)
	kernel := qemutest.TinyImage(t)
	dir, _ := filepath.Abs("testdata/python")
	// The guests' serial logs, which QEMU (not running as root) writes.
	serials, err := os.MkdirTemp("", "vu-serial-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(serials, 0o777)
	t.Cleanup(func() { os.RemoveAll(serials) })
	for _, suite := range []string{"test_connect", "test_domain", "test_network", "test_interface", "test_nodedev",
		"test_storage", "test_snapshot"} {
		t.Run(suite, func(t *testing.T) {
			cmd := exec.Command("ip", "netns", "exec", h.ns.Name, python, "-m", "unittest", "-v", suite)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "VU_DBUS_ADDRESS="+h.bus.addr, "VU_KERNEL="+kernel,
				"VU_SERIAL_DIR="+serials, "PYTHONDONTWRITEBYTECODE=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("%s failed: %v\n%s", suite, err, out)
				return
			}
			t.Logf("%s", out)
		})
	}
	if t.Failed() {
		t.Logf("virtqemud log:\n%s", h.qemu.Log())
	}
}
