package nodedev

import (
	"errors"
	"fmt"

	"libvirt.org/go/libvirtxml"
)

// errSkip marks a device libvirt does not report: no capability it knows, or not enough
// information to describe it (udevAddOneDevice discards those too).
var errSkip = errors.New("not a node device")

// builder turns what sysfs and udevd say about a device into libvirt's node-device
// definition, as node_device_udev.c's udevGetDeviceDetails does.
type builder struct {
	sys sysfs
	// privileged says whether PCI config space can be read past its first 64 bytes,
	// which the kernel allows root only; libvirt reads header type and PCIe links then.
	privileged bool
	// ids names PCI vendors and products when udevd has not (may be nil).
	ids *pciIDs
	// features lists a network interface's offloads (ethtool); nil reports none.
	features func(ifname string) []string
}

// deviceType classifies a device as udevGetDeviceType: by DEVTYPE when the kernel sets
// one, else by the properties PCI devices and wired network interfaces carry, else by
// subsystem.
func deviceType(d *rawDevice) (capType, bool) {
	if devtype := d.Prop("DEVTYPE"); devtype != "" {
		switch devtype {
		case "usb_device":
			return capUSBDev, true
		case "usb_interface":
			return capUSBInterface, true
		case "scsi_host":
			return capSCSIHost, true
		case "scsi_target":
			return capSCSITarget, true
		case "scsi_device":
			return capSCSI, true
		case "disk":
			return capStorage, true
		case "wlan":
			return capNet, true
		case "drm_minor":
			return capDRM, true
		}
		return 0, false
	}
	typ, ok := capType(0), false
	if d.Prop("PCI_CLASS") != "" {
		typ, ok = capPCI, true
	}
	if d.Prop("INTERFACE") != "" {
		typ, ok = capNet, true
	}
	// libvirt also reports scsi_generic, vdpa and the s390 subsystems; libvirtxml has
	// no shape for the first two and this driver does not run on s390.
	if d.Subsystem == "mdev" {
		typ, ok = capMdev, true
	}
	return typ, ok
}

// build describes the device, without its parent (the registry knows that). The
// result's name is libvirt's.
func (b *builder) build(d *rawDevice) (*libvirtxml.NodeDevice, error) {
	typ, ok := deviceType(d)
	if !ok {
		return nil, errSkip
	}
	def := &libvirtxml.NodeDevice{Path: d.Path}
	if d.Driver != "" {
		def.Driver = &libvirtxml.NodeDeviceDriver{Name: d.Driver}
	}
	if n := d.DevNode(); n != "" {
		def.DevNodes = append(def.DevNodes, libvirtxml.NodeDeviceDevNode{Type: "dev", Path: n})
	}
	for _, l := range d.Links {
		def.DevNodes = append(def.DevNodes, libvirtxml.NodeDeviceDevNode{Type: "link", Path: l})
	}
	var err error
	switch typ {
	case capPCI:
		err = b.pci(d, def)
	case capUSBDev:
		err = b.usbDevice(d, def)
	case capUSBInterface:
		err = b.usbInterface(d, def)
	case capNet:
		err = b.net(d, def)
	case capSCSIHost:
		err = b.scsiHost(d, def)
	case capSCSITarget:
		err = b.scsiTarget(d, def)
	case capSCSI:
		err = b.scsi(d, def)
	case capStorage:
		err = b.storage(d, def)
	case capDRM:
		err = b.drm(d, def)
	case capMdev:
		err = b.mdev(d, def)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Path, err)
	}
	return def, nil
}

// missing is the error of a device without a property libvirt requires, worded as
// udevGetIntProperty's.
func missing(d *rawDevice, prop string) error {
	return fmt.Errorf("missing udev property '%s' on '%s': %w", prop, d.Sysname, errSkip)
}
