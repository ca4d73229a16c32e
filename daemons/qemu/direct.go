package qemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/network/qos"
	"github.com/virtunit/virtunit/daemons/virerror"
	"github.com/virtunit/virtunit/internal/atomicfile"
)

// A guest interface of type 'direct', or of type 'network' on a network whose port
// is a macvtap, is a macvtap device on a host interface, made here with netlink as
// libvirt's virNetDevMacVLanCreateWithVPortProfile makes it: named macvtapN (or the
// interface's <target dev>), in the mode asked for, with the guest's MAC, up. QEMU gets
// its character device /dev/tapIFINDEX as an inherited fd, as a tap's. Unlike a tap, a
// macvtap outlives the descriptor, so the driver records what it made in
// RUNDIR/NAME.netdevs.json and removes it when the guest stops, whether it was
// destroyed, crashed while the daemon watched, or was found dead after a restart.
//
// The same record holds the interfaces whose devices were shaped (<bandwidth>): their
// shaping is cleared at stop, which matters where an ifb stands in for the kernel's
// missing policer (package qos).

// netDevices is a running guest's record of the host devices its interfaces got.
type netDevices struct {
	Direct []directDevice `json:"direct,omitempty"`
	// Shaped lists the devices whose traffic was shaped.
	Shaped []string `json:"shaped,omitempty"`
}

// directDevice is one macvtap of a guest.
type directDevice struct {
	Index  int    `json:"index"`  // the interface's position in <devices>
	Target string `json:"target"` // the macvtap
	Dev    string `json:"dev"`    // the host interface below it
	Mode   string `json:"mode"`
	// LowerMAC is the host interface's own MAC in passthrough mode, where the guest's
	// replaces it; it is put back when the macvtap goes.
	LowerMAC string `json:"lowerMAC,omitempty"`
}

func (d *Driver) netDevicesFile(name string) string {
	return filepath.Join(d.dirs.run, name+".netdevs.json")
}

func (d *Driver) loadNetDevices(name string) netDevices {
	var nd netDevices
	if b, err := os.ReadFile(d.netDevicesFile(name)); err == nil {
		if err := json.Unmarshal(b, &nd); err != nil {
			d.log.Warn("cannot read the record of a guest's network devices", "domain", name, "err", err)
		}
	}
	return nd
}

func (d *Driver) saveNetDevices(name string, nd netDevices) error {
	b, err := json.Marshal(nd)
	if err == nil {
		err = atomicfile.WriteFile(d.netDevicesFile(name), b, 0o600)
	}
	if err != nil {
		return virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot record the network devices of domain '%s': %v", name, err)
	}
	return nil
}

// macvlanModes are the macvtap modes by libvirt's names.
var macvlanModes = map[string]netlink.MacvlanMode{
	"vepa":        netlink.MACVLAN_MODE_VEPA,
	"private":     netlink.MACVLAN_MODE_PRIVATE,
	"bridge":      netlink.MACVLAN_MODE_BRIDGE,
	"passthrough": netlink.MACVLAN_MODE_PASSTHRU,
}

