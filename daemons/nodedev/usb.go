package nodedev

import (
	"fmt"
	"strconv"

	"libvirt.org/go/libvirtxml"
)

// usbDevice describes a USB device as udevProcessUSBDevice. Vendor and product ids
// come from udevd (ID_VENDOR_ID, ID_MODEL_ID) or, where udevd does not run, from the
// idVendor and idProduct attributes libudev would have read them from; names from
// udevd's hardware database or the device's own strings.
func (b *builder) usbDevice(d *rawDevice, def *libvirtxml.NodeDevice) error {
	bus, err := strconv.Atoi(d.Prop("BUSNUM"))
	if err != nil {
		return missing(d, "BUSNUM")
	}
	dev, err := strconv.Atoi(d.Prop("DEVNUM"))
	if err != nil {
		return missing(d, "DEVNUM")
	}
	vendor, ok := b.hexID(d, "ID_VENDOR_ID", "idVendor")
	if !ok {
		return missing(d, "ID_VENDOR_ID")
	}
	product, ok := b.hexID(d, "ID_MODEL_ID", "idProduct")
	if !ok {
		return missing(d, "ID_MODEL_ID")
	}
	uc := &libvirtxml.NodeDeviceUSBDeviceCapability{
		Bus:     bus,
		Device:  dev,
		Vendor:  libvirtxml.NodeDeviceIDName{ID: fmt.Sprintf("0x%04x", vendor), Name: d.Prop("ID_VENDOR_FROM_DATABASE")},
		Product: libvirtxml.NodeDeviceIDName{ID: fmt.Sprintf("0x%04x", product), Name: d.Prop("ID_MODEL_FROM_DATABASE")},
	}
	if uc.Vendor.Name == "" {
		uc.Vendor.Name = b.sys.attr(d.Path, "manufacturer")
	}
	if uc.Product.Name == "" {
		uc.Product.Name = b.sys.attr(d.Path, "product")
	}
	def.Name = deviceName(d.Subsystem, d.Sysname, "")
	def.Capability.USBDevice = uc
	return nil
}

func (b *builder) hexID(d *rawDevice, prop, attr string) (int64, bool) {
	if v, err := strconv.ParseInt(d.Prop(prop), 16, 32); err == nil {
		return v, true
	}
	return b.sys.attrInt(d.Path, attr, 16)
}

// usbInterface describes one interface of a USB device (udevProcessUSBInterface).
func (b *builder) usbInterface(d *rawDevice, def *libvirtxml.NodeDevice) error {
	var v [4]int64
	for i, a := range []string{"bInterfaceNumber", "bInterfaceClass", "bInterfaceSubClass", "bInterfaceProtocol"} {
		n, ok := b.sys.attrInt(d.Path, a, 16)
		if !ok {
			return fmt.Errorf("no %s: %w", a, errSkip)
		}
		v[i] = n
	}
	def.Name = deviceName(d.Subsystem, d.Sysname, "")
	def.Capability.USB = &libvirtxml.NodeDeviceUSBCapability{
		Number: int(v[0]), Class: int(v[1]), Subclass: int(v[2]), Protocol: int(v[3]),
	}
	return nil
}
