package iface

import (
	"errors"
	"fmt"
	"net"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// linkRequest is the link iface-start asks the kernel to create for a definition whose
// link does not exist: a bridge, a bond with its mode and link monitoring, or a VLAN
// on its parent, whose index parentIndex finds. MTU is set on top-level interfaces
// only; ports and slaves inherit theirs. Ethernet interfaces are never created: they
// are hardware, or made by whoever made them (veth pairs, taps).
func linkRequest(def *libvirtxml.Interface, top bool, parentIndex func(string) (int, error)) (netlink.Link, error) {
	attrs := netlink.NewLinkAttrs()
	attrs.Name = def.Name
	if top && def.MTU != nil {
		attrs.MTU = int(def.MTU.Size)
	}
	switch interfaceType(def) {
	case typeBridge:
		return &netlink.Bridge{LinkAttrs: attrs}, nil
	case typeBond:
		return bondRequest(def.Bond, attrs)
	case typeVLAN:
		idx, err := parentIndex(def.VLAN.Interface.Name)
		if err != nil {
			return nil, err
		}
		attrs.ParentIndex = idx
		return &netlink.Vlan{LinkAttrs: attrs, VlanId: int(*def.VLAN.Tag), VlanProtocol: netlink.VLAN_PROTOCOL_8021Q}, nil
	}
	return nil, virerror.New(libvirt.ErrOperationFailed, virerror.FromInterface,
		"interface '%s' does not exist; only bridge, bond and vlan interfaces can be created", def.Name)
}

// bondRequest fills in a bond's mode and its MII or ARP monitoring. Attributes the
// definition leaves out stay at -1, which netlink omits from the request, so the
// kernel's defaults apply.
func bondRequest(b *libvirtxml.InterfaceBond, attrs netlink.LinkAttrs) (*netlink.Bond, error) {
	bond := netlink.NewLinkBond(attrs)
	if b.Mode != "" {
		bond.Mode = netlink.StringToBondMode(b.Mode)
	}
	switch {
	case b.MIIMon != nil:
		bond.Miimon = int(b.MIIMon.Freq)
		bond.UpDelay = int(b.MIIMon.UpDelay)
		switch b.MIIMon.Carrier {
		case "netif":
			bond.UseCarrier = 1
		case "ioctl":
			bond.UseCarrier = 0
		}
	case b.ARPMon != nil:
		bond.ArpInterval = int(b.ARPMon.Interval)
		for _, t := range strings.Fields(strings.ReplaceAll(b.ARPMon.Target, ",", " ")) {
			ip := net.ParseIP(t)
			if ip == nil {
				return nil, xmlError("invalid bond arpmon target '%s'", t)
			}
			bond.ArpIpTargets = append(bond.ArpIpTargets, ip.To4())
		}
		if b.ARPMon.Validate != "" {
			for i, v := range arpValidates {
				if v == b.ARPMon.Validate {
					bond.ArpValidate = netlink.BondArpValidate(i)
				}
			}
		}
	}
	return bond, nil
}

// kernelModules names the kernel support each kind of link needs.
var kernelModules = map[string]string{"bond": "bonding", "vlan": "8021q", "bridge": "bridge"}

// createError explains a failed link creation. A kernel without the driver answers
// EOPNOTSUPP ("Unknown device type") after failing to load its module.
func createError(l netlink.Link, err error) error {
	name, kind := l.Attrs().Name, l.Type()
	if errors.Is(err, unix.EOPNOTSUPP) {
		return virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromInterface,
			"cannot create %s interface '%s': this kernel has no %s support (the '%s' module is neither built in nor loadable)",
			kind, name, kernelModules[kind], kernelModules[kind])
	}
	return virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromInterface, "cannot create %s interface '%s': %v", kind, name, err)
}

// kindOf maps a link to the interface type that describes it.
func kindOf(l netlink.Link) string {
	switch l.Type() {
	case "bridge":
		return typeBridge
	case "bond":
		return typeBond
	case "vlan":
		return typeVLAN
	}
	return typeEthernet
}

// linkError wraps a failed netlink change of an existing link.
func linkError(err error, format string, args ...any) error {
	return virerror.Wrap(err, libvirt.ErrOperationFailed, virerror.FromInterface, "%s: %v", fmt.Sprintf(format, args...), err)
}
