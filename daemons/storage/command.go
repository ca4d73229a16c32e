package storage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// tool finds a program the way libvirt names it in its messages: the path libvirt
// has compiled in where that exists, else the first one on PATH.
func tool(compiled, name string) (string, error) {
	if compiled != "" {
		if st, err := os.Stat(compiled); err == nil && !st.IsDir() {
			return compiled, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", virerror.New(libvirt.ErrSystemError, virerror.FromStorage, "Cannot find '%s' in path: No such file or directory", name)
	}
	return p, nil
}

// run runs argv and returns its standard output. A failure is worded as libvirt's
// virCommandWait words it: the command line, how it ended, and what it wrote to
// standard error.
func run(ctx context.Context, argv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err == nil {
		return out.String(), nil
	}
	status := "exit status 1"
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws := ee.ExitCode(); ws >= 0 {
			status = "exit status " + strconv.Itoa(ws)
		} else {
			status = "fatal signal"
		}
	} else {
		return "", virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromStorage, "cannot execute binary %s: %s", argv[0], virerror.Strerror(err))
	}
	msg := "Child process (" + strings.Join(argv, " ") + ") unexpected " + status
	if errb.Len() > 0 {
		msg += ": " + errb.String()
	}
	return "", virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromStorage, "%s", msg)
}
