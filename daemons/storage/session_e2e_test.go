package storage_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestSession runs virtstoraged as an ordinary user: storage:///session, with the
// definitions under $XDG_CONFIG_HOME/libvirt/storage and the live state under
// $XDG_RUNTIME_DIR/libvirt/storage/run, as libvirt's session driver keeps them.
func TestSession(t *testing.T) {
	t.Parallel()
	daemontest.RequireTool(t, "virsh", "qemu-img")
	d := daemontest.Start(t, "virtstoraged", daemontest.Options{})
	target := filepath.Join(d.Dir, "pool")
	d.Virsh(t, "pool-define-as", "s", "dir", "--target", target)
	d.Virsh(t, "pool-build", "s")
	d.Virsh(t, "pool-start", "s")
	d.Virsh(t, "vol-create-as", "s", "v.qcow2", "1M", "--format", "qcow2")
	wantContains(t, "session volume", d.Virsh(t, "vol-dumpxml", "--pool", "s", "v.qcow2"), "<format type='qcow2'/>")
	for _, p := range []string{
		filepath.Join(d.Dir, "config", "libvirt", "storage", "s.xml"),
		filepath.Join(d.Dir, "run", "libvirt", "storage", "run", "s.xml"),
		filepath.Join(target, "v.qcow2"),
	} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("session daemon did not write %s: %v", p, err)
		}
	}
}
