package bridge

import (
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/virtunit/virtunit/internal/netnstest"
)

// The tests re-run this test binary inside the namespace ("ip netns exec" gives it the
// namespace's /sys too), as os/exec's tests do: the child does the netlink work, the
// parent checks the result with iproute2.

const helperEnv = "VU_BRIDGE_TEST_HELPER"

func TestMain(m *testing.M) {
	if op := os.Getenv(helperEnv); op != "" {
		os.Exit(helperMain(op))
	}
	os.Exit(m.Run())
}

func helperMain(op string) int {
	var err error
	switch op {
	case "create":
		var c Config
		if err = json.Unmarshal([]byte(os.Getenv("VU_CONFIG")), &c); err == nil {
			_, err = Create(c)
		}
	case "delete":
		err = Delete(os.Getenv("VU_NAME"))
	case "tap":
		var c TapConfig
		if err = json.Unmarshal([]byte(os.Getenv("VU_CONFIG")), &c); err == nil {
			var t *Tap
			if t, err = CreateTap(c); err == nil {
				os.Stdout.WriteString(t.Name)
				t.Close()
			}
		}
	case "route":
		var in string
		if in, err = RouteInUse(netip.MustParsePrefix(os.Getenv("VU_NAME"))); err == nil {
			os.Stdout.WriteString(in)
		}
	}
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 1
	}
	return 0
}

func inNS(t *testing.T, ns *netnstest.NS, op string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns.Name, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, helperEnv+"="+op)...)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), &helperError{string(ee.Stderr)}
	}
	return string(out), err
}

type helperError struct{ msg string }

