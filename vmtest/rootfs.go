package vmtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// CacheDir keeps the root filesystems and the packages they were built from between
// runs.
const CacheDir = "/var/cache/virtunit-vmtest"

// Suite and Mirror are what debootstrap installs from; VMTEST_MIRROR overrides the
// mirror.
const (
	Suite  = "bookworm"
	Mirror = "http://deb.debian.org/debian"
)

// BasePackages are what every scenario needs beside the installed tree: systemd as
// PID 1 with machined and its tools, D-Bus, QEMU, dnsmasq, nftables, the libvirt
// clients, and man (systemd-analyze verify checks the units' man pages).
var BasePackages = []string{"systemd", "systemd-sysv", "systemd-container", "dbus", "kmod", "iproute2",
	"procps", "dnsmasq-base", "nftables", "qemu-system-x86", "libvirt-clients", "man-db"}

// Rootfs returns a Debian root filesystem with BasePackages, building it with
// debootstrap the first time. Concurrent callers wait for one build.
func Rootfs(ctx context.Context, log io.Writer) (string, error) {
	mirror := Mirror
	if m := os.Getenv("VMTEST_MIRROR"); m != "" {
		mirror = m
	}
	pkgs := sorted(BasePackages)
	return cached(ctx, "minbase\n"+Suite+"\n"+mirror+"\n"+strings.Join(pkgs, ","), log, func(tmp string) error {
		fmt.Fprintf(log, "vmtest: building a %s root filesystem with debootstrap (cached for later runs)\n", Suite)
		cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--cache-dir="+filepath.Join(CacheDir, "debs"),
			"--include="+strings.Join(pkgs, ","), Suite, tmp, mirror)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("debootstrap: %v\n%s", err, tail(out, 40))
		}
		return nil
	})
}

// RootfsWith returns the root filesystem of Rootfs with extra packages installed by
// apt-get inside it: packages whose maintainer scripts debootstrap cannot run (such
// as Debian's libvirt-daemon-system, through polkitd).
func RootfsWith(ctx context.Context, extra []string, log io.Writer) (string, error) {
	base, err := Rootfs(ctx, log)
	if err != nil {
		return "", err
	}
	pkgs := sorted(extra)
	return cached(ctx, base+"\n"+strings.Join(pkgs, ","), log, func(tmp string) error {
		fmt.Fprintf(log, "vmtest: installing %s into a copy of the root filesystem (cached for later runs)\n", strings.Join(pkgs, " "))
		if out, err := exec.CommandContext(ctx, "cp", "-a", base, tmp).CombinedOutput(); err != nil {
			return fmt.Errorf("copy the root filesystem: %v\n%s", err, out)
		}
		os.Remove(filepath.Join(tmp, ".complete"))
		// In a mount namespace of its own, with /proc and /dev for the maintainer
		// scripts; services are not started (there is no init to start them).
		script := fmt.Sprintf(`set -e
mount -t proc proc %[1]q/proc
mount --bind /dev %[1]q/dev
chroot %[1]q sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends %[2]s && apt-get clean'`,
			tmp, strings.Join(pkgs, " "))
		if out, err := exec.CommandContext(ctx, "unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script).CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get install %s: %v\n%s", strings.Join(pkgs, " "), err, tail(out, 40))
		}
		return nil
	})
}

// cached returns the directory CacheDir/rootfs-HASH(key), building it with build
// (into a temporary directory, renamed once complete) if it is not there yet.
func cached(ctx context.Context, key string, log io.Writer, build func(tmp string) error) (string, error) {
	sum := sha256.Sum256([]byte(key))
	dir := filepath.Join(CacheDir, "rootfs-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	if err := need("debootstrap", "unshare", "chroot"); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(CacheDir, "debs"), 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(CacheDir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil // another run built it meanwhile
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := build(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), []byte(key+"\n"), 0o644); err != nil {
		return "", err
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
}

func sorted(pkgs []string) []string {
	out := slices.Clone(pkgs)
	slices.Sort(out)
	return out
}

// need fails clearly when a program the harness runs is missing.
func need(tools ...string) error {
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("%s is not installed: vmtest needs it (test.sh installs it on Debian)", t)
		}
	}
	return nil
}

// tail is the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
