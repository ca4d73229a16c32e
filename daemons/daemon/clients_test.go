package daemon_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestSocketActivation: systemd-socket-activate listens on the three sockets and
// starts the daemon on the first connection, passing them as LISTEN_FDS with names,
// as a systemd socket unit would.
func TestSocketActivation(t *testing.T) {
	daemontest.RequireTool(t, "systemd-socket-activate", "virsh", "virt-admin")
	dir := daemontest.ScratchDir(t)
	sock := filepath.Join(dir, "s")
	daemontest.MkdirAs(t, sock)
	rw, adm := filepath.Join(sock, "virtqemud-sock"), filepath.Join(sock, "virtqemud-admin-sock")
	cmd := exec.Command("systemd-socket-activate", "-l", rw, "-l", adm,
		"--fdname=virtqemud.socket:virtqemud-admin.socket",
		filepath.Join(daemontest.Binaries(t), "virtqemud"), "--timeout", "30")
	cmd.Env = daemontest.SessionEnv(dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: daemontest.SessionCred(), Pdeathsig: syscall.SIGKILL}
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("log:\n%s", log.String())
		}
	})
	waitListening(t, rw)
	out, errOut, err := daemontest.Run(t.Context(), nil, "virsh", "-c", "qemu:///session?socket="+rw, "hostname")
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("virsh through activated socket: %v %s", err, errOut)
	}
	out, errOut, err = daemontest.Run(t.Context(), nil, "virt-admin", "-c", "virtqemud:///session?socket="+adm, "srv-list")
	if err != nil || !strings.Contains(out, "virtqemud") {
		t.Fatalf("virt-admin through activated socket: %v %s %s", err, out, errOut)
	}
	// In activation mode the sockets belong to the socket units: they survive the
	// daemon's exit.
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if _, err := os.Stat(rw); err != nil {
		t.Errorf("activated socket removed by the daemon: %v", err)
	}
}

func waitListening(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAutospawn: as an ordinary user with no daemon running, virsh starts the daemon
// itself from VIRTD_PATH, libvirtd in the default legacy mode and virtqemud with
// mode=direct, and the command works.
func TestAutospawn(t *testing.T) {
	daemontest.RequireTool(t, "virsh")
	for _, tc := range []struct{ uri, daemon string }{
		{"qemu:///session", "libvirtd"},
		{"qemu:///session?mode=direct", "virtqemud"},
	} {
		t.Run(tc.daemon, func(t *testing.T) {
			dir := daemontest.ScratchDir(t)
			daemontest.MkdirAs(t, filepath.Join(dir, "home"))
			daemontest.MkdirAs(t, filepath.Join(dir, "run"))
			cmd := exec.Command("virsh", "-c", tc.uri, "version")
			cmd.Env = append(daemontest.SessionEnv(dir), "VIRTD_PATH="+daemontest.Binaries(t))
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: daemontest.SessionCred()}
			out, err := cmd.CombinedOutput()
			pidFile := filepath.Join(dir, "run", "libvirt", tc.daemon+".pid")
			b, _ := os.ReadFile(pidFile)
			if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 0 {
				t.Cleanup(func() { syscall.Kill(pid, syscall.SIGTERM) })
				cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				if !strings.Contains(string(cmdline), "--timeout=120") {
					t.Errorf("spawned daemon's command line %q lacks --timeout=120", cmdline)
				}
			} else {
				t.Errorf("no %s PID file at %s", tc.daemon, pidFile)
			}
			if err != nil || !strings.Contains(string(out), "Using API: QEMU") {
				t.Fatalf("virsh -c %s version: %v\n%s", tc.uri, err, out)
			}
		})
	}
}

