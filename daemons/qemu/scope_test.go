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
		"<memtune><hard_limit unit='MiB'>512</hard_limit></memtune><cputune><shares>512</shares><global_quota>50000</global_quota></cputune><devices>", 1))
	d.Virsh(t, "start", "sc5")
	wantContains(t, "the scope's limits", systemctl("show", "-p", "MemoryMax,CPUWeight,CPUQuotaPerSecUSec", `machine-qemu\x2d4\x2dsc5.scope`),
		"MemoryMax=536870912", "CPUWeight=512", "CPUQuotaPerSecUSec=500ms")
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