func (e *helperError) Error() string { return e.msg }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCreateConfiguresBridge(t *testing.T) {
	ns := netnstest.New(t)
	c := Config{Name: "virbr5", MAC: "52:54:00:12:34:56", MTU: 9000, STP: true, Delay: 4,
		Addrs:   []netip.Prefix{netip.MustParsePrefix("192.0.2.1/24"), netip.MustParsePrefix("2001:db8:5::1/64")},
		Routes:  []Route{{Dst: netip.MustParsePrefix("198.51.100.0/24"), Via: netip.MustParseAddr("192.0.2.9"), Metric: 7}},
		Forward: true}
	if _, err := inNS(t, ns, "create", "VU_CONFIG="+mustJSON(c)); err != nil {
		t.Fatal(err)
	}
	link := ns.MustRun(t, "ip", "-d", "link", "show", "virbr5")
	// An empty bridge has no carrier: its operational state is DOWN, its UP flag set.
	for _, want := range []string{"mtu 9000", "link/ether 52:54:00:12:34:56", "stp_state 1", "forward_delay 400", ",UP>"} {
		if !strings.Contains(link, want) {
			t.Errorf("link lacks %q:\n%s", want, link)
		}
	}
	addrs := ns.MustRun(t, "ip", "addr", "show", "virbr5")
	for _, want := range []string{"inet 192.0.2.1/24 brd 192.0.2.255", "inet6 2001:db8:5::1/64"} {
		if !strings.Contains(addrs, want) {
			t.Errorf("addresses lack %q:\n%s", want, addrs)
		}
	}
	if r := ns.MustRun(t, "ip", "route", "show", "198.51.100.0/24"); !strings.Contains(r, "via 192.0.2.9 dev virbr5") || !strings.Contains(r, "metric 7") {
		t.Errorf("static route: %q", r)
	}
	for k, want := range map[string]string{
		"/proc/sys/net/ipv4/ip_forward":               "1",
		"/proc/sys/net/ipv6/conf/virbr5/accept_ra":    "0",
		"/proc/sys/net/ipv6/conf/virbr5/autoconf":     "0",
		"/proc/sys/net/ipv6/conf/virbr5/disable_ipv6": "0",
	} {
		if got := strings.TrimSpace(ns.MustRun(t, "cat", k)); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	if in, err := inNS(t, ns, "route", "VU_NAME=192.0.2.0/24"); err != nil || in != "virbr5" {
		t.Errorf("route collision check: %q, %v", in, err)
	}
	if in, err := inNS(t, ns, "route", "VU_NAME=203.0.113.0/24"); err != nil || in != "" {
		t.Errorf("free subnet reported in use by %q, %v", in, err)
	}
	if _, err := inNS(t, ns, "delete", "VU_NAME=virbr5"); err != nil {
		t.Fatal(err)
	}
	if out, err := ns.Run("ip", "link", "show", "virbr5"); err == nil {
		t.Errorf("bridge still there after Delete:\n%s", out)
	}
	if _, err := inNS(t, ns, "delete", "VU_NAME=virbr5"); err != nil {
		t.Errorf("deleting a missing bridge: %v", err)
	}
}

// TestCreateWithReadOnlySys: STP and its forward delay are set through netlink, so a
// bridge comes up where /sys is mounted read-only, as in systemd-nspawn containers.
func TestCreateWithReadOnlySys(t *testing.T) {
	ns := netnstest.New(t)
	c := Config{Name: "virbr6", MAC: "52:54:00:12:34:57", STP: true, Delay: 3,
		Addrs: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/24")}}
	// "ip netns exec" mounts the namespace's own sysfs; the child makes that mount
	// read-only in a mount namespace of its own before it runs the test binary.
	cmd := exec.Command("ip", "netns", "exec", ns.Name, "unshare", "--mount", "--", "sh", "-c",
		`mount -o remount,bind,ro /sys && exec "$0" -test.run='^$'`, os.Args[0])
	cmd.Env = append(os.Environ(), "VU_CONFIG="+mustJSON(c), helperEnv+"=create")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("create with /sys read-only: %v\n%s", err, out)
	}
	link := ns.MustRun(t, "ip", "-d", "link", "show", "virbr6")
	for _, want := range []string{"stp_state 1", "forward_delay 300"} {
		if !strings.Contains(link, want) {
			t.Errorf("link lacks %q:\n%s", want, link)
		}
	}
}

func TestCreateIsolatedWithoutIPv6(t *testing.T) {
	ns := netnstest.New(t)
	c := Config{Name: "virbr6", MAC: "52:54:00:00:00:06", Addrs: []netip.Prefix{netip.MustParsePrefix("203.0.113.1/24")}}
	if _, err := inNS(t, ns, "create", "VU_CONFIG="+mustJSON(c)); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(ns.MustRun(t, "cat", "/proc/sys/net/ipv6/conf/virbr6/disable_ipv6")); got != "1" {
		t.Errorf("disable_ipv6 = %s on a bridge without IPv6 addresses", got)
	}
	if got := strings.TrimSpace(ns.MustRun(t, "cat", "/proc/sys/net/ipv4/ip_forward")); got != "0" {
		t.Errorf("an isolated network turned on forwarding")
	}
	// A second network wanting the same name fails and leaves the first alone.
	if _, err := inNS(t, ns, "create", "VU_CONFIG="+mustJSON(c)); err == nil {
		t.Fatal("creating an existing bridge succeeded")
	}
	if !strings.Contains(ns.MustRun(t, "ip", "addr", "show", "virbr6"), "203.0.113.1/24") {
		t.Error("failed second create damaged the first bridge")
	}
}

func TestTapOnBridge(t *testing.T) {
	ns := netnstest.New(t)
	ns.MustRun(t, "ip", "link", "add", "virbr8", "mtu", "1400", "type", "bridge")
	c := TapConfig{Name: "vnet%d", Bridge: "virbr8", MAC: "52:54:00:aa:bb:cc", Queues: 2, VnetHdr: true, Persist: true}
	name, err := inNS(t, ns, "tap", "VU_CONFIG="+mustJSON(c))
	if err != nil {
		t.Fatal(err)
	}
	if name != "vnet0" {
		t.Errorf("tap name %q, want vnet0", name)
	}
	link := ns.MustRun(t, "ip", "-d", "link", "show", name)
	for _, want := range []string{"master virbr8", "link/ether fe:54:00:aa:bb:cc", "mtu 1400", "multi_queue"} {
		if !strings.Contains(link, want) {
			t.Errorf("tap lacks %q:\n%s", want, link)
		}
	}
	// Without Persist the tap lives only as long as its descriptors: gone once the
	// helper exits.
	c.Persist = false
	name2, err := inNS(t, ns, "tap", "VU_CONFIG="+mustJSON(c))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := ns.Run("ip", "link", "show", name2); err == nil {
		t.Errorf("non-persistent tap %s outlived its descriptors:\n%s", name2, out)
	}
	if _, err := inNS(t, ns, "tap", "VU_CONFIG="+mustJSON(TapConfig{Name: "vnet9", Bridge: "lo", MAC: c.MAC})); err == nil {
		t.Error("a tap on a non-bridge was created")
	}
}
