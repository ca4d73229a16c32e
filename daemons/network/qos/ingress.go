package qos

import (
	"errors"
	"fmt"
	"math"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// setIngress limits what link receives to r: libvirt's ingress qdisc with a u32 filter
// matching everything and policing it (rate, burst, mtu 64kb, drop), or, without
// act_police in the kernel, the same match redirecting to an ifb that shapes it.
func (s *Shaper) setIngress(link netlink.Link, r *Rate) error {
	idx := link.Attrs().Index
	ing := &netlink.Ingress{QdiscAttrs: netlink.QdiscAttrs{LinkIndex: idx, Parent: netlink.HANDLE_INGRESS, Handle: ingressHandle}}
	if err := s.h.QdiscAdd(ing); err != nil {
		return fmt.Errorf("add ingress qdisc: %w", err)
	}
	burst := r.Burst
	if burst == 0 {
		// libvirt: tc keeps the burst in a uint of bytes; the average, in KiB, capped.
		burst = min(r.Average, math.MaxUint32/1024)
	}
	police := netlink.NewPoliceAction()
	police.Rate = uint32(min(bytesPerSec(r.Average), math.MaxUint32))
	police.Burst = uint32(min(burst*1024, math.MaxUint32))
	police.Mtu = 64 * 1024
	police.ExceedAction = netlink.TC_POLICE_SHOT
	police.NotExceedAction = netlink.TC_POLICE_OK
	err := s.h.FilterAdd(matchAll(idx, police))
	if err == nil || !missingFeature(err) {
		return err
	}
	if ferr := s.shapeOnIFB(link, r, burst); ferr != nil {
		return fmt.Errorf("%w; ifb instead: %v", err, ferr)
	}
	return nil
}

// matchAll is libvirt's ingress filter: parent ffff:, protocol all, u32 match u32 0 0,
// flowid :1, with one action.
func matchAll(idx int, action netlink.Action) *netlink.U32 {
	return &netlink.U32{
		FilterAttrs: netlink.FilterAttrs{LinkIndex: idx, Parent: ingressHandle, Priority: 49152, Protocol: unix.ETH_P_ALL},
		ClassId:     netlink.MakeHandle(0, 1),
		Sel:         &netlink.TcU32Sel{Flags: nl.TC_U32_TERMINAL, Nkeys: 1, Keys: []netlink.TcU32Key{{Mask: 0, Val: 0, Off: 0}}},
		Actions:     []netlink.Action{action},
	}
}

// shapeOnIFB stands in for the policer: an ifb of link's own, up, with an htb root whose
// only class has r's average rate and the burst, and link's ingress redirected to it.
func (s *Shaper) shapeOnIFB(link netlink.Link, r *Rate, burstKiB uint64) error {
	name := IFBName(link.Attrs().Name)
	if old, err := s.h.LinkByName(name); err == nil {
		s.h.LinkDel(old)
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	attrs.TxQLen = 1000
	if err := s.h.LinkAdd(&netlink.Ifb{LinkAttrs: attrs}); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	ifb, err := s.h.LinkByName(name)
	if err == nil {
		err = s.h.LinkSetUp(ifb)
	}
	if err == nil {
		err = s.setEgress(ifb, &Rate{Average: r.Average, Burst: burstKiB}, false)
	}
	if err == nil {
		redirect := netlink.NewMirredAction(ifb.Attrs().Index)
		err = s.h.FilterAdd(matchAll(link.Attrs().Index, redirect))
	}
	if err != nil {
		if ifb != nil {
			s.h.LinkDel(ifb)
		}
		return errors.Join(fmt.Errorf("shape ingress of %s on %s", link.Attrs().Name, name), err)
	}
	return nil
}
