package network_test

import (
	"strings"
	"testing"
)

// TestDHCPLeasesAndUpdates: a busybox udhcpc guest on a veth into a NAT network's bridge
// gets a lease in the range, which net-dhcp-leases shows with its MAC and hostname; a
// static host added with net-update is honoured on the next lease, without restarting
// dnsmasq; a DNS host added live resolves; dnsmasq killed with -9 comes back by itself
// and still knows the lease.
func TestDHCPLeasesAndUpdates(t *testing.T) {
	h := startHost(t)
	h.Virsh(t, "net-define", file(t, netDef("lan", "nat", "virbr31", "192.0.2.1", true)))
	h.Virsh(t, "net-start", "lan")
	g := attachGuest(t, h, "virbr31", "vu-g1", "52:54:00:10:00:01")
	other := attachGuest(t, h, "virbr31", "vu-g2", "52:54:00:10:00:02")

	ip := g.dhcp(t, "guest1")
	if !strings.HasPrefix(ip, "192.0.2.1") || ip < "192.0.2.100" || ip > "192.0.2.150" {
		t.Fatalf("lease %s outside 192.0.2.100-150", ip)
	}
	other.dhcp(t, "guest2")
	var leases string
	eventually(t, "both leases listed", func() bool {
		leases = h.Virsh(t, "net-dhcp-leases", "lan")
		return strings.Contains(leases, "52:54:00:10:00:01") && strings.Contains(leases, "52:54:00:10:00:02")
	})
	row := strings.Join(strings.Fields(grep(leases, "52:54:00:10:00:01")), " ")
	if !strings.Contains(row, "52:54:00:10:00:01 ipv4 "+ip+"/24 guest1") {
		t.Errorf("lease row %q", row)
	}
	mine := h.Virsh(t, "net-dhcp-leases", "lan", "--mac", "52:54:00:10:00:02")
	if strings.Contains(mine, "52:54:00:10:00:01") || !strings.Contains(mine, "guest2") {
		t.Errorf("net-dhcp-leases --mac 52:54:00:10:00:02:\n%s", mine)
	}
	if _, errOut, err := h.VirshErr("net-dhcp-leases", "lan", "--mac", "zz"); err == nil || !strings.Contains(errOut, "invalid MAC address: zz") {
		t.Errorf("bad --mac: %v %s", err, errOut)
	}

	pid := dnsmasqPid(t, h)
	h.Virsh(t, "net-update", "lan", "add", "ip-dhcp-host",
		"<host mac='52:54:00:10:00:01' name='fixed' ip='192.0.2.77'/>", "--live", "--config")
	if p := dnsmasqPid(t, h); p != pid {
		t.Errorf("adding a host restarted dnsmasq (%s -> %s); it should only reload", pid, p)
	}
	if got := g.dhcp(t, "guest1"); got != "192.0.2.77" {
		t.Errorf("after net-update the guest got %s, want the static 192.0.2.77", got)
	}
	for _, flag := range []string{"", "--inactive"} {
		args := []string{"net-dumpxml", "lan"}
		if flag != "" {
			args = append(args, flag)
		}
		if !strings.Contains(h.Virsh(t, args...), "<host mac='52:54:00:10:00:01' name='fixed' ip='192.0.2.77'/>") {
			t.Errorf("net-dumpxml %s lacks the new host", flag)
		}
	}
	if _, errOut, err := h.VirshErr("net-update", "lan", "add", "ip-dhcp-host",
		"<host mac='52:54:00:10:00:01' ip='192.0.2.78'/>", "--live"); err == nil ||
		!strings.Contains(errOut, "there is an existing dhcp host entry in network 'lan' that matches") {
		t.Errorf("duplicate host: %v %s", err, errOut)
	}

	h.Virsh(t, "net-update", "lan", "add", "dns-host",
		"<host ip='192.0.2.60'><hostname>printer</hostname></host>", "--live")
	eventually(t, "the new DNS host resolves", func() bool {
		out, _ := h.ns.Run("busybox", "nslookup", "printer", "192.0.2.1")
		return strings.Contains(out, "192.0.2.60")
	})
	h.Virsh(t, "net-update", "lan", "delete", "dns-host", "<host ip='192.0.2.60'/>", "--live")

	// dnsmasq dies: its unit restarts it, and it learns the leases back from the helper.
	h.ns.MustRun(t, "kill", "-9", pid)
	eventually(t, "dnsmasq restarted and serving DHCP", func() bool {
		p := h.ns.dnsmasqPid()
		socks, _ := h.ns.Run("ss", "-Hlunp", "sport = :67")
		return p != "" && p != pid && strings.Contains(socks, "pid="+p+",")
	})
	if got := other.dhcp(t, "guest2"); !strings.HasPrefix(got, "192.0.2.") {
		t.Errorf("after the restart the second guest got %q", got)
	}
	if !strings.Contains(h.Virsh(t, "net-dhcp-leases", "lan"), "192.0.2.77") {
		t.Error("lease of the static host lost across the dnsmasq restart")
	}
}

func grep(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// dnsmasqPid is the pid of the namespace's dnsmasq main process.
func dnsmasqPid(t *testing.T, h *host) string {
	t.Helper()
	p := h.ns.dnsmasqPid()
	if p == "" {
		t.Fatal("no dnsmasq runs in the namespace")
	}
	return p
}
