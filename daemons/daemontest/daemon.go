package daemontest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/virtunit/virtunit/daemons/remote"
	"github.com/virtunit/virtunit/daemons/rpc"
)

// Nobody is the unprivileged user session-mode daemons run as when the tests run as
// root.
const Nobody = 65534

// Options shape a daemon start.
type Options struct {
	// System runs the daemon as root with system paths, inside a private mount
	// namespace whose /run, /etc/libvirt and /var/{lib,log,cache}/libvirt are
	// directories of the scratch directory, so nothing on the host is touched and a
	// daemon started again with the same Dir finds its state. Otherwise the daemon
	// runs in session mode with its XDG directories in a scratch directory.
	System bool
	// Config is the content of the daemon's default config file (NAME.conf).
	Config string
	// Args are extra command-line arguments.
	Args []string
	// Env are extra environment variables.
	Env []string
	// NoWait returns without waiting for the sockets (for starts meant to fail).
	NoWait bool
	// NetNS runs a system-mode daemon inside this network namespace (which the test
	// created with ip netns add), for drivers that change interfaces or firewalls.
	NetNS string
	// Dir shares another session daemon's scratch directory (and so its sockets
	// directory), as virtproxyd needs to find the modular daemons.
	Dir string
	// Exec, for a system-mode daemon, is a command that runs the daemon inside its
	// namespaces (systemd-socket-activate and its options, say).
	Exec []string
	// Etc, for a system-mode daemon, is a directory laid over /etc in its mount
	// namespace (an overlay, so nothing of the host's /etc changes): pki/CA/cacert.pem,
	// sasl2/libvirt.conf and the like, at the paths the daemon looks for them.
	Etc string
	// State, for a system-mode daemon, is the directory whose run, etc, lib, log and
	// cache subdirectories are bind-mounted over /run, /etc/libvirt and
	// /var/{lib,log,cache}/libvirt; by default Dir/system. A daemon started again with
	// the same State (or Dir) finds what the first one left: restart tests.
	State string
}

// Daemon is a daemon started by Start.
type Daemon struct {
	Name string
	// Dir is the daemon's scratch directory: home, XDG dirs, log.
	Dir string
	// Sockets as the test reaches them; RO is empty in session mode.
	RW, RO, Admin string
	// Scheme is the URI scheme the daemon serves first.
	Scheme  string
	System  bool
	LogPath string
	Cmd     *exec.Cmd

	done    chan struct{}
	waitErr error
}

var schemes = map[string]string{
	"virtqemud": "qemu", "virtnetworkd": "network", "virtinterfaced": "interface",
	"virtnodedevd": "nodedev", "virtstoraged": "storage", "libvirtd": "qemu", "virtproxyd": "qemu",
}

// SocketPrefix is the prefix of a daemon's socket names.
func SocketPrefix(name string) string {
	if name == "libvirtd" || name == "virtproxyd" {
		return "libvirt"
	}
	return name
}

// ScratchDir makes a directory an unprivileged daemon can use, removed after the test.
func ScratchDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "vu-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		if err := os.Chown(dir, Nobody, Nobody); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// SessionEnv is the environment of an unprivileged daemon or client whose home and
// XDG directories are under dir.
func SessionEnv(dir string) []string {
	return []string{
		"HOME=" + filepath.Join(dir, "home"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"PATH=" + os.Getenv("PATH"),
		"LC_ALL=C",
	}
}

// SessionCred runs a process as Nobody when the tests run as root; nil otherwise.
func SessionCred() *syscall.Credential {
	if os.Geteuid() != 0 {
		return nil
	}
	return &syscall.Credential{Uid: Nobody, Gid: Nobody, NoSetGroups: true}
}

// MkdirAs creates dir, and any missing parents, owned by the session user.
func MkdirAs(t testing.TB, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); err == nil {
		return
	}
	MkdirAs(t, filepath.Dir(dir))
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(dir, Nobody, Nobody); err != nil {
			t.Fatal(err)
		}
	}
}

// WriteFileAs writes a file owned by the session user.
func WriteFileAs(t testing.TB, path, content string) {
	t.Helper()
	MkdirAs(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(path, Nobody, Nobody); err != nil {
			t.Fatal(err)
		}
	}
}

