// Package hook runs libvirt's hook scripts (src/util/virhook.c): for a driver such as
// "network", the executable DIR/network and then every executable in DIR/network.d in
// name order, each as "SCRIPT ID OP SUBOP EXTRA" with the object's XML on stdin. A
// script that fails fails the operation with libvirt's VIR_ERR_HOOK_SCRIPT_FAILED.
//
// Unlike libvirt, which looks for the scripts once at start and again on SIGHUP, the
// directory is looked at on every call: a stat is cheap next to the operations hooks
// bracket, and a script installed later is not silently ignored.
package hook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// The drivers hooks exist for, named as their scripts.
const (
	Daemon  = "daemon"
	QEMU    = "qemu"
	Network = "network"
)

// timeout bounds one script. libvirt waits without limit, which would hang the
// operation a stuck script brackets for good.
const timeout = 5 * time.Minute

// Dir is where a daemon's hook scripts live: /etc/libvirt/hooks for a system daemon.
type Dir string

// DirFor is the hooks directory under a daemon's configuration directory.
func DirFor(configDir string) Dir { return Dir(filepath.Join(configDir, "hooks")) }

// Scripts lists the executables that run for driver, in the order they run.
func (d Dir) Scripts(driver string) []string {
	if d == "" {
		return nil
	}
	var out []string
	main := filepath.Join(string(d), driver)
	if executable(main) {
		out = append(out, main)
	}
	sub := main + ".d"
	ents, err := os.ReadDir(sub)
	if err != nil {
		return out
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		if p := filepath.Join(sub, n); executable(p) {
			out = append(out, p)
		}
	}
	return out
}

// Present reports whether any script would run for driver, so callers can skip
// formatting the input when none would.
func (d Dir) Present(driver string) bool { return len(d.Scripts(driver)) > 0 }

func executable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// Call runs driver's scripts for object id, operation op and sub-operation subop, with
// extra as the fourth argument ("-" when empty, as libvirt passes) and input on stdin.
// The first script that fails stops the rest; its error quotes the command and what
// the script wrote to stderr, as libvirt's does.
func (d Dir) Call(ctx context.Context, driver, id, op, subop, extra, input string) error {
	if subop == "" {
		subop = "-"
	}
	if extra == "" {
		extra = "-"
	}
	env := environment()
	for _, script := range d.Scripts(driver) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		cmd := exec.CommandContext(ctx, script, id, op, subop, extra)
		cmd.Env = env
		cmd.Dir = "/"
		cmd.Stdin = strings.NewReader(input)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		if err == nil {
			continue
		}
		line := strings.Join(append(append([]string(nil), env...), script, id, op, subop, extra), " ")
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.Exited() {
			return virerror.Wrap(err, libvirt.ErrHookScriptFailed, virerror.FromHook,
				"internal error: Child process (%s) unexpected exit status %d: %s", line, exit.ExitCode(), stderr.String())
		}
		return virerror.Wrap(err, libvirt.ErrHookScriptFailed, virerror.FromHook,
			"internal error: Child process (%s) failed: %v", line, err)
	}
	return nil
}

// environment is what libvirt's virCommandAddEnvPassCommon hands a hook: LC_ALL=C and
// the daemon's own PATH, HOME, USER, LOGNAME and TMPDIR where set.
func environment() []string {
	env := []string{"LC_ALL=C"}
	for _, k := range []string{"LD_PRELOAD", "LD_LIBRARY_PATH", "PATH", "HOME", "USER", "LOGNAME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, fmt.Sprintf("%s=%s", k, v))
		}
	}
	return env
}
