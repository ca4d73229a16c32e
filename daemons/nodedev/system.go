package nodedev

import "libvirt.org/go/libvirtxml"

// computerName is the name of the device standing for the machine itself, the root of
// the device tree and the parent of every device whose sysfs ancestors are not devices.
const computerName = "computer"

// computer describes the machine from its DMI tables, as udevSetupSystemDev and
// udevGetDMIData: product, hardware and firmware. uuid is the host UUID libvirt reports
// everywhere (the daemon's host_uuid, else SMBIOS).
func (b *builder) computer(uuid string) *libvirtxml.NodeDevice {
	const dmi = "/sys/devices/virtual/dmi/id"
	attr := func(name string) string { return b.sys.attr(dmi, name) }
	return &libvirtxml.NodeDevice{
		Name: computerName,
		Capability: libvirtxml.NodeDeviceCapability{System: &libvirtxml.NodeDeviceSystemCapability{
			Product: attr("product_name"),
			Hardware: &libvirtxml.NodeDeviceSystemHardware{
				Vendor:  attr("sys_vendor"),
				Version: attr("product_version"),
				Serial:  attr("product_serial"),
				UUID:    uuid,
			},
			Firmware: &libvirtxml.NodeDeviceSystemFirmware{
				Vendor:      attr("bios_vendor"),
				Version:     attr("bios_version"),
				ReleaseData: attr("bios_date"),
			},
		}},
	}
}
