package firewall

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/nftables"

	"github.com/virtunit/virtunit/internal/netnstest"
)

func connIn(t *testing.T, ns *netnstest.NS) *Conn {
	t.Helper()
	f, err := os.Open(ns.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	c, err := New(nftables.WithNetNSFd(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bridgeIn(t *testing.T, ns *netnstest.NS, name string) int {
	ns.MustRun(t, "ip", "link", "add", name, "type", "bridge")
	return ns.Ifindex(t, name)
}

// ruleset is the namespace's ruleset as nft prints it, without counter values.
func ruleset(t *testing.T, ns *netnstest.NS) string {
	return strings.ReplaceAll(ns.MustRun(t, "nft", "list", "ruleset"), "counter packets 0 bytes 0 ", "counter ")
}

const natRoute = `table ip libvirt_network {
	chain forward {
		type filter hook forward priority filter; policy accept;
		counter jump guest_cross
		counter jump guest_input
		counter jump guest_output
	}

	chain guest_output {
		ip saddr 198.51.100.0/24 iif "virbr2" counter accept comment "route"
		iif "virbr2" counter reject comment "route"
		ip saddr 192.0.2.0/24 iif "virbr1" oifname "eth9" counter accept comment "nat"
		iif "virbr1" counter reject comment "nat"
	}

	chain guest_input {
		ip daddr 198.51.100.0/24 oif "virbr2" counter accept comment "route"
		oif "virbr2" counter reject comment "route"
		iifname "eth9" oif "virbr1" ip daddr 192.0.2.0/24 ct state established,related counter accept comment "nat"
		oif "virbr1" counter reject comment "nat"
	}

	chain guest_cross {
		iif "virbr2" oif "virbr2" counter accept comment "route"
		iif "virbr1" oif "virbr1" counter accept comment "nat"
	}

	chain guest_nat {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "eth9" ip saddr 192.0.2.0/24 ip daddr 224.0.0.0/24 counter return comment "nat"
		oifname "eth9" ip saddr 192.0.2.0/24 ip daddr 255.255.255.255 counter return comment "nat"
		meta l4proto tcp ip saddr 192.0.2.0/24 ip daddr != 192.0.2.0/24 oifname "eth9" counter snat to 203.0.113.10-203.0.113.20:2000-3000 comment "nat"
		meta l4proto udp ip saddr 192.0.2.0/24 ip daddr != 192.0.2.0/24 oifname "eth9" counter snat to 203.0.113.10-203.0.113.20:2000-3000 comment "nat"
		ip saddr 192.0.2.0/24 ip daddr != 192.0.2.0/24 oifname "eth9" counter snat to 203.0.113.10-203.0.113.20 comment "nat"
	}
}
table ip6 libvirt_network {
	chain forward {
		type filter hook forward priority filter; policy accept;
		counter jump guest_cross
		counter jump guest_input
		counter jump guest_output
	}

	chain guest_output {
	}

	chain guest_input {
	}

	chain guest_cross {
	}

	chain guest_nat {
		type nat hook postrouting priority srcnat; policy accept;
	}
}
`

// TestTwoNetworksSideBySide installs a NAT and a routed network and removes the first:
// the second's rules stay whole, and re-applying never duplicates.
func TestTwoNetworksSideBySide(t *testing.T) {
	ns := netnstest.New(t)
	c := connIn(t, ns)
	nat := Spec{Tag: "nat", Bridge: "virbr1", BridgeIndex: bridgeIn(t, ns, "virbr1"), Mode: "nat", ForwardDev: "eth9",
		Nets:     []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		NATStart: netip.MustParseAddr("203.0.113.10"), NATEnd: netip.MustParseAddr("203.0.113.20"),
		PortStart: 2000, PortEnd: 3000}
	routed := Spec{Tag: "route", Bridge: "virbr2", BridgeIndex: bridgeIn(t, ns, "virbr2"), Mode: "route",
		Nets: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}
	rmNat, err := c.Apply(nat)
	if err != nil {
		t.Fatal(err)
	}
	if len(rmNat.Rules) != 10 {
		t.Errorf("NAT network removal list has %d rules, want 10: %+v", len(rmNat.Rules), rmNat)
	}
	if _, err := c.Apply(routed); err != nil {
		t.Fatal(err)
	}
	// Applying again (a restarted helper) replaces rather than duplicates.
	rmRoute, err := c.Apply(routed)
	if err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, ns); got != natRoute {
		t.Fatalf("ruleset:\n%s\nwant:\n%s", got, natRoute)
	}
	before := ruleset(t, ns)
	strays, err := c.Remove(rmNat)
	if err != nil || len(strays) != 0 {
		t.Fatalf("remove: %v, strays %v", err, strays)
	}
	after := ruleset(t, ns)
	for _, l := range strings.Split(before, "\n") {
		if strings.Contains(l, `"route"`) && !strings.Contains(after, l) {
			t.Errorf("removing the NAT network lost the routed network's rule %q", l)
		}
	}
	if strings.Contains(after, `"nat"`) {
		t.Errorf("NAT rules left after removal:\n%s", after)
	}
	// A second removal (a teardown retried after a crash) finds nothing to do.
	if strays, err := c.Remove(rmNat); err != nil || len(strays) != 0 {
		t.Fatalf("second remove: %v, %v", err, strays)
	}
	if _, err := c.Remove(rmRoute); err != nil {
		t.Fatal(err)
	}
	if got := ruleset(t, ns); strings.Contains(got, "comment") {
		t.Errorf("rules left:\n%s", got)
	}
}

// TestIsolatedAndIPv6 checks the catch-all rules of an isolated network and the IPv6
// routing rules a NAT network gets for its IPv6 address.
func TestIsolatedAndIPv6(t *testing.T) {
	ns := netnstest.New(t)
	c := connIn(t, ns)
	iso := Spec{Tag: "iso", Bridge: "virbr3", BridgeIndex: bridgeIn(t, ns, "virbr3"),
		Nets: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}}
	v6 := Spec{Tag: "v6", Bridge: "virbr4", BridgeIndex: bridgeIn(t, ns, "virbr4"), Mode: "nat",
		Nets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/25"), netip.MustParsePrefix("2001:db8:1::/64")}}
	for _, s := range []Spec{iso, v6} {
		if _, err := c.Apply(s); err != nil {
			t.Fatal(err)
		}
	}
	got := ruleset(t, ns)
	for _, want := range []string{
		`iif "virbr3" counter reject comment "iso"`,
		`oif "virbr3" counter reject comment "iso"`,
		`iif "virbr3" oif "virbr3" counter accept comment "iso"`,
		`ip6 saddr 2001:db8:1::/64 iif "virbr4" counter accept comment "v6"`,
		`ip6 daddr 2001:db8:1::/64 oif "virbr4" counter accept comment "v6"`,
		`meta l4proto tcp ip saddr 192.0.2.0/25 ip daddr != 192.0.2.0/25 counter masquerade to :1024-65535 comment "v6"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, `saddr 203.0.113.0/24`) {
		t.Errorf("isolated network got forwarding rules:\n%s", got)
	}
	if open, err := c.Apply(Spec{Tag: "open", Mode: "open"}); err != nil || len(open.Rules) != 0 {
		t.Errorf("open network: %+v, %v", open, err)
	}
}
