package nodedev

import (
	"fmt"
	"path/filepath"
	"strconv"

	"libvirt.org/go/libvirtxml"
)

// drmTypes names a DRM minor's kind by its number's upper bits (drmGetMinorType).
var drmTypes = map[int]string{0: "primary", 1: "control", 2: "render"}

// drm describes a DRM minor (/dev/dri/cardN, renderDN).
func (b *builder) drm(d *rawDevice, def *libvirtxml.NodeDevice) error {
	minor, err := strconv.Atoi(d.Prop("MINOR"))
	if err != nil || minor < 0 {
		return missing(d, "MINOR")
	}
	typ, ok := drmTypes[minor>>6]
	if !ok {
		return fmt.Errorf("unknown DRM minor %d: %w", minor, errSkip)
	}
	def.Name = deviceName(d.Subsystem, d.Sysname, "")
	def.Capability.DRM = &libvirtxml.NodeDeviceDRMCapability{Type: typ}
	return nil
}

// mdev describes a mediated device (udevProcessMediatedDevice): its type, UUID, the
// address of the parent it was carved from, and its IOMMU group. The name is
// mdev_UUID_PARENT, as libvirt names active mediated devices.
func (b *builder) mdev(d *rawDevice, def *libvirtxml.NodeDevice) error {
	typ := b.sys.link(d.Path, "mdev_type")
	if typ == "" {
		return fmt.Errorf("no mdev_type: %w", errSkip)
	}
	parent := filepath.Base(filepath.Dir(d.Path))
	group, err := strconv.Atoi(b.sys.link(d.Path, "iommu_group"))
	if err != nil {
		return fmt.Errorf("no IOMMU group: %w", errSkip)
	}
	def.Name = deviceName(d.Subsystem, d.Sysname, parent)
	def.Capability.MDev = &libvirtxml.NodeDeviceMDevCapability{
		Type:       &libvirtxml.NodeDeviceMDevCapabilityType{ID: typ},
		UUID:       d.Sysname,
		ParentAddr: parent,
		IOMMUGroup: &libvirtxml.NodeDeviceIOMMUGroup{Number: group},
	}
	return nil
}
