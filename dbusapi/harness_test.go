package dbusapi_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// The tests run the real daemons (daemontest) on a private dbus-daemon and drive them
// with real clients: godbus, busctl, and /usr/bin/python3 with python3-dbus (Debian's
// python, which has the dbus module; a pyenv python on PATH has not).

// bus is a private message bus for one test, reachable by unprivileged daemons too.
type bus struct {
	addr string
}

const busConfig = `<busconfig>
  <type>session</type>
  <listen>unix:dir=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/> <allow send_destination="*"/> <allow eavesdrop="true"/>
  </policy>
</busconfig>
`

func startBus(t *testing.T) *bus {
	t.Helper()
	daemontest.RequireTool(t, "dbus-daemon")
	dir, err := os.MkdirTemp("", "vu-bus-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return &bus{addr: strings.TrimSpace(line)}
}

// client is a new connection to the bus.
func (b *bus) client(t *testing.T) *dbus.Conn {
	t.Helper()
	c, err := dbus.Connect(b.addr)
	if err != nil {
		t.Fatalf("connect to the test bus: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitOwner waits until someone owns name on the bus.
func (b *bus) waitOwner(t *testing.T, c *dbus.Conn, name string, log func() string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var has bool
		if err := c.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err == nil && has {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nobody owns %s on the test bus after 15 s; daemon log:\n%s", name, log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// host is the daemons of a host on a test bus: the daemon serving the QEMU
// connection (qemu) owns org.libvirt.
type host struct {
	bus    *bus
	conn   *dbus.Conn
	qemu   *daemontest.Daemon
	others []*daemontest.Daemon
	ns     *netnstest.NS
}

const connectPath = dbus.ObjectPath("/org/libvirt/QEMU")

// modularHost is virtnetworkd, virtinterfaced, virtnodedevd and virtstoraged with
// virtqemud in front of them, as root in a network namespace of the test's own
// (system mode).
func modularHost(t *testing.T) *host {
	t.Helper()
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64", "dnsmasq", "ip")
	h := &host{bus: startBus(t), ns: netnstest.New(t)}
	dir := daemontest.ScratchDir(t)
	for _, name := range []string{"virtnetworkd", "virtinterfaced", "virtnodedevd", "virtstoraged"} {
		h.others = append(h.others, daemontest.Start(t, name, daemontest.Options{System: true, NetNS: h.ns.Name, Dir: dir}))
	}
	h.qemu = daemontest.Start(t, "virtqemud", daemontest.Options{System: true, NetNS: h.ns.Name, Dir: dir,
		Env: []string{"DBUS_SYSTEM_BUS_ADDRESS=" + h.bus.addr}})
	h.conn = h.bus.client(t)
	h.bus.waitOwner(t, h.conn, "org.libvirt", h.qemu.Log)
	return h
}

// monolithicHost is libvirtd alone, as root in a network namespace.
func monolithicHost(t *testing.T) *host {
	t.Helper()
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64", "dnsmasq", "ip")
	h := &host{bus: startBus(t), ns: netnstest.New(t)}
	h.qemu = daemontest.Start(t, "libvirtd", daemontest.Options{System: true, NetNS: h.ns.Name,
		Env: []string{"DBUS_SYSTEM_BUS_ADDRESS=" + h.bus.addr}})
	h.conn = h.bus.client(t)
	h.bus.waitOwner(t, h.conn, "org.libvirt", h.qemu.Log)
	return h
}

// call calls method ("org.libvirt.Connect.ListDomains") on path and fails the test if
// the call fails.
func (h *host) call(t *testing.T, path dbus.ObjectPath, method string, args ...any) *dbus.Call {
	t.Helper()
	c := h.conn.Object("org.libvirt", path).Call(method, 0, args...)
	if c.Err != nil {
		t.Fatalf("%s on %s: %v", method, path, c.Err)
	}
	return c
}

// callErr calls method and returns its error.
func (h *host) callErr(path dbus.ObjectPath, method string, args ...any) *dbus.Error {
	err := h.conn.Object("org.libvirt", path).Call(method, 0, args...).Err
	if err == nil {
		return nil
	}
	if de, ok := err.(dbus.Error); ok {
		return &de
	}
	return &dbus.Error{Name: "not a D-Bus error", Body: []any{err.Error()}}
}

// busctl runs busctl against the test bus.
func (h *host) busctl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	daemontest.RequireTool(t, "busctl")
	out, err := exec.Command("busctl", append([]string{"--address=" + h.bus.addr}, args...)...).CombinedOutput()
	return string(out), err
}

// tinyDomain is a guest that powers off on the ACPI power button.
func tinyDomain(t *testing.T, name string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>16</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel></os>
  <features><acpi/></features>
  <devices><controller type='usb' model='none'/><memballoon model='none'/></devices>
</domain>`, name, qemutest.TinyImage(t))
}
