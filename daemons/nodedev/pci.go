package nodedev

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// pciAddr is a PCI address, domain:bus:slot.function.
type pciAddr struct{ Domain, Bus, Slot, Function uint }

// parsePCIAddr reads "0000:00:1f.2", the name of a PCI device's sysfs directory.
func parsePCIAddr(s string) (pciAddr, bool) {
	var a pciAddr
	dom, rest, ok1 := strings.Cut(s, ":")
	bus, rest, ok2 := strings.Cut(rest, ":")
	slot, fn, ok3 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || !ok3 {
		return a, false
	}
	for _, f := range []struct {
		s   string
		max uint64
		dst *uint
	}{{dom, 0xffff, &a.Domain}, {bus, 0xff, &a.Bus}, {slot, 0x1f, &a.Slot}, {fn, 7, &a.Function}} {
		n, err := strconv.ParseUint(f.s, 16, 32)
		if err != nil || n > f.max || f.s == "" {
			return a, false
		}
		*f.dst = uint(n)
	}
	return a, true
}

func (a pciAddr) String() string {
	return fmt.Sprintf("%04x:%02x:%02x.%x", a.Domain, a.Bus, a.Slot, a.Function)
}

func (a pciAddr) xml() libvirtxml.NodeDevicePCIAddress {
	return libvirtxml.NodeDevicePCIAddress{Domain: &a.Domain, Bus: &a.Bus, Slot: &a.Slot, Function: &a.Function}
}

// pci describes a PCI function as udevProcessPCI and virNodeDeviceGetPCIDynamicCaps.
func (b *builder) pci(d *rawDevice, def *libvirtxml.NodeDevice) error {
	class, err := strconv.ParseUint(d.Prop("PCI_CLASS"), 16, 32)
	if err != nil {
		return missing(d, "PCI_CLASS")
	}
	addr, ok := parsePCIAddr(d.Sysname)
	if !ok {
		return fmt.Errorf("failed to parse the PCI address from sysfs path: '%s': %w", d.Path, errSkip)
	}
	vendor, _ := b.sys.attrInt(d.Path, "vendor", 16)
	product, _ := b.sys.attrInt(d.Path, "device", 16)
	pc := &libvirtxml.NodeDevicePCICapability{
		Class:    fmt.Sprintf("0x%06x", class),
		Domain:   &addr.Domain,
		Bus:      &addr.Bus,
		Slot:     &addr.Slot,
		Function: &addr.Function,
		Vendor:   libvirtxml.NodeDeviceIDName{ID: fmt.Sprintf("0x%04x", vendor), Name: d.Prop("ID_VENDOR_FROM_DATABASE")},
		Product:  libvirtxml.NodeDeviceIDName{ID: fmt.Sprintf("0x%04x", product), Name: d.Prop("ID_MODEL_FROM_DATABASE")},
	}
	if pc.Vendor.Name == "" && b.ids != nil {
		pc.Vendor.Name, pc.Product.Name = b.ids.names(uint16(vendor), uint16(product))
	}
	def.Name = deviceName("pci", d.Sysname, "")
	if n, ok := b.sys.attrInt(d.Path, "numa_node", 10); ok && n >= 0 {
		pc.NUMA = &libvirtxml.NodeDeviceNUMA{Node: int(n)}
	}
	b.pciSRIOV(d.Path, pc)
	pc.IOMMUGroup = b.iommuGroup(d.Path)
	if types := b.mdevTypes(d.Path); len(types) > 0 {
		pc.Capabilities = append(pc.Capabilities, libvirtxml.NodeDevicePCISubCapability{
			MDevTypes: &libvirtxml.NodeDevicePCIMDevTypesCapability{Types: types},
		})
	}
	if b.privileged {
		if config, err := readConfigHeader(b.sys.file(d.Path + "/config")); err == nil {
			hdr, express := parseConfigSpace(config)
			if hdr == headerPCIBridge {
				pc.Capabilities = append(pc.Capabilities, libvirtxml.NodeDevicePCISubCapability{
					Bridge: &libvirtxml.NodeDevicePCIBridgeCapability{},
				})
			}
			pc.PCIExpress = express
		}
	}
	def.Capability.PCI = pc
	return nil
}

