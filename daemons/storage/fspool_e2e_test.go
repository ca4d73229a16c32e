package storage_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// loopDevice attaches a fresh image of size bytes to a loop device, detached after the
// test.
func loopDevice(t *testing.T, size int64) string {
	t.Helper()
	daemontest.RequireTool(t, "losetup", "mkfs.ext4", "nsenter")
	img := filepath.Join(t.TempDir(), "fs.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, size); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "-f", "--show", img).CombinedOutput()
	if err != nil {
		t.Fatalf("losetup: %v\n%s", err, out)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	return dev
}

// TestFSPool builds an fs pool on a loop-mounted image, as libvirt does: mkfs with
// --no-overwrite only on an empty device, the mount at start (in the daemon's mount
// namespace, with libvirt's options) and the unmount at destroy; volumes live in the
// mounted filesystem, lost+found among them.
func TestFSPool(t *testing.T) {
	t.Parallel()
	dev := loopDevice(t, 32<<20)
	d := startStoraged(t, daemontest.Options{})
	target := filepath.Join(poolDir(t), "mnt")
	v := func(args ...string) string { return d.Virsh(t, args...) }
	mounts := func() string {
		out, err := inNamespace(t, d, "cat", "/proc/self/mounts")
		if err != nil {
			t.Fatalf("cannot read the daemon's mounts: %v\n%s", err, out)
		}
		return out
	}

	v("pool-define-as", "fp", "fs", "--source-dev", dev, "--source-format", "ext4", "--target", target)
	wantContains(t, "pool-dumpxml", v("pool-dumpxml", "fp"), "<device path='"+dev+"'/>", "<format type='ext4'/>")
	v("pool-build", "fp", "--no-overwrite")
	wantFails(t, d, "Storage pool already built: Device '"+dev+"' already formatted using 'ext4'", "pool-build", "fp", "--no-overwrite")
	v("pool-start", "fp")
	if m := mounts(); !strings.Contains(m, dev+" "+target+" ext4 rw,nosuid,nodev,noexec") {
		t.Fatalf("the pool is not mounted as libvirt mounts it:\n%s", m)
	}
	wantContains(t, "vol-list", v("vol-list", "fp", "--details"), "lost+found", "dir")
	xml := v("pool-dumpxml", "fp")
	wantContains(t, "active pool", xml, "<mode>0755</mode>", "<format type='ext4'/>")
	if strings.Contains(xml, "<capacity unit='bytes'>0</capacity>") {
		t.Errorf("an active fs pool reports no capacity:\n%s", xml)
	}
	v("vol-create-as", "fp", "a", "1M")
	v("vol-create-as", "fp", "b", "2M", "--format", "qcow2")
	if out, err := inNamespace(t, d, "ls", target); err != nil || !strings.Contains(out, "a") || !strings.Contains(out, "b") {
		t.Errorf("volumes are not in the mounted filesystem: %v\n%s", err, out)
	}
	v("pool-destroy", "fp")
	if strings.Contains(mounts(), target) {
		t.Error("pool-destroy left the filesystem mounted")
	}
	v("pool-start", "fp")
	wantContains(t, "vol-list after a new mount", v("vol-list", "fp"), "a ", "b ", "lost+found")
	v("pool-destroy", "fp")
	create := []string{"pool-create-as", "fp2", "fs", "--source-dev", dev, "--source-format", "ext4", "--target", target, "--build", "--no-overwrite"}
	wantFails(t, d, "operation failed: Storage source conflict with pool: 'fp'", create...)
	v("pool-delete", "fp")
	v("pool-undefine", "fp")
	// A transient pool that fails to build is gone, as in libvirt.
	wantFails(t, d, "Storage pool already built: Device '"+dev+"' already formatted using 'ext4'", create...)
	if out := v("pool-list", "--all"); strings.Contains(out, "fp2") {
		t.Errorf("a transient pool that failed to start is listed:\n%s", out)
	}
}
