package iface_test

import (
	"reflect"
	"strings"
	"testing"
)

// routes lists the namespace's IPv4 main-table routes as ip prints them, one a line.
func routes(t *testing.T, ns string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(ipn(t, ns, "-4 route show")), "\n") {
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	return out
}

// TestIfaceBridgeMovesAddresses runs virsh iface-bridge and iface-unbridge on a veth
// carrying an address and a static route: the address and the routes move to the
// bridge, so the host holds one route for the subnet, and come back to the veth when
// the bridge goes.
func TestIfaceBridgeMovesAddresses(t *testing.T) {
	t.Parallel()
	ns := netNS(t)
	ipn(t, ns, "link add ib0 type veth peer name ib0p")
	ipn(t, ns, "link set ib0 up")
	ipn(t, ns, "link set ib0p up")
	ipn(t, ns, "addr add 198.51.100.5/24 dev ib0")
	ipn(t, ns, "route add 192.0.2.0/24 via 198.51.100.1 dev ib0")
	before := routes(t, ns)
	d := startIn(t, ns)

	d.Virsh(t, "iface-bridge", "ib0", "ibr0", "--no-stp")
	host := links(t, ns)
	if got := host["ibr0"].addrs(); !reflect.DeepEqual(got, []string{"198.51.100.5/24"}) || !host["ibr0"].up() {
		t.Errorf("ibr0 after iface-bridge: up %v, addresses %v", host["ibr0"].up(), got)
	}
	if got := host["ib0"].addrs(); len(got) != 0 || host["ib0"].Master != "ibr0" {
		t.Errorf("ib0 after iface-bridge: master %q, addresses %v; want a port of ibr0 without addresses", host["ib0"].Master, got)
	}
	want := []string{"192.0.2.0/24 via 198.51.100.1 dev ibr0", "198.51.100.0/24 dev ibr0 proto kernel scope link src 198.51.100.5"}
	if got := routes(t, ns); !reflect.DeepEqual(got, want) {
		t.Errorf("routes after iface-bridge:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	d.Virsh(t, "iface-unbridge", "ibr0")
	host = links(t, ns)
	if _, ok := host["ibr0"]; ok {
		t.Error("ibr0 is left after iface-unbridge")
	}
	if got := host["ib0"].addrs(); !reflect.DeepEqual(got, []string{"198.51.100.5/24"}) || host["ib0"].Master != "" || !host["ib0"].up() {
		t.Errorf("ib0 after iface-unbridge: up %v master %q addresses %v", host["ib0"].up(), host["ib0"].Master, got)
	}
	if got := routes(t, ns); !reflect.DeepEqual(got, before) {
		t.Errorf("routes after iface-unbridge:\n%s\nbefore iface-bridge:\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
	}
}
