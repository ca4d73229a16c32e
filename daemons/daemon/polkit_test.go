package daemon_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// startPolkit runs a system bus of the test's own and polkitd on it, with the
// project's action file and rules of the test's choosing laid over the host's
// (overlays in a private mount namespace). It returns the bus address.
func startPolkit(t *testing.T, dir, rules string) string {
	t.Helper()
	daemontest.RequireTool(t, "dbus-daemon", "busctl", "unshare")
	polkitd := "/usr/lib/polkit-1/polkitd"
	if _, err := os.Stat(polkitd); err != nil {
		t.Fatalf("polkitd is not installed (%v): this test asks the real polkitd", err)
	}
	busConf := filepath.Join(dir, "bus.conf")
	sock := filepath.Join(dir, "system_bus_socket")
	os.WriteFile(busConf, []byte(`<busconfig><type>system</type><listen>unix:path=`+sock+`</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>`), 0o644)
	bus := exec.Command("dbus-daemon", "--config-file="+busConf, "--nofork", "--nopidfile", "--print-address")
	bus.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, _ := bus.StdoutPipe()
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}
	addr = strings.TrimSpace(addr)

	actions, rulesDir := filepath.Join(dir, "actions"), filepath.Join(dir, "rules")
	os.MkdirAll(actions, 0o755)
	os.MkdirAll(rulesDir, 0o755)
	policy, err := os.ReadFile("../../config/org.libvirt.unix.policy")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(actions, "org.libvirt.unix.policy"), policy, 0o644)
	os.WriteFile(filepath.Join(rulesDir, "50-test.rules"), []byte(rules), 0o644)
	script := "mount -t overlay overlay -o lowerdir=" + actions + ":/usr/share/polkit-1/actions /usr/share/polkit-1/actions && " +
		"mount -t overlay overlay -o lowerdir=" + rulesDir + ":/etc/polkit-1/rules.d /etc/polkit-1/rules.d && exec " + polkitd + " --no-debug"
	pk := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
	pk.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+addr)
	pk.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var pkLog strings.Builder
	pk.Stdout, pk.Stderr = &pkLog, &pkLog
	if err := pk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pk.Process.Kill()
		pk.Wait()
		if t.Failed() {
			t.Logf("polkitd:\n%s", pkLog.String())
		}
	})
	waitFor(t, 20*time.Second, "polkitd on the bus", func() bool {
		return exec.Command("busctl", "--address="+addr, "status", "org.freedesktop.PolicyKit1").Run() == nil
	})
	return addr
}

// TestPolkitUnixSocket: auth_unix_rw = "polkit" asks polkitd, over the system bus,
// about org.libvirt.unix.manage for each client of the read-write socket, as libvirt
// does: a user the rules allow gets in, one they deny gets libvirt's "access denied by
// policy", one the action's defaults leave to an agent gets "no polkit agent
// available", and root is let in without asking.
func TestPolkitUnixSocket(t *testing.T) {
	daemontest.RequireTool(t, "virsh")
	dir, err := os.MkdirTemp("", "vu-polkit-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755) // polkitd reads the rules as its own user
	addr := startPolkit(t, dir, `polkit.addRule(function(action, subject) {
  if (action.id == "org.libvirt.unix.manage" && subject.user == "nobody") { return polkit.Result.YES; }
  if (action.id == "org.libvirt.unix.manage" && subject.user == "daemon") { return polkit.Result.NO; }
});
`)
	sockDir := filepath.Join(dir, "sock")
	d := daemontest.Start(t, "virtqemud", daemontest.Options{System: true, Env: []string{"DBUS_SYSTEM_BUS_ADDRESS=" + addr},
		Config: "auth_unix_rw = \"polkit\"\nunix_sock_rw_perms = \"0777\"\nunix_sock_dir = \"" + sockDir + "\"\n", NoWait: true})
	rw := filepath.Join(sockDir, "virtqemud-sock")
	waitFor(t, 20*time.Second, "the socket", func() bool { _, err := os.Stat(rw); return err == nil })
	home := filepath.Join(dir, "home")
	os.MkdirAll(home, 0o1777)
	virsh := func(uid uint32) (string, string, error) {
		cmd := exec.Command("virsh", "-c", "qemu:///system?socket="+rw, "hostname")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LIBVIRT_AUTOSTART=0"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid, NoSetGroups: true}}
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	var out, errOut string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if out, errOut, err = virsh(0); err == nil {
			break
		}
	}
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("root: %v %s\n%s", err, errOut, d.Log())
	}
	if out, errOut, err := virsh(daemontest.Nobody); err != nil || strings.TrimSpace(out) == "" {
		t.Errorf("nobody, allowed by the rules: %v %s", err, errOut)
	}
	if _, errOut, err := virsh(1); err == nil || !strings.Contains(errOut, "authentication failed: access denied by policy") {
		t.Errorf("daemon, denied by the rules: %v %s", err, errOut)
	}
	if _, errOut, err := virsh(2); err == nil ||
		!strings.Contains(errOut, "authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'") {
		t.Errorf("bin, left to an agent: %v %s", err, errOut)
	}
}
