package qemu_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestStartFailsWithoutStatus: a guest whose status file cannot be written would be
// lost to the next daemon, so its start fails, as libvirt's does, and its QEMU goes.
func TestStartFailsWithoutStatus(t *testing.T) {
	d := startQemud(t, daemontest.Options{})
	define(t, d, domainXML("nostatus", ""))
	// A non-empty directory where the status file goes: no rename can replace it.
	blocker := filepath.Join(d.Dir, "run", "libvirt", "qemu", "run", "nostatus.xml")
	daemontest.MkdirAs(t, blocker)
	daemontest.WriteFileAs(t, filepath.Join(blocker, "keep"), "x")

	if errOut := virshFails(t, d, "start", "nostatus"); !strings.Contains(errOut, "cannot save the status of domain 'nostatus'") {
		t.Errorf("start: %s", errOut)
	}
	deadline := time.Now().Add(10 * time.Second)
	for qemuPid(d, "nostatus") != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if pid := qemuPid(d, "nostatus"); pid != 0 {
		t.Errorf("QEMU %d still runs after the failed start", pid)
	}
	if out := strings.TrimSpace(d.Virsh(t, "domstate", "nostatus")); out != "shut off" {
		t.Errorf("domstate after the failed start: %q", out)
	}
	os.RemoveAll(blocker)
	d.Virsh(t, "start", "nostatus")
	d.Virsh(t, "destroy", "nostatus")
}

// TestGuestWithoutStatusReported: a guest whose status file cannot be read when the
// daemon starts is neither adopted nor killed, but reported.
func TestGuestWithoutStatusReported(t *testing.T) {
	d := startQemud(t, daemontest.Options{})
	define(t, d, domainXML("orphan", ""))
	d.Virsh(t, "start", "orphan")
	pid := qemuPid(d, "orphan")
	if code := d.Stop(); code != 0 {
		t.Fatalf("virtqemud exited with %d", code)
	}
	daemontest.WriteFileAs(t, filepath.Join(d.Dir, "run", "libvirt", "qemu", "run", "orphan.xml"), "<domstatus")
	d = startDaemon(t, "virtqemud", daemontest.Options{Dir: d.Dir})
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(d.Log(), "a guest runs without a status file") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if log := d.Log(); !strings.Contains(log, "a guest runs without a status file") || !strings.Contains(log, "orphan") {
		t.Errorf("no report of the guest without status:\n%s", log)
	}
	if qemuPid(d, "orphan") != pid {
		t.Errorf("the guest without status was killed")
	}
}

// TestLimitsNeedSystemd: without systemd there are no cgroups to enforce <memtune> or
// <cputune>, so such a guest does not start rather than start unlimited; what a scope
// cannot carry out at all is refused at define.
func TestLimitsNeedSystemd(t *testing.T) {
	d := startQemud(t, daemontest.Options{Config: "unit_backend = \"self\"\n"})
	define(t, d, strings.Replace(domainXML("limited", ""), "<devices>", "<memtune><hard_limit unit='MiB'>512</hard_limit></memtune><devices>", 1))
	if errOut := virshFails(t, d, "start", "limited"); !strings.Contains(errOut, "memory and CPU limits need systemd") {
		t.Errorf("start: %s", errOut)
	}
	pinned := xmlFile(t, strings.Replace(domainXML("pinned", ""), "<devices>", "<cputune><vcpupin vcpu='0' cpuset='0'/></cputune><devices>", 1))
	if errOut := virshFails(t, d, "define", pinned); !strings.Contains(errOut, "<cputune> supports only") {
		t.Errorf("define with vcpupin: %s", errOut)
	}
	// A session daemon tunes nothing, as libvirt's has no cgroups to tune.
	if errOut := virshFails(t, d, "schedinfo", "limited"); !strings.Contains(errOut, "Operation not supported: CPU tuning is not available in session mode") {
		t.Errorf("schedinfo in session mode: %s", errOut)
	}
	if errOut := virshFails(t, d, "memtune", "limited"); !strings.Contains(errOut, "Operation not supported: Memory tuning is not available in session mode") {
		t.Errorf("memtune in session mode: %s", errOut)
	}

	if errOut := virshFails(t, d, "blkiotune", "limited"); !strings.Contains(errOut, "unsupported configuration: Block I/O tuning is not available in session mode") {
		t.Errorf("blkiotune in session mode: %s", errOut)
	}

	// A root daemon without systemd runs a guest without limits, and cannot give it any.
	root := startDaemon(t, "virtqemud", daemontest.Options{System: true, Config: "unit_backend = \"self\"\n"})
	define(t, root, domainXML("free", ""))
	root.Virsh(t, "start", "free")
	wantContains(t, "schedinfo", root.Virsh(t, "schedinfo", "free"), "cpu_shares     : 100\n", "global_quota   : 17592186044415\n")
	if errOut := virshFails(t, root, "schedinfo", "free", "--set", "cpu_shares=256"); !strings.Contains(errOut, "Requested operation is not valid: cgroup CPU controller is not mounted") {
		t.Errorf("schedinfo --set without systemd: %s", errOut)
	}
	if errOut := virshFails(t, root, "memtune", "free", "--hard-limit", "262144"); !strings.Contains(errOut, "Requested operation is not valid: cgroup memory controller is not mounted") {
		t.Errorf("memtune without systemd: %s", errOut)
	}
	if errOut := virshFails(t, root, "blkiotune", "free", "--weight", "300"); !strings.Contains(errOut, "Requested operation is not valid: blkio cgroup isn't mounted") {
		t.Errorf("blkiotune without systemd: %s", errOut)
	}
	if x := root.Virsh(t, "dumpxml", "free"); strings.Contains(x, "<blkiotune>") || strings.Contains(x, "<cputune>") || strings.Contains(x, "<memtune>") {
		t.Errorf("a refused change reached the live definition:\n%s", x)
	}
	// The configuration still takes them, for a host that gets systemd.
	root.Virsh(t, "schedinfo", "free", "--config", "--set", "cpu_shares=256")
	wantContains(t, "schedinfo --config", root.Virsh(t, "schedinfo", "--config", "free"), "cpu_shares     : 256\n")
	wantContains(t, "dumpxml --inactive", root.Virsh(t, "dumpxml", "--inactive", "free"), "<cputune>\n    <shares>256</shares>\n  </cputune>")
	root.Virsh(t, "destroy", "free")
}

// TestMissingQEMUUserRefused: a root daemon whose QEMU user does not exist runs no
// guests as root instead; its QEMU driver refuses to start, naming the user, as
// libvirt's does.
func TestMissingQEMUUserRefused(t *testing.T) {
	state := t.TempDir()
	if err := os.MkdirAll(filepath.Join(state, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "etc", "qemu.conf"), []byte("user = \"virtunit-no-such-user\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := daemontest.Start(t, "virtqemud", daemontest.Options{System: true, State: state, NoWait: true})
	code, err := d.Wait(30 * time.Second)
	if err != nil || code == 0 || !strings.Contains(d.Log(), "Failed to parse user 'virtunit-no-such-user'") {
		t.Errorf("virtqemud with a missing QEMU user: exit %d, %v\n%s", code, err, d.Log())
	}
}
