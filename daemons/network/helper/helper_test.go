package helper_test

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/network/bridge"
	"github.com/virtunit/virtunit/daemons/network/firewall"
	"github.com/virtunit/virtunit/daemons/network/helper"
	"github.com/virtunit/virtunit/daemons/network/leases"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// The test binary doubles as the helper program: with VU_AS_HELPER set it runs
// helper.Main, so dnsmasq can use it as its --dhcp-script and the tests can run "up"
// and "down" inside a namespace, each as the separate process a unit would start.
func TestMain(m *testing.M) {
	if os.Getenv("VU_AS_HELPER") != "" {
		os.Exit(helper.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// helperBin is a program that execs the test binary as the helper (dnsmasq runs its
// script without arguments of ours).
func helperBin(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "helper")
	script := fmt.Sprintf("#!/bin/sh\nVU_AS_HELPER=1 exec %q \"$@\"\n", os.Args[0])
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, ns *netnstest.NS, args ...string) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.Name, os.Args[0]}, args...)...)
	cmd.Env = append(os.Environ(), "VU_AS_HELPER=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper %v: %v\n%s", args, err, out)
	}
}

func natPlan(dir string) *helper.Plan {
	return &helper.Plan{
		Network: "net1",
		Bridge: bridge.Config{Name: "virbr1", MAC: "52:54:00:01:02:03", STP: true,
			Addrs: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/24")}, Forward: true},
		Firewall: &firewall.Spec{Tag: "virtunit network net1", Bridge: "virbr1", Mode: "nat",
			Nets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}},
		RemovalFile: filepath.Join(dir, "net1.fw"),
		LockFile:    filepath.Join(dir, "firewall.lock"),
	}
}

func TestUpDown(t *testing.T) {
	ns := netnstest.New(t)
	dir := t.TempDir()
	plan := filepath.Join(dir, "net1.plan")
	if err := helper.WritePlan(plan, natPlan(dir)); err != nil {
		t.Fatal(err)
	}
	run(t, ns, "up", plan)
	rm, ok, err := helper.ReadRemoval(filepath.Join(dir, "net1.fw"))
	if err != nil || !ok || len(rm.Rules) != 10 {
		t.Fatalf("removal list: %+v %v %v", rm, ok, err)
	}
	if !strings.Contains(ns.MustRun(t, "nft", "list", "ruleset"), `masquerade to :1024-65535 comment "virtunit network net1"`) {
		t.Error("NAT rules missing after up")
	}
	run(t, ns, "down", plan)
	if out, err := ns.Run("ip", "link", "show", "virbr1"); err == nil {
		t.Errorf("bridge left after down:\n%s", out)
	}
	if strings.Contains(ns.MustRun(t, "nft", "list", "ruleset"), "comment") {
		t.Error("rules left after down")
	}
	if _, err := os.Stat(filepath.Join(dir, "net1.fw")); !os.IsNotExist(err) {
		t.Errorf("removal list left after down: %v", err)
	}
	run(t, ns, "down", plan) // repeated teardown is harmless
}

