package nodedev

import (
	"strconv"

	"libvirt.org/go/libvirtxml"
)

// net describes a network interface as udevProcessNetworkInterface: named after the
// interface and its MAC address, with its link state and offload features.
func (b *builder) net(d *rawDevice, def *libvirtxml.NodeDevice) error {
	ifname := d.Prop("INTERFACE")
	address := b.sys.attr(d.Path, "address")
	def.Name = deviceName("net", d.Sysname, address)
	nc := &libvirtxml.NodeDeviceNetCapability{Interface: ifname, Address: address}
	if state := b.sys.attr(d.Path, "operstate"); state != "" {
		nc.Link = &libvirtxml.NodeDeviceNetLink{State: state}
		if state == "up" {
			nc.Link.Speed = linkSpeed(b.sys.attr(d.Path, "speed"))
		}
	}
	if b.features != nil {
		for _, f := range b.features(ifname) {
			nc.Features = append(nc.Features, libvirtxml.NodeDeviceNetOffloadFeatures{Name: f})
		}
	}
	if d.Prop("DEVTYPE") == "wlan" {
		nc.Capability = []libvirtxml.NodeDeviceNetSubCapability{{Wireless80211: &libvirtxml.NodeDeviceNet80211Capability{}}}
	} else {
		nc.Capability = []libvirtxml.NodeDeviceNetSubCapability{{Ethernet80203: &libvirtxml.NodeDeviceNet80203Capability{}}}
	}
	def.Capability.Net = nc
	return nil
}

// linkSpeed is the speed sysfs reports for an up link, in Mbit/s, or "" when the driver
// does not know it (virtual links answer EINVAL, some drivers -1), as libvirt leaves
// the attribute out.
func linkSpeed(s string) string {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 || n == 1<<32-1 {
		return ""
	}
	return strconv.FormatUint(n, 10)
}
