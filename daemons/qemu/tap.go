package qemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"
	"github.com/vishvananda/netlink"
	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// makeTaps creates a tap for every interface that needs one (bridge, ethernet,
// network) and a macvtap for every direct one (direct.go), and returns their
// descriptors, in interface order (nil where none). An interface of type 'network'
// first gets a port of its network, which may give it a macvtap instead; on failure
// the caller deletes the ports recorded in def and the macvtaps (unplugAll). The taps
// are not persistent: the kernel removes each when the last descriptor (QEMU's) closes,
// so a guest's taps vanish with its QEMU. The chosen names go into the live definition.
func (d *Driver) makeTaps(ctx context.Context, def *libvirtxml.Domain, name string, uuid libvirt.UUID) (taps []*os.File, err error) {
	defer func() {
		if err != nil {
			closeAll(taps)
			taps = nil
		}
	}()
	// Devices recorded for a guest that is not running are left from a daemon that
	// died mid-start.
	d.releaseNetDevices(name, nil)
	var nd netDevices
	for i := range def.Devices.Interfaces {
		nic := &def.Devices.Interfaces[i]
		src := nic.Source
		if err := checkInterface(nic); err != nil {
			return taps, err
		}
		// direct attaches a macvtap on dev in mode, shaped to bw.
		direct := func(dev, mode string, bw *libvirtxml.NetworkBandwidth) error {
			f, target, err := d.openDirect(name, &nd, i, nic, dev, mode)
			if err != nil {
				return err
			}
			taps = append(taps, f)
			nic.Target = &libvirtxml.DomainInterfaceTarget{Dev: target}
			return d.shapeInterface(name, &nd, nic, target, bw)
		}
		if src != nil && src.Direct != nil {
			if err := direct(src.Direct.Dev, src.Direct.Mode, nil); err != nil {
				return taps, err
			}
			continue
		}
		if src == nil || (src.Bridge == nil && src.Ethernet == nil && src.Network == nil) {
			taps = append(taps, nil)
			continue
		}
		bridge := ""
		var plug portPlug
		switch {
		case src.Bridge != nil:
			bridge = src.Bridge.Bridge
		case src.Network != nil:
			if plug, err = d.networks.Plug(ctx, nic, name, uuid); err != nil {
				return taps, err
			}
			// Recorded in the live definition, as libvirt shows it, for the unplug.
			src.Network.PortID, src.Network.Bridge = plug.port, plug.bridge
			bridge = plug.bridge
			if plug.direct != nil {
				if err := direct(plug.direct.Dev, plug.direct.Mode, plug.bandwidth); err != nil {
					return taps, err
				}
				continue
			}
		}
		f, tapName, err := createTap(nic, bridge)
		if err != nil {
			return taps, err
		}
		taps = append(taps, f)
		nic.Target = &libvirtxml.DomainInterfaceTarget{Dev: tapName}
		if err := d.shapeInterface(name, &nd, nic, tapName, plug.bandwidth); err != nil {
			return taps, err
		}
	}
	return taps, nil
}

func createTap(nic *libvirtxml.DomainInterface, bridge string) (*os.File, string, error) {
	name := "vnet%d"
	if nic.Target != nil && nic.Target.Dev != "" && !strings.HasPrefix(nic.Target.Dev, "vnet") {
		name = nic.Target.Dev
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	if bridge != "" {
		br, err := netlink.LinkByName(bridge)
		if err != nil {
			return nil, "", virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Cannot get interface MTU on '%s': No such device", bridge)
		}
		attrs.MasterIndex = br.Attrs().Index
		attrs.MTU = br.Attrs().MTU
	}
	tap := &netlink.Tuntap{LinkAttrs: attrs, Mode: netlink.TUNTAP_MODE_TAP,
		Flags: netlink.TUNTAP_NO_PI | netlink.TUNTAP_VNET_HDR, Queues: 1, NonPersist: true}
	if err := netlink.LinkAdd(tap); err != nil {
		if errors.Is(err, os.ErrPermission) {
			return nil, "", virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Unable to create tap device %s: Operation not permitted", name)
		}
		return nil, "", virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "Unable to create tap device %s: %v", name, err)
	}
	fail := func(err error) (*os.File, string, error) {
		closeAll(tap.Fds)
		return nil, "", virerror.Wrap(err, libvirt.ErrSystemError, virerror.FromQEMU, "cannot set up tap device %s: %v", tap.Name, err)
	}
	link, err := netlink.LinkByName(tap.Name)
	if err != nil {
		return fail(err)
	}
	// As libvirt does, the host side gets the guest's MAC with a first byte of 0xFE, so
	// a bridge never takes the guest's own address.
	if mac, err := net.ParseMAC(nic.MAC.Address); err == nil {
		mac[0] = 0xfe
		if err := netlink.LinkSetHardwareAddr(link, mac); err != nil {
			return fail(err)
		}
	}
	if attrs.MTU > 0 {
		if err := netlink.LinkSetMTU(link, attrs.MTU); err != nil {
			return fail(err)
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fail(err)
	}
	if len(tap.Fds) != 1 {
		return fail(fmt.Errorf("got %d queues", len(tap.Fds)))
	}
	return tap.Fds[0], tap.Name, nil
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}
