package host

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// Capabilities returns the <host> part of the capabilities XML: UUID, CPU (arch,
// vendor, signature, microcode, topology, page sizes), power management, IOMMU, NUMA
// topology with each cell's memory and CPUs. Drivers add <guest> sections and security
// models. libvirt also names the CPU model by matching the CPU against its CPU map;
// virtunit has no CPU map and omits <model> rather than guess, as libvirt itself does
// where it cannot decode the CPU.
func (h *Host) Capabilities() (*libvirtxml.Caps, error) {
	t, err := h.root.topology()
	if err != nil {
		return nil, err
	}
	sockets, dies, cores, threads := t.shape()
	ci := h.root.cpuinfo()
	cpu := &libvirtxml.CapsHostCPU{
		Arch:      Arch(),
		Topology:  &libvirtxml.CapsHostCPUTopology{Sockets: sockets, Dies: dies, Cores: cores, Threads: threads},
		PageSizes: h.pageSizes(),
	}
	if fam, err := strconv.Atoi(ci["cpu family"]); err == nil {
		model, _ := strconv.Atoi(ci["model"])
		step, _ := strconv.Atoi(ci["stepping"])
		cpu.Signature = &libvirtxml.CapsHostCPUSignature{Family: fam, Model: model, Stepping: step}
	}
	if mc, err := strconv.ParseInt(strings.TrimPrefix(ci["microcode"], "0x"), 16, 64); err == nil {
		cpu.Microcode = &libvirtxml.CapsHostCPUMicrocode{Version: int(mc)}
	}
	switch ci["vendor_id"] {
	case "GenuineIntel":
		cpu.Vendor = "Intel"
	case "AuthenticAMD":
		cpu.Vendor = "AMD"
	}
	caps := &libvirtxml.Caps{Host: libvirtxml.CapsHost{
		UUID:            h.UUID(),
		CPU:             cpu,
		PowerManagement: h.powerManagement(),
		IOMMU:           &libvirtxml.CapsHostIOMMU{Support: h.iommu()},
		NUMA:            h.numa(t),
	}}
	return caps, nil
}

// pageSizes lists the base page and every huge page size the kernel offers, in KiB.
func (h *Host) pageSizes() []libvirtxml.CapsHostCPUPageSize {
	sizes := []libvirtxml.CapsHostCPUPageSize{{Size: 4, Unit: "KiB"}}
	for _, kb := range h.hugePageSizes("sys/kernel/mm/hugepages") {
		sizes = append(sizes, libvirtxml.CapsHostCPUPageSize{Size: kb, Unit: "KiB"})
	}
	return sizes
}

func (h *Host) hugePageSizes(dir string) []int {
	dirs, _ := filepath.Glob(h.root.path(dir + "/hugepages-*kB"))
	var sizes []int
	for _, d := range dirs {
		kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(d), "hugepages-"), "kB"))
		if err == nil {
			sizes = append(sizes, kb)
		}
	}
	sort.Ints(sizes)
	return sizes
}

// powerManagement reports the suspend targets /sys/power/state offers.
func (h *Host) powerManagement() *libvirtxml.CapsHostPowerManagement {
	states := strings.Fields(h.root.read("sys/power/state"))
	pm := &libvirtxml.CapsHostPowerManagement{}
	for _, s := range states {
		switch s {
		case "mem":
			pm.SuspendMem = &libvirtxml.CapsHostPowerManagementMode{}
		case "disk":
			pm.SuspendDisk = &libvirtxml.CapsHostPowerManagementMode{}
		}
	}
	if pm.SuspendMem != nil && pm.SuspendDisk != nil {
		pm.SuspendHybrid = &libvirtxml.CapsHostPowerManagementMode{}
	}
	return pm
}

// iommu is "yes" when the kernel has IOMMU groups, as libvirt decides.
func (h *Host) iommu() string {
	groups, _ := filepath.Glob(h.root.path("sys/kernel/iommu_groups/*"))
	if len(groups) > 0 {
		return "yes"
	}
	return "no"
}

func (h *Host) numa(t topology) *libvirtxml.CapsHostNUMATopology {
	cells := make([]libvirtxml.CapsHostNUMACell, 0, len(t.nodes))
	for _, n := range t.nodes {
		cell := libvirtxml.CapsHostNUMACell{ID: n}
		nodeDir := fmt.Sprintf("sys/devices/system/node/node%d", n)
		if kb := h.root.meminfo(nodeDir + "/meminfo")["MemTotal"]; kb > 0 {
			cell.Memory = &libvirtxml.CapsHostNUMAMemory{Size: kb, Unit: "KiB"}
		} else if len(t.nodes) == 1 {
			cell.Memory = &libvirtxml.CapsHostNUMAMemory{Size: h.root.meminfo("proc/meminfo")["MemTotal"], Unit: "KiB"}
		}
		if d := h.root.read(nodeDir + "/distance"); d != "" {
			dist := &libvirtxml.CapsHostNUMADistances{}
			for i, v := range strings.Fields(d) {
				if n, err := strconv.Atoi(v); err == nil && i < len(t.nodes) {
					dist.Siblings = append(dist.Siblings, libvirtxml.CapsHostNUMASibling{ID: t.nodes[i], Value: n})
				}
			}
			cell.Distances = dist
		}
		cpus := &libvirtxml.CapsHostNUMACPUs{}
		for _, c := range t.cpus {
			if c.node != n {
				continue
			}
			c := c
			cpus.CPUs = append(cpus.CPUs, libvirtxml.CapsHostNUMACPU{
				ID: c.id, SocketID: &c.socket, DieID: &c.die, CoreID: &c.core, Siblings: c.siblings,
			})
		}
		cpus.Num = uint(len(cpus.CPUs))
		cell.CPUS = cpus
		cells = append(cells, cell)
	}
	return &libvirtxml.CapsHostNUMATopology{Cells: &libvirtxml.CapsHostNUMACells{Num: uint(len(cells)), Cells: cells}}
}
