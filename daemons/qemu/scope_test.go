package qemu_test

import (
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
	"github.com/virtunit/virtunit/transient/systemdtest"
)

// TestGuestsAsScopes runs root-mode guests as transient scopes of a real systemd
// manager (the package's private one, with machined): the scope is where libvirt puts
// it, machinectl knows the machine, the guests survive restarts and a kill -9 of the
// daemon, a guest killed meanwhile shows as crashed, and "systemctl stop" of a scope
// powers its guest down.
func TestGuestsAsScopes(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: the daemon runs in system mode")
	}
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64", "systemctl", "machinectl")
	mgr := systemdtest.Current(t)
	o := daemontest.Options{System: true, Config: "unit_backend = \"systemd\"\n",
		Env: []string{"DBUS_SYSTEM_BUS_ADDRESS=" + mgr.Bus}}
	d := startDaemon(t, "virtqemud", o)
	define(t, d, domainXML("sc1", ""))
	define(t, d, domainXML("sc2", ""))
	define(t, d, tinyXML(t, "sc3", ""))
	for _, n := range []string{"sc1", "sc2", "sc3"} {
		d.Virsh(t, "start", n)
	}
	systemctl := func(args ...string) string {
		out, errOut, _ := daemontest.Run(t.Context(), mgr.Env(), "systemctl", append([]string{"--user"}, args...)...)
		return out + errOut
	}
	scope := `machine-qemu\x2d1\x2dsc1.scope`
	status := systemctl("status", "--no-pager", scope)
	wantContains(t, "systemctl status", status, "QEMU guest sc1", "active (running)", "machine.slice", "qemu-system-x86_64")
	wantContains(t, "the scope's After=", systemctl("show", "-p", "After", "--value", scope), "libvirtd.service", "virtqemud.service")
	wantContains(t, "the scope's Before=", systemctl("show", "-p", "Before", "--value", scope), "virt-guest-shutdown.target")
	// Confined as libvirt confines a guest's cgroup, limited as its definition says.
	wantContains(t, "the scope's confinement", systemctl("show", "-p", "DevicePolicy,MemoryAccounting,DeviceAllow", scope),
		"DevicePolicy=closed", "MemoryAccounting=yes", "char-pts rw", "/dev/null rw")
	define(t, d, strings.Replace(domainXML("sc5", ""), "<devices>",
		"<blkiotune><weight>500</weight></blkiotune><memtune><hard_limit unit='MiB'>512</hard_limit></memtune><cputune><shares>512</shares><global_quota>50000</global_quota></cputune><devices>", 1))
	d.Virsh(t, "start", "sc5")
	sc5 := `machine-qemu\x2d4\x2dsc5.scope`
	limits := func() string {
		return systemctl("show", "-p", "MemoryMax,MemoryHigh,CPUWeight,CPUQuotaPerSecUSec,IOWeight,IOReadBandwidthMax", sc5)
	}
	wantContains(t, "the scope's limits", limits(), "MemoryMax=536870912", "CPUWeight=512", "CPUQuotaPerSecUSec=500ms", "IOWeight=500")
	retuneRunning(t, d, "sc5", limits)
	d.Virsh(t, "destroy", "sc5")
	machines, _, _ := daemontest.Run(t.Context(), mgr.Env(), "machinectl", "list", "--no-legend")
	wantContains(t, "machinectl list", machines, "qemu-1-sc1", "qemu-2-sc2")
	pid1 := qemuPidIn(t, d, "sc1")

	d = restart(t, d, o)
	if p := qemuPidIn(t, d, "sc1"); p != pid1 {
		t.Errorf("sc1's QEMU changed over a restart: %d, was %d", p, pid1)
	}
	d.Signal(syscall.SIGKILL)
	d.Wait(10 * time.Second)
	syscall.Kill(qemuPidIn(t, d, "sc2"), syscall.SIGKILL)
	o.Dir = d.Dir
	d = startDaemon(t, "virtqemud", o)
	out := d.Virsh(t, "list", "--all")
	if !regexp.MustCompile(`\b1\s+sc1\s+running`).MatchString(out) || !regexp.MustCompile(`\b3\s+sc3\s+running`).MatchString(out) {
		t.Errorf("after kill -9 of the daemon:\n%s", out)
	}
	wantState(t, d, "sc2", "shut off (crashed)")

	// systemctl stop of a scope reaches the daemon as a stop request, and the guest
	// powers down by itself: for a guest this daemon started and for one it adopted.
	ev := watchEvents(t, d)
	define(t, d, tinyXML(t, "sc4", ""))
	d.Virsh(t, "start", "--paused", "sc4")
	con := virshConsole(t, d, "sc4")
	con.expect(t, "Escape character is ^]")
	d.Virsh(t, "resume", "sc4")
	con.expect(t, qemutest.TinyReady) // the guest now listens to its power button
	systemctl("stop", `machine-qemu\x2d4\x2dsc4.scope`)
	ev.expect(t, "'sc4': Shutdown Finished after guest request", "'sc4': Stopped Shutdown")
	wantState(t, d, "sc4", "shut off (shutdown)")
	systemctl("stop", `machine-qemu\x2d3\x2dsc3.scope`)
	ev.expect(t, "'sc3': Shutdown Finished after guest request", "'sc3': Stopped Shutdown")
	wantState(t, d, "sc3", "shut off (shutdown)")
	d.Virsh(t, "destroy", "sc1")
	if s := systemctl("is-active", scope); strings.TrimSpace(s) == "active" {
		t.Errorf("scope still active after destroy")
	}
}

