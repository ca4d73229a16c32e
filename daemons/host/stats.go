package host

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// The host statistics libvirt reports (src/util/virhostcpu.c, virhostmem.c): what
// virsh nodecpustats, nodememstats and freecell print.

// AllCells and AllCPUs ask for the whole machine (VIR_NODE_MEMORY_STATS_ALL_CELLS,
// VIR_NODE_CPU_STATS_ALL_CPUS).
const (
	AllCells = -1
	AllCPUs  = -1
)

// Stat is one named figure.
type Stat struct {
	Field string
	Value uint64
}

// userHZ is the kernel's USER_HZ, the unit of /proc/stat.
const userHZ = 100

// CPUStats is virNodeGetCPUStats: kernel, user, idle and iowait time in nanoseconds,
// for one CPU or (AllCPUs) the sum of all. ok is false for a CPU the kernel does not
// list.
func (h *Host) CPUStats(cpu int) (stats []Stat, ok bool) {
	want := "cpu"
	if cpu != AllCPUs {
		want = "cpu" + strconv.Itoa(cpu)
	}
	for _, line := range strings.Split(h.root.read("proc/stat"), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || f[0] != want {
			continue
		}
		n := make([]uint64, 8)
		for i := range n {
			n[i], _ = strconv.ParseUint(f[i+1], 10, 64)
		}
		// user nice system idle iowait irq softirq steal
		ns := func(ticks uint64) uint64 { return ticks * (1e9 / userHZ) }
		return []Stat{
			{"kernel", ns(n[2] + n[5] + n[6])},
			{"user", ns(n[0] + n[1])},
			{"idle", ns(n[3])},
			{"iowait", ns(n[4])},
		}, true
	}
	return nil, false
}

// MemoryStats is virNodeGetMemoryStats: total, free, buffers and cached memory in KiB,
// of one NUMA cell or (AllCells) the machine.
func (h *Host) MemoryStats(cell int) (stats []Stat, err error) {
	path := "proc/meminfo"
	if cell != AllCells {
		if cell < 0 || !h.hasCell(cell) {
			return nil, fmt.Errorf("cell %d does not exist", cell)
		}
		path = fmt.Sprintf("sys/devices/system/node/node%d/meminfo", cell)
	}
	m := h.root.meminfo(path)
	if _, ok := m["MemTotal"]; !ok {
		return nil, fmt.Errorf("cannot read MemTotal from %s", h.root.path(path))
	}
	return []Stat{{"total", m["MemTotal"]}, {"free", m["MemFree"]}, {"buffers", m["Buffers"]}, {"cached", m["Cached"]}}, nil
}

// cells lists the NUMA node ids; a kernel without NUMA has the one node 0.
func (h *Host) cells() []int {
	dirs, _ := filepath.Glob(h.root.path("sys/devices/system/node/node[0-9]*"))
	var ids []int
	for _, d := range dirs {
		if id, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "node")); err == nil {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	return ids
}

func (h *Host) hasCell(cell int) bool {
	for _, c := range h.cells() {
		if c == cell {
			return true
		}
	}
	return false
}

// FreeMemory is virNodeGetFreeMemory: free memory in bytes.
func (h *Host) FreeMemory() (uint64, error) {
	m := h.root.meminfo("proc/meminfo")
	free, ok := m["MemFree"]
	if !ok {
		return 0, fmt.Errorf("cannot read MemFree from %s", h.root.path("proc/meminfo"))
	}
	return free * 1024, nil
}

// CellsFreeMemory is virNodeGetCellsFreeMemory: the free bytes of up to max cells
// from start. Without NUMA the machine is cell 0.
func (h *Host) CellsFreeMemory(start, max int) ([]uint64, int, error) {
	cells := h.cells()
	if len(cells) == 0 {
		free, err := h.FreeMemory()
		if err != nil {
			return nil, 0, err
		}
		if start != 0 {
			return nil, 0, nil
		}
		return []uint64{free}, 0, nil
	}
	last := cells[len(cells)-1]
	if start < 0 || start > last {
		return nil, last, fmt.Errorf("start cell %d out of range (0-%d)", start, last)
	}
	var out []uint64
	for c := start; c <= last && len(out) < max; c++ {
		m := h.root.meminfo(fmt.Sprintf("sys/devices/system/node/node%d/meminfo", c))
		out = append(out, m["MemFree"]*1024)
	}
	return out, last, nil
}

// CPUMap is virNodeGetCPUMap: a bitmap of the present CPUs with those online set, how
// many are online, and how many CPUs the map covers.
func (h *Host) CPUMap() (cpumap []byte, online int, total int, err error) {
	present := cpuList(h.root.read("sys/devices/system/cpu/present"))
	if len(present) == 0 {
		return nil, 0, 0, fmt.Errorf("cannot read %s", h.root.path("sys/devices/system/cpu/present"))
	}
	total = present[len(present)-1] + 1
	cpumap = make([]byte, (total+7)/8)
	for _, c := range cpuList(h.root.read("sys/devices/system/cpu/online")) {
		if c < total {
			cpumap[c/8] |= 1 << (c % 8)
			online++
		}
	}
	return cpumap, online, total, nil
}

// OnlineCPUs lists the online CPUs, for affinity maps.
func (h *Host) OnlineCPUs() []int { return cpuList(h.root.read("sys/devices/system/cpu/online")) }