// openDirect makes the macvtap for interface i of the guest name on host interface dev
// in mode, records it in nd (and on disk, before anything else can fail) and returns
// the open character device for QEMU and the device's name.
func (d *Driver) openDirect(name string, nd *netDevices, i int, nic *libvirtxml.DomainInterface, dev, mode string) (*os.File, string, error) {
	if mode == "" {
		mode = "vepa" // libvirt's default for <source mode>
	}
	m, ok := macvlanModes[mode]
	if !ok {
		return nil, "", virerror.New(libvirt.ErrConfigUnsupported, virerror.FromDomain, "Unknown source mode '%s'", mode)
	}
	if nic.VLan != nil && len(nic.VLan.Tags) > 0 {
		return nil, "", unsupported("interface %s - vlan tag not supported for this connection type", nic.MAC.Address)
	}
	lower, err := netlink.LinkByName(dev)
	if err != nil {
		return nil, "", virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "cannot get interface index of '%s': No such device", dev)
	}
	mac, err := net.ParseMAC(nic.MAC.Address)
	if err != nil {
		return nil, "", virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromQEMU, "invalid MAC address %s", nic.MAC.Address)
	}
	want := "macvtap%d"
	if nic.Target != nil && nic.Target.Dev != "" && !strings.HasPrefix(nic.Target.Dev, "macvtap") && !strings.HasPrefix(nic.Target.Dev, "macvlan") {
		want = nic.Target.Dev
	}
	rec := directDevice{Index: i, Dev: dev, Mode: mode}
	if m == netlink.MACVLAN_MODE_PASSTHRU {
		// As libvirt's virNetDevSetNetConfig: the device takes the guest's MAC (a
		// passthrough macvtap has its lower device's), and gets its own back after.
		rec.LowerMAC = lower.Attrs().HardwareAddr.String()
		nd.Direct = append(nd.Direct, rec)
		if err := d.saveNetDevices(name, *nd); err != nil {
			return nil, "", err
		}
		if err := netlink.LinkSetHardwareAddr(lower, mac); err != nil {
			return nil, "", virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "cannot set MAC address of %s to %s: %v", dev, mac, err)
		}
		nd.Direct = nd.Direct[:len(nd.Direct)-1]
	}
	link, err := createMacvtap(lower, want, m, mac)
	if err != nil {
		if rec.LowerMAC != "" {
			restoreMAC(dev, rec.LowerMAC)
		}
		return nil, "", err
	}
	rec.Target = link.Attrs().Name
	nd.Direct = append(nd.Direct, rec)
	if err := d.saveNetDevices(name, *nd); err != nil {
		return nil, rec.Target, err
	}
	f, err := openTapDevice(link)
	if err != nil {
		return nil, rec.Target, err
	}
	return f, rec.Target, nil
}

// createMacvtap adds the macvtap below lower. A name with %d is completed by the
// kernel: the device is made under a name of its own first, then renamed, so its
// index (and so its final name) is known without a race against other guests.
func createMacvtap(lower netlink.Link, want string, mode netlink.MacvlanMode, mac net.HardwareAddr) (netlink.Link, error) {
	attrs := netlink.NewLinkAttrs()
	attrs.ParentIndex = lower.Attrs().Index
	attrs.HardwareAddr = mac
	attrs.Name = want
	template := strings.Contains(want, "%d")
	if template {
		var b [5]byte
		rand.Read(b[:])
		attrs.Name = "vumv" + hex.EncodeToString(b[:])
	}
	mv := &netlink.Macvtap{Macvlan: netlink.Macvlan{LinkAttrs: attrs, Mode: mode}}
	if err := netlink.LinkAdd(mv); err != nil {
		if errors.Is(err, unix.EEXIST) && !template {
			return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "Unable to create macvlan device %s: File exists", want)
		}
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "error creating macvtap interface %s@%s (%s): %v", want, lower.Attrs().Name, mac, err)
	}
	link, err := netlink.LinkByName(attrs.Name)
	if err != nil {
		netlink.LinkDel(mv)
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "cannot find new macvtap %s: %v", attrs.Name, err)
	}
	fail := func(err error) (netlink.Link, error) {
		netlink.LinkDel(link)
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "cannot set up macvtap %s: %v", want, err)
	}
	if template {
		if err := netlink.LinkSetName(link, want); err != nil {
			return fail(err)
		}
		if link, err = netlink.LinkByIndex(link.Attrs().Index); err != nil {
			return fail(err)
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fail(err)
	}
	return link, nil
}