// readConfigHeader reads a function's standard configuration space, the first 256
// bytes: the header type and the PCI Express capability are there. The extended space
// after it is not needed, and each 4-byte word of config space read costs a trap to
// the hypervisor in a guest, which made reading whole 4 KiB files most of a daemon's
// start-up time.
func readConfigHeader(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, configHeaderSize)
	n, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF {
		err = nil // a conventional function's 64-byte header (unprivileged reads)
	}
	return buf[:n], err
}

// configHeaderSize is the size of a function's standard (non-extended) config space.
const configHeaderSize = 256

// pciSRIOV adds the SR-IOV relations: the physical function of a virtual function
// (physfn), and a physical function's virtual functions (virtfnN) with the most it can
// have (sriov_totalvfs).
func (b *builder) pciSRIOV(dev string, pc *libvirtxml.NodeDevicePCICapability) {
	if pf, ok := parsePCIAddr(b.sys.link(dev, "physfn")); ok {
		pc.Capabilities = append(pc.Capabilities, libvirtxml.NodeDevicePCISubCapability{
			PhysFunction: &libvirtxml.NodeDevicePCIPhysFunctionCapability{Address: pf.xml()},
		})
	}
	total, _ := b.sys.attrInt(dev, "sriov_totalvfs", 10)
	links, _ := filepath.Glob(b.sys.file(dev + "/virtfn*"))
	type vf struct {
		n    int
		addr pciAddr
	}
	var vfs []vf
	for _, l := range links {
		n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(l), "virtfn"))
		if err != nil {
			continue
		}
		if a, ok := parsePCIAddr(b.sys.link(dev, filepath.Base(l))); ok {
			vfs = append(vfs, vf{n, a})
		}
	}
	if total <= 0 && len(vfs) == 0 {
		return
	}
	sort.Slice(vfs, func(i, j int) bool { return vfs[i].n < vfs[j].n })
	c := &libvirtxml.NodeDevicePCIVirtFunctionsCapability{MaxCount: int(total)}
	for _, v := range vfs {
		c.Address = append(c.Address, v.addr.xml())
	}
	pc.Capabilities = append(pc.Capabilities, libvirtxml.NodeDevicePCISubCapability{VirtFunctions: c})
}

// iommuGroup reports the device's IOMMU group and the PCI devices in it, or nil when
// the host has no IOMMU (libvirt then prints no iommuGroup element).
func (b *builder) iommuGroup(dev string) *libvirtxml.NodeDeviceIOMMUGroup {
	g := b.sys.link(dev, "iommu_group")
	n, err := strconv.Atoi(g)
	if err != nil {
		return nil
	}
	ents, err := os.ReadDir(b.sys.file("/sys/kernel/iommu_groups/" + g + "/devices"))
	if err != nil || len(ents) == 0 {
		return nil
	}
	grp := &libvirtxml.NodeDeviceIOMMUGroup{Number: n}
	for _, e := range ents {
		if a, ok := parsePCIAddr(e.Name()); ok {
			grp.Address = append(grp.Address, a.xml())
		}
	}
	return grp
}

// mdevTypes lists the mediated device types a parent device offers
// (mdev_supported_types), as virMediatedDeviceGetMdevTypes.
func (b *builder) mdevTypes(dev string) []libvirtxml.NodeDeviceMDevType {
	ents, err := os.ReadDir(b.sys.file(dev + "/mdev_supported_types"))
	if err != nil {
		return nil
	}
	var types []libvirtxml.NodeDeviceMDevType
	for _, e := range ents {
		dir := dev + "/mdev_supported_types/" + e.Name()
		avail, ok := b.sys.attrInt(dir, "available_instances", 10)
		api := b.sys.attr(dir, "device_api")
		if !ok || avail < 0 || api == "" {
			continue
		}
		types = append(types, libvirtxml.NodeDeviceMDevType{
			ID:                 e.Name(),
			Name:               b.sys.attr(dir, "name"),
			DeviceAPI:          api,
			AvailableInstances: uint(avail),
		})
	}
	return types
}
