// Package qos shapes a network device's traffic as libvirt's virnetdevbandwidth.c does,
// over netlink rather than tc(8) command lines: an htb root qdisc whose class carries
// the interface's average, peak and burst for what the device sends, a policer on its
// ingress for what it receives, and for a network bridge a class hierarchy that gives
// each guest interface with a floor its guaranteed share.
//
// Two kernel features libvirt relies on may be missing, and are stood in for:
//   - the leaf qdisc under each htb class: libvirt adds sfq; where the kernel has no sfq,
//     the leaf is pfifo, first in first out, which every kernel has (no fairness among
//     flows inside one class, but the class's rate is enforced all the same);
//   - the ingress policer (act_police): where the kernel has none, ingress traffic is
//     redirected (act_mirred) to an ifb device of the shaped device's own, whose htb root
//     class limits it to the same rate and burst. The ifb is named after the device
//     (IFBName) so it can be found and removed after the device itself is gone.
//
// Units are libvirt's: rates in kilobytes per second, bursts in kibibytes.
package qos

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"libvirt.org/go/libvirtxml"
)

// Rate is one direction of a <bandwidth>: average, peak and floor in KB/s (1000 bytes
// per second, tc's "kbps"), burst in KiB (tc's "kb").
type Rate struct {
	Average, Peak, Burst, Floor uint64
}

// Bandwidth is a <bandwidth>, from the point of view of the guest (or of the network):
// In is what it receives, Out what it sends. Either may be nil.
type Bandwidth struct {
	In, Out *Rate
}

// Empty reports whether b asks for nothing.
func (b *Bandwidth) Empty() bool { return b == nil || (b.In == nil && b.Out == nil) }

// HasFloor reports whether b guarantees its inbound a floor (virNetDevBandwidthHasFloor).
func (b *Bandwidth) HasFloor() bool { return b != nil && b.In != nil && b.In.Floor != 0 }

// Shaper applies bandwidth settings through one netlink handle, in that handle's
// network namespace.
type Shaper struct {
	h *netlink.Handle
}

// New returns a Shaper working through h; nil means the calling thread's namespace.
func New(h *netlink.Handle) *Shaper {
	if h == nil {
		h = &netlink.Handle{}
	}
	return &Shaper{h: h}
}

// The handles libvirt uses: root qdisc 1:, its classes 1:N, the leaf of the default
// class 2:, the ingress qdisc ffff:.
var (
	rootHandle    = netlink.MakeHandle(1, 0)
	ingressHandle = netlink.MakeHandle(0xffff, 0)
)

// bits is a libvirt rate (KB/s) in bits per second, as netlink's htb takes it.
func bits(kbps uint64) uint64 { return kbps * 8000 }

// bytesPerSec is a libvirt rate in bytes per second, as the policer takes it.
func bytesPerSec(kbps uint64) uint64 { return kbps * 1000 }

// quantum is libvirt's virNetDevBandwidthCmdAddOptimalQuantum: the class's rate divided
// so that it is served about an MTU at a time, at least 1.
func quantum(r *Rate) uint32 {
	q := r.Average * 1024 / 8 / 1500
	if q == 0 {
		q = 1
	}
	if q > 1<<31 {
		q = 1 << 31
	}
	return uint32(q)
}

// Set is virNetDevBandwidthSet: it replaces whatever shaping ifname had with b. With
// hierarchical (a network's bridge), the root class 1:1 carries the network's limit and
// unguaranteed traffic goes to 1:2 below it, leaving room for the floor classes Plug
// adds. With swapped, b's inbound is shaped on the device's transmit side (a tap or a
// bridge, where what the guest receives is what the host sends); otherwise inbound is
// policed on its receive side (a macvtap, which shares the guest's view).
func (s *Shaper) Set(ifname string, b *Bandwidth, hierarchical, swapped bool) error {
	if b.Empty() {
		return nil
	}
	if os.Geteuid() != 0 {
		return ErrSession
	}
	link, err := s.h.LinkByName(ifname)
	if err != nil {
		return fmt.Errorf("cannot find interface %s: %w", ifname, err)
	}
	rx, tx := b.In, b.Out
	if swapped {
		rx, tx = b.Out, b.In
	}
	s.Clear(ifname)
	if tx != nil && tx.Average != 0 {
		if err := s.setEgress(link, tx, hierarchical); err != nil {
			s.Clear(ifname)
			return fmt.Errorf("cannot shape traffic sent by %s: %w", ifname, err)
		}
	}
	if rx != nil && rx.Average != 0 {
		if err := s.setIngress(link, rx); err != nil {
			s.Clear(ifname)
			return fmt.Errorf("cannot police traffic received by %s: %w", ifname, err)
		}
	}
	return nil
}

// ErrSession is libvirt's refusal of bandwidth settings without root.
var ErrSession = errors.New("Network bandwidth tuning is not available in session mode")

