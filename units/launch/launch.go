package launch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/units"
)

// DefaultPath is the PATH a process gets when its Env sets none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Resolve finds spec's Argv[0] in the daemon's PATH. Realizers call it before starting
// anything, so that a missing program is a clear error and not a unit that failed.
func Resolve(argv []string) (string, error) {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return "", fmt.Errorf("cannot run %q: %w", argv[0], err)
	}
	if !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("cannot run %q: resolves to relative path %q", argv[0], path)
	}
	return path, nil
}

// Start forks the process that spec describes running argv (Argv or StopArgv of spec),
// in its own session. With hold, the process waits just before exec until Release, so the
// caller can first move it into a cgroup; it shows argv in ps meanwhile. If Start fails,
// nothing is left running.
func Start(spec *units.Spec, argv []string, hold bool) (*Process, error) {
	path, err := Resolve(argv)
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{Path: path, Args: argv, Dir: spec.Dir, Env: environ(spec.Env)}
	cmd.ExtraFiles = append([]*os.File(nil), spec.Files...)
	if cmd.Dir == "" {
		cmd.Dir = "/"
	}
	if spec.LogFile != "" {
		log, err := os.OpenFile(spec.LogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open log file: %w", err)
		}
		defer log.Close()
		cmd.Stdout, cmd.Stderr = log, log
	}
	pidfd := -1
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, PidFD: &pidfd}
	if u := spec.User; u != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: u.UID, Gid: u.GID, Groups: u.Groups}
	}

	var ctl, child *os.File
	if hold || len(spec.Rlimits) > 0 {
		ctl, child, err = socketpair()
		if err != nil {
			return nil, err
		}
		config, _ := json.Marshal(stubConfig{Path: path, Ctl: 3 + len(cmd.ExtraFiles), Hold: hold, Rlimits: spec.Rlimits})
		cmd.ExtraFiles = append(cmd.ExtraFiles, child)
		cmd.Env = append(cmd.Env, stubEnv+"="+string(config))
		cmd.Path = "/proc/self/exe"
	}
	err = cmd.Start()
	if child != nil {
		child.Close() // only the process may hold it, or exec's close would not show
		if err != nil {
			ctl.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	// Our pidfd is the handle from now on; drop os/exec's duplicate of it.
	pid := cmd.Process.Pid
	cmd.Process.Release()
	p, err := newProcess(pid, pidfd, true)
	if err != nil {
		if ctl != nil {
			ctl.Close()
		}
		syscall.Kill(pid, syscall.SIGKILL)
		syscall.Wait4(pid, nil, 0, nil)
		return nil, err
	}
	p.ctl = ctl
	if ctl != nil && !hold {
		if err := p.Release(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Release lets a held process exec its program and reports whether exec failed; then the
// process is gone and reaped. Without a hold it does nothing.
func (p *Process) Release() error {
	if p.ctl == nil {
		return nil
	}
	ctl := p.ctl
	p.ctl = nil
	defer ctl.Close()
	ctl.Write([]byte{1}) // an error here shows as EOF below
	msg, _ := io.ReadAll(ctl)
	if len(msg) == 0 {
		return nil // closed on exec
	}
	p.Abort()
	return errors.New(string(msg))
}

// Abort kills the process, reaps it and releases the Process. It is how a caller gives up
// on a held process.
func (p *Process) Abort() {
	if p.ctl != nil {
		p.ctl.Close()
		p.ctl = nil
	}
	p.Signal(syscall.SIGKILL)
	if p.child {
		p.reap(0)
	}
	p.Close()
}

func environ(env []string) []string {
	out := make([]string, 0, len(env)+1)
	hasPath := false
	for _, kv := range env {
		hasPath = hasPath || strings.HasPrefix(kv, "PATH=")
	}
	if !hasPath {
		out = append(out, "PATH="+DefaultPath)
	}
	return append(out, env...)
}

// socketpair returns our end and the child's end of a close-on-exec stream socket pair.
func socketpair() (ours, theirs *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "launch-ctl"), os.NewFile(uintptr(fds[1]), "launch-ctl"), nil
}
