package network_test

import (
	"strings"
	"testing"

	"github.com/virtunit/virtunit/daemons/daemontest"
)

// TestNetworkPorts is what virtqemud does for a guest's <interface type='network'>:
// create a port, read where to plug the tap, delete the port when the guest stops.
func TestNetworkPorts(t *testing.T) {
	h := startHost(t)
	h.Virsh(t, "net-define", file(t, netDef("p", "nat", "virbr61", "192.0.2.1", false)))
	port := `<networkport>
  <uuid>11111111-2222-4333-8444-555555555555</uuid>
  <owner><name>vm1</name><uuid>aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee</uuid></owner>
  <mac address='52:54:00:20:00:01'/>
</networkport>`
	if _, errOut, err := h.VirshErr("net-port-create", "p", file(t, port)); err == nil || !strings.Contains(errOut, "network 'p' is not active") {
		t.Errorf("port on an inactive network: %v %s", err, errOut)
	}
	h.Virsh(t, "net-start", "p")
	h.Virsh(t, "net-port-create", "p", file(t, port))
	if list := h.Virsh(t, "net-port-list", "p"); !strings.Contains(list, "11111111-2222-4333-8444-555555555555") {
		t.Errorf("net-port-list:\n%s", list)
	}
	xml := h.Virsh(t, "net-port-dumpxml", "p", "11111111-2222-4333-8444-555555555555")
	if !strings.Contains(xml, "<plug type='network' bridge='virbr61'/>") || !strings.Contains(xml, "<name>vm1</name>") {
		t.Errorf("net-port-dumpxml:\n%s", xml)
	}
	if _, errOut, err := h.VirshErr("net-port-create", "p", file(t, port)); err == nil || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate port: %v %s", err, errOut)
	}
	noOwner := strings.Replace(port, "<owner><name>vm1</name><uuid>aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee</uuid></owner>", "", 1)
	if _, errOut, err := h.VirshErr("net-port-create", "p", file(t, noOwner)); err == nil || !strings.Contains(errOut, "network port has no owner name") {
		t.Errorf("port without owner: %v %s", err, errOut)
	}
	h.Virsh(t, "net-port-delete", "p", "11111111-2222-4333-8444-555555555555")
	if list := h.Virsh(t, "net-port-list", "p"); strings.Contains(list, "11111111") {
		t.Errorf("port listed after delete:\n%s", list)
	}
	// virsh 9.0 prints only "failed to get network port" (and exits 0); the library
	// sees libvirt's error.
	py := "import libvirt, sys\n" +
		"c = libvirt.open(sys.argv[1])\n" +
		"try:\n c.networkLookupByName('p').portLookupByUUIDString(sys.argv[2])\n" +
		"except libvirt.libvirtError as e:\n print(e.get_error_code(), e)\n"
	out, errOut, err := daemontest.Run(t.Context(), nil, "/usr/bin/python3", "-c", py, h.URI(""), "11111111-2222-4333-8444-555555555555")
	if err != nil || !strings.Contains(out, "107 network port not found: Network port with UUID 11111111-2222-4333-8444-555555555555 does not exist") {
		t.Errorf("lookup of a deleted port: %v %q %s", err, out, errOut)
	}
}