// openTapDevice opens a macvtap's character device, /dev/tapIFINDEX. Where /dev lacks
// the node (a /dev without devtmpfs or udev), one is made from the device number sysfs
// gives, used and unlinked.
func openTapDevice(link netlink.Link) (*os.File, error) {
	idx := link.Attrs().Index
	path := "/dev/tap" + strconv.Itoa(idx)
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) {
		f, err = openViaNode(link.Attrs().Name, idx)
	}
	if err != nil {
		return nil, virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromNone, "cannot open macvtap tap device %s: %v", path, err)
	}
	return f, nil
}

func openViaNode(name string, idx int) (*os.File, error) {
	b, err := os.ReadFile(fmt.Sprintf("/sys/class/net/%s/macvtap/tap%d/dev", name, idx))
	if err != nil {
		return nil, err
	}
	var major, minor uint32
	if _, err := fmt.Sscanf(strings.TrimSpace(string(b)), "%d:%d", &major, &minor); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "macvtap")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	node := filepath.Join(dir, "tap")
	if err := unix.Mknod(node, unix.S_IFCHR|0o600, int(unix.Mkdev(major, minor))); err != nil {
		return nil, err
	}
	return os.OpenFile(node, os.O_RDWR|unix.O_CLOEXEC, 0)
}

// shapeInterface applies an interface's bandwidth to its host device, as libvirt's
// virNetDevBandwidthSet(ifname, actual bandwidth, false, !sharesHostView): what the
// guest receives is sent by a tap on a bridge, received by a macvtap or an ethernet
// tap. Shaped devices are recorded for releaseNetDevices.
func (d *Driver) shapeInterface(name string, nd *netDevices, nic *libvirtxml.DomainInterface, dev string, bw *libvirtxml.NetworkBandwidth) error {
	if bw == nil {
		bw = portBandwidth(nic.Bandwidth)
	}
	b := qos.FromXML(bw)
	if b.Empty() || (b.In == nil || b.In.Average == 0) && (b.Out == nil || b.Out.Average == 0) {
		return nil
	}
	src := nic.Source
	swapped := src != nil && (src.Bridge != nil || src.Network != nil) && !(src.Network != nil && findDirect(nd, dev))
	nd.Shaped = append(nd.Shaped, dev)
	if err := d.saveNetDevices(name, *nd); err != nil {
		return err
	}
	if err := qos.New(nil).Set(dev, b, false, swapped); err != nil {
		if errors.Is(err, qos.ErrSession) {
			return virerror.New(libvirt.ErrOperationUnsupported, virerror.FromNone, "%v", err)
		}
		return virerror.Wrap(err, libvirt.ErrInternalError, virerror.FromNone, "cannot set bandwidth of interface %s: %v", dev, err)
	}
	return nil
}

func findDirect(nd *netDevices, dev string) bool {
	for _, x := range nd.Direct {
		if x.Target == dev {
			return true
		}
	}
	return false
}

// checkInterface holds an interface to libvirt's rules on what its connection can
// carry: only an interface of type 'network' may ask for a floor, which its network
// guarantees, and a VLAN tag needs an SR-IOV virtual function or Open vSwitch, which
// a tap on a Linux bridge or an ethernet tap is not.
func checkInterface(nic *libvirtxml.DomainInterface) error {
	if src := nic.Source; src != nil && (src.Bridge != nil || src.Ethernet != nil) && nic.VLan != nil && len(nic.VLan.Tags) > 0 {
		return unsupported("interface %s - vlan tag not supported for this connection type", nic.MAC.Address)
	}
	b := nic.Bandwidth
	if b == nil || b.Inbound == nil || b.Inbound.Floor == nil || *b.Inbound.Floor == 0 {
		if b != nil && b.Outbound != nil && b.Outbound.Floor != nil && *b.Outbound.Floor != 0 {
			return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromNone, "'floor' attribute allowed only in <inbound> element")
		}
		return nil
	}
	if nic.Source == nil || nic.Source.Network == nil {
		return virerror.New(libvirt.ErrConfigUnsupported, virerror.FromNone, "floor attribute is not supported for this config")
	}
	return nil
}

