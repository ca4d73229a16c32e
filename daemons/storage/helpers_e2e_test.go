package storage_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// The end-to-end tests run the real daemons as root in a private mount namespace
// (daemontest's system mode) and drive them with the real virsh, virt-install and
// qemu-img. Pools live in the tests' temporary directories; loop devices are made and
// removed by the tests.

// requireRoot fails the test unless it runs as root, as the system-mode daemons need.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: it runs the system-mode storage daemon")
	}
	daemontest.RequireTool(t, "virsh", "qemu-img")
}

// startStoraged starts a root virtstoraged for the test.
func startStoraged(t *testing.T, o daemontest.Options) *daemontest.Daemon {
	t.Helper()
	requireRoot(t)
	o.System = true
	return daemontest.Start(t, "virtstoraged", o)
}

// startModular starts virtstoraged and, on the same state, virtqemud, which forwards
// storage calls to it; virsh talks to virtqemud.
func startModular(t *testing.T) *daemontest.Daemon {
	t.Helper()
	s := startStoraged(t, daemontest.Options{})
	return daemontest.Start(t, "virtqemud", daemontest.Options{System: true, Dir: s.Dir})
}

// poolDir is a fresh directory for a pool's target, reachable by the daemon.
func poolDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "vu-pool-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755) // guests run as qemu.conf's user, who must reach their disks
	return dir
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "def.xml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// virshFails runs a virsh command that must fail and returns its error output.
func virshFails(t *testing.T, d *daemontest.Daemon, args ...string) string {
	t.Helper()
	out, errOut, err := d.VirshErr(args...)
	if err == nil {
		t.Fatalf("virsh %s succeeded, want failure; output:\n%s", strings.Join(args, " "), out)
	}
	return errOut
}

func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s: %q does not contain %q", what, s, sub)
		}
	}
}

// wantFails checks that a virsh command fails with the libvirt message want.
func wantFails(t *testing.T, d *daemontest.Daemon, want string, args ...string) {
	t.Helper()
	wantContains(t, "virsh "+strings.Join(args, " "), virshFails(t, d, args...), want)
}

var (
	timeRE  = regexp.MustCompile(`<(a|m|c)time>[0-9.]+`)
	uuidRE  = regexp.MustCompile(`<uuid>.*</uuid>`)
	poolNum = regexp.MustCompile(`<(capacity|allocation|available) unit='bytes'>[0-9]+</`)
	volNum  = regexp.MustCompile(`<(allocation|physical) unit='bytes'>[0-9]+</`)
)

// normalize replaces what differs between hosts and runs in pool and volume XML: the
// pool's directory, UUIDs, times, and the sizes the filesystem decides. The golden
// files in testdata/libvirt9 are libvirtd 9.0's output, normalized the same way.
func normalize(s, dir string, pool bool) string {
	s = strings.ReplaceAll(s, dir, "@DIR@")
	s = timeRE.ReplaceAllString(s, "<${1}time>@T@")
	s = uuidRE.ReplaceAllString(s, "<uuid>@UUID@</uuid>")
	if pool {
		return poolNum.ReplaceAllString(s, "<${1} unit='bytes'>@N@</")
	}
	return volNum.ReplaceAllString(s, "<${1} unit='bytes'>@N@</")
}

// wantGolden compares XML from our daemon with libvirtd 9.0's.
func wantGolden(t *testing.T, name, got, dir string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join("testdata", "libvirt9", name))
	if err != nil {
		t.Fatal(err)
	}
	if g := normalize(got, dir, strings.HasPrefix(name, "pool-")); strings.TrimSpace(g) != strings.TrimSpace(string(want)) {
		t.Errorf("%s differs from libvirt 9.0's:\n--- got\n%s\n--- libvirt\n%s", name, g, want)
	}
}

// qemuImgInfo is qemu-img info of a file.
func qemuImgInfo(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("qemu-img", "info", "-U", path).CombinedOutput()
	if err != nil {
		t.Fatalf("qemu-img info %s: %v\n%s", path, err, out)
	}
	return string(out)
}

// inNamespace runs a command in the daemon's mount namespace.
func inNamespace(t *testing.T, d *daemontest.Daemon, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("nsenter", append([]string{"-t", strconv.Itoa(d.Pid()), "-m", "--"}, args...)...).CombinedOutput()
	return string(out), err
}

// regexpMatch reports whether the pattern matches a line of s.
func regexpMatch(pattern, s string) bool {
	return regexp.MustCompile(`(?m)^\s*` + pattern).MatchString(s)
}

// runCmd runs a command and returns its combined output.
func runCmd(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
