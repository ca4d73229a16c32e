package qemu_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// TestGuestOnNetwork boots the Linux guest with an interface of type 'network': the
// QEMU driver asks the network driver for a port, plugs a tap into the port's bridge,
// and the guest gets a DHCP lease from the network's dnsmasq, listed by
// net-dhcp-leases. The port and the tap go when the guest stops. It runs both with
// libvirtd (the drivers in one process) and with virtqemud beside virtnetworkd (ports
// over RPC, and every virsh command through virtqemud, network ones forwarded).
func TestGuestOnNetwork(t *testing.T) {
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64", "dnsmasq", "nft", "ip")
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: system-mode daemons, bridges, taps and nftables")
	}
	kernel, initrd := qemutest.LinuxGuest(t)
	for _, modular := range []bool{false, true} {
		name := "libvirtd"
		if modular {
			name = "virtqemud+virtnetworkd"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ns := netnstest.New(t).Name
			var d *daemontest.Daemon
			if modular {
				n := daemontest.Start(t, "virtnetworkd", daemontest.Options{System: true, NetNS: ns})
				d = startDaemon(t, "virtqemud", daemontest.Options{System: true, NetNS: ns, Dir: n.Dir})
			} else {
				d = startDaemon(t, "libvirtd", daemontest.Options{System: true, NetNS: ns})
			}
			d.Virsh(t, "net-define", xmlFile(t, `<network>
  <name>vunat</name>
  <forward mode='nat'/>
  <bridge name='vubr0'/>
  <ip address='192.0.2.1' netmask='255.255.255.0'>
    <dhcp><range start='192.0.2.100' end='192.0.2.200'/></dhcp>
  </ip>
</network>`))
			d.Virsh(t, "net-start", "vunat")
			define(t, d, fmt.Sprintf(`<domain type='qemu'>
  <name>netguest</name>
  <memory unit='MiB'>%d</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel><initrd>%s</initrd><cmdline>%s virtunit.dhcp</cmdline></os>
  <features><acpi/></features>
  <devices>
    <interface type='network'><mac address='52:54:00:00:00:42'/><source network='vunat'/><model type='virtio'/></interface>
    <serial type='pty'/>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>`, qemutest.LinuxMemoryMiB, kernel, initrd, qemutest.LinuxCmdline))
			d.Virsh(t, "start", "--paused", "netguest")
			con := virshConsole(t, d, "netguest")
			con.expect(t, "Escape character is ^]")
			d.Virsh(t, "resume", "netguest")
			con.expect(t, "virtunit-linux dhcp 192.0.2.")

			live := d.Virsh(t, "dumpxml", "netguest")
			if !regexp.MustCompile(`<source network='vunat' bridge='vubr0' portid='[0-9a-f-]{36}'/>`).MatchString(live) {
				t.Errorf("live XML lacks the port and bridge:\n%s", live)
			}
			if ports := d.Virsh(t, "net-port-list", "vunat"); !regexp.MustCompile(`[0-9a-f-]{36}`).MatchString(ports) {
				t.Errorf("net-port-list shows no port: %q", ports)
			}
			if links := ipOut(t, "-n", ns, "-o", "link", "show", "master", "vubr0"); !strings.Contains(links, "fe:54:00:00:00:42") {
				t.Errorf("no tap with the guest's MAC on the network's bridge:\n%s", links)
			}
			leases := d.Virsh(t, "net-dhcp-leases", "vunat")
			if !regexp.MustCompile(`52:54:00:00:00:42\s+ipv4\s+192\.0\.2\.\d+/24`).MatchString(leases) {
				t.Errorf("net-dhcp-leases lacks the guest:\n%s", leases)
			}

			d.Virsh(t, "destroy", "netguest")
			if ports := d.Virsh(t, "net-port-list", "vunat"); regexp.MustCompile(`[0-9a-f-]{36}`).MatchString(ports) {
				t.Errorf("port left after the guest stopped: %q", ports)
			}
			if links := ipOut(t, "-n", ns, "-o", "link"); strings.Contains(links, "vnet") {
				t.Errorf("tap left after the guest stopped:\n%s", links)
			}
			d.Virsh(t, "net-destroy", "vunat")
		})
	}
}
