package vmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Bind is a host directory the container sees at Guest.
type Bind struct {
	Host, Guest string
	ReadOnly    bool
}

// Config describes one boot.
type Config struct {
	// Rootfs is the root filesystem (see Rootfs), never written: the container's
	// changes go to a tmpfs (nspawn's --volatile=overlay).
	Rootfs string
	// Layers are directories laid over Rootfs, the first on top: the installed tree.
	Layers []string
	Binds  []Bind
	// Console receives what the container's console shows.
	Console string
	// Work is a scratch directory for the merged root.
	Work string
}

// Container is a booted systemd-nspawn container with systemd as PID 1.
type Container struct {
	// Leader is the host pid of the container's systemd.
	Leader  int
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	cgroups []string
}

// Boot starts the container and returns once systemd has finished booting it. The
// flags are the ones that work on hosts without systemd as PID 1 (testing.md): no
// registration with the host's machined, no scope of the host's manager, a private
// network, a read-only console. The container runs in a cgroup directory of its own,
// made here, and in a mount namespace of its own, where the root is assembled.
func Boot(ctx context.Context, c Config) (*Container, error) {
	if err := need("systemd-nspawn", "unshare", "nsenter"); err != nil {
		return nil, err
	}
	cgroups, err := makeCgroups(fmt.Sprintf("virtunit-vmtest-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err != nil {
		return nil, err
	}
	root := c.Rootfs
	var script strings.Builder
	script.WriteString("set -e\n")
	for _, d := range cgroups {
		fmt.Fprintf(&script, "echo $$ > %q/cgroup.procs\n", d)
	}
	if len(c.Layers) > 0 {
		root = filepath.Join(c.Work, "root")
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, err
		}
		// A read-only overlay: nspawn puts its own tmpfs over it.
		fmt.Fprintf(&script, "mount -t overlay overlay -o lowerdir=%s:%s %q\n", strings.Join(c.Layers, ":"), c.Rootfs, root)
	}
	args := []string{"systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--private-network",
		"--volatile=overlay", "--console=read-only", "-D", root}
	for _, b := range c.Binds {
		flag := "--bind="
		if b.ReadOnly {
			flag = "--bind-ro="
		}
		args = append(args, flag+b.Host+":"+b.Guest)
	}
	args = append(args, "-b")
	script.WriteString("exec")
	for _, a := range args {
		fmt.Fprintf(&script, " %q", a)
	}
	console, err := os.Create(c.Console)
	if err != nil {
		return nil, err
	}
	defer console.Close()
	// unshare and sh exec what follows, so the process started here is nspawn.
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script.String())
	cmd.Stdout, cmd.Stderr = console, console
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		removeCgroups(cgroups)
		return nil, err
	}
	ct := &Container{cmd: cmd, exited: make(chan struct{}), cgroups: cgroups}
	go func() {
		ct.waitErr = cmd.Wait()
		close(ct.exited)
	}()
	if err := ct.awaitBoot(ctx); err != nil {
		ct.Kill()
		out, _ := os.ReadFile(c.Console)
		return nil, fmt.Errorf("boot: %w\nconsole:\n%s", err, tail(out, 40))
	}
	return ct, nil
}

