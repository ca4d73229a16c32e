package storage_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestRestart stops and starts virtstoraged on the same state, as a host's daemon is
// restarted, then kills it, as it crashes: active pools stay active with their volumes
// (transient ones too), a pool whose target vanished meanwhile is inactive and nothing
// fails, and autostart runs once per boot only.
func TestRestart(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	o := daemontest.Options{State: state}
	d := startStoraged(t, o)
	base := poolDir(t)
	v := func(args ...string) string { return d.Virsh(t, args...) }
	for _, p := range []string{"keep", "gone"} {
		v("pool-define-as", p, "dir", "--target", filepath.Join(base, p))
		v("pool-build", p)
	}
	v("pool-start", "keep")
	v("vol-create-as", "keep", "disk.qcow2", "1M", "--format", "qcow2")
	v("pool-start", "gone")
	// An fs pool marked for autostart: its mount lives in the daemon's mount
	// namespace, so each new daemon finds it unmounted, as after a reboot.
	dev := loopDevice(t, 16<<20)
	v("pool-define-as", "auto", "fs", "--source-dev", dev, "--source-format", "ext4", "--target", filepath.Join(base, "auto"))
	v("pool-build", "auto", "--overwrite")
	v("pool-autostart", "auto")
	v("pool-create-as", "temp", "dir", "--target", filepath.Join(base, "temp"), "--build")

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		if err := d.Signal(sig); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Wait(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		if sig == syscall.SIGTERM {
			os.RemoveAll(filepath.Join(base, "gone"))
		}
		d = startStoraged(t, o)
		list := v("pool-list", "--all", "--details")
		for _, want := range []string{"keep +running", "temp +running +no +no", "gone +inactive"} {
			if !regexpMatch(want, list) {
				t.Errorf("after %v, pool-list does not match %q:\n%s", sig, want, list)
			}
		}
		wantContains(t, "volumes after a restart", v("vol-list", "keep"), "disk.qcow2")
		wantContains(t, "format after a restart", v("vol-dumpxml", "--pool", "keep", "disk.qcow2"), "<format type='qcow2'/>")
		// The first start marked autostart done for this boot: no second one.
		wantContains(t, "autostart pool", v("pool-info", "auto"), "State:          inactive", "Autostart:      yes")
	}
	// A reboot clears /run, and with it the marker: the autostart pool starts.
	d.Stop()
	os.Remove(filepath.Join(state, "run", "libvirt", "storage", "autostarted"))
	d = startStoraged(t, o)
	wantContains(t, "autostart after a reboot", v("pool-info", "auto"), "State:          running")
	if out, _ := inNamespace(t, d, "cat", "/proc/self/mounts"); !strings.Contains(out, dev+" "+filepath.Join(base, "auto")+" ext4") {
		t.Errorf("the autostarted fs pool is not mounted:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(state, "run", "libvirt", "storage", "autostarted")); err != nil {
		t.Errorf("no autostarted marker: %v", err)
	}
}