// qemuPidIn is the pid of a guest's QEMU as the daemon's namespace has it, which is
// the host's here (the daemon runs in a mount namespace, not a pid namespace).
func qemuPidIn(t *testing.T, d *daemontest.Daemon, name string) int {
	t.Helper()
	if p := qemuPid(d, name); p != 0 {
		return p
	}
	t.Fatalf("no QEMU process for %s", name)
	return 0
}

// retuneRunning changes a running guest's limits with virsh schedinfo and memtune, as
// libvirt changes its cgroup: the scope carries the new limits at once, the live
// definition shows them, the persistent one keeps its own, and what a scope cannot
// carry is refused with libvirt's words.
func retuneRunning(t *testing.T, d *daemontest.Daemon, name string, limits func() string) {
	t.Helper()
	// libvirt's nine parameters; those without a quota read as a cgroup v2 group's.
	wantContains(t, "schedinfo", d.Virsh(t, "schedinfo", name), "Scheduler      : posix\n", "cpu_shares     : 512\n",
		"vcpu_period    : 100000\n", "vcpu_quota     : 17592186044415\n", "global_period  : 100000\n",
		"global_quota   : 50000\n", "iothread_quota : 17592186044415\n")
	d.Virsh(t, "schedinfo", name, "--set", "cpu_shares=256", "--set", "global_quota=-1")
	wantContains(t, "limits after schedinfo --set", limits(), "CPUWeight=256", "CPUQuotaPerSecUSec=infinity", "MemoryMax=536870912")
	wantContains(t, "schedinfo after --set", d.Virsh(t, "schedinfo", name), "cpu_shares     : 256\n", "global_quota   : 17592186044415\n")
	wantContains(t, "schedinfo --config", d.Virsh(t, "schedinfo", "--config", name), "cpu_shares     : 512\n", "global_quota   : 50000\n",
		"vcpu_period    : 0\n")
	wantContains(t, "live XML after --set", d.Virsh(t, "dumpxml", name), "<shares>256</shares>", "<global_quota>-1</global_quota>")

	wantContains(t, "memtune", d.Virsh(t, "memtune", name), "hard_limit     : 524288\n", "soft_limit     : unlimited\n",
		"swap_hard_limit: unlimited\n")
	d.Virsh(t, "memtune", name, "--hard-limit", "262144", "--soft-limit", "131072")
	wantContains(t, "limits after memtune", limits(), "MemoryMax=268435456", "MemoryHigh=134217728", "CPUWeight=256")
	wantContains(t, "memtune after the change", d.Virsh(t, "memtune", name), "hard_limit     : 262144\n", "soft_limit     : 131072\n")
	wantContains(t, "memtune --config", d.Virsh(t, "memtune", "--config", name), "hard_limit     : 524288\n", "soft_limit     : unlimited\n")
	d.Virsh(t, "memtune", name, "--soft-limit", "-1")
	wantContains(t, "limits after lifting soft_limit", limits(), "MemoryHigh=infinity", "MemoryMax=268435456")

	wantContains(t, "blkiotune", d.Virsh(t, "blkiotune", name), "weight         : 500\n", "device_weight  : \n",
		"device_read_bytes_sec: \n")
	d.Virsh(t, "blkiotune", name, "--weight", "300", "--device-read-bytes-sec", "/dev/null,1048576")
	wantContains(t, "limits after blkiotune", limits(), "IOWeight=300", "IOReadBandwidthMax=/dev/null 1048576", "CPUWeight=256")
	wantContains(t, "blkiotune after the change", d.Virsh(t, "blkiotune", name), "weight         : 300\n",
		"device_read_bytes_sec: /dev/null,1048576\n")
	wantContains(t, "blkiotune --config", d.Virsh(t, "blkiotune", "--config", name), "weight         : 500\n", "device_read_bytes_sec: \n")
	d.Virsh(t, "blkiotune", name, "--device-read-bytes-sec", "/dev/null,0")
	if l := limits(); strings.Contains(l, "/dev/null") {
		t.Errorf("a device throttle set to 0 was not lifted:\n%s", l)
	}
	if x := d.Virsh(t, "dumpxml", name); !strings.Contains(x, "<blkiotune>\n    <weight>300</weight>\n  </blkiotune>") {
		t.Errorf("live <blkiotune> after the changes:\n%s", x)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"blkiotune", name, "--device-weights", "/dev/null"}, "invalid argument: unable to parse blkio device 'device_weight' '/dev/null'"},
		{[]string{"blkiotune", name, "--device-weights", "/dev/null,x"}, "invalid argument: invalid value 'x' for parameter 'device_weight' of device '/dev/null'"},
		{[]string{"schedinfo", name, "--set", "cpu_shares=0"}, "invalid argument: shares '0' must be in range [1, 10000]"},
		{[]string{"schedinfo", name, "--set", "global_period=10"}, "invalid argument: value of 'global_period' is out of range [1000, 1000000]"},
		{[]string{"schedinfo", name, "--set", "vcpu_quota=20000"}, "<cputune> supports only <shares>, <global_period> and <global_quota>"},
		{[]string{"memtune", name, "--min-guarantee", "1024"}, "argument unsupported: parameter 'min_guarantee' not supported"},
		{[]string{"memtune", name, "--swap-hard-limit", "1048576"}, "<memtune><swap_hard_limit> is not supported"},
	} {
		if _, errOut, err := d.VirshErr(c.args...); err == nil || !strings.Contains(errOut, c.want) {
			t.Errorf("virsh %s: %v %q, want %q", strings.Join(c.args, " "), err, errOut, c.want)
		}
	}
	wantContains(t, "limits after the refusals", limits(), "CPUWeight=256", "MemoryMax=268435456")
}
