package qemu_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// runningGuest is one Linux guest the tests of a running guest's calls share: a
// virtio disk, a NIC on a bridge of the test's network namespace, a balloon that
// reports statistics, and the guest agent on its channel.
type runningGuest struct {
	d    *daemontest.Daemon
	ns   *netnstest.NS
	dir  string // where its images are
	con  *console
	name string
}

func startRunningGuest(t *testing.T) *runningGuest {
	t.Helper()
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64", "qemu-img", "ip")
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: a system-mode daemon with taps on a bridge")
	}
	kernel, initrd := qemutest.LinuxGuest(t)
	ns := netnstest.New(t)
	ns.MustRun(t, "ip", "link", "add", "vubr1", "type", "bridge")
	ns.MustRun(t, "ip", "link", "set", "vubr1", "up")
	// QEMU runs as qemu.conf's user, which must reach the images: t.TempDir is
	// private to root.
	dir, err := os.MkdirTemp("", "vu-images-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	g := &runningGuest{ns: ns, dir: dir, name: "lin"}
	g.d = startDaemon(t, "virtqemud", daemontest.Options{System: true, NetNS: ns.Name})
	disk := filepath.Join(g.dir, "disk.qcow2")
	qemuImg(t, "create", "-q", "-f", "qcow2", disk, "64M")
	define(t, g.d, fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>%d</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel><initrd>%s</initrd><cmdline>%s</cmdline></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>
    <interface type='bridge'><mac address='52:54:00:00:00:43'/><source bridge='vubr1'/><model type='virtio'/></interface>
    <serial type='pty'/>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <controller type='usb' model='none'/>
    <memballoon model='virtio'><stats period='1'/></memballoon>
  </devices>
</domain>`, g.name, qemutest.LinuxMemoryMiB, kernel, initrd, qemutest.LinuxCmdline, disk))
	g.d.Virsh(t, "start", "--paused", g.name)
	g.con = virshConsole(t, g.d, g.name)
	g.con.expect(t, "Escape character is ^]")
	g.d.Virsh(t, "resume", g.name)
	g.con.expect(t, qemutest.LinuxReady)
	return g
}

// sh types a command on the guest's console and waits for the marker it echoes last.
func (g *runningGuest) sh(t *testing.T, cmd string) string {
	t.Helper()
	mark := fmt.Sprintf("done-%d", time.Now().UnixNano())
	before := len(g.con.text())
	g.con.master.Write([]byte(cmd + "; echo " + mark + "\n"))
	g.con.expect(t, mark+"\r\n")
	out := g.con.text()[before:]
	if i := strings.LastIndex(out, mark+"\r\n"); i >= 0 {
		out = out[:i]
	}
	return out
}

func qemuImg(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("qemu-img", args...).CombinedOutput(); err != nil {
		t.Fatalf("qemu-img %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// wantMatch fails unless s matches every pattern.
func wantMatch(t *testing.T, what, s string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(s) {
			t.Errorf("%s does not match %q:\n%s", what, p, s)
		}
	}
}

// TestRunningGuest drives the calls tools make of a running guest, against one Linux
// guest: statistics from virsh, python3-libvirt and the Prometheus exporter.
func TestRunningGuest(t *testing.T) {
	g := startRunningGuest(t)
	d := g.d
	// Some I/O on the disk, so its counters move.
	g.sh(t, "dd if=/dev/vda of=/dev/null bs=4k count=16 2>/dev/null")
	tap := strings.TrimSpace(regexp.MustCompile(`<target dev='(vnet\d+)'/>`).FindStringSubmatch(d.Virsh(t, "dumpxml", g.name))[1])

	t.Run("virsh", func(t *testing.T) {
		wantMatch(t, "domstats", d.Virsh(t, "domstats", g.name),
			`state\.state=1\n`, `cpu\.time=\d+`, `balloon\.current=131072\n`, `balloon\.maximum=131072\n`,
			`vcpu\.current=1\n`, `vcpu\.0\.state=1\n`, `vcpu\.0\.time=\d+`, `net\.count=1\n`, `net\.0\.name=`+tap,
			`net\.0\.rx\.bytes=\d+`, `block\.count=1\n`, `block\.0\.name=vda\n`, `block\.0\.rd\.reqs=[1-9]\d*\n`,
			`block\.0\.capacity=67108864\n`, `block\.0\.path=.*disk\.qcow2\n`)
		wantMatch(t, "domstats --state", d.Virsh(t, "domstats", "--state", "--list-running"), `Domain: 'lin'\n\s+state\.state=1\n\s+state\.reason=\d+\n\n?$`)
		// The balloon driver reports every second once it is loaded.
		deadline := time.Now().Add(20 * time.Second)
		mem := d.Virsh(t, "dommemstat", g.name)
		for !strings.Contains(mem, "unused") && time.Now().Before(deadline) {
			time.Sleep(300 * time.Millisecond)
			mem = d.Virsh(t, "dommemstat", g.name)
		}
		wantMatch(t, "dommemstat", mem, `actual 131072\n`, `unused \d+\n`, `available \d+\n`, `last_update \d+\n`, `rss \d+\n`)
		wantMatch(t, "domstats --balloon", d.Virsh(t, "domstats", "--balloon", g.name), `balloon\.unused=\d+`, `balloon\.rss=\d+`)
		wantMatch(t, "domblkstat", d.Virsh(t, "domblkstat", g.name, "vda"), `vda rd_req [1-9]\d*\n`, `vda rd_bytes [1-9]\d*\n`, `vda flush_operations \d+`)
		wantMatch(t, "domifstat", d.Virsh(t, "domifstat", g.name, tap), tap+` rx_bytes \d+\n`, tap+` tx_drop \d+\n`)
		wantMatch(t, "domifstat by MAC", d.Virsh(t, "domifstat", g.name, "52:54:00:00:00:43"), `rx_packets \d+`)
		wantMatch(t, "domblkinfo", d.Virsh(t, "domblkinfo", g.name, "vda"), `Capacity:\s+67108864\n`, `Allocation:\s+\d+\n`, `Physical:\s+\d+\n`)
		wantMatch(t, "domblkinfo --all", d.Virsh(t, "domblkinfo", "--all", g.name), `vda\s+67108864\s+\d+\s+\d+`)
		wantMatch(t, "vcpuinfo", d.Virsh(t, "vcpuinfo", g.name), `VCPU:\s+0\n`, `State:\s+running\n`, `CPU time:\s+[\d.]+s\n`, `CPU Affinity:\s+y+`)
		wantMatch(t, "vcpucount", d.Virsh(t, "vcpucount", g.name), `maximum\s+config\s+1\n`, `maximum\s+live\s+1\n`, `current\s+live\s+1\n`)
		wantMatch(t, "cpu-stats --total", d.Virsh(t, "cpu-stats", "--total", g.name), `cpu_time\s+[\d.]+ seconds`, `user_time`, `system_time`)
		wantMatch(t, "domjobinfo", d.Virsh(t, "domjobinfo", g.name), `Job type:\s+None`)
		wantMatch(t, "nodecpustats", d.Virsh(t, "nodecpustats"), `user:\s+\d+`, `idle:\s+\d+`)
		wantMatch(t, "nodememstats", d.Virsh(t, "nodememstats"), `total\s*:\s+\d+ KiB`, `free\s*:\s+\d+ KiB`)
		wantMatch(t, "freecell", d.Virsh(t, "freecell"), `\d+ KiB`)
		wantMatch(t, "nodecpumap", d.Virsh(t, "nodecpumap"), `CPUs present:\s+\d+`, `CPU map:\s+y`)
		// virsh asks domain capabilities first: the machine's limit.
		wantMatch(t, "maxvcpus", d.Virsh(t, "maxvcpus", "--type", "qemu"), `^\d+\n`)
		wantContains(t, "domblkstat of a missing disk", virshFails(t, d, "domblkstat", g.name, "vdz"), "invalid path: vdz")
		wantContains(t, "domifstat of a missing NIC", virshFails(t, d, "domifstat", g.name, "nosuch0"), "'nosuch0' is not a known interface")
	})

	t.Run("python", func(t *testing.T) {
		daemontest.RequireTool(t, "/usr/bin/python3")
		out, errOut, err := daemontest.Run(t.Context(), append(os.Environ(), "LIBVIRT_AUTOSTART=0"),
			"/usr/bin/python3", "testdata/stats.py", d.URI(""), g.name, "vda", tap)
		if err != nil || strings.TrimSpace(out) != "OK" {
			t.Fatalf("stats.py: %v\nstdout: %s\nstderr: %s", err, out, errOut)
		}
	})

	t.Run("prometheus", func(t *testing.T) {
		daemontest.RequireTool(t, "prometheus-libvirt-exporter")
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		exp := exec.Command("prometheus-libvirt-exporter", "--web.listen-address="+addr, "--libvirt.uri="+d.URI(""))
		exp.Env = append(os.Environ(), "LIBVIRT_AUTOSTART=0")
		var log daemontest.Buffer
		exp.Stdout, exp.Stderr = &log, &log
		if err := exp.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { exp.Process.Kill(); exp.Wait() })
		var body string
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			resp, err := http.Get("http://" + addr + "/metrics")
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				body = string(b)
				if strings.Contains(body, `domain="lin"`) {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("the exporter never reported the guest: %v\n%s\nexporter log:\n%s", err, body, log.String())
			}
		}
		wantMatch(t, "metrics", body, `libvirt_up 1`,
			`libvirt_domain_info_cpu_time_seconds_total\{domain="lin",uuid="[-0-9a-f]+"\} [0-9.e+]+`,
			`libvirt_domain_info_memory_usage_bytes\{domain="lin",uuid="[-0-9a-f]+"\} 1\.34217728e\+08`,
			`libvirt_domain_block_stats_read_requests_total\{domain="lin",source_file=".*disk\.qcow2",target_device="vda",uuid="[-0-9a-f]+"\} [1-9]`,
			`libvirt_domain_interface_stats_receive_bytes_total\{domain="lin",source_bridge="vubr1",target_device="`+tap+`",uuid="[-0-9a-f]+"\} \d`)
	})
}
