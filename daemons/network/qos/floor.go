package qos

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// ErrNoNetworkQoS is virNetDevBandwidthPlug's refusal of a floor on a bridge without
// inbound QoS.
var ErrNoNetworkQoS = errors.New("has no QoS set")

// Plug is virNetDevBandwidthPlug: below the network's class 1:1 on bridge, class 1:id
// guarantees the interface with MAC mac its inbound floor (and may borrow up to the
// network's peak, or average), with a leaf qdisc id: and a u32 filter (prio 2, handle
// 800::id) sending IPv4 frames for mac into it. id must be above 2.
func (s *Shaper) Plug(bridge string, network *Bandwidth, mac net.HardwareAddr, b *Bandwidth, id uint32) error {
	if id <= 2 {
		return fmt.Errorf("invalid class ID %d", id)
	}
	if os.Geteuid() != 0 {
		return ErrSession
	}
	if network == nil || network.In == nil {
		return fmt.Errorf("bridge '%s' %w, therefore unable to set 'floor' on '%s'", bridge, ErrNoNetworkQoS, mac)
	}
	if len(mac) != 6 {
		return fmt.Errorf("invalid MAC address %s", mac)
	}
	link, err := s.h.LinkByName(bridge)
	if err != nil {
		return fmt.Errorf("cannot find bridge %s: %w", bridge, err)
	}
	idx := link.Attrs().Index
	class := netlink.MakeHandle(1, uint16(id))
	ceil := network.In.Peak
	if ceil == 0 {
		ceil = network.In.Average
	}
	c := netlink.NewHtbClass(netlink.ClassAttrs{LinkIndex: idx, Parent: netlink.MakeHandle(1, 1), Handle: class},
		netlink.HtbClassAttrs{Rate: bits(b.In.Floor), Ceil: bits(ceil), Quantum: quantum(b.In)})
	if err := s.h.ClassAdd(c); err != nil {
		return fmt.Errorf("add class %s to %s: %w", netlink.HandleStr(class), bridge, err)
	}
	if err := s.addLeaf(idx, class, netlink.MakeHandle(uint16(id), 0)); err != nil {
		return err
	}
	if err := s.h.FilterAdd(macFilter(idx, mac, id)); err != nil {
		return fmt.Errorf("add filter for %s to %s: %w", mac, bridge, err)
	}
	return nil
}

// macFilter matches IPv4 frames to mac, as libvirt's u32 filter does: the ethertype at
// -2, the MAC's last four bytes at -12 and its first two at -14 from the network
// header. Offsets of u32 keys are word-aligned, so the 16-bit matches sit in the low
// halves of the words at -4 and -16.
func macFilter(idx int, mac net.HardwareAddr, id uint32) *netlink.U32 {
	lo := uint32(mac[2])<<24 | uint32(mac[3])<<16 | uint32(mac[4])<<8 | uint32(mac[5])
	hi := uint32(mac[0])<<8 | uint32(mac[1])
	return &netlink.U32{
		FilterAttrs: netlink.FilterAttrs{LinkIndex: idx, Parent: rootHandle, Handle: filterHandle(id), Priority: 2, Protocol: unix.ETH_P_IP},
		ClassId:     netlink.MakeHandle(1, uint16(id)),
		Sel: &netlink.TcU32Sel{Flags: nl.TC_U32_TERMINAL, Nkeys: 3, Keys: []netlink.TcU32Key{
			{Mask: 0x0000ffff, Val: 0x0800, Off: -4},
			{Mask: 0xffffffff, Val: lo, Off: -12},
			{Mask: 0x0000ffff, Val: hi, Off: -16},
		}},
	}
}

// filterHandle is libvirt's "800::id": hash table 800, bucket 0, node id.
func filterHandle(id uint32) uint32 { return 0x800<<20 | id&0xfff }

// Unplug is virNetDevBandwidthUnplug: it removes what Plug added for id, as much of it
// as is there: the filter, then the class, which takes its leaf qdisc with it.
func (s *Shaper) Unplug(bridge string, id uint32) error {
	if id <= 2 {
		return fmt.Errorf("invalid class ID %d", id)
	}
	link, err := s.h.LinkByName(bridge)
	if err != nil {
		return fmt.Errorf("cannot find bridge %s: %w", bridge, err)
	}
	idx := link.Attrs().Index
	class := netlink.MakeHandle(1, uint16(id))
	var errs []error
	f := &netlink.U32{FilterAttrs: netlink.FilterAttrs{LinkIndex: idx, Parent: rootHandle, Handle: filterHandle(id), Priority: 2, Protocol: unix.ETH_P_IP}}
	if err := s.h.FilterDel(f); err != nil && !errors.Is(err, unix.ENOENT) {
		errs = append(errs, err)
	}
	if err := s.h.ClassDel(&netlink.HtbClass{ClassAttrs: netlink.ClassAttrs{LinkIndex: idx, Parent: netlink.MakeHandle(1, 1), Handle: class}}); err != nil && !errors.Is(err, unix.ENOENT) {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove class %s from %s: %w", netlink.HandleStr(class), bridge, err)
	}
	return nil
}

// UpdateRate is virNetDevBandwidthUpdateRate: class 1:id of ifname gets rate (KB/s),
// keeping the network's peak (or average) as its ceiling. Class 1:2 (the unguaranteed
// traffic) is updated this way as floors come and go.
func (s *Shaper) UpdateRate(ifname string, id uint32, network *Bandwidth, rate uint64) error {
	link, err := s.h.LinkByName(ifname)
	if err != nil {
		return fmt.Errorf("cannot find interface %s: %w", ifname, err)
	}
	ceil := network.In.Peak
	if ceil == 0 {
		ceil = network.In.Average
	}
	c := netlink.NewHtbClass(netlink.ClassAttrs{LinkIndex: link.Attrs().Index, Parent: netlink.MakeHandle(1, 1), Handle: netlink.MakeHandle(1, uint16(id))},
		netlink.HtbClassAttrs{Rate: bits(rate), Ceil: bits(ceil), Quantum: quantum(network.In)})
	if err := s.h.ClassChange(c); err != nil {
		return fmt.Errorf("change class %s of %s: %w", netlink.HandleStr(c.Handle), ifname, err)
	}
	return nil
}
