package qemu_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// hookScript records each call (script, arguments, the guest named on standard
// input) and refuses to prepare the guest "bad", as a hook that cannot find a
// resource would.
const hookScript = `#!/bin/sh
xml=$(cat)
name=$(printf '%%s\n' "$xml" | sed -n 's|^ *<name>\(.*\)</name>$|\1|p' | head -n 1)
echo "$(basename "$0") $* stdin=$name" >>%s
if [ "$1 $2" = "bad prepare" ]; then echo "no storage for bad" >&2; exit 1; fi
exit 0
`

// TestHooks: the qemu and daemon hook scripts are called with libvirt's arguments,
// the guest's XML on standard input, at libvirt's points and in its order, and a
// failing prepare hook stops the start with libvirt's error.
func TestHooks(t *testing.T) {
	t.Parallel()
	dir := daemontest.ScratchDir(t)
	hooks := filepath.Join(dir, "config", "libvirt", "hooks")
	daemontest.MkdirAs(t, hooks)
	daemontest.MkdirAs(t, filepath.Join(dir, "hooklog"))
	log := filepath.Join(dir, "hooklog", "calls")
	for _, name := range []string{"qemu", "daemon"} {
		if err := os.WriteFile(filepath.Join(hooks, name), []byte(fmt.Sprintf(hookScript, log)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d := startQemud(t, daemontest.Options{Dir: dir})
	define(t, d, tinyXML(t, "vm", ""))
	d.Virsh(t, "start", "vm")
	d = restart(t, d, daemontest.Options{Dir: dir})
	waitFor(t, log, "qemu vm reconnect begin -")
	d.Virsh(t, "destroy", "vm")
	define(t, d, tinyXML(t, "bad", ""))
	errOut := virshFails(t, d, "start", "bad")
	wantContains(t, "start with a failing hook", errOut, "Hook script execution failed: internal error: Child process (",
		"qemu bad prepare begin -) unexpected exit status 1: no storage for bad")
	wantState(t, d, "bad", "shut off (unknown)")
	d.Signal(syscall.SIGHUP)
	waitFor(t, log, "daemon - reload begin SIGHUP")
	if code := d.Stop(); code != 0 {
		t.Fatalf("virtqemud exited %d", code)
	}
	data, _ := os.ReadFile(log)
	want := []string{
		"daemon - start - start stdin=",
		"qemu vm prepare begin - stdin=vm",
		"qemu vm start begin - stdin=vm",
		"qemu vm started begin - stdin=vm",
		"daemon - shutdown - shutdown stdin=",
		"qemu vm reconnect begin - stdin=vm", // while the drivers start, before the daemon is up
		"daemon - start - start stdin=",
		"qemu vm stopped end - stdin=vm",
		"qemu vm release end - stdin=vm",
		"qemu bad prepare begin - stdin=bad",
		"daemon - reload begin SIGHUP stdin=",
		"daemon - shutdown - shutdown stdin=",
	}
	if got := strings.TrimSpace(string(data)); got != strings.Join(want, "\n") {
		t.Errorf("hook calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func waitFor(t *testing.T, file, line string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if data, _ := os.ReadFile(file); strings.Contains(string(data), line) {
			return
		}
	}
	t.Fatalf("%s never got %q", file, line)
}
