package nodedev

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// sampleHost builds a host with one device of every kind the driver describes: a PCIe
// NIC with SR-IOV and an IOMMU, its network interface, a PCI bridge, a USB controller
// with a device and its interface, a SCSI host with a target, a disk (with udevd's
// record) and a CD-ROM, a virtio disk udevd never saw, a loop device (not reported),
// a DRM card, a mediated device, and DMI data. It returns the tree and the udev
// database directory.
func sampleHost(t testing.TB) (*fakeSys, string) {
	f := newFakeSys(t)
	udev := t.TempDir()
	const pciRoot = "/sys/devices/pci0000:00"

	nic := pciRoot + "/0000:00:1f.6"
	f.device("bus", "pci", nic, "DRIVER=e1000e\nPCI_CLASS=20000\nPCI_ID=8086:15BB\nPCI_SLOT_NAME=0000:00:1f.6\n",
		map[string]string{"vendor": "0x8086", "device": "0x15bb", "numa_node": "0", "sriov_totalvfs": "7"})
	f.driver(nic, "pci", "e1000e")
	f.write(nic+"/config", string(pcieConfig(0x00, 0x0, 3, 4, 3, 1)))
	f.symlink(nic+"/virtfn0", pciRoot+"/0000:00:1f.7")
	f.write("/sys/kernel/iommu_groups/12/devices/.keep", "")
	f.symlink("/sys/kernel/iommu_groups/12/devices/0000:00:1f.6", nic)
	f.symlink(nic+"/iommu_group", "/sys/kernel/iommu_groups/12")
	f.write(nic+"/mdev_supported_types/nvidia-35/name", "GRID M60-0B\n")
	f.write(nic+"/mdev_supported_types/nvidia-35/device_api", "vfio-pci\n")
	f.write(nic+"/mdev_supported_types/nvidia-35/available_instances", "16\n")
	os.WriteFile(filepath.Join(udev, "+pci:0000:00:1f.6"), []byte("E:ID_VENDOR_FROM_DATABASE=Intel Corporation\nE:ID_MODEL_FROM_DATABASE=Ethernet Connection (2) I219-LM\n"), 0o644)

	vf := pciRoot + "/0000:00:1f.7"
	f.device("bus", "pci", vf, "PCI_CLASS=20000\n", map[string]string{"vendor": "0x8086", "device": "0x15bc", "numa_node": "-1"})
	f.symlink(vf+"/physfn", nic)

	eth := nic + "/net/eno1"
	f.device("class", "net", eth, "INTERFACE=eno1\nIFINDEX=2\n",
		map[string]string{"address": "52:54:00:12:34:56", "operstate": "up", "speed": "1000"})

	bridge := pciRoot + "/0000:00:1c.0"
	f.device("bus", "pci", bridge, "DRIVER=pcieport\nPCI_CLASS=60400\n", map[string]string{"vendor": "0x8086", "device": "0xa110"})
	f.write(bridge+"/config", string(pcieConfig(0x01, 0x4, 3, 1, 1, 1)))

	usbHost := pciRoot + "/0000:00:14.0"
	f.device("bus", "pci", usbHost, "PCI_CLASS=C0330\n", map[string]string{"vendor": "0x8086", "device": "0xa12f"})
	usb := usbHost + "/usb1/1-1"
	f.device("bus", "usb", usb, "DEVTYPE=usb_device\nBUSNUM=001\nDEVNUM=002\nPRODUCT=46d/c52b/1211\nDEVNAME=bus/usb/001/002\n",
		map[string]string{"idVendor": "046d", "idProduct": "c52b", "manufacturer": "Logitech", "product": "USB Receiver"})
	f.device("bus", "usb", usb+"/1-1:1.0", "DEVTYPE=usb_interface\nINTERFACE=3/1/1\n",
		map[string]string{"bInterfaceNumber": "00", "bInterfaceClass": "03", "bInterfaceSubClass": "01", "bInterfaceProtocol": "01"})

	sata := pciRoot + "/0000:00:17.0"
	f.device("bus", "pci", sata, "PCI_CLASS=10601\n", map[string]string{"vendor": "0x8086", "device": "0xa102"})
	host := sata + "/ata1/host0"
	f.device("bus", "scsi", host, "DEVTYPE=scsi_host\n", nil)
	f.write("/sys/class/scsi_host/host0/unique_id", "1\n")
	target := host + "/target0:0:0"
	f.device("bus", "scsi", target, "DEVTYPE=scsi_target\n", nil)
	lun := target + "/0:0:0:0"
	f.device("bus", "scsi", lun, "DEVTYPE=scsi_device\nDRIVER=sd\n", map[string]string{"type": "0", "vendor": "ATA     ", "model": "Samsung SSD 860 "})
	sda := lun + "/block/sda"
	f.device("class", "block", sda, "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n",
		map[string]string{"size": "976773168", "queue/logical_block_size": "512", "removable": "0"})
	f.symlink(sda+"/device", lun)
	os.WriteFile(filepath.Join(udev, "b8:0"), []byte("S:disk/by-id/ata-Samsung_SSD_860_S3Z9NB0K\nI:1234\nE:ID_BUS=ata\nE:ID_TYPE=disk\nE:ID_SERIAL=Samsung_SSD_860_S3Z9NB0K\nE:ID_FS_UUID=a=b\nG:systemd\nV:1\n"), 0o644)
	f.device("class", "block", sda+"/sda1", "MAJOR=8\nMINOR=1\nDEVNAME=sda1\nDEVTYPE=partition\n", nil)
	sr := target + "/0:0:0:1/block/sr0"
	f.device("class", "block", sr, "MAJOR=11\nMINOR=0\nDEVNAME=sr0\nDEVTYPE=disk\n",
		map[string]string{"size": "0", "queue/logical_block_size": "2048", "removable": "1"})
	os.WriteFile(filepath.Join(udev, "b11:0"), []byte("E:ID_CDROM=1\nE:ID_BUS=ata\n"), 0o644)

	virtio := pciRoot + "/0000:00:02.0"
	f.device("bus", "pci", virtio, "DRIVER=virtio-pci\nPCI_CLASS=18000\n", map[string]string{"vendor": "0x1af4", "device": "0x1042"})
	f.device("bus", "virtio", virtio+"/virtio1", "DRIVER=virtio_blk\n", map[string]string{"vendor": "0x1af4"})
	f.device("class", "block", virtio+"/virtio1/block/vda", "MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n",
		map[string]string{"size": "2097152", "queue/logical_block_size": "512"})
	f.symlink(virtio+"/virtio1/block/vda/device", virtio+"/virtio1")
	f.device("class", "block", "/sys/devices/virtual/block/loop0", "MAJOR=7\nMINOR=0\nDEVNAME=loop0\nDEVTYPE=disk\n",
		map[string]string{"size": "0", "queue/logical_block_size": "512"})

	gpu := pciRoot + "/0000:00:02.1"
	f.device("bus", "pci", gpu, "DRIVER=i915\nPCI_CLASS=30000\n", map[string]string{"vendor": "0x8086", "device": "0x5912"})
	f.device("class", "drm", gpu+"/drm/card0", "MAJOR=226\nMINOR=0\nDEVNAME=dri/card0\nDEVTYPE=drm_minor\n", nil)
	f.device("class", "drm", gpu+"/drm/renderD128", "MAJOR=226\nMINOR=128\nDEVNAME=dri/renderD128\nDEVTYPE=drm_minor\n", nil)
	mdev := gpu + "/4b20d080-1b54-4048-85b3-a6a62d165c01"
	f.device("bus", "mdev", mdev, "MDEV_TYPE=i915-GVTg_V5_4\n", nil)
	f.write(gpu+"/mdev_supported_types/i915-GVTg_V5_4/available_instances", "0\n")
	f.symlink(mdev+"/mdev_type", gpu+"/mdev_supported_types/i915-GVTg_V5_4")
	f.write("/sys/kernel/iommu_groups/3/devices/.keep", "")
	f.symlink(mdev+"/iommu_group", "/sys/kernel/iommu_groups/3")

	f.device("class", "net", "/sys/devices/virtual/net/lo", "INTERFACE=lo\nIFINDEX=1\n",
		map[string]string{"address": "00:00:00:00:00:00", "operstate": "unknown"})
	f.device("class", "tty", "/sys/devices/virtual/tty/tty0", "MAJOR=4\nMINOR=0\nDEVNAME=tty0\n", nil)

	for k, v := range map[string]string{"product_name": "ThinkPad X1", "sys_vendor": "LENOVO", "product_version": "X1 Carbon", "product_serial": "PF0XXXXX", "bios_vendor": "LENOVO", "bios_version": "N1MET31W", "bios_date": "03/10/2017"} {
		f.write("/sys/devices/virtual/dmi/id/"+k, v+"\n")
	}
	return f, udev
}

// pcieConfig is a 256-byte config space with the given header type and one PCI
// Express capability of the given port type, link capability (speed code, width) and
// link status speed code, reached through an unrelated capability first.
func pcieConfig(header byte, portType uint16, capSpeed, capWidth, staSpeed, staWidth uint32) []byte {
	c := make([]byte, 256)
	binary.LittleEndian.PutUint16(c[cfgStatus:], statusCapList)
	c[cfgHeaderType] = header
	c[cfgCapPointer] = 0x40
	c[0x40], c[0x41] = 0x01, 0x60 // power management, next at 0x60
	c[0x60], c[0x61] = capIDExpress, 0
	binary.LittleEndian.PutUint16(c[0x60+expFlags:], portType<<4|2)
	binary.LittleEndian.PutUint32(c[0x60+expLinkCap:], 5<<24|capWidth<<4|capSpeed)
	binary.LittleEndian.PutUint16(c[0x60+expLinkStatus:], uint16(staWidth<<4|staSpeed))
	return c
}
