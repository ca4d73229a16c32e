package qemu_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// macvtapLink is a macvtap as "ip -d -j link show type macvtap" reports it.
type macvtapLink struct {
	Name     string `json:"ifname"`
	Lower    string `json:"link"`
	Address  string `json:"address"`
	LinkInfo struct {
		Data struct {
			Mode string `json:"mode"`
		} `json:"info_data"`
	} `json:"linkinfo"`
}

// macvtaps lists the namespace's macvtap devices by their MAC address.
func macvtaps(t *testing.T, ns *netnstest.NS) map[string]macvtapLink {
	t.Helper()
	var ls []macvtapLink
	out := ns.MustRun(t, "ip", "-d", "-j", "link", "show", "type", "macvtap")
	if err := json.Unmarshal([]byte(out), &ls); err != nil {
		t.Fatalf("ip -j link: %v\n%s", err, out)
	}
	m := map[string]macvtapLink{}
	for _, l := range ls {
		m[l.Address] = l
	}
	return m
}

// linkMAC is the MAC address of a link in the namespace.
func linkMAC(t *testing.T, ns *netnstest.NS, name string) string {
	t.Helper()
	return strings.TrimSpace(ns.MustRun(t, "cat", "/sys/class/net/"+name+"/address"))
}

// waitShutOff waits until virsh reports the guest shut off.
func waitShutOff(t *testing.T, d *daemontest.Daemon, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if out, _, err := d.VirshErr("domstate", name); err == nil && strings.Contains(out, "shut off") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not shut off", name)
}

