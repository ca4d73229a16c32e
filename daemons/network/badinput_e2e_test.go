package network_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputChangesNothing: malformed XML, injection attempts and a colliding subnet
// give libvirt's errors and leave the host as it was: no interface, no rule, no file.
func TestBadInputChangesNothing(t *testing.T) {
	h := startHost(t)
	h.Virsh(t, "net-define", file(t, netDef("first", "nat", "virbr41", "192.0.2.1", true)))
	h.Virsh(t, "net-start", "first")
	links, rules := h.ns.MustRun(t, "ip", "-br", "link"), h.ruleset(t)
	files := listFiles(t, h.state)

	for _, c := range []struct{ name, xml, want string }{
		{"malformed", "<network><name>x</name>", "XML error"},
		{"newline in name", "<network><name>x&#10;dhcp-script=/tmp/evil</name><ip address='203.0.113.1' prefix='24'/></network>",
			`invalid char in name: '\n'`},
		{"newline in domain", "<network><name>x</name><domain name='a&#10;dhcp-script=/tmp/evil'/><ip address='203.0.113.1' prefix='24'/></network>",
			"Invalid domain name"},
		{"comma in host name", "<network><name>x</name><ip address='203.0.113.1' prefix='24'><dhcp><host mac='52:54:00:00:00:09' name='a,203.0.113.9,evil' ip='203.0.113.9'/></dhcp></ip></network>",
			"Cannot use host name"},
		{"bridge name taken", netDef("second", "nat", "virbr41", "198.51.100.1", false), "bridge name 'virbr41' already in use."},
		{"injected dnsmasq option", strings.Replace(netDef("x", "", "virbr49", "203.0.113.1", false), "no-ping", "no-ping&#10;dhcp-script=/tmp/evil", 1),
			"line breaks and control characters are not allowed"},
	} {
		_, errOut, err := h.VirshErr("net-define", file(t, c.xml))
		if err == nil || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: err %v, stderr %q, want %q", c.name, err, errOut, c.want)
		}
	}
	// A second network on the same subnet defines fine but cannot start: the first
	// network's route owns the subnet.
	h.Virsh(t, "net-define", file(t, netDef("clash", "nat", "virbr42", "192.0.2.1", true)))
	_, errOut, err := h.VirshErr("net-start", "clash")
	if err == nil || !strings.Contains(errOut, "internal error: Network is already in use by interface virbr41") {
		t.Errorf("colliding subnet: %v %s", err, errOut)
	}
	h.Virsh(t, "net-undefine", "clash")
	if _, errOut, err := h.VirshErr("net-start", "nosuch"); err == nil || !strings.Contains(errOut, "Network not found: no network with matching name 'nosuch'") {
		t.Errorf("missing network: %v %s", err, errOut)
	}
	if _, errOut, err := h.VirshErr("net-start", "first"); err == nil || !strings.Contains(errOut, "network is already active") {
		t.Errorf("second start: %v %s", err, errOut)
	}
	if _, errOut, err := h.VirshErr("net-update", "first", "add", "ip-dhcp-host", "<host mac='52:54:00:00:00:09' name='a b' ip='192.0.2.9'/>", "--live"); err == nil || !strings.Contains(errOut, "Cannot use host name 'a b'") {
		t.Errorf("injection through net-update: %v %s", err, errOut)
	}

	if got := h.ns.MustRun(t, "ip", "-br", "link"); got != links {
		t.Errorf("interfaces changed:\n%s\nwas:\n%s", got, links)
	}
	if got := h.ruleset(t); got != rules {
		t.Errorf("ruleset changed:\n%s\nwas:\n%s", got, rules)
	}
	if got := listFiles(t, h.state); got != files {
		t.Errorf("state files changed:\n%s\nwere:\n%s", got, files)
	}
}

// listFiles lists the files under dir, but for sockets and the daemon's log.
func listFiles(t *testing.T, dir string) string {
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && !strings.HasSuffix(p, ".log") {
			out = append(out, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	return strings.Join(out, "\n")
}
