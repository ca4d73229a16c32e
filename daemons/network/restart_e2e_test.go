package network_test

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestDaemonRestart restarts the daemon, gracefully and with kill -9, under a running
// network with a guest's lease: the network stays up, dnsmasq keeps running (the same
// process), no rule is duplicated, net-list and net-dhcp-leases are right afterwards,
// an autostart network comes up at daemon start, a dnsmasq that died while the daemon
// was down is started again, and a destroy after all that removes exactly the rules.
func TestDaemonRestart(t *testing.T) {
	h := startHost(t)
	h.Virsh(t, "net-define", file(t, netDef("r1", "nat", "virbr81", "192.0.2.1", true)))
	h.Virsh(t, "net-start", "r1")
	h.Virsh(t, "net-define", file(t, netDef("r2", "route", "virbr82", "198.51.100.1", false)))
	h.Virsh(t, "net-autostart", "r2")
	g := attachGuest(t, h, "virbr81", "vu-r1", "52:54:00:30:00:01")
	ip := g.dhcp(t, "kept")
	pid := dnsmasqPid(t, h)
	rules := h.ruleset(t)

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		h.restart(t, sig)
		if got := strings.TrimSpace(h.Virsh(t, "net-list", "--name")); got != "r1\nr2" {
			t.Errorf("after %v: active networks %q, want r1 and the autostarted r2", sig, got)
		}
		if p := dnsmasqPid(t, h); p != pid {
			t.Errorf("after %v: dnsmasq %s replaced by %s", sig, pid, p)
		}
		if !strings.Contains(h.Virsh(t, "net-dhcp-leases", "r1"), ip) {
			t.Errorf("after %v: lease %s not listed", sig, ip)
		}
		now := h.ruleset(t)
		for _, l := range strings.Split(rules, "\n") {
			if strings.Contains(l, "comment") && strings.Count(now, l) != 1 {
				t.Errorf("after %v: rule %q appears %d times", sig, l, strings.Count(now, l))
			}
		}
	}

	// dnsmasq dies while the daemon is down: the restarted daemon starts it again.
	if err := h.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.ns.MustRun(t, "kill", "-9", pid)
	h.start(t)
	eventually(t, "dnsmasq back after the daemon restart", func() bool {
		p := h.ns.dnsmasqPid()
		return p != "" && p != pid
	})
	if got := g.dhcp(t, "kept"); got != ip {
		t.Errorf("the guest's address changed across the restarts: %s, now %s", ip, got)
	}

	h.Virsh(t, "net-destroy", "r1")
	h.Virsh(t, "net-destroy", "r2")
	if left := h.ruleset(t); strings.Contains(left, "comment") {
		t.Errorf("rules left after destroy:\n%s", left)
	}
}

// TestTimeoutWaitsForNetworks: with --timeout, an active network keeps the daemon
// running (Env.Inhibit); once it is destroyed the daemon exits when idle.
func TestTimeoutWaitsForNetworks(t *testing.T) {
	h := startHost(t)
	h.Virsh(t, "net-define", file(t, netDef("keep", "", "virbr91", "203.0.113.1", false)))
	h.Virsh(t, "net-start", "keep")
	h.Daemon.Stop()
	h.Daemon = daemontest.Start(t, "virtnetworkd", daemontest.Options{System: true, NetNS: h.ns.Name, State: h.state, Args: []string{"--timeout", "1"}})
	if _, err := h.Wait(1500 * time.Millisecond); err == nil {
		t.Fatal("the daemon exited on --timeout with a network running")
	}
	h.Virsh(t, "net-destroy", "keep")
	if _, err := h.Wait(5 * time.Second); err != nil {
		t.Fatalf("the daemon did not exit once idle: %v", err)
	}
}
