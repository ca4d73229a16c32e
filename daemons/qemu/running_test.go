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
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

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
  <vcpu current='1'>2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel><initrd>%s</initrd><cmdline>%s</cmdline></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>
    <video><model type='vga'/></video>
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
	// printf, not echo: the terminal's echo of the command line must not hold the
	// marker the command prints.
	g.con.waitRaw(t)
	n := time.Now().UnixNano()
	mark := fmt.Sprintf("done-%d", n)
	before := len(g.con.text())
	g.con.master.Write([]byte(fmt.Sprintf("%s; printf 'done-%%s\\n' %d\n", cmd, n)))
	g.con.expect(t, mark+"\r\n")
	out := g.con.text()[before:]
	if i := strings.LastIndex(out, mark+"\r\n"); i >= 0 {
		out = out[:i]
	}
	return out
}

// waitRaw waits until virsh console has put its terminal in raw mode: what is typed
// before is flushed away (virsh sets raw mode with TCSAFLUSH).
func (c *console) waitRaw(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		tio, err := unix.IoctlGetTermios(int(c.master.Fd()), unix.TCGETS)
		if err == nil && tio.Lflag&unix.ICANON == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("virsh console never put its terminal in raw mode: %v", err)
		}
	}
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
// guest: statistics from virsh, python3-libvirt and the Prometheus exporter; devices
// plugged and unplugged (seen inside the guest), with virsh and virt-xml; memory,
// vCPUs, metadata; keys, screenshots, the QEMU monitor and the guest agent; and the
// saved states (snapshots, save and restore, managed save), after each of which the
// guest's shell still answers.
func TestRunningGuest(t *testing.T) {
	g := startRunningGuest(t)
	d := g.d
	ev := watchEvents(t, d)
	top := t // consoles opened in subtests live as long as the guest
	// Some I/O on the disk, so its counters move.
	g.sh(t, "dd if=/dev/vda of=/dev/null bs=4k count=16 2>/dev/null")
	tap := strings.TrimSpace(regexp.MustCompile(`<target dev='(vnet\d+)'/>`).FindStringSubmatch(d.Virsh(t, "dumpxml", g.name))[1])

	t.Run("virsh", func(t *testing.T) {
		wantMatch(t, "domstats", d.Virsh(t, "domstats", g.name),
			`state\.state=1\n`, `cpu\.time=\d+`, `balloon\.current=131072\n`, `balloon\.maximum=131072\n`,
			`vcpu\.current=1\n`, `vcpu\.maximum=2\n`, `vcpu\.0\.state=1\n`, `vcpu\.0\.time=\d+`, `net\.count=1\n`, `net\.0\.name=`+tap,
			`net\.0\.rx\.bytes=\d+`, `block\.count=2\n`, `block\.0\.name=vda\n`, `block\.1\.name=hdc\n`, `block\.0\.rd\.reqs=[1-9]\d*\n`,
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
		wantMatch(t, "vcpucount", d.Virsh(t, "vcpucount", g.name), `maximum\s+config\s+2\n`, `maximum\s+live\s+2\n`, `current\s+live\s+1\n`)
		wantMatch(t, "cpu-stats --total", d.Virsh(t, "cpu-stats", "--total", g.name), `cpu_time\s+[\d.]+ seconds`, `user_time`, `system_time`)
		wantMatch(t, "domjobinfo", d.Virsh(t, "domjobinfo", g.name), `Job type:\s+None`)
		// What a migration's destination reads: libvirt's --migratable form.
		// A medium's block node and chain end; an empty drive's format is forgotten.
		wantMatch(t, "live XML disks", d.Virsh(t, "dumpxml", g.name), `disk\.qcow2' index='2'/>\s+<backingStore/>\s+<target dev='vda'`,
			`<driver name='qemu'/>\s+<target dev='hdc'`)
		wantContains(t, "live XML", d.Virsh(t, "dumpxml", g.name), "<partition>/machine</partition>", "<alias name='net0'/>", "tty='/dev/pts/",
			"<alias name='pci.0'/>", "<alias name='usb'/>", "<alias name='serial0'/>", "<alias name='input0'/>", "<alias name='balloon0'/>")
		mig := d.Virsh(t, "dumpxml", "--migratable", g.name)
		wantContains(t, "dumpxml --migratable", mig, "<domain type='qemu'>", "<partition>/machine</partition>", "<input type='mouse' bus='ps2'/>")
		for _, live := range []string{"<alias ", "tty=", "<source path='/dev/pts/", "model='pci-root'", "type='keyboard' bus='ps2'", "<audio id='1' type='none'/>"} {
			if strings.Contains(mig, live) {
				t.Errorf("dumpxml --migratable has %q:\n%s", live, mig)
			}
		}
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
	t.Run("hotplug", func(t *testing.T) {
		disk := filepath.Join(g.dir, "hot.qcow2")
		qemuImg(t, "create", "-q", "-f", "qcow2", disk, "32M")
		d.Virsh(t, "attach-disk", g.name, disk, "vdb", "--driver", "qemu", "--subdriver", "qcow2", "--live")
		ev.expect(t, "event 'device-added' for domain 'lin': virtio-disk1")
		wantContains(t, "live XML", d.Virsh(t, "dumpxml", g.name), "<target dev='vdb' bus='virtio'/>", "<alias name='virtio-disk1'/>")
		// Where libvirt 9.0 puts it: after the last virtio disk, on the next block node.
		wantMatch(t, "live XML disk order", d.Virsh(t, "dumpxml", g.name),
			`(?s)<target dev='vda'.*hot\.qcow2' index='3'/>\s+<backingStore/>\s+<target dev='vdb'.*<target dev='hdc'`)
		if inactive := d.Virsh(t, "dumpxml", "--inactive", g.name); strings.Contains(inactive, "vdb") {
			t.Errorf("a --live attach changed the definition:\n%s", inactive)
		}
		seen := false
		for deadline := time.Now().Add(20 * time.Second); !seen && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			seen = strings.Contains(g.sh(t, "ls /sys/block"), "vdb")
		}
		if !seen {
			t.Fatalf("the guest never saw the hotplugged disk: %s", g.sh(t, "ls /sys/block; dmesg | tail"))
		}
		wantMatch(t, "domblkstat vdb", d.Virsh(t, "domblkstat", g.name, "vdb"), `vdb rd_req \d+`)
		wantContains(t, "attach-disk again", virshFails(t, d, "attach-disk", g.name, disk, "vdb", "--live"), "target vdb already exists")
		d.Virsh(t, "detach-disk", g.name, "vdb", "--live")
		ev.expect(t, "event 'device-removed' for domain 'lin': virtio-disk1")
		if live := d.Virsh(t, "dumpxml", g.name); strings.Contains(live, "vdb") {
			t.Errorf("vdb still in the live XML after detach:\n%s", live)
		}
		gone := false
		for deadline := time.Now().Add(10 * time.Second); !gone && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			gone = !strings.Contains(g.sh(t, "ls /sys/block"), "vdb")
		}
		if !gone {
			t.Errorf("the guest still has vdb after the detach")
		}
		wantContains(t, "detach-disk of a missing disk", virshFails(t, d, "detach-disk", g.name, "vdz", "--live"), "No disk found")

		d.Virsh(t, "attach-interface", g.name, "bridge", "vubr1", "--model", "virtio", "--mac", "52:54:00:00:00:44", "--live")
		ev.expect(t, "event 'device-added' for domain 'lin': net1")
		if links := g.ns.MustRun(t, "ip", "-o", "link", "show", "master", "vubr1"); !strings.Contains(links, "fe:54:00:00:00:44") {
			t.Errorf("no tap with the new NIC's MAC on the bridge:\n%s", links)
		}
		wantMatch(t, "domiflist", d.Virsh(t, "domiflist", g.name), `vnet\d+\s+bridge\s+vubr1\s+virtio\s+52:54:00:00:00:44`)
		d.Virsh(t, "detach-interface", g.name, "bridge", "--mac", "52:54:00:00:00:44", "--live")
		ev.expect(t, "event 'device-removed' for domain 'lin': net1")

		iso := filepath.Join(g.dir, "media.iso")
		os.WriteFile(iso, make([]byte, 1<<20), 0o644)
		d.Virsh(t, "change-media", g.name, "hdc", iso, "--insert", "--live")
		// libvirt's live XML names the block node that holds a medium, and ends its
		// chain; vdb had node 3, and libvirt never gives a number twice.
		wantMatch(t, "live XML with media", d.Virsh(t, "dumpxml", g.name), `<source file='`+regexp.QuoteMeta(iso)+`' index='4'/>\s+<backingStore/>\s+<target dev='hdc'`)
		wantMatch(t, "domblkinfo hdc", d.Virsh(t, "domblkinfo", g.name, "hdc"), `Capacity:\s+1048576\n`)
		d.Virsh(t, "change-media", g.name, "hdc", "--eject", "--live")
		if live := d.Virsh(t, "dumpxml", g.name); strings.Contains(live, iso) || strings.Count(live, "<backingStore/>") != 1 {
			t.Errorf("live XML after the eject still has the medium:\n%s", live)
		}

		cfgDisk := filepath.Join(g.dir, "cfg.qcow2")
		qemuImg(t, "create", "-q", "-f", "qcow2", cfgDisk, "16M")
		devXML := xmlFile(t, "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='"+cfgDisk+"'/><target dev='vdc' bus='virtio'/></disk>")
		d.Virsh(t, "attach-device", g.name, devXML, "--config")
		wantMatch(t, "definition with vdc", d.Virsh(t, "dumpxml", "--inactive", g.name), `<target dev='vdc' bus='virtio'/>\s+<address type='pci'`)
		d.Virsh(t, "detach-device", g.name, devXML, "--config")

		// virt-xml plugs a NIC into the running guest and takes it out again.
		daemontest.RequireTool(t, "virt-xml")
		env := append(os.Environ(), "LIBVIRT_AUTOSTART=0")
		out, errOut, err := daemontest.Run(t.Context(), env, "virt-xml", "--connect", d.URI(""), g.name,
			"--add-device", "--network", "bridge=vubr1,model=virtio,mac=52:54:00:00:00:45", "--update")
		if err != nil {
			t.Fatalf("virt-xml --add-device --update: %v\n%s\n%s", err, out, errOut)
		}
		ev.expect(t, "event 'device-added' for domain 'lin': net1")
		wantContains(t, "live XML after virt-xml", d.Virsh(t, "dumpxml", g.name), "<mac address='52:54:00:00:00:45'/>")
		if inactive := d.Virsh(t, "dumpxml", "--inactive", g.name); !strings.Contains(inactive, "52:54:00:00:00:45") {
			t.Errorf("virt-xml --add-device changed the live guest only:\n%s", inactive)
		}
		out, errOut, err = daemontest.Run(t.Context(), env, "virt-xml", "--connect", d.URI(""), g.name,
			"--remove-device", "--network", "mac=52:54:00:00:00:45", "--update")
		if err != nil {
			t.Fatalf("virt-xml --remove-device --update: %v\n%s\n%s", err, out, errOut)
		}
		ev.expect(t, "event 'device-removed' for domain 'lin': net1")
	})

	t.Run("memory-vcpus-metadata", func(t *testing.T) {
		d.Virsh(t, "setmem", g.name, "96M", "--live")
		mem := ""
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
			if mem = d.Virsh(t, "dommemstat", g.name); strings.Contains(mem, "actual 98304\n") {
				break
			}
		}
		wantContains(t, "dommemstat after setmem", mem, "actual 98304\n")
		// The balloon reports its way there in events, which dominfo follows.
		info := ""
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if info = d.Virsh(t, "dominfo", g.name); strings.Contains(info, "98304 KiB") {
				break
			}
		}
		wantMatch(t, "dominfo after setmem", info, `Used memory:\s+98304 KiB`)
		ev.expect(t, "event 'balloon-change' for domain 'lin': 98304KiB")
		wantContains(t, "setmem above the maximum", virshFails(t, d, "setmem", g.name, "1G", "--live"), "cannot set memory higher than max memory")
		wantContains(t, "setmaxmem --live", virshFails(t, d, "setmaxmem", g.name, "256M", "--live"), "cannot resize the maximum memory on an active domain")
		d.Virsh(t, "setmaxmem", g.name, "256M", "--config")
		wantContains(t, "definition after setmaxmem", d.Virsh(t, "dumpxml", "--inactive", g.name), "<memory unit='KiB'>262144</memory>")
		d.Virsh(t, "setmem", g.name, "128M", "--live")

		d.Virsh(t, "setvcpus", g.name, "2", "--config")
		wantMatch(t, "vcpucount --config", d.Virsh(t, "vcpucount", g.name), `current\s+config\s+2\n`)

		d.Virsh(t, "desc", g.name, "--title", "--live", "--config", "A test guest")
		ev.expect(t, "event 'metadata-change' for domain 'lin': type title, uri <null>")
		if got := strings.TrimSpace(d.Virsh(t, "desc", g.name, "--title")); got != "A test guest" {
			t.Errorf("desc --title = %q", got)
		}
		d.Virsh(t, "desc", g.name, "--config", "Described")
		if got := strings.TrimSpace(d.Virsh(t, "desc", g.name, "--config")); got != "Described" {
			t.Errorf("desc --config = %q", got)
		}
		d.Virsh(t, "metadata", g.name, "http://example.org/vu", "--key", "vu", "--set", "<app><v>1</v></app>", "--live")
		ev.expect(t, "event 'metadata-change' for domain 'lin': type element, uri http://example.org/vu")
		wantMatch(t, "metadata", d.Virsh(t, "metadata", g.name, "http://example.org/vu"), "^<app>\n  <v>1</v>\n</app>\n$")
		wantContains(t, "live XML with metadata", d.Virsh(t, "dumpxml", g.name), "<title>A test guest</title>", "http://example.org/vu")
		wantContains(t, "missing metadata", virshFails(t, d, "metadata", g.name, "http://example.org/none"), "metadata not found")

		define(t, d, domainXML("ren1", ""))
		d.Virsh(t, "domrename", "ren1", "ren2")
		ev.expect(t, "event 'lifecycle' for domain 'ren1': Undefined Renamed", "event 'lifecycle' for domain 'ren2': Defined Renamed")
		wantContains(t, "domrename of a running guest", virshFails(t, d, "domrename", g.name, "other"), "cannot rename active domain")
		d.Virsh(t, "undefine", "ren2")
	})

	t.Run("keyboard-monitor-agent", func(t *testing.T) {
		d.Virsh(t, "send-key", g.name, "KEY_LEFTSHIFT", "KEY_A")
		d.Virsh(t, "send-key", g.name, "--codeset", "qnum", "0x1e")
		d.Virsh(t, "inject-nmi", g.name)
		shot := filepath.Join(t.TempDir(), "shot.png")
		d.Virsh(t, "screenshot", g.name, shot)
		if b, err := os.ReadFile(shot); err != nil || len(b) < 8 || string(b[1:4]) != "PNG" {
			t.Errorf("screenshot is no PNG: %v (%d bytes)", err, len(b))
		}
		wantContains(t, "qemu-monitor-command", d.Virsh(t, "qemu-monitor-command", g.name, `{"execute":"query-status"}`), `"status":"running"`)
		wantContains(t, "qemu-monitor-command --hmp", d.Virsh(t, "qemu-monitor-command", "--hmp", g.name, "info status"), "VM status: running")
		wantContains(t, "qemu-monitor-command --pretty", d.Virsh(t, "qemu-monitor-command", "--pretty", g.name, `{"execute":"query-name"}`), `"name": "lin"`)
		// libvirt's mark on a guest whose monitor a client used (virsh dominfo's Messages).
		wantMatch(t, "dominfo after monitor commands", d.Virsh(t, "dominfo", g.name), `Messages:\s+tainted: custom monitor control commands issued\n`)

		g.con.expect(t, qemutest.LinuxAgentReady)
		wantContains(t, "qemu-agent-command", d.Virsh(t, "qemu-agent-command", g.name, `{"execute":"guest-ping"}`), `{"return":{}}`)
		g.sh(t, "ip link set eth0 up && ip addr add 192.0.2.5/24 dev eth0")
		wantMatch(t, "domifaddr --source agent", d.Virsh(t, "domifaddr", g.name, "--source", "agent"), `lo\s+00:00:00:00:00:00`, `eth0\s+52:54:00:00:00:43\s+ipv4\s+192\.0\.2\.5/24`)
		g.sh(t, "mkdir -p /mnt && mount -t tmpfs vutmp /mnt")
		d.Virsh(t, "domfsinfo", g.name)
		wantMatch(t, "vcpucount --guest", d.Virsh(t, "vcpucount", "--guest", g.name), `^[12]\n`)
		// The guest's clock starts from the host's (an RTC in UTC).
		m := regexp.MustCompile(`Time: (\d+)`).FindStringSubmatch(d.Virsh(t, "domtime", g.name))
		if m == nil {
			t.Fatal("domtime printed no time")
		}
		if secs, _ := strconv.ParseInt(m[1], 10, 64); secs < time.Now().Add(-time.Hour).Unix() || secs > time.Now().Add(time.Hour).Unix() {
			t.Errorf("domtime %d is more than an hour from the host's %d", secs, time.Now().Unix())
		}
		wantMatch(t, "domcontrol", d.Virsh(t, "domcontrol", g.name), `^ok\n`)

		// domif-setlink is an update-device of the interface: the guest sees its
		// carrier go and come back; --config keeps the state for the next start.
		const mac = "52:54:00:00:00:43"
		d.Virsh(t, "domif-setlink", g.name, mac, "down")
		wantMatch(t, "domif-getlink", d.Virsh(t, "domif-getlink", g.name, mac), mac+` down`)
		wantMatch(t, "carrier after setlink down", g.sh(t, "cat /sys/class/net/eth0/carrier"), `(?m)^0\r?$`)
		d.Virsh(t, "domif-setlink", g.name, mac, "up")
		wantMatch(t, "carrier after setlink up", g.sh(t, "cat /sys/class/net/eth0/carrier"), `(?m)^1\r?$`)
		d.Virsh(t, "domif-setlink", g.name, mac, "down", "--config")
		wantContains(t, "persistent link state", d.Virsh(t, "dumpxml", "--inactive", g.name), "<link state='down'/>")
		wantMatch(t, "live link state", d.Virsh(t, "domif-getlink", g.name, mac), mac+` up`)
		d.Virsh(t, "domif-setlink", g.name, mac, "up", "--config")
		nic := fmt.Sprintf("<interface type='bridge'><mac address='%s'/><source bridge='vubr1'/><model type='e1000'/></interface>", mac)
		wantContains(t, "a live model change", virshFails(t, d, "update-device", g.name, xmlFile(t, nic), "--live"),
			"unable to change config on 'bridge' network type")
	})

	t.Run("snapshots", func(t *testing.T) {
		d.Virsh(t, "snapshot-create-as", g.name, "s1", "--description", "first")
		g.sh(t, "echo after-s1 > /tmp/marker")
		d.Virsh(t, "snapshot-create-as", g.name, "s2")
		wantMatch(t, "snapshot-list", d.Virsh(t, "snapshot-list", g.name), `s1\s+\d{4}-\d\d-\d\d [\d:]+ [+-]\d{4}\s+running`, `s2\s+.*running`)
		wantMatch(t, "snapshot-list --parent", d.Virsh(t, "snapshot-list", "--parent", g.name), `s2\s+.*running\s+s1`)
		if cur := strings.TrimSpace(d.Virsh(t, "snapshot-current", "--name", g.name)); cur != "s2" {
			t.Errorf("snapshot-current = %q", cur)
		}
		wantContains(t, "snapshot-dumpxml", d.Virsh(t, "snapshot-dumpxml", g.name, "s1"), "<name>s1</name>", "<description>first</description>", "<memory snapshot='internal'/>", "<disk name='vda' snapshot='internal'/>")
		wantMatch(t, "snapshot-info", d.Virsh(t, "snapshot-info", g.name, "s1"), `Current:\s+no`, `Children:\s+1`)
		d.Virsh(t, "snapshot-revert", g.name, "s1")
		if out := g.sh(t, "cat /tmp/marker"); strings.Contains(out, "after-s1\r\n") {
			t.Errorf("the marker written after s1 survived the revert:\n%s", out)
		}
		wantState(t, d, g.name, "running (from snapshot)")
		if cur := strings.TrimSpace(d.Virsh(t, "snapshot-current", "--name", g.name)); cur != "s1" {
			t.Errorf("snapshot-current after revert = %q", cur)
		}
		d.Virsh(t, "snapshot-delete", g.name, "s1", "--children")
		if l := d.Virsh(t, "snapshot-list", "--name", g.name); strings.TrimSpace(l) != "" {
			t.Errorf("snapshots left: %q", l)
		}
		wantContains(t, "snapshot-create-as of a raw disk guest", virshFails(t, d, "snapshot-create-as", g.name, "bad name/x"), "invalid snapshot name")
	})

	t.Run("save-restore", func(t *testing.T) {
		img := filepath.Join(g.dir, "lin.save")
		d.Virsh(t, "save", g.name, img)
		ev.expect(t, "event 'lifecycle' for domain 'lin': Stopped Saved")
		wantState(t, d, g.name, "shut off (saved)")
		wantContains(t, "save-image-dumpxml", d.Virsh(t, "save-image-dumpxml", img), "<name>lin</name>", "<title>A test guest</title>")
		redone := strings.Replace(d.Virsh(t, "save-image-dumpxml", img), "<title>A test guest</title>", "<title>Restored</title>", 1)
		d.Virsh(t, "save-image-define", img, xmlFile(t, redone))
		d.Virsh(t, "restore", img)
		ev.expect(t, "event 'lifecycle' for domain 'lin': Started Restored")
		wantState(t, d, g.name, "running (restored)")
		wantContains(t, "restored XML", d.Virsh(t, "dumpxml", g.name), "<title>Restored</title>")
		g.con = virshConsole(top, d, g.name)
		g.con.expect(t, "Escape character is ^]")
		wantContains(t, "shell after restore", g.sh(t, "echo restored-$((40+2))"), "restored-42")

		d.Virsh(t, "managedsave", g.name)
		wantMatch(t, "list --managed-save", d.Virsh(t, "list", "--all", "--managed-save"), `lin\s+saved`)
		wantContains(t, "managedsave-dumpxml", d.Virsh(t, "managedsave-dumpxml", g.name), "<name>lin</name>")
		wantMatch(t, "dominfo", d.Virsh(t, "dominfo", g.name), `Managed save:\s+yes`)
		d.Virsh(t, "start", g.name)
		ev.expect(t, "event 'lifecycle' for domain 'lin': Started Restored")
		wantState(t, d, g.name, "running (restored)")
		wantMatch(t, "dominfo after start", d.Virsh(t, "dominfo", g.name), `Managed save:\s+no`)
		g.con = virshConsole(top, d, g.name)
		g.con.expect(t, "Escape character is ^]")
		wantContains(t, "shell after managed save", g.sh(t, "echo managed-$((40+3))"), "managed-43")
	})

	t.Run("vcpus-live", func(t *testing.T) {
		// Last but the shutdown: a plugged vCPU stays until the guest lets it go.
		d.Virsh(t, "setvcpus", g.name, "2", "--live")
		wantMatch(t, "vcpucount after setvcpus", d.Virsh(t, "vcpucount", g.name), `current\s+live\s+2\n`)
		wantMatch(t, "vcpuinfo after setvcpus", d.Virsh(t, "vcpuinfo", g.name), `VCPU:\s+1\n`)
		wantContains(t, "setvcpus above the maximum", virshFails(t, d, "setvcpus", g.name, "3", "--live"), "requested vcpus is greater than max allowable vcpus")
		online := ""
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
			if online = g.sh(t, "cat /sys/devices/system/cpu/present"); strings.Contains(online, "0-1") {
				break
			}
		}
		wantContains(t, "the guest's CPUs", online, "0-1")
	})

	t.Run("shutdown-agent", func(t *testing.T) {
		d.Virsh(t, "shutdown", "--mode", "agent", g.name)
		ev.expect(t, "event 'lifecycle' for domain 'lin': Stopped Shutdown")
		wantState(t, d, g.name, "shut off (shutdown)")
	})
}