// TestLeasesFromRealDHCP runs dnsmasq on the helper's bridge with the helper as its
// --dhcp-script, and a busybox udhcpc guest in a second namespace on a veth into the
// bridge: the lease shows up in the lease file with MAC and hostname, and a dnsmasq
// restarted with --leasefile-ro gets it back from "init".
func TestLeasesFromRealDHCP(t *testing.T) {
	for _, tool := range []string{"dnsmasq", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: this test runs the real one", tool)
		}
	}
	ns, guest := netnstest.New(t), netnstest.New(t)
	dir := t.TempDir()
	plan := filepath.Join(dir, "net1.plan")
	p := natPlan(dir)
	// With STP on the kernel holds a new port for twice its 2 s minimum forward delay.
	p.Bridge.STP = false
	helper.WritePlan(plan, p)
	run(t, ns, "up", plan)
	t.Cleanup(func() { run(t, ns, "down", plan) })
	ns.MustRun(t, "ip", "link", "add", "vu-h", "type", "veth", "peer", "name", "vu-g", "netns", guest.Name)
	ns.MustRun(t, "ip", "link", "set", "vu-h", "master", "virbr1", "up")
	guest.MustRun(t, "ip", "link", "set", "vu-g", "address", "52:54:00:aa:00:01", "up")

	// no-ping: dnsmasq otherwise pings a new address for about 3 s before offering it.
	conf := filepath.Join(dir, "net1.conf")
	os.WriteFile(conf, []byte("strict-order\nexcept-interface=lo\nbind-dynamic\ninterface=virbr1\n"+
		"dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0\ndhcp-no-override\ndhcp-authoritative\n"+
		"dhcp-lease-max=51\nport=0\nno-ping\n"), 0o600)
	statusFile := filepath.Join(dir, "virbr1.status")
	dnsmasq := func() *exec.Cmd {
		cmd := exec.Command("ip", "netns", "exec", ns.Name, "dnsmasq", "--keep-in-foreground", "--conf-file="+conf,
			"--leasefile-ro", "--dhcp-script="+helperBin(t), "--pid-file=")
		cmd.Env = append(os.Environ(), helper.LeaseFileEnv+"="+statusFile, "VIR_BRIDGE_NAME=virbr1")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	d := dnsmasq()
	out, err := guest.Run("busybox", "udhcpc", "-i", "vu-g", "-f", "-q", "-n", "-t", "10", "-T", "1", "-s", "/bin/true", "-x", "hostname:guest1")
	if err != nil {
		t.Fatalf("udhcpc got no lease: %v\n%s", err, out)
	}
	ls := waitLeases(t, statusFile, 1)
	l := ls[0]
	if l.MAC != "52:54:00:aa:00:01" || l.Hostname != "guest1" || !netip.MustParsePrefix("192.0.2.96/27").Contains(netip.MustParseAddr(l.IP)) || l.Expiry < time.Now().Unix() {
		t.Fatalf("lease %+v", l)
	}
	// A dnsmasq killed and started again learns the lease from "init" and renews the
	// same address.
	d.Process.Kill()
	d.Wait()
	dnsmasq()
	out, err = guest.Run("busybox", "udhcpc", "-i", "vu-g", "-f", "-q", "-n", "-t", "10", "-T", "1", "-s", "/bin/true", "-r", "192.0.2.149")
	if err != nil {
		t.Fatalf("udhcpc after dnsmasq restart: %v\n%s", err, out)
	}
	if !strings.Contains(out, l.IP) {
		t.Errorf("after restart the guest got another address than %s:\n%s", l.IP, out)
	}
}

func waitLeases(t *testing.T, path string, n int) []leases.Lease {
	t.Helper()
	// The script runs after dnsmasq answered, so the file may trail the client a little.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ls, err := leases.Read(path, time.Now())
		if err == nil && len(ls) >= n {
			return ls
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(path)
			t.Fatalf("lease file %s after 5s: %v\n%s", path, err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRefusesForeignNamespace: a plan made in one network namespace is not carried out
// in another (here: the test's own, the host's).
func TestRefusesForeignNamespace(t *testing.T) {
	ns := netnstest.New(t)
	dir := t.TempDir()
	p := natPlan(dir)
	id, err := netnsOf(ns)
	if err != nil {
		t.Fatal(err)
	}
	p.NetNS = id
	err = helper.Up(p, os.Stderr)
	if err == nil || !strings.Contains(err.Error(), "refusing to run in network namespace") {
		t.Fatalf("Up in the wrong namespace: %v", err)
	}
	if bridge.Exists("virbr1") {
		t.Fatal("a bridge appeared on the host")
	}
}

func netnsOf(ns *netnstest.NS) (string, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(ns.Path(), &st); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino), nil
}

// TestInvoked: the daemon's executable is the helper when a unit names the role, or
// when dnsmasq runs it as its script (an action, and the lease file in the
// environment); never for the daemon's own command line.
func TestInvoked(t *testing.T) {
	env := func(lease string) func(string) string {
		return func(k string) string {
			if k == helper.LeaseFileEnv {
				return lease
			}
			return ""
		}
	}
	for _, c := range []struct {
		args  []string
		lease string
		want  []string
		ok    bool
	}{
		{[]string{"network-helper", "up", "/run/p"}, "", []string{"up", "/run/p"}, true},
		{[]string{"add", "52:54:00:aa:00:01", "192.0.2.5", "g"}, "/var/lib/x.status", []string{"add", "52:54:00:aa:00:01", "192.0.2.5", "g"}, true},
		{[]string{"init"}, "/var/lib/x.status", []string{"init"}, true},
		{[]string{"add", "52:54:00:aa:00:01", "192.0.2.5"}, "", nil, false},
		{[]string{"--timeout", "120"}, "/var/lib/x.status", nil, false},
		{nil, "", nil, false},
	} {
		got, ok := helper.Invoked(c.args, env(c.lease))
		if ok != c.ok || strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("Invoked(%q, lease %q) = %q, %v; want %q, %v", c.args, c.lease, got, ok, c.want, c.ok)
		}
	}
}