// TestProxyRelays: virtproxyd on libvirt-sock relays qemu:// to virtqemud and
// network:// to virtnetworkd, errors included.
func TestProxyRelays(t *testing.T) {
	q := daemontest.Start(t, "virtqemud", daemontest.Options{})
	daemontest.Start(t, "virtnetworkd", daemontest.Options{Dir: q.Dir})
	p := daemontest.Start(t, "virtproxyd", daemontest.Options{Dir: q.Dir})
	for _, scheme := range []string{"qemu", "network"} {
		out, errOut, err := daemontest.Run(t.Context(), nil, "virsh", "-c", p.URI(scheme), "version")
		if err != nil || !strings.Contains(out, "Using API: "+map[string]string{"qemu": "QEMU", "network": "network"}[scheme]) {
			t.Errorf("virsh version via proxy (%s): %v\n%s%s", scheme, err, out, errOut)
		}
	}
	_, errOut, err := daemontest.Run(t.Context(), nil, "virsh", "-c", strings.Replace(p.URI("qemu"), "/session", "/system", 1), "hostname")
	if err == nil || !strings.Contains(errOut, "unexpected qemu URI path '/system', try qemu:///session") {
		t.Errorf("backend's error not relayed: %v %s", err, errOut)
	}
	_, errOut, err = daemontest.Run(t.Context(), nil, "virsh", "-c", p.URI("nodedev"), "hostname")
	if err == nil || !strings.Contains(errOut, "virtnodedevd-sock") {
		t.Errorf("missing backend: %v %s", err, errOut)
	}
}

// TestAdminCommands covers the virt-admin commands the foundation promises.
func TestAdminCommands(t *testing.T) {
	daemontest.RequireTool(t, "virsh", "virt-admin")
	d := daemontest.Start(t, "virtqemud", daemontest.Options{})
	// A client that stays connected: virsh in interactive mode, fed by a pipe.
	shell := exec.Command("virsh", "-c", d.URI(""))
	stdin, _ := shell.StdinPipe()
	stdout, _ := shell.StdoutPipe()
	if err := shell.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); shell.Wait() }()
	io.WriteString(stdin, "hostname\n")
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	list := d.VirtAdmin(t, "srv-clients-list", "virtqemud")
	m := regexp.MustCompile(`(?m)^\s*(\d+)\s+unix\s`).FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("srv-clients-list shows no unix client:\n%s", list)
	}
	info := d.VirtAdmin(t, "client-info", "virtqemud", m[1])
	for _, want := range []string{"readonly       : no", "unix_user_id   : 0", "unix_process_id: " + strconv.Itoa(shell.Process.Pid)} {
		if !strings.Contains(info, want) {
			t.Errorf("client-info lacks %q:\n%s", want, info)
		}
	}
	if out := d.VirtAdmin(t, "client-disconnect", "virtqemud", m[1]); !strings.Contains(out, "disconnected") {
		t.Errorf("client-disconnect: %q", out)
	}
	if _, _, err := d.VirtAdminErr("client-info", "virtqemud", m[1]); err == nil {
		t.Errorf("client-info of a disconnected client succeeded")
	}
	if out := d.VirtAdmin(t, "srv-threadpool-info", "virtqemud"); !strings.Contains(out, "maxWorkers     : 20") {
		t.Errorf("srv-threadpool-info: %q", out)
	}
	d.VirtAdmin(t, "daemon-log-filters", "1:rpc 3:remote")
	if out := d.VirtAdmin(t, "daemon-log-filters"); !strings.Contains(out, "1:rpc 3:remote") {
		t.Errorf("daemon-log-filters after set: %q", out)
	}
	logFile := filepath.Join(d.Dir, "admin-set.log")
	d.VirtAdmin(t, "daemon-log-outputs", "1:file:"+logFile)
	if out := d.VirtAdmin(t, "daemon-log-outputs"); !strings.Contains(out, "1:file:"+logFile) {
		t.Errorf("daemon-log-outputs after set: %q", out)
	}
	d.Virsh(t, "hostname")
	waitForLog(t, logFile, "client connected")
	if _, errOut, err := d.VirtAdminErr("daemon-log-outputs", "1:nowhere"); err == nil || !strings.Contains(errOut, "Failed to parse and define log output 1:nowhere") {
		t.Errorf("bad output accepted: %v %s", err, errOut)
	}
	d.VirtAdmin(t, "daemon-timeout", "--timeout", "1")
	if code, err := d.Wait(10 * time.Second); err != nil || code != 0 {
		t.Errorf("daemon-timeout 1 did not end the idle daemon: %d %v", code, err)
	}
}
