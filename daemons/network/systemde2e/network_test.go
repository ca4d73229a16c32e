package systemde2e

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/internal/netnstest"
	"github.com/virtunit/virtunit/transient/systemdtest"
)

const sock = "/run/libvirt/virtnetworkd-sock"

// daemon runs virtnetworkd as root with the system paths, inside the test's namespaces,
// where it finds the systemd manager on "the system bus".
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
}

func startDaemon(t *testing.T) *daemon {
	t.Helper()
	bin := filepath.Join(daemontest.Binaries(t), "virtnetworkd")
	os.Remove(sock)
	d := &daemon{cmd: exec.Command(bin), done: make(chan struct{}), log: &bytes.Buffer{}}
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		d.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("virtnetworkd log:\n%s", d.log)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return d
		}
		select {
		case <-d.done:
			t.Fatalf("virtnetworkd exited:\n%s", d.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("virtnetworkd does not listen on %s:\n%s", sock, d.log)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (d *daemon) stop(sig syscall.Signal) {
	select {
	case <-d.done:
		return
	default:
	}
	d.cmd.Process.Signal(sig)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
	}
}

func virsh(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, errOut, err := daemontest.Run(ctx, append(os.Environ(), "LIBVIRT_AUTOSTART=0"), "virsh",
		append([]string{"-q", "-c", "network:///system?socket=" + sock}, args...)...)
	if err != nil {
		t.Fatalf("virsh %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func systemctl(t *testing.T, m *systemdtest.Manager, args ...string) string {
	t.Helper()
	out, _ := m.Systemctl(args...)
	return strings.TrimSpace(out)
}

func writeFile(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "net.xml")
	os.WriteFile(p, []byte(content), 0o644)
	return p
}

const lan = `<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
  <name>lan</name>
  <forward mode='nat'/>
  <bridge name='virbr1' stp='off'/>
  <ip address='192.0.2.1' prefix='24'><dhcp><range start='192.0.2.100' end='192.0.2.150'/></dhcp></ip>
  <dnsmasq:options><dnsmasq:option value='no-ping'/></dnsmasq:options>
</network>`

// TestNetworkAsSystemdUnits: a network is virtnetwork-lan.service (oneshot, active while
// the network is up) and virtnetwork-lan-dnsmasq.service; systemd restarts a killed
// dnsmasq; a guest gets a lease; the daemon's kill -9 changes nothing; destroy stops
// both units and removes bridge and rules.
func TestNetworkAsSystemdUnits(t *testing.T) {
	daemontest.RequireTool(t, "virsh", "dnsmasq", "nft", "busybox", "systemctl")
	m := systemdtest.Current(t)
	// unit_backend is auto: the daemon finds systemd (the test's manager) and makes
	// transient units, which systemctl shows below.
	d := startDaemon(t)
	virsh(t, "net-define", writeFile(t, lan))
	virsh(t, "net-start", "lan")
	const netU, dnsU = "virtnetwork-lan.service", "virtnetwork-lan-dnsmasq.service"
	for _, u := range []string{netU, dnsU} {
		if st := systemctl(t, m, "is-active", u); st != "active" {
			t.Fatalf("%s is %q", u, st)
		}
	}
	if st := systemctl(t, m, "status", netU); !strings.Contains(st, "libvirt virtual network lan") {
		t.Errorf("systemctl status %s:\n%s", netU, st)
	}

	g := netnstest.New(t)
	run(t, "ip", "link", "add", "vu-h", "type", "veth", "peer", "name", "eth0", "netns", g.Name)
	run(t, "ip", "link", "set", "vu-h", "master", "virbr1", "up")
	g.MustRun(t, "ip", "link", "set", "eth0", "address", "52:54:00:40:00:01", "up")
	dhcp := func() string {
		out := g.MustRun(t, "busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "10", "-T", "1", "-s", "/bin/true")
		i := strings.Index(out, "lease of ")
		if i < 0 {
			t.Fatalf("no lease:\n%s", out)
		}
		return strings.Fields(out[i+len("lease of "):])[0]
	}
	ip := dhcp()
	if !strings.Contains(virsh(t, "net-dhcp-leases", "lan"), ip) {
		t.Errorf("lease %s not listed", ip)
	}

	pid := systemctl(t, m, "show", "-p", "MainPID", "--value", dnsU)
	run(t, "kill", "-9", pid)
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := systemctl(t, m, "show", "-p", "MainPID", "--value", dnsU)
		if p != pid && p != "0" && systemctl(t, m, "is-active", dnsU) == "active" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("systemd did not restart dnsmasq: %s", systemctl(t, m, "status", dnsU))
		}
		time.Sleep(20 * time.Millisecond)
	}
	pid = systemctl(t, m, "show", "-p", "MainPID", "--value", dnsU)
	virsh(t, "net-update", "lan", "add", "ip-dhcp-host", "<host mac='52:54:00:40:00:01' ip='192.0.2.77'/>", "--live")
	if p := systemctl(t, m, "show", "-p", "MainPID", "--value", dnsU); p != pid {
		t.Errorf("a host update restarted dnsmasq (%s -> %s) instead of reloading it", pid, p)
	}
	if got := dhcp(); got != "192.0.2.77" {
		t.Errorf("after net-update the guest got %s", got)
	}

	rules := nft(t)
	d.stop(syscall.SIGKILL)
	startDaemon(t)
	if got := strings.TrimSpace(virsh(t, "net-list", "--name")); got != "lan" {
		t.Errorf("after the daemon's kill -9: active networks %q", got)
	}
	if p := systemctl(t, m, "show", "-p", "MainPID", "--value", dnsU); p != pid {
		t.Errorf("dnsmasq replaced across the daemon restart (%s -> %s)", pid, p)
	}
	if now := nft(t); now != rules {
		t.Errorf("rules changed across the daemon restart:\n%s\nwere:\n%s", now, rules)
	}

	virsh(t, "net-destroy", "lan")
	for _, u := range []string{netU, dnsU} {
		if st := systemctl(t, m, "is-active", u); st == "active" {
			t.Errorf("%s still active after net-destroy", u)
		}
	}
	if _, err := exec.Command("ip", "link", "show", "virbr1").Output(); err == nil {
		t.Error("bridge left after net-destroy")
	}
	if strings.Contains(nft(t), "comment") {
		t.Errorf("rules left after net-destroy:\n%s", nft(t))
	}
	virsh(t, "net-undefine", "lan")
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// nft is the namespace's ruleset without counters.
func nft(t *testing.T) string {
	out, err := exec.Command("nft", "list", "ruleset").Output()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range strings.Split(string(out), "\n") {
		if i := strings.Index(l, "counter packets"); i >= 0 {
			f := strings.Fields(l[i:])
			l = l[:i] + "counter " + strings.Join(f[5:], " ")
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}
