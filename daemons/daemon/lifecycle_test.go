package daemon_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit"
	"github.com/virtunit/virtunit/daemons/daemontest"
)

func runBin(t *testing.T, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(daemontest.Binaries(t), name), args...)
	dir := daemontest.ScratchDir(t)
	cmd.Env = daemontest.SessionEnv(dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: daemontest.SessionCred()}
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

func TestCommandLine(t *testing.T) {
	for _, name := range allDaemons {
		if out, _, code := runBin(t, name, "--version"); code != 0 || out != name+" (virtunit) "+virtunit.Version()+"\n" {
			t.Errorf("%s --version = %q, exit %d", name, out, code)
		}
	}
	_, errOut, code := runBin(t, "virtqemud", "-h")
	if code != 0 || !strings.Contains(errOut, "-t | --timeout <secs>") || !strings.Contains(errOut, "$XDG_RUNTIME_DIR/libvirt/virtqemud-sock") {
		t.Errorf("-h: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runBin(t, "virtqemud", "--bogus")
	if code != 1 || !strings.Contains(errOut, "unrecognized option '--bogus'") || !strings.Contains(errOut, "Usage:") {
		t.Errorf("--bogus: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runBin(t, "virtqemud", "-l")
	if code != 1 || !strings.Contains(errOut, "invalid option -- 'l'") {
		t.Errorf("virtqemud -l: exit %d, stderr %q", code, errOut)
	}
	// listen_tls is on by default: without a PKI, -l stops at the CA certificate, as
	// libvirtd does.
	_, errOut, code = runBin(t, "libvirtd", "--listen")
	if code == 0 || !strings.Contains(errOut, "Cannot read CA certificate") {
		t.Errorf("libvirtd --listen: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runBin(t, "virtqemud", "-t", "soon")
	if code != 1 || !strings.Contains(errOut, "Invalid value for timeout") {
		t.Errorf("-t soon: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runBin(t, "virtqemud", "extra")
	if code != 1 || !strings.Contains(errOut, "unexpected, non-option, command line arguments") {
		t.Errorf("extra argument: exit %d, stderr %q", code, errOut)
	}
	// The daemons with the network driver are also its helper; the others are not.
	for _, name := range []string{"virtnetworkd", "libvirtd"} {
		if _, errOut, code := runBin(t, name, "network-helper"); code != 2 || !strings.Contains(errOut, "usage: network-helper up|down PLAN") {
			t.Errorf("%s network-helper: exit %d, stderr %q", name, code, errOut)
		}
	}
	if _, errOut, code := runBin(t, "virtqemud", "network-helper"); code != 1 || !strings.Contains(errOut, "unexpected, non-option") {
		t.Errorf("virtqemud network-helper: exit %d, stderr %q", code, errOut)
	}
}

// TestTimeout: --timeout 1 keeps the daemon while a client is connected and ends it
// a second after the last one left, removing sockets and PID file.
func TestTimeout(t *testing.T) {
	d := daemontest.Start(t, "virtnetworkd", daemontest.Options{Args: []string{"--timeout", "1"}})
	c, err := net.Dial("unix", d.RW)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if d.Exited() {
		t.Fatalf("daemon exited with a client connected:\n%s", d.Log())
	}
	start := time.Now()
	c.Close()
	code, err := d.Wait(10 * time.Second)
	if err != nil || code != 0 {
		t.Fatalf("daemon did not exit cleanly when idle: code %d, %v", code, err)
	}
	if el := time.Since(start); el < 900*time.Millisecond || el > 5*time.Second {
		t.Errorf("exited %v after the last client left, want about 1s", el)
	}
	for _, p := range []string{d.RW, d.Admin, filepath.Join(d.Dir, "run", "libvirt", "virtnetworkd.pid")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left behind after exit", p)
		}
	}
}

// TestDetach: -d -p FILE returns at once, the daemon keeps running under the PID the
// file names, and it answers virsh.
func TestDetach(t *testing.T) {
	dir := daemontest.ScratchDir(t)
	pidFile := filepath.Join(dir, "custom.pid")
	cmd := exec.Command(filepath.Join(daemontest.Binaries(t), "virtqemud"), "-d", "-p", pidFile)
	cmd.Env = daemontest.SessionEnv(dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: daemontest.SessionCred()}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("virtqemud -d: %v\n%s", err, out)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("PID file holds %q", b)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if cmd.Process.Pid == pid {
		t.Errorf("PID file names the foreground process, not the daemon")
	}
	exe, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if filepath.Base(exe) != "virtqemud" {
		t.Fatalf("pid %d is %q, not virtqemud", pid, exe)
	}
	sock := filepath.Join(dir, "run", "libvirt", "virtqemud-sock")
	out, errOut, err := daemontest.Run(t.Context(), nil, "virsh", "-c", "qemu:///session?socket="+sock, "hostname")
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("virsh against the detached daemon: %v %s", err, errOut)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("PID file left after SIGTERM")
	}
}

// TestDetachReportsFailure: a detached start that fails makes the foreground process
// fail with libvirt's message.
func TestDetachReportsFailure(t *testing.T) {
	first := daemontest.Start(t, "virtqemud", daemontest.Options{})
	cmd := exec.Command(filepath.Join(daemontest.Binaries(t), "virtqemud"), "-d", "-p", filepath.Join(first.Dir, "other.pid"))
	cmd.Env = daemontest.SessionEnv(first.Dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: daemontest.SessionCred()}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Unable to initialize network sockets") {
		t.Fatalf("second detached daemon on the same sockets: %v\n%s", err, out)
	}
}

// TestSecondDaemonRefused: the PID file lock and the live-socket check each stop a
// second daemon; a stale socket of a dead one is replaced.
func TestSecondDaemonRefused(t *testing.T) {
	first := daemontest.Start(t, "virtnodedevd", daemontest.Options{})
	second := daemontest.Start(t, "virtnodedevd", daemontest.Options{Dir: first.Dir, NoWait: true})
	if code, err := second.Wait(10 * time.Second); err != nil || code == 0 || !strings.Contains(second.Log(), "Failed to acquire pid file") {
		t.Errorf("same PID file: exit %d %v\n%s", code, err, second.Log())
	}
	third := daemontest.Start(t, "virtnodedevd", daemontest.Options{Dir: first.Dir, NoWait: true,
		Args: []string{"-p", filepath.Join(first.Dir, "third.pid")}})
	if code, err := third.Wait(10 * time.Second); err != nil || code == 0 || !strings.Contains(third.Log(), "another daemon is already listening") {
		t.Errorf("same sockets: exit %d %v\n%s", code, err, third.Log())
	}
	if _, _, err := first.VirshErr("hostname"); err != nil {
		t.Errorf("first daemon harmed: %v", err)
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	dir := daemontest.ScratchDir(t)
	sockDir := filepath.Join(dir, "run", "libvirt")
	daemontest.MkdirAs(t, sockDir)
	path := filepath.Join(sockDir, "virtqemud-sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // a socket file nobody listens on: a dead daemon's
	if os.Geteuid() == 0 {
		os.Chown(path, daemontest.Nobody, daemontest.Nobody)
	}
	d := daemontest.Start(t, "virtqemud", daemontest.Options{Dir: dir})
	d.Virsh(t, "hostname")
}

func TestMalformedConfig(t *testing.T) {
	for _, tc := range []struct{ conf, want string }{
		{"max_clients = 10\nunix_sock_group = 5\n", `virtqemud.conf:2: expected a string for 'unix_sock_group' parameter`},
		{"log_level = 2\nlog_filters = \"1:qemu\n", `virtqemud.conf:2: unterminated string`},
		{"auth_unix_rw = \"kerberos\"\n", `virtqemud.conf:1: auth_unix_rw: unsupported auth kerberos`},
		{"unix_sock_rw_perms = \"0x9\"\n", `virtqemud.conf:1: Failed to parse mode '0x9'`},
	} {
		d := daemontest.Start(t, "virtqemud", daemontest.Options{Config: tc.conf, NoWait: true})
		code, err := d.Wait(10 * time.Second)
		if err != nil || code == 0 || !strings.Contains(d.Log(), tc.want) {
			t.Errorf("config %q: exit %d %v, want message %q in\n%s", tc.conf, code, err, tc.want, d.Log())
		}
		if _, err := os.Stat(d.RW); !os.IsNotExist(err) {
			t.Errorf("config %q: sockets were created", tc.conf)
		}
	}
	// Unknown keys only warn.
	d := daemontest.Start(t, "virtqemud", daemontest.Options{Config: "no_such_key = 1\n"})
	if !strings.Contains(d.Log(), "unknown setting 'no_such_key'") {
		t.Errorf("no warning for an unknown key:\n%s", d.Log())
	}
	d.Virsh(t, "hostname")
}

// TestReloadAppliesLogLevel: SIGHUP re-reads the config; a lower log_level shows
// debug messages at once, the client stays connected, and a broken file keeps the old
// settings.
func TestReloadAppliesLogLevel(t *testing.T) {
	dir := daemontest.ScratchDir(t)
	logFile := filepath.Join(dir, "out.log")
	confPath := filepath.Join(dir, "config", "libvirt", "virtqemud.conf")
	conf := func(level int) string {
		return "log_level = " + strconv.Itoa(level) + "\nlog_outputs = \"1:file:" + logFile + "\"\n"
	}
	d := daemontest.Start(t, "virtqemud", daemontest.Options{Dir: dir, Config: conf(4)})
	held, err := net.Dial("unix", d.RW)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	d.Virsh(t, "hostname")
	if b, _ := os.ReadFile(logFile); strings.Contains(string(b), "client connected") {
		t.Fatalf("debug message logged at log_level 4:\n%s", b)
	}
	daemontest.WriteFileAs(t, confPath, conf(1))
	d.Signal(syscall.SIGHUP)
	waitForLog(t, logFile, "configuration reloaded")
	d.Virsh(t, "hostname")
	waitForLog(t, logFile, "client connected")

	daemontest.WriteFileAs(t, confPath, "log_level = \"debug\"\n")
	d.Signal(syscall.SIGHUP)
	waitForLog(t, logFile, "reload failed; keeping the previous configuration")
	if _, err := held.Write([]byte{}); err != nil {
		t.Errorf("held client dropped by reload: %v", err)
	}
	d.Virsh(t, "hostname")
}

func waitForLog(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q never appeared in %s:\n%s", want, path, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNotify: sd_notify tells the service manager READY=1 once the sockets accept,
// RELOADING=1 then READY=1 around a SIGHUP, and STOPPING=1 on the way out.
func TestNotify(t *testing.T) {
	dir := daemontest.ScratchDir(t)
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if os.Geteuid() == 0 {
		os.Chown(path, daemontest.Nobody, daemontest.Nobody)
	}
	next := func() string {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no notification: %v", err)
		}
		return string(buf[:n])
	}
	d := daemontest.Start(t, "virtqemud", daemontest.Options{Dir: dir, Env: []string{"NOTIFY_SOCKET=" + path}})
	if m := next(); !strings.Contains(m, "READY=1") {
		t.Errorf("first notification %q", m)
	}
	d.Signal(syscall.SIGHUP)
	if m := next(); !strings.Contains(m, "RELOADING=1") || !strings.Contains(m, "MONOTONIC_USEC=") {
		t.Errorf("on SIGHUP: %q", m)
	}
	if m := next(); !strings.Contains(m, "READY=1") {
		t.Errorf("after reload: %q", m)
	}
	d.Signal(syscall.SIGTERM)
	if m := next(); !strings.Contains(m, "STOPPING=1") {
		t.Errorf("on SIGTERM: %q", m)
	}
	if code, err := d.Wait(10 * time.Second); err != nil || code != 0 {
		t.Errorf("exit %d %v", code, err)
	}
}

// TestMaxQueuedClients: max_queued_clients and admin_max_queued_clients are the listen
// backlogs of the daemon's sockets, as in libvirt.
func TestMaxQueuedClients(t *testing.T) {
	daemontest.RequireTool(t, "ss")
	d := daemontest.Start(t, "virtnodedevd", daemontest.Options{Config: "max_queued_clients = 7\nadmin_max_queued_clients = 3\n"})
	for sock, want := range map[string]string{d.RW: "7", d.Admin: "3"} {
		// For a listening socket, ss shows the backlog as Send-Q.
		out, err := exec.Command("ss", "-xlnH", "src", sock).Output()
		if err != nil {
			t.Fatalf("ss: %v", err)
		}
		f := strings.Fields(string(out))
		if len(f) < 4 || f[3] != want {
			t.Errorf("%s: ss says %q, want backlog %s", sock, out, want)
		}
	}
}
