package qemu

import (
	"fmt"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// bootOrder gives each bootable device its bootindex: per-device <boot order>, or the
// <os><boot dev> list applied to the first disk, CD-ROM and interface, as libvirt does.
func bootOrder(def *libvirtxml.Domain) map[any]uint {
	boot := map[any]uint{}
	d := def.Devices
	for i := range d.Disks {
		if b := d.Disks[i].Boot; b != nil {
			boot[&d.Disks[i]] = b.Order
		}
	}
	for i := range d.Interfaces {
		if b := d.Interfaces[i].Boot; b != nil {
			boot[&d.Interfaces[i]] = b.Order
		}
	}
	if len(boot) > 0 {
		return boot
	}
	n := uint(0)
	for _, bd := range def.OS.BootDevices {
		var target any
		switch bd.Dev {
		case "hd", "cdrom":
			want := "disk"
			if bd.Dev == "cdrom" {
				want = "cdrom"
			}
			for i := range d.Disks {
				dev := d.Disks[i].Device
				if dev == "" {
					dev = "disk"
				}
				if dev == want {
					target = &d.Disks[i]
					break
				}
			}
		case "network":
			if len(d.Interfaces) > 0 {
				target = &d.Interfaces[0]
			}
		}
		if target != nil {
			n++
			boot[target] = n
		}
	}
	return boot
}

func addDisks(c *command, d *libvirtxml.DomainDeviceList, boot map[any]uint, q35 bool) error {
	for i := range d.Disks {
		disk := &d.Disks[i]
		if disk.Target == nil || disk.Target.Dev == "" {
			return unsupported("disk without a target device")
		}
		dev := disk.Device
		if dev == "" {
			dev = "disk"
		}
		if dev != "disk" && dev != "cdrom" {
			return unsupported("disk device '%s'", dev)
		}
		node := fmt.Sprintf("libvirt-%d", i+1)
		readOnly := dev == "cdrom" || disk.ReadOnly != nil
		hasMedia := false
		if src := disk.Source; src != nil {
			var storage props
			switch {
			case src.File != nil && src.File.File != "":
				storage = props{{"driver", "file"}, {"filename", src.File.File}}
			case src.Block != nil && src.Block.Dev != "":
				storage = props{{"driver", "host_device"}, {"filename", src.Block.Dev}}
			case src.File != nil || src.Block != nil:
			default:
				return unsupported("disk source of %s: only files and block devices are supported", disk.Target.Dev)
			}
			if storage != nil {
				hasMedia = true
				format := "raw"
				if disk.Driver != nil && disk.Driver.Type != "" {
					format = disk.Driver.Type
				}
				if format != "raw" && format != "qcow2" {
					return unsupported("disk format '%s' of %s", format, disk.Target.Dev)
				}
				storage = append(storage, prop{"node-name", node + "-storage"}, prop{"read-only", readOnly})
				c.add("-blockdev", storage.String())
				c.add("-blockdev", props{{"node-name", node + "-format"}, {"read-only", readOnly},
					{"driver", format}, {"file", node + "-storage"}}.String())
			}
		}
		dp, err := diskDevice(disk, dev, q35)
		if err != nil {
			return err
		}
		if hasMedia {
			dp = append(dp, prop{"drive", node + "-format"})
		}
		dp = append(dp, prop{"id", diskAlias(disk)})
		if n, ok := boot[disk]; ok {
			dp = append(dp, prop{"bootindex", n})
		}
		c.add("-device", dp.String())
	}
	return nil
}

// diskDevice is the front end of a disk by its bus.
func diskDevice(disk *libvirtxml.DomainDisk, dev string, q35 bool) (props, error) {
	bus := disk.Target.Bus
	n := diskIndex(disk.Target.Dev)
	kind := "hd"
	if dev == "cdrom" {
		kind = "cd"
	}
	switch bus {
	case "virtio":
		if dev == "cdrom" {
			return nil, unsupported("virtio CD-ROM %s", disk.Target.Dev)
		}
		return props{{"driver", "virtio-blk-pci"}}, nil
	case "ide":
		return props{{"driver", "ide-" + kind}, {"bus", fmt.Sprintf("ide.%d", n/2)}, {"unit", n % 2}}, nil
	case "sata":
		if q35 {
			return props{{"driver", "ide-" + kind}, {"bus", fmt.Sprintf("ide.%d", n)}}, nil
		}
		return props{{"driver", "ide-" + kind}, {"bus", fmt.Sprintf("sata0.%d", n)}}, nil
	case "scsi":
		return props{{"driver", "scsi-" + kind}, {"bus", "scsi0.0"}, {"lun", n}}, nil
	}
	return nil, unsupported("disk bus '%s' of %s", bus, disk.Target.Dev)
}

// diskIndex is the position a target name encodes: vda=0, vdb=1, ..., vdaa=26.
func diskIndex(dev string) int {
	for _, prefix := range []string{"xvd", "hd", "sd", "vd"} {
		if rest, ok := strings.CutPrefix(dev, prefix); ok {
			dev = rest
			break
		}
	}
	n := 0
	for _, ch := range dev {
		if ch < 'a' || ch > 'z' {
			return 0
		}
		n = n*26 + int(ch-'a') + 1
	}
	return max(n-1, 0)
}

func diskAlias(disk *libvirtxml.DomainDisk) string {
	n := diskIndex(disk.Target.Dev)
	switch disk.Target.Bus {
	case "virtio":
		return "virtio-disk" + strconv.Itoa(n)
	case "ide":
		return fmt.Sprintf("ide0-%d-%d", n/2, n%2)
	case "sata":
		return fmt.Sprintf("sata0-0-%d", n)
	}
	return fmt.Sprintf("scsi0-0-0-%d", n)
}
