package qemu

import (
	"context"
	"strings"
	"time"

	"libvirt.org/go/libvirtxml"

	"github.com/virtunit/virtunit/daemons/qemu/qmp"
)

// What QEMU's monitor says about a running guest, for the statistics calls. Nothing
// here takes the guest's job: the monitor answers concurrent commands, so a slow
// start or hotplug of one guest never holds up a poller of all of them.

// statsTimeout bounds the monitor commands of one statistics call per guest.
const statsTimeout = 5 * time.Second

// balloonStats is QEMU's guest-stats of a virtio balloon (bytes; -1 for what the
// guest does not report) and the balloon's size (query-balloon).
type balloonStats struct {
	actual     int64 // bytes; -1 when QEMU has no balloon
	stats      map[string]int64
	lastUpdate int64
}

// queryBalloon reads the balloon's size and, when the guest has reported any, its
// memory statistics.
func queryBalloon(ctx context.Context, mon *qmp.Monitor, def *libvirtxml.Domain) balloonStats {
	out := balloonStats{actual: -1}
	if !hasBalloon(def) {
		return out
	}
	var b struct {
		Actual int64 `json:"actual"`
	}
	if err := mon.Execute(ctx, "query-balloon", nil, &b); err == nil {
		out.actual = b.Actual
	}
	// QEMU reports a statistic the guest has not given as 2^64-1, which the
	// int64 conversion below makes -1: absent.
	var gs struct {
		Stats      map[string]uint64 `json:"stats"`
		LastUpdate int64             `json:"last-update"`
	}
	// Fails with "guest hasn't updated any stats yet" until the guest driver has
	// reported once; libvirt ignores that as well.
	args := map[string]string{"path": "/machine/peripheral/balloon0", "property": "guest-stats"}
	if err := mon.Execute(ctx, "qom-get", args, &gs); err == nil {
		out.stats, out.lastUpdate = make(map[string]int64, len(gs.Stats)), gs.LastUpdate
		for k, v := range gs.Stats {
			out.stats[k] = int64(v)
		}
	}
	return out
}

func hasBalloon(def *libvirtxml.Domain) bool {
	b := def.Devices.MemBalloon
	return b != nil && b.Model == "virtio"
}

// vcpuThread is one vCPU of a running guest and its host thread.
type vcpuThread struct {
	index int
	tid   int
}

// queryVCPUs lists the vCPUs QEMU runs (query-cpus-fast) with their threads.
func queryVCPUs(ctx context.Context, mon *qmp.Monitor) ([]vcpuThread, error) {
	var cpus []struct {
		Index    int `json:"cpu-index"`
		ThreadID int `json:"thread-id"`
	}
	if err := mon.Execute(ctx, "query-cpus-fast", nil, &cpus); err != nil {
		return nil, err
	}
	out := make([]vcpuThread, 0, len(cpus))
	for _, c := range cpus {
		out = append(out, vcpuThread{index: c.Index, tid: c.ThreadID})
	}
	return out, nil
}

// blockCounters are one disk's I/O counters (query-blockstats).
type blockCounters struct {
	RdBytes          int64 `json:"rd_bytes"`
	WrBytes          int64 `json:"wr_bytes"`
	RdOperations     int64 `json:"rd_operations"`
	WrOperations     int64 `json:"wr_operations"`
	FlushOperations  int64 `json:"flush_operations"`
	RdTotalTimeNs    int64 `json:"rd_total_time_ns"`
	WrTotalTimeNs    int64 `json:"wr_total_time_ns"`
	FlushTotalTimeNs int64 `json:"flush_total_time_ns"`
	WrHighestOffset  int64 `json:"wr_highest_offset"`
}

type blockStatsEntry struct {
	Device   string        `json:"device"`
	QDev     string        `json:"qdev"`
	NodeName string        `json:"node-name"`
	Stats    blockCounters `json:"stats"`
	Parent   *struct {
		Stats blockCounters `json:"stats"`
	} `json:"parent"`
}

// queryBlockStats returns the counters of every disk, by device alias.
func queryBlockStats(ctx context.Context, mon *qmp.Monitor) (map[string]blockStatsEntry, error) {
	var raw []blockStatsEntry
	if err := mon.Execute(ctx, "query-blockstats", nil, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]blockStatsEntry, len(raw))
	for _, e := range raw {
		if alias := qdevAlias(e.QDev); alias != "" {
			out[alias] = e
		} else if alias, ok := strings.CutPrefix(e.Device, "drive-"); ok {
			out[alias] = e
		}
	}
	return out, nil
}

// qdevAlias is the device id in a qdev path: /machine/peripheral/virtio-disk0/virtio-backend
// names virtio-disk0.
func qdevAlias(path string) string {
	rest, ok := strings.CutPrefix(path, "/machine/peripheral/")
	if !ok {
		return ""
	}
	alias, _, _ := strings.Cut(rest, "/")
	return alias
}