// portBandwidth is an interface's <bandwidth> as a network port carries it.
func portBandwidth(b *libvirtxml.DomainInterfaceBandwidth) *libvirtxml.NetworkBandwidth {
	if b == nil || (b.Inbound == nil && b.Outbound == nil) {
		return nil
	}
	conv := func(p *libvirtxml.DomainInterfaceBandwidthParams) *libvirtxml.NetworkBandwidthParams {
		if p == nil {
			return nil
		}
		u := func(v *int) *uint {
			if v == nil || *v <= 0 {
				return nil
			}
			x := uint(*v)
			return &x
		}
		return &libvirtxml.NetworkBandwidthParams{Average: u(p.Average), Peak: u(p.Peak), Burst: u(p.Burst), Floor: u(p.Floor)}
	}
	return &libvirtxml.NetworkBandwidth{Inbound: conv(b.Inbound), Outbound: conv(b.Outbound)}
}

// releaseNetDevices removes the macvtaps a guest's interfaces got (putting back the
// MAC of a passthrough device) and clears the shaping of its devices, after its QEMU
// is gone. It is idempotent: what is already gone is skipped.
func (d *Driver) releaseNetDevices(name string, live *libvirtxml.Domain) {
	nd := d.loadNetDevices(name)
	sh := qos.New(nil)
	for _, dev := range nd.Shaped {
		sh.Clear(dev)
	}
	for _, x := range nd.Direct {
		if l, err := netlink.LinkByName(x.Target); err == nil && l.Type() == "macvtap" {
			if err := netlink.LinkDel(l); err != nil {
				d.log.Warn("cannot delete macvtap", "domain", name, "dev", x.Target, "err", err)
			}
		}
		if x.LowerMAC != "" {
			restoreMAC(x.Dev, x.LowerMAC)
		}
	}
	if err := os.Remove(d.netDevicesFile(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		d.log.Warn("cannot remove the record of a guest's network devices", "domain", name, "err", err)
	}
}

func restoreMAC(dev, mac string) {
	hw, err := net.ParseMAC(mac)
	if err != nil {
		return
	}
	if l, err := netlink.LinkByName(dev); err == nil {
		netlink.LinkSetHardwareAddr(l, hw)
	}
}

// publicInterfaces rewrites the live XML of a running guest's interfaces of type
// 'network' whose port is a macvtap as libvirt shows them (virDomainNetDefFormat of an
// actual type): type='direct', the network and port kept in <source> beside the
// device and mode.
func publicInterfaces(doc string, live *libvirtxml.Domain, nd netDevices) string {
	if len(nd.Direct) == 0 || live.Devices == nil {
		return doc
	}
	byIndex := map[int]directDevice{}
	for _, x := range nd.Direct {
		byIndex[x.Index] = x
	}
	lines := strings.SplitAfter(doc, "\n")
	k := -1
	var cur *directDevice
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		switch {
		case strings.HasPrefix(t, "<interface "):
			k++
			cur = nil
			if x, ok := byIndex[k]; ok && k < len(live.Devices.Interfaces) {
				if src := live.Devices.Interfaces[k].Source; src != nil && src.Network != nil {
					cur = &x
					lines[i] = strings.Replace(l, "type='network'", "type='direct'", 1)
				}
			}
		case cur != nil && strings.HasPrefix(t, "<source "):
			src := live.Devices.Interfaces[k].Source.Network
			pad := l[:len(l)-len(t)]
			s := pad + "<source network='" + xmlAttr(src.Network) + "'"
			if src.PortGroup != "" {
				s += " portgroup='" + xmlAttr(src.PortGroup) + "'"
			}
			if src.PortID != "" {
				s += " portid='" + src.PortID + "'"
			}
			lines[i] = s + " dev='" + xmlAttr(cur.Dev) + "' mode='" + cur.Mode + "'/>\n"
			cur = nil
		}
	}
	return strings.Join(lines, "")
}

var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", "\"", "&quot;")

func xmlAttr(s string) string { return attrEscaper.Replace(s) }
