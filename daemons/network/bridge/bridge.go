package bridge

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// Config is one bridge to build.
type Config struct {
	Name  string
	MAC   string
	MTU   int
	STP   bool
	Delay int // STP forward delay, seconds
	// Addrs are the bridge's addresses with their prefixes.
	Addrs  []netip.Prefix
	Routes []Route
	// Forward turns on IPv4 (and, with IPv6 addresses, IPv6) forwarding.
	Forward bool
	// VLANFiltering is <bridge macTableManager='libvirt'>.
	VLANFiltering bool
}

// Route is a static route through the bridge.
type Route struct {
	Dst    netip.Prefix
	Via    netip.Addr
	Metric int
}

// procSys is where the sysctls live.
const procSys = "/proc/sys"

// Create builds the bridge and returns its interface index. On failure it removes what
// it created.
func Create(c Config) (index int, err error) {
	hw, err := net.ParseMAC(c.MAC)
	if err != nil {
		return 0, fmt.Errorf("bridge %s: %w", c.Name, err)
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: c.Name, HardwareAddr: hw, MTU: c.MTU}}
	if c.VLANFiltering {
		on := true
		br.VlanFiltering = &on
	}
	if err := netlink.LinkAdd(br); err != nil {
		return 0, fmt.Errorf("create bridge %s: %w", c.Name, err)
	}
	defer func() {
		if err != nil {
			netlink.LinkDel(br)
		}
	}()
	link, err := netlink.LinkByName(c.Name)
	if err != nil {
		return 0, fmt.Errorf("bridge %s: %w", c.Name, err)
	}
	if err := configure(c, link); err != nil {
		return 0, err
	}
	return link.Attrs().Index, nil
}

func configure(c Config, link netlink.Link) error {
	// libvirt sets the delay before STP itself: the kernel checks the delay against
	// STP's bounds only while STP is on. The delay is in USER_HZ (1/100 s), as in sysfs.
	if err := setBridgeAttr(c.Name, link.Attrs().Index, "forward_delay", nl.IFLA_BR_FORWARD_DELAY, uint32(c.Delay*100)); err != nil {
		return err
	}
	stp := uint32(0)
	if c.STP {
		stp = 1
	}
	if err := setBridgeAttr(c.Name, link.Attrs().Index, "stp_state", nl.IFLA_BR_STP_STATE, stp); err != nil {
		return err
	}
	v6 := false
	for _, a := range c.Addrs {
		v6 = v6 || a.Addr().Is6()
	}
	if err := ipv6Sysctls(c.Name, v6); err != nil {
		return err
	}
	for _, a := range c.Addrs {
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: a.Addr().AsSlice(), Mask: net.CIDRMask(a.Bits(), a.Addr().BitLen())}}
		if err := netlink.AddrAdd(link, addr); err != nil {
			return fmt.Errorf("add address %s to bridge %s: %w", a, c.Name, err)
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("bring up bridge %s: %w", c.Name, err)
	}
	for _, r := range c.Routes {
		dst := &net.IPNet{IP: r.Dst.Addr().AsSlice(), Mask: net.CIDRMask(r.Dst.Bits(), r.Dst.Addr().BitLen())}
		rt := &netlink.Route{LinkIndex: link.Attrs().Index, Dst: dst, Gw: r.Via.AsSlice(), Priority: r.Metric}
		if err := netlink.RouteAdd(rt); err != nil {
			return fmt.Errorf("add route %s via %s on bridge %s: %w", r.Dst, r.Via, c.Name, err)
		}
	}
	if c.Forward {
		if err := writeSysctl("net/ipv4/ip_forward", "1"); err != nil {
			return fmt.Errorf("failed to enable IP forwarding: %w", err)
		}
		if v6 {
			if err := writeSysctl("net/ipv6/conf/all/forwarding", "1"); err != nil {
				return fmt.Errorf("failed to enable IP forwarding: %w", err)
			}
		}
	}
	return nil
}

// ipv6Sysctls disables IPv6 on a bridge without IPv6 addresses (enables it on one with
// them, its default being unknown) and keeps the bridge from accepting router
// advertisements or autoconfiguring: it is the guests' router.
func ipv6Sysctls(br string, v6 bool) error {
	disable := "1"
	if v6 {
		disable = "0"
	}
	err := writeSysctl("net/ipv6/conf/"+br+"/disable_ipv6", disable)
	if errors.Is(err, os.ErrNotExist) {
		return nil // IPv6 is off in this kernel
	}
	if err != nil {
		return err
	}
	for _, k := range []string{"accept_ra", "autoconf"} {
		if err := writeSysctl("net/ipv6/conf/"+br+"/"+k, "0"); err != nil {
			return err
		}
	}
	return nil
}

func writeSysctl(key, v string) error {
	p := filepath.Join(procSys, key)
	if err := os.WriteFile(p, []byte(v+"\n"), 0); err != nil {
		return fmt.Errorf("cannot write to '%s': %w", p, err)
	}
	return nil
}

// setBridgeAttr sets one of a bridge's IFLA_BR_* attributes (named as in
// /sys/class/net/BR/bridge, for the error) through netlink rather than sysfs, which
// is read-only in containers (systemd-nspawn mounts it so).
func setBridgeAttr(br string, index int, name string, attr int, v uint32) error {
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_ACK)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(index)
	req.AddData(msg)
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("bridge"))
	info.AddRtAttr(nl.IFLA_INFO_DATA, nil).AddRtAttr(attr, nl.Uint32Attr(v))
	req.AddData(info)
	if _, err := req.Execute(unix.NETLINK_ROUTE, 0); err != nil {
		return fmt.Errorf("set %s of bridge %s: %w", name, br, err)
	}
	return nil
}

// Delete takes the bridge down and removes it; a bridge already gone is not an error.
func Delete(name string) error {
	// Deleting takes the bridge down; a separate down first would only add another
	// round of the kernel's synchronization.
	return deleteLink("bridge", name)
}

// deleteLink removes the link name, a kind ("bridge", "tap") for the error; a link
// already gone is not an error.
func deleteLink(kind, name string) error {
	link, err := netlink.LinkByName(name)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", kind, name, err)
	}
	if err := netlink.LinkDel(link); err != nil {
		return fmt.Errorf("delete %s %s: %w", kind, name, err)
	}
	return nil
}

// Exists reports whether an interface called name exists.
func Exists(name string) bool {
	_, err := netlink.LinkByName(name)
	return err == nil
}
