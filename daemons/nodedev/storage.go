package nodedev

import (
	"fmt"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// storage describes a disk as udevProcessStorage: its drive type from udevd
// (ID_TYPE, ID_CDROM, ID_DRIVE_FLOPPY, ID_DRIVE_FLASH_SD) or, without udevd, guessed
// from the device node's name as udevKludgeStorageType does; size from sysfs. The name
// carries the serial number when udevd knows it.
func (b *builder) storage(d *rawDevice, def *libvirtxml.NodeDevice) error {
	node := d.DevNode()
	if node == "" {
		return fmt.Errorf("no device node: %w", errSkip)
	}
	sc := &libvirtxml.NodeDeviceStorageCapability{
		Block:  node,
		Bus:    d.Prop("ID_BUS"),
		Serial: d.Prop("ID_SERIAL"),
		Vendor: strings.TrimSpace(b.sys.attr(d.Path, "device/vendor")),
		Model:  strings.TrimSpace(b.sys.attr(d.Path, "device/model")),
	}
	sc.DriverType = d.Prop("ID_TYPE")
	if sc.DriverType == "" || sc.DriverType == "generic" {
		switch {
		case d.Prop("ID_DRIVE_FLOPPY") != "":
			sc.DriverType = "floppy"
		case d.Prop("ID_CDROM") != "":
			sc.DriverType = "cd"
		case d.Prop("ID_DRIVE_FLASH_SD") != "":
			sc.DriverType = "sd"
		default:
			sc.DriverType = guessDriveType(node)
		}
	}
	blocks, _ := b.sys.attrInt(d.Path, "size", 10)
	blockSize, _ := b.sys.attrInt(d.Path, "queue/logical_block_size", 10)
	switch sc.DriverType {
	case "cd", "cd/dvd":
		// libvirt keeps the HAL-era name for optical drives.
		sc.DriverType = "cdrom"
		media := d.Prop("ID_CDROM_MEDIA") == "1"
		sc.Capability = b.removable(d, media, blocks, blockSize)
	case "floppy":
		sc.Capability = b.removable(d, d.Prop("ID_FS_LABEL") != "", blocks, blockSize)
	case "disk", "sd", "dasd":
		if sc.DriverType == "dasd" {
			sc.Serial = b.sys.attr(d.Path, "device/uid")
		}
		size := uint(blocks * blockSize)
		sc.Size = &size
		if blockSize > 0 {
			bs := uint(blockSize)
			sc.LogicalBlockSize = &bs
		}
		if blocks > 0 {
			nb := uint(blocks)
			sc.NumBlocks = &nb
		}
	default:
		return fmt.Errorf("unsupported storage type %q: %w", sc.DriverType, errSkip)
	}
	def.Name = deviceName(d.Subsystem, d.Sysname, sc.Serial)
	def.Capability.Storage = sc
	return nil
}

// guessDriveType is udevKludgeStorageType: virtio and NVMe disks, and s390 DASDs, are
// recognised by their device node when udevd gave no type. Anything else (loop, zram,
// ram disks) has no type and libvirt does not report it.
func guessDriveType(node string) string {
	switch {
	case strings.HasPrefix(node, "/dev/vd"), strings.HasPrefix(node, "/dev/nvme"):
		return "disk"
	case strings.HasPrefix(node, "/dev/dasd"):
		return "dasd"
	}
	return ""
}

// removable is the removable-media capability of optical and floppy drives
// (udevProcessRemoveableMedia).
func (b *builder) removable(d *rawDevice, media bool, blocks, blockSize int64) []libvirtxml.NodeDeviceStorageSubCapability {
	r := &libvirtxml.NodeDeviceStorageRemovableCapability{}
	avail, size := uint(0), uint(0)
	if media {
		avail, size = 1, uint(blocks*blockSize)
		r.MediaLabel = d.Prop("ID_FS_LABEL")
		if blockSize > 0 {
			bs := uint(blockSize)
			r.LogicalBlockSize = &bs
		}
		if blocks > 0 {
			nb := uint(blocks)
			r.NumBlocks = &nb
		}
	}
	r.MediaAvailable, r.MediaSize = &avail, &size
	if n, _ := strconv.Atoi(b.sys.attr(d.Path, "removable")); n != 1 {
		return nil
	}
	return []libvirtxml.NodeDeviceStorageSubCapability{{Removable: r}}
}
