package storage_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// hypervisors runs test against libvirtd and against virtqemud with virtstoraged
// behind it, each as root.
func hypervisors(t *testing.T, test func(t *testing.T, d *daemontest.Daemon)) {
	for _, modular := range []bool{false, true} {
		name := "libvirtd"
		if modular {
			name = "virtqemud+virtstoraged"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			requireRoot(t)
			daemontest.RequireTool(t, "qemu-system-x86_64")
			if modular {
				test(t, startModular(t))
			} else {
				test(t, daemontest.Start(t, "libvirtd", daemontest.Options{System: true}))
			}
		})
	}
}

// TestVirtInstall runs virt-install as a user would, with new storage (--disk size=,
// which makes the 'default' pool and a qcow2 volume in it) and with an existing image
// in a directory no pool covers (--disk path=, which makes a pool of that directory
// to learn the image's format).
func TestVirtInstall(t *testing.T) {
	daemontest.RequireTool(t, "virt-install")
	hypervisors(t, func(t *testing.T, d *daemontest.Daemon) {
		install := func(args ...string) string {
			t.Helper()
			out, errOut, err := daemontest.Run(t.Context(), append(os.Environ(), "HOME="+t.TempDir()), "virt-install",
				append([]string{"--connect", d.URI("qemu"), "--memory", "64", "--osinfo", "generic", "--print-xml"}, args...)...)
			if err != nil {
				t.Fatalf("virt-install %v: %v\n%s\n%s", args, err, out, errOut)
			}
			return out
		}
		xml := install("--name", "stvi", "--disk", "size=0.01")
		wantContains(t, "domain XML", xml, `<source file="/var/lib/libvirt/images/stvi.qcow2"/>`, `type="qcow2"`)
		wantContains(t, "default pool", d.Virsh(t, "pool-info", "default"), "State:          running", "Persistent:     yes", "Autostart:      yes")
		wantContains(t, "default pool", d.Virsh(t, "pool-dumpxml", "default"), "<path>/var/lib/libvirt/images</path>")
		wantContains(t, "new volume", d.Virsh(t, "vol-dumpxml", "--pool", "default", "stvi.qcow2"),
			"<capacity unit='bytes'>10737664</capacity>", "<format type='qcow2'/>")

		dir := poolDir(t)
		img := filepath.Join(dir, "x.qcow2")
		if out, err := runCmd("qemu-img", "create", "-q", "-f", "qcow2", img, "16M"); err != nil {
			t.Fatalf("qemu-img: %v\n%s", err, out)
		}
		xml = install("--name", "stvi2", "--import", "--disk", "path="+img)
		wantContains(t, "domain XML", xml, `<source file="`+img+`"/>`, `<driver name="qemu" type="qcow2"/>`)
		name := filepath.Base(dir)
		wantContains(t, "pool of the image's directory", d.Virsh(t, "pool-info", name), "State:          running", "Autostart:      yes")
		wantContains(t, "the image as a volume", d.Virsh(t, "vol-list", name), "x.qcow2")
	})
}

// TestGuestFromVolume starts a guest whose disk is <disk type='volume'>: the QEMU
// driver asks the storage driver for the volume's path at start, the live XML keeps
// the pool and volume, and a guest on an inactive pool does not start, with libvirt's
// error.
func TestGuestFromVolume(t *testing.T) {
	hypervisors(t, func(t *testing.T, d *daemontest.Daemon) {
		target := filepath.Join(poolDir(t), "gv")
		// Unique: the two runs are in parallel, and QEMU is found by its guest's name.
		guest := "vg-" + strings.TrimPrefix(filepath.Base(filepath.Dir(target)), "vu-pool-")
		d.Virsh(t, "pool-define-as", "gv", "dir", "--target", target)
		d.Virsh(t, "pool-build", "gv")
		d.Virsh(t, "pool-start", "gv")
		d.Virsh(t, "vol-create-as", "gv", "boot.img", "8M")
		d.Virsh(t, "define", writeFile(t, `<domain type='qemu'>
  <name>`+guest+`</name>
  <memory unit='MiB'>32</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><loader type='rom'>/usr/share/qemu/qboot.rom</loader></os>
  <devices>
    <disk type='volume' device='disk'><source pool='gv' volume='boot.img'/><target dev='hda' bus='ide'/></disk>
    <controller type='usb' model='none'/><memballoon model='none'/>
  </devices>
</domain>`))
		d.Virsh(t, "start", guest)
		t.Cleanup(func() { d.VirshErr("destroy", guest) })
		wantContains(t, "live XML", d.Virsh(t, "dumpxml", guest), "<source pool='gv' volume='boot.img'")
		if cmdline := qemuCmdline(t, guest); !strings.Contains(cmdline, `"filename":"`+target+`/boot.img"`) &&
			!strings.Contains(cmdline, "filename="+target+"/boot.img") {
			t.Errorf("QEMU does not open the volume's file:\n%s", cmdline)
		}
		d.Virsh(t, "destroy", guest)
		d.Virsh(t, "pool-destroy", "gv")
		wantFails(t, d, "unsupported configuration: storage pool 'gv' containing volume 'boot.img' is not active", "start", guest)
		d.Virsh(t, "undefine", guest)
	})
}

// qemuCmdline is the command line of the QEMU running guest name.
func qemuCmdline(t *testing.T, name string) string {
	t.Helper()
	cmds, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	re := regexp.MustCompile(`guest=` + name + `\b`)
	for _, c := range cmds {
		b, err := os.ReadFile(c)
		if err != nil || !strings.Contains(string(b), "qemu-system") {
			continue
		}
		line := strings.ReplaceAll(string(b), "\x00", " ")
		if re.MatchString(line) {
			return line
		}
	}
	t.Fatalf("no QEMU runs guest %s", name)
	return ""
}
