package bridge

import (
	"fmt"
	"net"
	"os"

	"github.com/vishvananda/netlink"
)

// TapConfig is a guest's tap device, the host side of its <interface type='network'>.
type TapConfig struct {
	// Name is the tap's name or a template the kernel completes ("vnet%d").
	Name   string
	Bridge string
	// MAC is the guest's MAC; the tap gets it with the first byte 0xFE, as libvirt does,
	// so the bridge never takes the tap's address as its own.
	MAC string
	MTU int
	// Queues is the number of queues (file descriptors) for QEMU; at least 1.
	Queues int
	// VnetHdr asks for virtio-net headers (vhost and virtio guests).
	VnetHdr bool
	// Persist keeps the tap after its last descriptor closes. Without it (the usual case)
	// the tap disappears when the guest's QEMU exits.
	Persist bool
}

// Tap is a created tap device and its queue descriptors, to pass to QEMU.
type Tap struct {
	Name  string
	Files []*os.File
}

// Close closes the daemon's copies of the descriptors.
func (t *Tap) Close() {
	for _, f := range t.Files {
		f.Close()
	}
	t.Files = nil
}

// CreateTap creates a tap in the calling thread's network namespace (the kernel's
// TUNSETIFF acts there), plugs it into the bridge and brings it up.
func CreateTap(c TapConfig) (tap *Tap, err error) {
	br, err := netlink.LinkByName(c.Bridge)
	if err != nil {
		return nil, fmt.Errorf("bridge %s: %w", c.Bridge, err)
	}
	if _, ok := br.(*netlink.Bridge); !ok {
		return nil, fmt.Errorf("%s is not a bridge", c.Bridge)
	}
	hw, err := net.ParseMAC(c.MAC)
	if err != nil || len(hw) != 6 {
		return nil, fmt.Errorf("tap MAC %q: %v", c.MAC, err)
	}
	hw[0] = 0xfe
	queues := max(c.Queues, 1)
	flags := netlink.TUNTAP_MULTI_QUEUE_DEFAULTS
	if c.VnetHdr {
		flags |= netlink.TUNTAP_VNET_HDR
	}
	t := &netlink.Tuntap{
		LinkAttrs:  netlink.LinkAttrs{Name: c.Name},
		Mode:       netlink.TUNTAP_MODE_TAP,
		Queues:     queues,
		Flags:      flags,
		NonPersist: !c.Persist,
	}
	if err := netlink.LinkAdd(t); err != nil {
		return nil, fmt.Errorf("create tap %s: %w", c.Name, err)
	}
	tap = &Tap{Name: t.Name, Files: t.Fds}
	defer func() {
		if err != nil {
			tap.Close()
			DeleteTap(tap.Name)
		}
	}()
	link, err := netlink.LinkByName(tap.Name)
	if err != nil {
		return nil, fmt.Errorf("tap %s: %w", tap.Name, err)
	}
	if err := netlink.LinkSetHardwareAddr(link, hw); err != nil {
		return nil, fmt.Errorf("set MAC of tap %s: %w", tap.Name, err)
	}
	mtu := c.MTU
	if mtu == 0 {
		mtu = br.Attrs().MTU
	}
	if err := netlink.LinkSetMTU(link, mtu); err != nil {
		return nil, fmt.Errorf("set MTU of tap %s: %w", tap.Name, err)
	}
	if err := netlink.LinkSetMaster(link, br); err != nil {
		return nil, fmt.Errorf("attach tap %s to bridge %s: %w", tap.Name, c.Bridge, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return nil, fmt.Errorf("bring up tap %s: %w", tap.Name, err)
	}
	return tap, nil
}

// DeleteTap removes a tap (one created with Persist, or left behind); one already gone
// is not an error.
func DeleteTap(name string) error { return deleteLink("tap", name) }