// TestMacvtapGuest runs the firmware guest with an interface on a network of each
// macvtap mode, three on one pool of two veths, and one of type 'direct', in a
// network namespace whose veth pairs stand in for uplinks. The macvtaps exist while
// the guest runs, in the right mode on the pool device libvirt would choose, the live
// XML shows them as libvirt does, net-dumpxml counts the connections (also after the
// daemon was killed and started again), passthrough takes its device whole and gives
// it back; and every macvtap is gone after destroy, after QEMU crashed, and after QEMU
// died while the daemon was killed.
func TestMacvtapGuest(t *testing.T) {
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64", "ip")
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: system-mode daemons and macvtap devices")
	}
	ns := netnstest.New(t)
	for _, up := range []string{"up0", "up1", "up2", "up3"} {
		ns.MustRun(t, "ip", "link", "add", up, "type", "veth", "peer", "name", up+"p")
		ns.MustRun(t, "ip", "link", "set", up, "up")
		ns.MustRun(t, "ip", "link", "set", up+"p", "up")
	}
	up2MAC := linkMAC(t, ns, "up2")
	opts := daemontest.Options{System: true, NetNS: ns.Name}
	d := startDaemon(t, "libvirtd", opts)
	for name, fwd := range map[string]string{
		"mvbridge": "<forward mode='bridge'><interface dev='up0'/><interface dev='up1'/></forward>",
		"mvvepa":   "<forward mode='vepa'><interface dev='up1'/></forward>",
		"mvpriv":   "<forward mode='private' dev='up0'/>",
		"mvpass":   "<forward mode='passthrough'><interface dev='up2'/></forward>",
	} {
		d.Virsh(t, "net-define", xmlFile(t, "<network><name>"+name+"</name>"+fwd+"</network>"))
		d.Virsh(t, "net-start", name)
	}
	nic := func(i int, src string) string {
		kind := "network"
		if strings.Contains(src, "dev=") {
			kind = "direct"
		}
		return fmt.Sprintf("<interface type='%s'><mac address='52:54:00:00:0a:%02d'/><source %s/><model type='virtio'/></interface>", kind, i, src)
	}
	define(t, d, domainXML("mvguest",
		nic(1, "network='mvbridge'")+nic(2, "network='mvbridge'")+nic(3, "network='mvbridge'")+
			nic(4, "network='mvvepa'")+nic(5, "network='mvpriv'")+nic(6, "network='mvpass'")+
			nic(7, "dev='up3' mode='private'")))
	// What each interface must get: lower device and mode.
	want := map[string][2]string{
		"52:54:00:00:0a:01": {"up0", "bridge"}, "52:54:00:00:0a:02": {"up1", "bridge"}, "52:54:00:00:0a:03": {"up0", "bridge"},
		"52:54:00:00:0a:04": {"up1", "vepa"}, "52:54:00:00:0a:05": {"up0", "private"}, "52:54:00:00:0a:06": {"up2", "passthru"},
		"52:54:00:00:0a:07": {"up3", "private"},
	}
	running := func(when string) {
		t.Helper()
		got := macvtaps(t, ns)
		for mac, w := range want {
			l, ok := got[mac]
			if !ok || l.Lower != w[0] || l.LinkInfo.Data.Mode != w[1] || !strings.HasPrefix(l.Name, "macvtap") {
				t.Errorf("%s: macvtap for %s is %+v, want one on %s in mode %s", when, mac, l, w[0], w[1])
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d macvtaps, want %d", when, len(got), len(want))
		}
		net := d.Virsh(t, "net-dumpxml", "mvbridge")
		wantContains(t, when+": mvbridge", net, "<network connections='3'>",
			"<interface dev='up0' connections='2'/>", "<interface dev='up1' connections='1'/>")
		wantContains(t, when+": mvpass", d.Virsh(t, "net-dumpxml", "mvpass"), "<interface dev='up2' connections='1'/>")
		if m := linkMAC(t, ns, "up2"); m != "52:54:00:00:0a:06" {
			t.Errorf("%s: passthrough device up2 has MAC %s, want the guest's", when, m)
		}
	}
	gone := func(when string) {
		t.Helper()
		if got := macvtaps(t, ns); len(got) != 0 {
			t.Errorf("%s: macvtaps left: %v", when, got)
		}
		for _, n := range []string{"mvbridge", "mvvepa", "mvpriv", "mvpass"} {
			if x := d.Virsh(t, "net-dumpxml", n); strings.Contains(x, "connections=") {
				t.Errorf("%s: %s still counts connections:\n%s", when, n, x)
			}
		}
		if m := linkMAC(t, ns, "up2"); m != up2MAC {
			t.Errorf("%s: passthrough device up2 has MAC %s, want its own %s back", when, m, up2MAC)
		}
	}

	d.Virsh(t, "start", "mvguest")
	running("running")
	live := d.Virsh(t, "dumpxml", "mvguest")
	if !regexp.MustCompile(`<interface type='direct'>\s*<mac address='52:54:00:00:0a:01'/>\s*<source network='mvbridge' portid='[0-9a-f-]{36}' dev='up0' mode='bridge'/>\s*<target dev='macvtap\d+'/>`).MatchString(live) {
		t.Errorf("live XML does not show the network interface as libvirt does:\n%s", live)
	}
	wantContains(t, "live XML", live, "<source dev='up3' mode='private'/>")
	wantContains(t, "inactive XML", d.Virsh(t, "dumpxml", "--inactive", "mvguest"), "<interface type='network'>", "<source network='mvbridge'/>")
	port := xmlFile(t, `<networkport><uuid>8a0ce2a3-1f3c-4f0e-9f4e-0d8a4f6c2b10</uuid><owner><name>other</name><uuid>8a0ce2a3-1f3c-4f0e-9f4e-0d8a4f6c2b11</uuid></owner><mac address='52:54:00:00:0b:01'/></networkport>`)
	wantContains(t, "second passthrough port", virshFails(t, d, "net-port-create", "mvpass", port),
		"network 'mvpass' requires exclusive access to interfaces, but none are available")
	d.Virsh(t, "destroy", "mvguest")
	gone("after destroy")

	// QEMU crashes while the daemon watches.
	d.Virsh(t, "start", "mvguest")
	running("before the crash")
	syscall.Kill(qemuPid(d, "mvguest"), syscall.SIGKILL)
	waitShutOff(t, d, "mvguest")
	gone("after QEMU crashed")

	// The daemon is killed and comes back to a guest still running.
	d.Virsh(t, "start", "mvguest")
	d.Signal(syscall.SIGKILL)
	d.Wait(10 * time.Second)
	opts.Dir = d.Dir
	d = startDaemon(t, "libvirtd", opts)
	running("after the daemon was killed and started again")
	d.Virsh(t, "destroy", "mvguest")
	gone("after destroy following a daemon restart")

	// QEMU dies while no daemon runs.
	d.Virsh(t, "start", "mvguest")
	pid := qemuPid(d, "mvguest")
	d.Signal(syscall.SIGKILL)
	d.Wait(10 * time.Second)
	syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 200 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	d = startDaemon(t, "libvirtd", opts)
	waitShutOff(t, d, "mvguest")
	gone("after QEMU died while the daemon was down")
}
