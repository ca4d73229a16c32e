package launch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/units"
)

// Process is a unit's process, held by a pidfd: signals never reach a recycled pid, and
// Wait wakes through the Go runtime's poller the moment the process exits.
type Process struct {
	Pid int

	pidfd *os.File // non-blocking, registered with the poller
	ctl   *os.File // the stub's control socket while it is held
	child bool     // we forked it, so reaping it yields its exit status
}

func newProcess(pid, pidfd int, child bool) (*Process, error) {
	if err := syscall.SetNonblock(pidfd, true); err != nil {
		syscall.Close(pidfd)
		return nil, fmt.Errorf("pidfd of %d: %w", pid, err)
	}
	return &Process{Pid: pid, pidfd: os.NewFile(uintptr(pidfd), fmt.Sprintf("pidfd:%d", pid)), child: child}, nil
}

// Wait blocks until the process exits or ctx ends, then reaps it. It returns how our own
// child ended; an adopted process's status is lost with its parent, and Wait returns
// nil for it. Only one Wait may run at a time.
func (p *Process) Wait(ctx context.Context) (*units.Exit, error) {
	rc, err := p.pidfd.SyscallConn()
	if err != nil {
		return nil, err
	}
	p.pidfd.SetReadDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { p.pidfd.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	err = rc.Read(func(fd uintptr) bool { return readable(int(fd)) })
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("wait for %d: %w", p.Pid, err)
	}
	return p.reap(0), nil
}

// Exited reports, without blocking, whether the process has exited.
func (p *Process) Exited() bool {
	rc, err := p.pidfd.SyscallConn()
	if err != nil {
		return true
	}
	var done bool
	rc.Control(func(fd uintptr) { done = readable(int(fd)) })
	return done
}

// TryReap reaps the process if it has exited and returns how it ended, if that is
// known (it is for our own child, and lost for an adopted process).
func (p *Process) TryReap() *units.Exit {
	if !p.Exited() {
		return nil
	}
	return p.reap(syscall.WNOHANG)
}

// reap collects an exited process. Our own child is waited for by pid, which is safe:
// a pid is not reused before its process is reaped, and only we reap our children. An
// adopted process is reaped through its pidfd, in case this very daemon process started
// it (as tests do), so that it leaves no zombie; its exit status is lost either way.
func (p *Process) reap(options int) *units.Exit {
	if !p.child {
		if rc, err := p.pidfd.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) {
				var info unix.Siginfo
				unix.Waitid(unix.P_PIDFD, int(fd), &info, unix.WEXITED|unix.WNOHANG, nil)
			})
		}
		return nil
	}
	var ws syscall.WaitStatus
	for {
		pid, err := syscall.Wait4(p.Pid, &ws, options, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid != p.Pid {
			return nil
		}
		break
	}
	p.child = false
	if ws.Signaled() {
		return &units.Exit{Signal: ws.Signal()}
	}
	return &units.Exit{Code: ws.ExitStatus()}
}

// Signal sends sig to the process itself.
func (p *Process) Signal(sig syscall.Signal) error {
	rc, err := p.pidfd.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.PidfdSendSignal(int(fd), sig, nil, 0) }); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("signal %d: %w", p.Pid, serr)
	}
	return nil
}

// SignalGroup sends sig to the process group the process leads (it leads its session).
// While any member lives the group id cannot be reused, so this reaches only our unit.
func (p *Process) SignalGroup(sig syscall.Signal) error {
	if err := syscall.Kill(-p.Pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal group %d: %w", p.Pid, err)
	}
	return nil
}

// Close releases the pidfd. It does not touch the process.
func (p *Process) Close() error {
	return p.pidfd.Close()
}

func readable(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return n > 0
	}
}

// ID is the inode of the process's pidfd: see Identity.PidfdID.
func (p *Process) ID() uint64 {
	rc, err := p.pidfd.SyscallConn()
	if err != nil {
		return 0
	}
	var st unix.Stat_t
	var serr error
	rc.Control(func(fd uintptr) { serr = unix.Fstat(int(fd), &st) })
	if serr != nil {
		return 0
	}
	return st.Ino
}

// DupPidFD returns a new close-on-exec descriptor for the process's pidfd, to hand to
// systemd (a scope's PIDFDs). The caller closes it.
func (p *Process) DupPidFD() (int, error) {
	rc, err := p.pidfd.SyscallConn()
	if err != nil {
		return -1, err
	}
	dup, derr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) { dup, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, fmt.Errorf("dup pidfd of %d: %w", p.Pid, derr)
	}
	return dup, nil
}
