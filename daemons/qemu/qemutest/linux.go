package qemutest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The lines the Linux guest prints on ttyS0.
const (
	LinuxReady    = "virtunit-linux ready"
	LinuxPowerOff = "virtunit-linux power button"
)

// LinuxCmdline is the kernel command line that boots the guest fast under TCG.
const LinuxCmdline = "console=ttyS0 quiet panic=-1 cryptomgr.notests mitigations=off tsc=reliable " +
	"no_timer_check i8042.noaux i8042.nomux i8042.nopnp nokaslr audit=0 apparmor=0 " +
	"8250.nr_uarts=1 random.trust_cpu=on"

// LinuxMemoryMiB is enough for the kernel to decompress (64 is not).
const LinuxMemoryMiB = 128

// kernelPackage is the Debian metapackage whose kernel the guest runs.
const kernelPackage = "linux-image-cloud-amd64"

// modules are loaded by /init in this order: the power button, then virtio.
var modules = []string{
	"drivers/acpi/button.ko", "drivers/input/evdev.ko",
	"drivers/virtio/virtio.ko", "drivers/virtio/virtio_ring.ko",
	"drivers/virtio/virtio_pci_legacy_dev.ko", "drivers/virtio/virtio_pci_modern_dev.ko",
	"drivers/virtio/virtio_pci.ko", "drivers/block/virtio_blk.ko",
	"net/core/failover.ko", "drivers/net/net_failover.ko", "drivers/net/virtio_net.ko",
	"drivers/virtio/virtio_balloon.ko", "drivers/char/virtio_console.ko",
}

// AgentBinary is the guest agent the Linux guest runs on its org.qemu.guest_agent.0
// channel: the host's own qemu-ga (package qemu-guest-agent) with its libraries.
const AgentBinary = "/usr/sbin/qemu-ga"

// LinuxAgentReady is printed once the guest agent runs.
const LinuxAgentReady = "virtunit-linux agent running"

const initScript = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
insmod /lib/modules/button.ko
insmod /lib/modules/evdev.ko
if grep -qs 0x1af4 /sys/bus/pci/devices/*/vendor; then
	for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk failover net_failover virtio_net virtio_balloon virtio_console; do
		insmod /lib/modules/$m.ko
	done
fi
# The guest agent, on the port QEMU named org.qemu.guest_agent.0 (no udev here to
# make the /dev/virtio-ports link).
for p in /sys/class/virtio-ports/*; do
	[ "$(cat $p/name 2>/dev/null)" = org.qemu.guest_agent.0 ] || continue
	mkdir -p /var/run /var/lib
	/usr/sbin/qemu-ga -m virtio-serial -p /dev/${p##*/} -t /var/run -d && echo ` + LinuxAgentReady + `
done
acpid -c /etc/acpi
# An early power button press is lost unless acpid already holds the input device.
for i in $(seq 200); do
	ls -l /proc/$(pidof acpid)/fd 2>/dev/null | grep -q /dev/input/event && break
	usleep 10000
done
if grep -q virtunit.dhcp /proc/cmdline; then
	ip link set eth0 up
	udhcpc -i eth0 -q -s /etc/udhcpc.script
fi
echo ` + LinuxReady + `
while true; do setsid cttyhack sh; done
`

const powerScript = `#!/bin/sh
echo ` + LinuxPowerOff + ` >/dev/console
poweroff -f
`

// shutdownScript is the /sbin/shutdown qemu-ga runs for guest-shutdown.
const shutdownScript = `#!/bin/sh
case "$*" in
*-r*) reboot -f ;;
*) poweroff -f ;;
esac
`

const dhcpScript = `#!/bin/sh
case "$1" in
bound|renew)
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$router" ] && ip route add default via "${router%% *}"
	echo "virtunit-linux dhcp $ip"
	;;
