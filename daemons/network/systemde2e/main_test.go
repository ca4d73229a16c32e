package systemde2e

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/virtunit/virtunit/transient/systemdtest"
)

// The test binary runs in a network namespace and a mount namespace of its own, made
// before systemdtest starts its manager there, so that the manager's units (the network
// helper, dnsmasq) and the daemon share both: the bridge and rules stay in the private
// namespace, and the units read the plans and dnsmasq files the daemon writes under
// /run/libvirt and /var/lib/libvirt, which are tmpfs mounts private to the test.

const preparedEnv = "VIRTUNIT_NETWORK_SYSTEMDE2E"

func TestMain(m *testing.M) {
	// systemdtest re-executes this binary to become the manager; that run must go
	// straight to it.
	if _, manager := os.LookupEnv("VIRTUNIT_SYSTEMDTEST_CGROUP"); manager || os.Getenv(preparedEnv) != "" {
		systemdtest.Main(m)
	}
	if os.Getenv(preparedEnv+"_NS") == "" {
		os.Exit(reexecInNamespaces())
	}
	if err := prepare(); err != nil {
		fmt.Fprintf(os.Stderr, "systemde2e: %v\n", err)
		os.Exit(1)
	}
	os.Setenv(preparedEnv, "1")
	systemdtest.Main(m)
}

func reexecInNamespaces() int {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "systemde2e: this test needs root (namespaces, bridges, firewall rules)")
		return 1
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		fmt.Fprintln(os.Stderr, "systemde2e: unshare (util-linux) is not installed")
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "systemde2e:", err)
		return 1
	}
	argv := append([]string{"unshare", "--net", "--mount", "--propagation", "private", "--", self}, os.Args[1:]...)
	err = syscall.Exec(unshare, argv, append(os.Environ(), preparedEnv+"_NS=1"))
	fmt.Fprintln(os.Stderr, "systemde2e: exec unshare:", err)
	return 1
}

// prepare gives the namespace a loopback and private libvirt directories.
func prepare() error {
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return fmt.Errorf("ip link set lo up: %v: %s", err, out)
	}
	// A fresh /run: the host's stays untouched, and /run/libvirt can be made.
	for _, dir := range []string{"/run", "/etc/libvirt", "/var/lib/libvirt"} {
		if _, err := os.Stat(dir); err != nil {
			// No mount point on this host: cover the parent (here only).
			if err := mountTmpfs(parentOf(dir)); err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		if err := mountTmpfs(dir); err != nil {
			return err
		}
	}
	// A sysfs of this network namespace (as "ip netns exec" mounts one): the helper
	// sets the bridge's STP attributes through /sys/class/net. The cgroup mounts the
	// manager needs are carried over to it.
	const keep = "/run/.cgroup"
	if err := os.MkdirAll(keep, 0o755); err != nil {
		return err
	}
	if err := syscall.Mount("/sys/fs/cgroup", keep, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("keep cgroup mounts: %w", err)
	}
	if err := syscall.Mount("sysfs", "/sys", "sysfs", 0, ""); err != nil {
		return fmt.Errorf("mount sysfs: %w", err)
	}
	if err := syscall.Mount(keep, "/sys/fs/cgroup", "", syscall.MS_MOVE, ""); err != nil {
		return fmt.Errorf("restore cgroup mounts: %w", err)
	}
	return os.MkdirAll("/run/libvirt", 0o755)
}

func mountTmpfs(dir string) error {
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "mode=755"); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

func parentOf(dir string) string {
	for i := len(dir) - 1; i > 0; i-- {
		if dir[i] == '/' {
			return dir[:i]
		}
	}
	return "/"
}
