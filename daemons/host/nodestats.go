package host

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	libvirt "github.com/digitalocean/go-libvirt"

	"github.com/virtunit/virtunit/daemons/virerror"
)

// userHZ is the unit of /proc/stat's times: the kernel's USER_HZ, 100 on every
// architecture Linux exports it for (sysconf(_SC_CLK_TCK), which libvirt asks).
const userHZ = 100

// The counts of fields libvirt's Linux code reports (LINUX_NB_CPU_STATS and
// LINUX_NB_MEMORY_STATS_ALL/_CELL).
const (
	cpuStatsFields     = 4
	memoryStatsAll     = 4
	memoryStatsPerCell = 2
)

// NodeGetCPUStats is virNodeGetCPUStats: kernel, user, idle and iowait time in
// nanoseconds of one CPU, or of all (CPUNum -1), from /proc/stat. With Nparams 0 it
// only says how many fields there are, as the two-call C API does.
func (h *Host) NodeGetCPUStats(ctx context.Context, a libvirt.NodeGetCPUStatsArgs) (libvirt.NodeGetCPUStatsRet, error) {
	var ret libvirt.NodeGetCPUStatsRet
	if err := virerror.CheckFlags(a.Flags, 0, virerror.FromNone, "virNodeGetCPUStats"); err != nil {
		return ret, err
	}
	if a.CPUNum < -1 {
		return ret, invalidArg("cpuNum in virNodeGetCPUStats only accepts -1 as a negative value")
	}
	if a.Nparams == 0 {
		ret.Nparams = cpuStatsFields
		return ret, nil
	}
	if a.Nparams != cpuStatsFields {
		return ret, invalidArg("nparams in virHostCPUGetStatsLinux must be equal to %d", cpuStatsFields)
	}
	header := "cpu"
	if a.CPUNum != -1 {
		header = "cpu" + strconv.Itoa(int(a.CPUNum))
	}
	for _, line := range strings.Split(h.root.read("proc/stat"), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != header {
			continue
		}
		var v [10]uint64 // user nice system idle iowait irq softirq steal guest guest_nice
		for i := 1; i < len(f) && i <= len(v); i++ {
			v[i-1], _ = strconv.ParseUint(f[i], 10, 64)
		}
		const tick = 1_000_000_000 / userHZ
		ret.Params = []libvirt.NodeGetCPUStats{
			{Field: "kernel", Value: (v[2] + v[5] + v[6]) * tick},
			{Field: "user", Value: (v[0] + v[1]) * tick},
			{Field: "idle", Value: v[3] * tick},
			{Field: "iowait", Value: v[4] * tick},
		}
		ret.Nparams = cpuStatsFields
		return ret, nil
	}
	return ret, invalidArg("Invalid cpuNum in virHostCPUGetStatsLinux")
}

// NodeGetMemoryStats is virNodeGetMemoryStats: total, free, buffers and cached memory
// in KiB for the host (CellNum -1) or total and free of one NUMA cell. A host without
// NUMA cells answers cell 0 with the whole host, as libvirt claims one cell there.
func (h *Host) NodeGetMemoryStats(ctx context.Context, a libvirt.NodeGetMemoryStatsArgs) (libvirt.NodeGetMemoryStatsRet, error) {
	var ret libvirt.NodeGetMemoryStatsRet
	if err := virerror.CheckFlags(a.Flags, 0, virerror.FromNone, "virNodeGetMemoryStats"); err != nil {
		return ret, err
	}
	if a.CellNum < -1 {
		return ret, invalidArg("cellNum in virNodeGetMemoryStats only accepts -1 as a negative value")
	}
	cells := h.numaCells()
	cell := a.CellNum
	if len(cells) == 0 && cell == 0 {
		cell = -1
	}
	want := memoryStatsPerCell
	if cell == -1 {
		want = memoryStatsAll
	}
	if a.Nparams == 0 {
		ret.Nparams = int32(want)
		return ret, nil
	}
	if int(a.Nparams) != want {
		return ret, invalidArg("nparams in virHostMemGetStatsLinux must be %d", want)
	}
	file := "proc/meminfo"
	if cell != -1 {
		if int(cell) > maxCell(cells) {
			return ret, invalidArg("cellNum in virHostMemGetStats must be less than or equal to %d", maxCell(cells))
		}
		file = fmt.Sprintf("sys/devices/system/node/node%d/meminfo", cell)
	}
	m := h.root.meminfo(file)
	for _, f := range []struct{ key, field string }{
		{"MemTotal", "total"}, {"MemFree", "free"}, {"Buffers", "buffers"}, {"Cached", "cached"},
	}[:want] {
		if v, ok := m[f.key]; ok {
			ret.Params = append(ret.Params, libvirt.NodeGetMemoryStats{Field: f.field, Value: v})
		}
	}
	if len(ret.Params) == 0 {
		return ret, virerror.New(libvirt.ErrInternalError, virerror.FromNone, "no available memory line found")
	}
	ret.Nparams = int32(len(ret.Params))
	return ret, nil
}

