package systemdtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Manager is the systemd user manager that Main started for this test binary.
type Manager struct {
	Bus        string `json:"bus"`         // address of the private bus the manager is on
	RuntimeDir string `json:"runtime_dir"` // its XDG_RUNTIME_DIR (systemd/private is in it)
	PID        int    `json:"pid"`         // of `systemd --user`
	// Cgroups are the cgroup directories the manager runs in, one per hierarchy.
	Cgroups []string `json:"cgroups"`
	// Machined says whether systemd-machined runs on the bus too.
	Machined bool `json:"machined"`

	procs []*process // started by Main, stopped in reverse order
}

// Current returns the manager Main started, failing the test if Main is not in use.
func Current(t testing.TB) *Manager {
	t.Helper()
	var m Manager
	if err := json.Unmarshal([]byte(os.Getenv(stateEnv)), &m); err != nil {
		t.Fatalf("systemdtest: no manager: call systemdtest.Main from TestMain (%v)", err)
	}
	return &m
}

// Env is the environment under which systemctl --user, busctl --user and machinectl
// reach this manager.
func (m *Manager) Env() []string {
	return append(os.Environ(), "XDG_RUNTIME_DIR="+m.RuntimeDir,
		"DBUS_SESSION_BUS_ADDRESS="+m.Bus, "DBUS_SYSTEM_BUS_ADDRESS="+m.Bus)
}

// Command prepares name args... to run against this manager.
func (m *Manager) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = m.Env()
	return cmd
}

// Systemctl runs `systemctl --user args...` and returns its combined output.
func (m *Manager) Systemctl(args ...string) (string, error) {
	out, err := m.Command("systemctl", append([]string{"--user", "--no-pager"}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("systemctl --user %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// start sets the namespace up and starts dbus-daemon, the manager and maybe machined.
func start(c config) (_ *Manager, err error) {
	m := &Manager{Machined: c.machined}
	defer func() {
		if err != nil {
			m.stop()
		}
	}()
	if err := os.MkdirAll("/run/systemd", 0o755); err != nil {
		return nil, err
	}
	if err := syscall.Mount("tmpfs", "/run/systemd", "tmpfs", 0, "mode=755"); err != nil {
		return nil, fmt.Errorf("mount tmpfs on /run/systemd: %w", err)
	}
	if err := os.Mkdir("/run/systemd/system", 0o755); err != nil {
		return nil, err
	}
	if m.RuntimeDir, err = os.MkdirTemp("", "systemdtest-"); err != nil {
		return nil, err
	}
	if m.Bus, err = m.startBus(); err != nil {
		return nil, err
	}
	if m.Cgroups, err = makeCgroups(fmt.Sprintf("virtunit-systemdtest-%d", os.Getpid())); err != nil {
		return nil, err
	}
	if err := m.startManager(); err != nil {
		return nil, err
	}
	if c.machined {
		if err := m.startMachined(); err != nil {
			return nil, err
		}
	}
	state, _ := json.Marshal(m)
	for k, v := range map[string]string{"XDG_RUNTIME_DIR": m.RuntimeDir, "DBUS_SESSION_BUS_ADDRESS": m.Bus,
		"DBUS_SYSTEM_BUS_ADDRESS": m.Bus, stateEnv: string(state)} {
		os.Setenv(k, v)
	}
	return m, nil
}

// busConfig is a session bus that lets anyone own and call anything, with no activation
// (a bus that could activate would try to start org.freedesktop.systemd1 itself).
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow eavesdrop="true"/>
  </policy>
</busconfig>
`

// startBus starts dbus-daemon and returns its address once it listens.
func (m *Manager) startBus() (string, error) {
	conf := filepath.Join(m.RuntimeDir, "bus.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, filepath.Join(m.RuntimeDir, "bus")), 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	p, err := m.spawn("dbus-daemon", cmd, syscall.SIGKILL)
	if err != nil {
		return "", err
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			return "", p.failure("printed no address")
		}
		// Without the guid: sd-bus clients (systemd-machined) refuse this bus when
		// the guid is given.
		addr, _, _ = strings.Cut(addr, ",guid=")
		return addr, nil
	case <-p.done:
		return "", p.failure("exited")
	case <-time.After(30 * time.Second):
		return "", p.failure("printed no address within 30s")
	}
}

// startManager starts `systemd --user` inside m.Cgroups and waits for its READY=1.
func (m *Manager) startManager() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// The binary re-executes itself to join the cgroups and then becomes the manager,
	// so the manager is in them from its first instruction.
	cmd := &exec.Cmd{Path: self, Args: []string{systemdPath, "--user"}}
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LANG=C.UTF-8",
		"XDG_RUNTIME_DIR=" + m.RuntimeDir, "DBUS_SESSION_BUS_ADDRESS=" + m.Bus, "SYSTEMD_LOG_TARGET=console",
		cgroupEnv + "=" + strings.Join(m.Cgroups, "\n")}
	p, err := m.spawnNotify("systemd --user", cmd, syscall.SIGTERM)
	if err != nil {
		return err
	}
	m.PID = p.cmd.Process.Pid
	return nil
}

// startMachined starts systemd-machined on the private bus, which it takes for the
// system bus, and waits for its READY=1.
func (m *Manager) startMachined() error {
	cmd := exec.Command(machinedPath)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DBUS_SYSTEM_BUS_ADDRESS=" + m.Bus}
	_, err := m.spawnNotify("systemd-machined", cmd, syscall.SIGTERM)
	return err
}

// joinAndExec runs in the re-executed binary: it joins the cgroups listed in dirs and
// execs argv (the manager), so that the manager never runs outside them.
func joinAndExec(dirs string) int {
	for _, d := range strings.Split(dirs, "\n") {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte("0"), 0); err != nil {
			fmt.Fprintf(os.Stderr, "systemdtest: join cgroup %s: %v\n", d, err)
			return 1
		}
	}
	env := os.Environ()
	for i, kv := range env {
		if strings.HasPrefix(kv, cgroupEnv+"=") {
			env = append(env[:i], env[i+1:]...)
			break
		}
	}
	err := syscall.Exec(os.Args[0], os.Args, env)
	fmt.Fprintf(os.Stderr, "systemdtest: exec %s: %v\n", os.Args[0], err)
	return 1
}

// stop stops what start started, newest first, and removes the cgroups and runtime
// directory. Stopping the manager stops every unit left running.
func (m *Manager) stop() error {
	var errs []string
	for i := len(m.procs) - 1; i >= 0; i-- {
		if err := m.procs[i].stop(20 * time.Second); err != nil {
			errs = append(errs, err.Error())
		}
	}
	for _, d := range m.Cgroups {
		if err := removeCgroup(d); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if m.RuntimeDir != "" {
		os.RemoveAll(m.RuntimeDir)
	}
	if len(errs) > 0 {
		return fmt.Errorf("teardown: %s", strings.Join(errs, "; "))
	}
	return nil
}
