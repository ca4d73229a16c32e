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

// Rootfs returns a Debian root filesystem with packages installed, building it with
// debootstrap the first time. Concurrent callers wait for one build.
func Rootfs(ctx context.Context, packages []string, log io.Writer) (string, error) {
	pkgs := slices.Clone(packages)
	slices.Sort(pkgs)
	mirror := Mirror
	if m := os.Getenv("VMTEST_MIRROR"); m != "" {
		mirror = m
	}
	sum := sha256.Sum256([]byte("minbase\n" + Suite + "\n" + mirror + "\n" + strings.Join(pkgs, ",")))
	dir := filepath.Join(CacheDir, "rootfs-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir, nil
	}
	if err := need("debootstrap"); err != nil {
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
	fmt.Fprintf(log, "vmtest: building a %s root filesystem in %s with debootstrap (cached for later runs)\n", Suite, dir)
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--cache-dir="+filepath.Join(CacheDir, "debs"),
		"--include="+strings.Join(pkgs, ","), Suite, tmp, mirror)
	out, err := cmd.CombinedOutput()
	if err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("debootstrap: %v\n%s", err, tail(out, 40))
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), []byte(strings.Join(pkgs, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return dir, nil
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
