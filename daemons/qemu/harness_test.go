package qemu_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// startQemud starts a session-mode virtqemud for one test.
func startQemud(t *testing.T, o daemontest.Options) *daemontest.Daemon {
	t.Helper()
	daemontest.RequireTool(t, "virsh", "qemu-system-x86_64")
	return startDaemon(t, "virtqemud", o)
}

// startDaemon starts a daemon for a test. Guests outlive their daemon by design, so
// when the test ends it kills the QEMU processes this daemon started.
func startDaemon(t *testing.T, name string, o daemontest.Options) *daemontest.Daemon {
	t.Helper()
	d := daemontest.Start(t, name, o)
	owned := guestsOf(d)
	t.Cleanup(func() {
		for pid := range owned() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return d
}

// guestsOf returns a function listing the QEMU processes d's daemons started, by
// guest name: those working in a directory of d's run directory (QEMU runs in its
// guest's private directory there). Other tests' guests, even of the same name, are
// never included, and restarting the daemon over the same state changes nothing.
func guestsOf(d *daemontest.Daemon) func() map[int]string {
	run := filepath.Join(d.Dir, "run", "libvirt", "qemu", "run")
	if d.System {
		run = filepath.Join(d.Dir, "system", "run", "libvirt", "qemu")
	}
	return func() map[int]string {
		out := map[int]string{}
		want, err := os.Stat(run)
		if err != nil {
			return out
		}
		cmds, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, c := range cmds {
			b, err := os.ReadFile(c)
			if err != nil || !strings.Contains(string(b), "qemu-system") {
				continue
			}
			dir := filepath.Dir(c)
			// Not filepath.Join: it would clean the ".." away.
			if parent, err := os.Stat(dir + "/cwd/.."); err != nil || !os.SameFile(parent, want) {
				continue
			}
			var pid int
			fmt.Sscanf(filepath.Base(dir), "%d", &pid)
			name := ""
			for _, a := range strings.Split(string(b), "\x00") {
				if n, ok := strings.CutPrefix(a, "guest="); ok {
					name, _, _ = strings.Cut(n, ",debug-threads")
				}
			}
			out[pid] = name
		}
		return out
	}
}

// qemuPid is the pid of the QEMU process of guest name that d started, or 0.
func qemuPid(d *daemontest.Daemon, name string) int {
	for pid, n := range guestsOf(d)() {
		if n == name {
			return pid
		}
	}
	return 0
}

// restart stops d and starts a daemon of the same kind over the same state.
func restart(t *testing.T, d *daemontest.Daemon, o daemontest.Options) *daemontest.Daemon {
	t.Helper()
	if code := d.Stop(); code != 0 {
		t.Fatalf("%s exited with %d on SIGTERM:\n%s", d.Name, code, d.Log())
	}
	o.Dir = d.Dir
	return startDaemon(t, d.Name, o)
}

// domainXML is a minimal guest definition; extra goes inside <devices>.
func domainXML(name, extra string) string {
	return fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>32</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><loader type='rom'>/usr/share/qemu/qboot.rom</loader></os>
  <devices><controller type='usb' model='none'/><memballoon model='none'/>%s</devices>
</domain>`, name, extra)
}

// xmlFile writes an XML document for virsh to read.
func xmlFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dom.xml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// define defines a domain from XML and fails the test if virsh fails.
func define(t *testing.T, d *daemontest.Daemon, xml string) {
	t.Helper()
	d.Virsh(t, "define", xmlFile(t, xml))
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

// wantContains fails unless s contains every one of subs.
func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s: %q does not contain %q", what, s, sub)
		}
	}
}

// eventWatcher is a running "virsh event --all --loop", its lines collected.
type eventWatcher struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

// watchEvents starts virsh event against d. It returns once virsh is registered,
// which it proves by defining and undefining a probe domain until its events arrive.
func watchEvents(t *testing.T, d *daemontest.Daemon) *eventWatcher {
	t.Helper()
	cmd := exec.Command("virsh", "-q", "-c", d.URI(""), "event", "--all", "--loop")
	cmd.Env = append(os.Environ(), "LIBVIRT_AUTOSTART=0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &eventWatcher{more: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
			select {
			case w.more <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	probe := xmlFile(t, domainXML("evprobe", ""))
	deadline := time.Now().Add(10 * time.Second)
	for !w.seen("'evprobe'") {
		if time.Now().After(deadline) {
			t.Fatalf("virsh event never reported the probe domain")
		}
		d.Virsh(t, "define", probe)
		d.Virsh(t, "undefine", "evprobe")
		w.wait("'evprobe'", 200*time.Millisecond)
	}
	return w
}

func (w *eventWatcher) seen(sub string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, l := range w.lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// wait waits until a line containing sub arrives.
func (w *eventWatcher) wait(sub string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for !w.seen(sub) {
		select {
		case <-w.more:
		case <-deadline:
			return false
		}
	}
	return true
}

// expect fails the test unless each line arrives within a few seconds.
func (w *eventWatcher) expect(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !w.wait(l, 10*time.Second) {
			w.mu.Lock()
			got := strings.Join(w.lines, "\n")
			w.mu.Unlock() // before Fatalf, which never returns
			t.Fatalf("event %q not seen; got:\n%s", l, got)
		}
	}
}
