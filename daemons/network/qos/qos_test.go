package qos

import (
	"net"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/virtunit/virtunit/internal/netnstest"
)

// shaperIn returns a Shaper working in a fresh namespace, with a bridge br0 and a veth
// pair v0/v1 in it.
func shaperIn(t *testing.T) (*Shaper, *netlink.Handle, *netnstest.NS) {
	t.Helper()
	ns := netnstest.New(t)
	ns.MustRun(t, "ip", "link", "add", "br0", "type", "bridge")
	ns.MustRun(t, "ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	for _, l := range []string{"br0", "v0", "v1"} {
		ns.MustRun(t, "ip", "link", "set", l, "up")
	}
	h, err := netns.GetFromName(ns.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	nl, err := netlink.NewHandleAt(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nl.Close)
	return New(nl), nl, ns
}

// classes maps the htb classes of a link by handle ("1:2") to their rate in bits/s.
func classes(t *testing.T, h *netlink.Handle, name string) map[string]uint64 {
	t.Helper()
	l, err := h.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := h.ClassList(l, netlink.HANDLE_NONE)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, c := range cs {
		if htb, ok := c.(*netlink.HtbClass); ok {
			out[netlink.HandleStr(htb.Handle)] = htb.Rate * 8
		}
	}
	return out
}

// qdiscKinds lists a link's qdiscs as "kind parent".
func qdiscKinds(t *testing.T, h *netlink.Handle, name string) string {
	t.Helper()
	l, err := h.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := h.QdiscList(l)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, q := range qs {
		out = append(out, q.Type()+" "+netlink.HandleStr(q.Attrs().Parent))
	}
	return strings.Join(out, ", ")
}

// TestNetworkHierarchy sets a network's bandwidth on its bridge the way libvirt does
// (hierarchical, swapped), plugs a floor for one MAC, moves the unguaranteed rate and
// clears it all again, checking what the kernel holds after each step.
func TestNetworkHierarchy(t *testing.T) {
	s, h, ns := shaperIn(t)
	net := &Bandwidth{In: &Rate{Average: 1000, Peak: 2000, Burst: 512}, Out: &Rate{Average: 800}}
	if err := s.Set("br0", net, true, true); err != nil {
		t.Fatal(err)
	}
	got := classes(t, h, "br0")
	if got["1:1"] != 8_000_000 || got["1:2"] != 8_000_000 {
		t.Errorf("bridge classes %v, want 1:1 and 1:2 at 8 Mbit/s", got)
	}
	q := qdiscKinds(t, h, "br0")
	if !strings.Contains(q, "htb root") || !strings.Contains(q, "ingress") || !(strings.Contains(q, "sfq 1:2") || strings.Contains(q, "pfifo 1:2")) {
		t.Errorf("bridge qdiscs: %s", q)
	}
	// The network's outbound (what the bridge receives) is policed, or shaped on an ifb.
	if l, err := h.LinkByName(IFBName("br0")); err == nil {
		if c := classes(t, h, l.Attrs().Name); c["1:1"] != 6_400_000 {
			t.Errorf("ifb classes %v, want 1:1 at 6.4 Mbit/s", c)
		}
	} else if out := ns.MustRun(t, "tc", "filter", "show", "dev", "br0", "ingress"); !strings.Contains(out, "police") {
		t.Errorf("neither a policer nor an ifb for the bridge's ingress:\n%s", out)
	}

	mac, _ := net2mac("52:54:00:12:34:56")
	if err := s.Plug("br0", net, mac, &Bandwidth{In: &Rate{Floor: 300}}, 3); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateRate("br0", 2, net, 1000-300); err != nil {
		t.Fatal(err)
	}
	got = classes(t, h, "br0")
	if got["1:3"] != 2_400_000 || got["1:2"] != 5_600_000 {
		t.Errorf("after the floor: %v, want 1:3 at 2.4 and 1:2 at 5.6 Mbit/s", got)
	}
	out := ns.MustRun(t, "tc", "filter", "show", "dev", "br0")
	for _, want := range []string{"flowid 1:3", "match 00000800/0000ffff at -4", "match 00123456/ffffffff at -12", "match 00005254/0000ffff at -16"} {
		if !strings.Contains(out, want) {
			t.Errorf("MAC filter lacks %q:\n%s", want, out)
		}
	}
	if err := s.Unplug("br0", 3); err != nil {
		t.Fatal(err)
	}
	if _, ok := classes(t, h, "br0")["1:3"]; ok {
		t.Error("class 1:3 left after Unplug")
	}
	s.Clear("br0")
	if got := classes(t, h, "br0"); len(got) != 0 {
		t.Errorf("classes left after Clear: %v", got)
	}
	if _, err := h.LinkByName(IFBName("br0")); err == nil {
		t.Error("ifb left after Clear")
	}
}

// TestInterface shapes a guest-side device without hierarchy, both ways round.
func TestInterface(t *testing.T) {
	s, h, _ := shaperIn(t)
	b := &Bandwidth{In: &Rate{Average: 100, Peak: 200, Burst: 64}, Out: &Rate{Average: 50}}
	// Not swapped (a macvtap): what the guest sends is what the device sends.
	if err := s.Set("v0", b, false, false); err != nil {
		t.Fatal(err)
	}
	if got := classes(t, h, "v0"); got["1:1"] != 400_000 {
		t.Errorf("v0 classes %v, want 1:1 at 400 kbit/s (outbound 50 KB/s)", got)
	}
	// Swapped (a tap): inbound is sent by the device.
	if err := s.Set("v1", b, false, true); err != nil {
		t.Fatal(err)
	}
	if got := classes(t, h, "v1"); got["1:1"] != 800_000 || len(got) != 1 {
		t.Errorf("v1 classes %v, want only 1:1 at 800 kbit/s", got)
	}
	s.Clear("v0")
	s.Clear("v1")
	for _, l := range []string{"v0", "v1"} {
		if got := classes(t, h, l); len(got) != 0 {
			t.Errorf("%s keeps classes %v", l, got)
		}
		if _, err := h.LinkByName(IFBName(l)); err == nil {
			t.Errorf("%s keeps its ifb", l)
		}
	}
	// A device that is gone leaves its ifb behind, and Clear finds it by name.
	if err := s.Set("v0", b, false, false); err != nil {
		t.Fatal(err)
	}
	l, _ := h.LinkByName("v0")
	h.LinkDel(l)
	s.Clear("v0")
	if _, err := h.LinkByName(IFBName("v0")); err == nil {
		t.Error("ifb of a deleted device left after Clear")
	}
}

func TestIFBName(t *testing.T) {
	if n := IFBName("vnet0"); n != "ifb-vnet0" {
		t.Errorf("IFBName(vnet0) = %q", n)
	}
	if n := IFBName("a-very-long-nm"); len(n) > 15 || n != IFBName("a-very-long-nm") || n == IFBName("a-very-long-nx") {
		t.Errorf("IFBName of a long name = %q", n)
	}
}

func net2mac(s string) (net.HardwareAddr, error) { return net.ParseMAC(s) }
