package iface

import (
	"errors"
	"net"
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/virtunit/virtunit/daemons/virerror"
)

func parentAt(idx int) func(string) (int, error) {
	return func(name string) (int, error) {
		if name != "veth1" && name != "veth2" {
			return 0, errors.New("no such parent")
		}
		return idx, nil
	}
}

// TestBondRequest checks the bond the kernel is asked for: the kernel here has no
// bonding driver, so this is where the translation is tested.
func TestBondRequest(t *testing.T) {
	def, err := parseDefinition(bondDef)
	if err != nil {
		t.Fatal(err)
	}
	l, err := linkRequest(def, true, parentAt(7))
	if err != nil {
		t.Fatal(err)
	}
	b, ok := l.(*netlink.Bond)
	if !ok {
		t.Fatalf("request is a %T", l)
	}
	if b.Name != "bond0" || b.Mode != netlink.BOND_MODE_ACTIVE_BACKUP || b.Miimon != 100 || b.UpDelay != 10 || b.UseCarrier != 1 {
		t.Errorf("bond request %+v", b)
	}
	if b.ArpInterval != -1 || b.DownDelay != -1 || b.XmitHashPolicy != -1 {
		t.Errorf("attributes the definition leaves out must stay unset (-1): %+v", b)
	}

	def, err = parseDefinition(`<interface type='bond' name='bond1'><mtu size='9000'/><bond mode='balance-xor'><arpmon interval='200' target='192.0.2.1,192.0.2.2' validate='backup'/><interface type='ethernet' name='veth1'/></bond></interface>`)
	if err != nil {
		t.Fatal(err)
	}
	l, _ = linkRequest(def, true, parentAt(7))
	b = l.(*netlink.Bond)
	wantTargets := []net.IP{net.ParseIP("192.0.2.1").To4(), net.ParseIP("192.0.2.2").To4()}
	if b.Mode != netlink.BOND_MODE_BALANCE_XOR || b.ArpInterval != 200 || b.ArpValidate != netlink.BOND_ARP_VALIDATE_BACKUP || b.MTU != 9000 || b.Miimon != -1 ||
		len(b.ArpIpTargets) != 2 || !b.ArpIpTargets[0].Equal(wantTargets[0]) || !b.ArpIpTargets[1].Equal(wantTargets[1]) {
		t.Errorf("arp bond request %+v", b)
	}
}

func TestVLANRequest(t *testing.T) {
	def, err := parseDefinition(vlanDef)
	if err != nil {
		t.Fatal(err)
	}
	l, err := linkRequest(def, true, parentAt(7))
	if err != nil {
		t.Fatal(err)
	}
	v, ok := l.(*netlink.Vlan)
	if !ok || v.Name != "veth1.42" || v.VlanId != 42 || v.ParentIndex != 7 || v.VlanProtocol != netlink.VLAN_PROTOCOL_8021Q {
		t.Fatalf("vlan request %T %+v", l, l)
	}
	if _, err := linkRequest(def, true, func(string) (int, error) { return 0, errors.New("gone") }); err == nil {
		t.Error("vlan on a missing parent was requested")
	}
}

func TestBridgeAndEthernetRequests(t *testing.T) {
	def, _ := parseDefinition(bridgeDef)
	l, err := linkRequest(def, true, parentAt(7))
	if br, ok := l.(*netlink.Bridge); err != nil || !ok || br.Name != "br1" || br.MTU != 1400 {
		t.Fatalf("bridge request %T %+v %v", l, l, err)
	}
	// A port carries no MTU of its own.
	if l, _ := linkRequest(&def.Bridge.Interfaces[1], false, parentAt(7)); l.Attrs().MTU != 0 {
		t.Errorf("port request has MTU %d", l.Attrs().MTU)
	}
	_, err = linkRequest(&def.Bridge.Interfaces[0], false, parentAt(7))
	if virerror.CodeOf(err) != libvirt.ErrOperationFailed || !strings.Contains(err.Error(), "only bridge, bond and vlan interfaces can be created") {
		t.Errorf("ethernet request: %v", err)
	}
}

func TestCreateErrorNamesKernelSupport(t *testing.T) {
	for kind, l := range map[string]netlink.Link{
		"bonding": netlink.NewLinkBond(netlink.LinkAttrs{Name: "bond0"}),
		"8021q":   &netlink.Vlan{LinkAttrs: netlink.LinkAttrs{Name: "v.5"}, VlanId: 5},
	} {
		err := createError(l, unix.EOPNOTSUPP)
		if !strings.Contains(err.Error(), "no "+kind+" support") {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

func TestInvolved(t *testing.T) {
	def, _ := parseDefinition(bridgeDef)
	if got := strings.Join(involved(def, true), " "); got != "br1 veth1 veth2.42 veth2" {
		t.Errorf("involved %s", got)
	}
	if got := strings.Join(involved(def, false), " "); got != "br1 veth1 veth2.42" {
		t.Errorf("guarded %s", got)
	}
}