// awaitBoot finds the container's init and waits until its boot is over. nspawn
// forks helpers before the container's systemd, so the leader is the child that runs
// systemd.
func (c *Container) awaitBoot(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	nspawn := c.cmd.Process.Pid
	for {
		if c.Leader == 0 {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", nspawn, nspawn))
			for _, f := range strings.Fields(string(b)) {
				comm, _ := os.ReadFile("/proc/" + f + "/comm")
				if strings.TrimSpace(string(comm)) == "systemd" {
					c.Leader, _ = strconv.Atoi(f)
				}
			}
		}
		if c.Leader != 0 {
			call, stop := context.WithTimeout(ctx, 5*time.Second)
			out, _ := c.enter(call, "systemctl", "is-system-running").Output()
			stop()
			switch strings.TrimSpace(string(out)) {
			case "running":
				return nil
			case "degraded":
				failed, _ := c.enter(ctx, "systemctl", "--failed", "--no-legend").Output()
				return fmt.Errorf("booted degraded; failed units:\n%s", failed)
			}
		}
		select {
		case <-c.exited:
			return fmt.Errorf("systemd-nspawn exited: %v", c.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// enter runs argv in the container's namespaces, outside any of its units.
func (c *Container) enter(ctx context.Context, argv ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(c.Leader), "-a", "--"}, argv...)...)
}

// Run runs argv in the container as a transient service of its systemd (so it lives
// in the container's cgroups, with the container's environment) and returns its
// output, stdout and stderr interleaved; env adds KEY=VALUE variables. argv is passed
// as it is (a "$" in it is not systemd's to expand).
func (c *Container) Run(ctx context.Context, env []string, argv ...string) (string, error) {
	args := []string{"systemd-run", "--quiet", "--wait", "--pipe", "--collect", "--service-type=exec",
		"-p", "TimeoutStopSec=5"}
	for _, e := range env {
		args = append(args, "--setenv="+e)
	}
	// systemd substitutes $VAR in a service's command line when it runs it; "$$" is a
	// literal "$".
	for _, a := range argv {
		args = append(args, strings.ReplaceAll(a, "$", "$$"))
	}
	cmd := c.enter(ctx, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.String(), err
}

// Poweroff shuts the container down as a host shuts down, and waits for it to exit.
func (c *Container) Poweroff(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if out, err := c.enter(ctx, "systemctl", "poweroff").CombinedOutput(); err != nil {
		return fmt.Errorf("systemctl poweroff: %v\n%s", err, out)
	}
	select {
	case <-c.exited:
		removeCgroups(c.cgroups)
		return nil
	case <-ctx.Done():
		c.Kill()
		return fmt.Errorf("the container did not power off within %v", timeout)
	}
}

// Kill ends the container at once. Its systemd outlives a killed nspawn, so every
// process in the container's cgroups is killed too.
func (c *Container) Kill() {
	c.cmd.Process.Kill()
	<-c.exited
	removeCgroups(c.cgroups)
}

// makeCgroups creates a cgroup directory called name below this process's own, in
// each hierarchy systemd uses: the unified one, and the named systemd one of a legacy
// or hybrid host.
func makeCgroups(name string) ([]string, error) {
	own, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	var legacy, unified string
	for _, line := range strings.Split(string(own), "\n") {
		switch f := strings.SplitN(line, ":", 3); {
		case len(f) != 3:
		case f[1] == "name=systemd":
			legacy = f[2]
		case f[0] == "0" && f[1] == "":
			unified = f[2]
		}
	}
	var dirs []string
	var st syscall.Statfs_t
	if syscall.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == 0x63677270 { // CGROUP2_SUPER_MAGIC
		dirs = append(dirs, filepath.Join("/sys/fs/cgroup", unified, name))
	} else {
		if legacy == "" {
			return nil, errors.New("no name=systemd cgroup hierarchy and no unified one at /sys/fs/cgroup")
		}
		dirs = append(dirs, filepath.Join("/sys/fs/cgroup/systemd", legacy, name))
		if _, err := os.Stat("/sys/fs/cgroup/unified/cgroup.procs"); err == nil {
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

// removeCgroups kills what still runs in the directories and removes them and what the
// container's systemd made below them, deepest first.
func removeCgroups(dirs []string) {
	for range 100 {
		pids := 0
		for _, d := range dirs {
			filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
				if err != nil || e.Name() != "cgroup.procs" {
					return nil
				}
				b, _ := os.ReadFile(p)
				for _, f := range strings.Fields(string(b)) {
					if pid, err := strconv.Atoi(f); err == nil {
						syscall.Kill(pid, syscall.SIGKILL)
						pids++
					}
				}
				return nil
			})
		}
		if pids == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, d := range dirs {
		var all []string
		filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				all = append(all, p)
			}
			return nil
		})
		for i := len(all) - 1; i >= 0; i-- {
			os.Remove(all[i])
		}
	}
}
