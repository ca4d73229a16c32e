package iface

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
)

// linkTable is the driver's copy of the host's links by index and name. A netlink
// subscription tells it what changed; it then asks the kernel for the link's current
// state rather than trusting the notification, under its lock, so an older
// notification processed late can never overwrite a newer state the driver stored
// after a change of its own.
type linkTable struct {
	nl *netlink.Handle

	mu     sync.RWMutex
	byIdx  map[int]netlink.Link
	byName map[string]int
}

func newLinkTable(nl *netlink.Handle) *linkTable {
	return &linkTable{nl: nl, byIdx: map[int]netlink.Link{}, byName: map[string]int{}}
}

// reload replaces the table with a fresh dump of every link.
func (t *linkTable) reload() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var links []netlink.Link
	var err error
	for range 5 {
		links, err = t.nl.LinkList()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	t.byIdx, t.byName = map[int]netlink.Link{}, map[string]int{}
	for _, l := range links {
		t.storeLocked(l)
	}
	return nil
}

// refresh asks the kernel for the link with index idx and stores what it says. It
// reports whether the link appeared in or vanished from the table.
func (t *linkTable) refresh(idx int) (name string, appeared, vanished bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, had := t.byIdx[idx]
	l, err := t.nl.LinkByIndex(idx)
	var nf netlink.LinkNotFoundError
	switch {
	case errors.As(err, &nf):
		if had {
			t.deleteLocked(old)
			return old.Attrs().Name, false, true, nil
		}
		return "", false, false, nil
	case err != nil:
		return "", false, false, fmt.Errorf("read link %d: %w", idx, err)
	}
	if had {
		t.deleteLocked(old)
	}
	t.storeLocked(l)
	return l.Attrs().Name, !had, false, nil
}

// refreshName re-reads one link by name after the driver changed it.
func (t *linkTable) refreshName(name string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, err := t.nl.LinkByName(name)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		if idx, ok := t.byName[name]; ok {
			t.deleteLocked(t.byIdx[idx])
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read link %s: %w", name, err)
	}
	if old, ok := t.byIdx[l.Attrs().Index]; ok {
		t.deleteLocked(old)
	}
	if idx, ok := t.byName[name]; ok {
		t.deleteLocked(t.byIdx[idx])
	}
	t.storeLocked(l)
	return nil
}

func (t *linkTable) storeLocked(l netlink.Link) {
	a := l.Attrs()
	t.byIdx[a.Index] = l
	t.byName[a.Name] = a.Index
}

func (t *linkTable) deleteLocked(l netlink.Link) {
	a := l.Attrs()
	delete(t.byIdx, a.Index)
	if t.byName[a.Name] == a.Index {
		delete(t.byName, a.Name)
	}
}

// get returns the link named name.
func (t *linkTable) get(name string) (netlink.Link, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	idx, ok := t.byName[name]
	if !ok {
		return nil, false
	}
	return t.byIdx[idx], true
}

// nameOf returns the name of the link with index idx, or "".
func (t *linkTable) nameOf(idx int) string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if l, ok := t.byIdx[idx]; ok {
		return l.Attrs().Name
	}
	return ""
}

// members returns the links enslaved to the link with index idx, sorted by name.
func (t *linkTable) members(idx int) []netlink.Link {
	t.mu.RLock()
	var out []netlink.Link
	for _, l := range t.byIdx {
		if l.Attrs().MasterIndex == idx {
			out = append(out, l)
		}
	}
	t.mu.RUnlock()
	sortLinks(out)
	return out
}

// listed returns the links iface-list shows, sorted by name.
func (t *linkTable) listed() []netlink.Link {
	t.mu.RLock()
	out := make([]netlink.Link, 0, len(t.byIdx))
	for _, l := range t.byIdx {
		if t.shownLocked(l) {
			out = append(out, l)
		}
	}
	t.mu.RUnlock()
	sortLinks(out)
	return out
}

// shownLocked is libvirt's udevGetDevices filter, with one difference: bridge ports
// are left out (they appear inside their bridge's XML), but of the tap devices libvirt
// hides altogether only the guests' are, recognised by libvirt's generated names
// (vnetN, macvtapN), so taps an administrator made are listed.
func (t *linkTable) shownLocked(l netlink.Link) bool {
	a := l.Attrs()
	if m, ok := t.byIdx[a.MasterIndex]; ok && a.MasterIndex != 0 && m.Type() == "bridge" {
		return false
	}
	return !guestTap(l)
}

// guestTap recognises the taps and macvtaps libvirt names for guests.
func guestTap(l netlink.Link) bool {
	name := l.Attrs().Name
	switch l.Type() {
	case "tuntap":
		return generated(name, "vnet")
	case "macvtap":
		return generated(name, "macvtap")
	}
	return false
}

func generated(name, prefix string) bool {
	return strings.HasPrefix(name, prefix) && len(name) > len(prefix) && name[len(prefix)] >= '0' && name[len(prefix)] <= '9'
}

func sortLinks(ls []netlink.Link) {
	sort.Slice(ls, func(i, j int) bool { return ls[i].Attrs().Name < ls[j].Attrs().Name })
}

// isUp is libvirt's notion of an active interface for this driver: administratively
// up, what iface-start sets and iface-destroy clears. (The udev backend, which changes
// nothing, looked at operstate; that would show a bridge without ports inactive right
// after iface-start.)
func isUp(l netlink.Link) bool { return l.Attrs().Flags&net.FlagUp != 0 }

// macOf is the MAC address as sysfs shows it, "" for links without one. netlink
// leaves an all-zero address out; sysfs (and so libvirt) shows the loopback's and any
// other Ethernet-style link's as zeros.
func macOf(l netlink.Link) string {
	a := l.Attrs()
	if len(a.HardwareAddr) == 0 && (a.EncapType == "loopback" || a.EncapType == "ether") {
		return "00:00:00:00:00:00"
	}
	return a.HardwareAddr.String()
}
