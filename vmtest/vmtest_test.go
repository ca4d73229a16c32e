package vmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/virtunit/virtunit"
	"github.com/virtunit/virtunit/daemons/qemu/qemutest"
)

// TestInstalledHost meson-installs the tree into a Debian 12 root, boots it with
// systemd as PID 1 and runs the scenarios in order (each builds on the state the
// previous ones left, as an administrator's session would), then powers the
// container off with a guest running: the guest must shut down gracefully before
// virtqemud stops.
func TestInstalledHost(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("vmtest needs root: it builds a root filesystem and boots it with systemd-nspawn")
	}
	ctx := t.Context()
	rootfs, err := Rootfs(ctx, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	stage := filepath.Join(work, "stage")
	start := time.Now()
	if err := Install(ctx, src, work, stage); err != nil {
		t.Fatal(err)
	}
	t.Logf("meson install: %v", time.Since(start).Round(time.Millisecond))
	in, out := filepath.Join(work, "in"), filepath.Join(work, "out")
	journal := filepath.Join(out, "journal")
	for _, d := range []string{in, journal} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// /in is read by the guests' QEMU too, which runs as libvirt-qemu.
	os.Chmod(work, 0o755)
	if out, err := exec.Command("cp", "-r", "scenarios", in).CombinedOutput(); err != nil {
		t.Fatalf("copy the scenarios: %v\n%s", err, out)
	}
	if out, err := exec.Command("cp", qemutest.TinyImage(t), filepath.Join(in, "tiny.elf")).CombinedOutput(); err != nil {
		t.Fatalf("copy the tiny guest: %v\n%s", err, out)
	}
	os.Chmod(filepath.Join(in, "tiny.elf"), 0o644)

	start = time.Now()
	c, err := Boot(ctx, Config{Rootfs: rootfs, Layers: []string{stage}, Work: work,
		Console: filepath.Join(out, "console.log"),
		Binds:   []Bind{{Host: in, Guest: "/in", ReadOnly: true}, {Host: journal, Guest: "/var/log/journal"}}})
	if err != nil {
		t.Fatal(err)
	}
	poweredOff := false
	defer func() {
		if !poweredOff {
			c.Kill()
		}
	}()
	t.Logf("boot: %v", time.Since(start).Round(time.Millisecond))

	scenarios, _ := filepath.Glob(filepath.Join("scenarios", "[0-9]*.sh"))
	for _, s := range scenarios {
		name := strings.TrimSuffix(filepath.Base(s), ".sh")
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			output, err := c.Run(ctx, []string{"VERSION=" + virtunit.Version()}, "/bin/sh", "/in/scenarios/"+filepath.Base(s))
			if err != nil {
				failed, _ := c.Run(ctx, nil, "systemctl", "--failed", "--no-legend", "--no-pager")
				t.Fatalf("%s: %v\n%s\nfailed units: %s", name, err, output, failed)
			}
			t.Logf("%s: %v", name, time.Since(start).Round(time.Millisecond))
		})
	}

	// The host shuts down with vm2 running (50-shutdown): systemd stops the guest's
	// scope before virtqemud (the scope is ordered After= it), the daemon hears of it
	// as a stop request and powers the guest down, and only then does virtqemud stop.
	start = time.Now()
	err = c.Poweroff(90 * time.Second)
	poweredOff = true
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("poweroff: %v", time.Since(start).Round(time.Millisecond))
	log, err := exec.Command("journalctl", "-D", journal, "-b", "-o", "cat", "--no-pager",
		"SYSLOG_IDENTIFIER=virtqemud", "+", "_PID=1").CombinedOutput()
	if err != nil {
		t.Fatalf("read the container's journal: %v\n%s", err, log)
	}
	// The daemon's own record of the end may trail its stop by a line.
	if !strings.Contains(string(log), "guest stopped domain=vm2 reason=DomainShutoffShutdown") {
		t.Errorf("vm2 did not end as shut down:\n%s", tail(log, 30))
	}
	order := []*regexp.Regexp{
		regexp.MustCompile(`unit stop requested: powering the guest down domain=vm2`),
		regexp.MustCompile(`Stopped machine-qemu.x2d[0-9]+.x2dvm2\.scope`),
		regexp.MustCompile(`Stopping virtqemud.service`),
	}
	rest := string(log)
	for _, re := range order {
		loc := re.FindStringIndex(rest)
		if loc == nil {
			var relevant []string
			for _, l := range strings.Split(string(log), "\n") {
				if strings.Contains(l, "qemu") || strings.Contains(l, "vm2") {
					relevant = append(relevant, l)
				}
			}
			t.Fatalf("the journal of the shutdown lacks %q after the lines before it:\n%s", re, tail([]byte(strings.Join(relevant, "\n")), 60))
		}
		rest = rest[loc[1]:]
	}
}
