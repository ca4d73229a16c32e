// Package hook runs libvirt's hook scripts: CONFIGDIR/hooks/DRIVER, then the
// executables of CONFIGDIR/hooks/DRIVER.d in name order, each with libvirt's
// arguments (object, operation, sub-operation, extra) and a document on standard
// input, in a clean environment. A script that fails stops the operation it was
// called for, with libvirt's VIR_ERR_HOOK_SCRIPT_FAILED.
package hook

import (
	"bytes"
	"context"
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

// The drivers hooks exist for, named as their script.
const (
	Daemon = "daemon"
	QEMU   = "qemu"
)

// timeout bounds one script; libvirt waits without limit, which would hang a start
// for good on a stuck script.
const timeout = 5 * time.Minute

// Runner finds and runs the hook scripts under one directory.
type Runner struct {
	Dir string // CONFIGDIR/hooks: /etc/libvirt/hooks for root
}

// scripts are the executables to run for driver, in order.
func (r Runner) scripts(driver string) []string {
	if r.Dir == "" {
		return nil
	}
	var out []string
	main := filepath.Join(r.Dir, driver)
	if executable(main) {
		out = append(out, main)
	}
	entries, _ := os.ReadDir(main + ".d")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		if p := filepath.Join(main+".d", n); executable(p) {
			out = append(out, p)
		}
	}
	return out
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Call runs the scripts of driver with the arguments id op subop extra (libvirt's
// virHookCall; an empty subop or extra is "-") and input on standard input, and
// returns the first failure.
func (r Runner) Call(ctx context.Context, driver, id, op, subop, extra string, input []byte) error {
	for _, s := range []*string{&subop, &extra} {
		if *s == "" {
			*s = "-"
		}
	}
	for _, script := range r.scripts(driver) {
		if err := run(ctx, script, []string{id, op, subop, extra}, input); err != nil {
			return err
		}
	}
	return nil
}

func run(ctx context.Context, script string, args []string, input []byte) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, args...)
	cmd.Env = []string{"LC_ALL=C", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cmd.Stdin = bytes.NewReader(input)
	cmd.Dir = "/"
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return nil
	}
	line := "LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin " + script + " " + strings.Join(args, " ")
	detail := fmt.Sprintf("%v", err)
	if ee, ok := err.(*exec.ExitError); ok && ee.Exited() {
		detail = fmt.Sprintf("unexpected exit status %d", ee.ExitCode())
	}
	msg := fmt.Sprintf("internal error: Child process (%s) %s", line, detail)
	if s := strings.TrimSpace(stderr.String()); s != "" {
		msg += ": " + s
	}
	return virerror.Wrap(err, libvirt.ErrHookScriptFailed, virerror.FromHook, "%s", msg)
}
