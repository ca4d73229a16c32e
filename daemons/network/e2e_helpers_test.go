package network_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtunit/virtunit/daemons/daemontest"
	"github.com/virtunit/virtunit/internal/netnstest"
)

// The end-to-end tests run the real virtnetworkd as root, in a private mount namespace
// (daemontest's system mode) inside a network namespace of their own, and drive it with
// the real virsh. Bridges, dnsmasq and nftables rules exist only in that namespace; the
// addresses are TEST-NET ones.

// host is a daemon with its namespace and its state directory.
type host struct {
	*daemontest.Daemon
	ns    *nsT
	state string
}

// nsT is the host's network namespace, with the tests' own helpers.
type nsT struct{ *netnstest.NS }

func startHost(t *testing.T) *host {
	t.Helper()
	daemontest.RequireTool(t, "virsh", "dnsmasq", "nft", "ip", "busybox")
	h := &host{ns: &nsT{netnstest.New(t)}, state: t.TempDir()}
	h.start(t)
	return h
}

func (h *host) start(t *testing.T) {
	t.Helper()
	h.Daemon = daemontest.Start(t, "virtnetworkd", daemontest.Options{System: true, NetNS: h.ns.Name, State: h.state})
}

// restart ends the daemon with sig (SIGTERM, or SIGKILL for a crash) and starts another
// on the same state: /etc/libvirt, /run/libvirt and /var/lib/libvirt survive, as they do
// across a restart on a real host.
func (h *host) restart(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := h.Signal(sig); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.start(t)
}

// file writes content to a temporary file and returns its path, for virsh.
func file(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.xml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// netDef is a network definition for the tests: no STP (the kernel would hold new ports
// 4 s) and no ping check (dnsmasq would wait 3 s before offering an address).
func netDef(name, mode, br, addr string, dhcp bool) string {
	fwd := ""
	if mode != "" {
		fwd = fmt.Sprintf("<forward mode='%s'/>", mode)
	}
	d := ""
	if dhcp {
		base := addr[:strings.LastIndexByte(addr, '.')]
		d = fmt.Sprintf("<dhcp><range start='%s.100' end='%s.150'/></dhcp>", base, base)
	}
	return fmt.Sprintf(`<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
  <name>%s</name>%s
  <bridge name='%s' stp='off'/>
  <ip address='%s' prefix='24'>%s</ip>
  <dnsmasq:options><dnsmasq:option value='no-ping'/></dnsmasq:options>
</network>`, name, fwd, br, addr, d)
}

// guest is a second namespace on a veth into a bridge, standing in for a guest: busybox
// udhcpc asks the network's dnsmasq for a lease.
type guest struct {
	ns  *netnstest.NS
	mac string
}

func attachGuest(t *testing.T, h *host, br, ifname, mac string) *guest {
	t.Helper()
	g := &guest{ns: netnstest.New(t), mac: mac}
	h.ns.MustRun(t, "ip", "link", "add", ifname, "type", "veth", "peer", "name", "eth0", "netns", g.ns.Name)
	h.ns.MustRun(t, "ip", "link", "set", ifname, "master", br, "up")
	g.ns.MustRun(t, "ip", "link", "set", "eth0", "address", mac, "up")
	return g
}

// dhcp runs one DHCP exchange and returns the address obtained.
func (g *guest) dhcp(t *testing.T, hostname string) string {
	t.Helper()
	out, err := g.ns.Run("busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "10", "-T", "1",
		"-s", "/bin/true", "-x", "hostname:"+hostname)
	if err != nil {
		t.Fatalf("udhcpc: %v\n%s", err, out)
	}
	const marker = "lease of "
	i := strings.Index(out, marker)
	if i < 0 {
		t.Fatalf("udhcpc printed no lease:\n%s", out)
	}
	return strings.Fields(out[i+len(marker):])[0]
}

// eventually retries check for up to 5 s; the few things that happen after a reply
// (a dnsmasq restart, a lease script run) have no event to wait on from outside.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 5 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ruleset is the namespace's nftables ruleset without counters.
func (h *host) ruleset(t *testing.T) string {
	out := h.ns.MustRun(t, "nft", "list", "ruleset")
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "counter packets"); i >= 0 {
			rest := l[i+len("counter packets"):]
			f := strings.Fields(rest)
			if len(f) >= 3 {
				l = l[:i] + "counter" + strings.TrimPrefix(rest, " "+f[0]+" "+f[1]+" "+f[2])
			}
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// dnsmasqPid is the pid of the namespace's dnsmasq main process (not its script
// helper child), or "".
func (ns *nsT) dnsmasqPid() string {
	pids := ns.Pids("dnsmasq")
	for _, p := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		// The parent's pid is the fourth field, after the parenthesized command name.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 && !contains(pids, f[1]) {
			return fmt.Sprint(p)
		}
	}
	return ""
}

func contains(pids []int, s string) bool {
	for _, p := range pids {
		if fmt.Sprint(p) == s {
			return true
		}
	}
	return false
}
