package systemdtest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// process is a daemon the harness runs, with its output in a log file.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when it has exited
}

// spawn starts cmd with its output in RuntimeDir/<name>.log; deathSig reaches it if the
// test binary dies first.
func (m *Manager) spawn(name string, cmd *exec.Cmd, deathSig syscall.Signal) (*process, error) {
	p := &process{name: name, cmd: cmd, done: make(chan struct{}),
		log: filepath.Join(m.RuntimeDir, strings.ReplaceAll(name, " ", "")+".log")}
	log, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	if cmd.Stdout == nil {
		cmd.Stdout = log
	}
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: deathSig}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	m.procs = append(m.procs, p)
	return p, nil
}

// spawnNotify starts cmd with NOTIFY_SOCKET set and waits for its READY=1, the way a
// Type=notify service is started.
func (m *Manager) spawnNotify(name string, cmd *exec.Cmd, deathSig syscall.Signal) (*process, error) {
	path := filepath.Join(m.RuntimeDir, "notify-"+strings.ReplaceAll(name, " ", ""))
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return nil, err
	}
	defer sock.Close()
	cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+path)
	p, err := m.spawn(name, cmd, deathSig)
	if err != nil {
		return nil, err
	}
	ready := make(chan error, 1)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := sock.Read(buf)
			if err != nil {
				ready <- err
				return
			}
			if slices.Contains(strings.Split(string(buf[:n]), "\n"), "READY=1") {
				ready <- nil
				return
			}
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			return nil, p.failure(fmt.Sprintf("notify socket: %v", err))
		}
		return p, nil
	case <-p.done:
		return nil, p.failure("exited before READY=1")
	case <-time.After(30 * time.Second):
		return nil, p.failure("sent no READY=1 within 30s")
	}
}

// failure describes what went wrong with the tail of the process's log.
func (p *process) failure(what string) error {
	log, _ := os.ReadFile(p.log)
	if len(log) > 4000 {
		log = log[len(log)-4000:]
	}
	return fmt.Errorf("%s %s; its output:\n%s", p.name, what, bytes.TrimSpace(log))
}

// stop sends SIGTERM and waits; after timeout it sends SIGKILL.
func (p *process) stop(timeout time.Duration) error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
	}
	p.cmd.Process.Kill()
	<-p.done
	return p.failure(fmt.Sprintf("ignored SIGTERM for %v", timeout))
}

// makeCgroups creates a cgroup named name below this process's own cgroup
// in each hierarchy systemd uses: the unified one, and the named "systemd" one on hosts
// in legacy or hybrid mode.
func makeCgroups(name string) ([]string, error) {
	own, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	var unified, legacy string // our paths in each hierarchy
	for _, line := range strings.Split(string(own), "\n") {
		f := strings.SplitN(line, ":", 3)
		switch {
		case len(f) != 3:
		case f[0] == "0" && f[1] == "":
			unified = f[2]
		case f[1] == "name=systemd":
			legacy = f[2]
		}
	}
	var dirs []string
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		dirs = append(dirs, filepath.Join("/sys/fs/cgroup", unified, name))
	} else {
		if legacy == "" {
			return nil, errors.New("no name=systemd cgroup hierarchy and no unified one at /sys/fs/cgroup")
		}
		dirs = append(dirs, filepath.Join("/sys/fs/cgroup/systemd", legacy, name))
		if _, err := os.Stat("/sys/fs/cgroup/unified"); err == nil && unified != "" {
			dirs = append(dirs, filepath.Join("/sys/fs/cgroup/unified", unified, name))
		}
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("create cgroup: %w", err)
		}
	}
	return dirs, nil
}

// removeCgroup removes a cgroup directory and the ones the manager made below it.
func removeCgroup(dir string) error {
	var subdirs []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			subdirs = append(subdirs, path)
		}
		return nil
	})
	for i := len(subdirs) - 1; i >= 0; i-- {
		if err := os.Remove(subdirs[i]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove cgroup: %w", err)
		}
	}
	return nil
}
