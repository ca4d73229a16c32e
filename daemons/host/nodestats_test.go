package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	libvirt "github.com/digitalocean/go-libvirt"
)

// TestNodeStats checks the node statistics calls on the fake two-cell machine: the
// counts the two-call API asks first, the values as libvirt scales them, and the
// errors for cells and CPUs that do not exist.
func TestNodeStats(t *testing.T) {
	root := fakeRoot(t)
	os.WriteFile(filepath.Join(root, "proc/stat"), []byte("cpu  10 1 5 100 2 3 4 0 0 0\ncpu0 5 0 2 50 1 1 2 0 0 0\n"), 0o644)
	os.WriteFile(filepath.Join(root, "proc/meminfo"), []byte("MemTotal: 16000 kB\nMemFree: 900 kB\nBuffers: 7 kB\nCached: 8 kB\n"), 0o644)
	os.WriteFile(filepath.Join(root, "sys/devices/system/node/node1/meminfo"), []byte("Node 1 MemTotal: 8000 kB\nNode 1 MemFree: 300 kB\nNode 1 MemUsed: 7700 kB\n"), 0o644)
	os.WriteFile(filepath.Join(root, "sys/devices/system/node/node0/meminfo"), []byte("Node 0 MemTotal: 8000 kB\nNode 0 MemFree: 600 kB\n"), 0o644)
	h, ctx := NewAt(root, UUIDConfig{}), context.Background()

	n, err := h.NodeGetCPUStats(ctx, libvirt.NodeGetCPUStatsArgs{CPUNum: -1})
	if err != nil || n.Nparams != 4 || len(n.Params) != 0 {
		t.Fatalf("count of CPU stats: %+v %v", n, err)
	}
	cs, err := h.NodeGetCPUStats(ctx, libvirt.NodeGetCPUStatsArgs{CPUNum: -1, Nparams: 4})
	want := []libvirt.NodeGetCPUStats{{Field: "kernel", Value: 12e7}, {Field: "user", Value: 11e7}, {Field: "idle", Value: 100e7}, {Field: "iowait", Value: 2e7}}
	if err != nil || len(cs.Params) != 4 || cs.Params[0] != want[0] || cs.Params[1] != want[1] || cs.Params[2] != want[2] || cs.Params[3] != want[3] {
		t.Errorf("all CPUs: %+v %v, want %+v", cs.Params, err, want)
	}
	if _, err := h.NodeGetCPUStats(ctx, libvirt.NodeGetCPUStatsArgs{CPUNum: 7, Nparams: 4}); err == nil || err.Error() != "Invalid cpuNum in virHostCPUGetStatsLinux" {
		t.Errorf("CPU 7: %v", err)
	}

	ms, err := h.NodeGetMemoryStats(ctx, libvirt.NodeGetMemoryStatsArgs{CellNum: -1, Nparams: 4})
	if err != nil || len(ms.Params) != 4 || ms.Params[0].Field != "total" || ms.Params[0].Value != 16000 || ms.Params[3].Field != "cached" {
		t.Errorf("host memory: %+v %v", ms, err)
	}
	ms, err = h.NodeGetMemoryStats(ctx, libvirt.NodeGetMemoryStatsArgs{CellNum: 1, Nparams: 2})
	if err != nil || len(ms.Params) != 2 || ms.Params[1].Field != "free" || ms.Params[1].Value != 300 {
		t.Errorf("cell 1 memory: %+v %v", ms, err)
	}
	if _, err := h.NodeGetMemoryStats(ctx, libvirt.NodeGetMemoryStatsArgs{CellNum: 2, Nparams: 2}); err == nil || !strings.Contains(err.Error(), "must be less than or equal to 1") {
		t.Errorf("cell 2: %v", err)
	}

	fm, err := h.NodeGetFreeMemory(ctx, struct{}{})
	if err != nil || fm.FreeMem != 900*1024 {
		t.Errorf("free memory: %+v %v, want the cells' 900 KiB", fm, err)
	}

	cm, err := h.NodeGetCPUMap(ctx, libvirt.NodeGetCPUMapArgs{NeedMap: 1, NeedOnline: 1})
	if err != nil || cm.Ret != 8 || cm.Online != 8 || len(cm.Cpumap) != 1 || cm.Cpumap[0] != 0xff {
		t.Errorf("CPU map: %+v %v", cm, err)
	}
}
