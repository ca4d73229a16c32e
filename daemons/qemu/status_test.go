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
}
