package qemu_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// netns creates a network namespace with a bridge br0 for the test and removes it after.
func netns(t *testing.T) string {
	t.Helper()
	ns := netnstest.New(t)
	ns.MustRun(t, "ip", "link", "add", "br0", "type", "bridge")
	ns.MustRun(t, "ip", "link", "set", "br0", "up")
	return ns.Name
}

func ipOut(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestSystemLinuxGuest runs the root-mode daemon in a network namespace of its own and
// boots the Linux guest with a qcow2 virtio disk and two NICs: one on a bridge, one of
// type ethernet, both on taps the driver made with netlink. Linux inside confirms what
// it got through the console; the host side shows the taps, and then their removal.
func TestSystemLinuxGuest(t *testing.T) {
	t.Parallel()
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64", "qemu-img")
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: it runs the system-mode daemon and makes taps")
	}
	ns := netns(t)
	kernel, initrd := qemutest.LinuxGuest(t)
	// The guest runs as qemu.conf's user (libvirt-qemu where it exists), which must
	// reach its disk: t.TempDir is private to root.
	dir, err := os.MkdirTemp("", "vu-disk-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	disk := filepath.Join(dir, "disk.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", disk, "16M").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img: %v\n%s", err, out)
	}
	d := startDaemon(t, "virtqemud", daemontest.Options{System: true, NetNS: ns})
	ev := watchEvents(t, d)
	define(t, d, fmt.Sprintf(`<domain type='qemu'>
  <name>linux</name>
  <memory unit='MiB'>%d</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel><initrd>%s</initrd><cmdline>%s</cmdline></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>
    <interface type='bridge'><mac address='52:54:00:0a:0b:0c'/><source bridge='br0'/><model type='virtio'/></interface>
    <interface type='ethernet'><mac address='52:54:00:0a:0b:0d'/><model type='virtio'/></interface>
    <serial type='pty'/>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>`, qemutest.LinuxMemoryMiB, kernel, initrd, qemutest.LinuxCmdline, disk))
	d.Virsh(t, "start", "--paused", "linux")
	con := virshConsole(t, d, "linux")
	con.expect(t, "Escape character is ^]")
	d.Virsh(t, "resume", "linux")
	con.expect(t, qemutest.LinuxReady)
	con.master.Write([]byte("cat /sys/class/net/eth*/address; ls /sys/block\r"))
	con.expect(t, "52:54:00:0a:0b:0c")
	con.expect(t, "52:54:00:0a:0b:0d")
	con.expect(t, "vda")

	bridged := ipOut(t, "-n", ns, "-o", "link", "show", "master", "br0")
	if !strings.Contains(bridged, "vnet") || !strings.Contains(bridged, "fe:54:00:0a:0b:0c") {
		t.Errorf("no tap with the guest's MAC on br0:\n%s", bridged)
	}
	xml := d.Virsh(t, "dumpxml", "linux")
	wantContains(t, "live XML", xml, "<target dev='vnet0'/>", "<target dev='vnet1'/>")

	// The read-only socket refuses changes.
	_, errOut, err := daemontest.Run(t.Context(), append(os.Environ(), "LIBVIRT_AUTOSTART=0"),
		"virsh", "-c", "qemu:///system?socket="+d.RO, "destroy", "linux")
	if err == nil || !strings.Contains(errOut, "operation forbidden: read only access prevents virDomainDestroy") {
		t.Errorf("destroy on the read-only socket: %v %s", err, errOut)
	}

	d.Virsh(t, "shutdown", "linux")
	con.expect(t, qemutest.LinuxPowerOff)
	ev.expect(t, "'linux': Shutdown Finished after guest request", "'linux': Stopped Shutdown")
	wantState(t, d, "linux", "shut off (shutdown)")
	if links := ipOut(t, "-n", ns, "-o", "link"); strings.Contains(links, "vnet") {
		t.Errorf("taps left after the guest stopped:\n%s", links)
	}
}
