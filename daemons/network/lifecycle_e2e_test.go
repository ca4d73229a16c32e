package network_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNATRoutedIsolated starts one network of each kind through virsh and checks the
// bridges, addresses and ruleset in the namespace; destroying one leaves the others'
// rules whole.
func TestNATRoutedIsolated(t *testing.T) {
	h := startHost(t)
	nets := []struct{ name, mode, br, addr string }{
		{"nat1", "nat", "virbr11", "192.0.2.1"},
		{"routed1", "route", "virbr12", "198.51.100.1"},
		{"iso1", "", "virbr13", "203.0.113.1"},
	}
	for _, n := range nets {
		h.Virsh(t, "net-define", file(t, netDef(n.name, n.mode, n.br, n.addr, true)))
		h.Virsh(t, "net-start", n.name)
	}
	for _, n := range nets {
		addr := h.ns.MustRun(t, "ip", "-br", "addr", "show", n.br)
		if !strings.Contains(addr, n.addr+"/24") {
			t.Errorf("%s: bridge %s addresses: %s", n.name, n.br, addr)
		}
		info := h.Virsh(t, "net-info", n.name)
		for _, want := range []string{"Active:         yes", "Persistent:     yes", "Bridge:         " + n.br} {
			if !strings.Contains(info, want) {
				t.Errorf("net-info %s lacks %q:\n%s", n.name, want, info)
			}
		}
	}
	rules := h.ruleset(t)
	for _, want := range []string{
		`ip saddr 192.0.2.0/24 ip daddr != 192.0.2.0/24 counter masquerade`,
		`oif "virbr11" ip daddr 192.0.2.0/24 ct state established,related counter accept`,
		`ip daddr 198.51.100.0/24 oif "virbr12" counter accept`,
		`ip saddr 198.51.100.0/24 iif "virbr12" counter accept`,
		`iif "virbr13" counter reject`,
		`iif "virbr13" oif "virbr13" counter accept`,
	} {
		if !strings.Contains(rules, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, rules)
		}
	}
	if strings.Contains(rules, "203.0.113.0/24") {
		t.Errorf("the isolated network forwards:\n%s", rules)
	}

	h.Virsh(t, "net-destroy", "nat1")
	after := h.ruleset(t)
	for _, l := range strings.Split(rules, "\n") {
		if (strings.Contains(l, "virbr12") || strings.Contains(l, "virbr13")) && !strings.Contains(after, l) {
			t.Errorf("destroying nat1 removed another network's rule %q", l)
		}
	}
	if strings.Contains(after, "virbr11") || strings.Contains(after, "192.0.2.0") {
		t.Errorf("nat1's rules survive its destroy:\n%s", after)
	}
	if _, err := h.ns.Run("ip", "link", "show", "virbr11"); err == nil {
		t.Error("nat1's bridge survives its destroy")
	}
	for _, n := range nets[1:] {
		h.Virsh(t, "net-destroy", n.name)
	}
	for _, n := range nets {
		h.Virsh(t, "net-undefine", n.name)
	}
	if strings.Contains(h.ruleset(t), "comment") {
		t.Errorf("rules left after all networks are gone:\n%s", h.ruleset(t))
	}
	if links := h.ns.MustRun(t, "ip", "-br", "link"); strings.Count(strings.TrimSpace(links), "\n") != 0 {
		t.Errorf("interfaces left:\n%s", links)
	}
}

