package daemon

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// Go cannot fork without exec, so -d re-executes the daemon as a new session leader with
// stdin/stdout/stderr on /dev/null and waits until it reports (through a pipe whose
// descriptor number is in statusFDEnv) that its sockets are listening and its PID file
// is written, or why it failed, as libvirt's virDaemonForkIntoBackground does.
const statusFDEnv = "VIRTUNIT_DAEMON_STATUS_FD"

// Exit codes of a failed start, libvirt's virDaemonErr values, which a detaching parent
// translates into a message.
const (
	exitOK      = 0
	exitPIDFile = 1
	exitRunDir  = 2
	exitInit    = 3
	exitSignal  = 4
	exitNetwork = 6
	exitConfig  = 7
	exitDriver  = 10
)

var exitReasons = map[int]string{
	exitPIDFile: "Unable to obtain pidfile",
	exitRunDir:  "Unable to create rundir",
	exitInit:    "Unable to initialize libvirt",
	exitSignal:  "Unable to setup signal handlers",
	exitNetwork: "Unable to initialize network sockets",
	exitConfig:  "Unable to load configuration file",
	exitDriver:  "Unable to initialize driver",
}

// detachParent starts the background daemon and returns the exit code for the parent.
func detachParent(prog string) int {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: Failed to fork as daemon: %v\n", prog, err)
		return 1
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: Failed to fork as daemon: %v\n", prog, err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: Failed to fork as daemon: %v\n", prog, err)
		return 1
	}
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), statusFDEnv+"=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.ExtraFiles = []*os.File{w}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: Failed to fork as daemon: %v\n", prog, err)
		return 1
	}
	w.Close()
	devnull.Close()
	cmd.Process.Release()
	var status [1]byte
	_, err = io.ReadFull(r, status[:])
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "%s: error: unable to determine if daemon is running: %v\n", prog, err)
		return 1
	case status[0] != exitOK:
		reason := exitReasons[int(status[0])]
		if reason == "" {
			reason = "Unknown failure"
		}
		fmt.Fprintf(os.Stderr, "%s: error: %s. Check /var/log/messages or run without --daemon for more info.\n", prog, reason)
		return 1
	}
	return 0
}

// statusPipe is the detached daemon's end of the pipe to its parent, or nil.
type statusPipe struct{ f *os.File }

func takeStatusPipe() (*statusPipe, error) {
	v := os.Getenv(statusFDEnv)
	if v == "" {
		return nil, nil
	}
	os.Unsetenv(statusFDEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, errors.New("bad " + statusFDEnv)
	}
	syscall.CloseOnExec(fd)
	return &statusPipe{f: os.NewFile(uintptr(fd), "status")}, nil
}

// report tells the parent how start-up went; only the first report counts.
func (p *statusPipe) report(code int) {
	if p == nil || p.f == nil {
		return
	}
	p.f.Write([]byte{byte(code)})
	p.f.Close()
	p.f = nil
}