// setEgress builds the htb tree for what link transmits.
func (s *Shaper) setEgress(link netlink.Link, r *Rate, hierarchical bool) error {
	idx := link.Attrs().Index
	root := netlink.NewHtb(netlink.QdiscAttrs{LinkIndex: idx, Handle: rootHandle, Parent: netlink.HANDLE_ROOT})
	root.Defcls = 1
	if hierarchical {
		root.Defcls = 2
	}
	if err := s.h.QdiscAdd(root); err != nil {
		return fmt.Errorf("add htb root qdisc: %w", err)
	}
	leafParent := netlink.MakeHandle(1, 1)
	if hierarchical {
		ceil := r.Peak
		if ceil == 0 {
			ceil = r.Average
		}
		top := netlink.NewHtbClass(netlink.ClassAttrs{LinkIndex: idx, Parent: rootHandle, Handle: netlink.MakeHandle(1, 1)},
			netlink.HtbClassAttrs{Rate: bits(r.Average), Ceil: bits(ceil), Quantum: quantum(r)})
		if err := s.h.ClassAdd(top); err != nil {
			return fmt.Errorf("add class 1:1: %w", err)
		}
		leafParent = netlink.MakeHandle(1, 2)
	}
	parent := rootHandle
	if hierarchical {
		parent = netlink.MakeHandle(1, 1)
	}
	attrs := netlink.HtbClassAttrs{Rate: bits(r.Average), Ceil: bits(r.Peak), Quantum: quantum(r)}
	if r.Burst != 0 {
		attrs.Buffer = uint32(min(r.Burst*1024, 1<<31))
	}
	class := netlink.NewHtbClass(netlink.ClassAttrs{LinkIndex: idx, Parent: parent, Handle: leafParent}, attrs)
	if err := s.h.ClassAdd(class); err != nil {
		return fmt.Errorf("add class %s: %w", netlink.HandleStr(leafParent), err)
	}
	if err := s.addLeaf(idx, leafParent, netlink.MakeHandle(2, 0)); err != nil {
		return err
	}
	// libvirt's "filter ... handle 1 fw flowid 1" sends packets marked 1 to class 1:1.
	// Without the fw classifier in the kernel nothing can be marked for it, and
	// unmarked traffic takes the default class either way.
	fw := &netlink.FwFilter{FilterAttrs: netlink.FilterAttrs{LinkIndex: idx, Parent: rootHandle, Handle: 1, Priority: 1, Protocol: unix.ETH_P_ALL},
		ClassId: netlink.MakeHandle(0, 1)}
	if err := s.h.FilterAdd(fw); err != nil && !missingFeature(err) {
		return fmt.Errorf("add fw filter: %w", err)
	}
	return nil
}

// addLeaf puts the leaf qdisc under an htb class: sfq as libvirt does, or pfifo where
// the kernel has no sfq.
func (s *Shaper) addLeaf(idx int, parent, handle uint32) error {
	attrs := netlink.QdiscAttrs{LinkIndex: idx, Parent: parent, Handle: handle}
	err := s.h.QdiscAdd(&netlink.Sfq{QdiscAttrs: attrs, Perturb: 10})
	if err != nil && missingFeature(err) {
		err = s.h.QdiscAdd(&netlink.GenericQdisc{QdiscAttrs: attrs, QdiscType: "pfifo"})
	}
	if err != nil {
		return fmt.Errorf("add leaf qdisc under %s: %w", netlink.HandleStr(parent), err)
	}
	return nil
}

// missingFeature recognises the kernel's answer for a qdisc, classifier or action it
// was built without.
func missingFeature(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL)
}

// Clear is virNetDevBandwidthClear: it removes the root and ingress qdiscs of ifname
// (and with them every class and filter) and the ifb standing in for its policer. It
// does what it can: a device that is gone has no qdiscs left.
func (s *Shaper) Clear(ifname string) {
	if link, err := s.h.LinkByName(ifname); err == nil {
		idx := link.Attrs().Index
		s.h.QdiscDel(&netlink.GenericQdisc{QdiscAttrs: netlink.QdiscAttrs{LinkIndex: idx, Parent: netlink.HANDLE_ROOT}, QdiscType: "htb"})
		s.h.QdiscDel(&netlink.Ingress{QdiscAttrs: netlink.QdiscAttrs{LinkIndex: idx, Parent: netlink.HANDLE_INGRESS, Handle: ingressHandle}})
	}
	if ifb, err := s.h.LinkByName(IFBName(ifname)); err == nil && ifb.Type() == "ifb" {
		s.h.LinkDel(ifb)
	}
}

// IFBName is the name of the ifb that polices what ifname receives when the kernel has
// no policer: "ifb-" and the device's name, or a hash of a name too long for that.
func IFBName(ifname string) string {
	if n := "ifb-" + ifname; len(n) <= 15 {
		return n
	}
	h := fnv.New32a()
	h.Write([]byte(ifname))
	return fmt.Sprintf("ifb-%08x", h.Sum32())
}

// FromXML is a <bandwidth> as libvirtxml reads it (a network's, a portgroup's, a
// port's).
func FromXML(b *libvirtxml.NetworkBandwidth) *Bandwidth {
	if b == nil {
		return nil
	}
	rate := func(p *libvirtxml.NetworkBandwidthParams) *Rate {
		if p == nil {
			return nil
		}
		v := func(u *uint) uint64 {
			if u == nil {
				return 0
			}
			return uint64(*u)
		}
		return &Rate{Average: v(p.Average), Peak: v(p.Peak), Burst: v(p.Burst), Floor: v(p.Floor)}
	}
	return &Bandwidth{In: rate(b.Inbound), Out: rate(b.Outbound)}
}
