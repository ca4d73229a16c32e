// Package netnstest gives a test a network namespace of its own, made with
// "ip netns add" and deleted when the test ends, so that bridges, firewall rules and
// dnsmasq never touch the host's network.
package netnstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// NS is a named network namespace.
type NS struct {
	Name string
}

// New creates a namespace with its loopback up. Anything still running in it when the
// test ends is killed before the namespace is deleted.
func New(t testing.TB) *NS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("network namespace tests need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("ip (iproute2) is not installed: these tests create network namespaces with it")
	}
	var b [4]byte
	rand.Read(b[:])
	ns := &NS{Name: "vu-net-" + hex.EncodeToString(b[:])}
	if out, err := exec.Command("ip", "netns", "add", ns.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v\n%s", ns.Name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "pids", ns.Name).Output(); err == nil {
			for _, f := range strings.Fields(string(out)) {
				if pid, err := strconv.Atoi(f); err == nil {
					if p, err := os.FindProcess(pid); err == nil {
						p.Kill()
					}
				}
			}
		}
		if out, err := exec.Command("ip", "netns", "del", ns.Name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v\n%s", ns.Name, err, out)
		}
	})
	ns.MustRun(t, "ip", "link", "set", "lo", "up")
	return ns
}

// Path is the namespace's bind mount, for setns.
func (ns *NS) Path() string { return filepath.Join("/run/netns", ns.Name) }

// Run runs a command inside the namespace and returns its combined output.
func (ns *NS) Run(name string, args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"netns", "exec", ns.Name, name}, args...)...).CombinedOutput()
	return string(out), err
}

// MustRun is Run that fails the test on error.
func (ns *NS) MustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := ns.Run(name, args...)
	if err != nil {
		t.Fatalf("in %s: %s %s: %v\n%s", ns.Name, name, strings.Join(args, " "), err, out)
	}
	return out
}

// Ifindex is the index of interface name in the namespace.
func (ns *NS) Ifindex(t testing.TB, name string) int {
	t.Helper()
	out := ns.MustRun(t, "cat", "/sys/class/net/"+name+"/ifindex")
	i, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("ifindex of %s: %q", name, out)
	}
	return i
}

// Pids lists the processes in the namespace whose command name is comm. Tools such as
// pgrep see every process of the host; this sees the namespace's only.
func (ns *NS) Pids(comm string) []int {
	out, err := exec.Command("ip", "netns", "pids", ns.Name).Output()
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if c, err := os.ReadFile("/proc/" + f + "/comm"); err == nil && strings.TrimSpace(string(c)) == comm {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Pair makes two namespaces joined by a veth pair, as two hosts on one link:
// 198.51.100.1/24 in the first, 198.51.100.2/24 in the second. The veth is created
// from inside the first namespace, so the host's own namespace never holds it.
func Pair(t testing.TB) (a, b *NS) {
	t.Helper()
	a, b = New(t), New(t)
	a.MustRun(t, "ip", "link", "add", "vu-host", "type", "veth", "peer", "name", "vu-host", "netns", b.Name)
	for i, ns := range []*NS{a, b} {
		ns.MustRun(t, "ip", "addr", "add", fmt.Sprintf("%s/24", PairAddr(i)), "dev", "vu-host")
		ns.MustRun(t, "ip", "link", "set", "vu-host", "up")
	}
	return a, b
}

// PairAddr is the address of host i (0 or 1) of a Pair.
func PairAddr(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) }
