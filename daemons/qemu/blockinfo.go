package qemu

import (
	"encoding/binary"
	"io"
	"os"
	"syscall"

	"libvirt.org/go/libvirtxml"
)

// Finding a guest's disks by the names clients use, and the sizes of their images.

// diskByName is libvirt's virDomainDiskByName: a disk by its target ("vda") or the
// path of its source.
func diskByName(def *libvirtxml.Domain, name string) (int, *libvirtxml.DomainDisk) {
	for i := range def.Devices.Disks {
		if def.Devices.Disks[i].Target != nil && def.Devices.Disks[i].Target.Dev == name {
			return i, &def.Devices.Disks[i]
		}
	}
	for i := range def.Devices.Disks {
		if p := diskSourcePath(&def.Devices.Disks[i]); p != "" && p == name {
			return i, &def.Devices.Disks[i]
		}
	}
	return -1, nil
}

// aliasOfDisk is the QEMU id of a disk: the alias the live definition records, else
// the one the command line gave it.
func aliasOfDisk(def *libvirtxml.Domain, disk *libvirtxml.DomainDisk) string {
	if disk.Alias != nil && disk.Alias.Name != "" {
		return disk.Alias.Name
	}
	return diskAlias(def, disk)
}

// imageSizes are virDomainGetBlockInfo's figures of one image, in bytes: what the
// guest sees (capacity), what the host has allocated (allocation), and the file's or
// device's size (physical).
type imageSizes struct {
	capacity, allocation, physical uint64
}

// sizesOf reads an image's sizes from the host: a raw image is as large as its file
// or device, a qcow2 image says its virtual size in its header.
func sizesOf(path, format string) (imageSizes, error) {
	f, err := os.Open(path)
	if err != nil {
		return imageSizes{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return imageSizes{}, err
	}
	var s imageSizes
	if st.Mode()&os.ModeDevice != 0 {
		end, err := f.Seek(0, io.SeekEnd)
		if err != nil {
			return imageSizes{}, err
		}
		n := uint64(end)
		s.physical, s.allocation = n, n
	} else {
		s.physical = uint64(st.Size())
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			s.allocation = uint64(sys.Blocks) * 512
		}
	}
	s.capacity = s.physical
	if format == "qcow2" {
		// QFI_MAGIC, version, backing file offset and size, cluster bits, then the
		// virtual size at offset 24.
		var hdr [32]byte
		if _, err := f.ReadAt(hdr[:], 0); err == nil && string(hdr[:4]) == "QFI\xfb" {
			s.capacity = binary.BigEndian.Uint64(hdr[24:])
		}
	}
	return s, nil
}