// NodeGetFreeMemory is virNodeGetFreeMemory: free memory in bytes, summed over the
// NUMA cells where there are cells.
func (h *Host) NodeGetFreeMemory(ctx context.Context, _ struct{}) (libvirt.NodeGetFreeMemoryRet, error) {
	var free uint64
	cells := h.numaCells()
	for _, c := range cells {
		free += h.root.meminfo(fmt.Sprintf("sys/devices/system/node/node%d/meminfo", c))["MemFree"]
	}
	if len(cells) == 0 {
		free = h.root.meminfo("proc/meminfo")["MemFree"]
	}
	if free == 0 {
		return libvirt.NodeGetFreeMemoryRet{}, virerror.New(libvirt.ErrInternalError, virerror.FromNone, "cannot read free memory")
	}
	return libvirt.NodeGetFreeMemoryRet{FreeMem: free * 1024}, nil
}

// maxCellsPerCall is REMOTE_NODE_MAX_CELLS, the most cells one call may ask for.
const maxCellsPerCall = 1024

// NodeGetCellsFreeMemory is virNodeGetCellsFreeMemory: the free bytes of up to Maxcells
// NUMA cells from StartCell. A host without cells is the one cell 0, as libvirt
// counts it.
func (h *Host) NodeGetCellsFreeMemory(ctx context.Context, a libvirt.NodeGetCellsFreeMemoryArgs) (libvirt.NodeGetCellsFreeMemoryRet, error) {
	var ret libvirt.NodeGetCellsFreeMemoryRet
	if a.Maxcells <= 0 || a.Maxcells > maxCellsPerCall {
		return ret, virerror.New(libvirt.ErrRPC, virerror.FromRPC, "maxCells > REMOTE_NODE_MAX_CELLS")
	}
	cells := h.numaCells()
	if len(cells) == 0 {
		if a.StartCell != 0 {
			return ret, virerror.New(libvirt.ErrInternalError, virerror.FromNone, "start cell %d out of range (0-0)", a.StartCell)
		}
		free, err := h.NodeGetFreeMemory(ctx, struct{}{})
		if err != nil {
			return ret, err
		}
		ret.Cells = []uint64{free.FreeMem}
		return ret, nil
	}
	last := maxCell(cells)
	if a.StartCell < 0 || int(a.StartCell) > last {
		return ret, virerror.New(libvirt.ErrInternalError, virerror.FromNone, "start cell %d out of range (0-%d)", a.StartCell, last)
	}
	for c := int(a.StartCell); c <= last && len(ret.Cells) < int(a.Maxcells); c++ {
		ret.Cells = append(ret.Cells, h.root.meminfo(fmt.Sprintf("sys/devices/system/node/node%d/meminfo", c))["MemFree"]*1024)
	}
	return ret, nil
}

// NodeGetCPUMap is virNodeGetCPUMap: which CPUs are online, as a bitmap over every
// CPU up to the highest online one, and how many are.
func (h *Host) NodeGetCPUMap(ctx context.Context, a libvirt.NodeGetCPUMapArgs) (libvirt.NodeGetCPUMapRet, error) {
	var ret libvirt.NodeGetCPUMapRet
	if err := virerror.CheckFlags(a.Flags, 0, virerror.FromNone, "virNodeGetCPUMap"); err != nil {
		return ret, err
	}
	online := cpuList(h.root.read("sys/devices/system/cpu/online"))
	if len(online) == 0 {
		return ret, virerror.New(libvirt.ErrInternalError, virerror.FromNone, "cannot read %s", h.root.path("sys/devices/system/cpu/online"))
	}
	n := online[len(online)-1] + 1
	if a.NeedMap != 0 {
		ret.Cpumap = make([]byte, (n+7)/8)
		for _, c := range online {
			ret.Cpumap[c/8] |= 1 << (c % 8)
		}
	}
	if a.NeedOnline != 0 {
		ret.Online = uint32(len(online))
	}
	ret.Ret = int32(n)
	return ret, nil
}

// numaCells lists the host's NUMA cells by number.
func (h *Host) numaCells() []int {
	dirs, _ := filepath.Glob(h.root.path("sys/devices/system/node/node[0-9]*"))
	var cells []int
	for _, d := range dirs {
		if n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "node")); err == nil {
			cells = append(cells, n)
		}
	}
	return cells
}

func maxCell(cells []int) int {
	m := 0
	for _, c := range cells {
		m = max(m, c)
	}
	return m
}

// invalidArg is libvirt's virReportInvalidArg: VIR_ERR_INVALID_ARG with the message
// alone, no "invalid argument:" before it (virsh nodecpustats 55 on libvirt 9.0 says
// "Invalid cpuNum in virHostCPUGetStatsLinux").
func invalidArg(format string, args ...any) error {
	return virerror.Verbatim(libvirt.ErrInvalidArg, virerror.FromNone, fmt.Sprintf(format, args...))
}
