package qemu_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestDynamicOwnershipGivesDisksBack: a disk lent to the guest's user while the guest
// runs (its owner recorded as libvirt records it) is given back when the guest stops.
func TestDynamicOwnershipGivesDisksBack(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	disk := filepath.Join(dir, "disk.raw")
	if err := os.WriteFile(disk, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(disk, 1234, 1234); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, "virtqemud", daemontest.Options{System: true})
	if err := os.WriteFile(filepath.Join(d.Dir, "system", "etc", "qemu.conf"), []byte("user = \"+4242\"\ngroup = \"+4242\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d = restart(t, d, daemontest.Options{System: true})
	define(t, d, domainXML("owned", `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='`+disk+`'/><target dev='vda' bus='virtio'/></disk>`))
	d.Virsh(t, "start", "owned")
	if uid, gid := owner(t, disk); uid != 4242 || gid != 4242 {
		t.Errorf("disk of a running guest owned by %d:%d, want 4242:4242", uid, gid)
	}
	buf := make([]byte, 64)
	if n, err := unix.Getxattr(disk, "trusted.libvirt.security.dac", buf); err != nil || string(buf[:n]) != "+1234:+1234" {
		t.Errorf("recorded owner %q, %v", buf[:max(n, 0)], err)
	}
	d.Virsh(t, "destroy", "owned")
	if uid, gid := owner(t, disk); uid != 1234 || gid != 1234 {
		t.Errorf("disk of a stopped guest owned by %d:%d, want its owner 1234:1234 back", uid, gid)
	}
	if _, err := unix.Getxattr(disk, "trusted.libvirt.security.dac", buf); err == nil {
		t.Error("the owner record stays after the guest stopped")
	}
}

func owner(t *testing.T, path string) (int, int) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return int(st.Uid), int(st.Gid)
}