// TestListsAndXML covers net-list's filters, net-uuid/net-name, dumpxml live and
// inactive, and autostart links.
func TestListsAndXML(t *testing.T) {
	h := startHost(t)
	h.Virsh(t, "net-define", file(t, netDef("a", "nat", "virbr21", "192.0.2.1", false)))
	h.Virsh(t, "net-define", file(t, netDef("b", "route", "virbr22", "198.51.100.1", false)))
	h.Virsh(t, "net-create", file(t, netDef("t", "", "virbr23", "203.0.113.1", false)))
	h.Virsh(t, "net-start", "a")
	h.Virsh(t, "net-autostart", "b")
	for args, want := range map[string]string{
		"net-list --name":                        "a\nt",
		"net-list --all --name":                  "a\nb\nt",
		"net-list --inactive --name":             "b",
		"net-list --all --persistent --name":     "a\nb",
		"net-list --all --transient --name":      "t",
		"net-list --all --autostart --name":      "b",
		"net-list --all --no-autostart --name":   "a\nt",
		"net-list --inactive --autostart --name": "b",
	} {
		if got := strings.TrimSpace(h.Virsh(t, strings.Fields(args)...)); got != want {
			t.Errorf("virsh %s = %q, want %q", args, got, want)
		}
	}
	uuid := strings.TrimSpace(h.Virsh(t, "net-uuid", "a"))
	if got := strings.TrimSpace(h.Virsh(t, "net-name", uuid)); got != "a" {
		t.Errorf("net-name %s = %q", uuid, got)
	}
	table := h.Virsh(t, "net-list", "--all")
	for _, row := range []string{"a active no yes", "b inactive yes yes", "t active no no"} {
		if !strings.Contains(strings.Join(strings.Fields(table), " "), row) {
			t.Errorf("net-list --all lacks row %q:\n%s", row, table)
		}
	}
	if target, err := os.Readlink(filepath.Join(h.state, "etc/qemu/networks/autostart/b.xml")); err != nil || target != "/etc/libvirt/qemu/networks/b.xml" {
		t.Errorf("autostart link: %q, %v", target, err)
	}
	live := h.Virsh(t, "net-dumpxml", "a")
	inactive := h.Virsh(t, "net-dumpxml", "--inactive", "a")
	if !strings.Contains(live, "<port start='1024' end='65535'/>") || strings.Contains(inactive, "<port start") {
		t.Errorf("live XML should show the NAT port range, inactive should not:\nlive:\n%s\ninactive:\n%s", live, inactive)
	}
	// A define while running changes the next start, not the running network.
	redef := strings.Replace(netDef("a", "nat", "virbr21", "192.0.2.1", false), "<network ", "<network ipv6='yes' ", 1)
	redef = strings.Replace(redef, "<name>a</name>", "<name>a</name><uuid>"+uuid+"</uuid>", 1)
	h.Virsh(t, "net-define", file(t, redef))
	if strings.Contains(h.Virsh(t, "net-dumpxml", "a"), "ipv6='yes'") || !strings.Contains(h.Virsh(t, "net-dumpxml", "--inactive", "a"), "ipv6='yes'") {
		t.Error("redefining a running network changed its live definition")
	}
	// Bridge names: allocated (virbrN, skipping those in use) or from a template.
	h.Virsh(t, "net-define", file(t, "<network><name>auto1</name><ip address='192.0.2.129' prefix='25'/></network>"))
	h.Virsh(t, "net-define", file(t, "<network><name>auto2</name><bridge name='vu%d'/><ip address='192.0.2.65' prefix='26'/></network>"))
	for name, want := range map[string]string{"auto1": "virbr0", "auto2": "vu0"} {
		if got := strings.TrimSpace(grep(h.Virsh(t, "net-info", name), "Bridge:")); !strings.HasSuffix(got, " "+want) {
			t.Errorf("%s got bridge %q, want %s", name, got, want)
		}
	}
	h.Virsh(t, "net-destroy", "t")
	if out, _, err := h.VirshErr("net-info", "t"); err == nil {
		t.Errorf("transient network outlived its destroy: %s", out)
	}
	h.Virsh(t, "net-undefine", "a")
	if got := strings.TrimSpace(h.Virsh(t, "net-list", "--all", "--transient", "--name")); got != "a" {
		t.Errorf("undefining a running network should make it transient; transient: %q", got)
	}
}

// TestDnsmasqStart: net-start returns once dnsmasq runs and has written the pid file
// its config names (libvirt's /run/libvirt/network/NAME.pid, never dnsmasq's compiled-in
// default, which a host's own dnsmasq owns); a dnsmasq that cannot start fails net-start
// with its own words and leaves nothing behind.
func TestDnsmasqStart(t *testing.T) {
	h := startHost(t)
	h.Virsh(t, "net-define", file(t, netDef("up", "nat", "virbr31", "192.0.2.1", true)))
	h.Virsh(t, "net-start", "up")
	pidFile := filepath.Join(h.state, "run/libvirt/network/up.pid")
	b, err := os.ReadFile(pidFile) // at once: the start waited for it
	if err != nil {
		t.Fatalf("after net-start: %v", err)
	}
	if got, want := strings.TrimSpace(string(b)), h.ns.dnsmasqPid(); got != want {
		t.Errorf("pid file holds %q, dnsmasq runs as %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(h.state, "run/dnsmasq.pid")); err == nil {
		t.Error("dnsmasq wrote its default pid file")
	}
	h.Virsh(t, "net-destroy", "up")
	if _, err := os.Stat(pidFile); err == nil {
		t.Error("net-destroy left the pid file")
	}

	links := h.ns.MustRun(t, "ip", "-br", "link")
	bad := strings.Replace(netDef("bad", "nat", "virbr32", "198.51.100.1", true), "value='no-ping'", "value='no-such-option'", 1)
	h.Virsh(t, "net-define", file(t, bad))
	_, errOut, err := h.VirshErr("net-start", "bad")
	if err == nil || !strings.Contains(errOut, "error: internal error: Child process (VIR_BRIDGE_NAME=virbr32 ") ||
		!strings.Contains(errOut, "unexpected exit status 1: \ndnsmasq: bad option at line") {
		t.Errorf("net-start of a network whose dnsmasq cannot start: %v %s", err, errOut)
	}
	if info := h.Virsh(t, "net-info", "bad"); !strings.Contains(info, "Active:         no") {
		t.Errorf("failed network is active:\n%s", info)
	}
	if got := h.ns.MustRun(t, "ip", "-br", "link"); got != links {
		t.Errorf("failed start left interfaces:\n%s\nwas:\n%s", got, links)
	}
	if p := h.ns.dnsmasqPid(); p != "" {
		t.Errorf("dnsmasq %s still runs after the failed start", p)
	}
}
