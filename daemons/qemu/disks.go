package qemu

import (
	"fmt"
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
				if d.Disks[i].Device == want {
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

// diskCache is what each cache mode sets: the block layer's direct and no-flush,
// and the guest-visible write cache.
var diskCache = map[string]struct {
	direct, noFlush bool
	writeCache      string
}{
	"none": {true, false, "on"}, "writeback": {false, false, "on"}, "writethrough": {false, false, "off"},
	"directsync": {true, false, "off"}, "unsafe": {false, true, "on"},
}

// addDisks writes each disk as libvirt 9.0 does: a storage and a format -blockdev
// node (numbered from the last disk down, as libvirt numbers them), and the front
// end on the disk's bus.
func addDisks(c *command, def *libvirtxml.Domain, boot map[any]uint) error {
	d := def.Devices
	for i := range d.Disks {
		disk := &d.Disks[i]
		if disk.Device != "disk" && disk.Device != "cdrom" {
			return unsupported("disk device '%s' is not supported", disk.Device)
		}
		if err := checkDisk(disk); err != nil {
			return err
		}
		node := fmt.Sprintf("libvirt-%d", startNodes(i, len(d.Disks)))
		readOnly := disk.ReadOnly != nil
		drv := disk.Driver
		cache, hasCache := diskCache[drv.Cache]
		if drv.Cache != "" && drv.Cache != "default" && !hasCache {
			return unsupported("disk cache mode '%s' of %s is not supported", drv.Cache, disk.Target.Dev)
		}
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
				format := drv.Type
				if format != "raw" && format != "qcow2" {
					return unsupported("disk format '%s' of %s is not supported", format, disk.Target.Dev)
				}
				switch drv.IO {
				case "":
				case "native", "threads", "io_uring":
					storage = append(storage, prop{"aio", drv.IO})
				default:
					return unsupported("disk io mode '%s' of %s is not supported", drv.IO, disk.Target.Dev)
				}
				storage = append(storage, prop{"node-name", node + "-storage"})
				cacheProp := props{{"direct", cache.direct}, {"no-flush", cache.noFlush}}
				if hasCache {
					storage = append(storage, prop{"cache", cacheProp})
				}
				storage = append(storage, prop{"auto-read-only", true}, prop{"discard", "unmap"})
				c.add("-blockdev", storage.String())
				fmtNode := props{{"node-name", node + "-format"}, {"read-only", readOnly}}
				switch drv.Discard {
				case "", "ignore":
				case "unmap":
					fmtNode = append(fmtNode, prop{"discard", "unmap"})
				default:
					return unsupported("disk discard mode '%s' of %s is not supported", drv.Discard, disk.Target.Dev)
				}
				if hasCache {
					fmtNode = append(fmtNode, prop{"cache", cacheProp})
				}
				c.add("-blockdev", append(fmtNode, prop{"driver", format}, prop{"file", node + "-storage"}).String())
			}
		}
		dp, err := diskDevice(def, disk)
		if err != nil {
			return err
		}
		if disk.Shareable != nil {
			dp = append(dp, prop{"share-rw", true})
		}
		if hasMedia {
			dp = append(dp, prop{"drive", node + "-format"})
		}
		dp = append(dp, prop{"id", diskAlias(def, disk)})
		if n, ok := boot[disk]; ok {
			dp = append(dp, prop{"bootindex", n})
		}
		if hasCache && hasMedia {
			dp = append(dp, prop{"write-cache", cache.writeCache})
		}
		c.add("-device", dp.String())
	}
	return nil
}

// noBacking: an empty <backingStore/>, libvirt's mark of an image without a
// backing chain, which it writes into every running disk's XML (and so into the
// XML a libvirt host migrates); libvirtxml reads it as an empty source.
func noBacking(bs *libvirtxml.DomainDiskBackingStore) bool {
	return bs.Format == nil && bs.BackingStore == nil && (bs.Source == nil || *bs.Source == libvirtxml.DomainDiskSource{})
}

// checkDisk refuses disk settings the builder does not carry out.
func checkDisk(disk *libvirtxml.DomainDisk) error {
	dev := disk.Target.Dev
	drv := disk.Driver
	switch {
	case disk.IOTune != nil:
		return unsupported("<iotune> of disk %s is not supported by virtunit yet", dev)
	case disk.BackingStore != nil && !noBacking(disk.BackingStore):
		return unsupported("<backingStore> of disk %s is not supported", dev)
	case disk.Transient != nil:
		return unsupported("transient disk %s is not supported", dev)
	case drv.ErrorPolicy != "" || drv.RErrorPolicy != "":
		return unsupported("error_policy of disk %s is not supported", dev)
	case drv.IOThread != nil || drv.IOThreads != nil || drv.Queues != nil || drv.QueueSize != nil:
		return unsupported("iothread and queue settings of disk %s are not supported", dev)
	case drv.CopyOnRead != "" || drv.DetectZeros != "" || drv.IOEventFD != "" || drv.EventIDX != "":
		return unsupported("copy_on_read, detect_zeroes, ioeventfd and event_idx of disk %s are not supported", dev)
	case disk.Encryption != nil:
		return unsupported("encrypted disk %s is not supported", dev)
	case disk.Geometry != nil || disk.BlockIO != nil || disk.Serial != "" || disk.WWN != "" || disk.Vendor != "" || disk.Product != "":
		return unsupported("geometry, blockio, serial, wwn, vendor and product of disk %s are not supported", dev)
	}
	return nil
}