// Start starts daemon name and, unless o.NoWait, waits until its sockets accept
// connections. The daemon is stopped when the test ends.
func Start(t testing.TB, name string, o Options) *Daemon {
	t.Helper()
	bin := filepath.Join(Binaries(t), name)
	d := &Daemon{Name: name, Dir: o.Dir, Scheme: schemes[name], System: o.System, done: make(chan struct{})}
	if d.Dir == "" {
		d.Dir = ScratchDir(t)
	}
	d.LogPath = filepath.Join(d.Dir, name+".log")
	logf, err := os.Create(d.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	prefix := SocketPrefix(name)
	if o.System {
		if os.Geteuid() != 0 {
			t.Fatalf("system-mode daemons need root (a private mount namespace and system paths)")
		}
		RequireTool(t, "unshare")
		confFile := filepath.Join(d.Dir, name+".conf")
		if err := os.WriteFile(confFile, []byte(o.Config), 0o644); err != nil {
			t.Fatal(err)
		}
		stateDir := o.State
		if stateDir == "" {
			stateDir = filepath.Join(d.Dir, "system")
		}
		overlay := ""
		if o.Etc != "" {
			overlay = fmt.Sprintf("mount -t overlay overlay -o lowerdir=%s:/etc /etc\n", o.Etc)
		}
		script := fmt.Sprintf(`set -e
S=%q
mkdir -p "$S/run" "$S/etc" "$S/lib" "$S/log" "$S/cache"
%smount --bind "$S/run" /run
mount --bind "$S/etc" /etc/libvirt
for pair in lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do
  d=${pair#*:}
  if [ ! -d "$d" ]; then
    # No mount point on this host: cover the parent instead (in this namespace
    # only), so the daemon's writes never reach the host.
    p=$(dirname "$d")
    if ! grep -q " $p tmpfs " /proc/self/mounts; then mount -t tmpfs -o mode=755 tmpfs "$p"; fi
    mkdir -p "$d"
  fi
  mount --bind "$S/${pair%%:*}" "$d"
done
cp %q /etc/libvirt/%s.conf
exec %s%q "$@"`, stateDir, overlay, confFile, name, shellWords(o.Exec), bin)
		args := append([]string{"unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, name}, o.Args...)
		if o.NetNS != "" {
			args = append([]string{"ip", "netns", "exec", o.NetNS}, args...)
		}
		d.Cmd = exec.Command(args[0], args[1:]...)
		d.Cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}, o.Env...)
	} else {
		if o.NetNS != "" {
			t.Fatalf("NetNS needs System: only root may enter a network namespace")
		}
		if o.Config != "" {
			WriteFileAs(t, filepath.Join(d.Dir, "config", "libvirt", name+".conf"), o.Config)
		}
		d.Cmd = exec.Command(bin, o.Args...)
		d.Cmd.Env = append(SessionEnv(d.Dir), o.Env...)
		d.Cmd.SysProcAttr = &syscall.SysProcAttr{Credential: SessionCred()}
		sock := filepath.Join(d.Dir, "run", "libvirt")
		d.RW = filepath.Join(sock, prefix+"-sock")
		d.Admin = filepath.Join(sock, prefix+"-admin-sock")
	}
	if d.Cmd.SysProcAttr == nil {
		d.Cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	d.Cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	d.Cmd.Stdout, d.Cmd.Stderr = logf, logf
	if err := d.Cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	if o.System {
		root := fmt.Sprintf("/proc/%d/root/run/libvirt", d.Cmd.Process.Pid)
		d.RW = filepath.Join(root, prefix+"-sock")
		d.RO = filepath.Join(root, prefix+"-sock-ro")
		d.Admin = filepath.Join(root, prefix+"-admin-sock")
	}
	go func() {
		d.waitErr = d.Cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		d.Stop()
		if t.Failed() {
			t.Logf("%s log:\n%s", name, d.Log())
		}
	})
	if !o.NoWait {
		if err := d.WaitReady(10 * time.Second); err != nil {
			t.Fatalf("%v\n%s log:\n%s", err, name, d.Log())
		}
	}
	return d
}

// shellWords quotes words for a shell command line, each followed by a space.
func shellWords(words []string) string {
	var b strings.Builder
	for _, w := range words {
		b.WriteString("'" + strings.ReplaceAll(w, "'", `'\''`) + "' ")
	}
	return b.String()
}

// WaitReady waits until the daemon's sockets accept connections.
func (d *Daemon) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, s := range []string{d.RW, d.RO, d.Admin} {
		if s == "" {
			continue
		}
		for {
			err := answers(s, s == d.RW, deadline)
			if err == nil {
				break
			}
			select {
			case <-d.done:
				return fmt.Errorf("%s exited before listening on %s: %v", d.Name, s, d.waitErr)
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s not listening on %s after %v: %v", d.Name, s, timeout, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

// answers checks that a socket accepts connections and, for the main socket, that the
// daemon answers calls that need its drivers: it serves its handshake while its
// drivers start, so only such an answer means they are up (watching links, say).
func answers(sock string, call bool, deadline time.Time) error {
	c, err := net.Dial("unix", sock)
	if err != nil {
		return err
	}
	defer c.Close()
	if !call {
		return nil
	}
	c.SetDeadline(deadline)
	steps := []struct {
		proc remote.Proc
		args any
	}{
		{remote.AuthList, nil},
		{remote.ConnectOpen, libvirt.ConnectOpenArgs{}}, // the daemon's default URI
		{remote.ConnectGetVersion, nil},                 // waits for the drivers
	}
	for i, st := range steps {
		pkt, err := rpc.EncodePacket(rpc.Header{Program: remote.Program, Version: remote.Version,
			Procedure: int32(st.proc), Type: rpc.Call, Serial: uint32(i)}, st.args)
		if err != nil {
			return err
		}
		if _, err := c.Write(pkt); err != nil {
			return err
		}
		reply, err := rpc.ReadPacket(c, rpc.MaxMessage)
		if err != nil {
			return err
		}
		if reply.Status != rpc.StatusOK {
			return nil // answered (virtproxyd without its backend, say): it serves
		}
	}
	return nil
}

// Log returns what the daemon wrote to stdout and stderr so far.
func (d *Daemon) Log() string {
	b, _ := os.ReadFile(d.LogPath)
	return string(b)
}

// Pid is the daemon's process id.
func (d *Daemon) Pid() int { return d.Cmd.Process.Pid }

// Signal sends sig to the daemon.
func (d *Daemon) Signal(sig syscall.Signal) error { return d.Cmd.Process.Signal(sig) }

// Wait waits up to timeout for the daemon to exit and returns its exit code.
func (d *Daemon) Wait(timeout time.Duration) (int, error) {
	select {
	case <-d.done:
	case <-time.After(timeout):
		return -1, fmt.Errorf("%s still running after %v", d.Name, timeout)
	}
	var ee *exec.ExitError
	if errors.As(d.waitErr, &ee) {
		return ee.ExitCode(), nil
	}
	if d.waitErr != nil {
		return -1, d.waitErr
	}
	return 0, nil
}

// Exited reports whether the daemon has exited.
func (d *Daemon) Exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Stop terminates the daemon (SIGTERM, then SIGKILL after 10 s) and returns its exit
// code.
func (d *Daemon) Stop() int {
	if !d.Exited() {
		d.Signal(syscall.SIGTERM)
	}
	code, err := d.Wait(10 * time.Second)
	if err != nil {
		d.Cmd.Process.Kill()
		code, _ = d.Wait(5 * time.Second)
	}
	return code
}

// URI is a URI that reaches the daemon's read-write socket for scheme (the daemon's own
// scheme when empty).
func (d *Daemon) URI(scheme string) string {
	if scheme == "" {
		scheme = d.Scheme
	}
	path := "/session"
	if d.System {
		path = "/system"
	}
	return fmt.Sprintf("%s://%s?socket=%s", scheme, path, d.RW)
}

// AdminURI reaches the daemon's admin socket.
func (d *Daemon) AdminURI() string {
	path := "/session"
	if d.System {
		path = "/system"
	}
	return fmt.Sprintf("%s://%s?socket=%s", d.Name, path, d.Admin)
}

// Virsh runs virsh against the daemon's read-write socket and fails the test if it
// fails.
func (d *Daemon) Virsh(t testing.TB, args ...string) string {
	t.Helper()
	out, errOut, err := d.VirshErr(args...)
	if err != nil {
		t.Fatalf("virsh %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// VirshErr runs virsh against the daemon's read-write socket.
func (d *Daemon) VirshErr(args ...string) (string, string, error) {
	return d.run("virsh", append([]string{"-q", "-c", d.URI("")}, args...)...)
}

// VirtAdmin runs virt-admin against the daemon's admin socket and fails the test if it
// fails.
func (d *Daemon) VirtAdmin(t testing.TB, args ...string) string {
	t.Helper()
	out, errOut, err := d.run("virt-admin", append([]string{"-q", "-c", d.AdminURI()}, args...)...)
	if err != nil {
		t.Fatalf("virt-admin %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// VirtAdminErr runs virt-admin against the daemon's admin socket.
func (d *Daemon) VirtAdminErr(args ...string) (string, string, error) {
	return d.run("virt-admin", append([]string{"-q", "-c", d.AdminURI()}, args...)...)
}

func (d *Daemon) run(name string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := append(os.Environ(), "LIBVIRT_AUTOSTART=0")
	return Run(ctx, env, name, args...)
}