esac
`

// layout names the initramfs layout built below; change it when the layout changes.
const layout = "busybox initramfs v3: balloon, virtio console, qemu-ga"

var linux struct {
	once           sync.Once
	kernel, initrd string
	err            error
}

// LinuxGuest returns a kernel and an initramfs, fetching the Debian cloud kernel with
// apt-get on first use.
func LinuxGuest(t testing.TB) (kernel, initrd string) {
	t.Helper()
	linux.once.Do(func() { linux.kernel, linux.initrd, linux.err = buildLinux() })
	if linux.err != nil {
		t.Fatalf("build the Linux test guest: %v", linux.err)
	}
	return linux.kernel, linux.initrd
}

func buildLinux() (string, string, error) {
	for _, tool := range []string{"apt-get", "apt-cache", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", "", fmt.Errorf("%s is not installed", tool)
		}
	}
	busybox, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return "", "", fmt.Errorf("busybox-static is not installed: %w", err)
	}
	pkg, err := kernelDependency()
	if err != nil {
		return "", "", err
	}
	dir, err := cacheDir()
	if err != nil {
		return "", "", err
	}
	agent, err := os.ReadFile(AgentBinary)
	if err != nil {
		return "", "", fmt.Errorf("qemu-guest-agent is not installed: %w", err)
	}
	key := hashOf([]byte(pkg), []byte(layout), []byte(initScript), []byte(powerScript), []byte(dhcpScript), []byte(shutdownScript), busybox, agent)
	kernel := filepath.Join(dir, "linux-"+key+".vmlinuz")
	initrd := filepath.Join(dir, "linux-"+key+".initrd")
	if _, err := os.Stat(initrd); err == nil {
		return kernel, initrd, nil
	}
	work, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(work)
	dl := exec.Command("apt-get", "download", pkg)
	dl.Dir = work
	if out, err := dl.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("apt-get download %s: %v\n%s", pkg, err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(work, "*.deb"))
	if len(debs) != 1 {
		return "", "", fmt.Errorf("apt-get download %s left %v", pkg, debs)
	}
	root := filepath.Join(work, "root")
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], root).CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("dpkg-deb -x: %v\n%s", err, out)
	}
	vmlinuz, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
	moddirs, _ := filepath.Glob(filepath.Join(root, "lib", "modules", "*", "kernel"))
	if len(vmlinuz) != 1 || len(moddirs) != 1 {
		return "", "", fmt.Errorf("%s holds no single kernel and module tree", pkg)
	}
	var buf bytes.Buffer
	c := &cpioWriter{w: &buf}
	for _, d := range []string{"bin", "dev", "proc", "sys", "etc", "etc/acpi", "etc/acpi/PWRF", "lib", "lib/modules", "tmp", "var", "var/log", "var/run"} {
		c.dir(d)
	}
	c.chardev("dev/console", 5, 1)
	c.file("bin/busybox", busybox, 0o755)
	c.symlink("bin/sh", "busybox")
	c.file("init", []byte(initScript), 0o755)
	c.file("etc/acpi/PWRF/00000080", []byte(powerScript), 0o755)
	c.file("etc/udhcpc.script", []byte(dhcpScript), 0o755)
	c.dir("sbin")
	c.file("sbin/shutdown", []byte(shutdownScript), 0o755)
	if err := addAgent(c); err != nil {
		return "", "", err
	}
	for _, m := range modules {
		data, err := os.ReadFile(filepath.Join(moddirs[0], m))
		if err != nil {
			return "", "", fmt.Errorf("kernel module: %w", err)
		}
		c.file("lib/modules/"+filepath.Base(m), data, 0o644)
	}
	if err := c.close(); err != nil {
		return "", "", err
	}
	tmpInitrd := filepath.Join(work, "initrd")
	if err := os.WriteFile(tmpInitrd, buf.Bytes(), 0o644); err != nil {
		return "", "", err
	}
	if err := publish(vmlinuz[0], kernel); err != nil {
		return "", "", err
	}
	return kernel, initrd, publish(tmpInitrd, initrd)
}

// kernelDependency is the versioned kernel package the metapackage points at now.
func kernelDependency() (string, error) {
	out, err := exec.Command("apt-cache", "depends", kernelPackage).Output()
	if err != nil {
		return "", fmt.Errorf("apt-cache depends %s: %v", kernelPackage, err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if dep, ok := strings.CutPrefix(strings.TrimSpace(l), "Depends: "); ok && strings.HasPrefix(dep, "linux-image-") {
			return dep, nil
		}
	}
	return "", fmt.Errorf("apt-cache knows no kernel behind %s (apt-get update?)", kernelPackage)
}

// addAgent copies qemu-ga and the shared libraries it links (as ldd lists them) into
// the initramfs, at the paths the dynamic loader looks in.
func addAgent(c *cpioWriter) error {
	out, err := exec.Command("ldd", AgentBinary).Output()
	if err != nil {
		return fmt.Errorf("ldd %s: %v", AgentBinary, err)
	}
	files := []string{AgentBinary}
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[1] == "=>" && strings.HasPrefix(f[2], "/"):
			files = append(files, f[2])
		case len(f) >= 1 && strings.HasPrefix(f[0], "/"):
			files = append(files, f[0])
		}
	}
	made := map[string]bool{}
	for _, f := range files {
		real, err := filepath.EvalSymlinks(f)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(real)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(f, "/")
		var parents []string
		for dir := filepath.Dir(rel); dir != "." && !made[dir]; dir = filepath.Dir(dir) {
			parents = append([]string{dir}, parents...)
		}
		for _, dir := range parents {
			if !made[dir] && dir != "bin" && dir != "lib" {
				c.dir(dir)
			}
			made[dir] = true
		}
		c.file(rel, data, 0o755)
	}
	return nil
}