// diskDevice is the front end of a disk by its bus.
func diskDevice(def *libvirtxml.Domain, disk *libvirtxml.DomainDisk) (props, error) {
	kind := "hd"
	if disk.Device == "cdrom" {
		kind = "cd"
	}
	var drive *libvirtxml.DomainAddressDrive // completeDisks gave every ide, sata and scsi disk one
	if disk.Address != nil {
		drive = disk.Address.Drive
	}
	switch disk.Target.Bus {
	case "virtio":
		if disk.Device == "cdrom" {
			return nil, unsupported("virtio CD-ROM %s is not supported", disk.Target.Dev)
		}
		return append(props{{"driver", "virtio-blk-pci"}}, pciProps(def, disk.Address)...), nil
	case "ide":
		return props{{"driver", "ide-" + kind}, {"bus", fmt.Sprintf("ide.%d", index(drive.Bus))}, {"unit", index(drive.Unit)}}, nil
	case "sata":
		if isQ35(def) && index(drive.Controller) == 0 {
			return props{{"driver", "ide-" + kind}, {"bus", fmt.Sprintf("ide.%d", index(drive.Unit))}}, nil
		}
		return props{{"driver", "ide-" + kind}, {"bus", fmt.Sprintf("sata%d.%d", index(drive.Controller), index(drive.Unit))}}, nil
	case "scsi":
		p := props{{"driver", "scsi-" + kind}, {"bus", fmt.Sprintf("scsi%d.0", index(drive.Controller))}}
		if scsiModel(def, index(drive.Controller)) == "virtio-scsi" {
			return append(p, prop{"channel", index(drive.Bus)}, prop{"scsi-id", index(drive.Target)}, prop{"lun", index(drive.Unit)},
				prop{"device_id", "drive-" + diskAlias(def, disk)}), nil
		}
		return append(p, prop{"scsi-id", index(drive.Unit)}, prop{"device_id", "drive-" + diskAlias(def, disk)}), nil
	}
	return nil, unsupported("disk bus '%s' of %s is not supported", disk.Target.Bus, disk.Target.Dev)
}

func scsiModel(def *libvirtxml.Domain, ctl uint) string {
	for _, c := range def.Devices.Controllers {
		if c.Type == "scsi" && index(c.Index) == ctl {
			return c.Model
		}
	}
	return ""
}

// diskIndex is the position a target name encodes: vda=0, vdb=1, ..., vdaa=26.
func diskIndex(dev string) int {
	for _, prefix := range []string{"xvd", "hd", "sd", "vd", "fd", "ub"} {
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

// diskAlias is libvirt's device alias of a disk, from its bus and address: a disk
// on a virtio-scsi controller is named with its target too.
func diskAlias(def *libvirtxml.Domain, disk *libvirtxml.DomainDisk) string {
	if disk.Target.Bus == "virtio" {
		return fmt.Sprintf("virtio-disk%d", diskIndex(disk.Target.Dev))
	}
	dr := disk.Address.Drive
	if disk.Target.Bus == "scsi" && scsiModel(def, index(dr.Controller)) == "virtio-scsi" {
		return fmt.Sprintf("scsi%d-%d-%d-%d", index(dr.Controller), index(dr.Bus), index(dr.Target), index(dr.Unit))
	}
	return fmt.Sprintf("%s%d-%d-%d", disk.Target.Bus, index(dr.Controller), index(dr.Bus), index(dr.Unit))
}

// diskEmpty: a disk without a medium.
func diskEmpty(disk *libvirtxml.DomainDisk) bool {
	s := disk.Source
	switch {
	case s == nil:
		return true
	case s.File != nil:
		return s.File.File == ""
	case s.Block != nil:
		return s.Block.Dev == ""
	case s.Volume != nil:
		return s.Volume.Volume == ""
	}
	return true
}

// A running guest's disk says which block nodes hold its medium, as libvirt's live
// XML does: <source index='N'/>, N the number in the node names libvirt-N-storage and
// libvirt-N-format, and <backingStore/> where the chain ends (virtunit runs no backing
// chains, so every medium's chain ends at once). A start numbers the disks from the
// last down (addDisks); a hotplugged disk or a new medium takes the next free number.

// startNodes is the node number a start gives the i-th of n disks.
func startNodes(i, n int) int { return n - i }

// markMedium records on a live disk that node n holds its medium.
func markMedium(disk *libvirtxml.DomainDisk, n int) {
	if diskEmpty(disk) {
		return
	}
	disk.Source.Index = uint(n)
	disk.BackingStore = &libvirtxml.DomainDiskBackingStore{}
}

// markMedia numbers the media of a guest that is starting, as addDisks names them.
func markMedia(live *libvirtxml.Domain) {
	if live.Devices == nil {
		return
	}
	disks := live.Devices.Disks
	for i := range disks {
		markMedium(&disks[i], startNodes(i, len(disks)))
	}
}

// forgetMedia removes what markMedium recorded, for a definition that leaves the run:
// the indices, and with ends also the chain ends (a migratable definition keeps them,
// as libvirt's does).
func forgetMedia(def *libvirtxml.Domain, ends bool) {
	for i := range def.Devices.Disks {
		disk := &def.Devices.Disks[i]
		if disk.Source != nil {
			disk.Source.Index = 0
		}
		if ends && disk.BackingStore != nil && *disk.BackingStore == (libvirtxml.DomainDiskBackingStore{}) {
			disk.BackingStore = nil
		}
	}
}

// forgetEmptyFormats drops the format of every drive without a medium from a guest
// that is starting, as libvirt does: its live XML says <driver name='qemu'/> for an
// empty cdrom or floppy, whatever the definition said. A medium inserted later brings
// its own format.
func forgetEmptyFormats(live *libvirtxml.Domain) {
	if live.Devices == nil {
		return
	}
	for i := range live.Devices.Disks {
		disk := &live.Devices.Disks[i]
		if diskEmpty(disk) && disk.Driver != nil {
			disk.Driver.Type = ""
		}
	}
}
